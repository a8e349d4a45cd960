"""The ``detainer-model`` command: a thin layer over the public API.

Every refusal of the model (bad scenario, bad rule file, unknown id) is printed as one line per
problem on standard error with exit status 2; nothing is written to standard output then.

Layer: the CLI is the top layer; it may import every other layer but the web app, and nothing
imports it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

from ..errors import DetainerModelError
from . import rules_browse  # noqa: F401  (attaches `rules list` and `rules show`)
from .app import cli
from .batch import batch_command
from .exercise import exercise_group
from .explain import explain_command
from .places import places_command
from .report_cmd import report_command
from .rules_docs import coverage_command, diff_command, table_command
from .rules_group import rules_group
from .run import run_command
from .simulate import simulate_command
from .whatif import whatif_command

# One line per command; each command lives in its own module.
cli.add_command(run_command)
cli.add_command(rules_group)
cli.add_command(batch_command)
cli.add_command(simulate_command)
cli.add_command(report_command)
cli.add_command(explain_command)
cli.add_command(whatif_command)
cli.add_command(exercise_group)
cli.add_command(places_command)
rules_group.add_command(diff_command)
rules_group.add_command(table_command)
rules_group.add_command(coverage_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return (and, as a script, exit with) its status."""
    try:
        status = cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except DetainerModelError as exc:
        for line in exc.lines():
            click.echo(f"error: {line}", err=True)
        return _exit(2)
    except click.exceptions.Exit as exc:
        return _exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return _exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return _exit(130)
    except KeyboardInterrupt:
        return _exit(130)
    except BrokenPipeError:
        return _exit(0)
    except Exception as exc:  # a bug: say so in one line unless debugging
        if os.environ.get("DETAINER_MODEL_DEBUG"):
            raise
        click.echo(
            f"internal error: {type(exc).__name__}: {exc} (set DETAINER_MODEL_DEBUG=1 for details)", err=True
        )
        return _exit(3)
    return _exit(status if isinstance(status, int) else 0)


def _exit(code: int) -> int:
    if __name__ == "__main__" or _called_as_script():
        sys.exit(code)
    return code


def _called_as_script() -> bool:
    return bool(getattr(sys, "_detainer_model_script", False))


def script() -> None:
    """Console-script entry point."""
    sys._detainer_model_script = True  # type: ignore[attr-defined]
    main()


__all__ = ["cli", "main", "script"]

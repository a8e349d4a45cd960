"""The ``detainer-model`` command: a thin layer over the public API.

Every refusal of the model (bad scenario, bad rule file, unknown id) is printed as one line per
problem on standard error with exit status 2; nothing is written to standard output then.

Layer: the CLI is the top layer; it may import every other layer but the web app, and nothing
imports it.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence

import click

from ..errors import DetainerModelError, bounded, visible
from .app import cli
from .rules_group import rules_group

# One line per command: where it lives and its one-line help (commands load only when used).
cli.lazy.update(
    {
        "batch": (
            ".batch:batch_command",
            "Evaluate every person in PEOPLE (with their convictions and charges) and write one row "
            "per person, regime and place to --out.",
        ),
        "docs": (
            ".schema_cmd:docs_group",
            "Keep the generated parts of the documentation in step with the code and the rules.",
        ),
        "exercise": (
            ".exercise:exercise_group",
            "Make a worksheet and answer key from scenario files; grade a student's answers.",
        ),
        "explain": (
            ".explain:explain_command",
            "Explain how each answer for case ID in PATH was reached: every rule that fired, its "
            "summary and source, the facts that made it apply and the convictions a count counted; "
            "and why the regimes (or places) differ.",
        ),
        "places": (
            ".places:places_command",
            "List every place with a history: its parent and the dated versions of its policy.",
        ),
        "report": (
            ".report_cmd:report_command",
            "Write a report on RESULTS (files written by `detainer-model batch`; the parts of a split"
            " run are read as one) into --out: report.html, tables/*.csv (transitions between "
            "regimes, breakdowns by local policy and by most serious conviction, the model beside the"
            " published record) and charts/*.png and *.svg.",
        ),
        "rules": (
            ".rules_group:rules_group",
            "Browse, compare and check the rule files.",
        ),
        "run": (
            ".run:run_command",
            "Evaluate every case in PATHS (files or folders) and print the results.",
        ),
        "schema": (
            ".schema_cmd:schema_command",
            "Print the JSON Schema of NAME: scenario, answers, rules or results.",
        ),
        "serve": (
            ".serve:serve_command",
            "Serve the classroom web app: case builder, scenario library, what-if, worksheets, policy "
            "lab, rules and sources, and a JSON API under /api/.",
        ),
        "simulate": (
            ".simulate:simulate_command",
            "Draw a synthetic cohort (people, convictions, charges) from a profile and write it to --out.",
        ),
        "timeline": (
            ".timeline:timeline_command",
            "The same person as if booked in each federal era (Secure Communities, the 2014-15 "
            "interim, PEP, Secure Communities revived): what ICE asked for, how the place answered, "
            "and the first answer that differs between neighbouring eras, with the rules that decided "
            "it.",
        ),
        "whatif": (
            ".whatif:whatif_command",
            "What would have to change for case ID in PATH to come out differently?",
        ),
    }
)
rules_group.lazy.update(
    {
        "coverage": (
            ".rules_docs:coverage_command",
            "Which rules and branches (each part of an `or`, each value of a has_any list) the "
            "scenario files in PATHS never exercise.",
        ),
        "diff": (
            ".rules_docs:diff_command",
            "What rule sets A and B decide differently (for example: secure-communities pep, or two "
            "local policies), as a table of situations with each side's answer, rules and sources.",
        ),
        "list": (
            ".rules_browse:list_command",
            "List the rule sets: id, level, the dates each was in force, and title.",
        ),
        "show": (
            ".rules_browse:show_command",
            "Show a rule set (or one rule) in plain language, with sources, verification and notes.",
        ),
        "timeline": (
            ".timeline:rules_timeline_command",
            "The dates in force of the federal regimes (eras) and the local policies, on one time axis "
            "(default: every regime and policy; or the rule sets named).",
        ),
        "table": (
            ".rules_docs:table_command",
            "The decision table of rule set ID (a regime, a local policy or a shared set): for every "
            "combination of the facts its rules read, the answers and the rules that give them.",
        ),
    }
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return (and, as a script, exit with) its status."""
    try:
        status = cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except DetainerModelError as exc:
        for line in bounded(exc.lines()):
            click.echo(f"error: {visible(line)}", err=True)
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
            f"internal error: {type(exc).__name__}: {visible(str(exc))[:500]}"
            " (set DETAINER_MODEL_DEBUG=1 for details)",
            err=True,
        )
        return _exit(3)
    return _exit(status if isinstance(status, int) else 0)


def _exit(code: int) -> int:
    if __name__ == "__main__" or _called_as_script():
        # On its way out, Python collects cyclic garbage over every object still alive, several
        # times: for `run scenarios/` that was a quarter of the command's time, spent freeing
        # memory the process hands back anyway. Frozen objects are left out of those walks;
        # everything else about exiting (flushing output, atexit handlers, closing files) is as
        # before.
        gc.freeze()
        sys.exit(code)
    return code


def _called_as_script() -> bool:
    return bool(getattr(sys, "_detainer_model_script", False))


# Python's cyclic garbage collector runs after every 700 new container objects and, every so
# often, walks every object there is. A command is a short-lived process that builds a great many
# objects that live to its end (models, rules, results) and makes little cyclic garbage, so those
# walks find nothing: for `run scenarios/` they were a sixth of its time. As a script, collect
# only after 200,000 (what mypy does); the memory this can hold back is a few megabytes.
GC_THRESHOLD = (200_000, 30, 30)


# Before building its first validator, pydantic looks for plugins: it lists the entry points of
# every installed distribution (a sixtieth of a second here, more where many are installed). The
# command's models are its own and no plugin is meant to watch them, so, as a script, the command
# turns that search off (pydantic's documented PYDANTIC_DISABLE_PLUGINS) unless the user's
# environment already says otherwise; the library, imported by other code, leaves it alone.
PYDANTIC_PLUGINS = ("PYDANTIC_DISABLE_PLUGINS", "__all__")

# numpy (which `batch`, `simulate` and `report` load, for polars and the Parquet footer check)
# starts OpenBLAS's pool of threads as it is imported, and those threads spin while they wait:
# 0.07 s of CPU in every such command, for linear algebra no command does. As a script, the pool
# is one thread unless the user's environment says otherwise (OpenBLAS's documented variable).
OPENBLAS_THREADS = ("OPENBLAS_NUM_THREADS", "1")


def as_command() -> None:
    """Set the process up as the command sets itself up (the collector's thresholds, pydantic's
    plugins and OpenBLAS's threads, above); for the benchmarks, which time the command's stages
    in-process. Nothing else calls it: the library, imported by other code, leaves them alone."""
    gc.set_threshold(*GC_THRESHOLD)
    os.environ.setdefault(*PYDANTIC_PLUGINS)
    os.environ.setdefault(*OPENBLAS_THREADS)


def script() -> None:
    """Console-script entry point."""
    sys._detainer_model_script = True  # type: ignore[attr-defined]
    as_command()
    main()


__all__ = ["as_command", "cli", "main", "script"]

"""``detainer-model schema NAME`` and ``detainer-model docs generate``: the formats as files.

``schema`` prints the JSON Schema of a scenario file, an answers file, a rule file or the JSON
results, made from the rules given (``--rules``) so that a folder of your own rules gets a schema
that knows its own policy ids. ``docs generate`` refreshes, from the shipped rules, the generated
tables in ``docs/*.md`` and the schema copies shipped in the package.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError, Problem
from ..report.formatdoc import stale_files
from ..report.schemas import SCHEMAS, SHIPPED_DIR, all_schemas, render, shipped_path
from ..rulebook.library import load_rules
from ..safeio.atomicwrite import write_text_atomic
from .app import RULES_OPTION, rules_from


@click.command("schema")
@click.argument("name", type=click.Choice(list(SCHEMAS)))
@RULES_OPTION
def schema_command(name: str, rules_dir: Path | None) -> None:
    """Print the JSON Schema of NAME: scenario, answers, rules or results.

    Point an editor at it for completion and checking as you type, for example with a first line
    `# yaml-language-server: $schema=scenario.schema.json` in a scenario file (VS Code's YAML
    extension and other editors that use yaml-language-server).
    """
    click.echo(render(SCHEMAS[name](rules_from(rules_dir))), nl=False)


@click.group("docs")
def docs_group() -> None:
    """Keep the generated parts of the documentation in step with the code and the rules."""


@docs_group.command("generate")
@click.option(
    "--docs",
    "docs_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("docs"),
    show_default=True,
    help="The folder of Markdown pages with generated blocks.",
)
@click.option(
    "--check", is_flag=True, help="Change nothing; list what is out of date and exit 1 if anything is."
)
def generate_command(docs_dir: Path, check: bool) -> int:
    """Regenerate the field tables in DOCS and the schemas shipped in the package, from the shipped
    rules. Run it from the repository's top folder after changing a model, rules/vocabulary.yaml or
    rules/model.yaml."""
    if not docs_dir.is_dir():
        where = "no such folder (run from the repository's top folder)"
        raise InputError([Problem(str(docs_dir), None, "", where)])
    lib = load_rules()
    changes: dict[Path, str] = stale_files(docs_dir, lib)
    schemas_writable = _is_checkout(SHIPPED_DIR)
    if schemas_writable:
        for name, schema in all_schemas(lib).items():
            path = shipped_path(name)
            text = render(schema)
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                changes[path] = text
    for path in changes:
        click.echo(f"{'out of date' if check else 'updated'}: {_shown(path)}")
    if not schemas_writable:
        click.echo(f"note: the shipped schemas in {SHIPPED_DIR} are not in this folder; left as they are")
    if not changes:
        click.echo("everything is up to date")
    elif check:
        click.echo("run `detainer-model docs generate` to bring them up to date", err=True)
        return 1
    for path, text in changes.items():
        write_text_atomic(path, text)
    return 0


def _is_checkout(folder: Path) -> bool:
    """True when ``folder`` is inside the current directory (an editable install being worked on)."""
    try:
        folder.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return False
    return True


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)

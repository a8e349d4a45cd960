"""The package's layers: a lower layer never imports a higher one (see each subpackage's docstring)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import detainer_model

PACKAGE = Path(detainer_model.__file__).parent

# Higher numbers sit above lower ones; layers of equal rank are siblings that never import each other.
RANK = {
    "errors": 0,
    "_version": 0,
    "safeio": 1,
    "rulebook": 2,
    "core": 3,
    "teaching": 4,
    "population": 4,
    "report": 5,
    "__init__": 6,
    "web": 7,
    "pytest_plugin": 7,
    "cli": 8,  # the CLI's `serve` command starts the web app; nothing else imports it
    "__main__": 9,
}

# The core hands results to presenters; these thin methods import a presenter lazily, on call.
PRESENTER_HOOKS = {"to_frame", "_repr_html_"}


def layer_of(module: str) -> str:
    """The layer a dotted module name (``detainer_model.core.evaluate``) belongs to."""
    parts = module.split(".")
    assert parts[0] == "detainer_model", module
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
        if len(parts) == 1:
            return "detainer_model.__init__"
    return ".".join(parts)


def imports(path: Path) -> list[tuple[str, int, str | None]]:
    """Every project import in ``path``: (imported module, line, enclosing function or None)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path)
    package = name.rsplit(".", 1)[0] if path.name != "__init__.py" else name.removesuffix(".__init__")
    found: list[tuple[str, int, str | None]] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join([*base, *([child.module] if child.module else [])])
                else:
                    target = child.module or ""
                if target.startswith("detainer_model"):
                    if target == "detainer_model":
                        found.extend(
                            (f"detainer_model.{a.name}", child.lineno, function) for a in child.names
                        )
                    else:
                        found.append((target, child.lineno, function))
            elif isinstance(child, ast.Import):
                found.extend(
                    (a.name, child.lineno, function)
                    for a in child.names
                    if a.name.startswith("detainer_model")
                )
            visit(child, inner)

    visit(tree, None)
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_belongs_to_a_known_layer() -> None:
    """Each module of the package sits in one of the named layers."""
    unknown = {layer_of(module_name(p)) for p in SOURCES} - set(RANK)
    assert not unknown, f"modules outside any layer: {unknown}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_higher_or_sibling_layer(path: Path) -> None:
    """A module imports only its own layer and the layers below it (presenter hooks excepted)."""
    here = layer_of(module_name(path))
    bad = []
    for target, line, function in imports(path):
        there = layer_of(target)
        if there == here or RANK[there] < RANK[here]:
            continue
        if function in PRESENTER_HOOKS and there == "report" and here == "core":
            continue
        bad.append(f"{path.name}:{line} imports {target} ({there} is not below {here})")
    assert not bad, "\n".join(bad)


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The import checker reports a core module that imports the CLI."""
    fake = PACKAGE / "core" / "_probe_upward.py"
    fake.write_text("from ..cli import script\n", encoding="utf-8")
    try:
        targets = [t for t, _, _ in imports(fake)]
    finally:
        fake.unlink()
    assert targets == ["detainer_model.cli"]
    assert RANK[layer_of(targets[0])] > RANK["core"]

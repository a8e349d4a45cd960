"""The rule files ship inside the installed package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest


@pytest.mark.slow
def test_wheel_carries_every_rule_file(root: Path, tmp_path: Path) -> None:
    """A built wheel holds every file of rules/ under detainer_model/rules/."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(root)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("detainer_model-*.whl")
    inside = {n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("detainer_model/rules/")}
    shipped = {
        f"detainer_model/rules/{p.relative_to(root / 'rules').as_posix()}"
        for p in (root / "rules").rglob("*.yaml")
    }
    assert shipped
    assert shipped == inside


@pytest.mark.slow
def test_wheel_carries_schemas_and_the_pytest_plugin(root: Path, tmp_path: Path) -> None:
    """A built wheel holds the four JSON Schemas and registers the pytest plugin's entry point."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(root)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("detainer_model-*.whl")
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    schemas = {f"detainer_model/schemas/{n}.schema.json" for n in ("scenario", "answers", "rules", "results")}
    assert schemas <= names
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    text = archive.read(entry_points).decode()
    assert "[pytest11]" in text and "detainer_model.pytest_plugin" in text


def test_rules_are_found_without_configuration() -> None:
    """The default rules folder is found from the package alone."""
    from detainer_model.rulebook.library import default_rules_dir

    assert (default_rules_dir() / "model.yaml").is_file()

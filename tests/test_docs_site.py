"""The documentation site's configuration: every page in the navigation, the whole API documented."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import yaml

import detainer_model

ROOT = Path(__file__).resolve().parents[1]


def nav_pages(nav: Any) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [p for item in nav for p in nav_pages(item)]
    if isinstance(nav, dict):
        return [p for value in nav.values() for p in nav_pages(value)]
    return []


def test_every_docs_page_is_in_the_navigation() -> None:
    """Each Markdown page in docs/ appears in mkdocs.yml's nav, and each nav entry exists."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = set(nav_pages(config["nav"]))
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert listed == pages


def test_api_page_documents_the_whole_public_api() -> None:
    """docs/api.md has a mkdocstrings entry for every name in detainer_model.__all__, each at the
    module that defines the very object the package exports, and no other entry."""
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    paths = [line[4:] for line in text.splitlines() if line.startswith("::: detainer_model.")]
    names = {path.rsplit(".", 1)[1]: path.rsplit(".", 1)[0] for path in paths}
    assert sorted(names) == sorted(detainer_model.__all__) and len(paths) == len(names)
    for name, module in names.items():
        assert getattr(importlib.import_module(module), name) is getattr(detainer_model, name), name


def test_vscode_settings_point_at_the_shipped_schemas() -> None:
    """The repository's editor settings map scenarios and rules to schema files that exist."""
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    schemas = settings["yaml.schemas"]
    assert {"scenarios/**/*.yaml", "rules/**/*.yaml"} <= {g for globs in schemas.values() for g in globs}
    for path in schemas:
        assert (ROOT / path).is_file(), path

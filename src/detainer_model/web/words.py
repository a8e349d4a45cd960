"""How the web app writes values, reasons and sources for people (the technical id kept beside).

One place for wording, so that every page says a value the same way.
"""

from __future__ import annotations

from typing import Any

from ..rulebook.library import LoadedRule, RuleLibrary
from ..rulebook.rulefile import Source
from ..teaching.reasons import show_value


def value_text(field: str, value: Any) -> str:
    """A result value in words."""
    return show_value(value, "none")


def technical(value: Any) -> str:
    """A result value exactly as the rule files and the JSON output write it."""
    return show_value(value, "null")


def field_label(lib: RuleLibrary, field: str) -> str:
    """A result field's one-line meaning, from the model file."""
    decl = lib.model.outputs.get(field)
    return " ".join(decl.summary.split()) if decl is not None else field


def source_of(lib: RuleLibrary, source_id: str) -> Source | None:
    return lib.sources.get(source_id)


def rule_source_id(lib: RuleLibrary, rule: LoadedRule) -> str:
    """The id under which the rule's source is listed in ``sources.yaml``."""
    return rule.rule.source

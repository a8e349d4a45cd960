"""How the web app writes answers for people: plain English first, the technical id beside it.

The words come from the rule files (``plain:`` and ``label:`` of each answer, through
:mod:`detainer_model.teaching.plain`), so pages, worksheets and docs say a value the same way.
"""

from __future__ import annotations

from typing import Any

from ..rulebook.library import RuleLibrary
from ..teaching.plain import plain_label, plain_value
from ..teaching.reasons import show_value


def value_text(lib: RuleLibrary, field: str, value: Any) -> str:
    """A result value in plain English ("released despite ICE's request")."""
    return plain_value(field, value, lib)


def label(lib: RuleLibrary, field: str) -> str:
    """A result field's plain name ("What happens at release")."""
    return plain_label(field, lib)


def technical(value: Any) -> str:
    """A result value exactly as the rule files and the JSON output write it."""
    return show_value(value, "null")


def field_meaning(lib: RuleLibrary, field: str) -> str:
    """A result field's one-line meaning, from the model file."""
    decl = lib.model.outputs.get(field)
    return " ".join(decl.summary.split()) if decl is not None else field

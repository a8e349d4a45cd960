"""The shape of a student's answers file (``exercise grade KEY ANSWERS.yaml``).

``exercise make`` writes a blank one (``answers-template.yaml``); the student fills in a
prediction for each case, regime and result. :func:`detainer_model.teaching.exercises.read_answers`
checks a filled-in file against the key, one located line per problem; this model is the shape
alone, for the JSON Schema that gives editors completion (``detainer-model schema answers``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

Prediction = dict[str, Any] | None
"""Result name -> predicted value; a blank value is unanswered."""


class AnswersFile(BaseModel):
    """A student's predictions for a worksheet."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    student: str | int | None = None
    """The student's name (optional)."""
    answers: dict[str, dict[str, Prediction] | None]
    """For each case id, for each regime id, the predicted results; leave a value blank if unsure."""

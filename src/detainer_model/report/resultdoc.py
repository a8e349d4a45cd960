"""The shape of ``detainer-model run --format json``: the results document, field by field.

:mod:`detainer_model.report.jsondoc` writes the document; these models describe it, for the JSON
Schema (``detainer-model schema results``) and the tables of ``docs/scenario-format.md``. The
answers the rules decide (``request``, ``outcome`` ...) are not listed here: they come from the
``outputs`` of ``rules/model.yaml``, which :mod:`detainer_model.report.schemas` adds to
:class:`Result`. A test validates real output against the schema, so a field added to the output
and not described here fails it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class ModelInfo(_Doc):
    """Which model and which rules gave these results."""

    version: str
    """The version of detainer-model."""
    rules: str
    """A content hash of every rule file used (``sha256:...``): the same hash, the same rules."""


class Overridden(_Doc):
    """A rule that applied but gave way to another (an exception, or a rule of higher precedence)."""

    rule: str
    """The rule that gave way."""
    by: str
    """The rule that prevailed."""
    field: str
    """The answer they disagreed on."""


class LayerResult(_Doc):
    """How one layer of a place (its version in force on the booking date) answered."""

    place: str
    """The place (``california``, ``san-francisco`` ...)."""
    version: str
    """The local rule set in force for that place on the booking date (or the fallback)."""
    reading: str | None
    """The version's reading used, or null if it has none."""
    effective: str
    """The dates the version was in force, in words."""
    local_response: str
    """The layer's own answer to ICE's request."""
    rules: list[str]
    """The rules of the layer that decided that answer."""
    mandate: bool
    """True for a state law that requires cooperation: its answer replaces the inner layers'."""
    fallback: bool
    """True when no place had a policy in force and the fallback (full cooperation) answered."""


class Result(_Doc):
    """One case under one federal regime and one local policy."""

    regime: str
    """The federal regime id (``secure-communities``, ``pep``, or another the rules define); with
    ``--regime auto``, the era in force on the booking date."""
    reading: str | None
    """The regime's reading used (``as-written``, ``as-practised`` ...), or null if it has none."""
    jurisdiction: str
    """The local policy id the case was evaluated under."""
    jurisdiction_reading: str | None
    """The local policy's reading used, or null if it has none."""
    fired: list[str]
    """The ids of the rules that fired and took effect, in the order they ran."""
    explanation: list[str]
    """One line per rule in ``fired``: the rule, what it concluded, its summary and its source."""
    overridden: list[Overridden]
    """Rules that applied but gave way to another."""
    warnings: list[str]
    """Caveats about this result, for example a booking date outside the regime's period."""
    params: dict[str, bool | int]
    """The local policy's parameters as set for this result."""
    place: str | None = None
    """For a case booked in a place (``jurisdiction: san-francisco``): the place; absent otherwise."""
    version: str | None = None
    """For a place: the version of its own policy in force on the booking date."""
    layers: list[LayerResult] | None = None
    """For a place: every layer in force (outermost first: state, county, city) and its answer."""
    decided_by: LayerResult | None = None
    """For a place: the layer whose answer stands (the most restrictive toward ICE, or a mandate)."""


class Side(_Doc):
    """One value of a differing answer, the results that have it, and why."""

    results: list[str]
    """The results (regime or place labels) that have this value."""
    value: Any
    """The value."""
    default: bool
    """True when no rule decided the value and it is the answer's default."""
    rules: list[str]
    """The rules that decide it."""
    why: str
    """The reason, in words."""
    sources: list[str]
    """The sources of those rules."""


class FieldContrast(_Doc):
    """One answer that differs, with its values side by side."""

    field: str
    """The answer (``form``, ``request`` ...)."""
    sides: list[Side]
    """Each value and why."""
    text: str
    """The same in one sentence."""


class Contrast(_Doc):
    """Why some results of one case differ: which answers, and the rules that make the difference."""

    scope: str
    """Where the comparison holds (``at san-francisco-2015``), empty when there is one place."""
    compared: list[str]
    """The results compared."""
    differ_on: list[str]
    """The answers that differ."""
    fields: list[FieldContrast]
    """Each differing answer that is a root difference, not a consequence of another."""
    record: str | None
    """What the published record says about this difference, where the rules note it."""
    rules: list[str]
    """Every rule that makes the difference."""
    text: str
    """The whole contrast in a sentence or two a student can read."""


class Mismatch(_Doc):
    """An answer the ``expect`` block named that the model did not give."""

    regime: str
    """The regime of the expectation."""
    field: str
    """The answer expected (``fired`` for a rule expected to fire)."""
    expected: Any
    """What the ``expect`` block says."""
    actual: Any
    """What the model gave."""


class CaseResults(_Doc):
    """One case of a scenario file and all its results."""

    file: str
    """The scenario file, as given on the command line."""
    id: str
    """The case id."""
    title: str
    """The case title."""
    booking_date: str = Field(json_schema_extra={"format": "date"})
    """The booking date, YYYY-MM-DD."""
    results: list[Result]
    """One result per regime and place evaluated."""
    contrast: list[Contrast]
    """Why results differ, if they do."""
    expect: Literal["pass", "fail", "none"]
    """The verdict on the case's ``expect`` block: ``none`` when it has none."""
    mismatches: list[Mismatch]
    """Each expected answer that did not hold."""


class ExpectCounts(_Doc):
    """How many cases passed, failed, or had no ``expect`` block."""

    model_config = ConfigDict(populate_by_name=True)

    pass_: int = Field(alias="pass")
    """Cases whose every expected answer held."""
    fail: int
    """Cases with at least one expected answer that did not hold."""
    none: int
    """Cases without an ``expect`` block (or none for the regimes run)."""


class Summary(_Doc):
    """Totals for the run."""

    cases: int
    """The number of cases."""
    expect: ExpectCounts
    """The verdicts on ``expect`` blocks."""


class ResultsDocument(_Doc):
    """The results of ``detainer-model run --format json``: exactly one JSON document on standard output."""

    model: ModelInfo
    """The model version and a hash of the rules used."""
    disclaimer: str
    """Always: an illustrative teaching model, not legal advice."""
    regimes: list[str]
    """The federal regimes evaluated, in order."""
    cases: list[CaseResults]
    """Every case of every scenario file, in order."""
    summary: Summary
    """Totals."""

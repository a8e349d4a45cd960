"""The scenario schema: the shape of a scenario file (``docs/scenario-format.md``).

Strict, frozen pydantic models: unknown keys, wrong types and impossible values are refused.
Checks that need the rule files (offense kinds, jurisdiction ids, parameters, expectations) or
that span several fields (a conviction dated after the booking) are made by
:mod:`detainer_model.core.scenarios`, which can point at the exact line; :meth:`Case.problems` lists
the cross-field ones for API users too.

A field's meaning is written once: facts in ``rules/vocabulary.yaml``, the other fields in the
docstring under them here. Both feed the JSON Schema and the tables of ``docs/scenario-format.md``
(:mod:`detainer_model.report.schemas` reads the docstrings when it makes a schema; pydantic's
``use_attribute_docstrings`` would read them as each model is built, which cost every command a
thirtieth of a second, for the schema alone).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)

from ..errors import visible
from ..safeio.fieldtypes import Tuple, check_date_range

Status = Literal["us_citizen", "lpr", "nonimmigrant", "unauthorized"]
Level = Literal["felony", "misdemeanor", "minor_traffic"]
RemovalOrder = Literal["none", "pending", "final"]
CASE_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


def _iso_date(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a real date written YYYY-MM-DD") from None
    return value


def _label(value: Any) -> Any:
    # "incident: 1" in YAML is a number; the label means the same as "1"
    return str(value) if type(value) is int else value


def _jurisdiction(value: Any) -> Any:
    return {"id": value} if isinstance(value, str) else value


Date = Annotated[dt.date, BeforeValidator(_iso_date), AfterValidator(check_date_range)]
# Text from a scenario file never carries a control character or a reordering mark to a terminal
# or a document: each is kept, written visibly as an escape (see errors.visible).
Text = Annotated[str, Field(min_length=1), AfterValidator(lambda s: visible(s, keep_newlines=True))]
Label = Annotated[str, BeforeValidator(_label, json_schema_input_type=str | int), Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Person(_Strict):
    """Facts about the arrested person on the booking date."""

    status: Status
    removable: bool | None = None
    in_ident: bool | None = None
    age: int = Field(ge=0, le=130)
    entry_date: Date | None = None
    removal_order: RemovalOrder = "none"
    removal_order_date: Date | None = None
    prior_removals: int = Field(default=0, ge=0)
    gang_participation: bool = False
    national_security_risk: bool = False
    apprehended_at_border: bool = False
    visa_abuse: bool = False
    watchlist_match: bool = False
    outstanding_criminal_warrant: bool = False
    sex_arson_registrant: bool = False
    federal_felony_warrant: bool = False
    public_safety_risk: bool = False
    unlawful_entry: bool | None = None
    gang_participation_age: int | None = Field(default=None, ge=0, le=130)
    removal_order_issued: Date | None = None
    gang_database_listed: bool | None = None
    warrant_in_state: bool | None = None


class Conviction(_Strict):
    """A past conviction."""

    offense: Text
    date: Date
    level: Level
    kinds: Tuple[str] = ()
    custody_days: int = Field(default=0, ge=0)
    incident: Label | None = None
    release_date: Date | None = None
    serving_sentence: bool = False


class Charge(_Strict):
    """A charge pending at this booking."""

    offense: Text
    level: Level
    kinds: Tuple[str] = ()
    probable_cause_found: bool = False
    bond_posted: bool | None = None
    non_bondable: bool = False


class IceRequest(_Strict):
    """What accompanies ICE's request."""

    judicial_warrant: bool = False


class JurisdictionRef(_Strict):
    """The local policy of the place of arrest, with any parameters set for this case."""

    id: Text
    """The id of a local policy rule set (``detainer-model rules list``)."""
    params: dict[str, bool | int] = Field(default_factory=dict)
    """Settings of that policy for this case, by name (each policy declares its own)."""


class Case(_Strict):
    """One hypothetical arrest and booking."""

    id: Annotated[str, Field(pattern=CASE_ID_PATTERN)]
    """Unique in the file: lower-case letters, digits, ``-`` and ``_``, starting with a letter or digit."""
    title: Text
    """A one-line summary of the case."""
    booking_date: Date
    jurisdiction: Annotated[
        JurisdictionRef, BeforeValidator(_jurisdiction, json_schema_input_type=str | JurisdictionRef)
    ]
    """The local policy of the place of arrest: its id, or ``{id, params}`` to set its parameters."""
    person: Person
    """Facts about the arrested person on the booking date."""
    convictions: Tuple[Conviction] = ()
    """Past convictions."""
    charges: Tuple[Charge] = ()
    """Charges pending at this booking."""
    ice: IceRequest = Field(default_factory=IceRequest)
    """What accompanies ICE's request."""
    expect: dict[str, dict[str, Any]] | None = None
    """The answer key: for each regime id, the results the case should get (checked by ``run``)."""
    notes: Annotated[str, AfterValidator(lambda s: visible(s, keep_newlines=True))] | None = None
    """Free text for the reader: why the case is here, what it teaches."""

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Case:
        if not (info.context or {}).get("defer_cross_checks"):
            problems = self.problems()
            if problems:
                path, message = problems[0]
                raise ValueError(f"{'.'.join(map(str, path))}: {message}")
        return self

    def problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Faults that span several fields, each with its path inside the case."""
        out: list[tuple[tuple[str | int, ...], str]] = []
        for i, c in enumerate(self.convictions):
            if c.date > self.booking_date:
                out.append(
                    (
                        ("convictions", i, "date"),
                        f"conviction dated {c.date} is after the booking date {self.booking_date}",
                    )
                )
            if c.release_date is not None and c.release_date < c.date:
                out.append(
                    (
                        ("convictions", i, "release_date"),
                        f"release date {c.release_date} is before the conviction date {c.date}",
                    )
                )
            if c.release_date is not None and c.serving_sentence:
                out.append(
                    (
                        ("convictions", i, "serving_sentence"),
                        "serving_sentence is true but release_date says the sentence was served",
                    )
                )
            if c.release_date is not None and c.release_date > self.booking_date:
                out.append(
                    (
                        ("convictions", i, "release_date"),
                        f"release date {c.release_date} is after the booking date {self.booking_date}",
                    )
                )
        p = self.person
        if p.removal_order_date is not None and p.removal_order == "none":
            out.append(
                (
                    ("person", "removal_order_date"),
                    "removal_order_date is given but removal_order is 'none' (use pending or final)",
                )
            )
        if p.removal_order_date is not None and p.removal_order_date > self.booking_date:
            out.append(
                (
                    ("person", "removal_order_date"),
                    f"removal order dated {p.removal_order_date} is after the booking date",
                )
            )
        if p.removal_order_issued is not None and p.removal_order == "none":
            out.append(
                (
                    ("person", "removal_order_issued"),
                    "removal_order_issued is given but removal_order is 'none' (use pending or final)",
                )
            )
        if p.removal_order_issued is not None and p.removal_order_issued > self.booking_date:
            out.append((("person", "removal_order_issued"), "removal order issued after the booking date"))
        if (
            p.removal_order_issued is not None
            and p.removal_order_date is not None
            and p.removal_order_issued > p.removal_order_date
        ):
            out.append(
                (
                    ("person", "removal_order_issued"),
                    "the order was issued after the date it became final (removal_order_date)",
                )
            )
        if p.gang_participation_age is not None and p.gang_participation_age > p.age:
            out.append(
                (("person", "gang_participation_age"), "gang participation at an age above the person's age")
            )
        if p.status == "us_citizen" and p.removable:
            out.append((("person", "removable"), "a us_citizen cannot be removable"))
        if p.entry_date is not None and p.entry_date > self.booking_date:
            out.append(
                (
                    ("person", "entry_date"),
                    f"entry date {p.entry_date} is after the booking date {self.booking_date}",
                )
            )
        return out


class ScenarioFile(_Strict):
    """A scenario file: a titled set of cases."""

    title: Text
    """What the set of cases is about."""
    description: str | None = None
    """Longer text about the set."""
    cases: Annotated[Tuple[Case], Field(min_length=1)]
    """The cases: at least one."""

    @model_validator(mode="after")
    def _unique_ids(self, info: ValidationInfo) -> ScenarioFile:
        if (info.context or {}).get("defer_cross_checks"):
            return self
        seen: set[str] = set()
        for case in self.cases:
            if case.id in seen:
                raise ValueError(f"duplicate case id '{case.id}'")
            seen.add(case.id)
        return self

"""The shapes of the files in ``rules/``: vocabulary, sources, the model's outputs, rule sets.

These models only describe the files. What a rule *means* is in the file itself; turning its
``when:`` text into conditions is the job of :mod:`detainer_model.rulebook.expressions` and
:mod:`detainer_model.rulebook.library`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..safeio.fieldtypes import OneOrMany, Tuple

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.()-]*$")]
Verification = Literal["verified", "secondary", "unverified", "model"]
TypeName = Literal["bool", "int", "date", "enum", "set", "text"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Effective(_Strict):
    """The period during which a rule set or rule was in force (``to`` is inclusive)."""

    from_: dt.date | None = Field(default=None, alias="from")
    to: dt.date | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Effective:
        if self.from_ and self.to and self.to < self.from_:
            raise ValueError("'to' is before 'from'")
        return self

    def contains(self, day: dt.date) -> bool:
        return (self.from_ is None or day >= self.from_) and (self.to is None or day <= self.to)

    def describe(self) -> str:
        """``2015-07-02 to 2017-01-25``, ``from 2014-05-29``, ``until 2014-11-20`` or ``at any date``."""
        if self.from_ and self.to:
            return f"{self.from_.isoformat()} to {self.to.isoformat()}"
        if self.from_:
            return f"from {self.from_.isoformat()}"
        if self.to:
            return f"until {self.to.isoformat()}"
        return "at any date"


# A citation names the document itself, never the project's notes outside the repository.
_OUTSIDE = re.compile(r"shared/|policy[-]reference")
CitationDate = Annotated[str, Field(pattern=r"^(\d{4}(-\d{2}(-\d{2})?)?|undated)$")]


class Source(_Strict):
    """A document a rule cites, with a full citation: title, issuer, date and address."""

    title: str
    short: str | None = Field(default=None, description="a short name for explanation lines")
    issuer: str | None = Field(default=None, description="who issued or published the document")
    date: CitationDate | None = Field(default=None, description="YYYY, YYYY-MM, YYYY-MM-DD or 'undated'")
    href: str | None = None
    reference: str | None = Field(default=None, description="a pinpoint inside the document itself")
    verification: Verification
    quote: str | None = None
    note: str | None = Field(default=None, description="what the document says, in paraphrase")

    @model_validator(mode="after")
    def _self_contained(self) -> Source:
        # The repository must stand alone: a citation never sends the reader to a file outside it.
        for text in (self.reference or "", self.href or ""):
            if _OUTSIDE.search(text):
                raise ValueError("a source must not point to a file outside the repository")
        return self

    def citation(self) -> str:
        """``Title. Issuer, date. <href>`` (the parts that are known)."""
        parts = [self.title.rstrip(".") + "."]
        if self.issuer or self.date:
            parts.append(", ".join(x for x in (self.issuer, self.date) if x) + ".")
        if self.href:
            parts.append(f"<{self.href}>")
        return " ".join(parts)

    @property
    def label(self) -> str:
        return self.short or self.title


class SourcesFile(_Strict):
    kind: Literal["sources"]
    sources: dict[Id, Source]


class Term(_Strict):
    """A word of the shared vocabulary: an offense kind, a conviction level, a status."""

    label: str
    definition: str
    source: Id
    notes: str | None = None
    kinds: Tuple[Id] | None = Field(
        default=None, description="for a level: the offense kinds an offense of it can have (omitted: any)"
    )


class FactDecl(_Strict):
    """A fact the scenario provides about the person, a conviction, a charge or the request."""

    type: TypeName
    values_from: Literal["offense_kinds", "levels", "statuses", "removal_orders"] | None = None
    values: Tuple[str] | None = None
    nullable: bool = False
    definition: str
    source: Id


class OffenseConstraint(_Strict):
    """Offense facts that cannot go together: a kind never at some levels, or never with some kinds."""

    offense: Id
    not_at_levels: Tuple[Id] = ()
    not_with: Tuple[Id] = ()
    why: str
    source: Id


class VocabularyFile(_Strict):
    kind: Literal["vocabulary"]
    title: str
    offense_kinds: dict[Id, Term]
    levels: dict[Id, Term]
    statuses: dict[Id, Term]
    removal_orders: dict[Id, Term]
    case_facts: dict[Id, FactDecl]
    person_facts: dict[Id, FactDecl]
    conviction_facts: dict[Id, FactDecl]
    charge_facts: dict[Id, FactDecl]
    ice_facts: dict[Id, FactDecl]
    offense_constraints: Tuple[OffenseConstraint] = ()


class OutputDecl(_Strict):
    """An answer the rules decide (``request``, ``priorities`` ...)."""

    type: Literal["bool", "enum", "set"]
    values: Tuple[str | int] = ()
    nullable: bool = False
    default: Any = None
    has_default: bool = Field(default=False, exclude=True)
    required: bool = False
    required_when: str | None = None
    summary: str
    report: bool = True
    label: str | None = Field(default=None, description="the answer's name in plain English")
    sources: Tuple[Id] = Field(default=(), description="the documents the plain renderings rest on")
    plain: dict[str, str] = Field(
        default_factory=dict,
        description="each value in plain English, keyed as the rule files write it ('true', 'null', "
        "'1'); a set answer may add 'empty' for the empty set",
    )

    @model_validator(mode="before")
    @classmethod
    def _note_default(cls, data: Any) -> Any:
        if isinstance(data, dict) and "default" in data:
            data = {**data, "has_default": True}
        if isinstance(data, dict) and isinstance(data.get("plain"), dict):
            data = {**data, "plain": {value_key(k): v for k, v in data["plain"].items()}}
        return data


def value_key(value: Any) -> str:
    """How a value is written as a key of a ``plain:`` map: ``true``, ``null``, ``1``, ``transfer``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class GlossaryTerm(_Strict):
    """A word students meet in the model's answers and sources, explained in plain English."""

    term: str
    definition: str
    source: Id
    pinpoint: str | None = None
    also: Tuple[str] = Field(default=(), description="other names for the term")
    see: Tuple[Id] = Field(default=(), description="related glossary entries")
    notes: str | None = None


class GlossaryFile(_Strict):
    kind: Literal["glossary"]
    title: str
    terms: dict[Id, GlossaryTerm]


class Layering(_Strict):
    """How the policies of nested places (state, county, city) combine into one answer."""

    field: Id
    most_restrictive_first: Tuple[str]
    fallback: Id = Field(description="the local rule set that applies where no place has a policy in force")
    summary: str


class ModelFile(_Strict):
    kind: Literal["model"]
    title: str
    summary: str
    outputs: dict[Id, OutputDecl]
    shared: Tuple[Id]
    outcome_field: Id = "outcome"
    layering: Layering | None = None


class PlaceDecl(_Strict):
    """A place with a history: its parent place and the dated versions of its policy."""

    name: str
    kind: Literal["state", "county", "city", "district"]
    parent: Id | None = None
    versions: Tuple[Id] = ()
    summary: str
    notes: str | None = None


class PlacesFile(_Strict):
    kind: Literal["places"]
    title: str
    places: dict[Id, PlaceDecl]


class Parameter(_Strict):
    """A setting of a rule set that a case may change (``jurisdiction: {id, params}``)."""

    type: Literal["bool", "int"]
    default: bool | int
    summary: str
    source: Id
    notes: str | None = None


class Reading(_Strict):
    """One named reading of a rule set (``as-written``, ``as-practised``), with its sources."""

    summary: str
    sources: Tuple[Id] = ()
    notes: str | None = None


class Readings(_Strict):
    """A rule set's named readings: where the text and the practice differ, each is a reading.

    A rule or definition that carries ``readings: [...]`` exists only under those readings; one
    without belongs to every reading. ``default`` is the reading used when none is named.
    """

    default: Id
    options: dict[Id, Reading]

    @model_validator(mode="after")
    def _default_known(self) -> Readings:
        if not self.options:
            raise ValueError("'options' must name at least one reading")
        if self.default not in self.options:
            raise ValueError(f"default reading '{self.default}' is not one of {', '.join(self.options)}")
        return self


class Definition(_Strict):
    """A derived fact: counted, tested or computed from the case by the rule file's own words."""

    id: Id
    summary: str
    source: Id
    readings: Tuple[Id] = ()
    pinpoint: str | None = None
    notes: str | None = None
    expr: str | None = None
    count: Literal["convictions", "charges"] | None = None
    any: Literal["convictions", "charges"] | None = None
    distinct: str | None = None
    where: str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Definition:
        forms = [f for f in ("expr", "count", "any") if getattr(self, f) is not None]
        if len(forms) != 1:
            raise ValueError("a definition needs exactly one of 'expr', 'count' or 'any'")
        if self.expr is not None and (self.where or self.distinct):
            raise ValueError("'where' and 'distinct' go with 'count' or 'any', not 'expr'")
        if self.distinct is not None and self.count is None:
            raise ValueError("'distinct' goes with 'count'")
        return self


class Rule(_Strict):
    """One provision: when its condition holds, it concludes the values in ``then``."""

    id: Id
    summary: str
    source: Id
    pinpoint: str | None = None
    verification: Verification | None = None
    notes: str | None = None
    effective: Effective | None = None
    readings: Tuple[Id] = ()
    when: str
    then: dict[Id, Any]
    exception_to: OneOrMany[Id] = ()

    @model_validator(mode="after")
    def _concludes(self) -> Rule:
        if not self.then:
            raise ValueError("'then' must conclude at least one answer")
        return self


class RuleSetFile(_Strict):
    kind: Literal["ruleset"]
    id: Id
    title: str
    level: Literal["federal", "local", "shared"]
    summary: str
    effective: Effective
    mandate: bool = Field(
        default=False,
        description="a law that requires the places inside it to cooperate: its answer replaces theirs",
    )
    sources: Tuple[Id] = ()
    notes: str | None = None
    readings: Readings | None = None
    parameters: dict[Id, Parameter] = Field(default_factory=dict)
    outputs: dict[Id, OutputDecl] = Field(default_factory=dict)
    definitions: Tuple[Definition] = ()
    rules: Tuple[Rule]

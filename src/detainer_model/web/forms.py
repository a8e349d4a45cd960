"""The case builder's form: one field per fact the vocabulary declares, with its choices and help.

Every field, choice, label and help text comes from the loaded rule library's vocabulary (and the
scenario schema's defaults), never from a list here, so a new fact or offense kind in ``rules/``
appears in the form without touching the web app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ..core.models import Charge, Conviction, IceRequest, Person
from ..rulebook.library import RuleLibrary, join_ref, split_ref
from ..rulebook.rulefile import FactDecl

GROUP_MODELS: dict[str, type[BaseModel]] = {
    "person": Person,
    "convictions": Conviction,
    "charges": Charge,
    "ice": IceRequest,
}
ITEM_GROUPS = ("convictions", "charges")
NOUN = {"convictions": "conviction", "charges": "charge"}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    help: str


@dataclass(frozen=True)
class FieldSpec:
    """One form field: the fact's name, its widget, its choices and its help text."""

    group: str
    name: str
    kind: str  # text | int | date | enum | set | bool | maybe (true, false or not stated)
    label: str
    help: str
    required: bool
    default: Any
    choices: tuple[Choice, ...] = ()

    def key(self, index: int | None = None) -> str:
        """The HTML name of the field: ``person.age`` or ``convictions.0.date``."""
        return f"{self.group}.{self.name}" if index is None else f"{self.group}.{index}.{self.name}"


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _decls(lib: RuleLibrary, group: str) -> Mapping[str, FactDecl]:
    v = lib.vocabulary
    return {
        "person": v.person_facts,
        "convictions": v.conviction_facts,
        "charges": v.charge_facts,
        "ice": v.ice_facts,
    }[group]


def fields_of(lib: RuleLibrary, group: str) -> list[FieldSpec]:
    """The form fields of ``group``: the vocabulary's facts that the scenario schema accepts."""
    model = GROUP_MODELS[group]
    out = []
    for name, decl in _decls(lib, group).items():
        info = model.model_fields.get(name)
        if info is None:
            continue  # a fact the rules derive, not one a scenario states
        required = info.is_required()
        default = None if required else info.get_default(call_default_factory=True)
        choices: tuple[Choice, ...] = ()
        kind: str = decl.type
        if decl.values_from:
            terms = getattr(lib.vocabulary, decl.values_from)
            choices = tuple(Choice(k, t.label, " ".join(t.definition.split())) for k, t in terms.items())
        elif decl.values:
            choices = tuple(Choice(str(v), str(v), "") for v in decl.values)
        if kind == "bool" and decl.nullable:
            kind = "maybe"
        out.append(
            FieldSpec(
                group,
                name,
                kind,
                _label(name),
                " ".join(decl.definition.split()),
                required,
                default,
                choices,
            )
        )
    return out


@dataclass(frozen=True)
class ParameterField:
    """A setting a local policy declares for a case (``reimbursement_agreement``): blank is the
    policy's default."""

    name: str
    type: str  # "bool" or "int"
    help: str
    policies: tuple[str, ...]  # the local policies that declare it


@dataclass(frozen=True)
class BuilderForm:
    """Every field of the builder, by group."""

    person: tuple[FieldSpec, ...]
    convictions: tuple[FieldSpec, ...]
    charges: tuple[FieldSpec, ...]
    ice: tuple[FieldSpec, ...]
    places: tuple[Choice, ...]
    """Places with a history: the policy in force on the booking date (each reading too)."""
    jurisdictions: tuple[Choice, ...]
    """Policy versions, whatever the booking date (each reading too)."""
    regimes: tuple[Choice, ...]
    booking_help: str
    parameters: tuple[ParameterField, ...] = ()

    def group(self, name: str) -> tuple[FieldSpec, ...]:
        return tuple(getattr(self, name))


def regimes_in_order(lib: RuleLibrary) -> list[str]:
    """The federal regimes in the order they came into force (then by id), for columns and choices."""
    return sorted(lib.regimes, key=lambda r: (lib.ruleset(r).effective.from_ or dt.date.min, r))


def builder_form(lib: RuleLibrary) -> BuilderForm:
    """The builder's fields for this rule library."""
    places = tuple(
        Choice(
            join_ref(p, reading),
            f"{lib.place(p).name}: the policy in force on the booking date"
            + (f" (read {reading})" if reading else ""),
            " ".join(lib.place(p).summary.split()),
        )
        for p in lib.place_ids
        for reading in (None, *lib.place_readings(p))
    )
    versions = tuple(
        Choice(
            ref,
            lib.ruleset(j).title + (f" (read {split_ref(ref)[1]})" if ref != j else ""),
            " ".join(lib.ruleset(j).meta.summary.split()),
        )
        for j in lib.jurisdictions
        for ref in dict.fromkeys((j, *lib.ruleset(j).refs))
    )
    regimes = tuple(
        Choice(r, lib.ruleset(r).title, " ".join(lib.ruleset(r).meta.summary.split()))
        for r in regimes_in_order(lib)
    )
    booking = lib.vocabulary.case_facts.get("booking_date")
    return BuilderForm(
        tuple(fields_of(lib, "person")),
        tuple(fields_of(lib, "convictions")),
        tuple(fields_of(lib, "charges")),
        tuple(fields_of(lib, "ice")),
        places,
        versions,
        regimes,
        " ".join(booking.definition.split()) if booking else "",
        parameter_fields(lib),
    )


def parameter_fields(lib: RuleLibrary) -> tuple[ParameterField, ...]:
    """Every parameter some local policy declares, by name, described as its first policy does."""
    owners: dict[str, list[str]] = {}
    for j in lib.jurisdictions:
        for name in lib.ruleset(j).parameters:
            owners.setdefault(name, []).append(j)
    out = []
    for name, policies in sorted(owners.items()):
        p = lib.ruleset(policies[0]).parameters[name]
        out.append(ParameterField(name, p.type, " ".join(p.summary.split()), tuple(policies)))
    return tuple(out)

"""Named profiles of synthetic cohorts: who is booked, with what criminal and immigration history.

A profile is a YAML file (``population/profiles/*.yaml``, see ``docs/profiles.md``) of shares and
ranges: statuses, ages, removal orders, prior removals, the mix of most serious conviction and
the convictions that make it up, pending charges, where people are booked and when. A profile is
not law: it says what kind of people a cohort holds, and the rule files then decide what happens
to them. A profile that is calibrated says which published figures it reproduces and from which
source; every other share is an assumption, and the profile lists it as one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from ..errors import InputError, Problem, UnknownIdError, suggest
from ..rulebook.library import RuleLibrary
from ..safeio.fieldtypes import Tuple
from ..safeio.validation import validate_document
from ..safeio.yamlsafe import load_yaml_file

Share = Annotated[float, Field(ge=0)]
Weights = dict[str, Share]


def _int_keys(value: Any) -> Any:
    # the YAML loader gives mapping keys as text; "0: 0.6" means zero
    if isinstance(value, dict):
        return {int(k) if isinstance(k, str) and k.isdigit() else k: v for k, v in value.items()}
    return value


IntWeights = Annotated[dict[int, Share], BeforeValidator(_int_keys)]
Verification = Literal["verified", "secondary", "unverified"]
OTHERS = "*"  # in ``jurisdictions``: the share spread evenly over every local policy not named
NO_KINDS = "none"  # in a kinds mix: no offense kind


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _positive_total(weights: Mapping[Any, float], what: str) -> None:
    if weights and sum(weights.values()) <= 0:
        raise ValueError(f"the shares of {what} must not all be 0")


class Calibration(_Strict):
    """A published figure the profile reproduces."""

    figure: str
    source: str
    reference: str | None = Field(default=None, description="a pinpoint inside the source itself")
    verification: Verification
    used_as: str
    record: str | None = Field(
        default=None, description="the key of the same figure in population/record.yaml, if it is there"
    )


class YearsRange(_Strict):
    """A uniform range of whole and fractional years before the booking date."""

    min: Annotated[float, Field(ge=0)] = 0
    max: Annotated[float, Field(ge=0)]

    @model_validator(mode="after")
    def _ordered(self) -> YearsRange:
        if self.max < self.min:
            raise ValueError("'max' is below 'min'")
        return self


class Entry(_Strict):
    given: Annotated[float, Field(ge=0, le=1)]
    years_before_booking: YearsRange


class RemovalOrder(_Strict):
    kinds: Weights = Field(description="shares of none, pending and final")
    dated: Annotated[float, Field(ge=0, le=1)] = Field(description="share of orders whose date is given")
    years_before_booking: YearsRange


class PersonProfile(_Strict):
    status: Weights
    age: Weights = Field(description='shares of age bands written "lo-hi" (inclusive)')
    in_ident: Weights = Field(
        default_factory=dict, description="per status, the probability that in_ident is set true (else false)"
    )
    removable: Weights = Field(
        default_factory=dict,
        description="per status, the probability that removable is set true (else left to the default)",
    )
    entry: Entry
    removal_order: RemovalOrder
    prior_removals: IntWeights
    flags: Weights = Field(default_factory=dict, description="per person fact, the probability it is true")

    @model_validator(mode="after")
    def _shares(self) -> PersonProfile:
        _positive_total(self.status, "status")
        _positive_total(self.age, "age")
        _positive_total(self.prior_removals, "prior_removals")
        for band in self.age:
            lo, sep, hi = band.partition("-")
            if not (sep and lo.isdigit() and hi.isdigit() and int(lo) <= int(hi)):
                raise ValueError(f"age band '{band}' must be written 'lo-hi', for example '18-24'")
        for group in (self.in_ident, self.removable, self.flags):
            for k, p in group.items():
                if p > 1:
                    raise ValueError(f"'{k}': a probability must be at most 1")
        return self


class Pattern(_Strict):
    """One way of making up a record: how many convictions of each level."""

    weight: Share = 1
    felonies: IntWeights = Field(default_factory=lambda: {0: 1.0})
    misdemeanors: IntWeights = Field(default_factory=lambda: {0: 1.0})
    minor_traffic: IntWeights = Field(default_factory=lambda: {0: 1.0})
    first_felony_kinds: str | None = Field(
        default=None, description="';'-separated kinds given to the first felony instead of the usual mix"
    )


class Record(_Strict):
    most_serious: Weights = Field(description="shares of the record classes named in 'patterns'")
    patterns: dict[str, Tuple[Pattern]]
    kinds: dict[Literal["felony", "misdemeanor", "minor_traffic"], Weights]
    custody_days: dict[Literal["felony", "misdemeanor", "minor_traffic"], IntWeights]
    years_before_booking: YearsRange
    shared_incident: Annotated[float, Field(ge=0, le=1)] = 0
    released: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0, description="share of convictions with custody whose release date is recorded"
    )

    @model_validator(mode="after")
    def _classes(self) -> Record:
        _positive_total(self.most_serious, "most_serious")
        missing = sorted(set(self.most_serious) - set(self.patterns))
        if missing:
            raise ValueError(f"record class '{missing[0]}' has no patterns")
        return self


class Charges(_Strict):
    count: IntWeights
    level: Weights
    kinds: dict[Literal["felony", "misdemeanor", "minor_traffic"], Weights]
    probable_cause_found: Annotated[float, Field(ge=0, le=1)] = 0


class Booking(_Strict):
    from_: dt.date = Field(alias="from")
    to: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Booking:
        if self.to < self.from_:
            raise ValueError("'to' is before 'from'")
        return self


class ProfileFile(_Strict):
    kind: Literal["profile"]
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    title: str
    summary: str
    calibrated: bool = False
    calibration: Tuple[Calibration] = ()
    assumptions: Tuple[str] = ()
    booking: Booking
    jurisdictions: Weights
    person: PersonProfile
    ice: Weights = Field(default_factory=dict, description="per ICE fact, the probability it is true")
    params: Weights = Field(
        default_factory=dict, description="per parameter, the probability it is set true where declared"
    )
    record: Record
    charges: Charges

    @model_validator(mode="after")
    def _calibration(self) -> ProfileFile:
        if self.calibrated and not self.calibration:
            raise ValueError("a calibrated profile must list the figures it is calibrated to")
        _positive_total(self.jurisdictions, "jurisdictions")
        return self


def profiles_dir() -> Path:
    return Path(str(resources.files("detainer_model") / "population" / "profiles"))


def profile_paths(folder: Path | None = None) -> dict[str, Path]:
    """``{profile id: file}`` for the shipped profiles (file stem = id)."""
    root = folder or profiles_dir()
    return {p.stem: p for p in sorted(root.glob("*.yaml"))}


def load_profile(name_or_path: str | Path, lib: RuleLibrary) -> ProfileFile:
    """A shipped profile by id, or a profile file by path; checked against the rule library."""
    path = Path(name_or_path)
    if not path.suffix:
        known = profile_paths()
        if str(name_or_path) not in known:
            raise UnknownIdError(
                f"unknown profile '{name_or_path}'{suggest(str(name_or_path), known)}; "
                f"known: {', '.join(known)}"
            )
        path = known[str(name_or_path)]
    elif not path.is_file():
        raise InputError([Problem(str(path), None, "", "no such file")])
    doc = load_yaml_file(path)
    value, problems = validate_document(ProfileFile, doc)
    if value is None:
        raise InputError(problems)
    problems = []

    def bad(where: tuple[Any, ...], message: str) -> None:
        problems.append(Problem(doc.file, doc.line_of(where), ".".join(map(str, where)), message))

    for jid in value.jurisdictions:
        if jid != OTHERS and jid not in lib.local_ids:
            bad(("jurisdictions", jid), f"unknown jurisdiction '{jid}'{suggest(jid, lib.local_ids)}")
    vocab = lib.vocabulary
    for status in [*value.person.status, *value.person.in_ident, *value.person.removable]:
        if status not in vocab.statuses:
            bad(("person", "status"), f"unknown status '{status}'{suggest(status, vocab.statuses)}")
    if "us_citizen" in value.person.removable:
        bad(("person", "removable", "us_citizen"), "a us_citizen cannot be removable")
    for order in value.person.removal_order.kinds:
        if order not in vocab.removal_orders:
            bad(("person", "removal_order", "kinds", order), f"unknown removal order '{order}'")
    person_facts = [k for k, d in vocab.person_facts.items() if d.type == "bool"]
    for flag in value.person.flags:
        if flag not in person_facts:
            bad(
                ("person", "flags", flag),
                f"unknown true-or-false person fact '{flag}'{suggest(flag, person_facts)}",
            )
    ice_facts = [k for k, d in vocab.ice_facts.items() if d.type == "bool"]
    for flag in value.ice:
        if flag not in ice_facts:
            bad(("ice", flag), f"unknown true-or-false ICE fact '{flag}'{suggest(flag, ice_facts)}")
    declared = {
        n for j in lib.jurisdictions for n, p in lib.ruleset(j).parameters.items() if p.type == "bool"
    }
    for name in value.params:
        if name not in declared:
            bad(
                ("params", name),
                f"no local policy declares a true-or-false parameter '{name}'{suggest(name, declared)}",
            )
    kinds = lib.offense_kinds
    mixes: list[tuple[tuple[Any, ...], Mapping[str, float]]] = [
        (("record", "kinds", level), mix) for level, mix in value.record.kinds.items()
    ]
    mixes.extend((("charges", "kinds", level), mix) for level, mix in value.charges.kinds.items())
    for where, mix in mixes:
        for combo in mix:
            for k in combo.split(";"):
                if k != NO_KINDS and k not in kinds:
                    bad(where, f"unknown offense kind '{k}'{suggest(k, kinds)}")
    for cls, patterns in value.record.patterns.items():
        for i, p in enumerate(patterns):
            for k in (p.first_felony_kinds or "").split(";"):
                if k and k not in kinds:
                    bad(
                        ("record", "patterns", cls, i, "first_felony_kinds"),
                        f"unknown offense kind '{k}'{suggest(k, kinds)}",
                    )
    for level in value.charges.level:
        if level not in vocab.levels:
            bad(("charges", "level", level), f"unknown level '{level}'{suggest(level, vocab.levels)}")
    if problems:
        raise InputError(problems)
    return value


def resolved_jurisdictions(profile: ProfileFile, lib: RuleLibrary) -> dict[str, float]:
    """The jurisdiction shares, with ``*`` spread evenly over every local policy not named."""
    named = {k: v for k, v in profile.jurisdictions.items() if k != OTHERS}
    rest = profile.jurisdictions.get(OTHERS, 0.0)
    others = [j for j in lib.jurisdictions if j not in named]
    out = dict(named)
    for j in others:
        out[j] = out.get(j, 0.0) + rest / len(others)
    total = sum(out.values())
    return {k: v / total for k, v in out.items() if v > 0}

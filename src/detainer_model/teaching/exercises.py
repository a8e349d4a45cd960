"""Exercises: a printable worksheet, its answer key, and grading a student's predictions.

``make_exercise`` evaluates the chosen cases and builds an :class:`Exercise`; its
:meth:`~Exercise.files` are the worksheet (Markdown and a self-contained HTML page) with each
case's facts and a blank prediction table, a blank answers file for students to fill in, and the
answer key (Markdown, HTML and ``key.json``) with every answer, the rules that decide it and their
sources. The key is self-contained: grading needs no rule files, so an instructor can grade with
the key of the rules the worksheet was made with.

``grade`` checks a student's answers file strictly (one located line per problem) and marks each
prediction right, wrong or unanswered. The answers format is documented in ``docs/exercises.md``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import jinja2
from pydantic import BaseModel, ConfigDict

from .._version import __version__
from ..core.evaluate import DEFAULT_REGIMES, DISCLAIMER, Decision, evaluate
from ..core.facts import items_of
from ..core.models import Case
from ..core.scenarios import LoadedScenario
from ..errors import InputError, Problem, UnknownIdError, suggest
from ..rulebook.library import RuleLibrary, split_ref
from ..safeio.validation import validate_document
from ..safeio.yamlsafe import format_path, load_yaml_file
from .contrast import contrasts, reason_for
from .explain import describe_item
from .reasons import show_value

KEY_FORMAT: Literal["detainer-model exercise key"] = "detainer-model exercise key"
KEY_VERSION: Literal[1] = 1
DEFAULT_FIELDS = ("request", "form", "local_response", "outcome")
NONE_WORDS = ("none", "null")
FILES = (
    "worksheet.md",
    "worksheet.html",
    "answers-template.yaml",
    "answer-key.md",
    "answer-key.html",
    "key.json",
)


# ---------------------------------------------------------------------------------------------
# The key file's shape (what grading reads)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KeyReason(_Strict):
    """Why an answer is what it is: the rules that decide it, their sources, in words."""

    rules: list[str]
    sources: list[str]
    why: str
    default: bool


class KeyField(_Strict):
    """A result the worksheet asks students to predict, with the values it may take."""

    name: str
    summary: str
    type: Literal["bool", "enum", "set"]
    values: list[Any]
    nullable: bool


class KeyCase(_Strict):
    number: int
    id: str
    title: str
    file: str
    jurisdiction: str
    answers: dict[str, dict[str, Any]]
    reasons: dict[str, dict[str, KeyReason]]
    contrast: list[str]
    notes: str | None = None


class KeyFile(_Strict):
    """``key.json``: everything needed to grade, without the rule files."""

    format: Literal["detainer-model exercise key"]
    version: Literal[1]
    title: str
    disclaimer: str
    model: dict[str, Any]
    regimes: list[str]
    fields: list[KeyField]
    cases: list[KeyCase]

    def field(self, name: str) -> KeyField:
        return next(f for f in self.fields if f.name == name)


# ---------------------------------------------------------------------------------------------
# Making an exercise


@dataclass(frozen=True)
class Sheet:
    """One case of the exercise, with its facts in words and the model's answers."""

    number: int
    file: str
    case: Case
    place: str
    facts: tuple[tuple[str, str], ...]
    convictions: tuple[str, ...]
    charges: tuple[str, ...]
    decisions: tuple[Decision, ...]
    reasons: dict[str, dict[str, KeyReason]]
    contrast: tuple[str, ...]

    def answer(self, regime: str, name: str) -> Any:
        d = next(x for x in self.decisions if x.label == regime)
        return _plain(d.get(name))


@dataclass(frozen=True)
class Exercise:
    """A worksheet and its key, ready to render."""

    title: str
    regimes: tuple[str, ...]
    fields: tuple[KeyField, ...]
    sheets: tuple[Sheet, ...]
    model: dict[str, Any]

    def key(self) -> KeyFile:
        return KeyFile(
            format=KEY_FORMAT,
            version=KEY_VERSION,
            title=self.title,
            disclaimer=DISCLAIMER,
            model=self.model,
            regimes=list(self.regimes),
            fields=list(self.fields),
            cases=[
                KeyCase(
                    number=s.number,
                    id=s.case.id,
                    title=s.case.title,
                    file=s.file,
                    jurisdiction=s.case.jurisdiction.id,
                    answers={r: {f.name: s.answer(r, f.name) for f in self.fields} for r in self.regimes},
                    reasons=s.reasons,
                    contrast=list(s.contrast),
                    notes=" ".join(s.case.notes.split()) if s.case.notes else None,
                )
                for s in self.sheets
            ],
        )

    def files(self) -> dict[str, str]:
        """Every file of the exercise, rendered (nothing is written here)."""
        env = _environment()
        data = {"x": self, "key": self.key(), "disclaimer": DISCLAIMER, "show": _show}
        return {
            "worksheet.md": _tidy(env.get_template("worksheet.md.j2").render(**data)),
            "worksheet.html": env.get_template("worksheet.html.j2").render(**data),
            "answers-template.yaml": answers_template(self),
            "answer-key.md": _tidy(env.get_template("answer-key.md.j2").render(**data)),
            "answer-key.html": env.get_template("answer-key.html.j2").render(**data),
            "key.json": json.dumps(self.key().model_dump(), indent=2, ensure_ascii=False) + "\n",
        }


def make_exercise(
    scenarios: Sequence[LoadedScenario],
    lib: RuleLibrary,
    *,
    regimes: Sequence[str] | None = None,
    fields: Sequence[str] | None = None,
    case_ids: Sequence[str] | None = None,
    title: str | None = None,
) -> Exercise:
    """Evaluate the chosen cases (default: all, in file order) and build the exercise."""
    chosen_regimes = tuple(dict.fromkeys(lib.label(r, "federal") for r in regimes or DEFAULT_REGIMES))
    names = tuple(dict.fromkeys(fields or DEFAULT_FIELDS))
    reported = [k for k, v in lib.model.outputs.items() if v.report]
    for n in names:
        if n not in reported:
            raise UnknownIdError(
                f"unknown result field '{n}'{suggest(n, reported)}; known: {', '.join(reported)}"
            )
    pool = [(s.file, c) for s in scenarios for c in s.cases]
    if case_ids:
        by_id: dict[str, list[tuple[str, Case]]] = {}
        for file, c in pool:
            by_id.setdefault(c.id, []).append((file, c))
        picked = []
        for cid in dict.fromkeys(case_ids):
            if cid not in by_id:
                raise UnknownIdError(f"no case '{cid}' in the scenario files{suggest(cid, by_id)}")
            if len(by_id[cid]) > 1:
                raise UnknownIdError(
                    f"case '{cid}' is in several files: {', '.join(f for f, _ in by_id[cid])}"
                )
            picked.append(by_id[cid][0])
        pool = picked
    sheets = tuple(
        _sheet(i, file, case, lib, chosen_regimes, names) for i, (file, case) in enumerate(pool, 1)
    )
    used = {
        *lib.model.shared,
        *(split_ref(r)[0] for r in chosen_regimes),
        *(split_ref(s.case.jurisdiction.id)[0] for s in sheets),
    }
    model = {
        "version": __version__,
        "rulesets": {rid: _file_digest(lib, rid) for rid in sorted(used) if rid in lib.rulesets},
    }
    key_fields = tuple(_key_field(lib, n) for n in names)
    shown_title = title or (
        scenarios[0].scenario.title if len(scenarios) == 1 else "Detainer policy exercise"
    )
    return Exercise(shown_title, chosen_regimes, key_fields, sheets, model)


def _sheet(
    number: int, file: str, case: Case, lib: RuleLibrary, regimes: Sequence[str], names: Sequence[str]
) -> Sheet:
    decisions = tuple(evaluate(case, r, rules=lib) for r in regimes)
    reasons: dict[str, dict[str, KeyReason]] = {}
    for d in decisions:
        reasons[d.label] = {}
        for n in names:
            side = reason_for(d, case, lib, n)
            why = side.reason.lstrip(":, ").removeprefix("because ").strip()
            reasons[d.label][n] = KeyReason(
                rules=list(side.rules), sources=list(side.sources), why=why, default=side.by_default
            )
    found = tuple(c.text() for c in contrasts(case, decisions, lib))
    place = lib.ruleset(case.jurisdiction.id)
    return Sheet(
        number,
        file,
        case,
        f"{place.id}: {place.title}",
        tuple(describe_facts(case, lib)),
        tuple(describe_item("convictions", i, x) for i, x in enumerate(items_of(case, "convictions"))),
        tuple(describe_item("charges", i, x) for i, x in enumerate(items_of(case, "charges"))),
        decisions,
        reasons,
        found,
    )


def _key_field(lib: RuleLibrary, name: str) -> KeyField:
    decl = lib.model.outputs[name]
    return KeyField(
        name=name,
        summary=" ".join(decl.summary.split()),
        type=decl.type,
        values=[True, False] if decl.type == "bool" else list(decl.values),
        nullable=decl.nullable,
    )


def _file_digest(lib: RuleLibrary, ruleset_id: str) -> str:
    path = lib.root.parent / lib.rulesets[ruleset_id].file
    try:
        data = path.read_bytes()
    except OSError:  # pragma: no cover - the file was read a moment ago
        return "?"
    return "sha256:" + hashlib.sha256(data).hexdigest()[:16]


def describe_facts(case: Case, lib: RuleLibrary) -> list[tuple[str, str]]:
    """The case's facts as (label, words) pairs, in the vocabulary's order; false flags left out."""
    v = lib.vocabulary
    out: list[tuple[str, str]] = [("Booked", case.booking_date.isoformat())]
    place = lib.ruleset(case.jurisdiction.id)
    out.append(("Place (local policy)", f"{place.id}: {place.title}"))
    for name, value in case.jurisdiction.params.items():
        p = place.parameters.get(name)
        out.append(
            (f"Parameter {name}", f"{_word(value)}" + (f" ({' '.join(p.summary.split())})" if p else ""))
        )
    person = case.person.model_dump()
    for name, decl in v.person_facts.items():
        if name not in person:
            continue
        value = person[name]
        definition = " ".join(decl.definition.split())
        if decl.type == "bool" and not decl.nullable:
            if value:
                out.append((name.replace("_", " "), f"yes: {definition}"))
            continue
        if decl.type == "bool":
            # a fact with a default: say what it means, and whether the scenario states it
            label = definition.split(". ")[0].rstrip(".")
            out.append((label, "not stated (the default applies)" if value is None else _word(value)))
            continue
        if value is None:
            continue
        terms = getattr(v, decl.values_from) if decl.values_from else {}
        shown = terms[value].label if value in terms else _word(value)
        out.append((name.replace("_", " "), shown))
    ice = case.ice.model_dump()
    for name, decl in v.ice_facts.items():
        if name in ice:
            out.append((" ".join(decl.definition.split()).rstrip("."), _word(ice[name])))
    return out


def _word(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | frozenset | set):
        return sorted(map(str, value))
    return value


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) if value else "none"
    return show_value(value, "none")


def _tidy(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def _environment() -> jinja2.Environment:
    folder = resources.files("detainer_model") / "teaching" / "templates"
    loader = jinja2.DictLoader(
        {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.name.endswith(".j2")}
    )
    return jinja2.Environment(
        loader=loader,
        autoescape=lambda name: bool(name and name.endswith(".html.j2")),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def answers_template(x: Exercise) -> str:
    """A blank answers file: every case, regime and field, waiting for a prediction."""
    lines = [
        f"# Answers for: {x.title}",
        "# Fill in each blank after the colon with one of the values listed; leave it blank if you",
        "# do not know. Write none where there is no request, no form or no level.",
        "# Values:",
    ]
    for f in x.fields:
        values = ", ".join(_show(v) for v in f.values) + (", none" if f.nullable else "")
        lines.append(f"#   {f.name}: {values}")
    lines += ["student: ", "answers:"]
    for s in x.sheets:
        lines.append(f"  {s.case.id}:  # case {s.number}: {s.case.title}")
        for r in x.regimes:
            lines.append(f"    {r}:")
            lines.extend(f"      {f.name}: " for f in x.fields)
    return "\n".join(line.rstrip() for line in lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Grading

Status = Literal["right", "wrong", "unanswered"]


@dataclass(frozen=True)
class Mark:
    """One prediction, marked."""

    number: int
    case_id: str
    regime: str
    field: str
    expected: Any
    given: Any
    status: Status
    reason: KeyReason

    def text(self) -> str:
        head = f"case {self.number} ({self.case_id}), {self.regime}, {self.field}"
        said = "no answer" if self.status == "unanswered" else f"you answered {_show(self.given)}"
        return f"{head}: {said}; the model says {_show(self.expected)}"


@dataclass(frozen=True)
class Grade:
    """A student's marks against a key."""

    title: str
    student: str | None
    marks: tuple[Mark, ...]

    @property
    def right(self) -> int:
        return sum(1 for m in self.marks if m.status == "right")

    @property
    def total(self) -> int:
        return len(self.marks)

    @property
    def wrong(self) -> tuple[Mark, ...]:
        return tuple(m for m in self.marks if m.status != "right")

    def score(self) -> str:
        pct = 100 * self.right / self.total if self.total else 0.0
        return f"{self.right}/{self.total} ({pct:.0f}%)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "student": self.student,
            "right": self.right,
            "total": self.total,
            "score": self.score(),
            "marks": [
                {
                    "case": m.case_id,
                    "number": m.number,
                    "regime": m.regime,
                    "field": m.field,
                    "expected": m.expected,
                    "given": m.given,
                    "status": m.status,
                    "rules": m.reason.rules,
                    "sources": m.reason.sources,
                    "why": m.reason.why,
                }
                for m in self.marks
            ],
        }


def load_key(path: Path) -> KeyFile:
    """Read and check a ``key.json`` written by ``exercise make``."""
    doc = load_yaml_file(path, str(path))
    if not isinstance(doc.data, dict):
        raise InputError([Problem(doc.file, doc.line_of(()), "", "an exercise key must be a JSON object")])
    if doc.data.get("format") != KEY_FORMAT:
        raise InputError(
            [
                Problem(
                    doc.file,
                    doc.line_of(("format",)),
                    "format",
                    f"not an exercise key (expected format '{KEY_FORMAT}')",
                )
            ]
        )
    value, problems = validate_document(KeyFile, doc)
    if value is None:
        raise InputError(problems)
    return value


def read_answers(path: Path, key: KeyFile) -> tuple[str | None, dict[tuple[str, str, str], Any]]:
    """Read and check a student's answers file against ``key``: every name known, every value one
    the field may take. Raises InputError with one located line per problem."""
    doc = load_yaml_file(path, str(path))
    problems: list[Problem] = []
    answers: dict[tuple[str, str, str], Any] = {}

    def bad(at: tuple[Any, ...], message: str) -> None:
        problems.append(Problem(doc.file, doc.line_of(at), format_path(at), message))

    data = doc.data
    if not isinstance(data, dict):
        bad((), "an answers file must be a mapping with 'answers' (and, if you like, 'student')")
        raise InputError(problems)
    for k in data:
        if k not in ("student", "answers"):
            bad((k,), f"unknown key '{k}'{suggest(str(k), ['student', 'answers'])}")
    student = data.get("student")
    if student is not None and not isinstance(student, str | int):
        bad(("student",), "the student's name must be text")
    given = data.get("answers")
    if given is None:
        bad(("answers",), "required field is missing: answers (one entry per case id)")
    elif not isinstance(given, dict):
        bad(("answers",), "expected a mapping of case ids to answers")
    else:
        cases = {c.id: c for c in key.cases}
        fields = {f.name: f for f in key.fields}
        for cid, per_regime in given.items():
            at: tuple[Any, ...] = ("answers", cid)
            if cid not in cases:
                bad(
                    at,
                    f"unknown case '{cid}'{suggest(str(cid), cases)}; the worksheet has {', '.join(cases)}",
                )
                continue
            if per_regime is None:
                continue
            if not isinstance(per_regime, dict):
                bad(at, f"expected a mapping of regimes ({', '.join(key.regimes)}) to answers")
                continue
            for regime, values in per_regime.items():
                at_r = (*at, regime)
                if regime not in key.regimes:
                    bad(
                        at_r,
                        f"unknown regime '{regime}'{suggest(str(regime), key.regimes)}; "
                        f"the worksheet asks about {', '.join(key.regimes)}",
                    )
                    continue
                if values is None:
                    continue
                if not isinstance(values, dict):
                    bad(at_r, f"expected a mapping of results ({', '.join(fields)}) to predictions")
                    continue
                for name, value in values.items():
                    at_f = (*at_r, name)
                    if name not in fields:
                        bad(
                            at_f,
                            f"unknown result '{name}'{suggest(str(name), fields)}; the worksheet asks for "
                            f"{', '.join(fields)}",
                        )
                        continue
                    if value is None or value == "":
                        continue  # left blank: unanswered
                    parsed, message = _parse(fields[name], value)
                    if message:
                        bad(at_f, message)
                    else:
                        answers[(cid, regime, name)] = parsed
    if problems:
        raise InputError(problems)
    return (str(student) if student is not None and str(student).strip() else None), answers


def _parse(f: KeyField, value: Any) -> tuple[Any, str | None]:
    """A student's prediction as a key value, or a message saying what is allowed."""
    allowed = [*map(_show, f.values), *(["none"] if f.nullable else [])]
    listing = ", ".join(dict.fromkeys(allowed))
    if f.type == "bool":
        if type(value) is bool:
            return value, None
        return None, f"expected yes or no (true or false), got {value!r}"
    if f.type == "set":
        items = value if isinstance(value, list) else ([] if str(value).lower() in NONE_WORDS else [value])
        out = []
        for item in items:
            match = _match(item, f.values)
            if match is None:
                return None, f"{item!r} is not one of {listing}{suggest(str(item), map(str, f.values))}"
            out.append(str(match))
        return sorted(set(out)), None
    if (
        isinstance(value, str)
        and value.strip().lower() in NONE_WORDS
        and f.nullable
        and "none" not in f.values
    ):
        return None, None
    match = _match(value, f.values)
    if match is None:
        return None, f"{value!r} is not one of {listing}{suggest(str(value), allowed)}"
    return match, None


def _match(value: Any, values: Sequence[Any]) -> Any:
    for v in values:
        if value == v or (isinstance(value, str | int) and str(value).strip() == str(v)):
            return v
    return None


def grade(key: KeyFile, answers: Mapping[tuple[str, str, str], Any], student: str | None = None) -> Grade:
    """Mark every prediction the key asks for: right, wrong or unanswered."""
    marks = []
    for c in key.cases:
        for regime in key.regimes:
            for f in key.fields:
                expected = c.answers[regime][f.name]
                reason = c.reasons[regime][f.name]
                k = (c.id, regime, f.name)
                if k not in answers:
                    status: Status = "unanswered"
                    given = None
                else:
                    given = answers[k]
                    status = "right" if _same(given, expected) else "wrong"
                marks.append(Mark(c.number, c.id, regime, f.name, expected, given, status, reason))
    return Grade(key.title, student, tuple(marks))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return sorted(map(str, a or [])) == sorted(map(str, b or []))
    return a == b and type(a) is type(b)


__all__ = [
    "DEFAULT_FIELDS",
    "FILES",
    "Exercise",
    "Grade",
    "KeyFile",
    "Mark",
    "grade",
    "load_key",
    "make_exercise",
    "read_answers",
]

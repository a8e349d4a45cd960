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

import csv
import datetime as dt
import hashlib
import io
import json
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import jinja2
import markupsafe
from pydantic import BaseModel, ConfigDict

from .._version import __version__
from ..core.evaluate import DEFAULT_REGIMES, DISCLAIMER, Decision, evaluate
from ..core.facts import items_of
from ..core.layers import layers_for
from ..core.models import Case
from ..core.scenarios import LoadedScenario
from ..errors import InputError, Problem, ProblemList, UnknownIdError, suggest, visible
from ..rulebook import expressions as ex
from ..rulebook.library import RuleLibrary, split_ref
from ..safeio.csvcells import inert
from ..safeio.validation import validate_document
from ..safeio.yamlsafe import format_path, load_yaml_file
from .contrast import contrasts, reason_for
from .explain import describe_item
from .plain import plain_label, plain_value
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

    @property
    def code(self) -> str:
        """What a student's answers file calls the case (``case-3``): unlike its id, it gives nothing away."""
        return f"case-{self.number}"

    @property
    def label(self) -> str:
        """A neutral heading for the worksheet (the title, which may give the answer away, is in the key)."""
        return f"Booked {self.case.booking_date.isoformat()}, {self.place.split(': ', 1)[-1]}"

    def decision(self, regime: str) -> Decision:
        """The case's decision under ``regime``."""
        return next(x for x in self.decisions if x.label == regime)

    def answer(self, regime: str, name: str) -> Any:
        return _plain(self.decision(regime).get(name))


@dataclass(frozen=True)
class Exercise:
    """A worksheet and its key, ready to render."""

    title: str
    regimes: tuple[str, ...]
    fields: tuple[KeyField, ...]
    sheets: tuple[Sheet, ...]
    model: dict[str, Any]
    policies: tuple[tuple[str, str, str, str], ...] = ()  # (id, title, in force, summary)
    plain: RuleLibrary | None = None  # the rules whose plain-English words the files use, if any

    def shuffled(self, seed: int) -> Exercise:
        """The same exercise with its cases in an order drawn from ``seed`` (their numbers kept, so
        that one key grades every variant)."""
        order = list(self.sheets)
        random.Random(seed).shuffle(order)
        return replace(self, sheets=tuple(order))

    def student_files(self) -> dict[str, str]:
        """The files a student gets: the worksheet and the blank answers file."""
        files = self.files()
        return {k: files[k] for k in ("worksheet.md", "worksheet.html", "answers-template.yaml")}

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
                for s in sorted(self.sheets, key=lambda s: s.number)
            ],
        )

    def head(self, name: str) -> str:
        """A result's column heading: its id, or in plain English its label with the id."""
        return f"{plain_label(name, self.plain)} ({name})" if self.plain is not None else name

    def plain_why(self, sheet: Sheet, regime: str, name: str) -> str:
        """Why the model gives ``name`` its answer, in plain English: the summaries of the rules
        that decide it (their ids in brackets), or, for a default, that no rule applies (with the
        technical reason after it), then the sources."""
        reason = sheet.reasons[regime][name]
        deciding = [f for f in sheet.decision(regime).findings if name in f.concluded]
        if deciding and not reason.default:
            said = " ".join(_sentence(f.rule.summary) for f in deciding)
            text = f"{said} [{', '.join(f.rule.id for f in deciding)}]"
        else:
            text = f"No rule applies here, so the model's default holds. In the rules' terms: {reason.why}."
        if reason.sources:
            text += f" Sources: {'; '.join(reason.sources)}."
        return text

    def files(self) -> dict[str, str]:
        """Every file of the exercise, rendered (nothing is written here)."""
        env, md = template_environment(), template_environment(markdown=True)
        data = {
            "x": self,
            "key": self.key(),
            "disclaimer": DISCLAIMER,
            "show": _show,
            "plain": self.plain is not None,
            "head": self.head,
            "label": lambda name: plain_label(name, self.plain),
            "words": lambda name, value: plain_value(name, value, self.plain),
            "plain_why": self.plain_why,
        }
        return {
            "worksheet.md": _tidy(md.get_template("worksheet.md.j2").render(**data)),
            "worksheet.html": env.get_template("worksheet.html.j2").render(**data),
            "answers-template.yaml": answers_template(self),
            "answer-key.md": _tidy(md.get_template("answer-key.md.j2").render(**data)),
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
    plain: bool = False,
) -> Exercise:
    """Evaluate the chosen cases (default: all, in file order) and build the exercise; ``plain``:
    its worksheet and key say each result and reason in plain English, ids beside them (the key
    file that grading reads is the same either way)."""
    chosen_regimes = tuple(dict.fromkeys(lib.check_regime(r) for r in regimes or DEFAULT_REGIMES))
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
    # the local rule sets that answer: a pinned version, or each layer of a place in force on
    # the case's booking date
    answering = dict.fromkeys(v for s in sheets for v in _local_versions(lib, s.case))
    used = {
        *lib.model.shared,
        *(split_ref(r)[0] for r in chosen_regimes),
        *answering,
    }
    model = {
        "version": __version__,
        "rulesets": {rid: _file_digest(lib, rid) for rid in sorted(used) if rid in lib.rulesets},
    }
    key_fields = tuple(_key_field(lib, n) for n in names)
    shown_title = title or (
        scenarios[0].scenario.title if len(scenarios) == 1 else "Detainer policy exercise"
    )
    policies = tuple(
        (rs.id, rs.title, rs.effective.describe(), " ".join(rs.meta.summary.split()))
        for rs in (lib.ruleset(v) for v in answering)
    )
    return Exercise(shown_title, chosen_regimes, key_fields, sheets, model, policies, lib if plain else None)


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
    ref = case.jurisdiction.id
    return Sheet(
        number,
        file,
        case,
        f"{ref}: {lib.local_title(ref)}",
        tuple(describe_facts(case, lib, decisions[0].facts.values if decisions else None)),
        tuple(describe_item("convictions", i, x) for i, x in enumerate(items_of(case, "convictions"))),
        tuple(describe_item("charges", i, x) for i, x in enumerate(items_of(case, "charges"))),
        decisions,
        reasons,
        found,
    )


def _local_versions(lib: RuleLibrary, case: Case) -> list[str]:
    """The local rule sets that answer for ``case``: its pinned version, or every layer of its
    place in force on its booking date (outermost first)."""
    base, _reading = split_ref(case.jurisdiction.id)
    if base not in lib.places:
        return [lib.ruleset(case.jurisdiction.id, "local").id]
    return [layer.version.id for layer in layers_for(lib, base, case.booking_date)]


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


def describe_facts(
    case: Case, lib: RuleLibrary, derived: Mapping[str, Any] | None = None
) -> list[tuple[str, str]]:
    """The case's facts as (label, words) pairs, in the vocabulary's order; false flags left out.

    A fact the scenario leaves unstated says which default applies, from the rule files'
    definition that supplies it and its value in ``derived`` (the decision's facts)."""
    v = lib.vocabulary
    out: list[tuple[str, str]] = [("Booked", case.booking_date.isoformat())]
    ref = case.jurisdiction.id
    out.append(("Place (local policy)", f"{ref}: {lib.local_title(ref)}"))
    declared = lib.parameters_of(ref)
    for name, value in case.jurisdiction.params.items():
        p = declared.get(name)
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
            if value is None:
                out.append((label, _stated_default(f"person.{name}", lib, derived)))
            else:
                out.append((label, _word(value)))
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


def _stated_default(name: str, lib: RuleLibrary, derived: Mapping[str, Any] | None) -> str:
    """``not stated: the default, yes, applies (...)`` from the definition that supplies it."""
    for rid in lib.model.shared:
        for d in lib.rulesets[rid].definitions:
            node = d.node
            if not (isinstance(node, ex.IfElse) and name in ex.refs(node.cond)):
                continue
            why = d.definition.summary
            fallback = ex.refs(node.orelse)
            if len(fallback) == 1:  # the default is another definition: its words
                (other_id,) = fallback
                other = next((x for x in lib.rulesets[rid].definitions if x.id == other_id), None)
                why = other.definition.summary if other else why
            why = " ".join(why.split()).rstrip(".")
            if derived is not None and d.id in derived:
                return f"not stated: the default, {_word(derived[d.id])}, applies ({why})"
            return f"not stated: the default applies ({why})"
    return "not stated (the default applies)"


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


def _sentence(text: str) -> str:
    said = " ".join(text.split())
    return said if not said or said[-1] in ".!?" else said + "."


def _tidy(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def _shown(value: Any) -> Any:
    """Text from scenario files with its control characters made visible (HTML escapes the rest)."""
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return visible(value, keep_newlines=True)
    return value


def _markdown_text(value: Any) -> Any:
    """As ``_shown``, and nothing that opens an HTML tag (Markdown passes raw HTML through, so
    ``<script>`` in a title would run where the worksheet is rendered)."""
    value = _shown(value)
    return _TAG_START.sub("&lt;", value) if isinstance(value, str) else value


def template_environment(markdown: bool = False) -> jinja2.Environment:
    """The Jinja2 templates shipped in teaching/templates, HTML ones autoescaped, text from scenario
    files with its control characters made visible (and, for Markdown, no HTML tags opened)."""
    folder = resources.files("detainer_model") / "teaching" / "templates"
    loader = jinja2.DictLoader(
        {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.name.endswith(".j2")}
    )
    return jinja2.Environment(
        loader=loader,
        finalize=_markdown_text if markdown else _shown,
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
        if x.plain is not None:  # what each value means
            lines.append(f"#     ({plain_label(f.name, x.plain)})")
            for v in [*f.values, *([None] if f.nullable else [])]:
                lines.append(f"#     {_show(v)}: {visible(plain_value(f.name, v, x.plain))}")
    lines += ["student: ", "answers:"]
    for s in x.sheets:
        lines.append(f"  {s.code}:  # case {s.number}: {s.label}")
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

    def to_dict(self, plain: RuleLibrary | None = None) -> dict[str, Any]:
        """The grade as a JSON-ready dict; with ``plain`` (the rules whose words to use), each mark
        also carries ``plain``: the answer's label and both answers in plain English."""
        marks = []
        for m in self.marks:
            mark: dict[str, Any] = {
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
            if plain is not None:
                mark["plain"] = {
                    "label": plain_label(m.field, plain),
                    "expected": plain_value(m.field, m.expected, plain),
                    "given": None if m.status == "unanswered" else plain_value(m.field, m.given, plain),
                }
            marks.append(mark)
        return {
            "title": self.title,
            "student": self.student,
            "right": self.right,
            "total": self.total,
            "score": self.score(),
            "marks": marks,
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
    # a key edited by hand could grade nothing ("every prediction matches") or one case twice
    for part in ("cases", "regimes", "fields"):
        if not getattr(value, part):
            problems.append(Problem(doc.file, doc.line_of((part,)), part, f"the key lists no {part}"))
    seen: dict[str, int] = {}
    for i, case in enumerate(value.cases):
        if case.id in seen:
            problems.append(
                Problem(
                    doc.file,
                    doc.line_of(("cases", i, "id")),
                    f"cases[{i}].id",
                    f"case '{case.id}' is in the key twice (also cases[{seen[case.id]}]);"
                    " was the key edited?",
                )
            )
        seen.setdefault(case.id, i)
    for part, names in (("regimes", value.regimes), ("fields", [f.name for f in value.fields])):
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            line = doc.line_of((part,))
            problems.append(Problem(doc.file, line, part, f"listed twice: {', '.join(twice)}"))
    if problems:
        raise InputError(problems)
    return value


def read_answers(path: Path, key: KeyFile) -> tuple[str | None, dict[tuple[str, str, str], Any]]:
    """Read and check a student's answers file against ``key``: every name known, every value one
    the field may take. Raises InputError with one located line per problem."""
    doc = load_yaml_file(path, str(path))
    problems = ProblemList()
    answers: dict[tuple[str, str, str], Any] = {}

    def bad(at: tuple[Any, ...], message: str) -> None:
        problems.add(Problem(doc.file, doc.line_of(at), format_path(at), message))

    def unknown(at: tuple[Any, ...], what: str, name: Any, known: Iterable[str], hint: str) -> None:
        if problems.full:  # past the bound: counted, never formatted (no search for a suggestion)
            problems.count_more(doc.file)
            return
        bad(at, f"unknown {what} '{name}'{suggest(str(name), known)}; {hint}")

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
        codes = {f"case-{c.number}": c.id for c in key.cases}
        fields = {f.name: f for f in key.fields}
        for written, per_regime in given.items():
            at: tuple[Any, ...] = ("answers", written)
            cid = codes.get(str(written), written)
            if cid not in cases:
                unknown(at, "case", cid, [*codes, *cases], f"the worksheet has {', '.join(codes)}")
                continue
            if per_regime is None:
                continue
            if not isinstance(per_regime, dict):
                bad(at, f"expected a mapping of regimes ({', '.join(key.regimes)}) to answers")
                continue
            for regime, values in per_regime.items():
                at_r = (*at, regime)
                if regime not in key.regimes:
                    asked = ", ".join(key.regimes)
                    unknown(at_r, "regime", regime, key.regimes, f"the worksheet asks about {asked}")
                    continue
                if values is None:
                    continue
                if not isinstance(values, dict):
                    bad(at_r, f"expected a mapping of results ({', '.join(fields)}) to predictions")
                    continue
                for name, value in values.items():
                    at_f = (*at_r, name)
                    if name not in fields:
                        unknown(at_f, "result", name, fields, f"the worksheet asks for {', '.join(fields)}")
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
    name = visible(str(student)) if student is not None and str(student).strip() else None
    return name, answers


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


@dataclass(frozen=True)
class Misconception:
    """The wrong answers of one case and regime, reported once: a wrong idea about the first of
    them (in the order the rules decide the answers) carries into the ones after it."""

    marks: tuple[Mark, ...]

    @property
    def root(self) -> Mark:
        return self.marks[0]

    def text(self) -> str:
        m = self.root
        said = "; ".join(
            f"{x.field}: you answered {_show(x.given)}, the model says {_show(x.expected)}"
            for x in self.marks
        )
        return f"case {m.number} ({m.case_id}), {m.regime}: {said}"


def misconceptions(g: Grade) -> list[Misconception]:
    """The wrong answers grouped by case and regime, each group explained by its first answer."""
    groups: dict[tuple[int, str], list[Mark]] = {}
    for m in g.marks:
        if m.status == "wrong":
            groups.setdefault((m.number, m.regime), []).append(m)
    return [Misconception(tuple(ms)) for ms in groups.values()]


# ---------------------------------------------------------------------------------------------
# A class: many answers files, one gradebook

GRADEBOOK_COLUMNS = ("student", "file", "case", "regime", "field", "answer", "expected", "correct")
QUESTION_COLUMNS = (
    "case",
    "number",
    "regime",
    "field",
    "expected",
    "students",
    "answered",
    "right",
    "percent_right",
    "commonest_wrong_answer",
)

Cell = Callable[[Any], str]


@dataclass(frozen=True)
class Question:
    """One question (a case, a regime, a field) across a class: the model's answer, how many
    students answered it, how many got it right, and every wrong answer given (as given)."""

    number: int
    case_id: str
    regime: str
    field: str
    expected: Any
    students: int
    answered: int
    right: int
    wrong: tuple[Any, ...]

    @property
    def percent_right(self) -> int:
        return round(100 * self.right / self.students) if self.students else 0

    def commonest_wrong(self, cell: Cell) -> tuple[str, int] | None:
        """The wrong answer most students gave, as ``cell`` writes it, and how many gave it (ties:
        the last in text order)."""
        counts = Counter(cell(v) for v in self.wrong)
        return max(counts.items(), key=lambda kv: (kv[1], kv[0]), default=None)


@dataclass(frozen=True)
class ClassGrades:
    """Every student's marks against one key.

    The counting (:meth:`questions`) knows no formatting; the rows of the gradebook and of the
    questions take a ``cell`` function that writes a value for their reader (the CLI's writes a
    set as ``a, b``; the web app's as ``a b``)."""

    key: KeyFile
    grades: tuple[tuple[str, str, Grade], ...]  # (student, file, grade)

    def gradebook_rows(self, cell: Cell | None = None) -> list[dict[str, str]]:
        """One row per student and prediction: what they answered and whether it is right."""
        show = cell or _show
        rows = []
        for student, file, g in self.grades:
            for m in g.marks:
                rows.append(
                    {
                        "student": student,
                        "file": file,
                        "case": m.case_id,
                        "regime": m.regime,
                        "field": m.field,
                        "answer": "" if m.status == "unanswered" else show(m.given),
                        "expected": show(m.expected),
                        "correct": "true" if m.status == "right" else "false",
                    }
                )
        return rows

    def questions(self) -> list[Question]:
        """Each question (case, regime, field) with its counts; hardest first."""
        counts: dict[tuple[int, str, str, str], tuple[Any, list[Mark]]] = {}
        for _student, _file, g in self.grades:
            for m in g.marks:
                counts.setdefault((m.number, m.case_id, m.regime, m.field), (m.expected, []))[1].append(m)
        n = len(self.grades)
        out = [
            Question(
                number,
                cid,
                regime,
                fname,
                expected,
                n,
                answered=sum(1 for m in marks if m.status != "unanswered"),
                right=sum(1 for m in marks if m.status == "right"),
                wrong=tuple(m.given for m in marks if m.status == "wrong"),
            )
            for (number, cid, regime, fname), (expected, marks) in counts.items()
        ]
        return sorted(out, key=lambda q: (q.percent_right, q.number, q.regime, q.field))

    def difficulty(self, cell: Cell | None = None) -> list[dict[str, Any]]:
        """Each question (case, regime, field): how many answered it, how many got it right, and
        the commonest wrong answer; hardest first (the columns of ``questions.csv``)."""
        show = cell or _show
        out = []
        for q in self.questions():
            common = q.commonest_wrong(show)
            out.append(
                {
                    "case": q.case_id,
                    "number": q.number,
                    "regime": q.regime,
                    "field": q.field,
                    "expected": show(q.expected),
                    "students": q.students,
                    "answered": q.answered,
                    "right": q.right,
                    "percent_right": q.percent_right,
                    "commonest_wrong_answer": f"{common[0]} ({common[1]})" if common else "",
                }
            )
        return out

    def csv_files(self) -> dict[str, str]:
        """``gradebook.csv`` and ``questions.csv``, rendered."""
        return {
            "gradebook.csv": csv_text(GRADEBOOK_COLUMNS, self.gradebook_rows()),
            "questions.csv": csv_text(QUESTION_COLUMNS, self.difficulty()),
        }


def csv_text(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    """``rows`` as CSV text with a header of ``columns``; text a spreadsheet would run as a
    formula (a student's name such as ``=HYPERLINK(...)``) is made inert."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: inert(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows)
    return buf.getvalue()


def answer_files(paths: Sequence[Path]) -> list[Path]:
    """The answers files among ``paths``: files as given, folders' ``*.yaml``/``*.yml`` files sorted."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(q for q in p.iterdir() if q.is_file() and q.suffix in (".yaml", ".yml")))
        else:
            out.append(p)
    return list(dict.fromkeys(out))


def grade_class(key: KeyFile, paths: Sequence[Path]) -> ClassGrades:
    """Grade every answers file; a student is named by the file's ``student:`` or else its name.
    Every file is checked first: one faulty file refuses the lot, naming each problem."""
    problems = ProblemList()
    read: list[tuple[str, str, Grade]] = []
    names: dict[str, int] = {}
    for path in answer_files(paths):
        try:
            student, answers = read_answers(path, key)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        name = student or path.stem
        names[name] = names.get(name, 0) + 1
        read.append((name, str(path), grade(key, answers, name)))
    if problems:
        raise InputError(problems)
    if not read:
        raise InputError([Problem(", ".join(map(str, paths)), None, "", "no answers files (*.yaml) found")])
    # two files that name the same student are told apart by their file names
    grades = tuple((f"{n} ({Path(f).name})" if names[n] > 1 else n, f, g) for n, f, g in read)
    return ClassGrades(key, grades)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return sorted(map(str, a or [])) == sorted(map(str, b or []))
    return a == b and type(a) is type(b)


__all__ = [
    "DEFAULT_FIELDS",
    "FILES",
    "GRADEBOOK_COLUMNS",
    "QUESTION_COLUMNS",
    "ClassGrades",
    "Exercise",
    "Grade",
    "KeyFile",
    "Mark",
    "Misconception",
    "Question",
    "answer_files",
    "csv_text",
    "grade",
    "grade_class",
    "load_key",
    "make_exercise",
    "misconceptions",
    "read_answers",
]

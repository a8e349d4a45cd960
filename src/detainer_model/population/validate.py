"""Checking batch tables column by column, with the scenario files' vocabulary and messages.

A scenario file is checked case by case by pydantic; a table of a million rows is checked here a
column at a time, with polars, against the same column specifications (read off the same models,
see :mod:`.schema`) and the same rule library (offense kinds, jurisdiction ids, parameters). Every
fault is a :class:`Rejection` located to its file, line and column. Without ``skip_invalid`` any
fault refuses the whole batch; with it, each person whose row, conviction or charge is faulty is
left out, and the rejections are summarised.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from ..errors import InputError, Problem, suggest
from ..rulebook.library import RuleLibrary
from ..safeio.fieldtypes import EARLIEST_DATE, LATEST_DATE
from .io import check_before_reading, read_manifest, read_table, table_format
from .schema import (
    JURISDICTION,
    LIST_SEPARATOR,
    NOTE_PREFIX,
    PARAM_PREFIX,
    PERSON_ID,
    ROW,
    SYNTHETIC,
    ColumnSpec,
    TableName,
    columns_for,
    param_fact,
    parameter_columns,
)

ITEM = "_item"  # an item's row index in its own table
SHOWN_PER_REASON = 5
MAX_SET_VALUES = 64
_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
_TYPE_WORDS = {"bool": "true or false", "int": "a whole number"}


@dataclass(frozen=True)
class Rejection:
    """Rows of one table that fail one check, each with its message."""

    table: TableName
    file: str
    column: str
    reason: str
    rows: pl.Series  # 0-based row indexes in the table's own file
    messages: pl.Series
    first_line: int  # the line of row 0 (2 for CSV, whose line 1 is the header; 1 for Parquet)

    @property
    def count(self) -> int:
        return self.rows.len()

    def problems(self, limit: int | None = None) -> list[Problem]:
        rows = self.rows.head(limit) if limit is not None else self.rows
        msgs = self.messages.head(limit) if limit is not None else self.messages
        return [
            Problem(self.file, int(r) + self.first_line, self.column, str(m))
            for r, m in zip(rows.to_list(), msgs.to_list(), strict=True)
        ]


@dataclass
class RejectionReport:
    """What ``--skip-invalid`` left out, and why."""

    rejections: list[Rejection] = field(default_factory=list)
    people_rejected: int = 0
    orphans: dict[str, int] = field(default_factory=dict)

    def lines(self, shown: int = 3) -> list[str]:
        """A summary: rows per reason with the first few lines, then the people left out."""
        out = []
        for r in sorted(self.rejections, key=lambda r: (r.file, -r.count, r.column)):
            first = ", ".join(str(p.line) for p in r.problems(shown))
            more = ", …" if r.count > shown else ""
            out.append(
                f"{r.file}: {r.count:,} row{'s' if r.count != 1 else ''}: {r.column}: {r.reason}"
                f" (line{'s' if r.count != 1 else ''} {first}{more})"
            )
        for table, n in self.orphans.items():
            out.append(f"{table}: {n:,} rows name no person of the people table and were left out")
        if self.people_rejected:
            out.append(f"{self.people_rejected:,} people left out (a fault in their row or in a linked row)")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "people_rejected": self.people_rejected,
            "orphan_rows": dict(self.orphans),
            "reasons": [
                {"file": r.file, "column": r.column, "reason": r.reason, "rows": r.count}
                for r in self.rejections
            ],
        }


@dataclass
class ValidBatch:
    """Checked, typed tables ready for evaluation.

    ``people`` has ``_row``, ``person_id``, ``jurisdiction``, ``synthetic`` and one column per
    fact under its rule-file name (``case.booking_date``, ``person.age``, ``ice.judicial_warrant``,
    ``param.reimbursement_agreement``); defaults are filled in, except for nullable facts and
    parameters (a missing parameter takes its policy's default). ``convictions`` and ``charges``
    have ``_row`` (the person's) and the item fields, with set fields as bit masks over their
    declared values.
    """

    people: pl.DataFrame
    items: dict[str, pl.DataFrame]
    files: dict[str, str]
    manifest: dict[str, Any]
    rejected: RejectionReport
    param_columns: tuple[str, ...]
    set_values: dict[str, tuple[str, ...]]


# ---------------------------------------------------------------------------------------------


class _Checker:
    def __init__(self, table: TableName, path: Path, df: pl.DataFrame) -> None:
        self.table = table
        self.file = str(path)
        self.df = df
        self.first_line = 2 if table_format(path) == "csv" else 1
        self.rejections: list[Rejection] = []

    def reject(self, column: str, reason: str, bad: pl.Series, template: str, *values: pl.Series) -> None:
        """Record the rows where ``bad`` is true, each with ``template`` filled from ``values``.

        Messages are built only for the faulty rows, so a clean column costs one test.
        """
        bad = bad.fill_null(False)
        if not bad.any():
            return
        rows = pl.Series(ROW, range(len(bad)), dtype=pl.UInt32).filter(bad)
        pieces = template.split("{}")
        if not values:
            msgs = pl.Series("message", [template], dtype=pl.String).extend_constant(template, rows.len() - 1)
            self.rejections.append(
                Rejection(self.table, self.file, column, reason, rows, msgs, self.first_line)
            )
            return
        parts: list[pl.Expr] = [pl.lit(pieces[0])]
        for v, piece in zip(values, pieces[1:], strict=True):
            parts.append(pl.lit(v.filter(bad).cast(pl.String)).fill_null("null"))
            parts.append(pl.lit(piece))
        msgs = pl.select(pl.concat_str(parts).alias("message")).to_series()
        self.rejections.append(Rejection(self.table, self.file, column, reason, rows, msgs, self.first_line))

    def structure(self, specs: Mapping[str, ColumnSpec], extra: Iterable[str] = ()) -> None:
        """Refuse missing required columns and unknown ones (these are never skippable)."""
        problems = []
        allowed = [*specs, *extra]
        for name, spec in specs.items():
            if spec.required and name not in self.df.columns:
                problems.append(Problem(self.file, None, name, "required column is missing"))
        for name in self.df.columns:
            if name not in allowed and not name.startswith(NOTE_PREFIX):
                problems.append(
                    Problem(
                        self.file,
                        None,
                        name,
                        f"unknown column '{name}'{suggest(name, allowed)}"
                        f" (columns whose names start with '{NOTE_PREFIX}' are allowed and ignored)",
                    )
                )
        if problems:
            raise InputError(problems)

    def as_text(self, name: str) -> pl.Series:
        return _text(self.df.get_column(name))

    def take(self, name: str) -> pl.Series:
        """A raw column, removed from the table so that its memory goes once it is parsed."""
        raw = self.df.get_column(name)
        self.df = self.df.drop(name)
        return raw

    def column(self, spec: ColumnSpec) -> pl.Series:
        """The column parsed to its type; faults are rejected and become null."""
        name = spec.name
        if name not in self.df.columns:
            return _constant(name, spec.default, self.df.height, _dtype(spec))
        raw = self.take(name)
        value = self._typed(spec, raw)
        if spec.required:
            self.reject(
                name,
                "required field is missing",
                value.is_null() & raw.is_null(),
                "required field is missing",
            )
        if spec.kind == "int":
            if spec.ge is not None:
                low = value < spec.ge
                self.reject(name, f"below {spec.ge}", low, f"must be at least {spec.ge}, got {{}}", value)
                value = _blank(value, low)
            if spec.le is not None:
                high = value > spec.le
                self.reject(name, f"above {spec.le}", high, f"must be at most {spec.le}, got {{}}", value)
                value = _blank(value, high)
        if spec.kind == "text" and spec.min_length:
            short = value.str.len_chars() < spec.min_length
            self.reject(name, "empty text", short, "must not be empty")
            value = _blank(value, short)
        if spec.default is not None:
            value = value.fill_null(spec.default)
        if spec.kind == "enum":
            value = value.cast(pl.Enum(list(spec.values)))
        return value.alias(name)

    def readable(self, spec: ColumnSpec, raw: pl.Series, *, list_ok: bool = False) -> None:
        """Refuse a column whose (Parquet) type no value of the column could be read from."""
        dtype = raw.dtype
        plain = (
            dtype in (pl.String, pl.Boolean, pl.Date, pl.Datetime, pl.Categorical, pl.Null)
            or dtype.is_integer()
            or dtype.is_float()
            or isinstance(dtype, pl.Enum | pl.Datetime)
        )
        listed = isinstance(dtype, pl.List) and (dtype.inner in (pl.String, pl.Categorical, pl.Null))
        if not (plain or (list_ok and listed)):
            raise InputError(
                [
                    Problem(
                        self.file,
                        None,
                        spec.name,
                        f"the column is of type {dtype}, which cannot hold {spec.describe()}",
                    )
                ]
            )

    def _typed(self, spec: ColumnSpec, raw: pl.Series) -> pl.Series:
        name, kind = spec.name, spec.kind
        self.readable(spec, raw)
        native = {
            "bool": raw.dtype == pl.Boolean,
            "int": raw.dtype.is_integer(),
            "date": raw.dtype == pl.Date,
        }.get(kind, False)
        if native:
            if kind == "date":
                return self._in_range(name, raw)
            return raw.cast(pl.Int64) if kind == "int" else raw
        text = _text(raw)
        if kind in ("text", "list"):
            return text
        given = text.is_not_null()
        if kind == "bool":
            low = text.str.to_lowercase()
            value = (
                pl.select(pl.when(low == "true").then(True).when(low == "false").then(False).otherwise(None))
                .to_series()
                .alias(name)
            )
            self.reject(
                name, "not true or false", given & value.is_null(), "expected true or false, got '{}'", text
            )
            return value
        if kind == "int":
            value = text.cast(pl.Int64, strict=False)
            self.reject(
                name, "not a whole number", given & value.is_null(), "expected a whole number, got '{}'", text
            )
            return value
        if kind == "date":
            shaped = text.str.contains(_DATE_PATTERN)
            value = text.str.to_date("%Y-%m-%d", strict=False)
            self.reject(
                name,
                "not a date written YYYY-MM-DD",
                given & ~shaped,
                "expected a date written YYYY-MM-DD, got '{}'",
                text,
            )
            self.reject(
                name,
                "not a real date",
                given & shaped & value.is_null(),
                "'{}' is not a real date written YYYY-MM-DD",
                text,
            )
            return self._in_range(name, _blank(value, ~shaped.fill_null(True)))
        # enum
        ok = text.is_in(list(spec.values))
        bad = given & ~ok
        if bad.any():
            options = ", ".join(repr(v) for v in spec.values)
            hints = {v: suggest(v, spec.values) for v in text.filter(bad).unique().to_list()}
            msgs = text.replace_strict(
                {v: f"{v!r} is not one of {options}{h}" for v, h in hints.items()},
                default="",
                return_dtype=pl.String,
            )
            self.reject(name, f"not one of {options}", bad, "{}", msgs)
        return _blank(text, bad)

    def _in_range(self, name: str, value: pl.Series) -> pl.Series:
        """Dates outside the model's sanity range (as for scenarios) refused and blanked."""
        outside = value.is_not_null() & ((value < EARLIEST_DATE) | (value > LATEST_DATE))
        self.reject(
            name,
            "outside the accepted dates",
            outside,
            f"{{}} is outside the dates this model accepts ({EARLIEST_DATE} to {LATEST_DATE})",
            value,
        )
        return _blank(value, outside)

    def set_mask(self, spec: ColumnSpec, values: Sequence[str], unknown_reason: str) -> pl.Series:
        """A ';'-separated list (or a list column) as a bit mask over ``values``."""
        name = spec.name
        if name not in self.df.columns:
            return _constant(name, 0, self.df.height, pl.UInt64())
        raw = self.take(name)
        self.readable(spec, raw, list_ok=True)
        if isinstance(raw.dtype, pl.List):
            raw = raw.list.join(LIST_SEPARATOR)
        text = _text(raw)
        uniques = text.drop_nulls().unique().to_list()
        masks: dict[str, int] = {}
        faults: dict[str, str] = {}
        for u in uniques:
            mask = 0
            for part in (p.strip() for p in u.split(LIST_SEPARATOR)):
                if not part:
                    continue
                if part not in values:
                    faults[u] = f"unknown {unknown_reason} '{part}'{suggest(part, values)}"
                    break
                mask |= 1 << values.index(part)
            masks[u] = mask
        if faults:
            bad = text.is_in(list(faults))
            self.reject(
                name,
                f"unknown {unknown_reason}",
                bad,
                "{}",
                text.replace_strict(faults, default="", return_dtype=pl.String),
            )
        return text.replace_strict(masks, default=0, return_dtype=pl.UInt64).fill_null(0).alias(name)


def _text(s: pl.Series) -> pl.Series:
    if s.dtype == pl.String:
        return s
    if s.dtype == pl.Categorical or isinstance(s.dtype, pl.Enum):
        return s.cast(pl.String)
    return s.cast(pl.String, strict=False)


def _dtype(spec: ColumnSpec) -> pl.DataType:
    if spec.kind == "enum":
        return pl.Enum(list(spec.values))
    return {
        "bool": pl.Boolean(),
        "int": pl.Int64(),
        "date": pl.Date(),
    }.get(spec.kind, pl.String())


def _constant(name: str, value: Any, n: int, dtype: pl.DataType) -> pl.Series:
    """``n`` rows of ``value`` (polars builds it; a Python list of a million ``None`` is scanned
    whole by the Series constructor, looking for a value to infer a type from)."""
    return pl.repeat(value, n, dtype=dtype, eager=True).alias(name)


def _blank(values: pl.Series, where: pl.Series) -> pl.Series:
    """``values`` with null wherever ``where`` is true."""
    return (
        pl.select(pl.when(where.fill_null(False)).then(None).otherwise(values)).to_series().alias(values.name)
    )


# ---------------------------------------------------------------------------------------------


def read_batch(
    lib: RuleLibrary,
    people_path: Path,
    convictions_path: Path | None = None,
    charges_path: Path | None = None,
    *,
    skip_invalid: bool = False,
    keep: Mapping[str, Collection[str]] | None = None,
    on_step: Callable[[str], None] | None = None,
    frames: Mapping[str, pl.DataFrame] | None = None,
) -> ValidBatch:
    """Read and check the three tables; raise InputError (unless ``skip_invalid``).

    ``keep`` (``{"people": facts, "convictions": fields, "charges": fields}``) names the columns
    worth keeping once checked; the others (free-text offenses, facts no rule reads) are dropped.
    ``frames`` (``{"people": ..., "convictions": ..., "charges": ...}``) are the tables' rows
    already read (a part of each, when the batch streams): they are checked instead of the files,
    which are still named in messages.
    """
    step = on_step or (lambda _s: None)
    given = dict(frames or {})
    for table, path in (
        ("people", people_path),
        ("convictions", convictions_path),
        ("charges", charges_path),
    ):
        if path is not None and table not in given:
            # every file's size first: a table over the limits is refused before any is read
            check_before_reading(path)
    step("reading people")
    people_raw = given.pop("people", None)
    if people_raw is None:
        people_raw = read_table(people_path, checked=True)
    params = parameter_columns(lib)
    pc = _Checker("people", people_path, people_raw)
    specs = columns_for("people")
    pc.structure(specs, params)
    cols: dict[str, pl.Series] = {}
    for spec in specs.values():
        cols[spec.fact] = pc.column(spec).alias(spec.fact)
    people = pl.DataFrame(list(cols.values())).with_row_index(ROW)
    _check_people(pc, people, lib)
    param_cols = _check_params(pc, people, lib, params)
    people = people.with_columns(param_cols)
    _check_duplicates(pc, people)
    people = people.with_columns(pl.col(JURISDICTION).cast(pl.Enum(lib.local_refs), strict=False))
    del people_raw
    pc.df = pc.df.clear()

    items: dict[str, pl.DataFrame] = {}
    checkers = [pc]
    set_values: dict[str, tuple[str, ...]] = {}
    for table, path in (("convictions", convictions_path), ("charges", charges_path)):
        step(f"reading {table}")
        frame, checker = _read_items(
            lib,
            table,  # type: ignore[arg-type]
            path,
            people,
            set_values,
            given.pop(table, None),
        )
        items[table] = frame
        if checker is not None:
            checkers.append(checker)

    rejections = [r for c in checkers for r in c.rejections]
    orphans = {t: int(_orphan(f).sum()) for t, f in items.items()}
    orphan_lines = [
        Rejection(
            t,  # type: ignore[arg-type]
            str(convictions_path if t == "convictions" else charges_path),
            PERSON_ID,
            "names no person of the people table",
            f.filter(_orphan(f)).get_column(ITEM),
            f.filter(_orphan(f))
            .select(pl.format("no person '{}' in {}", pl.col(PERSON_ID), pl.lit(str(people_path))))
            .to_series(),
            next(c.first_line for c in checkers if c.table == t),
        )
        for t, f in items.items()
        if orphans[t]
    ]
    report = RejectionReport()
    if rejections or orphan_lines:
        if not skip_invalid:
            raise InputError(_capped([*rejections, *orphan_lines]))
        bad_people: set[int] = set()
        for r in rejections:
            if r.table == "people":
                bad_people.update(r.rows.to_list())
            else:
                linked = items[r.table].filter(pl.col(ITEM).is_in(r.rows.implode()))
                bad_people.update(x for x in linked.get_column(ROW).to_list() if x is not None)
        people = people.filter(~people.get_column(ROW).is_in(sorted(bad_people)))
        kept_rows = people.get_column(ROW).implode()
        items = {t: f.filter(pl.col(ROW).is_in(kept_rows)) for t, f in items.items()}
        report = RejectionReport(rejections, len(bad_people), {t: n for t, n in orphans.items() if n})
    items = {t: f.drop(PERSON_ID, ITEM) for t, f in items.items()}
    if keep is not None:
        fixed = (ROW, PERSON_ID, JURISDICTION, SYNTHETIC, "case.booking_date")
        people = people.select(c for c in people.columns if c in fixed or c in keep["people"])
        items = {t: f.select(c for c in f.columns if c == ROW or c in keep[t]) for t, f in items.items()}
    return ValidBatch(
        people=people,
        items=items,
        files={
            "people": str(people_path),
            **({"convictions": str(convictions_path)} if convictions_path else {}),
            **({"charges": str(charges_path)} if charges_path else {}),
        },
        manifest=read_manifest(people_path),
        rejected=report,
        param_columns=tuple(sorted(params)),
        set_values=set_values,
    )


def _orphan(items: pl.DataFrame) -> pl.Series:
    """Rows that name a person the people table does not hold."""
    return items.get_column(ROW).is_null() & items.get_column(PERSON_ID).is_not_null()


def _capped(rejections: Sequence[Rejection]) -> list[Problem]:
    out: list[Problem] = []
    for r in sorted(rejections, key=lambda r: (r.file, int(r.rows[0]) if r.count else 0, r.column)):
        out.extend(r.problems(SHOWN_PER_REASON))
        if r.count > SHOWN_PER_REASON:
            out.append(
                Problem(
                    r.file,
                    None,
                    r.column,
                    f"… and {r.count - SHOWN_PER_REASON:,} more rows: {r.reason}"
                    " (use --skip-invalid to leave the faulty people out)",
                )
            )
    return out


def _check_people(pc: _Checker, people: pl.DataFrame, lib: RuleLibrary) -> None:
    """The cross-field checks of Case.problems and the rule library's jurisdiction ids."""
    jur = people.get_column(JURISDICTION)
    unknown = jur.is_not_null() & ~jur.is_in(lib.local_refs)
    if unknown.any():
        hints = {
            j: f"unknown jurisdiction '{j}'{suggest(j, lib.local_ids)}"
            for j in jur.filter(unknown).unique().to_list()
        }
        pc.reject(
            JURISDICTION,
            "unknown jurisdiction",
            unknown,
            "{}",
            jur.replace_strict(hints, default="", return_dtype=pl.String),
        )
    booking = people.get_column("case.booking_date")
    for column, fact in (("entry_date", "person.entry_date"),):
        d = people.get_column(fact)
        after = d > booking
        pc.reject(
            column,
            "after the booking date",
            after,
            "entry date {} is after the booking date {}",
            d,
            booking,
        )
    order = people.get_column("person.removal_order")
    order_date = people.get_column("person.removal_order_date")
    pc.reject(
        "removal_order_date",
        "given without a pending or final order",
        order_date.is_not_null() & (order == "none"),
        "removal_order_date is given but removal_order is 'none' (use pending or final)",
    )
    pc.reject(
        "removal_order_date",
        "after the booking date",
        order_date > booking,
        "removal order dated {} is after the booking date",
        order_date,
    )
    pc.reject(
        "removable",
        "a us_citizen marked removable",
        (people.get_column("person.status") == "us_citizen")
        & people.get_column("person.removable").fill_null(False),
        "a us_citizen cannot be removable",
    )


def _check_params(
    pc: _Checker, people: pl.DataFrame, lib: RuleLibrary, params: Mapping[str, Mapping[str, str]]
) -> list[pl.Series]:
    """Each parameter column: set only where the row's policy declares it, of the declared type."""
    out = []
    jur = people.get_column(JURISDICTION)
    for column, declared in params.items():
        fact = param_fact(column)
        if column not in pc.df.columns:
            out.append(_constant(fact, None, people.height, pl.Int64()))
            continue
        text = pc.as_text(column)
        given = text.is_not_null()
        undeclared = given & jur.is_not_null() & ~jur.is_in(list(declared)) & jur.is_in(lib.local_ids)
        if undeclared.any():
            name = column[len(PARAM_PREFIX) :]
            msgs = {}
            for j in jur.filter(undeclared).unique().to_list():
                known = ", ".join(lib.parameters_of(j)) or "none"
                msgs[j] = f"'{j}' has no parameter '{name}' (it has: {known})"
            pc.reject(
                column,
                "a parameter the row's policy does not declare",
                undeclared,
                "{}",
                jur.replace_strict(msgs, default="", return_dtype=pl.String),
            )
        low = text.str.to_lowercase()
        as_bool = pl.select(pl.when(low == "true").then(1).when(low == "false").then(0)).to_series()
        as_int = text.cast(pl.Int64, strict=False)
        if pc.df.get_column(column).dtype == pl.Boolean:
            as_bool = pc.df.get_column(column).cast(pl.Int64)
            as_int = _constant("", None, people.height, pl.Int64())
        value = _constant(fact, None, people.height, pl.Int64())
        for kind in ("bool", "int"):
            rows = given & jur.is_in([j for j, t in declared.items() if t == kind])
            parsed = as_bool if kind == "bool" else as_int
            wrong = rows & parsed.is_null()
            pc.reject(
                column,
                f"not {_TYPE_WORDS[kind]}",
                wrong,
                f"parameter '{column[len(PARAM_PREFIX) :]}' must be {_TYPE_WORDS[kind]}",
            )
            value = pl.select(pl.when(rows & ~wrong).then(parsed).otherwise(value)).to_series().alias(fact)
        out.append(value)
    return out


def _check_duplicates(pc: _Checker, people: pl.DataFrame) -> None:
    """A person_id on several lines is ambiguous: every one of those lines is refused."""
    ids = people.get_column(PERSON_ID)
    # the usual case, answered faster than marking duplicates: ids whose hashes all differ
    # differ themselves (equal hashes, rare, fall through to the exact check below)
    if ids.hash().n_unique() == ids.len():
        return
    dup = ids.is_duplicated() & ids.is_not_null()
    if dup.any():
        first = people.group_by(PERSON_ID).agg(pl.col(ROW).min().alias("first"))
        firsts = people.select(PERSON_ID).join(first, on=PERSON_ID, how="left", maintain_order="left")
        pc.reject(
            PERSON_ID,
            "person_id on more than one line",
            dup,
            "person_id '{}' is on more than one line (first on line {})",
            ids,
            firsts.get_column("first") + pc.first_line,
        )


def link_to_people(items: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """``items`` with their person's row key and booking date (null for an item of no person),
    as a left join on ``person_id`` makes them.

    People whose ids are in strictly ascending order (as files written in order of their ids
    are) are found by binary search instead, about half a join's cost on the string ids.
    """
    ids = people.get_column(PERSON_ID)
    ascending = (
        ids.len() > 1
        and ids.null_count() == 0
        and ids.is_sorted()
        and bool((ids.slice(1) != ids.slice(0, ids.len() - 1)).all())
    )
    if not ascending:
        return items.join(people, on=PERSON_ID, how="left", maintain_order="left")
    wanted = items.get_column(PERSON_ID)
    at = ids.search_sorted(wanted).clip(0, ids.len() - 1)
    found = ids.gather(at).eq_missing(wanted) & wanted.is_not_null()
    at = pl.select(pl.when(found).then(at)).to_series()
    return items.with_columns(people.get_column(c).gather(at) for c in people.columns if c != PERSON_ID)


def _read_items(
    lib: RuleLibrary,
    table: TableName,
    path: Path | None,
    people: pl.DataFrame,
    set_values: dict[str, tuple[str, ...]],
    raw: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, _Checker | None]:
    specs = columns_for(table)
    fact_types = lib.item_names(table)
    for spec in specs.values():
        if spec.kind == "list":
            values = tuple(str(v) for v in fact_types[spec.name].values)
            if len(values) > MAX_SET_VALUES:  # pragma: no cover - the vocabulary holds 14 kinds
                message = f"a batch holds at most {MAX_SET_VALUES} values in a list, not {len(values)}"
                raise InputError([Problem("rules", None, spec.name, message)])
            set_values[spec.name] = values
    if path is None:
        empty = {spec.name: pl.Series(spec.name, [], dtype=_dtype(spec)) for spec in specs.values()}
        for name in set_values:
            empty[name] = pl.Series(name, [], dtype=pl.UInt64)
        empty.pop(SYNTHETIC, None)
        frame = pl.DataFrame(list(empty.values())).with_columns(
            pl.Series(ROW, [], dtype=pl.UInt32), pl.Series(ITEM, [], dtype=pl.UInt32)
        )
        return frame, None
    if raw is None:
        raw = read_table(path, checked=True)  # read_batch checked every file before reading any
    ic = _Checker(table, path, raw)
    ic.structure(specs)
    cols = []
    for spec in specs.values():
        if spec.kind == "list":
            cols.append(
                ic.set_mask(
                    spec, set_values[spec.name], "offense kind" if spec.name == "kinds" else spec.name
                )
            )
        else:
            cols.append(ic.column(spec))
    frame = pl.DataFrame(cols).with_row_index(ITEM)
    del cols, raw
    ic.df = ic.df.clear()
    frame = link_to_people(frame, people.select(PERSON_ID, ROW, "case.booking_date"))
    booking = frame.get_column("case.booking_date")
    linked = frame.get_column(ROW).is_not_null()
    for column, template in (
        ("date", "conviction dated {} is after the booking date {}"),
        ("release_date", "release date {} is after the booking date {}"),
    ):
        if column in frame.columns:
            d = frame.get_column(column)
            ic.reject(column, "after the booking date", linked & (d > booking), template, d, booking)
    if "release_date" in frame.columns and "serving_sentence" in frame.columns:
        ic.reject(
            "serving_sentence",
            "serving a sentence already served",
            frame.get_column("release_date").is_not_null() & frame.get_column("serving_sentence"),
            "serving_sentence is true but release_date says the sentence was served",
        )
    if "release_date" in frame.columns and "date" in frame.columns:
        rel, conv = frame.get_column("release_date"), frame.get_column("date")
        ic.reject(
            "release_date",
            "before the conviction date",
            rel < conv,
            "release date {} is before the conviction date {}",
            rel,
            conv,
        )
    return frame.drop("case.booking_date", SYNTHETIC), ic

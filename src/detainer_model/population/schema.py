"""The columns of the batch tables, read off the scenario models so that both say the same thing.

A batch is three tables (see ``docs/batch-format.md``): *people* (one row per arrest and booking),
*convictions* and *charges* (one row each, linked by ``person_id``). Every column that carries a
field of the contract is derived here from the pydantic models of :mod:`detainer_model.core.models`
(its type, whether it is required, its default, its bounds and its allowed values), so a field
added to a scenario model is a column of the batch format without further edits.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from annotated_types import Ge, Le, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ..core.models import Case, Charge, Conviction, IceRequest, Person
from ..rulebook.library import BOOKING_DATE, RuleLibrary, param_name

ColumnKind = Literal["text", "bool", "int", "date", "enum", "list"]
TableName = Literal["people", "convictions", "charges"]

ROW = "_row"  # a person's row in the people table (0-based): the key that links the tables
PERSON_ID = "person_id"
JURISDICTION = "jurisdiction"
SYNTHETIC = "synthetic"
PARAM_PREFIX = "param."
NOTE_PREFIX = "note."
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a batch table and the contract field it carries."""

    name: str  # the column's name in the file
    fact: str  # the name the rule files read it by (``person.age``), or the item field's name
    kind: ColumnKind
    required: bool = False
    nullable: bool = True
    default: Any = None
    values: tuple[str, ...] = ()
    ge: int | None = None
    le: int | None = None
    min_length: int | None = None

    def describe(self) -> str:
        """The column's type in words, for the format documentation and error messages."""
        return {
            "text": "text",
            "bool": "true or false",
            "int": "a whole number",
            "date": "a date written YYYY-MM-DD",
            "enum": "one of " + ", ".join(self.values),
            "list": f"a '{LIST_SEPARATOR}'-separated list",
        }[self.kind]


def _unwrap(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """(inner type, nullable, constraint metadata) of a model field's annotation."""
    nullable = False
    metadata: list[Any] = []
    tp = annotation
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            inner, *extra = typing.get_args(tp)
            for m in extra:
                metadata.extend(m.metadata if isinstance(m, FieldInfo) else [m])
            tp = inner
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            nullable = nullable or len(args) < len(typing.get_args(tp))
            if len(args) != 1:  # pragma: no cover - the scenario models have no such unions
                raise TypeError(f"cannot map {annotation!r} to a column")
            tp = args[0]
        else:
            return tp, nullable, metadata


def _spec(name: str, fact: str, info: FieldInfo) -> ColumnSpec:
    tp, nullable, metadata = _unwrap(info.annotation)
    metadata = [*metadata, *info.metadata]
    ge = next((int(m.ge) for m in metadata if isinstance(m, Ge)), None)  # type: ignore[call-overload]
    le = next((int(m.le) for m in metadata if isinstance(m, Le)), None)  # type: ignore[call-overload]
    min_length = next((m.min_length for m in metadata if isinstance(m, MinLen)), None)
    values: tuple[str, ...] = ()
    kind: ColumnKind
    if typing.get_origin(tp) is Literal:
        kind, values = "enum", tuple(typing.get_args(tp))
    elif typing.get_origin(tp) is tuple:
        kind = "list"
    elif tp is bool:
        kind = "bool"
    elif tp is int:
        kind = "int"
    elif tp is dt.date:
        kind = "date"
    elif tp is str:
        kind = "text"
    else:  # pragma: no cover - the scenario models use only the types above
        raise TypeError(f"cannot map field '{name}' of type {tp!r} to a column")
    required = info.is_required()
    default = None if required else info.get_default(call_default_factory=True)
    if isinstance(default, tuple):
        default = None  # an empty list: no kinds
    return ColumnSpec(
        name=name,
        fact=fact,
        kind=kind,
        required=required,
        nullable=nullable,
        default=default,
        values=values,
        ge=ge,
        le=le,
        min_length=min_length,
    )


def _model_columns(model: type[BaseModel], prefix: str) -> list[ColumnSpec]:
    return [_spec(n, f"{prefix}{n}", f) for n, f in model.model_fields.items()]


def _case_field(name: str) -> FieldInfo:
    return Case.model_fields[name]


def people_columns() -> tuple[ColumnSpec, ...]:
    """The people table's fixed columns (parameter columns depend on the rule files)."""
    cols = [
        ColumnSpec(PERSON_ID, PERSON_ID, "text", required=True, nullable=False, min_length=1),
        _spec("booking_date", BOOKING_DATE, _case_field("booking_date")),
        ColumnSpec(JURISDICTION, JURISDICTION, "text", required=True, nullable=False, min_length=1),
        *_model_columns(Person, "person."),
        *_model_columns(IceRequest, "ice."),
        ColumnSpec(SYNTHETIC, SYNTHETIC, "bool", default=False),
    ]
    names = [c.name for c in cols]
    clash = sorted({n for n in names if names.count(n) > 1})
    if clash:  # pragma: no cover - guards a future field of IceRequest named like a Person field
        raise TypeError(f"batch columns would share a name: {clash}")
    return tuple(cols)


def item_columns(table: TableName) -> tuple[ColumnSpec, ...]:
    """The columns of the convictions or charges table."""
    model = Conviction if table == "convictions" else Charge
    return (
        ColumnSpec(PERSON_ID, PERSON_ID, "text", required=True, nullable=False, min_length=1),
        *_model_columns(model, ""),
        ColumnSpec(SYNTHETIC, SYNTHETIC, "bool", default=False),
    )


def parameter_columns(lib: RuleLibrary) -> dict[str, dict[str, str]]:
    """``{"param.x": {jurisdiction id: "bool" | "int"}}`` for every local policy's parameters."""
    out: dict[str, dict[str, str]] = {}
    for jid in lib.local_ids:
        for name, p in lib.parameters_of(jid).items():
            out.setdefault(PARAM_PREFIX + name, {})[jid] = p.type
    return out


def param_fact(column: str) -> str:
    """``param.x`` (a column) is the rule files' ``param.x``."""
    return param_name(column[len(PARAM_PREFIX) :])


def columns_for(table: TableName) -> Mapping[str, ColumnSpec]:
    specs = people_columns() if table == "people" else item_columns(table)
    return {c.name: c for c in specs}

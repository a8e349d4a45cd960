"""From scenario cases to batch tables: the same people, one row each.

Useful to run a scenario file's cases as a batch (or to check that both paths agree); the
person's id is the case id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl

from ..core.models import Case
from .schema import JURISDICTION, LIST_SEPARATOR, PARAM_PREFIX, PERSON_ID, columns_for


def tables_from_cases(cases: Iterable[Case]) -> dict[str, pl.DataFrame]:
    """``{"people": ..., "convictions": ..., "charges": ...}`` holding ``cases``."""
    people: list[dict[str, Any]] = []
    items: dict[str, list[dict[str, Any]]] = {"convictions": [], "charges": []}
    params: set[str] = set()
    for case in cases:
        row: dict[str, Any] = {
            PERSON_ID: case.id,
            "booking_date": case.booking_date,
            JURISDICTION: case.jurisdiction.id,
            **case.person.model_dump(),
            **case.ice.model_dump(),
        }
        for name, value in case.jurisdiction.params.items():
            params.add(name)
            row[PARAM_PREFIX + name] = _text(value)
        people.append(row)
        for group in ("convictions", "charges"):
            for item in getattr(case, group):
                d = item.model_dump()
                d["kinds"] = LIST_SEPARATOR.join(d["kinds"]) or None
                items[group].append({PERSON_ID: case.id, **d})
    out = {"people": _frame(people, "people", sorted(PARAM_PREFIX + p for p in params))}
    for group, rows in items.items():
        out[group] = _frame(rows, group, [])
    return out


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _frame(rows: list[dict[str, Any]], table: str, extra: list[str]) -> pl.DataFrame:
    specs = columns_for(table)  # type: ignore[arg-type]
    schema: dict[str, pl.DataType] = {}
    for name, spec in specs.items():
        if name == "synthetic":
            continue
        schema[name] = {
            "bool": pl.Boolean(),
            "int": pl.Int64(),
            "date": pl.Date(),
        }.get(spec.kind, pl.String())
    for name in extra:
        schema[name] = pl.String()
    data = [{k: r.get(k) for k in schema} for r in rows]
    return pl.DataFrame(data, schema=schema, orient="row")

"""One CSV row per case and result: the contract's fields, lists joined with spaces."""

from __future__ import annotations

import csv
import io

from ..core.runner import RunResult
from ..safeio.csvcells import inert
from .common import CONTRACT_FIELDS

COLUMNS = ("file", "case_id", "regime", "jurisdiction", *CONTRACT_FIELDS, "fired", "expect", "warnings")


def render_csv(result: RunResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for run in result.cases:
        for d in run.decisions:
            row = d.to_dict()
            cells = [
                run.file,
                run.case.id,
                d.regime,
                d.jurisdiction,
                *[_cell(row[k]) for k in CONTRACT_FIELDS],
                " ".join(d.fired),
                run.expect,
                " | ".join(d.warnings),
            ]
            writer.writerow([inert(str(c)) for c in cells])
    return out.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(map(str, value))
    return str(value)

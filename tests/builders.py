"""Small builders for example cases in tests, and the single-case answer a batch row must equal."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from detainer_model import Case, RuleLibrary, evaluate
from detainer_model.core.evaluate import CONTRACT_FIELDS
from detainer_model.population import evaluate_population, read_batch
from detainer_model.population.tables import tables_from_cases
from detainer_model.population.validate import ValidBatch

BOOKING = dt.date(2015, 9, 1)


def conviction(level: str = "misdemeanor", *kinds: str, days_ago: int = 400, **extra: Any) -> dict[str, Any]:
    """A conviction dated ``days_ago`` days before the default booking date."""
    return {
        "offense": "An offense",
        "date": BOOKING - dt.timedelta(days=days_ago),
        "level": level,
        "kinds": list(kinds),
        **extra,
    }


def make_case(
    *,
    convictions: list[dict[str, Any]] | None = None,
    charges: list[dict[str, Any]] | None = None,
    jurisdiction: Any = "full-cooperation",
    booking_date: dt.date = BOOKING,
    ice: dict[str, Any] | None = None,
    **person: Any,
) -> Case:
    """A valid case: by default an unauthorized adult with no record in a cooperating county."""
    return Case.model_validate(
        {
            "id": "example",
            "title": "An example case",
            "booking_date": booking_date,
            "jurisdiction": jurisdiction,
            "person": {"status": "unauthorized", "age": 30, **person},
            "convictions": convictions or [],
            "charges": charges or [],
            "ice": ice or {},
        }
    )


def invoke(capsys: Any, *args: str) -> tuple[int, str, str]:
    """Run the real command line in-process: (exit status, stdout, stderr)."""
    from detainer_model.cli import main

    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def expected_row(case: Case, regime: str, place: str, lib: RuleLibrary) -> dict[str, Any]:
    """What ``evaluate`` says of ``case``, in the form of a batch results row (sets joined by ';')."""
    d = evaluate(case, regime, place, rules=lib)
    out = {k: (";".join(map(str, v)) if isinstance(v := d.get(k), tuple) else v) for k in CONTRACT_FIELDS}
    out["hypothetical"] = d.hypothetical
    out["fired"] = ";".join(d.fired)
    return out


def read_back(cases: list[Case], fmt: str, lib: RuleLibrary) -> ValidBatch:
    """``cases`` written as batch tables in ``fmt`` (csv or parquet) and read back, checked."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, frame in tables_from_cases(cases).items():
            paths[name] = Path(tmp) / f"{name}.{fmt}"
            if fmt == "csv":
                frame.write_csv(paths[name])
            else:
                frame.write_parquet(paths[name])
        return read_batch(lib, paths["people"], paths["convictions"], paths["charges"])


def batch_rows(
    cases: list[Case], fmt: str, places: list[str] | None, regimes: Sequence[str], lib: RuleLibrary
) -> list[dict[str, Any]]:
    """``cases`` written as batch tables in ``fmt`` (csv or parquet), read back and evaluated."""
    result = evaluate_population(read_back(cases, fmt, lib), lib, regimes, places, fired=True)
    return list(result.table.iter_rows(named=True))

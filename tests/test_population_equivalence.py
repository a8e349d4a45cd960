"""One meaning: a batch of people gets exactly the answers each person gets from ``evaluate``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings

from detainer_model import Case

from builders import batch_rows, expected_row
from strategies import LIB, case_batches

# every era under its default reading, and every other reading of an era
OTHER_READINGS = [r for r in LIB.refs("federal") if LIB.label(r) == r and r not in LIB.regimes]
REGIMES = [*LIB.regimes, *OTHER_READINGS]


def _expected(case: Case, regime: str, place: str) -> dict[str, Any]:
    return expected_row(case, regime, place, LIB)


def _batch_rows(cases: list[Case], fmt: str, places: list[str] | None) -> list[dict[str, Any]]:
    return batch_rows(cases, fmt, places, REGIMES, LIB)


def _check(cases: list[Case], rows: list[dict[str, Any]], places: list[str] | None) -> None:
    by_id = {c.id: c for c in cases}
    per_person = len(REGIMES) * (len(places) if places else 1)
    assert len(rows) == len(cases) * per_person
    for row in rows:
        case = by_id[row["person_id"]]
        assert row["booking_date"] == case.booking_date
        if not places:
            assert row["jurisdiction"] == case.jurisdiction.id
        want = _expected(case, row["regime"], row["jurisdiction"])
        got = {k: row[k] for k in want}
        assert got == want, (case.model_dump(), row["regime"], row["jurisdiction"])


@settings(max_examples=50)  # each example is a batch of up to ten people under every regime
@given(case_batches())
def test_a_csv_batch_gives_each_person_the_single_case_answer(cases: list[Case]) -> None:
    """Under every regime and each person's own policy, batch rows equal evaluate(), rule for rule."""
    _check(cases, _batch_rows(cases, "csv", None), None)


@settings(max_examples=15)  # each example runs every local policy: about 40 batches
@given(case_batches(max_size=6))
def test_a_parquet_batch_under_every_local_policy_gives_the_single_case_answer(cases: list[Case]) -> None:
    """Evaluated under every local policy present, batch rows equal evaluate() for each person and place."""
    places = list(LIB.jurisdictions)
    _check(cases, _batch_rows(cases, "parquet", places), places)


def test_the_shipped_scenarios_give_the_same_answers_as_a_batch() -> None:
    """Every case of every scenario file, run as one batch, comes out as `run` evaluates it."""
    from detainer_model import load_scenarios

    root = Path(__file__).resolve().parents[1] / "scenarios"
    cases = []
    for i, case in enumerate(c for s in load_scenarios([root], LIB) for c in s.cases):
        cases.append(case.model_copy(update={"id": f"s{i}"}))
    _check(cases, _batch_rows(cases, "csv", None), None)

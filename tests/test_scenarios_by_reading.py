"""Every shipped scenario expectation holds under the regimes and readings it was written for."""

from __future__ import annotations

from pathlib import Path

import pytest

from detainer_model import run_paths

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("paths", "regimes", "checked_at_least"),
    [
        (["scenarios"], None, 150),
        (["scenarios"], ["secure-communities:as-practised", "pep:as-written"], 80),
        (["scenarios/federal/eras.yaml"], ["auto"], 20),
    ],
    ids=["default-readings", "sc-as-practised-pep-as-written", "auto-era"],
)
def test_expectations_hold(paths: list[str], regimes: list[str] | None, checked_at_least: int) -> None:
    """No expectation fails, and the run really checks many of them under those regimes."""
    result = run_paths([ROOT / p for p in paths], regimes=regimes)
    failed = [r.case.id for r in result.cases if r.expect == "fail"]
    assert failed == []
    assert result.counts["pass"] >= checked_at_least

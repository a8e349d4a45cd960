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
        (["scenarios/places/done-when.yaml"], ["auto"], 8),
    ],
    ids=["default-readings", "sc-as-practised-pep-as-written", "auto-era", "auto-places"],
)
def test_expectations_hold(paths: list[str], regimes: list[str] | None, checked_at_least: int) -> None:
    """No expectation fails, and the run really checks many of them under those regimes."""
    result = run_paths([ROOT / p for p in paths], regimes=regimes)
    failed = [r.case.id for r in result.cases if r.expect == "fail"]
    assert failed == []
    assert result.counts["pass"] >= checked_at_least


def test_run_checks_an_expectation_under_the_reading_it_names(tmp_path: Path) -> None:
    """A wrong expectation keyed to a reading the run does not show still fails the run."""
    text = (ROOT / "scenarios/places/done-when.yaml").read_text()
    wrong = text.replace(
        '"pep:as-written": {request: notification, local_response: notify',
        '"pep:as-written": {request: notification, local_response: decline',
    )
    assert wrong != text
    (tmp_path / "s.yaml").write_text(wrong)
    result = run_paths([tmp_path / "s.yaml"])
    failed = [r for r in result.cases if r.expect == "fail"]
    assert [r.case.id for r in failed] == ["chicago-2016-pep-prior-felon"]
    assert failed[0].mismatches[0].regime == "pep:as-written"
    shown = {d.regime_ref for d in failed[0].decisions}
    assert shown == {"secure-communities:as-written", "pep:as-practised"}

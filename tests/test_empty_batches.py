"""Empty batches are valid end to end: a batch of nobody writes results with a true manifest, and
`report` on them (or on any zero-row results file) says plainly, everywhere, that there were no people."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from detainer_model.core.evaluate import CONTRACT_FIELDS
from detainer_model.population.io import file_digest, read_manifest

from builders import invoke

HEADER = "person_id,booking_date,jurisdiction,status,age\n"
NO_PEOPLE = "No people"
RESULT_COLUMNS = ["person_id", "jurisdiction", "booking_date", *CONTRACT_FIELDS]


def _report_says_no_people(
    capsys: pytest.CaptureFixture[str], results: Path, out: Path, regimes: list[str]
) -> None:
    """Run `report` on ``results`` and check every output it writes says there were no people."""
    status, stdout, err = invoke(capsys, "report", str(results), "--out", str(out))
    assert status == 0, err
    assert "No people: these results hold no one" in stdout
    assert "internal error" not in err
    page = (out / "report.html").read_text()
    assert "<strong>No people.</strong>" in page
    assert "0 people" in page
    by_regime = pl.read_csv(out / "tables" / "by_regime.csv")
    assert by_regime.get_column("regime").to_list() == regimes
    assert by_regime.get_column("total").to_list() == [0] * len(regimes)
    for name in ("transfer", "no_request"):  # every declared outcome is a column, each zero
        assert by_regime.get_column(name).to_list() == [0] * len(regimes)
    for table in (out / "tables").glob("*.csv"):
        frame = pl.read_csv(table)
        counted = [c for c in frame.columns if frame.schema[c].is_integer()]
        assert all(frame.get_column(c).sum() == 0 for c in counted), table.name
    comparisons = pl.read_csv(out / "tables" / "comparison_with_record.csv")
    assert set(comparisons.get_column("verdict")) <= {"not comparable: these results hold no people"}
    charts = sorted((out / "charts").glob("*.svg"))
    assert charts
    for chart in charts:
        assert NO_PEOPLE in chart.read_text(), chart.name  # matplotlib keeps each text as a comment
        assert chart.with_suffix(".png").stat().st_size > 0


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_header_only_batch_writes_results_and_report_says_no_people(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    """Header-only people: results with every column, a manifest of 0 people; report exits 0."""
    people = tmp_path / "people.csv"
    people.write_text(HEADER)
    results = tmp_path / f"r{suffix}"
    status, stdout, err = invoke(capsys, "batch", str(people), "--out", str(results))
    assert status == 0, err
    assert "0 results written" in stdout
    table = pl.read_csv(results) if suffix == ".csv" else pl.read_parquet(results)
    assert table.height == 0
    assert {"person_id", "regime", "outcome", "request", "sc_level"} <= set(table.columns)
    manifest = read_manifest(results, strict=True)
    assert manifest["people"] == 0 and manifest["rows"] == 0
    assert manifest["regimes"] == ["secure-communities", "pep"]
    if suffix == ".csv":
        assert manifest["table_sha256"] == file_digest(results)
    _report_says_no_people(capsys, results, tmp_path / "rep", ["secure-communities", "pep"])


def test_a_batch_whose_every_row_is_skipped_reports_no_people_and_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--skip-invalid leaving nobody: results of 0 rows recording the rejection; report says both."""
    people = tmp_path / "people.csv"
    people.write_text(HEADER + "p1,2015-01-01,nowhere,unauthorized,30\np2,2015-01-01,nowhere,lpr,40\n")
    results = tmp_path / "r.csv"
    status, _out, err = invoke(
        capsys, "batch", str(people), "--out", str(results), "--skip-invalid", "--regime", "pep"
    )
    assert status == 0, err
    assert "2 people left out" in err
    manifest = json.loads((tmp_path / "r.csv.meta.json").read_text())
    assert manifest["people"] == 0 and manifest["rejected"]["people_rejected"] == 2
    _report_says_no_people(capsys, results, tmp_path / "rep", ["pep"])
    page = (tmp_path / "rep" / "report.html").read_text()
    assert "people.csv: 2 rows: jurisdiction: unknown jurisdiction" in page


def test_a_zero_row_results_file_without_types_or_manifest_reports_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Parquet file of every results column, no rows, no types and no manifest: report exits 0."""
    columns = [*RESULT_COLUMNS, "regime", "hypothetical", "synthetic"]
    results = tmp_path / "r.parquet"
    pl.DataFrame({c: [] for c in columns}).write_parquet(results)
    out = tmp_path / "rep"
    status, stdout, err = invoke(capsys, "report", str(results), "--out", str(out))
    assert status == 0, err
    assert "No people" in stdout
    assert "0 people" in (out / "report.html").read_text()
    assert pl.read_csv(out / "tables" / "by_regime.csv").height == 0  # no manifest: no regime to name


def test_a_zero_row_results_file_naming_an_unknown_regime_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Results of no rows whose manifest lists a regime the rules lack: exit 2 naming it."""
    people = tmp_path / "people.csv"
    people.write_text(HEADER)
    results = tmp_path / "r.parquet"
    assert invoke(capsys, "batch", str(people), "--out", str(results))[0] == 0
    table = pl.read_parquet(results)
    meta = json.loads(pl.read_parquet_metadata(results)["detainer_model"])
    meta["regimes"] = ["secure-comunities"]
    table.write_parquet(results, metadata={"detainer_model": json.dumps(meta)})
    status, _out, err = invoke(capsys, "report", str(results), "--out", str(tmp_path / "rep"))
    assert status == 2
    assert "regime: values the rules do not know: 'secure-comunities'" in err
    assert "secure-communities" in err  # the suggestion


def test_a_results_column_of_an_unusable_type_is_a_located_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A results Parquet file whose regime is a list: exit 2 naming the column, not an internal error."""
    row: dict[str, list[object]] = {c: [None] for c in RESULT_COLUMNS}
    row.update(person_id=["a"], regime=[["pep"]], jurisdiction=["full-cooperation"], outcome=["no_request"])
    results = tmp_path / "r.parquet"
    pl.DataFrame(row).write_parquet(results)
    status, _out, err = invoke(capsys, "report", str(results), "--out", str(tmp_path / "rep"))
    assert status == 2
    assert "r.parquet: regime: the column is of type List(String); a report needs String" in err


def test_simulate_refuses_a_cohort_of_nobody(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`simulate --size 0` is a usage error (exit 2) naming the allowed range, and writes nothing."""
    out = tmp_path / "cohort"
    status, _out, err = invoke(capsys, "simulate", "--size", "0", "--out", str(out))
    assert status == 2
    assert "'--size': 0 is not in the range 1<=x<=" in err
    assert not out.exists()


def test_grading_an_empty_answers_file_never_says_everything_matches(
    tmp_path: Path, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty answers file is refused; answers with no cases count every answer unanswered (exit 1)."""
    sheets = tmp_path / "sheets"
    scenario = root / "scenarios" / "san-francisco-2015.yaml"
    assert invoke(capsys, "exercise", "make", str(scenario), "--out", str(sheets))[0] == 0
    key = json.loads((sheets / "key.json").read_text())
    expected = sum(len(per) for case in key["cases"] for per in case["answers"].values())
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    status, out, err = invoke(capsys, "exercise", "grade", str(sheets / "key.json"), str(empty))
    assert status == 2
    assert "empty.yaml: file is empty" in err
    nothing = tmp_path / "nothing.yaml"
    nothing.write_text("student: x\nanswers: {}\n")
    status, out, err = invoke(capsys, "exercise", "grade", str(sheets / "key.json"), str(nothing))
    assert status == 1, err
    assert f"Score: 0/{expected} (0%) · 0 wrong · {expected} unanswered" in out
    assert "every prediction matches" not in out

"""simulate, batch and report through the real command line: synthetic cohorts in, a labelled report out."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from detainer_model import DISCLAIMER
from detainer_model.cli import main
from detainer_model.population.io import read_manifest

from strategies import LIB

REGIMES = ("secure-communities", "pep")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic cohort, evaluated and reported on once for the module."""
    root = tmp_path_factory.mktemp("cohort")
    assert (
        main(
            [
                "simulate",
                "--size",
                "400",
                "--seed",
                "11",
                "--profile",
                "trac-detainers-2012",
                "--out",
                str(root / "data"),
                "--format",
                "csv",
            ]
        )
        == 0
    )
    d = root / "data"
    assert (
        main(
            [
                "batch",
                str(d / "people.csv"),
                "--convictions",
                str(d / "convictions.csv"),
                "--charges",
                str(d / "charges.csv"),
                "--out",
                str(root / "results.parquet"),
                "--fired",
            ]
        )
        == 0
    )
    assert main(["report", str(root / "results.parquet"), "--out", str(root / "report")]) == 0
    return root


def test_simulate_writes_three_tables_marked_synthetic(cohort: Path) -> None:
    """Every table has a synthetic column that is true, and a manifest naming the profile and seed."""
    d = cohort / "data"
    for name in ("people", "convictions", "charges"):
        table = pl.read_csv(d / f"{name}.csv")
        assert table.get_column("synthetic").to_list() == [True] * table.height
        manifest = read_manifest(d / f"{name}.csv")
        assert manifest["synthetic"] is True
        assert manifest["profile"]["id"] == "trac-detainers-2012"
        assert manifest["seed"] == 11
    assert json.loads((d / "manifest.json").read_text())["size"] == 400


def test_batch_writes_one_row_per_person_and_regime_labelled_synthetic(cohort: Path) -> None:
    """400 people under two regimes give 800 rows carrying the contract's fields, marked synthetic."""
    table = pl.read_parquet(cohort / "results.parquet")
    assert table.height == 800
    assert {
        "identified",
        "removable",
        "priorities",
        "sc_level",
        "request",
        "form",
        "local_response",
        "outcome",
        "fired",
        "hypothetical",
        "synthetic",
    } <= set(table.columns)
    assert table.get_column("synthetic").all()
    manifest = read_manifest(cohort / "results.parquet")
    assert manifest["synthetic"] is True
    assert manifest["cohort"]["profile"]["id"] == "trac-detainers-2012"
    assert manifest["model"]["rules"] == LIB.digest


def test_report_writes_tables_charts_and_one_self_contained_page(cohort: Path) -> None:
    """The report folder holds transition tables, PNG and SVG charts and an HTML page with images inside."""
    out = cohort / "report"
    tables = {p.stem for p in (out / "tables").glob("*.csv")}
    assert {
        "transitions_outcome_secure-communities_to_pep",
        "transitions_request_secure-communities_to_pep",
        "by_jurisdiction",
        "by_sc_level",
        "comparison_with_record",
    } <= tables
    charts = {p.name for p in (out / "charts").iterdir()}
    for name in ("flow_secure-communities_to_pep", "outcomes_by_jurisdiction", "requests_by_sc_level"):
        assert f"{name}.png" in charts and f"{name}.svg" in charts
    assert (out / "charts" / "outcomes_by_regime.png").read_bytes().startswith(b"\x89PNG")
    page = (out / "report.html").read_text()
    assert "data:image/png;base64," in page
    assert 'src="http' not in page and "<link" not in page
    assert "Synthetic data." in page and DISCLAIMER in page
    assert "The model beside the record" in page and "Why they may differ" in page


def test_transition_table_counts_every_person_once(cohort: Path) -> None:
    """The outcome transition table adds up to the number of people, and matches the results row by row."""
    results = pl.read_parquet(cohort / "results.parquet")
    matrix = pl.read_csv(cohort / "report" / "tables" / "transitions_outcome_secure-communities_to_pep.csv")
    assert matrix.get_column("total").sum() == 400
    sc = results.filter(pl.col("regime") == "secure-communities").select(
        "person_id", pl.col("outcome").alias("a")
    )
    pep = results.filter(pl.col("regime") == "pep").select("person_id", pl.col("outcome").alias("b"))
    pairs = sc.join(pep, on="person_id").filter(
        (pl.col("a") == "transfer") & (pl.col("b") == "notified_release")
    )
    row = matrix.filter(pl.col(matrix.columns[0]) == "transfer")
    assert row.get_column("notified_release").item() == pairs.height


def test_the_same_seed_gives_the_same_cohort_and_another_seed_another(tmp_path: Path) -> None:
    """simulate is deterministic for a seed: byte-identical tables; a different seed differs."""
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        assert (
            main(
                [
                    "simulate",
                    "--size",
                    "300",
                    "--seed",
                    seed,
                    "--out",
                    str(tmp_path / name),
                    "--format",
                    "csv",
                ]
            )
            == 0
        )
    for table in ("people", "convictions", "charges"):
        a = (tmp_path / "a" / f"{table}.csv").read_bytes()
        assert a == (tmp_path / "b" / f"{table}.csv").read_bytes()
    assert (tmp_path / "a" / "people.csv").read_bytes() != (tmp_path / "c" / "people.csv").read_bytes()


def test_batch_under_named_places_gives_a_row_per_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--jurisdiction evaluates everyone under each named policy instead of their own."""
    assert main(["simulate", "--size", "50", "--seed", "1", "--out", str(tmp_path)]) == 0
    places = ["full-cooperation", "san-francisco-2015"]
    args = [
        "batch",
        str(tmp_path / "people.parquet"),
        "--convictions",
        str(tmp_path / "convictions.parquet"),
        "--out",
        str(tmp_path / "r.csv"),
        "--regime",
        "pep",
    ]
    for p in places:
        args += ["--jurisdiction", p]
    assert main(args) == 0
    table = pl.read_csv(tmp_path / "r.csv")
    assert table.height == 100
    assert set(table.get_column("jurisdiction")) == set(places)
    assert set(table.get_column("regime")) == {"pep"}
    capsys.readouterr()


def test_unknown_profile_and_bad_profile_files_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A misspelt profile gets a suggestion; a profile file naming an unknown kind is located to its line."""
    assert main(["simulate", "--size", "5", "--profile", "booking-cohrt", "--out", str(tmp_path)]) == 2
    assert "did you mean 'booking-cohort'?" in capsys.readouterr().err
    shipped = (
        Path(__file__).resolve().parents[1] / "src/detainer_model/population/profiles/booking-cohort.yaml"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(shipped.read_text().replace("dui: 0.25", "duii: 0.25"))
    assert main(["simulate", "--size", "5", "--profile", str(bad), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:" in err and "unknown offense kind 'duii' (did you mean 'dui'?)" in err
    assert not (tmp_path / "x").exists()


def test_report_refuses_a_file_that_is_not_batch_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A table without the contract's result columns is refused with exit status 2, naming them."""
    (tmp_path / "r.csv").write_text("person_id,regime\np1,pep\n")
    assert main(["report", str(tmp_path / "r.csv"), "--out", str(tmp_path / "rep")]) == 2
    err = capsys.readouterr().err
    assert "r.csv: outcome: required column is missing" in err
    assert not (tmp_path / "rep").exists()


def test_results_of_real_tables_are_not_labelled_synthetic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tables without a synthetic mark give results and a report that do not claim to be synthetic."""
    (tmp_path / "people.csv").write_text(
        "person_id,booking_date,jurisdiction,status,age\np1,2015-03-26,full-cooperation,unauthorized,30\n"
    )
    assert main(["batch", str(tmp_path / "people.csv"), "--out", str(tmp_path / "r.csv")]) == 0
    assert not pl.read_csv(tmp_path / "r.csv").get_column("synthetic").any()
    assert main(["report", str(tmp_path / "r.csv"), "--out", str(tmp_path / "rep")]) == 0
    page = (tmp_path / "rep" / "report.html").read_text()
    assert "Synthetic data." not in page
    capsys.readouterr()


def test_a_report_on_one_regime_has_no_transitions_but_everything_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Results under PEP alone still give breakdowns, charts and the PEP comparisons with the record."""
    assert main(["simulate", "--size", "60", "--seed", "2", "--out", str(tmp_path)]) == 0
    assert (
        main(
            [
                "batch",
                str(tmp_path / "people.parquet"),
                "--convictions",
                str(tmp_path / "convictions.parquet"),
                "--out",
                str(tmp_path / "r.parquet"),
                "--regime",
                "pep",
            ]
        )
        == 0
    )
    assert main(["report", str(tmp_path / "r.parquet"), "--out", str(tmp_path / "rep")]) == 0
    tables = {p.stem for p in (tmp_path / "rep" / "tables").glob("*.csv")}
    assert not any(t.startswith("transitions") for t in tables)
    comparison = pl.read_csv(tmp_path / "rep" / "tables" / "comparison_with_record.csv")
    assert comparison.height == 2
    capsys.readouterr()


def test_split_results_are_reported_as_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two parts of a run (split by place) give the report of the whole; the same part twice is refused."""
    assert main(["simulate", "--size", "80", "--seed", "4", "--out", str(tmp_path)]) == 0
    people = pl.read_parquet(tmp_path / "people.parquet")
    first = sorted(set(people.get_column("jurisdiction")))[0]
    for name, keep in (("a", pl.col("jurisdiction") == first), ("b", pl.col("jurisdiction") != first)):
        people.filter(keep).write_parquet(tmp_path / f"{name}.parquet")
        assert (
            main(["batch", str(tmp_path / f"{name}.parquet"), "--out", str(tmp_path / f"r{name}.csv")]) == 0
        )
    assert main(["batch", str(tmp_path / "people.parquet"), "--out", str(tmp_path / "whole.csv")]) == 0
    assert (
        main(["report", str(tmp_path / "ra.csv"), str(tmp_path / "rb.csv"), "--out", str(tmp_path / "split")])
        == 0
    )
    assert main(["report", str(tmp_path / "whole.csv"), "--out", str(tmp_path / "whole")]) == 0
    for table in ("by_regime", "transitions_outcome_secure-communities_to_pep"):
        split = pl.read_csv(tmp_path / "split" / "tables" / f"{table}.csv")
        whole = pl.read_csv(tmp_path / "whole" / "tables" / f"{table}.csv")
        assert split.equals(whole)
    assert (
        main(["report", str(tmp_path / "ra.csv"), str(tmp_path / "ra.csv"), "--out", str(tmp_path / "x")])
        == 2
    )
    capsys.readouterr()


def test_the_format_document_and_columns_listing_name_every_column(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """docs/batch-format.md and `batch --columns` list every column the scenario models give the tables."""
    from detainer_model.population.schema import columns_for

    doc = (Path(__file__).resolve().parents[1] / "docs" / "batch-format.md").read_text()
    assert main(["batch", "--columns"]) == 0
    listing = capsys.readouterr().out
    for table in ("people", "convictions", "charges"):
        for name in columns_for(table):  # type: ignore[arg-type]
            assert f"`{name}`" in doc, name
            assert name in listing, name


def test_a_rule_conflict_names_a_person_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two rules that disagree stop the batch with exit 2, naming the rules and one person they meet."""
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(Path(__file__).resolve().parents[1] / "rules", rules)
    policy = rules / "local" / "full-cooperation.yaml"
    policy.write_text(
        policy.read_text() + "\n  - id: full-cooperation.test-conflict\n"
        "    summary: A rule that contradicts the hold, for the test.\n"
        "    source: contract-v1\n"
        '    when: request == "detainer"\n'
        "    then: {local_response: decline}\n"
    )
    (tmp_path / "people.csv").write_text(
        "person_id,booking_date,jurisdiction,status,age\nzed,2015-03-26,full-cooperation,unauthorized,30\n"
    )
    code = main(
        [
            "batch",
            str(tmp_path / "people.csv"),
            "--out",
            str(tmp_path / "r.csv"),
            "--rules",
            str(rules),
            # as practised, Secure Communities asks for a detainer with no record (so both rules apply)
            "--regime",
            "secure-communities:as-practised",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "person 'zed'" in err and "full-cooperation.test-conflict" in err
    assert not (tmp_path / "r.csv").exists()


def test_a_required_answer_left_undecided_names_a_person_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A local policy with no rule for a request it must answer (the model requires a local
    response whenever ICE asks) stops the batch with exit 2, naming the gap and one person in it,
    and leaves the results file as it was."""
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(Path(__file__).resolve().parents[1] / "rules", rules)
    policy = rules / "local" / "full-cooperation.yaml"
    text = policy.read_text()
    start = text.index("  - id: full-cooperation.notify")
    policy.write_text(text[:start] + text[text.index("  - id: ", start + 1) :])
    (tmp_path / "people.csv").write_text(
        "person_id,booking_date,jurisdiction,status,age,gang_participation\n"
        "amy,2015-03-26,full-cooperation,us_citizen,30,false\n"
        "zed,2015-03-26,full-cooperation,unauthorized,30,true\n"
    )
    out = tmp_path / "r.csv"
    # PEP as written asks only to be notified of a gang member's release: the rule removed answered that
    args = ["batch", str(tmp_path / "people.csv"), "--out", str(out), "--regime", "pep:as-written"]
    assert main(args) == 0
    before = out.read_bytes()
    assert b"zed,pep:as-written,full-cooperation" in before
    capsys.readouterr()
    assert main([*args, "--rules", str(rules)]) == 2
    err = capsys.readouterr().err
    assert "person 'zed'" in err and "decides 'local_response' when request != \"none\"" in err
    assert out.read_bytes() == before  # the results from before are left as they were


def test_report_sets_each_pep_reading_beside_the_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Results labelled with a reading (pep:as-written) are reported, each reading's I-247N share shown."""
    sim = tmp_path / "sim"
    assert (
        main(
            [
                "simulate",
                "--size",
                "200",
                "--seed",
                "1",
                "--profile",
                "trac-pep-detainers-2015",
                "--out",
                str(sim),
                "--format",
                "csv",
            ]
        )
        == 0
    )
    results = tmp_path / "res.csv"
    assert (
        main(
            [
                "batch",
                str(sim / "people.csv"),
                "--convictions",
                str(sim / "convictions.csv"),
                "--charges",
                str(sim / "charges.csv"),
                "--regime",
                "pep",
                "--regime",
                "pep:as-written",
                "--out",
                str(results),
            ]
        )
        == 0
    )
    assert main(["report", str(results), "--out", str(tmp_path / "rep")]) == 0
    html = (tmp_path / "rep" / "report.html").read_text()
    assert "asked only to be notified (I-247N), reading as-written" in html
    assert "asked only to be notified (I-247N), default reading" in html
    capsys.readouterr()

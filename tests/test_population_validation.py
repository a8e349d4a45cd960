"""Batch tables are checked like scenario files: the same faults refused, each located to its line."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from polars.testing import assert_frame_equal

from detainer_model import Case, InputError
from detainer_model.cli import main
from detainer_model.population import read_batch
from detainer_model.population.schema import PERSON_ID, ROW
from detainer_model.population.tables import tables_from_cases
from detainer_model.population.validate import link_to_people

from strategies import LIB, flawed_case_batches, people_and_item_ids

PEOPLE = (
    "person_id,booking_date,jurisdiction,status,age,prior_removals,removal_order,param.reimbursement_agreement\n"
    """a1,2015-03-26,san-francisco-2015,unauthorized,45,5,final,
a2,2015-04-01,full-cooperation,lpr,30,0,none,
"""
)
CONVICTIONS = """person_id,offense,date,level,kinds,custody_days
a1,Possession of heroin for sale,1997-05-02,felony,drug_trafficking,365
a2,Driving under the influence,2014-01-02,misdemeanor,dui,0
"""


def _write(tmp: Path, people: str = PEOPLE, convictions: str = CONVICTIONS) -> tuple[Path, Path]:
    p, c = tmp / "people.csv", tmp / "convictions.csv"
    p.write_text(people, encoding="utf-8")
    c.write_text(convictions, encoding="utf-8")
    return p, c


def _batch(tmp: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list[str], str]:
    p, c = tmp / "people.csv", tmp / "convictions.csv"
    code = main(["batch", str(p), "--convictions", str(c), "--out", str(tmp / "out.csv"), *extra])
    captured = capsys.readouterr()
    return code, [line for line in captured.err.splitlines() if line], captured.out


def test_a_valid_batch_is_accepted_and_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two people under the two default regimes give four rows and exit status 0."""
    _write(tmp_path)
    code, err, out = _batch(tmp_path, capsys)
    assert code == 0, err
    table = pl.read_csv(tmp_path / "out.csv")
    assert table.height == 4
    assert set(table.get_column("regime")) == {"secure-communities", "pep"}
    assert "4 results" in out


@pytest.mark.parametrize(
    ("people", "convictions", "expected"),
    [
        (
            PEOPLE.replace("san-francisco-2015", "san-fransisco-2015"),
            CONVICTIONS,
            "people.csv:2: jurisdiction: unknown jurisdiction 'san-fransisco-2015'"
            " (did you mean 'san-francisco-2015'?)",
        ),
        (PEOPLE.replace(",45,", ",-3,"), CONVICTIONS, "people.csv:2: age: must be at least 0, got -3"),
        (
            PEOPLE.replace(",45,", ",old,"),
            CONVICTIONS,
            "people.csv:2: age: expected a whole number, got 'old'",
        ),
        (
            PEOPLE.replace("unauthorized", "undocumented"),
            CONVICTIONS,
            "people.csv:2: status: 'undocumented' is not one of",
        ),
        (
            PEOPLE.replace("2015-04-01", "2015-02-30"),
            CONVICTIONS,
            "people.csv:3: booking_date: '2015-02-30' is not a real date written YYYY-MM-DD",
        ),
        (
            PEOPLE.replace("2015-04-01", "04/01/2015"),
            CONVICTIONS,
            "people.csv:3: booking_date: expected a date written YYYY-MM-DD, got '04/01/2015'",
        ),
        (
            PEOPLE.replace("a2,2015-04-01", "a1,2015-04-01"),
            CONVICTIONS,
            "people.csv:3: person_id: person_id 'a1' is on more than one line (first on line 2)",
        ),
        (
            PEOPLE.replace("final,\n", "final,true\n"),
            CONVICTIONS,
            "people.csv:2: param.reimbursement_agreement:"
            " 'san-francisco-2015' has no parameter 'reimbursement_agreement'",
        ),
        (
            PEOPLE.replace("lpr,30", "us_citizen,30")
            .replace("person_id,", "removable,person_id,")
            .replace("\na1,", "\n,a1,")
            .replace("\na2,", "\ntrue,a2,"),
            CONVICTIONS,
            "people.csv:3: removable: a us_citizen cannot be removable",
        ),
        (
            PEOPLE,
            CONVICTIONS.replace("drug_trafficking", "drug_trafic"),
            "convictions.csv:2: kinds: unknown offense kind 'drug_trafic' (did you mean 'drug_trafficking'?)",
        ),
        (
            PEOPLE,
            CONVICTIONS.replace("1997-05-02", "2016-01-01"),
            "convictions.csv:2: date: conviction dated 2016-01-01 is after the booking date 2015-03-26",
        ),
        (
            PEOPLE,
            CONVICTIONS.replace("a2,Driving", "a9,Driving"),
            "convictions.csv:3: person_id: no person 'a9' in",
        ),
        (
            PEOPLE,
            CONVICTIONS.replace(",felony,", ",felon,"),
            "convictions.csv:2: level: 'felon' is not one of",
        ),
    ],
)
def test_each_fault_is_one_line_naming_file_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], people: str, convictions: str, expected: str
) -> None:
    """A faulty cell exits 2 with one located line (a suggestion for a misspelt name); nothing is written."""
    _write(tmp_path, people, convictions)
    code, err, _out = _batch(tmp_path, capsys)
    assert code == 2
    assert any(expected in line for line in err), err
    assert all(line.startswith("error: ") for line in err)
    assert not (tmp_path / "out.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["convictions.csv", "people.csv"]


def test_structural_faults_name_the_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing required column and a misspelt one are each reported, with a suggestion."""
    _write(tmp_path, PEOPLE.replace("status,", "stauts,").replace(",age,", ",years,"))
    code, err, _out = _batch(tmp_path, capsys)
    assert code == 2
    text = "\n".join(err)
    assert "people.csv: status: required column is missing" in text
    assert "people.csv: stauts: unknown column 'stauts' (did you mean 'status'?)" in text


def test_unreadable_and_missing_files_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A binary people file, a missing convictions file and a results file of an unknown type exit 2."""
    (tmp_path / "people.csv").write_bytes(b"\x00\xff\xfe\x00binary")
    code = main(["batch", str(tmp_path / "people.csv"), "--out", str(tmp_path / "out.csv")])
    assert code == 2
    _write(tmp_path)
    code = main(
        [
            "batch",
            str(tmp_path / "people.csv"),
            "--convictions",
            str(tmp_path / "nope.csv"),
            "--out",
            str(tmp_path / "out.csv"),
        ]
    )
    assert code == 2
    code = main(["batch", str(tmp_path / "people.csv"), "--out", str(tmp_path / "out.xlsx")])
    err = capsys.readouterr().err
    assert code == 2
    assert "out.xlsx: a results file must be a .csv, .parquet, .pq file" in err


def test_many_rows_with_one_fault_are_summarised_not_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A thousand bad cells give a few located lines and one line counting the rest."""
    rows = "".join(f"x{i},2015-03-26,full-cooperation,unauthorized,maybe,0,none,\n" for i in range(1000))
    _write(tmp_path, PEOPLE.splitlines()[0] + "\n" + rows, "person_id,offense,date,level\n")
    code, err, _out = _batch(tmp_path, capsys)
    assert code == 2
    assert len(err) < 10
    assert any("and 995 more rows: not a whole number" in line for line in err)


def test_skip_invalid_leaves_faulty_people_out_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With --skip-invalid the faulty person (here, by a faulty conviction) is left out and counted."""
    _write(tmp_path, PEOPLE, CONVICTIONS.replace("drug_trafficking", "drug_trafic"))
    code, err, _out = _batch(tmp_path, capsys, "--skip-invalid")
    assert code == 0
    table = pl.read_csv(tmp_path / "out.csv")
    assert set(table.get_column("person_id")) == {"a2"}
    assert any("convictions.csv: 1 row: kinds: unknown offense kind (line 2)" in line for line in err), err
    assert any("1 people left out" in line for line in err), err


@settings(max_examples=60)  # each example is a batch and its scenario file, both read whole
@given(flawed_case_batches())
def test_a_batch_refuses_exactly_the_people_a_scenario_file_would(cases: list[Case]) -> None:
    """The people --skip-invalid leaves out are exactly the cases whose cross-field checks fail."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, frame in tables_from_cases(cases).items():
            paths[name] = Path(tmp) / f"{name}.csv"
            frame.write_csv(paths[name])
        expect_bad = {c.id for c in cases if c.problems()}
        if expect_bad:
            with pytest.raises(InputError):
                read_batch(LIB, paths["people"], paths["convictions"], paths["charges"])
        batch = read_batch(LIB, paths["people"], paths["convictions"], paths["charges"], skip_invalid=True)
    kept = set(batch.people.get_column("person_id"))
    assert kept == {c.id for c in cases} - expect_bad
    assert batch.rejected.people_rejected == len(expect_bad)


@given(people_and_item_ids())
def test_items_are_linked_to_their_people_as_a_join_links_them(ids: tuple[list[Any], list[Any]]) -> None:
    """Items find their person (row key, booking date) exactly as a left join on person_id finds them."""
    people_ids, item_ids = ids
    people = (
        pl.DataFrame({PERSON_ID: pl.Series(people_ids, dtype=pl.String)})
        .with_row_index(ROW)
        .with_columns(
            pl.Series(
                "case.booking_date",
                [dt.date(2015, 1, 1 + k % 28) for k in range(len(people_ids))],
                dtype=pl.Date,
            )
        )
        .select(PERSON_ID, ROW, "case.booking_date")
    )
    items = pl.DataFrame({PERSON_ID: pl.Series(item_ids, dtype=pl.String), "n": list(range(len(item_ids)))})
    expected = items.join(people, on=PERSON_ID, how="left", maintain_order="left")
    assert_frame_equal(link_to_people(items, people), expected)

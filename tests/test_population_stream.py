"""A batch streamed part by part writes exactly the results file of one whole read, and refuses
exactly what a whole read refuses."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings

from detainer_model import Case
from detainer_model.errors import InputError
from detainer_model.population import run_batch
from detainer_model.population.io import read_manifest, read_table
from detainer_model.population.stream import Unstreamable, plan
from detainer_model.population.tables import tables_from_cases

from strategies import (
    LIB,
    case_batches,
    chunk_sizes,
    flawed_case_batches,
    people_in_file_order,
    table_formats,
)


def _tables(cases: list[Case], folder: Path, fmt: str) -> dict[str, Path]:
    paths = {}
    for name, frame in tables_from_cases(cases).items():
        paths[name] = folder / f"{name}.{fmt}"
        if fmt == "csv":
            frame.with_columns(pl.col(pl.List(pl.String)).list.join(";")).write_csv(paths[name])
        else:
            frame.write_parquet(paths[name])
    return paths


def _run(paths: dict[str, Path], out: Path, size: int | None) -> tuple[pl.DataFrame, dict[str, object], int]:
    _batch, result = run_batch(
        LIB,
        paths["people"],
        out,
        convictions=paths["convictions"],
        charges=paths["charges"],
        regimes=LIB.regimes,
        fired=True,
        chunk_size=size,
    )
    manifest = read_manifest(out, strict=True)
    manifest.pop("distinct_cases")  # counted per part: a part asks again what another asked
    manifest.pop("table_sha256", None)
    return read_table(out), manifest, result.table.height


@settings(max_examples=12, deadline=None)
@given(case_batches(), chunk_sizes(), table_formats())
def test_streaming_in_parts_writes_the_whole_runs_results(cases: list[Case], size: int, fmt: str) -> None:
    """Whatever the part size and format, the streamed results file (rows, order, types, fired
    rules, manifest) is the one a whole read writes."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = _tables(cases, Path(tmp), fmt)
        whole, whole_manifest, whole_rows = _run(paths, Path(tmp) / f"whole.{fmt}", None)
        parts, parts_manifest, held = _run(paths, Path(tmp) / f"streamed.{fmt}", size)
        assert whole_rows == whole.height == len(cases) * len(LIB.regimes)
        assert held == (0 if len(cases) > size else whole.height)  # streamed: the rows are in the file only
        assert parts.schema == whole.schema
        assert parts.equals(whole)
        assert parts_manifest == whole_manifest
        assert not [p for p in Path(tmp).iterdir() if ".parts." in p.name]  # no part left behind


@settings(max_examples=10, deadline=None)
@given(flawed_case_batches(), chunk_sizes())
def test_a_streamed_batch_refuses_what_a_whole_read_refuses(cases: list[Case], size: int) -> None:
    """Faulty rows are refused with the same located messages, whatever the part size; nothing is written."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = _tables(cases, Path(tmp), "parquet")
        outcomes = []
        for name, chunk in (("whole", None), ("parts", size)):
            out = Path(tmp) / f"{name}.parquet"
            try:
                _run(paths, out, chunk)
                outcomes.append(None)
            except InputError as exc:
                outcomes.append(str(exc))
                assert not out.exists()
        assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize(
    ("ids", "twice"),
    [
        (["p0", "p1", "p2", "p0"], "'p0' is on more than one line (first on line 2)"),
        (["p0", "p1", "p1", "p2"], "'p1' is on more than one line (first on line 3)"),
    ],
)
def test_a_person_id_twice_in_different_parts_is_refused_with_its_lines(ids: list[str], twice: str) -> None:
    """The same person_id in two parts (far apart, or side by side across the parts' boundary) is
    found by the check across parts, refused as a whole read does."""
    from builders import make_case

    cases = [make_case().model_copy(update={"id": i}) for i in ids]
    with tempfile.TemporaryDirectory() as tmp:
        paths = _tables(cases, Path(tmp), "csv")
        with pytest.raises(InputError) as err:
            _run(paths, Path(tmp) / "out.csv", 2)
        assert f"person_id {twice}" in str(err.value)
        assert not (Path(tmp) / "out.csv").exists()


@settings(max_examples=10, deadline=None)
@given(people_in_file_order(), chunk_sizes())
def test_parts_find_their_items_whether_or_not_the_ids_ascend(people: list[Case], size: int) -> None:
    """People whose ids ascend through the file (each part's items found by its id range alone)
    and people in any other order (the range, then the ids) give the whole read's results."""
    ids = [c.id for c in people]
    ascending = all(a < b for a, b in itertools.pairwise(ids))
    with tempfile.TemporaryDirectory() as tmp:
        paths = _tables(people, Path(tmp), "parquet")
        if len(people) > size:
            items = {t: paths[t] for t in ("convictions", "charges")}
            assert plan(paths["people"], items, size, None).ascending is ascending
        whole, whole_manifest, _rows = _run(paths, Path(tmp) / "whole.parquet", None)
        parts, parts_manifest, held = _run(paths, Path(tmp) / "streamed.parquet", size)
        assert held == (0 if len(people) > size else whole.height)  # streamed, not read whole instead
        assert parts.equals(whole)
        assert parts_manifest == whole_manifest


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [2, 0, 3, 1]])
def test_a_streamed_batch_says_when_its_people_are_out_of_id_order(order: list[int]) -> None:
    """Parts of people out of id order are shown as searching all items; in order, they are not."""
    from detainer_model.population.batch import Progress

    from builders import make_case

    class Stages(Progress):
        def __init__(self) -> None:
            self.names: list[str] = []

        def stage(self, name: str, total: int | None = None) -> None:
            self.names.append(name)

    people = [make_case().model_copy(update={"id": f"p{i:03d}"}) for i in order]
    stages = Stages()
    with tempfile.TemporaryDirectory() as tmp:
        paths = _tables(people, Path(tmp), "parquet")
        run_batch(
            LIB,
            paths["people"],
            Path(tmp) / "out.parquet",
            convictions=paths["convictions"],
            charges=paths["charges"],
            regimes=LIB.regimes[:1],
            chunk_size=2,
            progress=stages,
        )
    hint = "" if order == sorted(order) else " (not sorted by person_id: each part searches all items)"
    reading = [n for n in stages.names if n.startswith("reading and checking people")]
    assert reading == [
        f"reading and checking people 1 to 2{hint}",
        f"reading and checking people 3 to 4{hint}",
    ]


@pytest.mark.parametrize("ascending", [True, False])
@pytest.mark.parametrize("size", [1, 2, 3])
@pytest.mark.parametrize("nobody", ["a", "p001x", "p002x", "z"])
def test_a_conviction_of_nobody_is_refused_wherever_its_id_falls(
    ascending: bool, size: int, nobody: str
) -> None:
    """A conviction naming no person, its id before every part's, inside one, between two or after
    all, is refused with the whole read's message, people in id order or not; nothing is written."""
    from builders import conviction, make_case

    order = [0, 1, 2, 3] if ascending else [2, 0, 3, 1]
    people = [
        make_case(convictions=[conviction("misdemeanor", "dui")]).model_copy(update={"id": f"p{i:03d}"})
        for i in order
    ]
    with tempfile.TemporaryDirectory() as tmp:
        paths = _tables(people, Path(tmp), "parquet")
        convictions = pl.read_parquet(paths["convictions"])
        stray = convictions.head(1).with_columns(pl.lit(nobody).alias("person_id"))
        pl.concat([convictions, stray]).sort("person_id").write_parquet(paths["convictions"])
        items = {t: paths[t] for t in ("convictions", "charges")}
        if ascending:  # counted as the parts read, found at the end
            assert plan(paths["people"], items, size, None).ascending
        else:  # looked up among every id before any part is read
            with pytest.raises(Unstreamable):
                plan(paths["people"], items, size, None)
        messages = []
        for name, chunk in (("whole", None), ("parts", size)):
            out = Path(tmp) / f"{name}.parquet"
            with pytest.raises(InputError) as err:
                _run(paths, out, chunk)
            messages.append(str(err.value))
            assert not out.exists()
        assert f"no person '{nobody}'" in messages[0]
        assert messages[1] == messages[0]

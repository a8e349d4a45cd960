"""A batch larger than one part, streamed: people read a part at a time, results written as made.

Every person is evaluated on their own, so the people table can be read in consecutive parts
(``chunk_size`` people each), each part with its own convictions and charges, checked and
evaluated exactly as a whole table is (:func:`.validate.read_batch`, :func:`.batch.evaluate_part`)
and its results appended to the output being staged; the output replaces the old one only when
every part is done (:func:`.io.atomic_path`, :mod:`..safeio.swap`). Memory then holds one part's
tables, not the population's.

A part's convictions and charges are those whose ``person_id`` lies between the part's smallest
and largest id. When the people's ids ascend through the file (as exports sorted by id, and
``simulate``, write them), that range holds the part's people and nobody else's, so it is the
whole test; otherwise each item's id is also looked up among the part's ids. A range is what a
Parquet file's row-group statistics can answer, so a part reads only the row groups that may hold
its items (when the items are sorted by id too) instead of the whole file again: the time of a
streamed run then grows with the number of people, not with its square.

The checks that span parts (no person id twice or missing, no conviction or charge of nobody)
are made without holding the population either, when the ids ascend: the ids are read a part at
a time, each after the one before it, so none is there twice; an item of nobody whose id lies in
a part's range is refused by that part's own check, and one whose id lies in no part's range is
read by no part, which the count of items read, against the files' rows, shows at the end. Ids in
any other order are checked whole (every id held at once: memory that grows with the people).

An input with any fault is read whole instead (the caller's usual path), so that its refusal
names the same lines and fields a whole read names; streaming never changes a result or a
message (``tests/test_population_stream.py``).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..errors import InputError
from ..rulebook.library import RuleLibrary
from ..safeio.outputs import write_errors_refused
from ..safeio.swap import replace_together
from .batch import EngineMemo, PopulationResult, Progress, evaluate_part
from .io import (
    MANIFEST_KEY,
    TABLE_DIGEST,
    atomic_path,
    check_before_reading,
    file_digest,
    inert_text,
    sidecar,
    table_format,
)
from .schema import JURISDICTION, PERSON_ID
from .validate import ValidBatch, read_batch


class Unstreamable(Exception):
    """The input cannot be streamed as it stands: read it whole, which locates the fault."""


def _scan(path: Path) -> pl.LazyFrame:
    if table_format(path) == "csv":
        return pl.scan_csv(path, infer_schema=False, raise_if_empty=True)
    return pl.scan_parquet(path)


# a person_id as the checks read it: as text
_ID_AS_TEXT = pl.col(PERSON_ID).cast(pl.String, strict=False)


def _ids(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.select(_ID_AS_TEXT)


@dataclass(frozen=True)
class StreamPlan:
    """What the checks across parts found, and how a part finds its convictions and charges."""

    people: int  # how many people the whole population holds
    places: list[str]  # the places of the whole population (or those asked for)
    ascending: bool  # the people's ids ascend through the file (as text, as the checks read them)
    text_ids: Mapping[str, bool]  # for each item table: its person_id is stored as text
    # with ascending ids: each item table's rows, which the items the parts read must add up to
    # (an item whose id lies in no part's range is read by none); empty otherwise (checked whole)
    item_rows: Mapping[str, int]


def plan(
    people: Path, items: Mapping[str, Path], chunk_size: int, jurisdictions: Sequence[str] | None
) -> StreamPlan:
    """How the batch streams: the whole population's size and places, and how a part finds its
    items.

    Raises :class:`Unstreamable` when it is small enough to read whole, or when a check that
    spans parts fails (a duplicate or missing person id, an item of nobody, an unreadable file).
    With ids that ascend, the ids are read a part at a time and items are counted, not looked up,
    so that the checks hold one part's ids at a time.
    """
    for path in (people, *items.values()):
        try:
            check_before_reading(path)  # the limits a whole read applies before reading
        except InputError:
            raise Unstreamable(str(path)) from None
    try:
        scan = _scan(people)
        names = scan.collect_schema().names()
        if PERSON_ID not in names or JURISDICTION not in names:
            raise Unstreamable("columns")
        n = scan.select(pl.len()).collect().item()
        if n <= chunk_size:
            raise Unstreamable("small")
        whole = table_format(people) == "csv"
        ascending, seen_places = _ids_by_part(scan, n, chunk_size, want_places=not jurisdictions, whole=whole)
        ids = _ids(scan)
        if not ascending and ids.select(pl.col(PERSON_ID).n_unique()).collect().item() != n:
            raise Unstreamable("person ids")
        text_ids = {}
        item_rows = {}
        for table, path in items.items():
            item_scan = _scan(path)
            item_schema = item_scan.collect_schema()
            if PERSON_ID not in item_schema.names():
                raise Unstreamable(str(path))
            text_ids[table] = item_schema[PERSON_ID] == pl.String
            if ascending:
                item_rows[table] = item_scan.select(pl.len()).collect().item()
            elif _ids(item_scan).join(ids, on=PERSON_ID, how="anti").select(pl.len()).collect().item():
                raise Unstreamable(str(path))
        places = list(jurisdictions) if jurisdictions else sorted(seen_places)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise Unstreamable(str(exc)) from None
    return StreamPlan(int(n), places, ascending, text_ids, item_rows)


def _ids_by_part(
    scan: pl.LazyFrame, n: int, size: int, *, want_places: bool, whole: bool
) -> tuple[bool, set[str]]:
    """Whether the people's ids ascend through the file (every id after the one before it, so none
    twice), and the places they are in, checked ``size`` people at a time.

    ``whole``: read the two columns at once, then check them part by part (a CSV file: a slice of
    it is parsed from the file's start, so reading it part by part would parse it over and over;
    its size limit bounds the columns to a few hundred MB). A Parquet file is read a part at a
    time, each part's row groups alone.

    Raises :class:`Unstreamable` for a missing id.
    """
    columns = [_ID_AS_TEXT, *([pl.col(JURISDICTION).cast(pl.String, strict=False)] if want_places else [])]
    read = scan.select(columns).collect() if whole else None
    ascending = True
    last: str | None = None
    places: set[str] = set()
    for start in range(0, n, size):
        part = (
            read.slice(start, size) if read is not None else scan.slice(start, size).select(columns).collect()
        )
        ids = part.get_column(PERSON_ID)
        if ids.null_count():
            raise Unstreamable("person ids")
        # each id after the one before it (the part's first has none: null, ignored), and the
        # part's first after the last part's last
        ascending = ascending and bool((ids > ids.shift(1)).all()) and (last is None or ids[0] > last)
        last = ids[-1]
        if want_places:
            places.update(part.get_column(JURISDICTION).drop_nulls().unique().to_list())
    return ascending, places


def run_streamed(
    lib: RuleLibrary,
    people: Path,
    out: Path,
    items: Mapping[str, Path],
    *,
    regimes: Sequence[str],
    jurisdictions: Sequence[str] | None,
    fired: bool,
    progress: Progress,
    chunk_size: int,
    keep: Mapping[str, Collection[str]],
) -> tuple[ValidBatch, PopulationResult]:
    """Check, evaluate and write the batch part by part (:class:`Unstreamable` if it cannot be)."""
    from . import results_manifest  # the manifest is the package's, written once at the end

    found = plan(people, items, chunk_size, jurisdictions)
    total, places = found.people, found.places
    # people out of id order: every part looks its items up in the whole item files (slower)
    searching = "" if found.ascending else " (not sorted by person_id: each part searches all items)"
    memo = EngineMemo()
    fmt = table_format(out, what="results file")
    stats = []
    rows = 0
    items_read: dict[str, int] = {}
    synthetic = False
    schema: pl.DataFrame | None = None
    first: ValidBatch | None = None
    labels: tuple[str, ...] = tuple(regimes)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.parts.", dir=out.parent))
    try:
        parts: list[Path] = []
        for start in range(0, total, chunk_size):
            end = min(start + chunk_size, total)
            progress.stage(f"reading and checking people {start + 1:,} to {end:,}{searching}")
            batch, read = _read_part(lib, people, items, start, chunk_size, keep, found)
            for t, count in read.items():
                items_read[t] = items_read.get(t, 0) + count
            part_places = set(batch.people.get_column(JURISDICTION).cast(pl.String).unique().to_list())
            if not jurisdictions and not part_places <= set(places):
                raise Unstreamable("places")  # pragma: no cover - the checks refuse an unknown place
            result = evaluate_part(
                batch, lib, regimes, jurisdictions, places, memo, fired=fired, progress=progress
            )
            progress.stage("writing results")
            part = work / f"part-{len(parts):06d}.{fmt}"
            if fmt == "csv":
                inert_text(result.table).write_csv(part, include_header=not parts, date_format="%Y-%m-%d")
            else:
                result.table.write_parquet(part)
            parts.append(part)
            rows += result.table.height
            synthetic = synthetic or result.synthetic
            stats.extend(result.compositions)
            schema = result.table.clear()
            if first is None:
                first, labels = batch, result.regimes
            del batch, result
        if found.item_rows and items_read != found.item_rows:
            raise Unstreamable("items of nobody")  # an id outside every part's range: read whole
        assert first is not None  # total > chunk_size >= 1
        assert schema is not None
        whole = PopulationResult(
            schema,
            total,
            labels,
            tuple(jurisdictions) if jurisdictions else None,
            stats,
            memo.engine_calls,
            written_rows=rows,
            written_synthetic=synthetic,
        )
        summary = ValidBatch(
            people=first.people.clear(),
            items={t: f.clear() for t, f in first.items.items()},
            files=first.files,
            manifest=first.manifest,
            rejected=first.rejected,
            param_columns=first.param_columns,
            set_values=first.set_values,
        )
        _publish(parts, out, results_manifest(summary, whole, lib))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return summary, whole


def _read_part(
    lib: RuleLibrary,
    people: Path,
    items: Mapping[str, Path],
    start: int,
    size: int,
    keep: Mapping[str, Collection[str]],
    found: StreamPlan,
) -> tuple[ValidBatch, dict[str, int]]:
    """People ``start`` to ``start + size`` with their convictions and charges, checked, and how
    many rows of each item table were read for them.

    The items are those whose id lies between the part's smallest and largest id and, unless the
    people's ids ascend through the file (so no one else's id lies there), is also one of the
    part's ids.
    """
    try:
        part = _scan(people).slice(start, size).collect()
        ids = part.select(_ID_AS_TEXT).to_series()
        low, high = ids.min(), ids.max()
        wanted = ids.implode()
        frames: dict[str, pl.DataFrame] = {"people": part}
        for t, p in items.items():
            # compared as stored when stored as text, so that Parquet's statistics can skip row groups
            key = pl.col(PERSON_ID) if found.text_ids[t] else _ID_AS_TEXT
            mine = key.is_between(pl.lit(low, pl.String), pl.lit(high, pl.String))
            if not found.ascending:
                mine = mine & key.is_in(wanted)
            frames[t] = _scan(p).filter(mine).collect()
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise Unstreamable(str(exc)) from None
    read = {t: frames[t].height for t in items}
    try:
        batch = read_batch(
            lib,
            people,
            items.get("convictions"),
            items.get("charges"),
            keep=keep,
            frames=frames,
        )
        return batch, read
    except InputError as exc:
        raise Unstreamable("input") from exc


def _publish(parts: Sequence[Path], out: Path, manifest: Mapping[str, object]) -> None:
    """The parts as one results table at ``out``, with its manifest, replacing it only when whole."""
    text = json.dumps(manifest, sort_keys=True, default=str)
    with write_errors_refused(out):
        if table_format(out) != "csv":
            with atomic_path(out) as tmp:
                pl.concat([pl.scan_parquet(p) for p in parts], how="vertical").sink_parquet(
                    tmp, metadata={MANIFEST_KEY: text}
                )
            return
        with replace_together(out.parent, out.name, [out.name, sidecar(out).name]) as stage:
            target = stage / out.name
            with target.open("wb") as joined:
                for p in parts:
                    with p.open("rb") as piece:
                        shutil.copyfileobj(piece, joined, 1 << 20)
                    with contextlib.suppress(FileNotFoundError):
                        p.unlink()  # the disk holds each result once
            signed = {**json.loads(text), TABLE_DIGEST: file_digest(target)}
            sidecar(target).write_text(
                json.dumps(signed, sort_keys=True, default=str) + "\n", encoding="utf-8"
            )

"""A population evaluated in parts (chunks of people) gives exactly the results of one run."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings

from detainer_model import Case
from detainer_model.population import ValidBatch, evaluate_population, read_batch
from detainer_model.population.tables import tables_from_cases

from strategies import LIB, case_batches, chunk_sizes


def _batch(cases: list[Case]) -> ValidBatch:
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, frame in tables_from_cases(cases).items():
            paths[name] = Path(tmp) / f"{name}.parquet"
            frame.write_parquet(paths[name])
        return read_batch(LIB, paths["people"], paths["convictions"], paths["charges"])


@settings(max_examples=30)
@given(case_batches(), chunk_sizes())
def test_chunk_boundaries_do_not_change_the_results(cases: list[Case], size: int) -> None:
    """Whatever the chunk size, the results table (rows, order, types, fired rules) is the single run's."""
    batch = _batch(cases)
    whole = evaluate_population(batch, LIB, LIB.regimes, fired=True)
    parts = evaluate_population(batch, LIB, LIB.regimes, fired=True, chunk_size=size)
    assert parts.people == whole.people == len(cases)
    assert parts.table.schema == whole.table.schema
    assert parts.table.equals(whole.table)


def test_a_chunked_run_really_runs_in_parts() -> None:
    """With parts of one person each, every part is evaluated on its own (one composition set per part)."""
    from builders import make_case

    cases = [make_case().model_copy(update={"id": f"p{i}"}) for i in range(3)]
    batch = _batch(cases)
    whole = evaluate_population(batch, LIB, LIB.regimes)
    parts = evaluate_population(batch, LIB, LIB.regimes, chunk_size=1)
    assert len(parts.compositions) == 3 * len(whole.compositions)
    assert sum(c.people for c in parts.compositions) == sum(c.people for c in whole.compositions)
    assert parts.table.equals(whole.table)
    assert parts.table.get_column("person_id").to_list() == whole.table.get_column("person_id").to_list()

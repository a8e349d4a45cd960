"""The column compiler computes every definition of the rule files exactly as the single-case path does."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from detainer_model import Case
from detainer_model.core.facts import derive
from detainer_model.population.batch import (
    _common_definitions,
    _distinct,
    _with_default_params,
    _with_local_params,
)
from detainer_model.population.columns import (
    ROW,
    Namer,
    add_definition_groups,
    add_definitions,
    compile_node,
    with_default_incidents,
)
from detainer_model.rulebook import expressions as ex
from detainer_model.rulebook.expressions import FactType
from detainer_model.rulebook.library import join_ref

from builders import read_back
from strategies import LIB, case_batches, coded_columns


@settings(max_examples=60)  # each example checks every definition under every local policy
@given(case_batches(max_size=8), st.sampled_from(LIB.regimes))
def test_every_definition_has_the_single_case_value_under_every_policy(
    cases: list[Case], regime: str
) -> None:
    """Counts, tests and distinct incidents derived by column equal facts.derive for each person."""
    batch = read_back(cases, "parquet", LIB)
    items = dict(batch.items)
    items["convictions"] = with_default_incidents(items["convictions"])
    for place in LIB.jurisdictions:
        comp = LIB.composition(regime, place)
        namer = Namer.of(comp.definitions)
        frame = _with_local_params(_with_default_params(batch.people, [comp]), LIB, place, place)
        frame = add_definitions(frame, items, list(comp.definitions), namer)
        for row, case in zip(frame.sort(ROW).iter_rows(named=True), cases, strict=True):
            given_params = dict(case.jurisdiction.params) if case.jurisdiction.id == place else {}
            facts = derive(case, comp, comp.param_values(given_params)).values
            for d in comp.definitions:
                assert row[namer(d.id)] == facts[d.id], (place, d.id, case.model_dump())


@settings(max_examples=25)  # each example derives every regime's and reading's definitions at once
@given(case_batches(max_size=8))
def test_the_definitions_of_every_regime_and_reading_at_once_equal_each_alone(cases: list[Case]) -> None:
    """Derived together (one pass over the items per round, however many readings ask), each
    reading's shared and federal definitions keep the single-case value of its own composition."""
    batch = read_back(cases, "parquet", LIB)
    items = dict(batch.items)
    items["convictions"] = with_default_incidents(items["convictions"])
    place = LIB.jurisdictions[0]
    refs = [join_ref(r, x) for r in LIB.regimes for x in (None, *LIB.rulesets[r].readings)]
    comps = [LIB.composition(ref, place) for ref in refs]
    groups = [(g, Namer.of(g)) for g in _common_definitions(comps)]
    assert len(groups) > 1  # the readings define some facts their own way
    frame = add_definition_groups(_with_default_params(batch.people, comps), items, groups)
    rows = frame.sort(ROW).to_dicts()
    for comp in comps:
        shared = [d for d in comp.definitions if d.ruleset != comp.local.id]
        namer = Namer.of(shared)
        for row, case in zip(rows, cases, strict=True):
            facts = derive(case, comp, comp.param_values({})).values
            for d in shared:
                assert row[namer(d.id)] == facts[d.id], (comp.regime.id, d.id, case.model_dump())


@given(coded_columns())
def test_distinct_combinations_are_numbered_in_order_of_first_appearance(
    drawn: tuple[int, list[tuple[list[int], int]]],
) -> None:
    """The batch finds the distinct inputs of a group of rules, and the distinct outcomes of a
    stratum, by combining each column's codes into one number (renumbering past 64 bits): two
    combinations get the same number exactly when they agree on every column, numbers follow
    first appearance, and each distinct one is found where it first appears."""
    rows, columns = drawn
    combos = [tuple(codes[k] for codes, _r in columns) for k in range(rows)]
    number, firsts = _distinct([(np.array(c, dtype=np.int64), r) for c, r in columns], rows)
    expected = {combo: n for n, combo in enumerate(dict.fromkeys(combos))}
    assert number.tolist() == [expected[c] for c in combos]
    assert firsts.tolist() == [combos.index(c) for c in expected]


def _within(days: int, years: int, anchor: dt.date) -> tuple[bool, bool]:
    day = anchor - dt.timedelta(days=days)
    node = ex.Within(ex.Ref("d", FactType("date")), years, ex.Ref("b", FactType("date")))
    frame = pl.DataFrame({"d": [day], "b": [anchor]})
    got = frame.select(compile_node(node, pl.col).alias("x")).item()
    return got, ex.python_predicate(node)({"d": day, "b": anchor})


def test_within_years_counts_calendar_years_back_from_the_booking() -> None:
    """A date exactly five calendar years before the booking is within five years; the day before is not."""
    for anchor in (dt.date(2016, 2, 29), dt.date(2015, 3, 1), dt.date(2015, 12, 31), dt.date(2012, 2, 29)):
        for years in (0, 1, 4, 5, 10):
            edge = (anchor - ex.years_before(anchor, years)).days
            for days in (edge - 1, edge, edge + 1):
                got, want = _within(days, years, anchor)
                assert got == want, (anchor, years, days)


def test_a_comparison_with_a_missing_value_is_false_in_a_column_too() -> None:
    """``d > 2014-01-01`` and its negation's comparison are both false where d is not given."""
    ref = ex.Ref("d", FactType("date", nullable=True))
    node = ex.Cmp(">", ref, dt.date(2014, 1, 1))
    frame = pl.DataFrame({"d": pl.Series([None, dt.date(2015, 1, 1)], dtype=pl.Date)})
    got = frame.select(compile_node(node, pl.col).alias("x")).get_column("x").to_list()
    assert got == [False, True]
    negated = ex.Cmp("<=", ref, dt.date(2014, 1, 1))
    assert frame.select(compile_node(negated, pl.col).alias("x")).get_column("x").to_list() == [False, False]

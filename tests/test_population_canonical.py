"""The equivalence classes of facts are exact: a condition holds for a value iff for its representative."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from detainer_model.population.canonical import Classes, classes_for, collect, split_points
from detainer_model.rulebook import expressions as ex
from detainer_model.rulebook.expressions import FactType
from detainer_model.rulebook.library import BOOKING_DATE
from detainer_model.rulebook.rulefile import Effective

from strategies import LIB, fact_values

COMPOSITIONS = [(r, j) for r in LIB.regimes for j in LIB.jurisdictions]


@st.composite
def facts_for(draw: st.DrawFn) -> tuple[object, dict[str, Classes], dict[str, object]]:
    regime, place = draw(st.sampled_from(COMPOSITIONS))
    comp = LIB.composition(regime, place)
    classes = classes_for(comp)
    values = {}
    for name, ftype in comp.names.items():
        c = classes.get(name)
        points = (c.splits | c.equals | c.members) if c else set()
        values[name] = draw(fact_values(ftype, points))
    return comp, classes, values


@settings(max_examples=150)
@given(facts_for())
def test_every_condition_reads_a_value_and_its_representative_alike(found: tuple[object, ...]) -> None:
    """Every rule condition and requirement of a composition gives the same answer on canonical facts."""
    comp, classes, values = found
    canonical = {n: (classes[n].representative(v) if n in classes else v) for n, v in values.items()}
    nodes = [r.condition for r in comp.rules.values()] + list(comp.requirements.values())  # type: ignore[attr-defined]
    for node in nodes:
        pred = ex.python_predicate(node)
        assert pred(values) == pred(canonical), ex.render(node)


@settings(max_examples=150)
@given(facts_for())
def test_being_in_force_on_the_booking_date_is_preserved(found: tuple[object, ...]) -> None:
    """The booking date's representative falls inside exactly the same effective periods."""
    comp, classes, values = found
    day = values[BOOKING_DATE]
    rep = classes[BOOKING_DATE].representative(day)
    periods = [rs.effective for rs in comp.rulesets] + [r.rule.effective for r in comp.rules.values()]  # type: ignore[attr-defined]
    for p in periods:
        if p is not None:
            assert p.contains(day) == p.contains(rep)


@settings(max_examples=100)
@given(facts_for(), st.data())
def test_the_column_expression_agrees_with_the_python_representative(
    found: tuple[object, ...], data: st.DataObject
) -> None:
    """The polars form of a class maps a column of values exactly as the Python form maps each."""
    _comp, classes, _values = found
    for name, c in classes.items():
        if c.type.kind == "set":
            continue
        points = c.splits | c.equals
        column = data.draw(st.lists(fact_values(c.type, points), min_size=1, max_size=8))
        dtype = {"int": pl.Int64, "date": pl.Date, "bool": pl.Boolean}.get(c.type.kind, pl.String)
        frame = pl.DataFrame({"v": pl.Series(column, dtype=dtype)})
        got = frame.select(c.expression(pl.col("v")).alias("r")).get_column("r").to_list()
        assert got == [c.representative(v) for v in column], name


def test_comparisons_split_whole_numbers_where_they_change_answer() -> None:
    """``x > 5`` splits at 6, ``x >= 5`` at 5, and ``x == 5`` at both 5 and 6."""
    assert split_points(">", 5, "int") == (6,)
    assert split_points(">=", 5, "int") == (5,)
    assert split_points("<=", 5, "int") == (6,)
    assert split_points("==", 5, "int") == (5, 6)
    day = dt.date(2014, 1, 1)
    assert split_points(">", day, "date") == (dt.date(2014, 1, 2),)


def test_values_between_split_points_share_the_lowest_value_of_their_class() -> None:
    """Counts 3, 4 and 9 are alike for ``n >= 3``; 0, 1 and 2 alike too; null stays null."""
    ref = ex.Ref("n", FactType("int"))
    classes = collect([ex.Cmp(">=", ref, 3)], {"n": ref.type})["n"]
    assert [classes.representative(v) for v in (0, 2, 3, 4, 9)] == [2, 2, 3, 3, 3]
    assert classes.representative(None) is None


def test_enum_values_no_rule_names_collapse_to_one() -> None:
    """Statuses never compared are one class; the ones compared keep their own."""
    ftype = FactType("enum", ("a", "b", "c", "d"))
    ref = ex.Ref("s", ftype)
    classes = collect([ex.Cmp("!=", ref, "b")], {"s": ftype})["s"]
    assert classes.representative("b") == "b"
    assert classes.representative("c") == classes.representative("d") == "a"


def test_effective_periods_split_the_booking_date() -> None:
    """A period from 2015-07-02 to 2017-01-25 splits on its first day and the day after its last."""
    from detainer_model.population.canonical import effective_splits

    p = Effective.model_validate({"from": dt.date(2015, 7, 2), "to": dt.date(2017, 1, 25)})
    assert effective_splits([p, None]) == {dt.date(2015, 7, 2), dt.date(2017, 1, 26)}

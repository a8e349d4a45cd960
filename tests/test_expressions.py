"""The rule language: what it accepts, what it refuses, and that the engine reads it as Python does."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from hypothesis import example, given

from detainer_model.core.engine import get_engine
from detainer_model.rulebook import expressions as ex
from detainer_model.rulebook.expressions import ExpressionError, FactType, Scope

from strategies import EXPR_TYPES, expression_facts, expression_texts

SCOPE = Scope(
    {
        name: FactType(kind, values, nullable)
        for name, (kind, values, nullable) in EXPR_TYPES.items()  # type: ignore[arg-type]
    }
)


def engine_says(node: ex.Node, facts: dict[str, Any]) -> bool:
    """Whether durable_rules fires a one-rule ruleset with this condition on these facts."""
    condition = ex.engine_condition(node)
    name = "t_" + hashlib.sha256(json.dumps(condition, sort_keys=True).encode()).hexdigest()[:16]
    fact: dict[str, Any] = {}
    for ref in sorted(ex.refs(node)):
        fact.update(ex.encode(ref, SCOPE.names[ref], facts[ref]))
    return get_engine().fire(name, {"rule": condition}, fact) == ["rule"]


def _negation_examples() -> list[tuple[str, dict[str, Any]]]:
    """Each negated comparison at, below and above its boundary, so a wrong negation in ``_FLIP``
    (``>`` negated as ``<``, say) fails at any hypothesis profile."""
    base = {"n": 0, "b": False, "m": None, "e": "x", "s": frozenset(), "d": None}
    return [
        (f"not (a {op} 0)", {**base, "a": a}) for op in ("==", "!=", "<", "<=", ">", ">=") for a in (-1, 0, 1)
    ] + [
        ("not (n > 0)", {**base, "a": 0, "n": None}),
        ('not (d < date("2014-01-01"))', {**base, "a": 0, "d": dt.date(2014, 1, 1)}),
    ]


def _with_negation_examples(test: Any) -> Any:
    for text, facts in _negation_examples():
        test = example(text, facts)(test)
    return test


@_with_negation_examples
@given(expression_texts(), expression_facts())
def test_engine_and_python_agree_on_every_condition(text: str, facts: dict[str, Any]) -> None:
    """A condition compiled for durable_rules holds exactly when its Python reading holds."""
    node = ex.parse(text, SCOPE)
    assert engine_says(node, facts) == ex.python_predicate(node)(facts)


@pytest.mark.parametrize(
    ("text", "facts", "expected"),
    [
        ("n > 0", {"n": None}, False),
        ("not (n > 0)", {"n": None}, True),
        ("n != 1", {"n": None}, False),
        ("n is None", {"n": None}, True),
        ("m", {"m": None}, False),
        ("not m", {"m": None}, True),
        ('"p" in s and "q" not in s', {"s": frozenset({"p"})}, True),
        ("0 < a <= 2", {"a": 2}, True),
        ("0 < a <= 2", {"a": 0}, False),
        ('e in ["x", "y"]', {"e": "z"}, False),
    ],
)
def test_missing_values_never_satisfy_a_comparison(text: str, facts: dict[str, Any], expected: bool) -> None:
    """A comparison with a value that is not given is false; its negation is true."""
    node = ex.parse(text, SCOPE)
    full = {"a": 0, "n": None, "b": False, "m": None, "e": "x", "s": frozenset(), "d": None, **facts}
    assert ex.python_predicate(node)(full) is expected
    assert engine_says(node, full) is expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("aa > 1", "unknown name 'aa' (did you mean 'a'?)"),
        ('e == "w"', "'e' is one of 'x', 'y', 'z'; 'w' is not allowed"),
        ('"t" in s', "'s' is a set of 'p', 'q', 'r'; 't' is not allowed"),
        ("a + 1 > 2", "arithmetic is not allowed"),
        ("a[0] == 1", "indexing is not allowed"),
        ("(lambda: 1)()", "only has_any(...), has_all(...) and within_years(...) are calls"),
        ("open('x')", "unknown function 'open'"),
        ("__import__('os')", "unknown function '__import__'"),
        ("a.__class__ == 1", "unknown name 'a.__class__'"),
        ("a == b", "compare a name with a value, not with another name"),
        ("a", "'a' is a whole number, not true or false; compare it"),
        ('a == "1"', "'a' is a whole number; '1' is not allowed"),
        ("b > True", "'b' can only be compared with == or !="),
        ("a > 1 if b else a < 1", "allowed only in definitions"),
        ("True", "a bare constant (True) is not a condition"),
        ("a >", "syntax error"),
        ('d > date("2014-02-30")', "'2014-02-30' is not a real date"),
        ("within_years(d, 5)", "only available where a booking date is"),
        ("[x for x in s]", "a comprehension is not allowed"),
    ],
)
def test_expressions_outside_the_language_are_refused(text: str, message: str) -> None:
    """Anything outside the small, safe language is refused with a one-line reason."""
    with pytest.raises(ExpressionError) as info:
        ex.parse(text, SCOPE)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_render_reads_back_the_condition() -> None:
    """render gives a readable text of a parsed condition."""
    node = ex.parse('has_any(s, ["p", "q"]) and a >= 2', SCOPE)
    assert ex.render(node) == '("p" in s or "q" in s) and a >= 2'


def test_within_years_counts_back_whole_years_from_the_booking() -> None:
    """within_years(d, 5) holds from the same day five years before the booking."""
    import datetime as dt

    scope = Scope(
        {"d": FactType("date", (), True), "case.booking_date": FactType("date")},
        booking_ref="case.booking_date",
    )
    pred = ex.python_predicate(ex.parse("within_years(d, 5)", scope))
    booking = dt.date(2016, 2, 29)
    assert pred({"d": dt.date(2011, 2, 28), "case.booking_date": booking})
    assert not pred({"d": dt.date(2011, 2, 27), "case.booking_date": booking})
    assert not pred({"d": None, "case.booking_date": booking})


@pytest.mark.parametrize("digits", [101, 20_000])
def test_a_number_of_too_many_digits_is_refused_by_its_length(digits: int) -> None:
    """A 20,000-digit literal is refused with its length and the limit, not Python's conversion error."""
    with pytest.raises(ExpressionError) as info:
        ex.parse("a > " + "9" * digits, SCOPE)
    assert str(info.value) == f"a number of {digits:,} digits; the limit is 100 (as in scenario files)"


def test_a_number_at_the_digit_limit_is_read() -> None:
    """100 digits parse, and digits inside quoted text do not count as a number."""
    assert ex.parse("a > " + "9" * 100, SCOPE) is not None
    with pytest.raises(ExpressionError, match="'x', 'y', 'z'"):
        ex.parse('e == "' + "1" * 200 + '"', SCOPE)

"""Engine fact names: one key per name, never the adapter's own keys, checked when rules load."""

from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from detainer_model import RuleLibrary, evaluate, load_rules
from detainer_model.core import engine
from detainer_model.rulebook import expressions as ex

from builders import make_case

TRICKY = ["sid", "dm__always", "person__age", "person.age", "a.b", "a__b", "a_b", "a_ob", "x_G", "x"]


def test_the_adapter_keys_are_reserved_by_the_encoding() -> None:
    """The keys core.engine adds to every fact are exactly those the encoding keeps out of its range."""
    assert {engine.ALWAYS_KEY, "sid"} == ex.ADAPTER_KEYS
    for name in TRICKY:
        assert ex.fact_key(name) not in ex.ADAPTER_KEYS


@given(st.lists(st.text(min_size=1, max_size=8), min_size=2, max_size=6, unique=True))
@example(["person.age", "person__age"])
@example(["a.b", "a__b", "a_ob", "a_u_ub"])
def test_distinct_names_get_distinct_engine_keys(names: list[str]) -> None:
    """fact_key is one-to-one, and no name's key is another name's 'given' or 'has' companion."""
    nullable = ex.FactType("int", (), True)
    keys = [k for n in names for k in ex.engine_keys(n, nullable)]
    assert len(keys) == len(set(keys))
    assert ex.check_engine_keys(dict.fromkeys(names, nullable)) == []


def test_every_shipped_composition_has_one_to_one_engine_keys(lib: RuleLibrary) -> None:
    """No two names of any shipped composition share an engine key."""
    for regime in lib.regimes:
        for place in lib.jurisdictions:
            assert ex.check_engine_keys(lib.composition(regime, place).names) == []


def test_the_load_time_check_catches_a_colliding_encoding() -> None:
    """check_engine_keys reports two names sharing a key, and a name on an adapter key."""
    t = ex.FactType("bool")
    problems = ex.check_engine_keys({"a": t, "b": t})
    assert problems == []
    original = ex.fact_key
    try:
        ex.fact_key = lambda name: "fsame"  # type: ignore[assignment]
        assert any("share the engine key" in p for p in ex.check_engine_keys({"a": t, "b": t}))
        ex.fact_key = lambda name: "sid"  # type: ignore[assignment]
        assert any("engine's own key" in p for p in ex.check_engine_keys({"a": t}))
    finally:
        ex.fact_key = original


def test_definitions_named_like_engine_keys_agree_with_the_reference(tmp_path: Path, root: Path) -> None:
    """Definitions named sid, dm__always and person__age give the same answers on engine and reference."""
    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    path = rules / "local" / "full-cooperation.yaml"
    defs = "".join(
        f"  - {{id: {name}, summary: a test definition, source: contract-v1, expr: {expr}}}\n"
        for name, expr in (
            ("sid", "person.age < 18"),
            ("dm__always", "person.age < 0"),
            ("person__age", "person.age > 60"),
        )
    )
    rule = (
        "  - {id: full-cooperation.tricky, summary: a test rule, source: contract-v1, "
        'when: request == "detainer" and (sid or dm__always or person__age), '
        "then: {local_response: decline}, exception_to: full-cooperation.hold}\n"
    )
    text = path.read_text().replace("\nrules:\n", f"\ndefinitions:\n{defs}\nrules:\n{rule}", 1)
    path.write_text(text)
    lib = load_rules(rules)
    felony = [{"offense": "x", "date": "2012-01-01", "level": "felony", "kinds": []}]
    for age, want in ((16, "decline"), (30, "hold"), (70, "decline")):
        case = make_case(age=age, removal_order="final", convictions=felony)
        got = {b: evaluate(case, "pep", rules=lib, backend=b).local_response for b in ("engine", "reference")}
        assert got == {"engine": want, "reference": want}

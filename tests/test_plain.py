"""Plain language: every answer value has words, reasons read as sentences, the glossary is sourced."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from detainer_model import RuleLibrary, evaluate, load_rules, load_scenarios
from detainer_model.errors import RuleFileError
from detainer_model.rulebook.library import plain_keys
from detainer_model.teaching.plain import (
    glossary,
    missing_plain,
    output_decls,
    plain_label,
    plain_reason,
    plain_value,
)


def test_every_answer_value_has_a_plain_rendering(lib: RuleLibrary) -> None:
    """No answer (the model's or a rule set's own) lacks a label or a plain rendering of a value."""
    assert missing_plain(lib) == []
    for name, decl in output_decls(lib).items():
        for key in plain_keys(decl):
            assert "_" not in decl.plain[key], (name, key)


def test_outcomes_read_as_plain_english(lib: RuleLibrary) -> None:
    """The outcome renders as words, never as a snake_case id."""
    assert plain_value("outcome", "released_despite_request", lib) == "released despite ICE's request"
    assert plain_label("outcome", lib) == "What happens at release"
    assert plain_value("form", None, lib).startswith("no form")


def test_the_detainer_rendering_states_the_regulations_limit(lib: RuleLibrary) -> None:
    """A detainer is a hold of up to 48 hours excluding weekends and holidays, citing 8 C.F.R. § 287.7."""
    text = plain_value("request", "detainer", lib)
    assert "up to 48 hours" in text and "excluding weekends and holidays" in text
    decl = output_decls(lib)["request"]
    assert "cfr-287-7" in decl.sources
    quote = lib.sources["i247-form"].quote or ""
    assert "48 HOURS" in quote and "Saturdays, Sundays, and holidays" in quote


def test_a_set_answer_renders_each_member_and_the_empty_set(lib: RuleLibrary) -> None:
    """Priorities render member by member, and an empty set in words."""
    both = plain_value("priorities", frozenset({"1(d)", "2(b)"}), lib)
    assert both.startswith("priority 1(d)") and "; priority 2(b)" in both
    assert plain_value("priorities", frozenset(), lib) == "in none of the 2014 priority categories"


def test_a_reason_is_a_sentence_from_the_rule_summary_and_its_conclusion(
    lib: RuleLibrary, root: Path
) -> None:
    """plain_reason joins the rule's summary to its conclusion in words, with no field ids."""
    case = load_scenarios(root / "scenarios" / "san-francisco-2015.yaml")[0].scenario.cases[0]
    decision = evaluate(case, "pep", "san-francisco-2015")
    outcome = next(f for f in decision.findings if "outcome" in f.concluded)
    text = plain_reason(outcome, lib)
    assert text.startswith(" ".join(outcome.rule.summary.split()))
    assert text.endswith("What happens at release: released despite ICE's request.")
    for f in decision.findings:
        reason = plain_reason(f, lib)
        assert not any(k in reason for k in f.concluded if "_" in k), reason


def test_the_glossary_covers_the_core_terms_with_sources(lib: RuleLibrary) -> None:
    """The glossary defines detainer, the I-247 forms, IDENT, 287(g), PEP priorities and more, sourced."""
    entries = {e.id: e for e in glossary(lib)}
    for tid in (
        "detainer",
        "i-247",
        "i-247d",
        "i-247n",
        "i-247a",
        "ident",
        "287g",
        "priorities-2014",
        "secure-communities",
        "pep",
        "notification-request",
        "trust-act",
    ):
        assert tid in entries, tid
        assert entries[tid].source_id in lib.sources
        assert entries[tid].cite().endswith("]")
    assert "48 hours" in entries["detainer"].definition
    terms = [e.term.casefold() for e in glossary(lib)]
    assert terms == sorted(terms)


@pytest.fixture
def rules_copy(tmp_path: Path, root: Path) -> Path:
    """An editable copy of the shipped rules."""
    target = tmp_path / "rules"
    shutil.copytree(root / "rules", target)
    return target


def test_a_plain_key_that_is_not_a_value_is_refused_with_its_line(rules_copy: Path) -> None:
    """A misspelt value in a plain: map is a located rule-file error with a suggestion."""
    model = rules_copy / "model.yaml"
    model.write_text(model.read_text().replace("      notified_release:", "      notified_releese:", 1))
    with pytest.raises(RuleFileError) as err:
        load_rules(rules_copy)
    text = str(err.value)
    assert "model.yaml" in text and "notified_releese" in text and "notified_release" in text


def test_a_glossary_term_citing_an_unknown_source_is_refused(rules_copy: Path) -> None:
    """A glossary entry must cite a source in sources.yaml."""
    gloss = rules_copy / "glossary.yaml"
    gloss.write_text(gloss.read_text().replace("source: cfr-287-7", "source: cfr-287-8", 1))
    with pytest.raises(RuleFileError) as err:
        load_rules(rules_copy)
    assert "glossary.yaml" in str(err.value) and "cfr-287-7" in str(err.value)


def test_a_rules_folder_without_plain_words_falls_back_to_ids(rules_copy: Path) -> None:
    """Rules of one's own without plain: maps still load; values fall back to words from their ids."""
    (rules_copy / "glossary.yaml").unlink()
    model = rules_copy / "model.yaml"
    text = model.read_text()
    start = text.index("    plain:\n      transfer:")
    end = text.index("no_request: ", start)
    end = text.index("\n", end) + 1
    model.write_text(text[:start] + text[end:])
    other = load_rules(rules_copy)
    assert plain_value("outcome", "released_despite_request", other) == "released despite request"
    assert "outcome: transfer" in missing_plain(other)
    assert glossary(other) == []

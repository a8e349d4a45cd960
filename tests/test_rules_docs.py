"""``detainer-model rules diff | table | coverage``: rule sets as documents, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detainer_model import RuleLibrary
from detainer_model.cli import main
from detainer_model.teaching.decision_table import decision_table, rules_diff


@pytest.fixture(autouse=True)
def _in_root(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    status = main([*args, "--format", "json"])
    out, err = capsys.readouterr()
    assert status in (0, 1), err
    return status, json.loads(out)


def test_diff_of_the_two_regimes(capsys: pytest.CaptureFixture[str]) -> None:
    """Secure Communities and PEP differ in five situations, each with the rules on both sides.

    Three where Secure Communities' detainer criteria are met; two where they are not (from
    December 21, 2012, the guidance's conditions) and PEP still asks, for a person in a priority.
    """
    _status, doc = cli_json(capsys, "rules", "diff", "secure-communities", "pep")
    (table,) = doc["tables"]
    assert table["answers"] == ["request", "form"]
    then = [(r["then"]["secure-communities"]["request"], r["then"]["pep"]["request"]) for r in table["rows"]]
    assert sorted(then) == [
        ("detainer", "detainer"),
        ("detainer", "none"),
        ("detainer", "notification"),
        ("none", "detainer"),
        ("none", "notification"),
    ]
    for row in table["rows"]:
        criteria = "sc_detainer_criteria true" in row["when"]
        assert criteria == (row["then"]["secure-communities"]["request"] == "detainer"), row["when"]
    none_row = next(r for r in table["rows"] if r["then"]["pep"]["request"] == "none")
    assert any("includes none of 1(a), 1(c), 1(d), 1(e), 2(a), 2(b)" in w for w in none_row["when"])
    assert none_row["rules"]["pep"] == [] and none_row["rules"]["secure-communities"] == [
        "sc.request.detainer",
        "sc.form.i247",
    ]
    assert "287.7" in doc["sources"]["sc.request.detainer"]


def test_diff_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    """The terminal diff says, row by row, what each side gives and by which rules."""
    assert main(["rules", "diff", "secure-communities", "pep"]) == 0
    out = capsys.readouterr().out
    assert (
        "secure-communities gives request detainer, form I-247 (sc.request.detainer, sc.form.i247)"
        in " ".join(out.split())
    )
    assert "[verified]" in out


def test_diff_of_two_local_policies(lib: RuleLibrary) -> None:
    """Two local policies are compared on the local response, with the warrant as the difference."""
    doc = rules_diff(lib, "san-francisco-2015", "full-cooperation")
    (table,) = doc.tables
    assert table.answers == ("local_response",)
    for row in table.rows:
        assert "ice.judicial_warrant false" in row.when(table.inputs)


def test_diff_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """Unknown ids, a set against itself, and sets that answer different questions exit 2."""
    assert main(["rules", "diff", "secure-communities", "pepp"]) == 2
    assert "did you mean 'pep'?" in capsys.readouterr().err
    assert main(["rules", "diff", "pep", "pep"]) == 2
    capsys.readouterr()
    assert main(["rules", "diff", "pep", "san-francisco-2015"]) == 2
    assert "answer different questions" in capsys.readouterr().err


def test_table_of_a_local_policy(capsys: pytest.CaptureFixture[str]) -> None:
    """San Francisco's table: hold or notify only with a judge's warrant, decline otherwise."""
    _status, doc = cli_json(capsys, "rules", "table", "san-francisco-2015")
    (table,) = doc["tables"]
    rows = {(tuple(r["when"]), r["then"]["san-francisco-2015"]["local_response"]) for r in table["rows"]}
    assert (("request detainer", "ice.judicial_warrant true"), "hold") in rows
    assert (("request detainer", "ice.judicial_warrant false"), "decline") in rows
    assert (("request notification", "ice.judicial_warrant true"), "notify") in rows


def test_table_of_levels_uses_the_rule_thresholds(lib: RuleLibrary) -> None:
    """The levels table splits the counts at the thresholds the rules compare with."""
    doc = decision_table(lib, "sc-levels")
    (table,) = doc.tables
    classes = {i.name: [c.label for c in i.classes] for i in table.inputs}
    assert classes["sc_felony_convictions"] == ["0", "1", "≥ 2"]
    assert classes["sc_misdemeanor_convictions"] == ["0", "1 to 2", "≥ 3"]
    levels = {r.answers[0][0] for r in table.rows}
    assert levels == {None, 1, 2, 3}


def test_every_rule_set_has_a_table(lib: RuleLibrary) -> None:
    """Every rule set of the library gets a table whose cited rules are its own."""
    for rid in lib.rulesets:
        doc = decision_table(lib, rid)
        assert doc.tables, rid
        assert {r.ruleset for r in doc.cited} <= {rid}


def test_table_markdown_and_unknown_id(capsys: pytest.CaptureFixture[str]) -> None:
    """Markdown tables have a header row; an unknown id exits 2 with a suggestion."""
    assert main(["rules", "table", "pep", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    header = "| `removable` | `final_order_of_removal` | `person.removal_order` | `ident_match` |"
    assert header in out
    assert main(["rules", "table", "pepp"]) == 2
    assert "did you mean 'pep'?" in capsys.readouterr().err


def test_coverage_of_the_federal_and_shared_rules_is_complete(
    capsys: pytest.CaptureFixture[str], lib: RuleLibrary
) -> None:
    """The shipped scenarios exercise every rule and branch of the shared and federal rule sets."""
    chosen = [rs.id for rs in lib.rulesets.values() if rs.level in ("shared", "federal")]
    args = ["rules", "coverage", "scenarios/"]
    for rs in chosen:
        args += ["--ruleset", rs]
    status, doc = cli_json(capsys, *args)
    assert doc["missing"] == [] and status == 0
    assert set(doc["rulesets"]) == set(chosen)


def test_coverage_of_every_rule_set(capsys: pytest.CaptureFixture[str]) -> None:
    """Every rule set, local policies included, is fully exercised by the shipped scenarios."""
    status, doc = cli_json(capsys, "rules", "coverage", "scenarios/")
    missing = [f"{m['where']} {m['id']} {m['branch'] or ''}" for m in doc["missing"]]
    assert missing == [] and status == 0


def test_coverage_reports_what_one_file_misses(capsys: pytest.CaptureFixture[str]) -> None:
    """One scenario file leaves branches unexercised: they are listed and the exit status is 1."""
    status = main(["rules", "coverage", "scenarios/san-francisco-2015.yaml", "--ruleset", "priorities-2014"])
    out = capsys.readouterr().out
    assert status == 1
    assert "Never exercised" in out and "priority.1a" in out
    assert "rules/common/priorities-2014.yaml:" in out


def test_coverage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A missing path or an unknown rule set exits 2."""
    assert main(["rules", "coverage", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["rules", "coverage", "scenarios/", "--ruleset", "pepp"]) == 2
    assert "did you mean 'pep'?" in capsys.readouterr().err


def test_table_of_a_reading_shows_its_own_definition(lib: RuleLibrary) -> None:
    """``rules table pep:as-written`` computes the memo's hold basis; the default table computes Part B's."""
    written = decision_table(lib, "pep:as-written")
    practised = decision_table(lib, "pep")
    assert written.title.startswith("pep:as-written:") and written.refs == ("pep:as-written",)
    assert any(n.startswith("Reading pep:as-practised (the default)") for n in practised.notes)
    (t_written,) = [t for t in written.tables if "request" in t.answers]
    (t_practised,) = [t for t in practised.tables if "request" in t.answers]
    assert "pep_probable_cause" not in {i.name for i in t_written.inputs}
    assert {i.name for i in t_written.inputs} >= {"final_order_of_removal"}
    assert "person.status" not in {i.name for i in t_written.inputs}
    assert {"person.status", "person.removal_order", "ident_match"} <= {i.name for i in t_practised.inputs}
    # as practised, a fingerprint match on an identified, removable, unauthorized person is a hold
    hold = [
        r
        for r in t_practised.rows
        if {"person.status unauthorized", "ident_match true", "identified true", "removable true"}
        <= set(r.when(t_practised.inputs))
    ]
    assert hold and all(r.answers[0][t_practised.answers.index("request")] == "detainer" for r in hold)


def test_diff_of_two_readings_of_pep(capsys: pytest.CaptureFixture[str]) -> None:
    """As written PEP notifies where, as practised, Part B's probable cause holds; never the reverse."""
    _status, doc = cli_json(capsys, "rules", "diff", "pep:as-written", "pep:as-practised")
    assert doc["readings"] == ["pep:as-written", "pep:as-practised"]
    (table,) = doc["tables"]
    pairs = {
        (r["then"]["pep:as-written"]["request"], r["then"]["pep:as-practised"]["request"])
        for r in table["rows"]
    }
    assert pairs == {("notification", "detainer")}
    for row in table["rows"]:
        assert "final_order_of_removal false" in row["when"], row["when"]
    assert any("person.status unauthorized" in r["when"] for r in table["rows"])
    assert any("person.removal_order pending" in r["when"] for r in table["rows"])


def test_diff_of_two_readings_of_secure_communities(lib: RuleLibrary) -> None:
    """As written, the December 2012 guidance drops the detainer when none of its conditions is met."""
    doc = rules_diff(lib, "secure-communities", "secure-communities:as-practised")
    assert doc.refs == ("secure-communities:as-written", "secure-communities:as-practised")
    (table,) = doc.tables
    for row in table.rows:
        when = row.when(table.inputs)
        assert "case.booking_date ≥ 2012-12-21" in when and "morton_condition false" in when
        assert [a[table.answers.index("request")] for a in row.answers] == ["none", "detainer"]
    assert table.rows


def test_diff_of_a_reading_with_itself_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """``pep`` is ``pep:as-practised``: comparing them is comparing a reading with itself (exit 2)."""
    assert main(["rules", "diff", "pep", "pep:as-practised"]) == 2
    assert "with itself" in capsys.readouterr().err

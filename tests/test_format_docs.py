"""docs/scenario-format.md: its generated tables match the code, and the repository stands alone."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from detainer_model import RuleLibrary
from detainer_model.errors import InputError
from detainer_model.report.formatdoc import BLOCKS, generated_blocks, regenerate, stale_files
from detainer_model.report.schemas import DEFS, all_schemas

from builders import invoke

ROOT = Path(__file__).resolve().parents[1]
FORMAT_DOC = ROOT / "docs" / "scenario-format.md"


def test_generated_tables_are_current(lib: RuleLibrary) -> None:
    """Every generated table in docs/ is what the models and rules give today."""
    stale = stale_files(ROOT / "docs", lib)
    assert not stale, (
        f"out of date: {', '.join(str(p.relative_to(ROOT)) for p in stale)}; "
        "run `detainer-model docs generate` from the repository's top folder"
    )


def test_every_block_is_used_in_the_format_reference() -> None:
    """docs/scenario-format.md holds every generated block the generator knows."""
    text = FORMAT_DOC.read_text(encoding="utf-8")
    marks = {name: f"<!-- generated: {name} (detainer-model docs generate) -->" for name in BLOCKS}
    missing = [name for name, mark in marks.items() if mark not in text]
    assert not missing


@pytest.mark.parametrize("schema", ["scenario", "results"])
def test_every_schema_field_appears_in_the_reference(schema: str, lib: RuleLibrary) -> None:
    """Each property of each object in the scenario and results schemas has a row in the reference."""
    text = FORMAT_DOC.read_text(encoding="utf-8")
    whole = all_schemas(lib)[schema]
    missing = [
        f"{holder}.{name}"
        for holder, body in [("file", whole), *whole[DEFS].items()]
        for name in body.get("properties", {})
        if f"| `{name}` |" not in text
    ]
    assert not missing, f"fields with no row in docs/scenario-format.md: {missing}"


@pytest.mark.parametrize("schema", ["scenario", "answers", "results"])
def test_every_field_has_a_meaning(schema: str, lib: RuleLibrary) -> None:
    """Every property of the scenario, answers and results schemas carries a description."""
    whole = all_schemas(lib)[schema]
    bare = [
        f"{holder}.{name}"
        for holder, body in [("file", whole), *whole.get(DEFS, {}).items()]
        for name, prop in body.get("properties", {}).items()
        if not prop.get("description")
    ]
    assert not bare


def test_vocabulary_rows_follow_the_vocabulary(lib: RuleLibrary) -> None:
    """The offense-kind table lists every kind in rules/vocabulary.yaml with its label."""
    table = generated_blocks(lib)["offense-kinds"]
    for kind, term in lib.vocabulary.offense_kinds.items():
        assert f"| `{kind}` | {term.label} |" in table


def test_regenerate_rewrites_a_drifted_table(lib: RuleLibrary) -> None:
    """A table edited by hand is put back; the text around it is kept."""
    blocks = generated_blocks(lib)
    text = FORMAT_DOC.read_text(encoding="utf-8")
    drifted = text.replace("| `age` |", "| `years` |", 1)
    assert drifted != text
    assert regenerate(drifted, blocks) == text


def test_regenerate_refuses_unknown_and_unclosed_blocks(lib: RuleLibrary) -> None:
    """An unknown block name or a start without an end is reported with its line."""
    blocks = generated_blocks(lib)
    with pytest.raises(InputError, match="unknown generated block 'persons'"):
        regenerate("a\n<!-- generated: persons (detainer-model docs generate) -->\n", blocks, "x.md")
    with pytest.raises(InputError, match=r"x\.md:2: .*no matching start and end"):
        regenerate("a\n<!-- generated: person (detainer-model docs generate) -->\nb\n", blocks, "x.md")


def test_docs_generate_check_fails_on_drift_and_write_fixes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`docs generate --check` exits 1 naming a drifted page; `docs generate` rewrites it."""
    docs = tmp_path / "docs"
    docs.mkdir()
    page = docs / "scenario-format.md"
    good = FORMAT_DOC.read_text(encoding="utf-8")
    page.write_text(good.replace("| `age` |", "| `years` |", 1), encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the package's shipped schemas are outside: left alone
    status, out, err = invoke(capsys, "docs", "generate", "--check")
    assert status == 1 and "out of date: docs/scenario-format.md" in out
    assert "detainer-model docs generate" in err
    status, out, _ = invoke(capsys, "docs", "generate")
    assert status == 0 and "updated: docs/scenario-format.md" in out
    assert page.read_text(encoding="utf-8") == good


def test_docs_generate_needs_a_docs_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run outside a repository, `docs generate` exits 2 with one line and writes nothing."""
    monkeypatch.chdir(tmp_path)
    status, out, err = invoke(capsys, "docs", "generate")
    assert status == 2 and out == ""
    assert err.startswith("error: docs: no such folder") and err.count("\n") == 1


# --- the repository stands alone ------------------------------------------------------------

OUTSIDE = re.compile(r"shared/(?:spec|domain|design)/|policy-reference")

# Files allowed to point outside while being rewritten: none any more. The test fails when a listed
# file no longer needs to be listed, so the list only shrinks.
BEING_REWRITTEN: set[str] = set()


def tracked_text_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    return [f for f in listed.stdout.splitlines() if (ROOT / f).is_file()]


def pointing_outside(files: list[str]) -> set[str]:
    out = set()
    for name in files:
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if OUTSIDE.search(text):
            out.add(name)
    return out


def test_no_file_points_outside_the_repository() -> None:
    """No file in the repository refers to the project's notes outside it (shared/, the policy reference)."""
    files = tracked_text_files()
    itself = Path(__file__).resolve().relative_to(ROOT).as_posix()  # it holds the pattern
    found = pointing_outside([f for f in files if f != itself])
    assert found - BEING_REWRITTEN == set()
    fixed = BEING_REWRITTEN - found
    assert not fixed, f"no longer pointing outside, drop from the list: {fixed}"


def test_the_reference_example_is_a_valid_scenario_whose_expect_holds(lib: RuleLibrary) -> None:
    """The scenario file shown at the top of docs/scenario-format.md loads and its answer key holds."""
    from detainer_model import parse_scenario_text, run_scenarios

    text = FORMAT_DOC.read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(# yaml-language-server.*?title: Cases.*?)```", text, re.S)
    assert example
    loaded = parse_scenario_text(example.group(1), "example.yaml", rules=lib)
    result = run_scenarios([loaded], rules=lib)
    assert result.counts == {"pass": 1, "fail": 0, "none": 0}

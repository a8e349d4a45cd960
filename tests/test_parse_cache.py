"""The cache of parsed YAML files: the same data and lines as a parse, never a wrong or stale one."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from detainer_model import InputError, load_rules
from detainer_model.safeio import parsecache
from detainer_model.safeio.yamlsafe import load_yaml_file, load_yaml_text

DOCUMENT = """\
kind: scenario
when: 2014-11-20
at: 2014-11-20T10:30:00+05:00
cases:
  - id: first
    title: "Naïve café \\u2260 ✓"
    numbers: [1, -2, 3.5, 1.0e+3, .inf]
    flags: {yes_: true, no_: false, nothing: null}
    dates: [2001-02-03, 1999-12-31]
  - &shared
    id: second
    nested: {deeper: {deepest: [[], {}]}}
  - *shared
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty cache folder for the test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(parsecache.ENV, str(folder))
    return folder / "yaml"


def _write(tmp_path: Path, text: str = DOCUMENT, name: str = "doc.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.json")) if cache.is_dir() else []


def test_a_file_read_again_comes_from_the_cache_with_the_same_data_and_lines(
    cache: Path, tmp_path: Path
) -> None:
    """The second read finds the entry the first wrote, and gives what a parse gives: values,
    their types (dates, datetimes, floats, booleans, null) and the line of every value."""
    path = _write(tmp_path)
    fresh = load_yaml_text(DOCUMENT, "doc.yaml")
    first = load_yaml_file(path, "doc.yaml")
    assert len(_entries(cache)) == 1
    (entry,) = _entries(cache)
    stored = json.loads(entry.read_text())
    assert stored["key"] == entry.stem and ["date", "when"] in stored["dates"]
    second = load_yaml_file(path, "doc.yaml")
    assert first == fresh and second.data == fresh.data and second.file == fresh.file
    # the top levels' lines are stored; a deeper one is found by parsing when asked
    assert second.lines == {p: line for p, line in fresh.lines.items() if len(p) <= parsecache.DEPTH}
    assert {p: second.line_of(p) for p in fresh.lines} == fresh.lines
    assert type(second.data["when"]) is dt.date and second.data["when"] == dt.date(2014, 11, 20)
    assert type(second.data["at"]) is dt.datetime and second.data["at"].utcoffset() == dt.timedelta(hours=5)
    assert second.data["cases"][0]["numbers"] == [1, -2, 3.5, 1000.0, float("inf")]
    assert [type(n) for n in second.data["cases"][0]["numbers"]] == [int, int, float, float, float]
    assert second.data["cases"][2] == second.data["cases"][1]
    assert second.line_of(("cases", 1, "nested", "deeper")) == 12
    assert second.line_of(("cases", 0, "dates", 1)) == 9


def test_a_changed_file_is_parsed_again(cache: Path, tmp_path: Path) -> None:
    """Editing a file gives the new content at once: its text is part of the key."""
    path = _write(tmp_path)
    assert load_yaml_file(path).data["when"] == dt.date(2014, 11, 20)
    _write(tmp_path, DOCUMENT.replace("2014-11-20\n", "2015-01-02\n"))
    assert load_yaml_file(path).data["when"] == dt.date(2015, 1, 2)
    assert len(_entries(cache)) == 2


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # truncated
        lambda text: "\x00garbage",
        lambda text: "[]",  # valid JSON, not an entry
        lambda text: text.replace('"when":"2014-11-20"', '"when":"2099-01-01"').replace(
            '"format"', '"formats"'
        ),
        lambda text: text.replace('"lines":[', '"lines":["x",'),  # a line that is not a number
        lambda text: text.replace('"paths":[[', '"paths":[[{"a":1},'),  # a path that is not names
        lambda text: text.replace('["date","when"]', '["date","nowhere","at","all"]'),
    ],
    ids=["truncated", "garbage", "other-json", "wrong-format", "bad-line", "bad-path", "bad-date-path"],
)
def test_a_damaged_entry_is_ignored_and_the_file_parsed(cache: Path, tmp_path: Path, damage: object) -> None:
    """An entry that does not read back whole is never used: the file is parsed as without a cache."""
    path = _write(tmp_path)
    load_yaml_file(path, "doc.yaml")
    (entry,) = _entries(cache)
    entry.write_text(damage(entry.read_text()))  # type: ignore[operator]
    again, fresh = load_yaml_file(path, "doc.yaml"), load_yaml_text(DOCUMENT, "doc.yaml")
    assert again == fresh and again.lines == fresh.lines


def test_an_entry_under_another_files_name_is_refused(cache: Path, tmp_path: Path) -> None:
    """An entry copied over another text's entry is not taken for it: the entry names its key."""
    one = _write(tmp_path, "a: 1\n", "one.yaml")
    two = _write(tmp_path, "a: 2\n", "two.yaml")
    load_yaml_file(one)
    load_yaml_file(two)
    first, second = _entries(cache)
    second.write_bytes(first.read_bytes())
    assert load_yaml_file(one).data == {"a": 1} and load_yaml_file(two).data == {"a": 2}


def test_a_file_that_fails_to_parse_is_never_stored(cache: Path, tmp_path: Path) -> None:
    """A refused file is refused again with the same located line; nothing of it is cached."""
    path = _write(tmp_path, "a: 1\na: 2\n")
    for _ in range(2):
        with pytest.raises(InputError) as caught:
            load_yaml_file(path, "dup.yaml")
        assert caught.value.lines() == ["dup.yaml:2: a: duplicate key 'a'"]
    assert _entries(cache) == []


def test_an_unwritable_or_turned_off_cache_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache folder that cannot be made, or the cache turned off: files still load, nothing is written."""
    path = _write(tmp_path)
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv(parsecache.ENV, str(blocker))
    assert load_yaml_file(path) == load_yaml_file(path)
    assert blocker.read_text() == "a file where the cache folder would be"
    monkeypatch.setenv(parsecache.ENV, "off")
    assert parsecache.cache_dir() is None
    assert load_yaml_file(path).data["cases"][1]["id"] == "second"


def test_the_limits_in_force_are_part_of_the_key(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file cached under one limit is refused under a lower one: the limits are part of the key."""
    from detainer_model.safeio import yamlsafe

    path = _write(tmp_path)
    load_yaml_file(path)
    monkeypatch.setattr(yamlsafe, "MAX_DEPTH", 3)
    with pytest.raises(InputError, match="nested deeper than 3 levels"):
        load_yaml_file(path)


def test_the_cache_is_trimmed_to_its_size(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_ENTRIES entries, the least recently used are removed; a recently read one stays."""
    monkeypatch.setattr(parsecache, "MAX_ENTRIES", 8)
    keep = _write(tmp_path, "keep: true\n", "keep.yaml")
    load_yaml_file(keep)
    for i in range(20):
        load_yaml_file(_write(tmp_path, f"n: {i}\n", f"n{i}.yaml"))
        load_yaml_file(keep)  # read again: recently used
    assert 0 < len(_entries(cache)) <= 8
    assert parsecache.entry_key("keep: true\n", _settings()) in {p.stem for p in _entries(cache)}


def _settings() -> tuple[object, ...]:
    from detainer_model.safeio import yamlsafe

    return yamlsafe._settings()


def test_rules_edited_between_loads_are_seen(cache: Path, tmp_path: Path, root: Path) -> None:
    """A rule file changed after the rules were loaded (and cached) is read as changed."""
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    assert load_rules(rules, cache=False).rulesets["pep"].title
    pep = next(p for p in rules.rglob("*.yaml") if "id: pep\n" in p.read_text())
    pep.write_text(pep.read_text().replace("\ntitle: ", "\ntitle: Edited - ", 1))
    assert load_rules(rules, cache=False).rulesets["pep"].title.startswith("Edited - ")
    assert len(_entries(cache)) > len(list(rules.rglob("*.yaml")))


def test_a_library_composed_whole_once_composes_lazily_after(cache: Path, tmp_path: Path, root: Path) -> None:
    """The first load composes every pairing and marks the library; the next load of the same
    files composes each pairing when first asked, into the same strata."""
    import shutil

    from detainer_model.rulebook import library

    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    first = load_rules(rules, cache=False)
    pairs = len(first._compositions)
    assert pairs > 10 and parsecache.has_mark(library.CHECKED_MARK, library._checked_mark(first.digest))
    again = load_rules(rules, cache=False)
    assert again._compositions == {}
    for (fed, fed_reading, loc, loc_reading), made in first._compositions.items():
        lazy = again.composition(library.join_ref(fed, fed_reading), library.join_ref(loc, loc_reading))
        assert [[r.id for r in s.rules] for s in lazy.strata] == [
            [r.id for r in s.rules] for s in made.strata
        ]
        assert lazy.beats == made.beats and [d.id for d in lazy.definitions] == [
            d.id for d in made.definitions
        ]


def test_a_library_that_fails_to_compose_is_never_marked(cache: Path, tmp_path: Path, root: Path) -> None:
    """Rules whose pairings clash are refused at every load: no mark lets the check be skipped."""
    import shutil

    from detainer_model import RuleFileError

    rules = tmp_path / "rules"
    shutil.copytree(root / "rules", rules)
    pep = next(p for p in rules.rglob("*.yaml") if "id: pep\n" in p.read_text())
    # a parameter of pep's that Santa Clara's policy declares too: a clash only once they are composed
    clash = "\nparameters:\n  reimbursement_agreement:\n    type: bool\n    default: false\n"
    pep.write_text(
        pep.read_text().replace("\nrules:\n", clash + "    summary: x\n    source: ice-pep-page\n\nrules:\n")
    )
    for _ in range(2):
        with pytest.raises(RuleFileError, match="parameter 'reimbursement_agreement' is also declared"):
            load_rules(rules, cache=False)
    assert not (cache.parent / "rules-composed").is_dir() or not any(
        (cache.parent / "rules-composed").iterdir()
    )


def test_a_refusal_of_a_deep_value_names_its_line_when_read_from_the_cache(
    cache: Path, tmp_path: Path, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scenario that parses but fails its checks deep inside is refused, the second time from
    the cache, with the same one located line (exit 2)."""
    from builders import invoke

    text = (root / "scenarios" / "san-francisco-2015.yaml").read_text()
    bad = _write(
        tmp_path, text.replace("      prior_removals: 5\n", "      prior_removals: five\n"), "sf.yaml"
    )
    first = invoke(capsys, "run", str(bad))
    assert len(_entries(cache)) >= 1
    second = invoke(capsys, "run", str(bad))
    assert first == second and first[0] == 2 and first[1] == ""
    line = text[: text.index("prior_removals: 5")].count("\n") + 1
    assert f"sf.yaml:{line}: cases[0].person.prior_removals" in first[2], first[2]


@pytest.mark.parametrize("kind", ["device", "pipe"])
def test_an_entry_that_is_not_a_regular_file_is_never_read(cache: Path, tmp_path: Path, kind: str) -> None:
    """An entry replaced by a link to an endless device, or by a pipe, is ignored (never read, so
    never blocks): the file is parsed."""
    import os

    path = _write(tmp_path)
    load_yaml_file(path)
    (entry,) = _entries(cache)
    entry.unlink()
    if kind == "device":
        entry.symlink_to("/dev/zero")
    else:
        os.mkfifo(entry)
    assert load_yaml_file(path) == load_yaml_text(DOCUMENT, str(path))

"""Worksheet mode: class sets made by ``exercise make``, students' predictions graded in the browser,
and the instructor's gradebook and per-question difficulty.

A class set is a folder holding ``key.json`` (from ``exercise make``), or a key file an instructor
uploads. Grading is the CLI's: a student's predictions are written as an answers file and read back
with :func:`~detainer_model.teaching.exercises.read_answers`, so a bad prediction gets the same
message as ``exercise grade`` would print, and marked by
:func:`~detainer_model.teaching.exercises.grade`.
"""

from __future__ import annotations

import re
import secrets
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..core.models import Case
from ..core.scenarios import LoadedScenario
from ..teaching.exercises import (
    GRADEBOOK_COLUMNS,
    QUESTION_COLUMNS,
    ClassGrades,
    Grade,
    KeyFile,
    csv_text,
    grade,
    load_key,
    read_answers,
)
from .config import MAX_SUBMISSIONS

NO_ANSWER = ""
_SLUG = re.compile(r"[^a-z0-9-]+")


def answer_key(case_id: str, regime: str, field_name: str) -> str:
    """The form field name of one prediction."""
    return f"a.{case_id}.{regime}.{field_name}"


def choices(key: KeyFile, field_name: str) -> list[str]:
    """The values a student may pick for a field, as the answers file writes them."""
    f = key.field(field_name)
    shown = ["true", "false"] if f.type == "bool" else [str(v) for v in f.values]
    if f.nullable and "none" not in shown:
        shown.append("none")
    return shown


@dataclass
class ClassSet:
    """One worksheet's key and the submissions received for it."""

    id: str
    key: KeyFile
    folder: Path | None
    submissions: list[Grade] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def case_of(self, scenarios: Mapping[str, LoadedScenario], case_id: str, file: str) -> Case | None:
        """The case the key was made from, when the server's scenario folder holds it."""
        name = Path(file).name
        for shown, s in scenarios.items():
            if Path(shown).name == name:
                for c in s.cases:
                    if c.id == case_id:
                        return c
        return None

    def submit(self, form: Mapping[str, Any], scratch: Path) -> Grade:
        """Grade one student's predictions (raises InputError with located lines for a bad value)."""
        student = str(form.get("student", "")).strip()[:80] or "anonymous"
        answers: dict[str, dict[str, dict[str, Any]]] = {}
        for c in self.key.cases:
            for r in self.key.regimes:
                for f in self.key.fields:
                    raw = str(form.get(answer_key(c.id, r, f.name), NO_ANSWER)).strip()
                    if raw != NO_ANSWER:
                        value: Any = {"true": True, "false": False}.get(raw, raw) if f.type == "bool" else raw
                        answers.setdefault(c.id, {}).setdefault(r, {})[f.name] = value
        text = yaml.safe_dump({"student": student, "answers": answers}, sort_keys=False, allow_unicode=True)
        with tempfile.NamedTemporaryFile(
            "w", suffix=".yaml", prefix="answers-", dir=scratch, delete=False, encoding="utf-8"
        ) as fh:
            fh.write(text)
            path = Path(fh.name)
        try:
            who, given = read_answers(path, self.key)
        finally:
            path.unlink(missing_ok=True)
        marked = grade(self.key, given, who or student)
        with self.lock:
            self.submissions.append(marked)
            del self.submissions[:-MAX_SUBMISSIONS]
        return marked

    def grades(self) -> ClassGrades:
        """The submissions so far as a class (each student's latest grades, as ``exercise grade``
        counts them)."""
        with self.lock:
            done = list(self.submissions)
        return ClassGrades(self.key, tuple((g.student or "", "browser", g) for g in done))

    def gradebook_csv(self) -> str:
        """One row per student and prediction: student, case, field, answer, correct (with the
        regime and the model's answer, so a row stands alone; the columns of ``exercise grade``'s
        gradebook, with ``file`` naming where the answers came from: the browser)."""
        return csv_text(GRADEBOOK_COLUMNS, self.grades().gradebook_rows(cell))

    def difficulty(self) -> list[dict[str, Any]]:
        """Per question (case, regime, field): how many students, how many answered, how many got it
        right, and the commonest wrong answer; hardest first."""
        return self.grades().difficulty(cell)

    def difficulty_csv(self) -> str:
        return csv_text(QUESTION_COLUMNS, self.difficulty())


def cell(value: Any) -> str:
    """A value as a spreadsheet cell: ``none``, ``true``/``false``, a set's members space-separated
    (so a cell splits on spaces into the ids an answers file takes)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(map(str, value))
    return str(value)


class Classroom:
    """Every class set the server offers."""

    def __init__(self) -> None:
        self.sets: dict[str, ClassSet] = {}
        self._lock = threading.Lock()

    def open_folder(self, folder: Path) -> ClassSet:
        key = load_key(folder / "key.json")
        return self._add(_SLUG.sub("-", folder.name.lower()).strip("-") or "class-set", key, folder)

    def open_upload(self, path: Path) -> ClassSet:
        key = load_key(path)
        return self._add(f"upload-{secrets.token_hex(3)}", key, None)

    def _add(self, wanted: str, key: KeyFile, folder: Path | None) -> ClassSet:
        with self._lock:
            ident, n = wanted, 2
            while ident in self.sets:
                ident, n = f"{wanted}-{n}", n + 1
            made = ClassSet(ident, key, folder)
            self.sets[ident] = made
            return made

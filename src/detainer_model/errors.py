"""The project's exceptions, in one small hierarchy.

::

    DetainerModelError          anything the model refuses; the CLI prints it and exits 2
    ├── InputError              a scenario or data file is invalid (one Problem per fault)
    ├── RuleFileError           a rule file is invalid (one Problem per fault)
    ├── UnknownIdError          a regime, jurisdiction, rule or case id that does not exist
    └── EvaluationError         the rules could not decide a case
        ├── RuleConflictError   two applicable rules disagree and neither is an exception to the other
        ├── RuleGapError        no rule decides an answer that the model requires
        └── EngineError         the rule engine failed or broke one of its own promises

Every message is one line that names the file, the line and the field where it can.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import get_close_matches

# Control characters (C0, DEL, C1) and the Unicode marks that reorder or hide text (bidi
# overrides and isolates, zero-width marks): shown as escapes, never passed to a terminal or a
# document, where "\x1b[2J" would clear a grader's screen and U+202E reverse a line.
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]")
MAX_MESSAGE_LINES = 50


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control or text-reordering character written as an escape (``\\x1b``)."""

    def esc(m: re.Match[str]) -> str:
        ch = m.group()
        if keep_newlines and ch == "\n":
            return ch
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _INVISIBLE.sub(esc, text)


def more_text(count: int, what: str = "") -> str:
    """The summary that ends a bounded list: "… and 1,234 more problems"."""
    return f"… and {count:,} more{' ' + what if what else ''}"


def bounded(lines: Sequence[str], limit: int = MAX_MESSAGE_LINES) -> list[str]:
    """At most ``limit`` lines: the first ones, then "… and N more"."""
    if len(lines) <= limit:
        return list(lines)
    return [*lines[: limit - 1], more_text(len(lines) - (limit - 1))]


@dataclass(frozen=True)
class Problem:
    """One located fault in an input file.

    ``hidden``: this is not a fault but the summary that stands for ``hidden`` faults left out
    of a bounded list (see :func:`bound_problems`)."""

    file: str
    line: int | None
    field: str
    message: str
    hidden: int = 0

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


def _summary(count: int, files: Sequence[str]) -> Problem:
    others = len(files) - 1
    where = f" (in this file and {others:,} other{'s' if others > 1 else ''})" if others else ""
    return Problem(files[0], None, "", more_text(count, "problems") + where, hidden=count)


def bound_problems(problems: Sequence[Problem], limit: int = MAX_MESSAGE_LINES) -> tuple[Problem, ...]:
    """At most ``limit`` problems: the first ``limit - 1``, then one summary of the rest."""
    if len(problems) <= limit:
        return tuple(problems)
    rest = problems[limit - 1 :]
    count = sum(p.hidden or 1 for p in rest)
    return (*problems[: limit - 1], _summary(count, list(dict.fromkeys(p.file for p in rest))))


class ProblemList:
    """Problems gathered up to the bound; later ones are only counted (never kept).

    A producer that can meet thousands of faults (an answers file with 90,000 unknown case ids)
    asks :attr:`full` before it builds a message, and calls :meth:`count_more` instead."""

    def __init__(self, limit: int = MAX_MESSAGE_LINES) -> None:
        self.limit = limit
        self._kept: list[Problem] = []
        self._more = 0
        self._files: dict[str, None] = {}  # the files of the problems left out, in order

    @property
    def full(self) -> bool:
        """True once a further problem would only be counted."""
        return len(self._kept) >= self.limit

    def add(self, problem: Problem) -> None:
        if self.full:
            self._count(problem.file, problem.hidden or 1)
        else:
            self._kept.append(problem)

    def count_more(self, file: str) -> None:
        """Count one more problem in ``file`` without building its message."""
        self._count(file, 1)

    def _count(self, file: str, n: int) -> None:
        self._more += n
        self._files.setdefault(file, None)

    def extend(self, problems: Iterable[Problem]) -> None:
        for p in problems:
            self.add(p)

    def __bool__(self) -> bool:
        return bool(self._kept)

    def problems(self) -> tuple[Problem, ...]:
        """What was kept, then (when anything was left out) one summary line: ``limit`` at most."""
        if not self._more:
            return tuple(self._kept)
        last = self._kept[-1]
        files = list(dict.fromkeys([last.file, *self._files]))
        return (*self._kept[:-1], _summary(self._more + (last.hidden or 1), files))


def suggest(name: str, choices: Iterable[str]) -> str:
    """Return ' (did you mean 'x'?)' for the closest choice, or '' when none is close."""
    close = get_close_matches(str(name), sorted(set(choices)), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class DetainerModelError(Exception):
    """Something the model refuses to do, explained in one line per problem."""

    def lines(self) -> list[str]:
        """The message, one line per problem."""
        return [str(self)]


class _ProblemsError(DetainerModelError):
    def __init__(self, problems: Sequence[Problem] | ProblemList) -> None:
        # bounded where it is made: a flood of faults never becomes a flood of text
        found = problems.problems() if isinstance(problems, ProblemList) else problems
        self.problems: tuple[Problem, ...] = bound_problems(found)
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class InputError(_ProblemsError):
    """A scenario or data file is invalid."""


class RuleFileError(_ProblemsError):
    """A rule file is invalid."""


class UnknownIdError(DetainerModelError):
    """A regime, jurisdiction, rule or case id that does not exist."""


class EvaluationError(DetainerModelError):
    """The rules could not decide a case."""


class RuleConflictError(EvaluationError):
    """Two applicable rules disagree and neither is declared an exception to the other."""


class RuleGapError(EvaluationError):
    """No rule decides an answer that the model requires."""


class EngineError(EvaluationError):
    """The rule engine failed, or broke one of its own promises."""

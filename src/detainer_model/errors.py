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


def bounded(lines: Sequence[str], limit: int = MAX_MESSAGE_LINES) -> list[str]:
    """At most ``limit`` lines: the first ones, then "... and N more"."""
    if len(lines) <= limit:
        return list(lines)
    return [*lines[: limit - 1], f"... and {len(lines) - (limit - 1)} more"]


@dataclass(frozen=True)
class Problem:
    """One located fault in an input file."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


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
    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
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

"""What a running server is given: its rules, scenario and class-set folders, and its limits.

The limits keep one request from occupying a shared classroom server: bodies and uploads are
size-limited, cases are capped in size, and searches and cohorts are bounded.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from ..rulebook.library import RuleLibrary, load_rules

MAX_BODY_BYTES = 256 * 1024  # a request body or an uploaded file
MAX_ITEMS = 25  # convictions or charges in one case
MAX_WHATIF_ITEMS = 12  # convictions plus charges before what-if searches single changes only
REQUEST_SECONDS = 20.0  # the longest any model work may take for one request
COHORT_SIZE = 400  # people in the policy lab's synthetic cohort
COHORT_SEED = 2015
MAX_SESSIONS = 500  # policy-lab sessions kept at once (the oldest is dropped)
MAX_SUBMISSIONS = 2000  # worksheet submissions kept per class set


def checkout_folder(name: str) -> Path | None:
    """A top-level folder of a source checkout (``scenarios``, ``exercises``), if there is one."""
    here = Path(__file__).resolve().parents[3] / name
    return here if here.is_dir() else None


@dataclass
class WebConfig:
    """The folders and keys of one server."""

    rules_dir: Path | None = None
    scenarios_dir: Path | None = field(default_factory=lambda: checkout_folder("scenarios"))
    class_sets: tuple[Path, ...] = ()
    instructor_key: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    request_seconds: float = REQUEST_SECONDS
    cohort_size: int = COHORT_SIZE

    def library(self) -> RuleLibrary:
        return load_rules(self.rules_dir)

    def class_set_folders(self) -> list[Path]:
        """The class sets to offer: the folders given, or every ``exercises/*/key.json`` of a checkout."""
        if self.class_sets:
            return list(self.class_sets)
        root = checkout_folder("exercises")
        if root is None:
            return []
        return sorted(p.parent for p in root.glob("*/key.json"))

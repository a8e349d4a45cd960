"""Per-browser sessions: a random cookie naming a private temporary folder.

A cookie is only ever looked up in the server's own table; it is never used to build a path, so
no request can reach a folder other than its own session's, inside the server's temporary root.
The oldest sessions are dropped (and their folders removed) beyond a fixed number.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

from ..rulebook.library import RuleLibrary
from .config import MAX_SESSIONS
from .lab import LabFolder

COOKIE = "dm_session"


class Session:
    """One browser's folder and its policy-lab copy of the rules."""

    def __init__(self, ident: str, folder: Path, lib: RuleLibrary) -> None:
        self.id = ident
        self.folder = folder
        self.lab = LabFolder(folder / "lab", lib)
        self.lock = threading.Lock()


class Sessions:
    """The server's sessions, under one temporary root folder removed on :meth:`close`."""

    def __init__(self, lib: RuleLibrary, limit: int = MAX_SESSIONS) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="detainer-model-web-")
        self.root = Path(self._tmp.name)
        self.lib = lib
        self.limit = limit
        self._by_id: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()
        self.scratch = self.root / "scratch"
        self.scratch.mkdir()

    def get(self, cookie: str | None) -> Session | None:
        with self._lock:
            found = self._by_id.get(cookie or "")
            if found is not None:
                self._by_id.move_to_end(found.id)
            return found

    def new(self) -> Session:
        ident = secrets.token_urlsafe(18)
        folder = self.root / f"s{len(self._by_id)}-{secrets.token_hex(4)}"
        folder.mkdir()
        made = Session(ident, folder, self.lib)
        with self._lock:
            self._by_id[ident] = made
            while len(self._by_id) > self.limit:
                _, old = self._by_id.popitem(last=False)
                shutil.rmtree(old.folder, ignore_errors=True)
        return made

    def close(self) -> None:
        self._tmp.cleanup()

"""Checking where a command will write, before it does any work.

An output that is one of the command's inputs would be replaced by the results (``batch
people.csv --out people.csv``); an output folder that holds an input could have it overwritten;
an output nobody can write would fail only after minutes of work. All three are refused up front,
as one located message, before anything is read or evaluated.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import InputError, Problem


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _inside(path: Path, folder: Path) -> Path | None:
    """``path`` relative to ``folder`` when it lies inside it."""
    try:
        inner, outer = path.resolve(), folder.resolve()
    except OSError:
        return None
    return inner.relative_to(outer) if inner.is_relative_to(outer) else None


def check_output(
    out: Path,
    inputs: Iterable[Path | None] = (),
    *,
    folder: bool = False,
    also: Iterable[Path] = (),
    writes: Iterable[str] = (),
    hidden: str | None = None,
) -> None:
    """Refuse (InputError) an output that is an input, would overwrite one, or cannot be written.

    ``folder``: the output is a folder the command writes into; ``writes``: the names (files or
    sub-folders) it writes there; ``hidden``: the prefix of the hidden names it keeps them under (an
    input reached through a report's links lies there). ``also``: other files written beside ``out``
    (a ``.meta.json``).
    An output folder inside an input folder is refused too (the outputs would become inputs).
    """
    names = set(writes)
    shown = str(out)
    given = [p for p in inputs if p is not None]
    targets = [out, *also]
    for p in given:
        for t in targets:
            if _same(p, t):
                raise InputError(
                    [Problem(shown, None, "", f"is also an input ({p}); write the output somewhere else")]
                )
        within = _inside(p, out) if folder else None
        first = within.parts[0] if within is not None and within.parts else ""
        overwritten = within is not None and (
            not first or first in names or bool(hidden and first.startswith(hidden))
        )
        if folder and (_same(p, out) or overwritten or (p.is_dir() and _inside(out, p) is not None)):
            raise InputError(
                [
                    Problem(
                        shown,
                        None,
                        "",
                        f"the output folder and the input {p} overlap (the outputs would replace or"
                        " join the inputs); choose a folder apart from them",
                    )
                ]
            )
    problem = _unwritable(out, folder)
    if problem is not None:
        raise InputError([Problem(shown, None, "", problem)])


def _unwritable(out: Path, folder: bool) -> str | None:
    if out.exists() or out.is_symlink():
        if folder and not out.is_dir():
            return "exists and is not a folder"
        if not folder and out.is_dir():
            return "is a folder; give a file name"
    directory = out if folder else out.parent
    probe = directory
    while not probe.exists():
        if probe.is_symlink():
            return f"cannot be written: {probe} is a broken symbolic link"
        parent = probe.parent
        if parent == probe:  # pragma: no cover - the root always exists
            break
        probe = parent
    if not probe.is_dir():
        return f"cannot be written: {probe} is not a folder"
    if probe == directory:
        try:
            with tempfile.TemporaryFile(dir=directory):
                pass
        except OSError as exc:
            return f"cannot be written: {exc.strerror or exc}"
    else:
        # try it: permission bits do not tell the whole story (root, read-only or virtual file systems)
        try:
            with tempfile.TemporaryDirectory(dir=probe, prefix=".detainer-model-probe."):
                pass
        except OSError:
            return f"cannot be written: cannot create folders in {probe}"
    return None


@contextlib.contextmanager
def write_errors_refused(target: Path) -> Iterator[None]:
    """Turn an OSError while writing ``target`` (a full disk, a folder made read-only since the
    check) into a located refusal (exit 2), not an internal error."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputError([Problem(str(target), None, "", f"cannot be written: {reason}")]) from None

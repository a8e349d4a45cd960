"""Replacing several files as one unit: both new or both old, never a mix.

A results table and its ``.meta.json`` (or a cohort's tables and ``manifest.json``) describe each
other; renamed one after the other, a run killed between the renames would leave new rows beside
the previous run's manifest. So the files of a *unit* are written whole into a fresh hidden folder
beside them (a *generation*), and the names the user asked for are fixed symbolic links through
one pointer::

    results.csv            -> .results.csv.current/results.csv
    results.csv.meta.json  -> .results.csv.current/results.csv.meta.json
    .results.csv.current   -> .results.csv.gen.<pid>.<random>      (the one thing a run changes)

A run replaces the pointer with one ``rename`` (a new link made under a temporary name, then
``os.replace`` over the old one), so every name switches to the new generation at the same instant;
the previous generation is removed afterwards. A name that is a regular file (written by an older
version, or a link the user replaced by a copy) is first *adopted*: its current contents are
hard-linked into a generation and the name replaced by the fixed link to the same bytes, so nothing
visible changes until the pointer moves. What a killed run leaves behind (a generation the pointer
does not name, a link under a temporary name) is removed at the start of the next run into the same
place; a generation still being written is locked (``flock``) by its writer and left alone, and a
temporary link named with a live writer's process id too. On a file system without symbolic links
(FAT, some network shares) the files are renamed into place one after another instead, and the
table digest a CSV's manifest records tells a reader when a killed run left a mixed pair.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import os
import secrets
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

GENERATION = "gen"
POINTER = "current"


def pointer_name(key: str) -> str:
    """The name of the unit's pointer link (``.KEY.current``)."""
    return f".{key}.{POINTER}"


def link_text(key: str, name: str) -> str:
    """What the fixed link ``name`` of the unit ``key`` holds (relative, so a copied folder works)."""
    return f"{pointer_name(key)}/{name}"


@contextlib.contextmanager
def replace_together(folder: Path, key: str, names: Sequence[str]) -> Iterator[Path]:
    """A fresh hidden folder to write the unit's files into; they replace ``names`` as one unit.

    ``names`` are the unit's visible file names in ``folder`` (its first name is usually ``key``).
    The block writes some or all of them (files, or folders of files) into the folder it is given;
    when it completes, every name
    shows the new files at once (a name not written disappears). When the block fails, nothing
    visible changes and the new files are removed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    clean_stale_units(folder, key)
    for name in names:
        clean_stale_temporaries(folder / name)
    with _new_generation(folder, key) as stage:
        try:
            yield stage
            _publish(folder, key, list(names), stage)
        except BaseException:
            if _current(folder, key) != stage.name:
                shutil.rmtree(stage, ignore_errors=True)
            raise


@contextlib.contextmanager
def _new_generation(folder: Path, key: str) -> Iterator[Path]:
    """A new, empty generation, locked while it is being written (so a cleaner leaves it alone)."""
    stage = folder / f".{key}.{GENERATION}.{os.getpid()}.{secrets.token_hex(4)}"
    stage.mkdir(mode=0o777)  # the umask applies, as for any folder the user makes
    fd = os.open(stage, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with contextlib.suppress(OSError):  # a file system without locks: no concurrent cleaner is kept out
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield stage
    finally:
        os.close(fd)  # the lock goes with it, as it does when the writer is killed


def _current(folder: Path, key: str) -> str | None:
    """The generation the unit's pointer names (None when there is no pointer)."""
    try:
        return os.readlink(folder / pointer_name(key))
    except OSError:
        return None


def _point(folder: Path, key: str, generation: str) -> None:
    """Switch the pointer to ``generation`` with one atomic rename."""
    tmp = folder / f"{pointer_name(key)}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    os.symlink(generation, tmp)
    try:
        os.replace(tmp, folder / pointer_name(key))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _link(folder: Path, key: str, name: str) -> None:
    """Make ``name`` the fixed link through the pointer (one rename over whatever was there)."""
    tmp = folder / f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    os.symlink(link_text(key, name), tmp)
    try:
        os.replace(tmp, folder / name)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _is_fixed_link(folder: Path, key: str, name: str) -> bool:
    try:
        return os.readlink(folder / name) == link_text(key, name)
    except OSError:
        return False


def _adopt(folder: Path, key: str, names: list[str]) -> None:
    """Turn names that are not yet the unit's fixed links into them, showing the same bytes throughout.

    A file is hard-linked into the adopted generation; a folder (a report's ``tables``) is moved
    into it once the pointer names it, and its link made at once: killed in between, the folder's
    name is missing for a moment but its files are the current generation's, never lost or mixed."""
    strangers = [n for n in names if not _is_fixed_link(folder, key, n)]
    present = [n for n in strangers if (folder / n).exists() or (folder / n).is_symlink()]
    if not present:
        for name in strangers:  # absent names: links that show nothing until the pointer exists
            _link(folder, key, name)
        return
    with _new_generation(folder, key) as adopted:
        for name in names:
            source = folder / name
            if source.is_file():
                _same_bytes(source, adopted / name)
        _point(folder, key, adopted.name)
    for name in strangers:
        source = folder / name
        if source.is_dir() and not source.is_symlink():
            os.rename(source, adopted / name)
        _link(folder, key, name)


def _same_bytes(source: Path, target: Path) -> None:
    real = source.resolve()
    try:
        os.link(real, target)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES):
            raise
        shutil.copy2(real, target)


_NO_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS}


def _links_work(folder: Path) -> bool:
    """Whether ``folder``'s file system takes symbolic links (FAT and some network shares do not)."""
    probe = folder / f".{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        os.symlink("probe", probe)
    except OSError as exc:
        if exc.errno in _NO_LINKS:
            return False
        raise
    probe.unlink()
    return True


def _publish_by_renames(folder: Path, names: list[str], stage: Path) -> None:
    """Without links: rename the files into place one after another (the manifest's digest of its
    table then tells a reader when a killed run left a mixed pair)."""
    for name in names:
        target = folder / name
        if target.is_dir() and not target.is_symlink():  # a folder is not replaced by a rename
            os.rename(target, stage / f".{name}.previous")
        if (stage / name).exists():
            os.replace(stage / name, target)
        else:
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
    shutil.rmtree(stage, ignore_errors=True)


def _publish(folder: Path, key: str, names: list[str], stage: Path) -> None:
    if not _links_work(folder):
        _publish_by_renames(folder, names, stage)
        return
    previous = {_current(folder, key)}
    _adopt(folder, key, names)
    previous.add(_current(folder, key))
    _point(folder, key, stage.name)  # the one step that switches every name
    for name in names:
        if not (stage / name).exists():
            with contextlib.suppress(FileNotFoundError):
                (folder / name).unlink()
    for before in previous:
        if before is not None and before != stage.name and _is_generation(key, before):
            shutil.rmtree(folder / before, ignore_errors=True)


def _is_generation(key: str, name: str) -> bool:
    return name.startswith(f".{key}.{GENERATION}.") and "/" not in name


def clean_stale_units(folder: Path, key: str) -> list[Path]:
    """Remove what killed writes of the unit ``key`` left in ``folder``: generations the pointer does
    not name and pointer links under temporary names, when their writer's process is gone."""
    current = _current(folder, key)
    removed: list[Path] = []
    prefix = f".{key}.{GENERATION}."
    for path in folder.glob(f"{glob.escape(prefix)}*"):
        pid = path.name[len(prefix) :].split(".", 1)[0]
        if path.name == current or not pid.isdigit() or path.is_symlink() or not path.is_dir():
            continue  # the unit's data, or not one of its generations
        if _remove_unlocked(path):
            removed.append(path)
    prefix = f"{pointer_name(key)}."
    for path in folder.glob(f"{glob.escape(prefix)}*.tmp"):
        pid = path.name[len(prefix) :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def _remove_unlocked(generation: Path) -> bool:
    """Remove a generation nobody is writing (a writer holds its lock until it has published)."""
    try:
        fd = os.open(generation, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # a live writer's
        shutil.rmtree(generation, ignore_errors=True)
        return True
    finally:
        os.close(fd)


def clean_stale_temporaries(path: Path) -> list[Path]:
    """Remove the temporary files (``.NAME.<pid>.<random>.tmp``) an interrupted write of ``path``
    left behind, when their writer's process is gone."""
    removed = []
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        pid_text = tmp.name[len(path.name) + 2 :].split(".", 1)[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue  # another file's temporary (.NAME.meta.json.<pid>...), or a live writer's
        with contextlib.suppress(OSError):
            tmp.unlink()
            removed.append(tmp)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

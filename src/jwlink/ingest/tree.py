"""The files of an ingest: which there are, where each is recorded, which may be read.

A folder's files are what they are called. A symbolic link is its own
product: recorded under its own name and path (`location_of`) with its
target's bytes, when its target lies inside the folder being ingested; a
link leading out of the folder, or nowhere, is refused (`refusal`), so an
ingest never reads a file the folder does not hold. Only regular files are
opened: `refusal` tells a FIFO, a device or a socket apart by ``lstat`` and
``stat`` before any byte is read, and `fingerprint` opens through
`jwlink.readers.regular.open_regular` (``O_NONBLOCK``, then ``fstat``), so a
FIFO swapped in after the check is refused too, never waited on.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from jwlink.errors import InputError
from jwlink.readers.regular import file_kind, open_regular

__all__ = ["fingerprint", "iter_files", "location_of", "refusal", "shown", "walk"]


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Yield every file under the given files and folders, in a stable order.

    Hidden files and folders are skipped; folder symlinks are not followed
    (a link loop must not hang an ingest). File symlinks, FIFOs and other
    non-regular entries are yielded: `refusal` says which may be read.
    """
    for path, _root, _location in walk(paths):
        yield path


def walk(paths: Iterable[str | os.PathLike[str]]) -> Iterator[tuple[Path, str, str]]:
    """`iter_files`, each file with the real path of its folder root and its `location_of`.

    A file given by itself is under its own folder: a link there may lead
    to a file beside it, not elsewhere. Each folder is resolved once, not
    once per file (a resolve is a system call per component), files named
    one by one (``jwlink ingest dir/*.fits``) included.
    """
    parents: dict[Path, Path] = {}
    for raw in paths:
        root = Path(raw)
        if root.is_dir():
            real = str(root.resolve())
            for folder, dirs, files in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                here = Path(folder).absolute().resolve()
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(folder) / name, real, str(here / name)
        else:
            absolute = root.absolute()
            parent = parents.get(absolute.parent)
            if parent is None:
                parent = parents[absolute.parent] = absolute.parent.resolve()
            yield root, str(parent), str(parent / absolute.name)


def location_of(path: str | os.PathLike[str]) -> str:
    """Return the absolute path a file is recorded under: its folder resolved, its name kept.

    A symbolic link keeps its own name (it is its own product). Only the
    folders above it are resolved, so a folder named relatively or reached
    through a link records the same location each time, and a regular file
    the same location as before links were told apart (``Path.resolve``).
    """
    absolute = Path(path).absolute()
    return str(absolute.parent.resolve() / absolute.name)


def refusal(path: Path, root: str) -> tuple[bool, str] | None:
    """Return why a file must not be read, or None if it may be.

    Checked with ``lstat`` and ``stat`` before any byte is read. A symbolic
    link may be read when its target (every link of a chain followed) is a
    regular file inside ``root``.

    Parameters
    ----------
    path : Path
        The file, as found.
    root : str
        The real path (``Path.resolve``) of the folder being ingested.

    Returns
    -------
    tuple of (bool, str) or None
        ``(skipped, reason)``: ``skipped`` is True for a file that is not a
        regular file (a FIFO, a device, a socket); False for an error (no
        such file, a dangling link, a link out of the folder).
    """
    try:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            return _link_refusal(path, root)
    except FileNotFoundError:
        return False, "no such file"
    except OSError as err:
        return False, f"cannot read the file: {err.strerror or err}"
    return _kind_refusal(mode)


def _link_refusal(path: Path, root: str) -> tuple[bool, str] | None:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False, "a symbolic link that leads nowhere (its target is missing, or links loop)"
    target = str(path.resolve())
    if os.path.commonpath([target, root]) != root:
        # The target is not named: where a link points is not this report's to show.
        msg = (
            f"a symbolic link to a file outside the folder being ingested ({shown(Path(root))}): "
            "refused, not read (ingest the file where it lives, or copy it in)"
        )
        return False, msg
    return _kind_refusal(mode)


def _kind_refusal(mode: int) -> tuple[bool, str] | None:
    if stat.S_ISREG(mode):
        return None
    return True, f"{file_kind(mode)}, not a regular file: skipped, never opened"


def fingerprint(path: Path, stop: threading.Event | None = None) -> tuple[str, int, int]:
    """Return a file's SHA-256, size and modification time (ns), read through one descriptor.

    Parameters
    ----------
    path : Path
        A file `refusal` let through.
    stop : threading.Event, optional
        Checked between chunks: once set, the hash ends (an `InputError`),
        so an interrupted ingest does not wait for a big file's last byte.

    Raises
    ------
    InputError
        Not a regular file (one swapped in after `refusal`), unreadable, or
        changed while it was read: the size and time returned are always
        those of the bytes hashed.
    """
    digest = hashlib.sha256()
    size = 0
    with open_regular(path) as handle:
        before = os.fstat(handle.fileno())
        while chunk := handle.read(1 << 20):
            if stop is not None and stop.is_set():
                raise InputError(shown(path), "not hashed: the ingest stopped")
            digest.update(chunk)
            size += len(chunk)
        after = os.fstat(handle.fileno())
    if (size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        msg = "the file changed while it was read: ingest it again once it is complete"
        raise InputError(shown(path), msg)
    return digest.hexdigest(), size, after.st_mtime_ns


def shown(path: str | os.PathLike[str]) -> str:
    r"""Return a path as printable text; bytes that are not UTF-8 appear as ``\xNN``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")

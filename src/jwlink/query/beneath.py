"""Open a file beneath a folder, whatever is swapped meanwhile (RESOLVE_BENEATH in user space).

``realpath()`` then ``open()`` checks one path and opens another: a folder
swapped for a symlink in between (a ``renameat2`` exchange) leads the open
out of the data root. Here every component is opened relative to the
directory handle of the one before, without following links, so what is
checked is what is opened. A symlink met on the way is followed only as
Linux's ``openat2(RESOLVE_BENEATH)`` would: its target is spliced into the
remaining components, ``..`` pops a stack of directory handles and never
climbs above the root, an absolute target is taken only when it lies under
the root, and at most `MAX_LINKS` links are expanded (then ``ELOOP``).
Python has no ``openat2`` wrapper, and this walk also runs on macOS.

Every refusal is an `OSError` (``EXDEV`` for a way out, ``ELOOP``, ``ENOENT``,
``EISDIR``/``EINVAL`` for what is not a regular file): callers answer them
all as "not served".
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from collections import deque
from pathlib import Path, PurePosixPath

__all__ = ["MAX_LINKS", "open_beneath", "relative_parts"]

# Linux's limit on symlinks followed in one resolution (MAXSYMLINKS).
MAX_LINKS = 40
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | _CLOEXEC
# O_NONBLOCK: a FIFO put where a file was must not block the open (it is
# refused after fstat); the flag is cleared before the file is read.
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | _CLOEXEC


def _refused(code: int, what: str) -> OSError:
    return OSError(code, os.strerror(code), what)


def relative_parts(location: str, root: Path) -> list[str]:
    """Return the components of ``location`` below ``root``.

    The root may be reached through a symlink (``/tmp`` is ``/private/tmp``
    on macOS): a location written under either spelling is accepted.

    Raises
    ------
    OSError
        ``EXDEV``: the location is not under the root by either spelling.
    """
    # abspath, not resolve(): the spelling through the link is one of the two.
    spellings = (os.path.abspath(root), os.path.realpath(root))  # noqa: PTH100
    bases = [PurePosixPath(b).parts for b in spellings]
    parts = _parts(location)
    found = _below(parts, bases)
    if found is None:
        # The location's folder spelled through a link outside the root
        # (/tmp/... for a root given as /private/tmp/...): its real folder
        # says where it is. Only the split is taken from it: the walk
        # checks every component again, beneath the root.
        try:
            folder = os.path.realpath(PurePosixPath(location).parent)
        except OSError as err:
            raise _refused(errno.EXDEV, location) from err
        found = _below([*_parts(folder), *parts[-1:]], bases)
    if found is None:
        raise _refused(errno.EXDEV, location)
    return found


def _parts(path: str) -> list[str]:
    return [p for p in PurePosixPath(path).parts if p not in ("", ".")]


def _below(parts: list[str], bases: list[tuple[str, ...]]) -> list[str] | None:
    for prefix in bases:
        if len(parts) > len(prefix) and tuple(parts[: len(prefix)]) == prefix:
            return parts[len(prefix) :]
    return None


def open_beneath(root: Path, location: str) -> int:
    """Open the regular file at ``location`` (absolute) for reading, never leaving ``root``.

    Parameters
    ----------
    root : Path
        The folder nothing may be read outside of (opened by its own path:
        the root itself is the operator's, and trusted).
    location : str
        The file's absolute path, as the catalog holds it.

    Returns
    -------
    int
        A blocking, read-only file descriptor of a regular file; the caller
        closes it.

    Raises
    ------
    OSError
        The file is missing, not a regular file, or reached only by leaving
        the root (``EXDEV``) or through more than `MAX_LINKS` links (``ELOOP``).
    """
    if "\x00" in location or not PurePosixPath(location).is_absolute():
        raise _refused(errno.EINVAL, location)
    pending = deque(relative_parts(location, root))
    stack = [os.open(os.path.realpath(root), _DIRECTORY & ~os.O_NOFOLLOW)]
    links = 0
    try:
        while pending:
            name = pending.popleft()
            if name in ("", "."):
                continue
            if name == "..":
                if len(stack) == 1:  # above the root: RESOLVE_BENEATH says EXDEV
                    raise _refused(errno.EXDEV, location)
                os.close(stack.pop())
                continue
            last = not pending
            try:
                fd = os.open(name, _FILE if last else _DIRECTORY, dir_fd=stack[-1])
            except OSError as err:
                target = _link_target(name, stack[-1], err)
                links += 1
                if links > MAX_LINKS:
                    raise _refused(errno.ELOOP, location) from err
                if target.startswith("/"):
                    pending.extendleft(reversed(relative_parts(target, root)))
                    while len(stack) > 1:  # an absolute target starts again at the root
                        os.close(stack.pop())
                else:
                    pending.extendleft(reversed(target.split("/")))
                continue
            if last:
                return _regular(fd, location)
            stack.append(fd)
        raise _refused(errno.EISDIR, location)  # the root itself, or a path ending in ".."
    finally:
        for fd in stack:
            os.close(fd)


def _link_target(name: str, dir_fd: int, err: OSError) -> str:
    """Return the target of the symlink ``name`` in ``dir_fd``; re-raise ``err`` if not a link."""
    try:
        return os.readlink(name, dir_fd=dir_fd)
    except OSError:
        raise err from None


def _regular(fd: int, location: str) -> int:
    """Return ``fd`` made blocking if it is a regular file; close it and refuse otherwise."""
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
        if regular:
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
            fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
    except BaseException:
        os.close(fd)
        raise
    if not regular:
        os.close(fd)
        raise _refused(errno.EINVAL, location)
    return fd

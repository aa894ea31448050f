"""Open only regular files, read bounded prefixes, refuse endless lines.

Everything ingest reads from a folder goes through here first: a FIFO named
``jw01234_products.csv`` must not block a read, a link to ``/dev/zero`` must
not feed a sniff forever, and a 300 MB CSV without a newline must not become
one 300 MB line in memory.

`open_regular` opens with ``O_NONBLOCK`` (a FIFO swapped in after a check
never blocks the open) and refuses, by ``fstat`` of the open descriptor, what
is not a regular file. `read_head` is the bounded read every by-content
classification (a *sniff*) uses; it never raises: a file it cannot read is
"not this kind", and the reader or the ingest says why. `refuse_long_lines`
streams a text file once and refuses a line longer than `MAX_LINE` before a
reader hands the file to a library that holds a line whole.
"""

from __future__ import annotations

import io
import os
import re
import stat

from jwlink.errors import InputError

__all__ = ["MAX_LINE", "SNIFF_BYTES", "describe_bytes", "file_kind", "open_regular", "read_head",
           "refuse_long_lines"]  # fmt: skip

# How much of a file a sniff reads: a listing or table says what it is in its
# first lines, and 64 KiB holds hundreds of them.
SNIFF_BYTES = 1 << 16
# The longest line a text table or listing may hold. A MAST product-list row
# is well under 2 KiB (mast-api.md §2: about 30 short columns); 1 MiB leaves
# room for any real one while a line without end is refused before it is held.
MAX_LINE = 1 << 20
_CHUNK = 1 << 20
_EOL = re.compile(rb"\r\n?|\n")
# O_NOCTTY: opening a terminal device must not make it this process's terminal.
_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)


def file_kind(mode: int) -> str:
    """Return what a ``st_mode`` says a file is, in words (``a FIFO (named pipe)``)."""
    if stat.S_ISREG(mode):
        return "a regular file"
    return next((words for test, words in _KINDS if test(mode)), "not a regular file")


def open_regular(path: str | os.PathLike[str]) -> io.BufferedReader:
    """Open a regular file for binary reading; refuse anything else without blocking.

    Parameters
    ----------
    path : str or PathLike
        The file (symbolic links are followed: the caller decides which it allows).

    Returns
    -------
    io.BufferedReader
        The open file, to be closed by the caller (a ``with`` block).

    Raises
    ------
    InputError
        The file is a FIFO, a device, a socket or a folder (the message says
        which), or it cannot be opened (``OSError``'s reason).
    """
    shown = os.fsdecode(path)
    try:
        fd = os.open(path, _FLAGS)
    except OSError as err:
        raise InputError(shown, f"cannot read the file: {err.strerror or err}") from err
    try:
        mode = os.fstat(fd).st_mode
    except OSError as err:
        os.close(fd)
        raise InputError(shown, f"cannot read the file: {err.strerror or err}") from err
    if not stat.S_ISREG(mode):
        os.close(fd)
        msg = f"cannot read the file: it is {file_kind(mode)}, not a regular file"
        raise InputError(shown, msg)
    # Regular files ignore O_NONBLOCK; it was there for the open only.
    return os.fdopen(fd, "rb")


def read_head(path: str | os.PathLike[str], limit: int = SNIFF_BYTES) -> tuple[bytes, bool]:
    """Return at most ``limit`` first bytes of a regular file, and whether it goes on.

    A file that is not regular or cannot be opened reads as empty: a sniff
    then says "not this kind", and whoever reads the file reports why.
    """
    try:
        with open_regular(path) as handle:
            raw = handle.read(limit + 1)
    except (InputError, OSError):
        return b"", False
    return raw[:limit], len(raw) > limit


def refuse_long_lines(
    path: str | os.PathLike[str],
    error: type[InputError] = InputError,
    limit: int = MAX_LINE,
) -> None:
    r"""Read a text file once and refuse it if a line is longer than ``limit`` bytes.

    Memory stays at one chunk whatever the file holds. Lines end at ``\n``
    or ``\r``.

    Raises
    ------
    InputError
        (or ``error``, a subclass) naming the line and the bound; also a file
        that is not regular or cannot be read.
    """
    with open_regular(path) as handle:
        line, run = 1, 0  # run: bytes of the current line read so far
        while chunk := handle.read(_CHUNK):
            start = 0
            while (end := _EOL.search(chunk, start)) is not None:
                if run + end.start() - start > limit:
                    break
                line, run, start = line + 1, 0, end.end()
            else:
                run += len(chunk) - start
                if run <= limit:
                    continue
            msg = (
                f"line {line} is longer than {limit:,} bytes: a text table or list holds "
                "short lines (is this file what its name says?)"
            )
            raise error(os.fsdecode(path), msg)


def describe_bytes(head: bytes) -> str:
    """Say what kind of bytes a file begins with, never what they are.

    For error messages: ``"11 bytes of text"``, ``"binary data"``, ``"nothing
    (the file is empty)"``. A message must not quote a file's contents (a
    link to a private file would show them).
    """
    if not head:
        return "nothing (the file is empty)"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "binary data"
    if b"\0" in head:
        return "binary data"
    return f"{len(head)} bytes of text"

"""Association pool reader (``*_pool.csv``): one L1b exposure per row.

Pools are ``|``-delimited tables with a header row; lines starting ``#`` are
comments (jwst-data.md §3). Like ``AssociationPool.read`` jwlink lower-cases
column names and treats the null-like values of ``dms_base._EMPTY`` as absent.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from jwlink.core.model import PoolExposure
from jwlink.errors import InvalidName, PoolError
from jwlink.naming import bare_name
from jwlink.readers.regular import open_regular, read_head

__all__ = ["NULL_VALUES", "REQUIRED_COLUMNS", "looks_like_pool", "read_pool"]

# dms_base._EMPTY: values that mean "no value" in a pool. N and F double as
# "false" flags, so a flag column is false when absent.
NULL_VALUES = frozenset(
    {"None", "", "NULL", "Null", "null", "--", "N", "n", "F", "f", "FALSE", "false", "False",
     "N/A", "n/a"}
)  # fmt: skip
# Without these jwlink cannot name the exposure or say what it is.
REQUIRED_COLUMNS = ("filename", "program", "exp_type", "instrume")
# mega_pool.csv carries "set acid" pseudo-rows that configure the jwst test
# harness; they describe no exposure.
_PSEUDO_ROWS = frozenset({"set acid"})
MAX_LINE = 1 << 20
_CHUNK = 1 << 20


class Digest(Protocol):
    """What `read_pool` needs of a ``hashlib`` hash: it is fed every byte read."""

    def update(self, data: bytes | memoryview, /) -> None: ...


class _Hashing(io.RawIOBase):
    """A binary file that feeds every byte read to a digest (`read_pool`'s ``digest``)."""

    def __init__(self, raw: io.BufferedReader, digest: Digest) -> None:
        super().__init__()
        self._raw, self._digest = raw, digest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._raw.readinto(buffer)
        if count:
            self._digest.update(memoryview(buffer)[:count])
        return count or 0


def _lines(path: Path, digest: Digest | None = None) -> Iterator[tuple[int, str]]:
    try:
        raw = open_regular(path)  # a FIFO or device in its place is refused, never waited on
        source: io.BufferedReader = raw
        if digest is not None:
            source = io.BufferedReader(_Hashing(raw, digest), _CHUNK)
        # utf-8-sig: a byte-order mark (Windows editors) is dropped, not read as
        # part of the first column's name. newline="": lines end as they did
        # with text-mode open (\n, \r\n or \r), so line numbers are the same.
        with raw, io.TextIOWrapper(source, encoding="utf-8-sig", newline="") as handle:
            number = 0
            # readline with a limit: a line without end (a 300 MB file with no
            # newline) is refused after MAX_LINE characters, not held whole.
            while line := handle.readline(MAX_LINE + 1):
                number += 1
                if len(line) > MAX_LINE:
                    raise PoolError(str(path), f"line {number} is over {MAX_LINE} characters")
                yield number, line.rstrip("\r\n")
    except UnicodeDecodeError as err:
        raise PoolError(str(path), f"not UTF-8 text (byte {err.start})") from err
    except OSError as err:
        raise PoolError(str(path), f"cannot be read: {err.strerror or err}") from err


def _header(path: Path, number: int, cells: list[str]) -> list[str]:
    """Return the lower-case column names; every required one present, none twice."""
    header = [c.lower() for c in cells]
    missing = [c.upper() for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise PoolError(str(path), f"line {number}: header lacks column(s) {', '.join(missing)}")
    seen: set[str] = set()
    for column in header:
        if column in seen and column:  # a repeat would silently shadow the first
            msg = f"line {number}: header names column {column.upper()} twice"
            raise PoolError(str(path), msg)
        seen.add(column)
    return header


def looks_like_pool(path: str | os.PathLike[str]) -> bool:
    """Return whether a CSV file's first data line is a pool header (``FILENAME|...``).

    Only the first 64 KiB are read (`jwlink.readers.regular.read_head`): a
    first data line that does not end within them is not a pool header, and
    a file that is not regular is not a pool.
    """
    head, more = read_head(path)
    lines = head.decode("utf-8", "replace").removeprefix("\ufeff").splitlines(keepends=True)
    for number, line in enumerate(lines):
        if line.strip() and not line.startswith("#"):
            # The last line of a cut head may be cut short: unknown, so not a pool.
            if more and number == len(lines) - 1 and not line.endswith(("\n", "\r")):
                return False
            return line.lower().startswith("filename|")
    return False


def read_pool(path: str | os.PathLike[str], digest: Digest | None = None) -> Iterator[PoolExposure]:
    """Yield the exposures of an association pool, one per row.

    Rows are read as they are yielded: a pool of any size is never held whole.

    Parameters
    ----------
    path : str or PathLike
        A pipe-delimited pool file.
    digest : hashlib hash, optional
        Fed every byte of the file as it is read: once the rows are all
        read, it says what they were read from (a file read twice can be
        proven unchanged between the readings).

    Yields
    ------
    PoolExposure
        The row's file name and every non-null column (lower-case keys).

    Raises
    ------
    PoolError
        No header, a required column missing, a row with the wrong number
        of fields, or an unrendered template cell (``@!...``); the message
        names the line and column.
    """
    p = Path(path)
    header: list[str] | None = None
    for number, line in _lines(p, digest):
        if not line.strip() or line.startswith("#"):
            continue
        cells = [c.strip() for c in line.split("|")]
        if header is None:
            header = _header(p, number, cells)
            at_filename = header.index("filename")
            # Unnamed columns may repeat (a trailing "|"): the last one's value counts.
            repeats = len(set(header)) < len(header)
            continue
        if len(cells) != len(header):
            msg = f"line {number}: {len(cells)} fields where the header has {len(header)}"
            raise PoolError(str(p), msg)
        filename = cells[at_filename]
        if filename.lower() in _PSEUDO_ROWS:
            continue
        if "\x00" in line:  # PostgreSQL text cannot hold NUL; no pool has a reason to
            column = next(c for c, v in zip(header, cells, strict=True) if "\x00" in v)
            raise PoolError(str(p), f"line {number}, column {column.upper()}: a NUL byte")
        if "@!" in line:  # a template cell starts so: the cells are only looked at if one may
            _refuse_template(p, number, dict(zip(header, cells, strict=True)))
        if filename in NULL_VALUES:
            raise PoolError(str(p), f"line {number}, column FILENAME: no file name")
        try:
            bare_name(filename)
        except InvalidName as err:
            msg = f"line {number}, column FILENAME: {filename[:80]!r}: {err.reason}"
            raise PoolError(str(p), msg) from err
        pairs: Iterator[tuple[str, str]] = zip(header, cells, strict=True)  # lengths checked
        if repeats:
            pairs = iter(dict(pairs).items())
        columns = {k: v for k, v in pairs if v not in NULL_VALUES}
        yield PoolExposure(pool=p.name, line=number, filename=filename, columns=columns)
    if header is None:
        raise PoolError(str(p), "no header row (expected 'FILENAME|...')")


def _refuse_template(path: Path, number: int, row: dict[str, str]) -> None:
    """Raise `PoolError` if a cell of the row is a jwst test-pool template (``@!...``)."""
    for column, value in row.items():
        if value.startswith("@!"):
            msg = (
                f"line {number}, column {column.upper()}: template cell '{value[:40]}'; "
                "this is an unrendered jwst test pool; render it first "
                "(jwst.associations.tests.helpers.combine_pools)"
            )
            raise PoolError(str(path), msg)

"""Association pool reader (``*_pool.csv``): one L1b exposure per row.

Pools are ``|``-delimited tables with a header row; lines starting ``#`` are
comments (jwst-data.md §3). Like ``AssociationPool.read`` jwlink lower-cases
column names and treats the null-like values of ``dms_base._EMPTY`` as absent.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from jwlink.core.model import PoolExposure
from jwlink.errors import InvalidName, PoolError
from jwlink.naming import bare_name

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


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        # utf-8-sig: a byte-order mark (Windows editors) is dropped, not read as
        # part of the first column's name.
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            for number, line in enumerate(handle, start=1):
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
    """Return whether a CSV file's first data line is a pool header (``FILENAME|...``)."""
    try:
        with Path(path).open("r", encoding="utf-8-sig", errors="replace") as handle:
            for line in handle:
                if line.strip() and not line.startswith("#"):
                    return line.lower().startswith("filename|")
    except OSError:
        return False
    return False


def read_pool(path: str | os.PathLike[str]) -> Iterator[PoolExposure]:
    """Yield the exposures of an association pool, one per row.

    Parameters
    ----------
    path : str or PathLike
        A pipe-delimited pool file.

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
    for number, line in _lines(p):
        if not line.strip() or line.startswith("#"):
            continue
        cells = [c.strip() for c in line.split("|")]
        if header is None:
            header = _header(p, number, cells)
            continue
        if len(cells) != len(header):
            msg = f"line {number}: {len(cells)} fields where the header has {len(header)}"
            raise PoolError(str(p), msg)
        row = dict(zip(header, cells, strict=True))
        filename = row["filename"]
        if filename.lower() in _PSEUDO_ROWS:
            continue
        if "\x00" in line:  # PostgreSQL text cannot hold NUL; no pool has a reason to
            column = next(c for c, v in row.items() if "\x00" in v)
            raise PoolError(str(p), f"line {number}, column {column.upper()}: a NUL byte")
        for column, value in row.items():
            if value.startswith("@!"):
                msg = (
                    f"line {number}, column {column.upper()}: template cell '{value[:40]}'; "
                    "this is an unrendered jwst test pool; render it first "
                    "(jwst.associations.tests.helpers.combine_pools)"
                )
                raise PoolError(str(p), msg)
        if filename in NULL_VALUES:
            raise PoolError(str(p), f"line {number}, column FILENAME: no file name")
        try:
            bare_name(filename)
        except InvalidName as err:
            msg = f"line {number}, column FILENAME: {filename[:80]!r}: {err.reason}"
            raise PoolError(str(p), msg) from err
        columns = {k: v for k, v in row.items() if v not in NULL_VALUES}
        yield PoolExposure(pool=p.name, line=number, filename=filename, columns=columns)
    if header is None:
        raise PoolError(str(p), "no header row (expected 'FILENAME|...')")

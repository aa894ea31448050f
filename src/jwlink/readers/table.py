"""MAST product-list tables exported from astroquery (ECSV, CSV, VOTable)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from astropy.table import Table

from jwlink.core.model import ListedProduct
from jwlink.errors import InvalidName, ProductTableError
from jwlink.naming import bare_name

__all__ = ["FORMATS", "REQUIRED_COLUMNS", "cell_value", "read_product_table", "read_table"]

# File ending -> astropy.table format name.
FORMATS = {
    ".ecsv": "ascii.ecsv",
    ".csv": "ascii.csv",
    ".xml": "votable",
    ".vot": "votable",
    ".votable": "votable",
}
# The columns jwlink cannot do without (mast-api.md §2).
# A trimmed export or a manifest may lack obs_id, obsID and parent_obsid: the
# linker then places each file by its name (issue 11). Only the file is needed.
REQUIRED_COLUMNS = ("productFilename",)
_BYTE_UNITS = ("", "byte", "bytes", "B")
# Columns the linker reads as whole numbers, with the least value each may take.
_WHOLE = {"size": 0, "calib_level": -1}
_INT64_MAX = 2**63 - 1  # what both catalogs' INTEGER columns hold


def cell_value(value: Any) -> str | int | float | None:
    """Return a table cell as a plain Python value; masked and NaN cells are None."""
    if value is np.ma.masked:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, float) and np.isnan(value):
        return None
    return value  # type: ignore[no-any-return]


def read_table(path: Path) -> Table:
    """Read a table in the format its ending names (`FORMATS`).

    Raises
    ------
    ProductTableError
        Unknown ending, NUL bytes in a text table, or a table astropy cannot read.
    """
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        msg = f"unknown table format '{path.suffix}' (expected {', '.join(FORMATS)})"
        raise ProductTableError(str(path), msg)
    try:
        if fmt.startswith("ascii."):
            _refuse_nul(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Table.read(path, format=fmt)
    except ProductTableError:
        raise
    except Exception as err:  # astropy raises many types for bad tables
        raise ProductTableError(str(path), f"not a readable {fmt} table: {err}") from err


def _refuse_nul(path: Path) -> None:
    # numpy strings end at a NUL, so astropy would read "jw\x001" as "jw" without a word.
    with path.open("rb") as handle:
        offset = 0
        while chunk := handle.read(1 << 20):
            if (at := chunk.find(b"\0")) >= 0:
                msg = f"a NUL byte at byte {offset + at}; a text table holds none"
                raise ProductTableError(str(path), msg)
            offset += len(chunk)


def read_product_table(path: str | os.PathLike[str]) -> Iterator[ListedProduct]:
    """Yield the rows of a MAST product-list table.

    Parameters
    ----------
    path : str or PathLike
        An astroquery ``get_product_list`` result written as ECSV, CSV or VOTable.

    Yields
    ------
    ListedProduct
        One per row, with every column's value (masked -> None).

    Raises
    ------
    ProductTableError
        Unreadable, lacking ``productFilename``, a ``size``
        column in units other than bytes, or a row whose file name is not a
        bare file name or whose ``size``/``calib_level`` is not a whole number.
    """
    p = Path(path)
    table = read_table(p)
    missing = [c for c in REQUIRED_COLUMNS if c not in table.colnames]
    if missing:
        msg = f"missing column(s) {', '.join(missing)} (a MAST product list names each file in it)"
        raise ProductTableError(str(p), msg)
    if "size" in table.colnames:
        unit = str(table["size"].unit or "")
        if unit not in _BYTE_UNITS:
            raise ProductTableError(str(p), f"column size is in '{unit}'; expected bytes")
    names = table.colnames
    for name in names:
        if table[name].ndim > 1:
            shape = table[name].shape[1:]
            msg = f"column {name} holds arrays of shape {shape}; expected one value a row"
            raise ProductTableError(str(p), msg)
    for number, row in enumerate(table, start=1):
        columns = {name: cell_value(row[name]) for name in names}
        yield ListedProduct(source=p.name, line=number, columns=_checked(p, number, columns))


def _checked(path: Path, number: int, columns: dict[str, Any]) -> dict[str, Any]:
    """Return one row's values after checking what the linker relies on."""
    where = f"row {number}"
    filename = columns.get("productFilename")
    if not isinstance(filename, str) or not filename.strip():
        what = "empty" if filename is None or filename == "" else f"{filename!r}, not a file name"
        raise ProductTableError(str(path), f"{where}: productFilename is {what}")
    if "/" in filename or "\\" in filename:
        msg = f"{where}: productFilename '{filename}' is a path, expected a file name"
        raise ProductTableError(str(path), msg)
    try:
        bare_name(filename)
    except InvalidName as err:
        msg = f"{where}: productFilename {filename[:80]!r}: {err.reason}"
        raise ProductTableError(str(path), msg) from err
    for name, value in columns.items():
        if isinstance(value, str) and "\x00" in value:  # PostgreSQL text cannot hold NUL
            raise ProductTableError(str(path), f"{where}, column {name}: a NUL character")
    for name, least in _WHOLE.items():
        value = columns.get(name)
        if value is None:
            continue
        whole = isinstance(value, int | float) and not isinstance(value, bool)
        if whole and isinstance(value, float):
            whole = value.is_integer()  # False for inf and nan too
            value = int(value) if whole else value
        if not whole or not least <= value <= _INT64_MAX:
            what = "out of range" if whole else "not a whole number"
            unit = " bytes" if name == "size" else ""
            msg = f"{where}, column {name}: {value!r} is {what} ({least} to 2**63-1{unit})"
            raise ProductTableError(str(path), msg)
        columns[name] = value
    return columns

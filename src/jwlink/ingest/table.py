"""MAST product-list tables exported from astroquery (ECSV, CSV, VOTable)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from astropy.table import Table

from jwlink.errors import ProductTableError
from jwlink.model import ListedProduct

__all__ = ["FORMATS", "REQUIRED_COLUMNS", "read_product_table"]

# File ending -> astropy.table format name.
FORMATS = {
    ".ecsv": "ascii.ecsv",
    ".csv": "ascii.csv",
    ".xml": "votable",
    ".vot": "votable",
    ".votable": "votable",
}
# The columns jwlink cannot do without (mast-api.md §2).
REQUIRED_COLUMNS = ("obs_id", "productFilename")
_BYTE_UNITS = ("", "byte", "bytes", "B")


def _value(value: Any) -> str | int | float | None:
    if value is np.ma.masked:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, float) and np.isnan(value):
        return None
    return value  # type: ignore[no-any-return]


def _read(path: Path) -> Table:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        msg = f"unknown table format '{path.suffix}' (expected {', '.join(FORMATS)})"
        raise ProductTableError(str(path), msg)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Table.read(path, format=fmt)
    except Exception as err:  # astropy raises many types for bad tables
        raise ProductTableError(str(path), f"not a readable {fmt} table: {err}") from err


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
        Unreadable, lacking ``obs_id``/``productFilename``, or a ``size``
        column in units other than bytes.
    """
    p = Path(path)
    table = _read(p)
    missing = [c for c in REQUIRED_COLUMNS if c not in table.colnames]
    if missing:
        msg = f"missing column(s) {', '.join(missing)} (a MAST product list has them)"
        raise ProductTableError(str(p), msg)
    if "size" in table.colnames:
        unit = str(table["size"].unit or "")
        if unit not in _BYTE_UNITS:
            raise ProductTableError(str(p), f"column size is in '{unit}'; expected bytes")
    names = table.colnames
    for number, row in enumerate(table, start=1):
        columns = {name: _value(row[name]) for name in names}
        filename = columns.get("productFilename")
        if not isinstance(filename, str) or not filename.strip():
            raise ProductTableError(str(p), f"row {number}: productFilename is empty")
        if "/" in filename or "\\" in filename:
            msg = f"row {number}: productFilename '{filename}' is a path, expected a file name"
            raise ProductTableError(str(p), msg)
        yield ListedProduct(source=p.name, line=number, columns=columns)

"""MAST product-list and observation tables exported from astroquery (ECSV, CSV, VOTable)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from astropy.table import Table

from jwlink.core.model import ListedProduct
from jwlink.core.release import release_iso
from jwlink.errors import InputError, InvalidName, ProductTableError
from jwlink.naming import Form, bare_name, describe
from jwlink.readers.regular import open_regular, refuse_long_lines

__all__ = [
    "FORMATS",
    "OBSERVATION_COLUMNS",
    "REQUIRED_COLUMNS",
    "cell_value",
    "checked_row",
    "read_observation_table",
    "read_product_table",
    "read_table",
    "refuse_text_hazards",
]

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
# A MAST observation table (mast-api.md §3) names observations, not files:
# obs_id, and the rights that make it worth reading.
OBSERVATION_COLUMNS = ("obs_id", "dataRights", "t_obs_release")
# Observation columns read as numbers (degrees, MJD, seconds).
_NUMBERS = ("s_ra", "s_dec", "t_min", "t_max", "t_exptime")


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
        Unknown ending, NUL bytes or a line longer than
        `jwlink.readers.regular.MAX_LINE` in a text table, or a table astropy
        cannot read (astropy's first line of explanation; never the file's
        rows, which astropy quotes on the lines after).
    InputError
        Not a regular file, or it cannot be opened.
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
    except InputError:
        raise
    except Exception as err:  # astropy raises many types for bad tables
        raise ProductTableError(str(path), f"not a readable {fmt} table: {_why(err)}") from err


def _why(err: Exception) -> str:
    # astropy's first line says what is wrong; the next ones ("Header values:
    # [...]", "Data values: [...]") quote the file, which a message never does.
    first = str(err).strip().split("\n", 1)[0]
    return first if len(first) <= 200 else first[:200] + "..."


def _refuse_nul(path: Path) -> None:
    # numpy strings end at a NUL, so astropy would read "jw\x001" as "jw" without a word.
    # astropy holds a line whole (and a 300 MB one twice): refuse endless lines first.
    refuse_long_lines(path, ProductTableError)
    with open_regular(path) as handle:
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
    _check_release(path, where, columns)
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


def _check_release(path: Path, where: str, columns: dict[str, Any]) -> None:
    """Check (and write as ISO text) a row's ``t_obs_release``: an MJD or an ISO date."""
    try:
        columns["t_obs_release"] = release_iso(columns.get("t_obs_release"))
    except ValueError as err:
        raise ProductTableError(str(path), f"{where}, column t_obs_release: {err}") from err


def _columns_of(path: Path, table: Table) -> list[str]:
    names: list[str] = table.colnames
    for name in names:
        if table[name].ndim > 1:
            shape = table[name].shape[1:]
            msg = f"column {name} holds arrays of shape {shape}; expected one value a row"
            raise ProductTableError(str(path), msg)
    return names


def checked_row(path: Path, number: int, columns: dict[str, Any]) -> dict[str, Any]:
    """Return a product table's row ``number`` checked as `read_product_table` checks it.

    Raises
    ------
    ProductTableError
        The row's file name, ``size``, ``calib_level`` or ``t_obs_release``
        is refused, or a value holds a NUL (the message names row and column).
    """
    return _checked(path, number, columns)


def refuse_text_hazards(path: Path) -> None:
    """Refuse a text table with a NUL byte or an endless line, before astropy reads it.

    Raises
    ------
    ProductTableError
        The byte offset of the NUL, or the line too long.
    """
    _refuse_nul(path)


def read_observation_table(path: str | os.PathLike[str]) -> Iterator[ListedProduct]:
    """Yield the rows of a MAST observation table (``query_criteria``, ``query_region``).

    Parameters
    ----------
    path : str or PathLike
        An astroquery observation query result written as ECSV, CSV or
        VOTable: CAOM's columns, ``obs_id`` and at least one of
        ``dataRights`` and ``t_obs_release`` among them.

    Yields
    ------
    ListedProduct
        One per row (an observation, despite the name), every column's
        value (masked -> None), ``t_obs_release`` as ISO text.

    Raises
    ------
    ProductTableError
        Unreadable, lacking ``obs_id`` or both rights columns, or a JWST row
        whose ``obs_id`` is not a JWST observation id, whose ``t_obs_release``
        is neither an MJD nor an ISO date, or whose position or times are
        not numbers.
    """
    p = Path(path)
    table = read_table(p)
    if "obs_id" not in table.colnames or not any(
        c in table.colnames for c in OBSERVATION_COLUMNS[1:]
    ):
        msg = "an observation table needs column obs_id and dataRights or t_obs_release"
        raise ProductTableError(str(p), msg)
    names = _columns_of(p, table)
    for number, row in enumerate(table, start=1):
        columns = {name: cell_value(row[name]) for name in names}
        collection = columns.get("obs_collection")
        if isinstance(collection, str) and collection.strip().upper() != "JWST":
            continue  # a cone search returns every mission's observations
        yield ListedProduct(source=p.name, line=number, columns=_observation(p, number, columns))


def _observation(path: Path, number: int, columns: dict[str, Any]) -> dict[str, Any]:
    where = f"row {number}"
    obs_id = columns.get("obs_id")
    text = obs_id.strip() if isinstance(obs_id, str) else ""
    try:
        info = describe(text) if text else None
    except InvalidName:
        info = None
    if info is None or info.obs_id != text or info.form is Form.DUMMY:
        shown = repr(obs_id)[:80]
        example = "jw01234001001_02101_00001_nrca1"
        msg = f"{where}: obs_id {shown} is not a JWST observation id (e.g. {example})"
        raise ProductTableError(str(path), msg)
    for name, value in columns.items():
        if isinstance(value, str) and "\x00" in value:  # PostgreSQL text cannot hold NUL
            raise ProductTableError(str(path), f"{where}, column {name}: a NUL character")
    _check_release(path, where, columns)
    for name in _NUMBERS:
        value = columns.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            msg = f"{where}, column {name}: {value!r} is not a number"
            raise ProductTableError(str(path), msg)
    return columns

"""Engineering Database responses -> `EngineeringSeries` (pure read, no linking).

Two layouts, both from the jwst package's engineering tools (``jwst.lib.engdb_*``):

* the JSON of the service (``EngdbDirect``; cached as ``<mnemonic>_data.json`` by
  ``EngdbMast.cache_as_local``): ``{"TlmMnemonic", "AllPoints", "Count",
  "Data": [{"ObsTime": "/Date(<ms since 1970>+0000)/", "EUValue"}]}``, a direct
  response also ``ReqSTime``/``ReqETime``, the range asked for;
* the CSV of the MAST service (``theTime,MJD,euvalue,sqldataType``), as the
  service sends it (``<MNEMONIC>-<start>-<end>.csv``, the range in the name) or
  as ``EngdbMast.cache`` writes it (``<mnemonic>.ecsv``, astropy's ECSV).

The service always returns the values just before and after the range asked
for (the bracketing values); they are kept, so a series covers from its
first sample to its last.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from astropy.table import Table

from jwlink.core.model import EngineeringSeries
from jwlink.errors import EngineeringDataError
from jwlink.readers.regular import open_regular, read_head

__all__ = ["ENDINGS", "looks_like_engdb", "mjd_from_unix_ms", "read_engdb", "series_from_json"]

ENDINGS = (".json", ".ecsv", ".csv")
_SNIFF_BYTES = 4096
# The .NET JSON date the service writes (engdb_direct.extract_db_time); the
# offset is informational: the milliseconds are UTC.
_DB_DATE = re.compile(r"/Date\((-?\d{1,15})([+-]\d{4})?\)/")
_MJD_UNIX_EPOCH = 40587.0  # MJD of 1970-01-01T00:00:00 UTC
_MS_PER_DAY = 86_400_000.0
_CSV_COLUMNS = ("theTime", "MJD", "euvalue", "sqldataType")
# <MNEMONIC>-<YYYYmmddTHHMMSS>-<YYYYmmddTHHMMSS>.csv: the MAST service's file URI.
_MAST_URI = re.compile(r"^(?P<m>[A-Za-z0-9_]+)-(?P<s>\d{8}T\d{6})-(?P<e>\d{8}T\d{6})\.")


def mjd_from_unix_ms(ms: float) -> float:
    """Return the MJD (UTC) of a time in milliseconds since 1970-01-01 UTC."""
    return _MJD_UNIX_EPOCH + ms / _MS_PER_DAY


def looks_like_engdb(path: Path) -> bool:
    """Return whether a file presents itself as an Engineering Database response.

    By name (``*_data.json``, the jwst cache's) or first bytes: a JSON object
    with ``"TlmMnemonic"`` and ``"Data"`` (not the ``"TlmMnemonics"`` list of
    ``meta.json``), or a table whose columns are the MAST service's
    ``theTime,MJD,euvalue,sqldataType``.
    """
    lower = path.name.lower()
    if not lower.endswith(ENDINGS):
        return False
    if lower.endswith("_data.json"):
        return True
    # Bounded, and never blocking on a FIFO: read_head opens regular files only.
    head = read_head(path, _SNIFF_BYTES)[0].decode("utf-8", "replace")
    if lower.endswith(".json"):
        return '"TlmMnemonic"' in head and '"Data"' in head and '"TlmMnemonics"' not in head
    folded = head.lower()
    return "euvalue" in folded and "sqldatatype" in folded and "thetime" in folded


def read_engdb(path: str | os.PathLike[str]) -> EngineeringSeries:
    """Read one Engineering Database response.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.json`` response, or a ``.csv``/``.ecsv`` table of the MAST service.

    Returns
    -------
    EngineeringSeries
        The mnemonic, every sample time (MJD, brackets included) and the
        requested range when the file records it.

    Raises
    ------
    EngineeringDataError
        The file is not a response: the message names the field and what
        was expected.
    """
    spath = os.fspath(path)
    if spath.lower().endswith(".json"):
        return _read_json(spath)
    return _read_table(spath)


def _fail(path: str, problem: str) -> EngineeringDataError:
    return EngineeringDataError(path, problem)


def _read_json(path: str) -> EngineeringSeries:
    try:
        with open_regular(path) as handle:
            doc = json.loads(handle.read().decode("utf-8"))
    except UnicodeDecodeError as err:
        raise _fail(path, f"not UTF-8 text (byte {err.start})") from err
    except json.JSONDecodeError as err:
        msg = f"not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}"
        raise _fail(path, msg) from err
    except OSError as err:
        raise _fail(path, f"cannot be read: {err.strerror or err}") from err
    return series_from_json(path, doc)


def series_from_json(path: str, doc: Any) -> EngineeringSeries:
    """Return the series a parsed JSON response holds (``path`` only names it in errors).

    Raises
    ------
    EngineeringDataError
        A field is missing or holds a value the service never writes.
    """
    if not isinstance(doc, dict):
        raise _fail(path, f"top level is a {_kind(doc)}, expected an object with TlmMnemonic")
    mnemonic = doc.get("TlmMnemonic")
    if not isinstance(mnemonic, str) or not _mnemonic_ok(mnemonic):
        msg = f"field TlmMnemonic is {mnemonic!r}, expected the mnemonic's name (letters,"
        raise _fail(path, msg + " digits, underscores)")
    data = doc.get("Data")
    if data is None and "Data" not in doc:
        raise _fail(path, "field Data is missing, expected a list of {ObsTime, EUValue}")
    if data is not None and not isinstance(data, list):
        raise _fail(path, f"field Data is a {_kind(data)}, expected a list of {{ObsTime, EUValue}}")
    samples = data or []
    times = []
    for index, sample in enumerate(samples):
        where = f"field Data[{index}]"
        if not isinstance(sample, dict) or "ObsTime" not in sample:
            raise _fail(path, f"{where} is {_short(sample)}, expected an object with ObsTime")
        times.append(_db_time(path, f"{where}.ObsTime", sample["ObsTime"]))
        if "EUValue" not in sample:
            raise _fail(path, f"{where} has no EUValue, expected the sample's value")
    count = doc.get("Count")
    if count is not None and (type(count) is not int or count != len(samples)):
        msg = f"field Count is {count!r} but Data holds {len(samples)} samples"
        raise _fail(path, msg)
    requested = None
    if "ReqSTime" in doc or "ReqETime" in doc:
        start = _db_time(path, "field ReqSTime", doc.get("ReqSTime"))
        end = _db_time(path, "field ReqETime", doc.get("ReqETime"))
        if end < start:
            raise _fail(path, "field ReqETime is before ReqSTime")
        requested = (start, end)
    if not times and requested is None:
        raise _fail(path, "field Data holds no samples and no ReqSTime/ReqETime says the range")
    return EngineeringSeries(path, mnemonic.strip().upper(), tuple(times), requested)


def _mnemonic_ok(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9_]{1,100}", text.strip()))


def _db_time(path: str, where: str, value: Any) -> float:
    match = _DB_DATE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        msg = f"{where} is {_short(value)}, expected '/Date(<milliseconds since 1970>+0000)/'"
        raise _fail(path, msg)
    return mjd_from_unix_ms(int(match.group(1)))


def _kind(value: Any) -> str:
    names: dict[type, str] = {dict: "object", list: "list", str: "string"}
    return names.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _read_table(path: str) -> EngineeringSeries:
    fmt = "ascii.ecsv" if path.lower().endswith(".ecsv") else "ascii.csv"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = Table.read(path, format=fmt)
    except Exception as err:  # astropy raises many types for bad tables
        raise _fail(path, f"not a readable {fmt} table: {err}") from err
    missing = [c for c in _CSV_COLUMNS if c not in table.colnames]
    if missing:
        msg = f"column(s) {', '.join(missing)} missing; the MAST engineering service writes "
        raise _fail(path, msg + ", ".join(_CSV_COLUMNS))
    times = []
    for line, value in enumerate(table["MJD"], start=1):
        if np.ma.is_masked(value) or not isinstance(value, int | float | np.number):
            raise _fail(path, f"row {line}: column MJD is {_short(value)}, expected an MJD number")
        mjd = float(value)
        if not np.isfinite(mjd):
            raise _fail(path, f"row {line}: column MJD is {mjd}, expected a finite MJD")
        times.append(mjd)
    name = Path(path).name
    uri = _MAST_URI.match(name)
    if uri is not None:
        mnemonic = uri.group("m")
        requested: tuple[float, float] | None = (_stamp(uri.group("s")), _stamp(uri.group("e")))
    else:
        # EngdbMast.cache writes <mnemonic>.ecsv: the name is all it says.
        mnemonic, requested = name.rsplit(".", 1)[0], None
    if not _mnemonic_ok(mnemonic):
        msg = f"file name gives the mnemonic {mnemonic!r}, expected letters, digits, underscores"
        raise _fail(path, msg)
    if not times and requested is None:
        raise _fail(path, "no rows, and the file name does not say the range asked for")
    return EngineeringSeries(path, mnemonic.upper(), tuple(times), requested)


def _stamp(text: str) -> float:
    moment = datetime.strptime(text, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    return mjd_from_unix_ms(moment.timestamp() * 1000.0)

"""Release dates (MAST's ``t_obs_release``) as the catalog stores them.

MAST writes ``t_obs_release`` as an MJD (``60310.5``); exports and jwlink's
own tables may write an ISO date (``2024-01-01``) or date-time. The catalog
holds ISO text, which compares in time order as text: a date alone as
``YYYY-MM-DD`` (read as its midnight, UTC), anything finer as
``YYYY-MM-DDTHH:MM:SS`` in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

__all__ = ["release_iso"]

_MJD_EPOCH = datetime(1858, 11, 17, tzinfo=UTC)
# MJD 0 is 1858; 200,000 is the year 2406: anything outside is not a date MAST writes.
_MJD_RANGE = (0.0, 200_000.0)


def release_iso(value: Any) -> str | None:
    """Return a release date as ISO text, or None for an empty value.

    Parameters
    ----------
    value : str, int or float
        An MJD (number or numeric text), an ISO date or an ISO date-time
        (with or without a zone; without one it is UTC).

    Returns
    -------
    str or None
        ``YYYY-MM-DD`` for a date alone, else ``YYYY-MM-DDTHH:MM:SS`` (UTC).

    Raises
    ------
    ValueError
        Neither an MJD between 0 and 200000 nor an ISO date.

    Examples
    --------
    >>> release_iso(88069.0), release_iso("2024-06-12"), release_iso("2020-01-01 12:00:00+01:00")
    ('2100-01-01T00:00:00', '2024-06-12', '2020-01-01T11:00:00')
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        mjd = float(text)
    except ValueError:
        return _iso(text)
    low, high = _MJD_RANGE
    if not low < mjd < high:  # also NaN and infinities
        msg = f"{text!r} is not an MJD between {low:.0f} and {high:.0f} or an ISO date"
        raise ValueError(msg)
    return (_MJD_EPOCH + timedelta(days=mjd)).strftime("%Y-%m-%dT%H:%M:%S")


def _iso(text: str) -> str:
    if len(text) == 10:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError as err:
        msg = f"{text[:40]!r} is not an MJD or an ISO date (YYYY-MM-DD[THH:MM:SS])"
        raise ValueError(msg) from err
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S")

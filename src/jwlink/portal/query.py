"""The search page's query string, and the native API query it stands for (pure).

The page uses the API's own parameter names, so a search URL and its JSON
twin differ only where a person types something the API does not take:
several values in one field (``1409, 3020``) become repeated parameters,
and a date written as an ISO date becomes the MJD that ``t_min``/``t_max``
expect.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from jwlink.errors import PortalInputError

__all__ = [
    "SEARCH_PARAMETERS",
    "PortalInputError",
    "search_twin",
    "split_values",
    "to_mjd",
]

# Text fields where a comma separates alternatives (targets keep their spaces).
_LISTS = ("program", "instrument", "filters", "target", "obs_id", "calib_level")
_NUMBERS = ("ra", "dec", "radius")
_DATES = ("t_min", "t_max")
_PAGING = ("page", "page_size")
SEARCH_PARAMETERS = (*_LISTS, *_NUMBERS, *_DATES, *_PAGING)

# MJD 0 is 1858-11-17T00:00 UTC.
_MJD_EPOCH = datetime(1858, 11, 17, tzinfo=UTC)
_DAY_SECONDS = 86_400.0


def to_mjd(text: str) -> float:
    """Return the Modified Julian Date a text stands for.

    Parameters
    ----------
    text : str
        An MJD (``60108.5``) or an ISO 8601 date or date-time
        (``2023-06-12``, ``2023-06-12T12:00``); a time without a zone is UTC.

    Returns
    -------
    float
        Days since 1858-11-17T00:00 UTC.

    Raises
    ------
    PortalInputError
        The text is neither a number nor an ISO date.
    """
    value = text.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(value)
    except ValueError as err:
        msg = f"'{text}' is not a date: write an MJD (60108.5) or an ISO date (2023-06-12)"
        raise PortalInputError(msg) from err
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return round((when - _MJD_EPOCH).total_seconds() / _DAY_SECONDS, 8)


def split_values(values: Iterable[str]) -> list[str]:
    """Split comma-separated alternatives and drop blanks: ``["a, b", "c"]`` -> a, b, c."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _number(name: str, value: str) -> str:
    try:
        float(value)
    except ValueError as err:
        msg = f"{name} must be a number of degrees, not '{value}'"
        raise PortalInputError(msg) from err
    return value.strip()


def search_twin(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return the ``/api/v1/observations`` query pairs behind a search page's query pairs.

    Unknown parameters are dropped; empty fields are ignored.

    Raises
    ------
    PortalInputError
        A coordinate is not a number, or a date is neither an MJD nor an ISO date.
    """
    given: dict[str, list[str]] = {}
    for key, value in pairs:
        if key in SEARCH_PARAMETERS and value.strip():
            given.setdefault(key, []).append(value)
    twin: list[tuple[str, str]] = []
    for key in SEARCH_PARAMETERS:
        values = given.get(key, [])
        if key in _LISTS:
            twin += [(key, v) for v in split_values(values)]
        elif key in _NUMBERS and values:
            twin.append((key, _number(key, values[-1])))
        elif key in _DATES and values:
            twin.append((key, repr(to_mjd(values[-1]))))
        elif values:
            twin.append((key, values[-1].strip()))
    return twin

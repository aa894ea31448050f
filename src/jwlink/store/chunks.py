"""Long value lists cut into ``IN (...)`` lists the backends accept."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

__all__ = ["CHUNK", "chunked", "marks"]

_V = TypeVar("_V")

# Values per ``IN (...)`` list: well under SQLite's 32766 bound parameters
# and PostgreSQL's 65535, with room for a statement's other parameters.
CHUNK = 500


def chunked(values: Sequence[_V], size: int = CHUNK) -> Iterator[list[_V]]:
    """Yield ``values`` in lists of at most ``size``, in order."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def marks(count: int) -> str:
    """Return ``count`` placeholders for an ``IN (...)`` list: ``?, ?, ?``."""
    return ", ".join(["?"] * count)

"""Whether the files a catalog was made from are still as ingested (``jwlink check --db``).

Each input's size and modification time, recorded at ingest, is compared
with the file's now (``os.stat``, following links as ingest did): a file
that differs would be refused by the server (409, `jwlink.query.freshness`)
or hashed again; a file gone is no longer served. Nothing is read, so a
catalog of millions of files is checked at the speed of ``stat``.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jwlink.store import SqlStore

__all__ = ["DiskReport", "check_disk"]

_PAGE = 10_000
_PAGE_SQL = "SELECT path, size, mtime_ns FROM inputs WHERE path > ? ORDER BY path LIMIT " + str(
    _PAGE
)


@dataclass
class DiskReport:
    """Catalogued inputs compared with the disk: same, changed, missing, unrecorded."""

    files: int = 0
    same: int = 0
    changed: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unrecorded: int = 0

    @property
    def ok(self) -> bool:
        """Whether every catalogued file is on disk as ingested (unrecorded ones aside)."""
        return not self.changed and not self.missing

    def as_dict(self) -> dict[str, Any]:
        """JSON form: counts, then every changed and every missing file."""
        return {
            "files": self.files,
            "same": self.same,
            "changed": self.changed,
            "missing": self.missing,
            "unrecorded": self.unrecorded,
            "ok": self.ok,
        }


def _inputs(store: SqlStore) -> Iterator[tuple[str, int | None, int | None]]:
    """Every input row, a page at a time (a catalog may hold millions)."""
    after = ""
    while True:
        rows = store.execute(_PAGE_SQL, (after,))
        yield from rows
        if len(rows) < _PAGE:
            return
        after = rows[-1][0]


def check_disk(store: SqlStore) -> DiskReport:
    """Compare every catalogued input's recorded size and modification time with its file's.

    Parameters
    ----------
    store : SqlStore
        The catalog.

    Returns
    -------
    DiskReport
        ``changed`` rows say the path, the catalog's ``size``/``mtime_ns``
        and the file's (``found_size``/``found_mtime_ns``); ``missing`` the
        paths that are no regular file any more; ``unrecorded`` counts the
        inputs ingested before sizes and times were recorded.
    """
    report = DiskReport()
    for path, size, mtime_ns in _inputs(store):
        report.files += 1
        try:
            found = Path(path).stat()
        except (OSError, ValueError):  # ValueError: a NUL in a path from elsewhere
            report.missing.append(path)
            continue
        if not stat.S_ISREG(found.st_mode):
            report.missing.append(path)
        elif size is None or mtime_ns is None:
            report.unrecorded += 1
        elif found.st_size == size and found.st_mtime_ns == mtime_ns:
            report.same += 1
        else:
            report.changed.append(
                {
                    "path": path,
                    "size": size,
                    "mtime_ns": mtime_ns,
                    "found_size": found.st_size,
                    "found_mtime_ns": found.st_mtime_ns,
                }
            )
    return report

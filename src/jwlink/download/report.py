"""What a download did: one `FileResult` per file, gathered in a `DownloadReport`.

Every file that does not end up in place is counted by reason
(`DownloadReport.left_out`): the manifest's own status (``NOT_AUTHORIZED``,
``NOT_HELD``, ``BAD_NAME``, ``CHANGED``: changed in the archive since it
was catalogued), or ``FAILED`` / ``CHECKSUM_MISMATCH`` for a transfer that
went wrong; ``ok`` is False when any file is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["REASONS", "DownloadReport", "FileResult"]

# Why each reason leaves a file out, for the closing summary.
REASONS = {
    "NOT_AUTHORIZED": "exclusive access: needs a token granting the program",
    "NOT_HELD": "not held by the archive",
    "BAD_NAME": "the catalog name is not a plain file name",
    "CHANGED": "changed in the archive since it was catalogued (its checksum is stale)",
    "FAILED": "the transfer failed (run again to retry)",
    "CHECKSUM_MISMATCH": "SHA-256 differs from the manifest's, twice",
}
# The statuses of a file that is in place; any other is left out.
_DONE = ("downloaded", "resumed", "unchanged")


@dataclass
class FileResult:
    """What happened to one file: downloaded, resumed, unchanged, skipped or error.

    A skipped or failed file carries the ``reason`` it is counted under.
    """

    name: str
    path: str
    status: str
    transferred: int = 0
    message: str = ""
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON form of the result."""
        return {
            "name": self.name,
            "path": self.path,
            "status": self.status,
            "reason": self.reason,
            "transferred": self.transferred,
            "message": self.message,
        }


@dataclass
class DownloadReport:
    """All results of one download run."""

    dest: str
    files: list[FileResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every file of the manifest is in place (none skipped or failed)."""
        return all(f.status in _DONE for f in self.files)

    @property
    def left_out(self) -> dict[str, int]:
        """How many files are not in place, by reason (empty when ``ok``)."""
        counts: dict[str, int] = {}
        for f in self.files:
            if f.status not in _DONE:
                counts[f.reason] = counts.get(f.reason, 0) + 1
        return counts

    def summary(self) -> list[str]:
        """Return the closing summary: what is in place, then why each missing file is missing."""
        done = {s: sum(f.status == s for f in self.files) for s in _DONE}
        head = ", ".join(f"{n} {s}" for s, n in done.items() if n) or "nothing in place"
        missing = sum(self.left_out.values())
        if not missing:
            return [f"all {len(self.files)} file(s) in place: {head}"]
        lines = [f"INCOMPLETE: {missing} of {len(self.files)} file(s) not in place ({head})"]
        for reason, n in sorted(self.left_out.items()):
            lines.append(f"  {reason:<18} {n:>5}  {REASONS.get(reason, 'refused by the archive')}")
        return lines

    def as_dict(self) -> dict[str, Any]:
        """JSON form: destination, ``ok``, counts per status and per reason, every file."""
        counts: dict[str, int] = {}
        for f in self.files:
            counts[f.status] = counts.get(f.status, 0) + 1
        return {
            "dest": self.dest,
            "ok": self.ok,
            "counts": counts,
            "left_out": self.left_out,
            "files": [f.as_dict() for f in self.files],
        }

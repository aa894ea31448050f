"""What a download fetches: manifest entries, the `Source` they come from, safe paths.

A source (`jwlink.download.sources`) lists a selection as `ManifestEntry`
rows (name, relative path, size, SHA-256, status) and streams each file's
bytes from an offset; the client (`jwlink.download.client`) writes them
under the destination, and only at a path `safe_relative_path` accepts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from jwlink.errors import DownloadError

__all__ = ["CHUNK", "ManifestEntry", "Source", "file_sha256", "safe_relative_path"]

# Bytes read at a time from a local file: big enough for few system calls,
# small enough that a hash or a copy never holds much in memory.
CHUNK = 1 << 20


@dataclass(frozen=True)
class ManifestEntry:
    """One file to fetch: its name, relative path, size, checksum and status at the source."""

    name: str
    path: str
    size: int
    sha256: str | None
    status: str = "OK"
    message: str = ""


class Source(Protocol):
    """Where files come from: a manifest, and each file's bytes from an offset."""

    def manifest(
        self, obs_ids: Sequence[str], names: Sequence[str], mrp: bool, flat: bool
    ) -> list[ManifestEntry]:
        """Return the files of the selection with their status."""

    def open(
        self, entry: ManifestEntry, offset: int
    ) -> AbstractContextManager[tuple[int, Iterator[bytes]]]:
        """Yield ``(start, chunks)``: the offset the bytes start at (0 or ``offset``)."""


def safe_relative_path(text: str) -> PurePosixPath:
    """Return a manifest path as a relative path that stays inside the destination.

    Raises
    ------
    DownloadError
        An absolute path, a drive, ``..``, a backslash or a NUL.
    """
    path = PurePosixPath(text)
    if (
        not text
        or path.is_absolute()
        or "\\" in text
        or "\x00" in text
        or ":" in path.parts[0]
        or any(part in ("..", ".", "") for part in path.parts)
    ):
        msg = f"Unsafe path in manifest: '{text}'"
        raise DownloadError(msg)
    return path


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a local file (hex), read `CHUNK` bytes at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()

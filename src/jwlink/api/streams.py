"""Bundles written as they stream: zip and tar archives, curl scripts, manifests.

Nothing is built in memory or on disk first. The zip writer is the standard
`zipfile` writing into a sink the generator drains after every chunk (the
sink cannot seek, so `zipfile` writes data descriptors; zip64 as needed);
tar headers come from `tarfile.TarInfo` and the data is copied in chunks.
Each archive ends with ``MANIFEST.csv`` (every selected file: what is inside
and what was left out, with the reason) and ``SHA256SUMS``, so
``sha256sum -c SHA256SUMS`` checks what was unpacked.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import tarfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from jwlink.query.freshness import Catalogued, stale_reason
from jwlink.query.selection import open_served

__all__ = [
    "CHANGED",
    "MANIFEST",
    "Entry",
    "checksum",
    "manifest_csv",
    "one_line",
    "tar_stream",
    "zip_stream",
]

logger = logging.getLogger("jwlink.api")
_CHUNK = 1 << 20
_ZIP_EPOCH = 315532800  # 1980-01-01, the earliest time a zip entry can carry
# Characters that would end or rewrite a line of a script or of SHA256SUMS.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class Entry:
    """One file of a delivery: where it goes, what it must hash to, where it comes from."""

    name: str
    path: str
    size: int
    sha256: str | None
    url: str
    location: str | None
    data_rights: str
    status: str = "OK"
    message: str = ""
    # What the catalog says of the file (checksum, size and time at ingest),
    # checked against the file opened for the bundle (`jwlink.query.freshness`).
    catalogued: Catalogued | None = None

    def as_dict(self) -> dict[str, object]:
        """Return the manifest row (without the server-side location)."""
        return {
            "name": self.name,
            "path": self.path,
            "size": self.size,
            "sha256": self.sha256,
            "url": self.url,
            "data_rights": self.data_rights,
            "status": self.status,
            "message": self.message,
        }


class _Sink(io.RawIOBase):
    """A write-only, non-seekable stream whose bytes the generator takes out."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


MANIFEST = "MANIFEST.csv"
# The status of a file changed on disk since it was catalogued: left out.
CHANGED = "CHANGED"
_VANISHED = "the file vanished from the data root while the bundle was written"


def _shrunk(entry: Entry, sent: int, size: int) -> Entry:
    """Return the manifest row of a file that shrank while it was being copied."""
    message = (
        f"the file shrank while the bundle was written ({sent} of {size} bytes); "
        "its copy in the archive is incomplete: download it again"
    )
    return replace(entry, status="FAILED", message=message)


def _opened(
    entries: Iterable[Entry], root: Path | None, rows: list[Entry]
) -> Iterator[tuple[Entry, io.BufferedReader, int, float]]:
    """Open each deliverable entry's file as the stream reaches it.

    Every entry goes into ``rows`` (the bundle's manifest) as it is reached:
    left-out entries with their status, files gone meanwhile as ``NOT_HELD``,
    files changed since they were catalogued as ``CHANGED`` (logged).
    """
    for entry in entries:
        if entry.status != "OK":
            rows.append(entry)
            continue
        opened = open_served(entry.location, root)
        if opened is None:
            logger.warning("bundle: %s vanished from the data root; left out", entry.name)
            rows.append(replace(entry, status="NOT_HELD", message=_VANISHED))
            continue
        fd, size = opened
        stale = stale_reason(fd, entry.catalogued) if entry.catalogued else None
        if stale is not None:  # its SHA256SUMS line would be the old file's
            os.close(fd)
            rows.append(replace(entry, status=CHANGED, message=stale.message))
            continue
        rows.append(entry)
        mtime = os.fstat(fd).st_mtime
        yield entry, os.fdopen(fd, "rb"), size, mtime


def _copy(handle: io.BufferedReader, size: int) -> Iterator[bytes]:
    with handle:
        remaining = size
        while remaining > 0:
            data = handle.read(min(_CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data


_HEX64 = re.compile(r"[0-9a-f]{64}")


def checksum(entry: Entry) -> str | None:
    """Return the entry's SHA-256 if it is one (no catalog text becomes a line of its own)."""
    return entry.sha256 if entry.sha256 and _HEX64.fullmatch(entry.sha256) else None


def one_line(text: str) -> str:
    """Return ``text`` with control and line-breaking characters made spaces."""
    return _CONTROL.sub(" ", text)


def _sums(written: list[Entry]) -> bytes:
    lines = (f"{checksum(e)}  {one_line(e.path)}\n" for e in written if checksum(e))
    return "".join(lines).encode()


def zip_stream(entries: list[Entry], root: Path | None) -> Iterator[bytes]:
    """Yield a zip archive of the ``OK`` entries (stored, not compressed: FITS barely compresses).

    The others are listed in its ``MANIFEST.csv`` with their status and reason.
    """
    sink = _Sink()
    written: list[Entry] = []
    rows: list[Entry] = []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for entry, handle, size, mtime in _opened(entries, root, rows):
            info = zipfile.ZipInfo(entry.path, time.gmtime(max(mtime, _ZIP_EPOCH))[:6])
            info.compress_type = zipfile.ZIP_STORED
            info.file_size = size
            info.external_attr = 0o644 << 16
            sent = 0
            with archive.open(info, "w") as out:
                for chunk in _copy(handle, size):
                    out.write(chunk)
                    sent += len(chunk)
                    yield sink.take()
            if sent < size:  # zipfile records the bytes really written; say so too
                rows[-1] = _shrunk(entry, sent, size)
            written.append(entry)
            yield sink.take()
        archive.writestr(MANIFEST, manifest_csv(rows).encode())
        archive.writestr("SHA256SUMS", _sums(written))
    yield sink.take()


def _tar_member(path: str, size: int, mtime: float) -> bytes:
    info = tarfile.TarInfo(path)
    info.size, info.mtime, info.mode = size, int(mtime), 0o644
    return info.tobuf(format=tarfile.PAX_FORMAT, encoding="utf-8", errors="surrogateescape")


def _tar_file(path: str, data: bytes) -> bytes:
    header = _tar_member(path, len(data), time.time())
    return header + data + b"\0" * ((-len(data)) % tarfile.BLOCKSIZE)


def tar_stream(entries: list[Entry], root: Path | None) -> Iterator[bytes]:
    """Yield a POSIX (pax) tar archive of the ``OK`` entries.

    The others are listed in its ``MANIFEST.csv`` with their status and reason.
    """
    total = 0
    written: list[Entry] = []
    rows: list[Entry] = []
    for entry, handle, size, mtime in _opened(entries, root, rows):
        header = _tar_member(entry.path, size, mtime)
        yield header
        sent = 0
        for chunk in _copy(handle, size):
            sent += len(chunk)
            yield chunk
        if sent < size:  # the file shrank under us: keep the archive well-formed
            yield b"\0" * (size - sent)
            rows[-1] = _shrunk(entry, sent, size)
        padding = b"\0" * ((-size) % tarfile.BLOCKSIZE)
        yield padding
        total += len(header) + size + len(padding)
        written.append(entry)
    closing = _tar_file(MANIFEST, manifest_csv(rows).encode()) + _tar_file(
        "SHA256SUMS", _sums(written)
    )
    total += len(closing) + 2 * tarfile.BLOCKSIZE
    yield closing + b"\0" * (2 * tarfile.BLOCKSIZE)
    yield b"\0" * ((-total) % tarfile.RECORDSIZE)


def manifest_csv(rows: list[Entry]) -> str:
    """Return the manifest as CSV: name, path, size, sha256, url, data_rights, status, message."""
    out = io.StringIO()
    fields = ["name", "path", "size", "sha256", "url", "data_rights", "status", "message"]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row.as_dict())
    return out.getvalue()

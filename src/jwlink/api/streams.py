"""Bundles written as they stream: zip and tar archives, curl scripts, manifests.

Nothing is built in memory or on disk first. The zip writer is the standard
`zipfile` writing into a sink the generator drains after every chunk (the
sink cannot seek, so `zipfile` writes data descriptors; zip64 as needed);
tar headers come from `tarfile.TarInfo` and the data is copied in chunks.
Each archive ends with ``SHA256SUMS`` so ``sha256sum -c SHA256SUMS`` checks
what was unpacked.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import shlex
import tarfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from jwlink.api.selection import open_served

__all__ = ["Entry", "curl_script", "manifest_csv", "tar_stream", "zip_stream"]

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


def _opened(
    entries: Iterable[Entry], root: Path | None
) -> Iterator[tuple[Entry, io.BufferedReader, int, float]]:
    """Open each entry's file as the stream reaches it; skip (and log) files gone meanwhile."""
    for entry in entries:
        opened = open_served(entry.location, root)
        if opened is None:
            logger.warning("bundle: %s vanished from the data root; left out", entry.name)
            continue
        fd, size = opened
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


def _checksum(entry: Entry) -> str | None:
    """Return the entry's SHA-256 if it is one (no catalog text becomes a line of its own)."""
    return entry.sha256 if entry.sha256 and _HEX64.fullmatch(entry.sha256) else None


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", text)


def _sums(written: list[Entry]) -> bytes:
    lines = (f"{_checksum(e)}  {_one_line(e.path)}\n" for e in written if _checksum(e))
    return "".join(lines).encode()


def zip_stream(entries: list[Entry], root: Path | None) -> Iterator[bytes]:
    """Yield a zip archive of the entries (stored, not compressed: FITS barely compresses)."""
    sink = _Sink()
    written: list[Entry] = []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for entry, handle, size, mtime in _opened(entries, root):
            info = zipfile.ZipInfo(entry.path, time.gmtime(max(mtime, _ZIP_EPOCH))[:6])
            info.compress_type = zipfile.ZIP_STORED
            info.file_size = size
            info.external_attr = 0o644 << 16
            with archive.open(info, "w") as out:
                for chunk in _copy(handle, size):
                    out.write(chunk)
                    yield sink.take()
            written.append(entry)
            yield sink.take()
        archive.writestr("SHA256SUMS", _sums(written))
    yield sink.take()


def _tar_member(path: str, size: int, mtime: float) -> bytes:
    info = tarfile.TarInfo(path)
    info.size, info.mtime, info.mode = size, int(mtime), 0o644
    return info.tobuf(format=tarfile.PAX_FORMAT, encoding="utf-8", errors="surrogateescape")


def tar_stream(entries: list[Entry], root: Path | None) -> Iterator[bytes]:
    """Yield a POSIX (pax) tar archive of the entries."""
    total = 0
    written: list[Entry] = []
    for entry, handle, size, mtime in _opened(entries, root):
        header = _tar_member(entry.path, size, mtime)
        yield header
        sent = 0
        for chunk in _copy(handle, size):
            sent += len(chunk)
            yield chunk
        if sent < size:  # the file shrank under us: keep the archive well-formed
            yield b"\0" * (size - sent)
        padding = b"\0" * ((-size) % tarfile.BLOCKSIZE)
        yield padding
        total += len(header) + size + len(padding)
        written.append(entry)
    sums = _sums(written)
    header = _tar_member("SHA256SUMS", len(sums), time.time())
    padding = b"\0" * ((-len(sums)) % tarfile.BLOCKSIZE)
    total += len(header) + len(sums) + len(padding) + 2 * tarfile.BLOCKSIZE
    yield header + sums + padding + b"\0" * (2 * tarfile.BLOCKSIZE)
    yield b"\0" * ((-total) % tarfile.RECORDSIZE)


_SCRIPT_HEAD = """#!/bin/sh
# jwlink download script: {count} file(s), {size} bytes, from {server}
# generated {when}
#
# Usage:  sh {script} [TOKEN]      (or set MAST_API_TOKEN for exclusive-access files)
# Files go to ./<obs_collection>/<obs_id>/<file>. A partial file is resumed
# (curl -C -), every file is checked against its SHA-256, and running the
# script again skips files that are already complete.
set -u
TOKEN="${{1:-${{MAST_API_TOKEN:-}}}}"
if command -v sha256sum >/dev/null 2>&1; then SHA256="sha256sum"; else SHA256="shasum -a 256"; fi
FAILED=0

verify() {{
    printf '%s  %s\\n' "$1" "$2" | $SHA256 -c --status 2>/dev/null
}}

fetch() {{
    url="$1"; out="$2"; sum="$3"; size="$4"
    mkdir -p "$(dirname "$out")"
    if [ -f "$out" ] && [ "$(wc -c < "$out" | tr -d ' ')" -ge "$size" ]; then
        if verify "$sum" "$out"; then echo "OK (already complete) $out"; return 0; fi
        rm -f "$out"
    fi
    # The token travels in curl's config on stdin, never on the command line.
    if [ -n "$TOKEN" ]; then
        printf 'header = "Authorization: Bearer %s"\\n' "$TOKEN" | \\
            curl --config - --globoff --location --fail --silent --show-error --retry 3 \\
                 -C - -o "$out" "$url" || {{ echo "ERROR $out"; FAILED=$((FAILED + 1)); return 0; }}
    else
        curl --globoff --location --fail --silent --show-error --retry 3 \\
             -C - -o "$out" "$url" || {{ echo "ERROR $out"; FAILED=$((FAILED + 1)); return 0; }}
    fi
    if verify "$sum" "$out"; then echo "OK $out"; return 0; fi
    echo "CHECKSUM MISMATCH $out"; FAILED=$((FAILED + 1))
}}

"""
_SCRIPT_TAIL = """
if [ "$FAILED" -ne 0 ]; then echo "$FAILED file(s) failed" >&2; exit 1; fi
echo "all files complete"
"""


def curl_script(entries: list[Entry], skipped: list[Entry], server: str, script: str) -> str:
    """Return a POSIX shell script that fetches, resumes and verifies the entries."""
    head = _SCRIPT_HEAD.format(
        count=len(entries),
        size=sum(e.size for e in entries),
        server=_one_line(server),
        when=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        script=script,
    )
    lines = [head]
    for entry in skipped:
        lines.append(f"# left out ({entry.status}): {_one_line(entry.name)}\n")
    for entry in entries:
        quoted = (
            shlex.quote(v) for v in (entry.url, entry.path, _checksum(entry) or "", str(entry.size))
        )
        lines.append("fetch " + " ".join(quoted) + "\n")
    lines.append(_SCRIPT_TAIL)
    return "".join(lines)


def manifest_csv(rows: list[Entry]) -> str:
    """Return the manifest as CSV: name, path, size, sha256, url, data_rights, status, message."""
    out = io.StringIO()
    fields = ["name", "path", "size", "sha256", "url", "data_rights", "status", "message"]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row.as_dict())
    return out.getvalue()

"""Whether an opened file is still the one the catalog describes.

The checksum a download carries (``ETag``, ``X-Checksum-SHA256``, a bundle's
``SHA256SUMS``, a manifest row) is the catalog's, computed at ingest. A file
rewritten since (same size or not) must not be sent under it: the opened
file's size and modification time are compared with those recorded at
ingest (``inputs.size``, ``inputs.mtime_ns``). When they differ, a file of
at most `REHASH_LIMIT` bytes is hashed again (when they were not recorded,
in catalogs made before they were, any file is): the same bytes (a file
touched, or copied back) are served, and that verdict is remembered for
that very state of the file, so it is hashed once, not per request.
Otherwise the file is stale: callers refuse it (409) or leave it out of a
bundle, and it is logged.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["REHASH_LIMIT", "Catalogued", "Stale", "stale_reason"]

_log = logging.getLogger("jwlink.files")
# Above this a changed file is refused rather than hashed on a request's time.
REHASH_LIMIT = 64 << 20
_CHUNK = 1 << 20
# Verified states remembered: (device, inode, size, mtime, ctime) -> SHA-256.
_VERIFIED: dict[tuple[int, int, int, int, int], str] = {}
_VERIFIED_MAX = 8192
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Catalogued:
    """What the catalog says of a file: its checksum and its state when ingested.

    ``size`` and ``mtime_ns`` are the input's as ingest read it (None when
    not recorded); ``product_size`` is the product row's size.
    """

    name: str
    sha256: str | None
    size: int | None
    mtime_ns: int | None
    product_size: int | None = None


@dataclass(frozen=True)
class Stale:
    """A file that is not what the catalog says: why, for the log and the caller."""

    name: str
    message: str


def _when(mtime_ns: int | None) -> str:
    if mtime_ns is None:
        return "time not recorded"
    moment = datetime.fromtimestamp(mtime_ns / 1e9, tz=UTC)
    return "modified " + moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _describe(size: int | None, mtime_ns: int | None) -> str:
    shown = "size not recorded" if size is None else f"{size} bytes"
    return f"{shown}, {_when(mtime_ns)}"


def _hash(fd: int, size: int) -> str:
    digest = hashlib.sha256()
    offset = 0
    # pread: the file's offset stays where the caller will read from.
    while chunk := os.pread(fd, _CHUNK, offset):
        digest.update(chunk)
        offset += len(chunk)
        if offset > size:  # growing while hashed: what was hashed is not what stat said
            break
    return digest.hexdigest()


def stale_reason(fd: int, item: Catalogued) -> Stale | None:
    """Return why the open file ``fd`` is not the catalogued ``item``, or None if it is.

    Parameters
    ----------
    fd : int
        The file, opened (its offset is not moved).
    item : Catalogued
        The catalog's record of it.

    Returns
    -------
    Stale or None
        None when the file is as ingested (same size and modification
        time), or hashes to the catalog's SHA-256, or the catalog claims no
        checksum for it; a `Stale` naming the file and both states otherwise.
    """
    if item.sha256 is None:
        return None  # no checksum is claimed, so none can be stale
    found = os.fstat(fd)
    if item.size == found.st_size and item.mtime_ns == found.st_mtime_ns:
        return None
    key = (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)
    if _VERIFIED.get(key) == item.sha256:
        return None
    recorded = item.size if item.size is not None else item.product_size
    what = (
        f"catalog: {_describe(recorded, item.mtime_ns)}; "
        f"found: {_describe(found.st_size, found.st_mtime_ns)}"
    )
    # Not recorded (a catalog made before 0010_input_stat): nothing cheaper
    # can tell, so the file is hashed whatever its size, once per state.
    unrecorded = item.size is None or item.mtime_ns is None
    if unrecorded or found.st_size <= REHASH_LIMIT:
        digest = _hash(fd, found.st_size)
        if digest == item.sha256:
            with _LOCK:
                if len(_VERIFIED) >= _VERIFIED_MAX:
                    _VERIFIED.clear()
                _VERIFIED[key] = digest
            return None
        why = f"its SHA-256 is now {digest[:12]}..., the catalog's {item.sha256[:12]}..."
    else:
        why = f"too big to hash again on request (over {REHASH_LIMIT >> 20} MiB)"
    message = (
        f"'{item.name}' changed on disk since it was catalogued ({what}; {why}): "
        "it is not served under its old checksum; ingest it again"
    )
    _log.warning("file changed since ingest: %s", message)
    return Stale(item.name, message)

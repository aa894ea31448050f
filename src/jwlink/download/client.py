"""Download client: fetch an observation's products, resumable and checksum-verified.

The client asks for a manifest (path, size and SHA-256 of every file), then
fetches files in parallel. A partial file is resumed with an HTTP ``Range``
request; a finished file is checked against its SHA-256 and fetched again
once from scratch if it does not match; a complete, matching file is left
alone. Every file that does not end up in place is counted by reason
(`DownloadReport.left_out`): the manifest's own status (``NOT_AUTHORIZED``,
``NOT_HELD``, ``BAD_NAME``, ``CHANGED``: changed in the archive since it
was catalogued), or ``FAILED`` / ``CHECKSUM_MISMATCH`` for a transfer that
went wrong; ``ok`` is False when any file is left out. Two
sources give the same result:

* `HttpSource` — a ``jwlink serve`` server, through an injected `httpx.Client`;
* `LocalSource` — a catalog and its data root on this machine (files copied).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

import httpx

from jwlink.errors import DownloadError

if TYPE_CHECKING:
    from jwlink.query.freshness import Catalogued

__all__ = [
    "REASONS",
    "DownloadError",
    "DownloadReport",
    "FileResult",
    "HttpSource",
    "LocalSource",
    "ManifestEntry",
    "Source",
    "download",
    "safe_relative_path",
]

logger = logging.getLogger("jwlink.download")
_CHUNK = 1 << 20


# What a refusal of one file by the server means (the rest count as FAILED).
_HTTP_REASONS = {401: "NOT_AUTHORIZED", 403: "NOT_AUTHORIZED", 404: "NOT_HELD", 409: "CHANGED"}
# Why each reason leaves a file out, for the closing summary.
REASONS = {
    "NOT_AUTHORIZED": "exclusive access: needs a token granting the program",
    "NOT_HELD": "not held by the archive",
    "BAD_NAME": "the catalog name is not a plain file name",
    "CHANGED": "changed in the archive since it was catalogued (its checksum is stale)",
    "FAILED": "the transfer failed (run again to retry)",
    "CHECKSUM_MISMATCH": "SHA-256 differs from the manifest's, twice",
}
_DONE = ("downloaded", "resumed", "unchanged")


@dataclass(frozen=True)
class ManifestEntry:
    """One file to fetch: its name, relative path, size, checksum and status at the source."""

    name: str
    path: str
    size: int
    sha256: str | None
    status: str = "OK"
    message: str = ""


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


def _envelope_message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error") or response.text[:200])
    except ValueError:
        return response.text[:200] or response.reason_phrase


class HttpSource:
    """Files from a ``jwlink serve`` server.

    Parameters
    ----------
    client : httpx.Client
        The HTTP client (tests inject one with a mock transport).
    server : str
        Base URL, e.g. ``http://127.0.0.1:8000``.
    token : str, optional
        Bearer token for exclusive-access files.
    """

    def __init__(self, client: httpx.Client, server: str, token: str | None = None) -> None:
        self.client = client
        self.server = server.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def manifest(
        self, obs_ids: Sequence[str], names: Sequence[str], mrp: bool, flat: bool
    ) -> list[ManifestEntry]:
        """Ask the server for the manifest of a selection."""
        pairs = [("obs_id", o) for o in obs_ids] + [("name", n) for n in names]
        pairs += [("mrp", str(mrp).lower()), ("flat", str(flat).lower())]
        params = httpx.QueryParams(tuple(pairs))
        try:
            response = self.client.get(
                f"{self.server}/api/v1/manifest.json", params=params, headers=self.headers
            )
        except httpx.HTTPError as err:
            msg = f"Cannot reach {self.server}: {err}"
            raise DownloadError(msg) from err
        if response.status_code != 200:
            msg = f"Manifest refused ({response.status_code}): {_envelope_message(response)}"
            raise DownloadError(msg)
        return [
            ManifestEntry(
                f["name"],
                f["path"],
                int(f["size"]),
                f.get("sha256"),
                f.get("status", "OK"),
                f.get("message", ""),
            )
            for f in response.json()["files"]
        ]

    @contextmanager
    def open(self, entry: ManifestEntry, offset: int) -> Iterator[tuple[int, Iterator[bytes]]]:
        """Stream a file from ``offset`` (a Range request), or from 0 if the server restarts."""
        url = f"{self.server}/api/v1/files/{quote(entry.name, safe='')}"
        headers = dict(self.headers)
        if offset:
            headers["Range"] = f"bytes={offset}-"
        with self.client.stream("GET", url, headers=headers) as response:
            if response.status_code == 416 and offset:
                raise _Restart()
            if response.status_code not in (200, 206):
                response.read()
                msg = f"HTTP {response.status_code}: {_envelope_message(response)}"
                raise DownloadError(msg, _HTTP_REASONS.get(response.status_code, "FAILED"))
            start = 0
            if response.status_code == 206:
                start = int(
                    response.headers.get("content-range", "bytes 0-").split()[1].split("-")[0]
                )
            # As they arrive, not gathered into big chunks: a connection that
            # drops keeps every byte received so far for the resume.
            yield start, response.iter_bytes()


class LocalSource:
    """Files from a catalog and its data root on this machine (no server).

    Parameters
    ----------
    db_url : str
        The catalog (opened read-only).
    data_root : str or PathLike
        Only files under this folder are copied.
    """

    def __init__(self, db_url: str, data_root: str | os.PathLike[str]) -> None:
        self.db_url = db_url
        self.data_root = Path(data_root)
        self._locations: dict[str, str | None] = {}
        self._catalogued: dict[str, Catalogued] = {}

    def manifest(
        self, obs_ids: Sequence[str], names: Sequence[str], mrp: bool, flat: bool
    ) -> list[ManifestEntry]:
        """Build the manifest from the catalog."""
        from jwlink.query.selection import name_from_uri, open_served, select_files
        from jwlink.store import open_store

        store = open_store(self.db_url, readonly=True)
        try:
            files = select_files(store, obs_ids, [name_from_uri(n) for n in names], mrp)
        finally:
            store.close()
        entries = []
        for item in files:
            self._locations[item.name] = item.location
            self._catalogued[item.name] = item.catalogued
            status, message, size = "NOT_HELD", "not under the data root", item.size or 0
            opened = open_served(item.location, self.data_root)
            if opened is not None:
                size = opened[1]
                stale = self._stale(opened[0], item.name)
                status, message = ("CHANGED", stale) if stale else ("OK", "")
            entries.append(
                ManifestEntry(item.name, item.path(flat), size, item.sha256, status, message)
            )
        return entries

    def _stale(self, fd: int, name: str) -> str | None:
        """Close ``fd``; return why the file is not the catalogued one, or None."""
        from jwlink.query.freshness import stale_reason

        try:
            found = stale_reason(fd, self._catalogued[name])
        finally:
            os.close(fd)
        return found.message if found is not None else None

    @contextmanager
    def open(self, entry: ManifestEntry, offset: int) -> Iterator[tuple[int, Iterator[bytes]]]:
        """Read the file from ``offset``."""
        from jwlink.query.selection import open_served

        opened = open_served(self._locations.get(entry.name), self.data_root)
        if opened is None:
            msg = f"{entry.name} is not under the data root"
            raise DownloadError(msg, "NOT_HELD")
        stale = (
            self._stale(os.dup(opened[0]), entry.name) if entry.name in self._catalogued else None
        )
        if stale is not None:
            os.close(opened[0])
            raise DownloadError(stale, "CHANGED")
        with os.fdopen(opened[0], "rb") as handle:
            handle.seek(offset)
            yield offset, iter(lambda: handle.read(_CHUNK), b"")


class _Restart(Exception):
    """The server refused the resume range: fetch the whole file again."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


Progress = Callable[[int], None]


def _transfer(
    source: Source, entry: ManifestEntry, target: Path, offset: int, progress: Progress
) -> tuple[int, int]:
    """Write the file from ``offset`` (or from 0 if the source restarts).

    Returns ``(bytes written, offset the bytes started at)``.
    """
    written = start = 0
    try:
        with source.open(entry, offset) as (start, chunks):
            with target.open("r+b" if start and target.exists() else "wb") as out:
                out.seek(start)
                out.truncate()
                for chunk in chunks:
                    out.write(chunk)
                    written += len(chunk)
                    progress(len(chunk))
    except _Restart:
        return _transfer(source, entry, target, 0, progress)
    except httpx.HTTPError as err:
        msg = f"{entry.name}: transfer failed: {err}"
        raise DownloadError(msg) from err
    return written, start


def fetch_one(source: Source, entry: ManifestEntry, dest: Path, progress: Progress) -> FileResult:
    """Bring one file up to date in ``dest``: skip, resume or download, then verify."""
    relative = safe_relative_path(entry.path)
    target = dest.joinpath(*relative.parts)
    result = FileResult(entry.name, str(target), "downloaded")
    if entry.status != "OK":
        result.status, result.reason = "skipped", entry.status
        result.message = f"{entry.status}: {entry.message}"
        return result
    target.parent.mkdir(parents=True, exist_ok=True)
    have = target.stat().st_size if target.is_file() else 0
    if (
        target.is_file()
        and have == entry.size
        and (entry.sha256 is None or _sha256(target) == entry.sha256)
    ):
        result.status = "unchanged"
        progress(entry.size)
        return result
    offset = have if 0 < have < entry.size else 0
    try:
        for attempt in (1, 2):
            written, start = _transfer(source, entry, target, offset, progress)
            result.transferred += written
            if entry.sha256 is None or _sha256(target) == entry.sha256:
                result.status = "resumed" if start else "downloaded"
                return result
            logger.warning(
                "%s: SHA-256 mismatch after attempt %d; fetching again", entry.name, attempt
            )
            offset = 0
        target.unlink(missing_ok=True)
        result.status, result.reason = "error", "CHECKSUM_MISMATCH"
        result.message = "SHA-256 does not match the manifest"
    except DownloadError as err:
        result.status, result.reason, result.message = "error", err.reason, str(err)
    return result


def download(
    source: Source,
    obs_ids: Sequence[str],
    dest: str | os.PathLike[str],
    names: Sequence[str] = (),
    mrp: bool = True,
    flat: bool = False,
    workers: int = 4,
    progress: Callable[[int, int], Progress] | None = None,
) -> DownloadReport:
    """Download the products of some observations (and named products) into ``dest``.

    Parameters
    ----------
    source : Source
        `HttpSource` (a server) or `LocalSource` (a catalog and data root).
    obs_ids : sequence of str
        Observations; each contributes its MRP, or every product with ``mrp=False``.
    dest : str or PathLike
        Destination folder; files go to ``<obs_collection>/<obs_id>/<file>``.
    names : sequence of str
        Extra products by file name.
    mrp, flat : bool
        Minimum recommended products only; all files in one folder.
    workers : int
        Parallel transfers.
    progress : callable, optional
        ``progress(total_bytes, files)`` returns a callback advanced with byte counts.

    Returns
    -------
    DownloadReport
        One result per file; ``ok`` is False if any file is not in place
        (skipped or failed), and ``left_out`` counts them by reason.

    Raises
    ------
    DownloadError
        The manifest could not be obtained.
    """
    root = Path(dest)
    root.mkdir(parents=True, exist_ok=True)
    entries = source.manifest(obs_ids, names, mrp, flat)
    for entry in entries:
        safe_relative_path(entry.path)  # refuse a hostile manifest before writing anything
    advance = (
        progress(sum(e.size for e in entries if e.status == "OK"), len(entries))
        if progress
        else None
    )
    tick: Progress = advance or (lambda _n: None)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(lambda e: fetch_one(source, e, root, tick), entries))
    return DownloadReport(dest=str(root), files=results)

"""Download client: fetch an observation's products, resumable and checksum-verified.

The client asks a `Source` for a manifest (path, size and SHA-256 of every
file), then fetches files in parallel. A partial file is resumed from where
it stops (an HTTP ``Range`` request); a finished file is checked against its
SHA-256 and fetched again once from scratch if it does not match; a
complete, matching file is left alone. Every file that does not end up in
place is counted by reason in the `DownloadReport`. The pieces:

* `jwlink.download.manifest` — `ManifestEntry`, the `Source` contract, safe paths;
* `jwlink.download.sources` — `HttpSource` (a server) and `LocalSource` (a catalog);
* `jwlink.download.report` — `FileResult`, `DownloadReport`, `REASONS`;
* here — `fetch_one` (one file up to date) and `download` (a whole selection).

The names of those modules are importable from here too, as they always were.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from jwlink.download.manifest import ManifestEntry, Source, file_sha256, safe_relative_path
from jwlink.download.report import REASONS, DownloadReport, FileResult
from jwlink.download.sources import HttpSource, LocalSource
from jwlink.errors import DownloadError

__all__ = [
    "REASONS",
    "DownloadError",
    "DownloadReport",
    "FileResult",
    "HttpSource",
    "LocalSource",
    "ManifestEntry",
    "Progress",
    "Source",
    "download",
    "fetch_one",
    "safe_relative_path",
]

logger = logging.getLogger("jwlink.download")

# Advanced with the byte count of every chunk written (or of a file found complete).
Progress = Callable[[int], None]


def _transfer(
    source: Source, entry: ManifestEntry, target: Path, offset: int, progress: Progress
) -> tuple[int, int]:
    """Write the file from ``offset`` (or from 0 where the source starts there).

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
        and (entry.sha256 is None or file_sha256(target) == entry.sha256)
    ):
        result.status = "unchanged"
        progress(entry.size)
        return result
    offset = have if 0 < have < entry.size else 0
    try:
        for attempt in (1, 2):
            written, start = _transfer(source, entry, target, offset, progress)
            result.transferred += written
            if entry.sha256 is None or file_sha256(target) == entry.sha256:
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

"""``jwlink download --update``: fetch the changed and new files of a folder, and nothing else.

Each file comes through the download client (`jwlink.download.client.fetch_one`:
resumed with ``Range``, verified against the manifest's SHA-256) into a
hidden part file beside its place, ``.<name>.jwlink-part``, so an
interrupted update resumes and a half-fetched file is never taken for the
old one. Only once verified does it replace the old file, which is kept in
``.jwlink-old/<first 8 hex of its SHA-256>/<its path>`` unless ``replace``.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from jwlink.download.changes import ChangeReport
from jwlink.download.client import Progress, fetch_one
from jwlink.download.manifest import ManifestEntry, Source, safe_relative_path
from jwlink.download.report import DownloadReport, FileResult

__all__ = ["OLD", "update"]

OLD = ".jwlink-old"  # hidden: ingest and check skip it, so old copies never count twice
_NAMES_PER_MANIFEST = 200  # a GET manifest names its files in the query string


def _part(path: str) -> str:
    relative = safe_relative_path(path)
    return str(relative.with_name(f".{relative.name}.jwlink-part"))


def _fetch(
    source: Source,
    entry: ManifestEntry,
    root: Path,
    old_sha: str | None,
    keep: bool,
    tick: Progress,
) -> FileResult:
    """Fetch into the part file, then put it in place, the old copy aside unless not ``keep``."""
    result = fetch_one(source, replace(entry, path=_part(entry.path)), root, tick)
    target = root.joinpath(*safe_relative_path(entry.path).parts)
    result.path = str(target)
    if result.status not in ("downloaded", "resumed", "unchanged"):
        return result
    if result.status == "unchanged":
        result.status = "downloaded"  # finished earlier, verified now, put in place below
    part = root.joinpath(*safe_relative_path(_part(entry.path)).parts)
    if target.exists() and keep:
        aside = root / OLD / (old_sha or "unknown")[:8] / entry.path
        aside.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(target, aside)
        result.message = f"old copy kept in {aside.relative_to(root).as_posix()}"
    elif target.exists():
        result.message = "old copy replaced"
    part.replace(target)
    return result


def update(
    report: ChangeReport,
    source: Source,
    replace_old: bool = False,
    workers: int = 4,
) -> DownloadReport:
    """Fetch the changed and new files of a `ChangeReport`, and nothing else.

    Parameters
    ----------
    report : ChangeReport
        What `detect` found.
    source : Source
        Where the bytes come from (`jwlink.download.sources.HttpSource` or ``LocalSource``);
        its manifest of the files to fetch gives each one's size, SHA-256 and status.
    replace_old : bool
        Replace changed files without keeping the old copy.
    workers : int
        Parallel transfers.

    Returns
    -------
    DownloadReport
        One result per fetched file; ``ok`` is False when any is not in place.

    Raises
    ------
    DownloadError
        The manifest could not be obtained.
    """
    root = Path(report.folder)
    wanted = {i["name"]: (i["path"], i["sha256"]) for i in report.changed}
    for item in report.new:
        wanted.setdefault(item["name"], (item["path"], None))
    entries: list[ManifestEntry] = []
    names = list(wanted)
    for start in range(0, len(names), _NAMES_PER_MANIFEST):
        entries += source.manifest([], names[start : start + _NAMES_PER_MANIFEST], False, False)
    # Where the file is now (changed) or where its selection puts it (new), not the manifest's.
    jobs = [(replace(e, path=wanted[e.name][0]), wanted[e.name][1]) for e in entries]
    tick: Progress = lambda _n: None  # noqa: E731 - no progress bar for a handful of files
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(
            pool.map(lambda job: _fetch(source, job[0], root, job[1], not replace_old, tick), jobs)
        )
    return DownloadReport(dest=str(root), files=results)

"""What changed since my download: a folder compared with the archive as it is now.

Every file in the folder is compared by name with the archive's current
product of that name (a ``jwlink serve`` server, `HttpArchive`, or a
catalog, `CatalogArchive`):

- *changed*: the SHA-256 differs. MAST's ``prvversion`` misses reprocessing
  with new reference files (spacetelescope/jwst_mast_query#20), so the
  checksum decides and ``prvversion`` is a second signal: the local file's
  ``PRVVERSION`` (or ``CAL_VER``, the keyword the jwst pipeline writes) is
  compared with the archive's ``prvversion`` when the archive has one, and
  decides alone only when the archive records no checksum;
- *new*: a file the archive now holds, of the selection the folder came
  from (the observations given, or those the folder's files belong to;
  their MRP or every product), that the folder lacks;
- *gone*: a file a download put in the folder that the archive no longer
  lists (a file the archive never listed, say the user's own, is only
  *unlisted*: nothing to update);
- *unchecked*: a file that could not be compared (unreadable, or the
  archive records neither checksum nor a differing version).

`jwlink.download.update.update` then fetches the changed and new files alone; the
folder's download record (`jwlink.download.record`) says what it was downloaded from.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from jwlink.download.manifest import file_sha256
from jwlink.download.record import Selection, read_record
from jwlink.errors import DownloadError
from jwlink.ingest import iter_files

__all__ = [
    "Archive",
    "ArchiveFile",
    "CatalogArchive",
    "ChangeReport",
    "HttpArchive",
    "Now",
    "detect",
    "local_version",
]

_VERSION_KEYWORDS = ("PRVVERSION", "CAL_VER")


@dataclass(frozen=True)
class ArchiveFile:
    """The archive's product of one name now: checksum, version, where it goes, status."""

    name: str
    path: str
    size: int | None
    sha256: str | None
    prvversion: str | None
    status: str = "OK"
    message: str = ""


@dataclass(frozen=True)
class Now:
    """The archive's answer: facts per name, names it does not list, the selection's names."""

    files: dict[str, ArchiveFile]
    unknown: list[str]
    selection: list[str]
    obs_ids: list[str]


class Archive(Protocol):
    """Where the current facts come from."""

    where: str

    def now(
        self, held: Sequence[str], obs_ids: Sequence[str] | None, names: Sequence[str], mrp: bool
    ) -> Now:
        """Return the facts of the held names and the selection's products."""


class HttpArchive:
    """A ``jwlink serve`` server (``POST /api/v1/changes``)."""

    def __init__(self, client: httpx.Client, server: str, token: str | None = None) -> None:
        self.client = client
        self.where = server.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def now(
        self, held: Sequence[str], obs_ids: Sequence[str] | None, names: Sequence[str], mrp: bool
    ) -> Now:
        """Ask the server."""
        body = {"held": list(held), "obs_ids": obs_ids, "names": list(names), "mrp": mrp}
        url = f"{self.where}/api/v1/changes"
        try:
            response = self.client.post(url, json=body, headers=self.headers)
        except httpx.HTTPError as err:
            msg = f"Cannot reach {self.where}: {err}"
            raise DownloadError(msg) from err
        if response.status_code != 200:
            try:
                why = str(response.json().get("error"))
            except ValueError:
                why = response.text[:200]
            msg = f"{url} refused ({response.status_code}): {why}"
            raise DownloadError(msg)
        doc = response.json()
        files = {
            row["name"]: ArchiveFile(
                row["name"],
                row["path"],
                row.get("size"),
                row.get("sha256"),
                row.get("prvversion"),
                row.get("status", "OK"),
                row.get("message", ""),
            )  # fmt: skip
            for row in doc["products"]
        }
        return Now(files, list(doc["unknown"]), list(doc["selection"]), list(doc["obs_ids"]))


class CatalogArchive:
    """A catalog on this machine; a file is held when it has a location (under ``data_root``)."""

    def __init__(self, db_url: str, data_root: str | os.PathLike[str] | None = None) -> None:
        from jwlink.store import shown_url

        self.db_url = db_url
        self.data_root = Path(data_root) if data_root is not None else None
        self.where = shown_url(db_url)

    def now(
        self, held: Sequence[str], obs_ids: Sequence[str] | None, names: Sequence[str], mrp: bool
    ) -> Now:
        """Ask the catalog (opened read-only)."""
        from jwlink.query.changes import current
        from jwlink.query.selection import served_path
        from jwlink.store import open_store

        store = open_store(self.db_url, readonly=True)
        try:
            facts = current(store, held, obs_ids, names, mrp)
        finally:
            store.close()
        files = {}
        for name, item in facts.files.items():
            held_here = item.location is not None and (
                self.data_root is None or served_path(item.location, self.data_root) is not None
            )
            status, message = ("OK", "") if held_here else ("NOT_HELD", "no file in the catalog")
            files[name] = ArchiveFile(
                name, item.path(), item.size, item.sha256, facts.prvversions.get(name),
                status, message,
            )  # fmt: skip
        return Now(files, facts.unknown, facts.selection, facts.obs_ids)


@dataclass
class ChangeReport:
    """A folder against the archive now: changed, new, gone and unchecked files."""

    folder: str
    against: str
    obs_ids: list[str]
    mrp: bool
    files: int = 0
    unchanged: int = 0
    changed: list[dict[str, Any]] = field(default_factory=list)
    new: list[dict[str, Any]] = field(default_factory=list)
    gone: list[dict[str, Any]] = field(default_factory=list)
    unchecked: list[dict[str, Any]] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        """True when nothing changed, nothing is new or gone, and every file was checked."""
        return not (self.changed or self.new or self.gone or self.unchecked)

    def summary(self) -> str:
        """One line: ``up to date`` or what differs (``1 changed, 1 new, ...``)."""
        if self.same:
            return f"up to date with {self.against}: {self.unchanged} file(s) unchanged"
        parts = [
            f"{len(items)} {what}"
            for what, items in (
                ("changed", self.changed),
                ("new", self.new),
                ("gone", self.gone),
                ("could not be checked", self.unchecked),
            )
            if items
        ]
        return f"since the download ({self.against}): " + ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        """JSON form: the counts and every list."""
        return {
            "folder": self.folder,
            "against": self.against,
            "obs_ids": self.obs_ids,
            "mrp": self.mrp,
            "same": self.same,
            "summary": self.summary(),
            "counts": {
                "files": self.files,
                "unchanged": self.unchanged,
                "changed": len(self.changed),
                "new": len(self.new),
                "gone": len(self.gone),
                "unchecked": len(self.unchecked),
                "unlisted": len(self.unlisted),
            },
            "changed": self.changed,
            "new": self.new,
            "gone": self.gone,
            "unchecked": self.unchecked,
            "unlisted": self.unlisted,
        }


def local_version(path: Path) -> str | None:
    """Return a FITS file's ``PRVVERSION`` or ``CAL_VER`` (None: not FITS, or neither)."""
    if not path.name.lower().endswith((".fits", ".fit", ".fits.gz")):
        return None
    from astropy.io import fits

    try:
        header = fits.getheader(path, 0)
    except (OSError, ValueError):
        return None
    for keyword in _VERSION_KEYWORDS:
        if header.get(keyword) not in (None, ""):
            return str(header[keyword])
    return None


def _compare(path: Path, relative: str, known: ArchiveFile, report: ChangeReport) -> None:
    """Put one local file the archive lists into changed, unchanged or unchecked."""
    entry: dict[str, Any] = {"name": known.name, "path": relative}
    try:
        actual = file_sha256(path)
    except OSError as err:
        report.unchecked.append({**entry, "why": f"cannot read: {err}"})
        return
    entry |= {"sha256": actual, "archive_sha256": known.sha256}
    if known.sha256 is not None and actual == known.sha256:
        report.unchanged += 1  # the same bytes: nothing the version could add
        return
    version = local_version(path) if known.prvversion is not None else None
    entry |= {"prvversion": version, "archive_prvversion": known.prvversion}
    differs = version is not None and version != known.prvversion
    why = (["sha256"] if known.sha256 is not None else []) + (["prvversion"] if differs else [])
    if why:
        report.changed.append({**entry, "why": why})
    else:
        seen = f"; prvversion agrees ({version})" if version is not None else ""
        report.unchecked.append({**entry, "why": f"the archive records no SHA-256{seen}"})


def _layout(root: Path) -> dict[str, list[str]]:
    """Return file name -> relative paths of the folder's files (hidden ones skipped)."""
    found: dict[str, list[str]] = {}
    for path in iter_files([root]):
        found.setdefault(path.name, []).append(path.relative_to(root).as_posix())
    return found


def detect(
    folder: str | os.PathLike[str],
    archive: Archive,
    selections: Sequence[Selection] | None = None,
    mrp: bool = True,
) -> ChangeReport:
    """Compare a downloaded folder with the archive now.

    Parameters
    ----------
    folder : str or PathLike
        The download (files anywhere below it; hidden files and folders skipped).
    archive : Archive
        `HttpArchive` or `CatalogArchive`.
    selections : sequence of Selection, optional
        What the folder was downloaded from (what counts as *new*); None: the
        folder's record (`read_record`), or without one the observations its
        files belong to.
    mrp : bool
        Without a selection or record: only the observations' MRP counts as new.

    Returns
    -------
    ChangeReport
        Changed, new, gone and unchecked files.

    Raises
    ------
    DownloadError
        The server cannot be reached or refuses.
    NotFound
        An observation or named product is not in the archive.
    """
    root = Path(folder).resolve()
    local = _layout(root)
    record = read_record(root)
    chosen = list(selections) if selections is not None else record.selections
    held = sorted(local)
    answers = [(s, archive.now(held, s.obs_ids, s.names, s.mrp)) for s in chosen]
    if not answers:
        answers = [(Selection((), (), mrp), archive.now(held, None, (), mrp))]
    files = {name: item for _, now in answers for name, item in now.files.items()}
    obs_ids = list(dict.fromkeys(o for _, now in answers for o in now.obs_ids))
    report = ChangeReport(str(root), archive.where, obs_ids, all(s.mrp for s, _ in answers))
    report.files = sum(len(paths) for paths in local.values())
    unknown = set(answers[0][1].unknown)
    for name, paths in sorted(local.items()):
        for relative in paths:
            if name in unknown and name in record.files:
                report.gone.append({"name": name, "path": relative})
            elif name in unknown:
                report.unlisted.append(relative)
            elif name in files:
                _compare(root / relative, relative, files[name], report)
    seen: set[str] = set(local)
    for selection, now in answers:
        for name in now.selection:
            item = now.files[name]
            if name in seen or item.status in ("NOT_HELD", "BAD_NAME"):
                continue
            seen.add(name)
            report.new.append(
                {"name": name, "path": name if selection.flat else item.path, "size": item.size,
                 "sha256": item.sha256, "status": item.status, "message": item.message}
            )  # fmt: skip
    return report

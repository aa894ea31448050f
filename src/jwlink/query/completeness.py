"""Completeness of a local folder: what is present, missing, extra or changed, and its MRP.

``jwlink check DIR`` reads every association, pool, MAST product table and
FITS header under DIR (`jwlink.ingest.evidence`) and compares the files they name
with the files on disk:

- *missing*: a file some document names as required that is not in DIR;
- *extra*: a file in DIR that no document names and that belongs to nothing
  named (a preview, a guide-star file of a named visit, a per-source product);
- *changed*: with a catalog (``--db``) that recorded a file (by its path, or
  by its name with a SHA-256), a file whose SHA-256 now differs.

The folder is also ingested (into the catalog, or a temporary one) so that
the MRP of what is present can be asked of it. Files found changed are not
ingested: the catalog keeps the recorded content, so the next check reports
them again until the user ingests them on purpose.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jwlink.ingest import ingest
from jwlink.ingest.evidence import FolderEvidence, Naming, read_folder
from jwlink.query.questions import mrp
from jwlink.store import SqlStore

__all__ = ["Completeness", "check", "compare", "present_mrp"]

_INPUTS_UNDER_SQL = "SELECT path, fingerprint FROM inputs WHERE substr(path, 1, ?) = ?"
_SHA256_SQL = "SELECT name, sha256 FROM products WHERE name IN ({marks}) AND sha256 IS NOT NULL"
_OWNERS_SQL = "SELECT DISTINCT obs_id FROM products WHERE name IN ({marks}) AND obs_id IS NOT NULL"
_MEMBERS_SQL = "SELECT member_obs_id FROM members WHERE obs_id IN ({marks})"


@dataclass
class Completeness:
    """What a folder holds against what its documents name.

    ``present``, ``missing`` and ``not_held`` hold one dict per file with the
    documents that name it; ``extra`` the paths (relative to the folder) of
    files nothing names; ``changed`` the files whose SHA-256 differs from the
    catalog's; ``mrp`` the present minimum recommended products per observation;
    ``unread`` the documents held whose content could not be had (a file
    name posted to the API that the archive has no copy of): what they name
    is not counted.
    """

    folder: str
    files: int = 0
    present: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    changed: list[dict[str, str]] = field(default_factory=list)
    not_held: list[dict[str, Any]] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    associations: list[dict[str, Any]] = field(default_factory=list)
    mrp: dict[str, list[str]] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)
    unread: list[dict[str, str]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when nothing is missing or changed and every document was read."""
        return not (self.missing or self.changed or self.errors)

    @property
    def verdict(self) -> str:
        """``complete``, or ``incomplete:`` with what makes it so (``1 missing``, ...)."""
        if self.complete:
            return "complete"
        parts = [
            f"{len(self.missing)} missing" if self.missing else "",
            f"{len(self.changed)} changed" if self.changed else "",
            f"{len(self.errors)} unreadable" if self.errors else "",
        ]
        return "incomplete: " + ", ".join(p for p in parts if p)

    def counts(self) -> dict[str, int]:
        """Return the number of files in each category."""
        return {
            "files": self.files,
            "present": len(self.present),
            "missing": len(self.missing),
            "extra": len(self.extra),
            "changed": len(self.changed),
            "not_held": len(self.not_held),
            "unreadable": len(self.errors),
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON form: verdict, counts and every list in full."""
        return {
            "folder": self.folder,
            "complete": self.complete,
            "verdict": self.verdict,
            "counts": self.counts(),
            "missing": self.missing,
            "changed": self.changed,
            "extra": self.extra,
            "not_held": self.not_held,
            "present": self.present,
            "documents": self.documents,
            "associations": self.associations,
            "mrp": self.mrp,
            "errors": self.errors,
            "unread": self.unread,
        }


def _by(namings: list[Naming]) -> list[dict[str, str]]:
    return [{"source": n.source, "why": n.why} for n in namings]


def check(store: SqlStore, folder: str | os.PathLike[str]) -> Completeness:
    """Compare a folder with what its documents name; ingest it for the MRP.

    Parameters
    ----------
    store : SqlStore
        The catalog: a temporary one, or one whose recorded SHA-256 of
        these files is the reference for *changed*.
    folder : str or PathLike
        A folder of downloaded JWST files.

    Returns
    -------
    Completeness
        Present, missing, extra and changed files, the MRP of what is
        present, and the files that could not be read.
    """
    root = Path(folder).resolve()
    evidence = read_folder(root)
    result = Completeness(folder=str(root), documents=sorted(evidence.documents))
    compare(evidence, result)
    changed, settled = _changed(store, root, evidence)
    result.changed = changed
    skip = {str(root / c["path"]) for c in changed} | settled
    paths = sorted({str(root / p) for p in evidence.paths} - skip)
    report = ingest(store, paths)
    errors = dict(evidence.errors)
    for path, problem in report.errors:
        errors.setdefault(path, problem)
    result.errors = [{"path": p, "error": m} for p, m in sorted(errors.items())]
    result.mrp = present_mrp(store, set(evidence.files))
    return result


def compare(evidence: FolderEvidence, result: Completeness) -> None:
    """Sort the files held into present and extra, and what documents name into missing.

    The one comparison both ``jwlink check`` (a folder) and the API (file
    names) make: the difference between them is only where the evidence
    comes from (`jwlink.query.held`).
    """
    named = evidence.named()
    related = evidence.related(named)
    documents = set(evidence.documents)
    result.files = len(evidence.paths)
    # A renamed FITS copy is present under both names; count each file once, by path.
    for path, names in sorted(evidence.paths.items()):
        naming = [x for n in names for x in named.get(n, [])]
        why = next((related[n] for n in names if n in related), None)
        if naming or why or path in documents:
            name = next((n for n in names if n in named or n in related), Path(path).name)
            entry: dict[str, Any] = {"name": name, "path": path}
            entry["named_by"] = _by(naming)
            if why:
                entry["related"] = why
            if path in documents:
                entry["document"] = True
            result.present.append(entry)
        else:
            result.extra.append(path)
    result.associations = _associations(evidence)
    for name in sorted(set(named) - set(evidence.files)):
        entry = {"name": name, "named_by": _by(named[name])}
        if any(n.required for n in named[name]):
            result.missing.append(entry)
        else:
            result.not_held.append(entry)


def _associations(evidence: FolderEvidence) -> list[dict[str, Any]]:
    """Per association file: its members and products, and which of them are not here."""
    by_source: dict[str, dict[str, list[str]]] = {}
    for naming in evidence.namings:
        if naming.role:
            roles = by_source.setdefault(naming.source, {"member": [], "product": []})
            roles[naming.role].append(naming.name)
    out = []
    for source, roles in sorted(by_source.items()):
        members, products = sorted(set(roles["member"])), sorted(set(roles["product"]))
        out.append(
            {
                "association": Path(source).name,
                "path": source,
                "members": len(members),
                "missing_members": [m for m in members if m not in evidence.files],
                "products": len(products),
                "missing_products": [p for p in products if p not in evidence.files],
            }
        )
    return out


def _recorded(store: SqlStore, root: Path, evidence: FolderEvidence) -> dict[str, str]:
    """Return path -> SHA-256 the catalog recorded for files under the folder."""
    prefix = str(root).rstrip(os.sep) + os.sep
    rows = store.execute(_INPUTS_UNDER_SQL, (len(prefix), prefix))
    recorded = {str(p): str(f) for p, f in rows}
    # A catalog built elsewhere knows the files by name (and checksum), not by this path.
    unplaced: dict[str, list[str]] = {}
    for path in evidence.paths:
        if str(root / path) not in recorded:
            unplaced.setdefault(Path(path).name, []).append(str(root / path))
    for name, sha256 in store.execute_in(_SHA256_SQL, sorted(unplaced)):
        recorded.update(dict.fromkeys(unplaced[str(name)], str(sha256)))
    return recorded


def _changed(
    store: SqlStore, root: Path, evidence: FolderEvidence
) -> tuple[list[dict[str, str]], set[str]]:
    """Hash the files the catalog recorded; return the changed ones and the unchanged paths.

    Only recorded files are hashed here; ingest hashes the others once.
    """
    recorded = _recorded(store, root, evidence)
    changed: list[dict[str, str]] = []
    settled: set[str] = set()
    for path, expected in sorted(recorded.items()):
        try:
            actual = _sha256(Path(path))
        except OSError:
            continue  # ingest reports the unreadable file
        relative = str(Path(path).relative_to(root))
        if actual == expected:
            settled.add(path)
        else:
            name = Path(path).name
            changed.append(
                {"name": name, "path": relative, "sha256": actual, "catalog_sha256": expected}
            )
    return changed, settled


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def present_mrp(store: SqlStore, present: set[str]) -> dict[str, list[str]]:
    """Return the MRP of each observation that present files belong to, among those files.

    Exposures that are members of a Level 3 observation present here are
    covered by its MRP (which hides them when Level 3 products exist).
    """
    owners = {str(r[0]) for r in store.execute_in(_OWNERS_SQL, sorted(present))}
    covered = {str(r[0]) for r in store.execute_in(_MEMBERS_SQL, sorted(owners))}
    result = {}
    for obs_id in sorted(owners - covered):
        chosen = [n for n in mrp(store, obs_id).products if n in present]
        if chosen:
            result[obs_id] = chosen
    return result

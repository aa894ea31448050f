"""Ingest files and folders into a catalog: walk, read, link, write.

Each input file becomes one `Batch` written in one transaction, so a bad file
leaves no rows behind and memory stays flat however many files a tree holds.
A file whose SHA-256 the catalog already recorded is skipped: re-ingesting
the same input changes nothing.

An ingest stopped at any point (killed, power lost) leaves a consistent
catalog: every input recorded has all its rows, no other file has any, and
the visits whose guide-star links are not derived yet stay queued in the
catalog. Running the same ingest again completes it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from jwlink import linker
from jwlink.errors import CatalogReadOnly, CatalogUnavailable, InputError, InvalidName, JwlinkError
from jwlink.ingest.asn import read_association
from jwlink.ingest.listing import LISTING_READERS, listing_kind, read_listing
from jwlink.ingest.pool import looks_like_pool, read_pool
from jwlink.ingest.table import read_product_table
from jwlink.model import Batch, FoundFile
from jwlink.naming import bare_name, describe
from jwlink.store.base import SqlStore

__all__ = ["IngestReport", "classify", "ingest", "iter_files", "read_file", "shown"]

_FITS_ENDINGS = (".fits", ".fit", ".fts")


@dataclass
class IngestReport:
    """What one ingest run did; ``errors`` holds ``(path, message)`` pairs."""

    files: int = 0
    ingested: int = 0
    unchanged: int = 0
    ignored: int = 0
    products: int = 0
    links: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """Return the report as a JSON-ready dict."""
        return {
            "files": self.files,
            "ingested": self.ingested,
            "unchanged": self.unchanged,
            "ignored": self.ignored,
            "products": self.products,
            "links": self.links,
            "errors": [{"path": p, "error": m} for p, m in self.errors],
        }


def classify(path: Path) -> str | None:
    """Return which reader a file goes to, by name (lists: by first lines); None to ignore it.

    Returns one of ``association``, ``pool``, ``fits``, ``table``, ``file``,
    ``manifest``, ``curl_script``, ``cloud_listing``.
    """
    name = path.name
    lower = name.lower()
    try:
        info = describe(name)
    except InvalidName:
        return None
    if lower.endswith(".json"):
        return "association"
    if lower.endswith(".csv") and (lower.endswith("_pool.csv") or looks_like_pool(path)):
        return "pool"
    if lower.endswith(_FITS_ENDINGS):
        return "fits"
    if info.form is not None:
        return "file"
    # Tables, manifests, curl scripts and cloud listings, told apart by content.
    return listing_kind(path)


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Yield every file under the given files and folders, in a stable order.

    Hidden files and folders are skipped; folder symlinks are not followed
    (a link loop must not hang an ingest).
    """
    for raw in paths:
        root = Path(raw)
        if root.is_dir():
            for folder, dirs, files in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(folder) / name
        else:
            yield root


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def read_file(path: Path, reader: str, sha256: str, size: int) -> Batch:
    """Read one file with its reader and link what it says into one batch.

    Raises
    ------
    InputError
        The file cannot be read as the evidence its name promises.
    """
    location = str(path.resolve())
    batch = Batch(source=location)
    name = path.name
    if reader == "association":
        batch.extend(linker.link_association(read_association(path)))
    elif reader == "pool":
        batch.extend(linker.link_pool(list(read_pool(path))))
    elif reader == "fits":
        from jwlink.ingest.fits import read as read_fits

        header = read_fits(path)
        batch.extend(linker.link_header(header))
        # A renamed copy (exp_0.fits) is still the product its FILENAME names.
        name = header.filename
    elif reader == "table":
        batch.extend(linker.link_listed(list(read_product_table(path))))
    elif reader in LISTING_READERS:
        batch.extend(linker.link_listed(list(read_listing(path, reader))))
    batch.extend(linker.link_file(FoundFile(name, location, size, sha256)))
    batch.source = location
    return batch


def ingest(
    store: SqlStore,
    paths: Iterable[str | os.PathLike[str]],
    progress: Callable[[Path], None] | None = None,
    force: bool = False,
) -> IngestReport:
    """Ingest files and folders into the catalog.

    Parameters
    ----------
    store : SqlStore
        The catalog to write to.
    paths : iterable of str or PathLike
        Files and folders; folders are walked.
    progress : callable, optional
        Called with each file's path after it is handled.
    force : bool
        Read and write every file even if the catalog recorded the same content.

    Returns
    -------
    IngestReport
        Counts, and one ``(path, message)`` per file that could not be read.
        A bad file is reported and skipped; every other file is ingested.

    Raises
    ------
    CatalogReadOnly
        The catalog refuses writes (read-only, or its disk is full): no
        further file could be written, so the run stops; what was written
        before stays.
    CatalogUnavailable
        The catalog database cannot be reached.
    """
    report = IngestReport()
    for path in iter_files(paths):
        report.files += 1
        try:
            _ingest_one(store, path, report, force)
        except (CatalogReadOnly, CatalogUnavailable):
            raise
        except InputError as err:
            report.errors.append((shown(path), err.problem))
        except (JwlinkError, OSError) as err:
            report.errors.append((shown(path), str(err)))
        except Exception as err:  # noqa: BLE001 - one file's surprise must not end the batch
            # The writer rolled the file back; every other file still lands.
            problem = f"unexpected {type(err).__name__}: {err} (a jwlink bug: please report it)"
            report.errors.append((shown(path), problem))
        if progress is not None:
            progress(path)
    # Also drains visits an earlier, interrupted run left queued.
    store.link_guide_stars()
    if report.ingested:
        store.optimize()
    return report


def shown(path: Path) -> str:
    r"""Return a path as printable text; bytes that are not UTF-8 appear as ``\xNN``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _ingest_one(store: SqlStore, path: Path, report: IngestReport, force: bool) -> None:
    reader = classify(path)
    if reader is None and path.name[:2].lower() == "jw":
        # A JWST-looking name that the grammar refuses (a newline, a bidi mark,
        # a trailing space) is a problem to report, not a file to pass over.
        try:
            bare_name(path.name)
        except InvalidName as err:
            raise InputError(shown(path), f"file name refused: {err}") from err
    if reader is None:
        report.ignored += 1
        return
    if not path.is_file():
        raise InputError(str(path), "no such file")
    location = str(path.resolve())
    if shown(Path(location)) != location:
        # The catalog holds text: a name in another encoding cannot be stored
        # as it is, and a mangled one would no longer find the file.
        raise InputError(shown(path), "its path is not UTF-8 text (rename the file or folder)")
    sha256, size = _sha256(path)
    if not force and store.fingerprint_of(location) == sha256:
        report.unchanged += 1
        return
    batch = read_file(path, reader, sha256, size)
    store.write(batch, fingerprint=sha256, reader=reader)
    report.ingested += 1
    report.products += len({p.name for p in batch.products})
    report.links += len({(x.source, x.target, x.kind, x.role) for x in batch.links})

"""What a folder's own documents say it should hold: every file each one names.

`read_folder` reads each association, pool, MAST product table and FITS
header under a folder with the ingest readers and the pure linker, and
records every file name they name, who names it and whether a download from
MAST must hold it (*required*) or may (*optional*). Nothing here touches a
catalog.

What each source names, and why (facts from the jwst 3.0.0 pipeline and the
MAST product list, ``reference/jwst-data.md`` and ``reference/mast-api.md``):

- **association**: every member ``expname`` exactly, and the products its
  pipeline writes (`jwlink.core.expected`: ``_cal``/``_calints`` at Level 2; ``_i2d``,
  ``_cat``, ``_segm``, ``_x1d``, per-member ``_crf`` ... at Level 3). Required.
  Its ``asn_pool``: optional, MAST does not distribute pools.
- **pool**: one row per exposure; its ``FILENAME`` (the exposure's ``_uncal``)
  exactly. Required: MAST delivers the ``_uncal`` of every exposure it
  holds. Which Level 2 products an exposure gets depends on the associations
  made from the pool (image or spectrum, TSO or not, ``_rate`` or
  ``_rateints``), so those are left to the associations and the product table,
  which name them exactly.
- **product table** (``Observations.get_product_list`` exported): every
  ``productFilename``, exactly. Required: it is the list of what MAST holds.
- **FITS header**: ``ASNTABLE`` (the association that made the file) and the
  ``FILENAME`` column of a Level 3 product's ``HDRTAB`` (its inputs):
  required. ``ASNPOOL``, ``R_*`` reference files, ``CRDS_CTX``, the MSA file
  and the other files a header cites (`jwlink.core.linker.headers.FILE_KEYWORDS`):
  optional, as CRDS, not MAST's product list, delivers most of them.

A file no document names is still accounted for (`FolderEvidence.related`)
when it is a document read here; a preview (``X.jpg``, ``X_thumb.jpg``:
MAST's ``jpegURL``) of a named or present ``X.fits``; a guide-star file of a
visit whose exposures are named (MAST lists them with the observation); a
per-source product matching a named ``{source_id}`` template; or a Level 2
``_x1d``, ``_s2d``, ``_s3d``, ``_i2d`` (``_x1dints``) beside an association's
``_cal`` (``_calints``): ``calwebb_spec2.py`` and ``calwebb_image2.py`` write
them for some modes only, so they are never *required*.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from jwlink.core import linker
from jwlink.core.linker.headers import header_links, pool_file_name
from jwlink.core.model import AsnEvidence
from jwlink.errors import InputError, InvalidName, JwlinkError
from jwlink.ingest.run import classify, may_be_evidence
from jwlink.ingest.tree import iter_files, refusal, shown
from jwlink.naming import Form, describe
from jwlink.readers.asn import read_association
from jwlink.readers.engdb import read_engdb
from jwlink.readers.pool import read_pool
from jwlink.readers.table import read_product_table

__all__ = ["DOCUMENT_READERS", "FolderEvidence", "Naming", "association_namings",
           "read_document", "read_folder"]  # fmt: skip

# The readers whose files name other files: the documents read here.
DOCUMENT_READERS = ("association", "pool", "table", "fits", "engdb")

_log = logging.getLogger(__name__)

# Header keywords naming files MAST delivers with the product (the rest are optional).
_REQUIRED_HEADER_ROLES = frozenset({"association"})
_L2_OPTIONAL = {"cal": ("x1d", "s2d", "s3d", "i2d"), "calints": ("x1dints",)}
_PREVIEW = re.compile(r"^(?P<stem>.+?)(?:_thumb)?\.jpg$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Naming:
    """One document naming one file.

    ``source`` is the document's path relative to the folder; ``why`` says
    what in it names the file; ``required`` whether a complete download holds
    it; ``role`` is ``member`` or ``product`` for what an association names.
    """

    name: str
    source: str
    why: str
    required: bool
    role: str = ""


@dataclass
class FolderEvidence:
    """The files under a folder and every name its documents give.

    ``paths`` maps the path (relative to the folder) of every file to the
    names it goes by: its own, and for a FITS file the one its ``FILENAME``
    keyword gives; ``files`` each such name to the first path that has it;
    ``documents`` the path of every document read; ``errors`` ``(path, problem)``.
    """

    root: str
    paths: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    namings: list[Naming] = field(default_factory=list)
    templates: list[Naming] = field(default_factory=list)
    side_products: dict[str, Naming] = field(default_factory=dict)
    documents: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)

    def named(self) -> dict[str, list[Naming]]:
        """Return every named file with the documents that name it."""
        out: dict[str, list[Naming]] = {}
        for naming in self.namings:
            out.setdefault(naming.name, []).append(naming)
        return out

    def related(self, named: Iterable[str]) -> dict[str, str]:
        """Return the files present that nothing names but that belong (name -> why)."""
        known = set(named) | set(self.files)
        visits = {_visit(n) for n in named if _form(n) is Form.EXPOSURE} - {None}
        patterns = [(_template(t.name), t) for t in self.templates]
        out: dict[str, str] = {}
        for name in self.files:
            if name in named:
                continue
            preview = _PREVIEW.match(name)
            if name in self.side_products:
                side = self.side_products[name]
                out[name] = f"{side.why} ({side.source})"
            elif preview and f"{preview['stem']}.fits" in known:
                out[name] = f"preview of {preview['stem']}.fits"
            elif _form(name) is Form.GUIDESTAR and _visit(name) in visits:
                out[name] = f"guide star of visit {_visit(name)}, whose exposures are named"
            elif match := next((t for p, t in patterns if p.fullmatch(name)), None):
                out[name] = f"per-source product of {match.name} ({match.source})"
        return out


def _form(name: str) -> Form | None:
    try:
        return describe(name).form
    except InvalidName:
        return None


def _visit(name: str) -> str | None:
    try:
        return describe(name).visit_id
    except InvalidName:
        return None


def _template(name: str) -> re.Pattern[str]:
    # {source_id}, {slit_name}: filled per source by the pipeline (s000043110, s200a1).
    parts = re.split(r"\{[a-z_]+\}", name)
    return re.compile("[a-z0-9]+".join(re.escape(p) for p in parts))


def read_folder(root: str | os.PathLike[str]) -> FolderEvidence:
    """Read every document under a folder and collect the file names each one gives.

    Parameters
    ----------
    root : str or PathLike
        A folder of downloaded JWST files (walked like ``jwlink ingest``).

    Returns
    -------
    FolderEvidence
        The files present, every naming, and the documents that could not be read.
    """
    base = Path(root).resolve()
    evidence = FolderEvidence(root=str(base))
    for path in iter_files([base]):
        relative = shown(path.relative_to(base))
        evidence.paths[relative] = [path.name]
        evidence.files.setdefault(path.name, relative)
        # As ingest: a link out of the folder, a FIFO or a device is never read.
        refused = refusal(path, str(base))
        if refused is not None:
            if may_be_evidence(path.name):
                evidence.errors.append((shown(path), refused[1]))
            continue
        reader = classify(path)
        if reader in DOCUMENT_READERS:
            read_document(evidence, path, relative, reader)
    return evidence


def read_document(evidence: FolderEvidence, path: Path, relative: str, reader: str) -> None:
    """Read one document and add the names it gives to ``evidence``.

    A document that cannot be read is recorded in ``evidence.errors`` (by
    ``path``), never raised: one bad file does not hide what the others say.

    Parameters
    ----------
    evidence : FolderEvidence
        Where the namings go.
    path : Path
        The file to read.
    relative : str
        How the namings cite it (its path in the folder, or its name).
    reader : str
        One of `DOCUMENT_READERS` (`jwlink.ingest.run.classify`).
    """
    try:
        _read(evidence, path, relative, reader)
    except InputError as err:
        evidence.errors.append((shown(path), err.problem))
    except (JwlinkError, OSError) as err:
        evidence.errors.append((shown(path), str(err)))
    except Exception as err:  # noqa: BLE001 - as ingest: one file's surprise is reported
        _log.error("unexpected error reading %s", shown(path), exc_info=err)
        problem = f"unexpected {type(err).__name__}: {err} (a jwlink bug: please report it)"
        evidence.errors.append((shown(path), problem))


def _read(evidence: FolderEvidence, path: Path, relative: str, reader: str) -> None:
    if reader == "association":
        evidence.documents.append(relative)
        _association(evidence, read_association(path), relative)
    elif reader == "pool":
        evidence.documents.append(relative)
        for row in read_pool(path):
            why = f"pool line {row.line}: the exposure's file (FILENAME)"
            evidence.namings.append(Naming(row.filename, relative, why, True))
    elif reader == "engdb":
        # A telemetry series names no other file; it is evidence in its own right.
        read_engdb(path)
        evidence.documents.append(relative)
    elif reader == "table":
        evidence.documents.append(relative)
        for listed in read_product_table(path):
            kind = listed.columns.get("productType") or "product"
            why = f"product table row {listed.line} ({kind})"
            name = str(listed.columns["productFilename"])
            evidence.namings.append(Naming(name, relative, why, True))
    else:
        from jwlink.readers.fits import read as read_fits

        header = read_fits(path)
        if header.filename != path.name and relative in evidence.paths:
            # A renamed copy is still the file it says it is.
            evidence.paths[relative].append(header.filename)
            evidence.files.setdefault(header.filename, relative)
        for link in header_links(header):
            keyword = link.evidence.rsplit(":", 1)[-1]
            required = keyword == "HDRTAB" or link.role in _REQUIRED_HEADER_ROLES
            evidence.namings.append(Naming(link.source, relative, f"header {keyword}", required))


def _association(evidence: FolderEvidence, asn: AsnEvidence, relative: str) -> None:
    batch = linker.link_association(asn)
    association_namings(
        evidence, batch.asn_members, batch.asn_outputs, asn.association.pool, relative
    )


def association_namings(
    evidence: FolderEvidence,
    members: Iterable[tuple[str, str, str, str]],
    outputs: Iterable[tuple[str, str, str]],
    pool: str | None,
    relative: str,
) -> None:
    """Add what one association names: its members, its products, its pool.

    The rows are the linker's (``Batch.asn_members``, ``Batch.asn_outputs``),
    read from the file or from a catalog that ingested it: either way the
    same namings. The caller records ``relative`` among the documents.
    """
    for _, product, expname, exptype in members:
        why = f"association member ({exptype}) of {product}"
        evidence.namings.append(Naming(expname, relative, why, True, "member"))
    for _, product, output in outputs:
        naming = Naming(output, relative, f"association product of {product}", True, "product")
        if "{" in output:  # per-source products: one per source, names known only on disk
            evidence.templates.append(naming)
            continue
        evidence.namings.append(naming)
        for other, suffix in _level2_side_products(output):
            why = f"Level 2 {suffix} the pipeline writes for some modes of {product}"
            evidence.side_products[other] = Naming(other, relative, why, False)
    pool_file = pool_file_name(pool)
    if pool_file is not None:
        why = "asn_pool (pools are not in MAST product lists)"
        evidence.namings.append(Naming(pool_file, relative, why, False))


def _level2_side_products(output: str) -> list[tuple[str, str]]:
    """Return ``(name, suffix)`` of what Level 2 may write beside an exposure's ``_cal``."""
    info = describe(output)
    ending = f"_{info.suffix}.fits"
    if info.form is not Form.EXPOSURE or not output.endswith(ending):
        return []
    stem = output.removesuffix(ending)
    return [(f"{stem}_{suffix}.fits", suffix) for suffix in _L2_OPTIONAL.get(info.suffix or "", ())]

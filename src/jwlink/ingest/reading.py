"""Reading one input file: which reader takes it, whether it claims to be JWST evidence, its rows.

A file's name, parsed once (`jwlink.naming.describe`), picks its reader
(`reader_for`); only association files and product tables are ever in doubt,
and their first 64 KiB say whether they claim to be JWST evidence
(`claims_jwst`). `read_parts` reads a file now, refusing a bad one with an
`InputError` that names it, and returns what links its rows a part at a
time: big associations, pools and product tables in parts, every other file
in one.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from jwlink.core import linker
from jwlink.core.linker.tables import link_observation_table
from jwlink.core.model import Batch, FoundFile
from jwlink.errors import InputError, InvalidName
from jwlink.ingest.tree import location_of, shown
from jwlink.naming import NameInfo, describe
from jwlink.readers import table_parts
from jwlink.readers.asn import read_association
from jwlink.readers.engdb import looks_like_engdb, read_engdb
from jwlink.readers.listing import LISTING_READERS, listing_kind, read_listing
from jwlink.readers.msa import read_msa_preimages
from jwlink.readers.pool import looks_like_pool, read_pool
from jwlink.readers.regular import SNIFF_BYTES, open_regular
from jwlink.readers.table import FORMATS, read_observation_table, read_product_table

__all__ = [
    "FITS_ENDINGS",
    "claims",
    "claims_jwst",
    "classify",
    "has_unknown_suffix",
    "may_be_evidence",
    "named_as_evidence",
    "read_file",
    "read_parts",
    "reader_for",
]

_log = logging.getLogger(__name__)

FITS_ENDINGS = (".fits", ".fit", ".fts")
# How much of a file without a JWST name is read to see whether it claims to
# be JWST evidence all the same (a MAST export named "products.csv").
_HEAD_BYTES = SNIFF_BYTES
# Endings whose files a reader may take whatever their name (the rest need a
# JWST name): a file that cannot be opened safely is reported only if it has
# one of these or a JWST name; any other is passed over, as it would be if read.
_EVIDENCE_ENDINGS = (".json", ".csv", ".sh", ".txt", *FITS_ENDINGS, *FORMATS)
# Lower-cased text that only association files carry (jwst associations'
# top-level and member keys).
_ASN_MARKERS = ('"asn_type"', '"asn_rule"', '"asn_pool"', '"asn_id"', '"expname"', '"exptype"')
# ... and MAST product-list tables: their key columns (obsID, parent_obsid
# contain "obsid"), or a VOTable (the format astroquery exports).
_TABLE_MARKERS = ("productfilename", "obs_id", "obsid", "<votable")
_JWST_NAME = re.compile(r"\bjw\d{5}")


def classify(path: Path) -> str | None:
    """Return which reader a file goes to, by name (lists: by first lines); None to ignore it.

    Returns one of ``association``, ``pool``, ``fits``, ``table``, ``file``,
    ``manifest``, ``curl_script``, ``cloud_listing``, ``engdb`` (an
    Engineering Database response, `jwlink.readers.engdb.looks_like_engdb`).
    """
    try:
        info = describe(path.name)
    except InvalidName:
        return None
    return reader_for(path, info)


def reader_for(path: Path, info: NameInfo) -> str | None:
    """Return which reader a file goes to, its name already parsed (see `classify`)."""
    lower = info.name.lower()
    if info.form is None and looks_like_engdb(path):
        return "engdb"
    if lower.endswith(".json"):
        return "association"
    if lower.endswith(".csv") and (lower.endswith("_pool.csv") or looks_like_pool(path)):
        return "pool"
    if lower.endswith(FITS_ENDINGS):
        return "fits"
    if info.form is not None:
        return "file"
    # Tables, manifests, curl scripts and cloud listings, told apart by content.
    return listing_kind(path)


def read_file(
    path: Path, reader: str, sha256: str, size: int, info: NameInfo | None = None
) -> Batch:
    """Read one file with its reader and link what it says into one batch.

    ``info`` is the file's name, parsed (parsed here if None); the linker gets
    it, and the name a FITS file's ``FILENAME`` gives, as parsed values.

    Raises
    ------
    InputError
        The file cannot be read as the evidence its name promises.
    """
    batch = Batch(source=location_of(path))
    for part in read_parts(path, reader, sha256, size, info)():
        batch.extend(part)
    return batch


def read_parts(
    path: Path,
    reader: str,
    sha256: str,
    size: int,
    info: NameInfo | None = None,
    location: str | None = None,
) -> Callable[[], Iterator[Batch]]:
    """Read one file now; return what links it, a part at a time (`SqlStore.write_parts`).

    The file is read (and refused, raising `InputError`) before this
    returns; the returned callable links its rows, and may be called again.
    An association yields one part per `linker.MEMBERS_PER_PART` members, a
    pool, or a product table of `table_parts.STREAM_BYTES` or more (CSV),
    one per `linker.ROWS_PER_PART` rows; every other file, one part.
    ``location`` is `location_of` the path, if the caller has it already.
    """
    location = location_of(path) if location is None else location
    info = describe(path.name) if info is None else info
    found = FoundFile(info.name, location, size, sha256)
    if reader == "association":
        asn = read_association(path)

        def association() -> Iterator[Batch]:
            for part in linker.link_association_parts(asn, info):
                part.source = location
                yield part
            yield _located(linker.link_file(found, info), location)

        return association
    if reader == "pool":
        return _pool_parts(path, found, info)
    if reader == "table" and table_parts.streams(path, size):
        return _table_parts(path, found, info)
    batch = _read_whole(path, reader, found, info)
    return lambda: iter((batch,))


def _pool_parts(path: Path, found: FoundFile, info: NameInfo) -> Callable[[], Iterator[Batch]]:
    """Read a pool twice: now, whole, keeping its acquisitions; then a part at a time.

    The first reading refuses a bad pool before any row is written and keeps
    what rows need of other rows (`linker.pool_acquisitions`); the parts
    re-read the file, so memory is one part's whatever the pool's size. A
    pool changed between the readings is refused (its write rolled back).
    """
    first = hashlib.sha256()
    acquisitions = linker.pool_acquisitions(read_pool(path, first))

    def pool() -> Iterator[Batch]:
        again = hashlib.sha256()
        for part in linker.link_pool_parts(read_pool(path, again), acquisitions):
            yield _located(part, found.location)
        if again.digest() != first.digest():
            raise InputError(shown(path), "changed while it was being read; ingest it again")
        yield _located(linker.link_file(found, info), found.location)

    return pool


def _table_parts(path: Path, found: FoundFile, info: NameInfo) -> Callable[[], Iterator[Batch]]:
    """Read a big CSV product table twice, a chunk at a time, as pools are read.

    The first reading checks every row and keeps each ``obsID``'s
    ``obs_id`` (`linker.listed_owners`); the parts re-read the file. A table
    the chunks cannot read as the whole would be (`table_parts.Unsteady`) is
    read whole, as a small one is.
    """
    chunks = table_parts.ProductChunks(path)
    first = hashlib.sha256()
    try:
        owners = linker.listed_owners(chunks.rows(first))
    except table_parts.Unsteady as why:
        _log.info("%s read whole: %s", shown(path), why)
        batch = _read_whole(path, "table", found, info)
        return lambda: iter((batch,))

    def table() -> Iterator[Batch]:
        again = hashlib.sha256()
        for part in linker.link_listed_parts(chunks.rows(again), owners):
            yield _located(part, found.location)
        if again.digest() != first.digest():
            raise InputError(shown(path), "changed while it was being read; ingest it again")
        yield _located(linker.link_file(found, info), found.location)

    return table


def _located(batch: Batch, location: str) -> Batch:
    batch.source = location
    return batch


def _read_whole(path: Path, reader: str, found: FoundFile, info: NameInfo) -> Batch:
    location = found.location
    batch = Batch(source=location)
    if reader == "fits":
        from jwlink.readers.fits import read as read_fits

        header = read_fits(path)
        # A renamed copy (exp_0.fits) is still the product its FILENAME names.
        if header.filename != info.name:
            info = describe(header.filename)
        batch.extend(linker.link_header(header, info))
        if info.name.lower().endswith("_msa.fits"):
            batch.extend(linker.link_msa(header, read_msa_preimages(path)))
    elif reader == "engdb":
        # Named by mnemonic and time range, not by the file (jwst caches are
        # <mnemonic>_data.json whatever the range).
        return _located(linker.link_engineering(read_engdb(path), path.suffix, found), location)
    elif reader == "table":
        batch.extend(linker.link_listed(list(read_product_table(path))))
    elif reader == "observation_table":
        batch.extend(link_observation_table(list(read_observation_table(path))))
    elif reader in LISTING_READERS:
        batch.extend(linker.link_listed(list(read_listing(path, reader))))
    batch.extend(linker.link_file(FoundFile(info.name, location, found.size, found.sha256), info))
    return _located(batch, location)


def claims_jwst(path: Path, reader: str) -> bool:
    """Return whether a file presents itself as JWST evidence, by name or first bytes.

    Only association files and product tables are ever in doubt: their
    endings (``.json``, ``.csv``, ``.xml``, ...) are shared with every other
    tool. One claims if its name is a JWST name (or starts ``jw``, or ends
    ``_asn.json``), or if its first 64 KiB hold association keys
    (``"asn_type"``, ``"expname"``, ...), MAST product-list columns
    (``obs_id``, ``obsID``, ``productFilename``), a VOTable, or a JWST file
    name (``jw`` and five digits). A file that claims and cannot be read is
    an error; one that never claimed is passed over.

    Parameters
    ----------
    path : Path
        The file.
    reader : str
        The reader `classify` chose for it.

    Returns
    -------
    bool
        True also when the file cannot be read (its reader then says why).
    """
    return claims(path, reader, describe(path.name))


def claims(path: Path, reader: str, info: NameInfo) -> bool:
    """Return `claims_jwst` of a file whose name is already parsed."""
    if reader not in ("association", "table", "observation_table"):
        return True
    name = info.name.lower()
    if name.startswith("jw") or name.endswith("_asn.json") or info.form is not None:
        return True
    try:
        with open_regular(path) as handle:
            raw = handle.read(_HEAD_BYTES)
    except InputError:
        return True
    # NULs dropped: the ASCII of UTF-16 text (a Windows export) shows through.
    head = raw.replace(b"\0", b"").decode("utf-8", "replace").lower()
    markers = _ASN_MARKERS if reader == "association" else _TABLE_MARKERS
    return any(m in head for m in markers) or _JWST_NAME.search(head) is not None


def may_be_evidence(name: str) -> bool:
    """Return whether a file's name alone lets a reader take it (before any byte is read).

    True for a JWST name and for the endings a reader takes by content
    (``.json``, tables, ``.sh``, ``.txt``, FITS). A file that may be evidence
    and cannot be read safely is reported; any other is passed over.
    """
    try:
        return named_as_evidence(describe(name))
    except InvalidName:
        return False


def named_as_evidence(info: NameInfo) -> bool:
    """Return whether a parsed name lets a reader take its file (`may_be_evidence`)."""
    return info.form is not None or info.name.lower().endswith(_EVIDENCE_ENDINGS)


def has_unknown_suffix(name: str) -> bool:
    """Return whether a well-formed JWST name carries a suffix jwlink does not know.

    Such a file is ingested (its name says the rest), and the report lists it.
    """
    # Only names whose suffix is free (exposure, stage 3, dummy) can hold an
    # unknown one; the naming module says which (FileName.suffix_known).
    return not describe(name).suffix_known

"""Links that a FITS file's headers name: reference files, catalogs, inputs."""

from __future__ import annotations

from jwlink.core.model import HeaderEvidence, Kind, Link
from jwlink.core.reftypes import reference_role

__all__ = ["FILE_KEYWORDS", "header_links", "pool_file_name", "reference_name"]

# Keyword naming another file -> (kind, role) of that file's link to this one
# (jwst-data.md §5 and §6; core.schema.yaml).
FILE_KEYWORDS: dict[str, tuple[Kind, str]] = {
    "ASNTABLE": (Kind.ANTECEDENT, "association"),
    "ASNPOOL": (Kind.AGGREGATION, "pool"),
    "MSAMETFL": (Kind.LINKED, "msa_catalog"),
    "SCATFILE": (Kind.CALIBRATION, "sourcecat"),
    "SEGMFILE": (Kind.CALIBRATION, "segmap"),
    "DIRIMAGE": (Kind.CALIBRATION, "direct_image"),
    "MASTERBG": (Kind.CALIBRATION, "background"),
    "TCATFILE": (Kind.CONTRIBUTING, "tweakreg_catalog"),
    "OSF_FILE": (Kind.CONTRIBUTING, "engineering"),
    "CRDS_CTX": (Kind.CONTRIBUTING, "reference:context"),
}
_NOT_A_FILE = frozenset({"", "N/A", "NA", "NONE", "NULL", "UNKNOWN"})


def reference_name(value: object) -> str | None:
    """Return the file name a keyword value names (``crds://x.fits`` -> ``x.fits``).

    Parameters
    ----------
    value : object
        A header value.

    Returns
    -------
    str or None
        The bare file name, or None for ``N/A``, blanks and non-strings.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.upper() in _NOT_A_FILE:
        return None
    text = text.removeprefix("crds://")
    # Only the base name: a header must never steer jwlink to another path.
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    return text or None


def pool_file_name(value: object) -> str | None:
    """Return the pool file a pool reference names (``ASNPOOL``, ``asn_pool``).

    Pools are cited with or without their ``.csv`` extension; the file on
    disk always has it, so both spellings reach the same product.
    """
    name = reference_name(value)
    if name is None or name.lower() == "none":
        return None
    return name if name.lower().endswith(".csv") else f"{name}.csv"


def header_links(header: HeaderEvidence) -> list[Link]:
    """Return the links from every file a header names to the header's file.

    Parameters
    ----------
    header : HeaderEvidence
        Keywords, ``R_*`` reference files and HDRTAB members of one file.

    Returns
    -------
    list of Link
        ``R_*`` as contributing ``reference:<reftype>`` (the CRDS reftype,
        `jwlink.core.reftypes`), ``CRDS_CTX`` as ``reference:context``;
        the association, pool, MSA catalog, WFSS catalogs, master background,
        engineering file; HDRTAB members as composition.
    """
    target = header.filename
    links: list[Link] = []
    for keyword, value in sorted(header.reference_files.items()):
        source = reference_name(value)
        if source is not None:
            # The CRDS reftype (R_SUPERB -> superbias), not the cut keyword stem.
            role = reference_role(keyword)
            links.append(
                Link(source, target, Kind.CONTRIBUTING, role, f"header:{target}:{keyword}")
            )
    for keyword, (kind, role) in FILE_KEYWORDS.items():
        named = header.keywords.get(keyword)
        source = pool_file_name(named) if keyword == "ASNPOOL" else reference_name(named)
        if source is not None and source != target:
            links.append(Link(source, target, kind, role, f"header:{target}:{keyword}"))
    for member in header.hdrtab_members:
        source = reference_name(member)
        if source is not None and source != target:
            links.append(
                Link(source, target, Kind.COMPOSITION, "science", f"header:{target}:HDRTAB")
            )
    return links

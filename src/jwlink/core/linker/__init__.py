"""Evidence -> catalog rows: products, observations and typed links (pure).

Each ``link_*`` function takes one piece of evidence from a reader and
returns a `Batch`. Every link records its evidence, the input file (with its
line or keyword) or the naming rule that implied it, so any edge can be
explained. The rules, in DESIGN.md's order of authority:

* association membership: each member's exptype maps to a kind and role
  (`jwlink.core.expected.member_role`); the association file feeds the products
  it defines (antecedent/association);
* file names: a stage product implies its stage inputs (``_cal`` <- ``_rate``
  <- ``_uncal``; ``_crf`` <- ``_cal``), per-source files come from their
  placeholder product (multiplicity), previews show a product (linked);
* FITS headers: ``R_*``/``CRDS_CTX`` (contributing), ``ASNTABLE``,
  ``ASNPOOL``, ``MSAMETFL``, WFSS catalogs, ``MASTERBG``, ``OSF_FILE``,
  ``HDRTAB`` members (composition);
* pools: every row an L1b exposure; target acquisitions are prerequisites
  (`link_pool_parts`: a part of `ROWS_PER_PART` rows at a time);
* MAST product-list tables: products with sizes, rights and membership
  (`link_listed_parts` for big ones, after `listed_owners`);
* time windows (exposures, guider exposures, Engineering Database series)
  and ``PREIMAGE`` (`jwlink.core.linker.engineering`).

Evidence (`jwlink.core.model`) carries names as strings; each ``link_*``
function parses every name it meets once (`jwlink.naming.describe`) and hands
the parsed value on. The ingest pipeline, which has already parsed the name of
the file it read, passes that value in (``info``).
"""

from __future__ import annotations

from jwlink.core.crdsparams import crds_header
from jwlink.core.linker.associations import (
    MEMBERS_PER_PART,
    link_association,
    link_association_parts,
)
from jwlink.core.linker.engineering import (
    header_windows,
    link_engineering,
    msa_preimage_links,
    preimage_links,
)
from jwlink.core.linker.headers import header_links
from jwlink.core.linker.pools import ROWS_PER_PART, link_pool, link_pool_parts, pool_acquisitions
from jwlink.core.linker.products import add_info, observation_from_header, product_of
from jwlink.core.linker.tables import link_listed, link_listed_parts, listed_owners
from jwlink.core.model import Batch, FoundFile, HeaderEvidence
from jwlink.naming import NameInfo, describe

__all__ = [
    "MEMBERS_PER_PART",
    "ROWS_PER_PART",
    "link_association",
    "link_association_parts",
    "link_engineering",
    "link_file",
    "link_header",
    "link_listed",
    "link_listed_parts",
    "link_msa",
    "link_pool",
    "link_pool_parts",
    "listed_owners",
    "msa_preimage_links",
    "pool_acquisitions",
]


def link_header(header: HeaderEvidence, info: NameInfo | None = None) -> Batch:
    """Derive rows from a FITS file's headers.

    Parameters
    ----------
    header : HeaderEvidence
        Keywords, reference files and HDRTAB members of one file.
    info : NameInfo, optional
        ``header.filename`` already parsed (by the ingest pipeline); parsed here if None.

    Returns
    -------
    Batch
        The product with its header metadata, its observation, and links
        from every reference file, catalog, association and input it names.
    """
    batch = Batch(source=header.path)
    info = describe(header.filename) if info is None else info
    add_info(batch, info)
    cal_ver = header.keywords.get("CAL_VER")
    product = product_of(info, prvversion=str(cal_ver) if cal_ver is not None else None)
    batch.products.append(product)
    obs = observation_from_header(product, header.keywords, info.form)
    if obs is not None:
        batch.observations.append(obs)
    named: dict[str, NameInfo] = {}  # a file a header names twice is parsed once
    for link in (*header_links(header), *preimage_links(product, header.keywords)):
        if link.source not in named:
            named[link.source] = describe(link.source)
            add_info(batch, named[link.source])
        batch.links.append(link)
    # Linked by time once the catalog holds both sides (jwlink.store.windows).
    batch.windows += header_windows(product, header.keywords)
    batch.headers[info.name] = dict(header.keywords)
    if (crds := crds_header(info.name, header.keywords, header.reference_files)) is not None:
        batch.crds[info.name] = crds
    return batch


def link_msa(header: HeaderEvidence, preimages: tuple[str, ...]) -> Batch:
    """Derive the pre-image links of an MSA metadata file (`msa_preimage_links`), named too."""
    batch = msa_preimage_links(header, preimages)
    named: set[str] = set()
    for link in batch.links:
        if link.source not in named:
            named.add(link.source)
            add_info(batch, describe(link.source))
    return batch


def link_file(found: FoundFile, info: NameInfo | None = None) -> Batch:
    """Derive rows from a file seen on disk: its location, size and checksum.

    Parameters
    ----------
    found : FoundFile
        Name, location, size and SHA-256 of the file.
    info : NameInfo, optional
        ``found.name`` already parsed (by the ingest pipeline); parsed here if None.

    Returns
    -------
    Batch
        The product (now present) and what its name implies.
    """
    batch = Batch(source=found.location)
    info = describe(found.name) if info is None else info
    add_info(batch, info)
    batch.products.append(
        product_of(info, size=found.size, sha256=found.sha256, location=found.location)
    )
    return batch

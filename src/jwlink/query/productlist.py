"""MAST-style product lists: one SQL statement, MAST's columns, each file once.

An observation's list holds the products it owns; for a Level 3
observation, also its member exposures' products (each row's
``parent_obsid`` is the observation asked for, as MAST does); and the
products linked into those (association files, guide-star products,
previews, MSA catalogs, calibration exposures), each tagged with the kind and
role of the link that brought it in. MAST repeats a file once per path that
reaches it (astropy/astroquery#2496); jwlink lists it once unless asked,
and then by the role it plays in this observation (science before
background). Every row has a ``calib_level``, as every MAST row does
(`CALIB_LEVEL_SQL` says where it comes from when the name gives none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from jwlink.core.mrp import sql_case
from jwlink.store import SqlStore
from jwlink.store.listings import BRINGING, CALIB_LEVEL_SQL, ONE_ROOT, ORDER_SQL, paths_sql

__all__ = [
    "BRINGING",
    "CALIB_LEVEL_SQL",
    "DESCRIPTIONS",
    "MRP_LABEL",
    "PRODUCT_COLUMNS",
    "TYPE_CODES",
    "ListedRow",
    "ProductFacts",
    "ProductList",
    "asn_type_of",
    "list_rule_case",
    "listed_row",
    "product_columns",
    "product_list_sql",
]

# MAST Mast.Caom.Products columns in MAST's order (mast-api.md §2), then jwlink's own.
MAST_COLUMNS = (
    "obsID", "obs_collection", "dataproduct_type", "obs_id", "description", "type", "dataURI",
    "productType", "productGroupDescription", "productSubGroupDescription",
    "productDocumentationURL", "project", "prvversion", "proposal_id", "productFilename", "size",
    "parent_obsid", "dataRights", "calib_level", "filters",
)  # fmt: skip
PRODUCT_COLUMNS = (*MAST_COLUMNS, "sha256", "kind", "role", "present", "level", "suffix")
MRP_LABEL = "Minimum Recommended Products"

# The statements that pick each file's best path, and order and level the
# rows, are the store's: it keeps every list computed (``listings``).
_LISTED = """
picked AS (
    SELECT name, via, kind, role, rank, position FROM listings
    WHERE obs_id = (SELECT root FROM roots)
),
stored AS (SELECT COUNT(*) AS total FROM listings WHERE obs_id = (SELECT root FROM roots))
"""
# The rows a kept list flags MRP: a range of the partial index ``listings_mrp``.
_LISTED_MRP = """
picked AS (
    SELECT name, via, kind, role, rank, position FROM listings
    WHERE obs_id = (SELECT root FROM roots) AND mrp
)
"""


class ProductFacts(NamedTuple):
    """A product's own columns in a listing (`product_columns`: ``calib_level`` always given)."""

    name: str
    obs_id: str | None
    level: str | None
    calib_level: int | None
    product_type: str
    suffix: str
    extension: str
    program: str | None
    filters: str | None
    size: int | None
    sha256: str | None
    location: str | None
    prvversion: str | None
    data_rights: str | None
    dataproduct_type: str | None


# Spelled out (not ProductFacts._fields): the columns go into SQL, and only
# literal text may (tests/test_security_sql_static.py proves it).
PRODUCT_FIELDS = (
    "name", "obs_id", "level", "calib_level", "product_type", "suffix", "extension", "program",
    "filters", "size", "sha256", "location", "prvversion", "data_rights", "dataproduct_type",
)  # fmt: skip
assert PRODUCT_FIELDS == ProductFacts._fields


class ListedRow(NamedTuple):
    """One row of `product_list_sql`, every column by name (`listed_row` builds it).

    ``via``, ``kind``, ``role`` and ``rank`` are the path that listed the
    product (rank 0: owned, 1: a member's, 2: brought in by a link);
    ``obsid``, ``obs_dataproduct_type`` and ``obs_rights`` are of its
    observation; ``rule`` the MRP rule id; ``total`` the rows before paging;
    ``parent`` the obsid of the observation listed (`jwlink.query.manylists`).
    """

    via: str | None
    kind: str | None
    role: str | None
    rank: int
    product: ProductFacts
    obsid: int | None
    obs_dataproduct_type: str | None
    obs_rights: str | None
    rule: str | None = None
    total: int = 0
    parent: int | None = None


# The path columns that come before the product's in every listing statement.
_PATH_COLUMNS = ("name", "via", "kind", "role", "rank")


def listed_row(raw: Sequence[Any]) -> ListedRow:
    """Name the columns of one listing row: the one place their positions are known.

    The row is ``(name, via, kind, role, rank)``, `PRODUCT_FIELDS`, then
    ``obsid, obs_dataproduct_type, obs_rights`` and, from `product_list_sql`,
    ``rule`` and the total (and from `jwlink.query.manylists`, the parent obsid).
    """
    start, end = len(_PATH_COLUMNS), len(_PATH_COLUMNS) + len(PRODUCT_FIELDS)
    _, via, kind, role, rank = raw[:start]
    return ListedRow(via, kind, role, rank, ProductFacts(*raw[start:end]), *raw[end:])


def product_columns() -> list[str]:
    """Return `PRODUCT_FIELDS` as SQL over ``p`` and ``o``, ``calib_level`` always given."""
    return [
        f"{CALIB_LEVEL_SQL} AS calib_level" if c == "calib_level" else f"p.{c}"
        for c in PRODUCT_FIELDS
    ]


def product_list_sql(
    all_duplicates: bool = False,
    rule_case: str = "NULL",
    where: str = "1 = 1",
    collate: str = "COLLATE BINARY",
    paged: bool = False,
    stored: bool = False,
    columns: str | None = None,
    mrp_kept: bool = False,
) -> str:
    """Return the statement listing an observation's products with their paths.

    Bind the observation id once, then the parameters of ``rule_case`` and
    ``where``, then ``LIMIT``/``OFFSET`` when ``paged``. Each row is the path
    columns ``(name, via_obs_id, kind, role, rank)``, `PRODUCT_FIELDS` of the
    product, ``obsid``, ``dataproduct_type`` and ``data_rights`` of its
    observation (for products no observation owns: the one it was listed
    through), the MRP rule id, and the number of rows before paging.

    Parameters
    ----------
    all_duplicates : bool
        One row per path to a file (MAST's behaviour) instead of one per file.
    rule_case : str
        SQL expression naming each row's MRP rule (`jwlink.core.mrp.sql_case`),
        over ``p`` (the product) and ``x`` (its path).
    where : str
        Filter over the listed columns (``name``, ``level``, ``calib_level``,
        ``product_type``, ``suffix``, ``kind``, ``rule``).
    collate : str
        The backend's byte-order collation clause, so every backend sorts alike.
    paged : bool
        End with ``LIMIT ? OFFSET ?``.
    stored : bool
        Read the list the store keeps (`jwlink.store.listings`: only for an
        observation whose list is not queued), an index range scan, instead
        of computing it; the rows are the same. ``all_duplicates`` always
        computes.
    columns : str, optional
        Select these columns of ``listed`` (constant SQL, such as
        `jwlink.query.rowjson.rendered_columns`) before the total, instead
        of the path, product and observation columns and the rule.
    mrp_kept : bool
        With ``stored``: read only the rows the stored list flags MRP (the
        partial index ``listings_mrp``), not every row to decide its rule.
        Only for a ``where`` that keeps MRP rows only, over a catalog whose
        flags this policy decided (`jwlink.store.listings.policy_is_current`);
        the rows and the total are the same.
    """
    fields = ", ".join(PRODUCT_FIELDS)
    stored = stored and not all_duplicates  # the stored list holds each file once
    unfiltered = where == "1 = 1" and not mrp_kept
    if stored:
        listed = _LISTED_MRP if mrp_kept else _LISTED
        ctes, position, order = ONE_ROOT + listed, "x.position", "position"
        # The stored count is the rows' (each joined a product when computed,
        # and products are never deleted); a filter must count what it keeps.
        total = "(SELECT total FROM stored)" if unfiltered else "COUNT(*) OVER ()"
    else:
        ctes, position = paths_sql(collate, all_duplicates), "0"
        order, total = ORDER_SQL.format(collate=collate), "COUNT(*) OVER ()"
    chosen = columns or (
        f"name, via, kind, role, rank, {fields}, obsid, obs_dataproduct_type, obs_rights, rule"
    )
    return (
        ctes
        + f", listed AS (SELECT {position} AS position, x.via, x.kind, x.role, x.rank, "
        + ", ".join(product_columns())
        + ", o.obsid, o.dataproduct_type AS obs_dataproduct_type, o.data_rights AS obs_rights, "
        f"{rule_case} AS rule "
        "FROM picked x JOIN products p ON p.name = x.name "
        "LEFT JOIN observations o ON o.obs_id = COALESCE(p.obs_id, x.via)) "
        f"SELECT {chosen}, {total} FROM listed WHERE {where} "
        f"ORDER BY {order}" + (" LIMIT ? OFFSET ?" if paged else "")
    )


# One observation's facts the MRP policy asks (what `jwlink.query.manylists`
# asks of many in SQL): its association type, whether it holds Level 3
# science, whether per-source files of a placeholder observation are known.
_ASN_TYPE_SQL = (
    "SELECT a.asn_type FROM products p JOIN asn_outputs ao ON ao.name = p.name "
    "JOIN associations a ON a.name = ao.association WHERE p.obs_id = ? "
    "ORDER BY a.asn_type LIMIT 1"
)
_HAS_L3_SQL = "SELECT 1 FROM products WHERE obs_id = ? AND level = '3' AND product_type = 'SCIENCE'"
_CONCRETE_SQL = "SELECT 1 FROM products WHERE obs_id = ? AND level = '3' AND name NOT LIKE ?"


def list_rule_case(store: SqlStore, obs_id: str) -> tuple[str, list[Any]]:
    """Return the MRP policy as SQL for one observation's list, and its parameters.

    The `rule_case` of `product_list_sql` (`jwlink.core.mrp.sql_case`), the
    observation's facts (its association type, whether it has Level 3
    science, whether a source-based id is concrete) decided first.
    """
    has_l3 = bool(store.execute(_HAS_L3_SQL, (obs_id,)))
    concrete = "{source_id}" in obs_id and bool(store.execute(_CONCRETE_SQL, (obs_id, "%{%")))
    truth = {True: "1 = 1", False: "1 = 0"}
    return sql_case(asn_type_of(store, obs_id), truth[has_l3], truth[concrete])


def asn_type_of(store: SqlStore, obs_id: str) -> str | None:
    """Return the type of the association whose products the observation owns, if any."""
    rows = store.execute(_ASN_TYPE_SQL, (obs_id,))
    return rows[0][0] if rows else None


# Short descriptions by suffix, in the words of the JWST product docs.
DESCRIPTIONS = {
    "uncal": "Uncalibrated 4D exposure data", "rate": "Countrate exposure",
    "rateints": "Countrate exposure per integration", "cal": "Calibrated exposure",
    "calints": "Calibrated exposure per integration", "crf": "Outlier-flagged exposure",
    "crfints": "Outlier-flagged exposure per integration", "i2d": "Resampled 2D image",
    "s2d": "Resampled 2D spectrum", "s3d": "Spectral cube", "x1d": "Extracted 1D spectrum",
    "x1dints": "Extracted 1D spectra per integration", "c1d": "Combined 1D spectrum",
    "cat": "Source catalog", "segm": "Segmentation map", "psfstack": "PSF stack",
    "psfalign": "Aligned PSF images", "psfsub": "PSF-subtracted exposure",
    "ami-oi": "AMI interferometric observables", "aminorm-oi": "Normalized AMI observables",
    "phot": "TSO photometry", "whtlt": "TSO white-light curve", "wfscmb": "Combined WFS&C image",
    "asn": "Association", "pool": "Association pool", "msa": "MSA metadata",
}  # fmt: skip
TYPE_CODES = {"SCIENCE": "S", "CALIBRATION": "C", "AUXILIARY": "A", "INFO": "I"}


def _subgroup(product: ProductFacts) -> str:
    name = product.name
    if name.endswith("_asn.json"):
        return "ASN"
    if "_gs-" in name:
        return "GS-" + name.split("_gs-", 1)[1].split("_", 1)[0].upper()
    return str(product.suffix or product.extension).upper()


def mast_row(row: ListedRow | Sequence[Any], parent_obsid: str) -> dict[str, Any]:
    """Shape one listing row (a `ListedRow` or a raw row) into MAST columns plus jwlink's."""
    if not isinstance(row, ListedRow):
        row = listed_row(row)
    product = row.product
    program = product.program
    suffix = product.suffix or ""
    return {
        "obsID": str(row.obsid) if row.obsid is not None else parent_obsid,
        "obs_collection": "JWST",
        "dataproduct_type": product.dataproduct_type or row.obs_dataproduct_type or "",
        "obs_id": product.obs_id or row.via,
        "description": DESCRIPTIONS.get(suffix, suffix),
        "type": TYPE_CODES.get(product.product_type, "A"),
        "dataURI": f"mast:JWST/product/{product.name}",
        "productType": product.product_type,
        "productGroupDescription": "",
        "productSubGroupDescription": _subgroup(product),
        "productDocumentationURL": "",
        "project": "CALJWST",
        "prvversion": product.prvversion or "",
        "proposal_id": str(int(program)) if program else "",
        "productFilename": product.name,
        "size": product.size,
        "parent_obsid": parent_obsid,
        "dataRights": product.data_rights or row.obs_rights,  # None: the program's (queries)
        "calib_level": product.calib_level,
        "filters": product.filters or "",
        "sha256": product.sha256,
        "kind": row.kind,
        "role": row.role,
        "present": product.location is not None,
        "level": product.level,
        "suffix": suffix,
        "brought_in": row.rank == 2,
        "location": product.location,
    }


def sort_key(row: dict[str, Any]) -> tuple[Any, ...]:
    """Most calibrated first, then by name (the same order on every backend)."""
    return (
        -(row["calib_level"] or 0),
        row["productFilename"],
        row["obs_id"] or "",
        row["kind"] or "",
    )


@dataclass
class ProductList:
    """An observation's product list: MAST rows plus jwlink's columns."""

    obs_id: str
    obsid: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON shape of DESIGN.md (``obs_id`` and ``products``), with paging."""
        return {
            "obs_id": self.obs_id,
            "obsid": self.obsid,
            "total": self.total,
            "page": self.page,
            "page_size": self.page_size,
            "products": self.rows,
        }

    def to_table(self) -> Any:
        """Return the rows as an astropy Table with MAST's column names first."""
        from astropy.table import Table

        rows = [[r[c] for c in PRODUCT_COLUMNS] for r in self.rows]
        dtypes = [_dtype(c) for c in PRODUCT_COLUMNS]
        if not rows:
            return Table(names=PRODUCT_COLUMNS, dtype=dtypes)
        columns = list(zip(*rows, strict=True))
        fixed = [[_fill(v, d) for v in col] for col, d in zip(columns, dtypes, strict=True)]
        return Table(fixed, names=PRODUCT_COLUMNS, dtype=dtypes)


def _dtype(column: str) -> str:
    if column in ("size", "calib_level"):
        return "i8"
    if column == "present":
        return "bool"
    return "str"


def _fill(value: Any, dtype: str) -> Any:
    if value is None:
        return -999 if dtype == "i8" else ("" if dtype == "str" else False)
    return value

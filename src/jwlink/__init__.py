"""jwlink: the JWST data-product linkage archive.

Ingest JWST products (association files, pools, FITS headers, MAST product
tables, folders of files) into a catalog, derive how they relate, and answer
product lists, lineage, MRP, completeness and impact questions.

The names below are imported on first use (PEP 562): ``import jwlink`` stays
cheap, so every ``jwlink`` command starts without loading the catalog, the
readers and astropy it may not need.
"""

from __future__ import annotations

import typing
from importlib import import_module

if typing.TYPE_CHECKING:
    from jwlink.core.model import Kind, Level, Link, Observation, Product, ProductType
    from jwlink.errors import (
        AssociationError,
        CatalogMissing,
        CatalogReadOnly,
        HeaderError,
        InputError,
        InvalidName,
        InvalidQuery,
        JwlinkError,
        MissingExtra,
        NotFound,
        PoolError,
        ProductTableError,
        StoreError,
    )
    from jwlink.query.catalog import Catalog

__all__ = [
    "AssociationError",
    "Catalog",
    "CatalogMissing",
    "CatalogReadOnly",
    "HeaderError",
    "InputError",
    "InvalidName",
    "InvalidQuery",
    "JwlinkError",
    "Kind",
    "Level",
    "Link",
    "MissingExtra",
    "NotFound",
    "Observation",
    "PoolError",
    "Product",
    "ProductTableError",
    "ProductType",
    "StoreError",
]

# Where each public name lives.
_HOME = {
    "Catalog": "jwlink.query.catalog",
    **dict.fromkeys(("Kind", "Level", "Link", "Observation", "Product", "ProductType"),
                    "jwlink.core.model"),
}  # fmt: skip


def __getattr__(name: str) -> object:
    if name not in __all__:
        msg = f"module 'jwlink' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(import_module(_HOME.get(name, "jwlink.errors")), name)
    globals()[name] = value  # the next lookup is a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])

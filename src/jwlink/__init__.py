"""jwlink: the JWST data-product linkage archive.

Ingest JWST products (association files, pools, FITS headers, MAST product
tables, folders of files) into a catalog, derive how they relate, and answer
product lists, lineage, MRP, completeness and impact questions.
"""

from __future__ import annotations

from jwlink.catalog import Catalog
from jwlink.errors import (
    AssociationError,
    CatalogReadOnly,
    HeaderError,
    InputError,
    InvalidName,
    JwlinkError,
    MissingExtra,
    NotFound,
    PoolError,
    ProductTableError,
    StoreError,
)
from jwlink.model import Kind, Level, Link, Observation, Product, ProductType

__all__ = [
    "AssociationError",
    "Catalog",
    "CatalogReadOnly",
    "HeaderError",
    "InputError",
    "InvalidName",
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

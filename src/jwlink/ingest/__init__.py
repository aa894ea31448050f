"""Readers of JWST evidence and the ingest loop that feeds the catalog.

Readers (`read_association`, `read_pool`, `read_header`, `read_product_table`)
only read: they return model evidence and never touch SQL. `ingest` walks
files and folders, links each file's evidence and writes one batch per file.
"""

from __future__ import annotations

from jwlink.ingest.asn import read_association
from jwlink.ingest.pool import read_pool
from jwlink.ingest.run import IngestReport, classify, ingest, iter_files
from jwlink.ingest.table import read_product_table

__all__ = [
    "IngestReport",
    "classify",
    "ingest",
    "iter_files",
    "read_association",
    "read_pool",
    "read_product_table",
]

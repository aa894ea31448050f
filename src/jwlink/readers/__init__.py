"""Readers of JWST evidence: they read files and return model evidence, never SQL.

`read_association`, `read_pool`, `read_product_table` and `read_header`
each take one file and return the products, observations and links it
states; the ingest pipeline (`jwlink.ingest`) links and writes them.
"""

from __future__ import annotations

from jwlink.readers.asn import read_association
from jwlink.readers.fits import read_header
from jwlink.readers.pool import read_pool
from jwlink.readers.table import read_product_table

__all__ = ["read_association", "read_header", "read_pool", "read_product_table"]

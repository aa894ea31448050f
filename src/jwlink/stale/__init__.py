"""Stale products: what a later CRDS context would calibrate with other reference files.

`selection` asks the CRDS library (local mode, over a CRDS cache) which
files a context selects for each distinct set of selection parameters;
`check` compares them with the files each product's header names and finds
what is downstream (the statements live in `jwlink.query.stale`).
"""

from __future__ import annotations

from jwlink.stale.check import Change, StaleProduct, StaleReport, check, compare, stale_names

__all__ = ["Change", "StaleProduct", "StaleReport", "check", "compare", "stale_names"]

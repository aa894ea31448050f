"""Rows met again while merging: skipping a repeat must never change what is kept.

The write path and the catalog-only merge skip a row equal to the one they
last merged (the linker hands the same rows on many times). These check the
skip against the rule itself where it matters: a row that comes back after
another one changed the kept values must still be merged again.
"""

from __future__ import annotations

from dataclasses import replace

from jwlink.core.linker.products import product_for
from jwlink.core.model import Batch, Kind, Link, Observation
from jwlink.store import SqlStore
from jwlink.synth.feed import MergedRows

NAME = "jw01234001001_02101_00001_nrca1_cal.fits"
OBS = "jw01234001001_02101_00001_nrca1"


def test_catalog_only_merge_takes_a_row_again_after_another() -> None:
    first = product_for(NAME, size=1, prvversion="1.0")
    second = replace(first, size=2, prvversion=None)
    rows = MergedRows()
    for product in (first, second, first, first):
        rows.add(Batch(source="t", products=[product]))
    (kept,) = rows.batch().products
    # Newer non-null wins: the last row met is `first`, so its size comes back.
    assert kept.size == first.size
    assert kept.prvversion == first.prvversion


def test_catalog_only_merge_of_observations_keeps_the_highest_level_through_repeats() -> None:
    low = Observation(obs_id=OBS, calib_level=1, target_name="A")
    high = Observation(obs_id=OBS, calib_level=2, target_name="B")
    rows = MergedRows()
    for obs in (low, high, low):
        rows.add(Batch(source="t", observations=[obs]))
    (kept,) = rows.batch().observations
    assert kept.calib_level == high.calib_level
    assert kept.target_name == low.target_name


def test_store_write_merges_a_row_met_again_after_another(store: SqlStore) -> None:
    first = product_for(NAME, size=1)
    second = replace(first, size=2)
    store.write(Batch(source="t", products=[first, second, first]))
    (size,) = store.execute("SELECT size FROM products WHERE name = ?", (NAME,))[0]
    # Within one batch the newer non-null value wins, as between batches.
    assert size == first.size


def test_store_write_of_repeated_links_keeps_the_least_evidence(store: SqlStore) -> None:
    source = "jw01234001001_02101_00001_nrca1_rate.fits"
    late = Link(source, NAME, Kind.ANTECEDENT, "stage_input", "rule:z")
    early = replace(late, evidence="rule:a")
    products = [product_for(source), product_for(NAME)]
    store.write(Batch(source="t", products=products, links=[late, early, late, late]))
    rows = store.execute(
        "SELECT evidence FROM links WHERE source = ? AND target = ?", (source, NAME)
    )
    assert rows == [(early.evidence,)]

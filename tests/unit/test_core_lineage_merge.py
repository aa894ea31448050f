"""Lineage walks and merge rules over a tiny catalog built from in-memory evidence.

The evidence: an image3 association of two exposures, the mosaic's FITS
header (with a reference file and a background), and the files on disk. The
catalog is a real SQLite file; lineage is `jwlink.query.lineage`'s one query.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from jwlink.core import linker
from jwlink.core.model import AsnEvidence, Batch, FoundFile, HeaderEvidence, Kind, Link
from jwlink.query import questions
from jwlink.store import SqlStore, open_store

# The make_asn fixture (conftest.py) builds an association as its reader returns it.
MakeAsn = Callable[..., AsnEvidence]

EXP1 = "jw01234001001_02101_00001_nrca1"
EXP2 = "jw01234001001_02101_00002_nrca1"
L3 = "jw01234-o001_t001_nircam_clear-f200w"
I2D = f"{L3}_i2d.fits"
DARK = "jwst_nircam_dark_0001.fits"


def _evidence(make_asn: MakeAsn) -> list[Batch]:
    members = [(f"{EXP1}_cal.fits", "science"), (f"{EXP2}_cal.fits", "science")]
    asn = linker.link_association(make_asn("image3", "Asn_Lv3Image", {L3: members}))
    header = linker.link_header(
        HeaderEvidence(
            f"/tiny/{I2D}",
            I2D,
            {"TARGNAME": "NGC 1", "INSTRUME": "NIRCAM", "EXP_TYPE": "NRC_IMAGE"},
            {"R_DARK": DARK},
        )  # fmt: skip
    )
    files = [
        linker.link_file(FoundFile(n, f"/tiny/{n}", 100 + i, f"{i:064d}"))
        for i, n in enumerate((I2D, f"{EXP1}_cal.fits", f"{EXP1}_uncal.fits"))
    ]
    return [asn, header, *files]


@pytest.fixture
def catalog(make_asn: MakeAsn, tiny_store: SqlStore) -> SqlStore:
    for batch in _evidence(make_asn):
        tiny_store.write(batch)
    return tiny_store


def test_lineage_up_reaches_every_input(catalog: SqlStore) -> None:
    up = questions.lineage(catalog, I2D, "up")
    assert {f"{EXP1}_cal.fits", f"{EXP1}_rate.fits", f"{EXP1}_uncal.fits", DARK} <= up.names()
    assert {f"{EXP2}_uncal.fits", f"{EXP1}_o001_crf.fits"} <= up.names()
    # The exposures' observations contributed to the mosaic.
    assert {EXP1, EXP2} <= set(up.observations)


def test_lineage_follows_only_the_kinds_asked(catalog: SqlStore) -> None:
    composed = questions.lineage(catalog, I2D, "up", kinds=["composition"])
    assert {e["kind"] for e in composed.edges} == {"composition"}
    assert f"{EXP1}_cal.fits" in composed.names()
    assert f"{EXP1}_rate.fits" not in composed.names()  # reached only by antecedent links
    assert DARK not in composed.names()


def test_lineage_depth_and_direction(catalog: SqlStore) -> None:
    one = questions.lineage(catalog, I2D, "up", depth=1)
    assert f"{EXP1}_cal.fits" in one.names() and f"{EXP1}_uncal.fits" not in one.names()
    down = questions.lineage(catalog, f"{EXP1}_uncal.fits", "down")
    assert {f"{EXP1}_rate.fits", f"{EXP1}_cal.fits", I2D} <= down.names()
    assert f"{EXP2}_cal.fits" not in down.names()


def test_a_cycle_in_the_links_ends_the_walk(catalog: SqlStore) -> None:
    # Evidence can be wrong; a loop must not hang the walk.
    loop = Link(I2D, f"{EXP1}_uncal.fits", Kind.LINKED, "loop", "test:loop")
    catalog.write(Batch("loop", links=[loop]))
    both = questions.lineage(catalog, I2D, "up")
    assert f"{EXP1}_uncal.fits" in both.names()


def test_the_catalog_is_the_same_in_any_order_of_evidence(
    make_asn: MakeAsn,
    tmp_path_factory: pytest.TempPathFactory,
    dump: Callable[[SqlStore], dict[str, list[tuple[object, ...]]]],
) -> None:
    evidence = _evidence(make_asn)
    dumps = []
    for order in itertools.islice(itertools.permutations(range(len(evidence))), 0, None, 17):
        store = open_store(str(tmp_path_factory.mktemp("order") / "c.db"), create=True)
        try:
            for i in order:
                store.write(evidence[i])
            dumps.append(dump(store))
        finally:
            store.close()
    assert len(dumps) > 3
    assert all(d == dumps[0] for d in dumps[1:])
    # The header's target and the association's Level 3 observation merged into one row.
    rows = [r for r in dumps[0]["observations"] if r[0] == L3]
    assert len(rows) == 1 and "NGC 1" in rows[0]

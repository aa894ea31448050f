"""A 2015-layout pool (jwst test data): each exposure in the observation its columns spell.

Its file names (``jw93060001001_01101_00001_MIRIM_image_uncal.fits``) are of
an earlier layout that the grammar does not read; the pool's own columns
say the exposure: PROGRAM, OBS_NUM, VISIT, VISITGRP, SEQ_ID, ACT_ID,
EXPOSURE, DETECTOR, put together as file_naming.rst's
``jw<ppppp><ooo><vvv>_<gg><s><aa>_<eeeee>_<detector>``.
"""

from __future__ import annotations

import csv

from jwlink.ingest import ingest
from jwlink.store import open_store

POOL = "pools/jw93060_20150312T160130_pool.csv"


def _expected(data) -> dict[str, str | None]:
    with (data / POOL).open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="|"))
    expected = {}
    for r in rows:
        detector = r["DETECTOR"]
        expected[r["FILENAME"]] = None if detector == "NULL" else (
            f"jw{int(r['PROGRAM']):05d}{int(r['OBS_NUM']):03d}{int(r['VISIT']):03d}"
            f"_{int(r['VISITGRP']):02d}{r['SEQ_ID']}{r['ACT_ID'].zfill(2)}"
            f"_{int(r['EXPOSURE']):05d}_{detector.lower()}"
        )  # fmt: skip
    return expected


def test_old_layout_rows_get_their_exposure_observation(db_url, data):
    expected = _expected(data)
    store = open_store(db_url)
    try:
        assert ingest(store, [data / POOL]).errors == []
        got = dict(store.execute("SELECT name, obs_id FROM products WHERE name LIKE 'jw93060%'"))
        levels = {
            r[0]
            for r in store.execute(
                "SELECT level FROM products WHERE name LIKE 'jw93060%' AND name NOT LIKE '%pool%'"
            )
        }
        observations = {r[0] for r in store.execute("SELECT obs_id FROM observations")}
    finally:
        store.close()
    rows = {name: obs for name, obs in got.items() if name in expected}
    assert rows == expected
    assert levels == {"1b"}
    assert observations == {o for o in expected.values() if o is not None}
    # rows without a DETECTOR name no exposure: they stay unowned, never guessed
    assert sum(o is None for o in expected.values()) > 0

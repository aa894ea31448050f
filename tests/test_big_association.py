"""A 20,000-member association ingests whole, on both backends.

Counted against the file itself: every member listed, one exposure per
member, each member's ``_cal`` composing the mosaic, and the guide-star
products of each visit (written afterwards, as a later folder would bring
them) linked to each science ``_cal`` of their visit. No time is asserted:
`benchmarks/big_association.py` measures that ingest stays linear.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from jwlink.core.linker.products import product_for
from jwlink.core.model import Batch
from jwlink.ingest import ingest
from jwlink.store import SqlStore
from jwlink.synth.mosaic import MOSAIC, write_mosaic_asn

# jw<program><observation><visit>_...: the visit id is the first 13 characters.
VISIT = re.compile(r"^(jw\d{11})_")
STARS = ("gs-fg_202401010000{}_cal.fits", "gs-track_202401010000{}_cal.fits")


def test_a_20000_member_association_is_ingested_whole(store: SqlStore, tmp_path: Path) -> None:
    asn = write_mosaic_asn(tmp_path, visits=10, exposures=500, detectors=4)
    doc = json.loads(asn.read_text())
    members = [m["expname"] for p in doc["products"] for m in p["members"]]
    assert len(members) == 20_000

    report = ingest(store, [asn])
    assert report.errors == [] and report.ingested == 1

    listed = store.execute("SELECT expname FROM asn_members WHERE association = ?", (asn.name,))
    assert sorted(r[0] for r in listed) == sorted(members)
    exposures = {m.removesuffix("_cal.fits") for m in members}
    rows = store.execute("SELECT member_obs_id FROM members WHERE obs_id = ?", (MOSAIC,))
    assert {r[0] for r in rows} == exposures and len(rows) == len(exposures)
    composing = store.execute(
        "SELECT source FROM links WHERE target = ? AND kind = 'composition'",
        (f"{MOSAIC}_i2d.fits",),
    )
    assert sorted(r[0] for r in composing if r[0].endswith("_cal.fits")) == sorted(members)

    # Guide-star products arrive later, two per visit: each is linked to
    # every science _cal of its visit, and to nothing else.
    per_visit = Counter(m[: VISIT.match(m).end() - 1] for m in members)  # type: ignore[union-attr]
    stars = [f"{v}_{s.format(i)}" for v in sorted(per_visit) for i, s in enumerate(STARS)]
    store.write(Batch(source="guide-stars", products=[product_for(n) for n in stars]))
    store.link_guide_stars()
    linked = store.execute("SELECT source, target FROM links WHERE role = 'guide_star'")
    assert len(linked) == len(STARS) * len(members)
    assert Counter(s[:13] for s, _ in linked) == Counter(
        {v: len(STARS) * n for v, n in per_visit.items()}
    )
    assert all(t in set(members) and t.startswith(s[:13]) for s, t in linked)
    assert store.execute("SELECT COUNT(*) FROM guide_star_queue") == [(0,)]

    # Ingesting the same file again changes nothing.
    before = store.counts()
    again = ingest(store, [asn], force=True)
    assert again.errors == [] and store.counts() == before

"""An association linked a slice of members at a time gives the rows of linking it whole.

Ingest links (and writes) a big association in parts of
`jwlink.core.linker.MEMBERS_PER_PART` members, in one transaction, so that
its rows are never all in memory (`benchmarks/big_association.py` measures
the peak). Here every real association (the jwst documentation's examples
in tests/real, and the examples, pools' generated associations and
expanded pools of ../shared/data) and a synthetic mosaic are linked in parts
of 1, 2 and 7 members and whole: the rows, once the store's merge rules
apply, are the same; catalogs ingested with parts of 3 and whole are equal
table by table; a failure in a later part leaves no row of the file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA, dump
from real.corpus import REAL

from jwlink.core import linker
from jwlink.core.linker import associations
from jwlink.core.model import Batch
from jwlink.errors import AssociationError
from jwlink.ingest import ingest
from jwlink.readers.asn import read_association
from jwlink.store import SqlStore
from jwlink.synth.mosaic import write_mosaic_asn


def _real_associations() -> list[Path]:
    found = sorted((REAL / "jwst-docs").glob("*.json"))
    for folder in ("asn_examples", "generated_asn"):
        if (DATA / folder).is_dir():
            found += sorted((DATA / folder).rglob("*.json"))
    return found


def _readable(paths: list[Path]) -> list[Any]:
    read = []
    for path in paths:
        try:
            read.append(read_association(path))
        except AssociationError:
            continue  # the examples include files made to be refused
    return read


def _rows(batch: Batch) -> dict[str, Any]:
    """The rows of a batch as the store keeps them: each key once, merged."""
    return {
        "products": sorted({p.name for p in batch.products}),
        "observations": sorted({(o.obs_id, o.calib_level) for o in batch.observations}),
        "associations": sorted({a.name for a in batch.associations}),
        "links": sorted(set(batch.links)),
        "members": sorted(set(batch.members)),
        "aliases": sorted(batch.aliases.items()),
        "asn_members": sorted(set(batch.asn_members)),
        "asn_outputs": sorted(set(batch.asn_outputs)),
    }


def _merged(asn: Any, members: int) -> Batch:
    whole = Batch(source=asn.path)
    for part in associations.link_association_parts(asn, None, members):
        whole.extend(part)
    return whole


def test_parts_give_the_rows_of_the_whole() -> None:
    asns = _readable(_real_associations())
    if len(asns) < 10:
        pytest.skip(f"real associations not found ({DATA} holds the examples)")
    checked = 0
    for asn in asns:
        whole = _rows(_merged(asn, 10**9))
        assert whole["links"], asn.path
        for members in (1, 2, 7):
            assert _rows(_merged(asn, members)) == whole, (asn.path, members)
        checked += sum(len(p.members) for p in asn.products)
    assert checked > 100


def test_a_mosaic_in_parts(tmp_path: Path) -> None:
    asn = read_association(write_mosaic_asn(tmp_path, visits=3, exposures=5, detectors=4))
    parts = list(associations.link_association_parts(asn, None, 7))
    assert len(parts) == 9  # 60 members, 7 at a time (the head rides with the first)
    assert _rows(_merged(asn, 7)) == _rows(_merged(asn, 10**9))


def test_catalogs_ingested_in_parts_and_whole_are_equal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ingest_dump: Any
) -> None:
    inputs = [p for p in _real_associations() if _readable([p])]
    mosaic = write_mosaic_asn(tmp_path, visits=2, exposures=4, detectors=4)
    inputs.append(mosaic)
    whole = ingest_dump(tmp_path / "whole.db", inputs)
    real = associations.link_association_parts
    monkeypatch.setattr(
        linker, "link_association_parts", lambda asn, own=None, members=3: real(asn, own, 3)
    )
    assert ingest_dump(tmp_path / "parts.db", inputs) == whole


def test_a_failing_part_leaves_no_row_of_the_file(
    store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asn = write_mosaic_asn(tmp_path, visits=2, exposures=4, detectors=4)
    real = associations.link_association_parts

    def failing(asn: Any, own: Any = None, members: int = 3) -> Any:
        for number, part in enumerate(real(asn, own, 3)):
            if number == 2:
                raise OSError(os.strerror(5))  # the disk failed under the third part
            yield part

    monkeypatch.setattr(linker, "link_association_parts", failing)
    report = ingest(store, [asn])
    assert report.ingested == 0 and len(report.errors) == 1
    for table, rows in dump(store).items():
        assert rows == [], table
    assert store.execute("SELECT COUNT(*) FROM inputs") == [(0,)]

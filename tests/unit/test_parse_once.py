"""A file name is parsed once on its way from the ingest loop to the catalog rows.

The grammar's two entries, `jwlink.naming.describe` and `jwlink.naming.parse`,
keep a cache whose counters say how often each was entered (``hits`` +
``misses``) and for how many distinct names (``misses``). Ingesting one file
with both caches emptied must enter the grammar once per distinct name: a hit
is a name parsed a second time.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import jwlink.naming.grammar
from jwlink.ingest import ingest
from jwlink.naming import describe, parse
from jwlink.store import open_store
from jwlink.synth import generate_files


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synth")
    generate_files(root, seed=1, products=60)
    return root


def _one(archive: Path, pattern: str) -> Path:
    found = sorted(archive.rglob(pattern))
    assert found, f"the synthetic archive has no {pattern}"
    return found[0]


# One file of each kind the ingest loop reads: associations (Level 2 and 3),
# a pool, FITS headers (an exposure product and a mosaic), a MAST product
# table, a preview, a CRDS reference file.
KINDS = {
    "level 3 association": "*_image3_*_asn.json",
    "level 2 association": "*_image2_*_asn.json",
    "pool": "*_pool.csv",
    "exposure header": "*_nrca1_cal.fits",
    "mosaic header": "*_i2d.fits",
    "product table": "mast_products_*.ecsv",
    "preview": "*_i2d.jpg",
    "reference file": "jwst_*_*.asdf",
}


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Empty the grammar's caches; yield the names the grammar matched, in order."""
    matched: list[str] = []
    real = jwlink.naming.grammar._match

    def match(name: str) -> object:
        matched.append(name)
        return real(name)

    # parse looks `_match` up in its module on each miss (diagnosis gets it as an argument).
    monkeypatch.setattr(jwlink.naming.grammar, "_match", match)
    describe.cache_clear()
    parse.cache_clear()
    yield matched
    describe.cache_clear()
    parse.cache_clear()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_name_is_parsed_once(
    kind: str, archive: Path, tmp_path: Path, counted: list[str]
) -> None:
    path = _one(archive, KINDS[kind])
    store = open_store(str(tmp_path / "one.db"), create=True)
    try:
        report = ingest(store, [path])
    finally:
        store.close()
    assert report.ingested == 1 and not report.errors, report.as_dict()
    described, parsed = describe.cache_info(), parse.cache_info()
    # The file's own name, then every name it holds, each entered once.
    assert path.name in counted
    assert described.hits == 0, f"{path.name}: a name was described again ({described})"
    assert parsed.hits == 0, f"{path.name}: a name was parsed again ({parsed})"
    assert len(counted) == len(set(counted)), sorted(n for n in counted if counted.count(n) > 1)

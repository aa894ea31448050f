"""The preview queries behind the portal's images, on SQLite and PostgreSQL.

Expected previews come from the files a synthetic archive writes (each
``X.jpg`` and ``X_thumb.jpg`` beside ``X.fits``), never from jwlink's answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from jwlink.ingest import ingest
from jwlink.query.previews import member_thumbnails, observation_previews, product_previews
from jwlink.store import SqlStore, open_store
from jwlink.synth import generate_files


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("previews") / "files"
    generate_files(folder, seed=3, products=400)
    return folder


@pytest.fixture
def catalog(files: Path, db_url: str) -> Iterator[SqlStore]:
    store = open_store(db_url)
    try:
        ingest(store, [files])
        yield store
    finally:
        store.close()


def _jpgs(files: Path) -> dict[str, set[str]]:
    """Science product name -> the preview files written beside it."""
    found: dict[str, set[str]] = {}
    for jpg in files.rglob("*.jpg"):
        stem = jpg.name.removesuffix(".jpg").removesuffix("_thumb")
        found.setdefault(f"{stem}.fits", set()).add(jpg.name)
    return found


def test_product_previews_are_the_jpgs_beside_it(catalog: SqlStore, files: Path) -> None:
    expected = _jpgs(files)
    assert expected, "the synthetic archive writes previews"
    for fits, jpgs in expected.items():
        got = product_previews(catalog, fits)
        assert {p["name"] for p in got} == jpgs, fits
        assert all(p["present"] for p in got)
        # the full-size preview comes before the thumbnail
        assert [p["product_type"] for p in got] == sorted(p["product_type"] for p in got)
    assert product_previews(catalog, "no_such_product.fits") == []


def test_observation_previews_and_member_thumbnails(catalog: SqlStore, files: Path) -> None:
    expected = _jpgs(files)
    asn = next(p for p in sorted(files.rglob("*image3*_asn.json")))
    doc = json.loads(asn.read_text())
    product = doc["products"][0]
    obs_id = product["name"]
    i2d = f"{obs_id}_i2d.fits"
    assert {p["name"] for p in observation_previews(catalog, obs_id)} == expected[i2d]
    # every member exposure's thumbnail ("..._cal_thumb.jpg"), as the files on disk say
    members = {m["expname"] for m in product["members"]}
    thumbs = {j for m in members for j in expected.get(m, set()) if j.endswith("_thumb.jpg")}
    assert thumbs, "the members have thumbnails on disk"
    got, total = member_thumbnails(catalog, obs_id)
    assert {t["name"] for t in got} == thumbs and total == len(thumbs)
    few, total = member_thumbnails(catalog, obs_id, limit=1)
    assert len(few) == min(1, len(thumbs)) and total == len(thumbs)

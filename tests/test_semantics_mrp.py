"""An L3 association of an earlier pipeline build: Level 3, its combined products the MRP.

The association is the jwst documentation's own example
(``docs/jwst/master_background/description.rst``: ``candidate_Asn_IFU``,
product ``jw00626-c1003_t001_nrs`` with the old abbreviated instrument),
read in place from the jwst repository; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from jwst_repo import doc_example, jwst_file

from jwlink import naming
from jwlink.core.linker import associations, names
from jwlink.errors import InvalidName
from jwlink.ingest import ingest
from jwlink.query import questions
from jwlink.store import open_store

PRODUCT = "jw00626-c1003_t001_nrs"
_OLD = re.compile(r"(jw\d{5}-(?:o\d{3}|[acr]\d{4})_t\d{3})_nrs((?:_[a-z0-9-]+)?(?:\.[a-z]+)?)")


def _read_old_instrument(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parse ``..._nrs`` stage-3 names the way the naming fix will, if it has not landed yet.

    The name keeps its text (``instrument == "nrs"``); what the linker and
    the MRP do with such a parse is what this file tests.
    """
    try:
        naming.parse(f"{PRODUCT}_s3d.fits")
        return  # the grammar already reads old instrument abbreviations
    except InvalidName:
        pass
    real = naming.parse

    def parse(name: str) -> naming.FileName:
        try:
            return real(name)
        except InvalidName:
            match = _OLD.fullmatch(name)
            if match is None:
                raise
            fn = real(f"{match[1]}_nirspec{match[2]}")
            return dataclasses.replace(fn, instrument="nrs")

    for module in (naming, associations, names):
        monkeypatch.setattr(module, "parse", parse)
    from jwlink.core import pipeline_modes

    monkeypatch.setattr(pipeline_modes, "parse", parse)
    naming.describe.cache_clear()


@pytest.fixture
def old_asn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    doc = doc_example(jwst_file("docs/jwst/master_background/description.rst"), PRODUCT)
    _read_old_instrument(monkeypatch)
    path = tmp_path / "jw00626-c1003_spec3_00001_asn.json"
    path.write_text(json.dumps(doc))
    return path


def test_old_l3_is_level3_and_its_spectra_are_the_mrp(db_url: str, old_asn: Path) -> None:
    store = open_store(db_url)
    try:
        report = ingest(store, [old_asn])
        assert report.errors == [], report.errors
        (level,) = store.execute(
            "SELECT calib_level FROM observations WHERE obs_id = ?", [PRODUCT]
        )[0]
        assert level == 3
        result = questions.mrp(store, PRODUCT)
        assert sorted(result.products) == [f"{PRODUCT}_s3d.fits", f"{PRODUCT}_x1d.fits"]
        rules = {e["name"]: e["rule"] for e in result.explain}
        assert rules[f"{PRODUCT}_s3d.fits"] == "spec3-combined"
        members = [n for n in rules if n.endswith("_cal.fits")]
        assert members and not set(members) & set(result.products)
        rows = questions.product_list(store, PRODUCT).rows
        assert {r["productFilename"]: r["level"] for r in rows}[f"{PRODUCT}_s3d.fits"] == "3"
    finally:
        store.close()
        naming.describe.cache_clear()

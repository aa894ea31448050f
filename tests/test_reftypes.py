"""Reference roles by CRDS reftype, from the pipeline's own keyword table."""

from __future__ import annotations

import shutil

import pytest

from jwlink.core import reftypes
from jwlink.core.reftypes import REFTYPES, reference_role, reftype_for
from jwlink.ingest import ingest
from jwlink.query.questions import impact
from jwlink.store import open_store


def _schema_table() -> dict[str, str]:
    stdatamodels = pytest.importorskip(
        "stdatamodels", reason="stdatamodels (the jwst extra) holds the schema the table copies"
    )
    yaml = pytest.importorskip("yaml")
    from importlib.resources import files

    text = files(stdatamodels).joinpath("jwst/datamodels/schemas/core.schema.yaml").read_text()
    schema = yaml.safe_load(text)
    ref_file = schema["properties"]["meta"]["properties"]["ref_file"]["properties"]
    return {
        entry["properties"]["name"]["fits_keyword"]: reftype
        for reftype, entry in ref_file.items()
        if "name" in entry.get("properties", {})
    }


def test_table_is_the_installed_schema():
    assert _schema_table() == REFTYPES


def test_named_and_unknown_keywords():
    assert reference_role("R_SUPERB") == "reference:superbias"
    assert reftype_for("r_distor") == "distortion"
    before = reftypes.UNMAPPED["R_NEWREF"]
    assert reftype_for("R_NEWREF") == "newref"  # a newer pipeline's type: its stem
    assert reftypes.UNMAPPED["R_NEWREF"] == before + 1
    assert "R_SUPERB" not in reftypes.UNMAPPED


def test_real_headers_link_by_reftype(db_url, data, tmp_path):
    """Simulated NIRISS cal headers from the jwst tests carry R_* crds:// names."""
    folder = tmp_path / "headers"
    shutil.copytree(data / "exposures_nopsf", folder)
    store = open_store(db_url)
    try:
        assert ingest(store, [folder]).errors == []
        rows = store.execute(
            "SELECT source, role, evidence FROM links "
            "WHERE evidence LIKE ? ESCAPE '!' ORDER BY evidence",
            ("%:R!_%",),
        )
        assert len(rows) > 100
        for _source, role, evidence in rows:
            keyword = evidence.rsplit(":", 1)[1]
            assert role == f"reference:{REFTYPES[keyword]}", evidence
        roles = {r[1] for r in rows}
        assert {"reference:superbias", "reference:distortion", "reference:readnoise"} <= roles
        assert not roles & {"reference:superb", "reference:distor", "reference:readno"}
        # A reference file still reaches the products that used it.
        superbias = next(src for src, role, _ in rows if role == "reference:superbias")
        assert impact(store, superbias).products
    finally:
        store.close()


def test_synthetic_headers_get_the_reftypes_they_were_written_for():
    """The synthetic archive writes R_* keywords for chosen reftypes; ingest reads the same."""
    from jwlink.synth.crds import _KEYWORDS

    assert {kw: reftype_for(kw) for kw in _KEYWORDS} == {kw: t for kw, (t, _) in _KEYWORDS.items()}

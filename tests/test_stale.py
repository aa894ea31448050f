"""``jwlink stale`` against the CRDS library run directly on the same real headers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from astropy.io import fits
from click.testing import CliRunner

from jwlink.cli import main
from jwlink.core.crdsparams import SELECTION_KEYWORDS

crds = pytest.importorskip("crds", reason="jwlink stale needs the crds extra (jwlink[crds])")
pytest.importorskip("stdatamodels", reason="crds reads JWST keywords by stdatamodels' schema")


@pytest.fixture
def cache(data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = data / "crds"
    # As jwlink.stale.selection sets them: local rules only, nothing written to the cache.
    monkeypatch.setenv("CRDS_PATH", str(path))
    monkeypatch.setenv("CRDS_MODE", "local")
    monkeypatch.setenv("CRDS_READONLY_CACHE", "1")
    return path


@pytest.fixture
def db(db_url: str, data: Path) -> str:
    result = CliRunner().invoke(main, ["ingest", str(data / "exposures_nopsf"), "--db", db_url])
    assert result.exit_code == 0, result.output
    return db_url


def _stale(db: str, cache: Path, *args: str) -> tuple[int, dict]:
    argv = ["stale", "--db", db, "--crds-path", str(cache), "--json", *args]
    result = CliRunner().invoke(main, argv, catch_exceptions=False)
    return result.exit_code, json.loads(result.output)


def _schema_reftypes() -> dict[str, str]:
    """R_* keyword -> CRDS reftype, from the datamodel schema the pipeline writes by."""
    from importlib.resources import files

    import stdatamodels
    import yaml

    text = files(stdatamodels).joinpath("jwst/datamodels/schemas/core.schema.yaml").read_text()
    ref_file = yaml.safe_load(text)["properties"]["meta"]["properties"]["ref_file"]["properties"]
    table = {
        e["properties"]["name"]["fits_keyword"]: reftype
        for reftype, e in ref_file.items()
        if "name" in e.get("properties", {})
    }
    table["R_MSAOPE"] = "msaoper"  # CRDS's name of the schema's "badshutter"
    return table


def _expected(data: Path, context: str) -> dict[str, dict[str, tuple[str, str]]]:
    """{file name: {reftype: (used, best)}} for each header where crds selects another file."""
    reftypes = _schema_reftypes()
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for path in sorted((data / "exposures_nopsf").glob("*.fits")):
        header = dict(fits.getheader(path))
        used = {
            reftypes[k]: "N/A" if v == "N/A" else str(v).removeprefix("crds://").lower()
            for k, v in header.items()
            if k.startswith("R_")
        }
        best = crds.getrecommendations(
            header, reftypes=sorted(used), context=context, observatory="jwst"
        )
        changes = {}
        for reftype, file in used.items():
            chosen = str(best[reftype]).lower()
            chosen = "N/A" if chosen.startswith("not found") else chosen
            if chosen != file:
                changes[reftype] = (file, chosen)
        if changes:
            out[header["FILENAME"]] = changes
    return out


def test_agrees_with_crds_header_by_header(db, data, cache):
    code, doc = _stale(db, cache, "--context", "jwst_0541.pmap")
    expected = _expected(data, "jwst_0541.pmap")
    assert expected, "context 0541 replaces files of these jwst_0303 headers"
    found = {
        p["name"]: {c["reftype"]: (c["used"], c["best"]) for c in p["changes"]}
        for p in doc["products"]
    }
    assert found == expected
    assert code == 1
    assert doc["context"] == "jwst_0541.pmap"
    assert doc["checked"] == len(list((data / "exposures_nopsf").glob("*.fits")))
    assert {p["context"] for p in doc["products"]} == {"jwst_0303.pmap"}
    # The stale _cal files are what to reprocess, by observation.
    grouped = doc["impact"]["observations"]
    listed = {n for levels in grouped.values() for names in levels.values() for n in names}
    assert set(found) <= listed


def test_delivery_context_names_the_file_and_has_its_date(db, cache):
    _code, doc = _stale(db, cache, "--context", "jwst_0541.pmap")
    from crds.core import heavy_client, rmap

    history = {c: d for d, c, *_ in heavy_client.load_server_info("jwst")["context_history"]}
    for change in doc["products"][0]["changes"]:
        if change["best"] == "N/A":
            continue
        context = change["delivered_in"]
        assert change["delivered_on"] == history[context]
        imap = rmap.get_cached_mapping(context).get_imap("niriss")
        assert change["best"] in imap.get_rmap(change["reftype"]).reference_names()
        # No operational context before it named the file.
        earlier = [c for c, d in history.items() if d < history[context]]
        for name in earlier:
            try:
                names = rmap.get_cached_mapping(name).get_imap("niriss").get_rmap(change["reftype"])
            except Exception:  # noqa: BLE001 - no rules of that type then
                continue
            assert change["best"] not in names.reference_names()


def test_own_context_reports_nothing_stale(db, cache):
    code, doc = _stale(db, cache, "--context", "jwst_0303.pmap")
    assert (code, doc["products"], doc["cannot_decide"]) == (0, [], [])
    assert doc["impact"]["count"] == 0


def test_incomplete_header_cannot_be_decided(tmp_path, data, cache):
    folder = tmp_path / "in"
    folder.mkdir()
    with fits.open(data / "exposures_nopsf/exp_0.fits") as hdul:
        del hdul[0].header["READPATT"]  # the NIRISS dark rmap matches on it
        hdul.writeto(folder / "exp_0.fits")
    db = str(tmp_path / "c.db")
    assert CliRunner().invoke(main, ["ingest", str(folder), "--db", db]).exit_code == 0
    code, doc = _stale(db, cache, "--context", "jwst_0541.pmap")
    assert code == 1
    (undecided,) = doc["cannot_decide"]
    assert undecided["missing"]["dark"] == ["READPATT"]
    decided = {c["reftype"] for p in doc["products"] for c in p["changes"]}
    assert "dark" not in decided and "flat" in decided


def test_missing_mapping_is_named(tmp_path, db, data):
    cache = tmp_path / "cache"
    (cache / "mappings").mkdir(parents=True)
    (cache / "config").symlink_to(data / "crds/config")
    mappings = cache / "mappings/jwst"
    mappings.mkdir()
    for source in (data / "crds/mappings/jwst").iterdir():
        if source.name != "jwst_niriss_0118.imap":
            (mappings / source.name).symlink_to(source)
    pmap = (data / "crds/mappings/jwst/jwst_0541.pmap").read_text()
    assert "jwst_niriss_0118.imap" in pmap
    argv = ["stale", "--db", db, "--crds-path", str(cache), "--context", "jwst_0541.pmap"]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code != 0
    assert "jwst_niriss_0118.imap" in result.output
    result = CliRunner().invoke(main, [*argv[:-1], "jwst_9999.pmap"])
    assert result.exit_code != 0 and "lacks jwst_9999.pmap" in result.output


def test_without_the_extra_says_what_to_install(db, cache):
    code = (
        "import sys; sys.modules['crds'] = None\n"  # as if crds were not installed
        "from jwlink.cli import main\n"
        f"main(['stale', '--db', {db!r}, '--crds-path', {str(cache)!r}])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)  # noqa: S603
    assert done.returncode != 0
    assert "pip install 'jwlink[crds]'" in done.stderr


def test_selection_keywords_cover_every_rmap_of_the_cache(cache):
    from crds.core import rmap
    from crds.jwst import schema

    needed = set()
    for path in (cache / "mappings/jwst").glob("*.rmap"):
        for group in rmap.get_cached_mapping(path.name).parkey:
            for key in group if isinstance(group, tuple) else (group,):
                keyword = schema.dm_to_fits(key)
                if keyword:  # a few old rmaps name paths no schema has (GRATINGA)
                    needed.add(keyword)
    assert needed | {"INSTRUME"} <= set(SELECTION_KEYWORDS)


def test_benchmark_smoke_run(tmp_path, cache):
    out = tmp_path / "stale.json"
    script = Path(__file__).resolve().parents[1] / "benchmarks/stale.py"
    cmd = [sys.executable, str(script), "--exposures", "300", "--crds-path", str(cache),
           "--out", str(out)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=600)  # noqa: S603
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    # Every exposure names jwst_0303 files that jwst_0541 replaces (dark, flat, ...).
    assert report["checked"] == report["stale"] == 300
    assert 0 < report["distinct_selections"] < 300
    assert report["to_reprocess"] == 300 + 300 // 20


def test_a_catalog_made_before_kept_headers_says_how_to_upgrade(tmp_path, data, cache):
    from jwlink.store import open_store

    db = str(tmp_path / "old.db")
    folder = str(data / "exposures_nopsf")
    assert CliRunner().invoke(main, ["ingest", folder, "--db", db]).exit_code == 0
    store = open_store(db)
    with store.transaction():  # as a catalog made before migration 0006
        store.execute("DELETE FROM jwlink_migrations WHERE name = ?", ("0006_crds_headers",))
        store.execute("DROP TABLE crds_headers")
    store.close()
    argv = ["stale", "--db", db, "--crds-path", str(cache), "--context", "jwst_0541.pmap"]
    refused = CliRunner().invoke(main, argv)
    assert refused.exit_code == 1 and "jwlink ingest --force" in refused.output
    assert CliRunner().invoke(main, ["ingest", "--force", folder, "--db", db]).exit_code == 0
    code, doc = _stale(db, cache, "--context", "jwst_0541.pmap")
    assert code == 1 and doc["products"]
    assert doc["checked"] == len(list((data / "exposures_nopsf").glob("*.fits")))


def test_a_used_file_on_the_bad_files_list_is_reported(tmp_path, data, cache):
    listed = (cache / "config/jwst/bad_files.txt").read_text().split()
    bad = next(name for name in listed if "_dark_" in name and name.endswith(".fits"))
    folder = tmp_path / "in"
    folder.mkdir()
    with fits.open(data / "exposures_nopsf/exp_0.fits") as hdul:
        hdul[0].header["R_DARK"] = f"crds://{bad}"
        hdul.writeto(folder / "exp_0.fits")
    db = str(tmp_path / "c.db")
    assert CliRunner().invoke(main, ["ingest", str(folder), "--db", db]).exit_code == 0
    code, doc = _stale(db, cache, "--context", "jwst_0303.pmap")
    (product,) = doc["products"]
    assert code == 1 and product["bad_files"] == [bad]
    assert [c["reftype"] for c in product["changes"]] == ["dark"]

"""The command line: ingest, observations, show, and the --db / JWLINK_DB switch."""

from __future__ import annotations

import builtins
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from jwlink.cli import main
from jwlink.store import open_store

ASN_DIR = "generated_asn/from_jw87800_pool"
POOL = "pools/jw87800_20180412T163456_pool.csv"


def _run(*args: str, env: dict[str, str] | None = None) -> object:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_ingest_json_summary_and_observations(db_url, data):
    result = _run("ingest", str(data / ASN_DIR), str(data / POOL), "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["ingested"] == 13 and summary["errors"] == []
    result = _run("observations", "--json", env={"JWLINK_DB": db_url})
    rows = json.loads(result.output)["observations"]
    by_id = {r["obs_id"]: r for r in rows}
    l3 = by_id["jw87800-o017_t002_niriss_f200w-gr150r"]
    assert l3["calib_level"] == 3 and l3["obs_collection"] == "JWST"
    assert l3["proposal_id"] == "87800"
    assert by_id["jw87800017001_02102_00001_nis"]["instrument_name"] == "NIRISS/WFSS"
    # MAST's observation columns, in MAST's order.
    assert list(rows[0])[:3] == ["intentType", "obs_collection", "provenance_name"]
    assert all(r["obsid"].isdigit() for r in rows)


def test_show_product_and_observation(tmp_path, data):
    db = str(tmp_path / "c.db")
    _run("ingest", str(data / ASN_DIR), "--db", db)
    result = _run("show", "jw87800017001_02102_00001_nis_cal.fits", "--db", db, "--json")
    doc = json.loads(result.output)
    assert doc["type"] == "product"
    out = {(x["target"], x["kind"]) for x in doc["links"]["out"]}
    assert ("jw87800-o017_t002_niriss_f200w-gr150r_x1d.fits", "composition") in out
    result = _run("show", "jw87800-o017_t002_niriss_f200w-gr150r", "--db", db)
    assert "member jw87800017001_02102_00001_nis (science)" in result.output


def test_show_unknown_name_is_a_clear_error(tmp_path):
    db = str(tmp_path / "c.db")
    open_store(db).close()  # an empty catalog: reading no longer makes one
    result = CliRunner().invoke(main, ["show", "jw_99999_cal.fits", "--db", db])
    assert result.exit_code == 1
    assert "No product or observation named 'jw_99999_cal.fits'" in result.output


def test_ingest_exit_status_reports_bad_files(tmp_path, data):
    bad = data / "asn_examples/asn_level2_bad_path.json"
    result = CliRunner().invoke(main, ["ingest", str(bad), "--db", str(tmp_path / "c.db")])
    assert result.exit_code == 1
    assert "asn_level2_bad_path.json" in result.output and "is a path" in result.output


def test_generate_associations_without_jwst_says_how_to_install(tmp_path, data, monkeypatch):
    real_import = builtins.__import__

    def no_jwst(name, *args, **kwargs):
        if name == "jwst" or name.startswith("jwst."):
            raise ImportError("No module named 'jwst'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_jwst)
    result = CliRunner().invoke(
        main,
        ["ingest", "--generate-associations", str(data / POOL), "--db", str(tmp_path / "c.db")],
    )
    assert result.exit_code == 1
    assert "pip install 'jwlink[pipeline]'" in result.output


def test_generate_associations_with_jwst(tmp_path, data):
    pytest.importorskip("jwst", reason="the jwlink[pipeline] extra (jwst) is not installed")
    db = str(tmp_path / "c.db")
    result = _run("ingest", "--generate-associations", str(data / POOL), "--db", db, "--json")
    summary = json.loads(result.output)
    # jwst 3.0.0 makes 12 associations from this pool (generated_asn/from_jw87800_pool).
    assert summary["ingested"] == 1 + 12
    result = _run("show", "jw87800-o017_t002_niriss_f200w-gr150r", "--db", db, "--json")
    members = json.loads(result.output)["observation"]["members"]
    assert len(members) == 8


def test_console_script_runs(tmp_path, data):
    env = {**os.environ, "JWLINK_DB": str(tmp_path / "c.db")}
    cmd = [sys.executable, "-m", "jwlink", "ingest", str(data / ASN_DIR)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "12 files: 12 ingested" in done.stdout

"""Staleness over HTTP, and the synthesizer's older-context headers checked against CRDS."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from click.testing import CliRunner
from threaded_server import running

from jwlink.api import stale as stale_api
from jwlink.app import create_app
from jwlink.cli import main
from jwlink.store import open_store

crds = pytest.importorskip("crds", reason="jwlink stale needs the crds extra (jwlink[crds])")
pytest.importorskip("stdatamodels", reason="crds reads JWST keywords by stdatamodels' schema")

OLD, NEW = "jwst_0303.pmap", "jwst_0541.pmap"


@pytest.fixture
def cache(data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CRDS_PATH", str(data / "crds"))
    monkeypatch.setenv("CRDS_MODE", "local")
    monkeypatch.setenv("CRDS_READONLY_CACHE", "1")
    return data / "crds"


def _get(url: str, **kwargs: object) -> httpx.Response:
    # The first selection under a context loads its rules: seconds, not milliseconds.
    return httpx.get(url, timeout=120, **kwargs)  # type: ignore[arg-type]


def _cli(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, [*args, "--json"], catch_exceptions=False)
    return result.exit_code, json.loads(result.output)


def test_api_and_flags_agree_with_the_command_line(db_url, data, cache):
    assert CliRunner().invoke(main, ["ingest", str(data / "exposures_nopsf"), "--db", db_url])
    _code, expected = _cli("stale", "--db", db_url, "--crds-path", str(cache), "--context", NEW)
    stale_cals = {p["name"] for p in expected["products"]}
    assert stale_cals
    app = create_app(db_url)
    stale_api.configure(app, str(cache), NEW)
    with running(app) as base:
        assert _get(f"{base}/api/v1/stale", params={"context": NEW}).json() == expected
        assert _get(f"{base}/api/v1/stale", params={"context": OLD}).json()["products"] == []
        bad = _get(f"{base}/api/v1/stale", params={"context": "jwst_9999.pmap"})
        assert bad.status_code == 400 and "jwst_9999.pmap" in bad.text
        name = sorted(stale_cals)[0]
        product = _get(f"{base}/api/v1/products/{quote(name)}").json()["product"]
        assert product["stale"] is True
        obs_id = product["obs_id"]
        rows = _get(f"{base}/api/v1/observations/{quote(obs_id)}/products").json()["products"]
        flags = {r["productFilename"]: r["stale"] for r in rows}
        assert flags[name] is True
        assert not any(flag for n, flag in flags.items() if n not in stale_cals)
        page = _get(f"{base}/products/{quote(name)}").text
        assert "Stale under the server&#x27;s CRDS context" in page or "CRDS context" in page


def test_no_flag_without_a_target_context(tmp_path, data, cache):
    db = str(tmp_path / "c.db")
    CliRunner().invoke(main, ["ingest", str(data / "exposures_nopsf"), "--db", db])
    with running(create_app(db)) as base:
        rows = _get(f"{base}/api/v1/observations").json()["observations"]
        obs = rows[0]["obs_id"]
        products = _get(f"{base}/api/v1/observations/{quote(obs)}/products").json()
        assert all("stale" not in r for r in products["products"])


def test_synthesized_old_headers_name_what_their_context_selects(tmp_path, cache):
    db = str(tmp_path / "synth.db")
    made = CliRunner().invoke(main, ["synth", "--catalog-only", "--products", "800", "--db", db])
    assert made.exit_code == 0, made.output
    store = open_store(db, readonly=True)
    try:
        rows = store.execute(
            "SELECT name, parameters, reference_files FROM crds_headers WHERE context = ?", (OLD,)
        )
    finally:
        store.close()
    assert rows, "the synthesizer calibrates NIRISS imaging under an older, real context"
    from jwlink.core.reftypes import REFTYPES

    expected_new = {}
    for name, parameters, references in rows:
        params, refs = json.loads(parameters), json.loads(references)
        if not refs:  # a context but no R_* (an _i2d of image2): nothing to compare
            continue
        used = {REFTYPES[k]: v.removeprefix("crds://") for k, v in refs.items()}
        for context in (OLD, NEW):
            best = crds.getrecommendations(params, reftypes=sorted(used), context=context)
            best = {t: "N/A" if f.startswith("NOT FOUND") else f for t, f in best.items()}
            if context == OLD:  # the header says what its own context selects: the truth
                assert best == used, name
            else:
                changed = {t: (used[t], f) for t, f in best.items() if f != used[t]}
                if changed:
                    expected_new[name] = changed
    code, doc = _cli("stale", "--db", db, "--crds-path", str(cache), "--context", NEW)
    found = {
        p["name"]: {c["reftype"]: (c["used"], c["best"]) for c in p["changes"]}
        for p in doc["products"]
    }
    assert expected_new and found == expected_new and code == 1
    assert doc["later_context"] > 0  # the invented jwst_1303.pmap products are not compared
    grouped = doc["impact"]["observations"]
    assert any(obs.startswith("jw") and "-o" in obs for obs in grouped)  # their Level 3 products


def test_serve_command_flags_products_in_every_worker(tmp_path, data, cache):
    import os
    import socket
    import subprocess
    import sys
    import time

    db = str(tmp_path / "c.db")
    CliRunner().invoke(main, ["ingest", str(data / "exposures_nopsf"), "--db", db])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src}
    cmd = [sys.executable, "-m", "jwlink", "serve", "--db", db, "--port", str(port),
           "--workers", "2", "--crds-path", str(cache), "--crds-context", NEW]  # fmt: skip
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _get(f"{base}/api/v1/observations").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.3)
        _code, expected = _cli("stale", "--db", db, "--crds-path", str(cache), "--context", NEW)
        stale_cals = {p["name"] for p in expected["products"]}
        for name in sorted(stale_cals)[:4]:  # requests land on either worker
            assert _get(f"{base}/api/v1/products/{quote(name)}").json()["product"]["stale"]
    finally:
        server.terminate()
        server.wait(timeout=60)

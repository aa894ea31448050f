"""The synthetic archive end to end: synth -> ingest -> check, every mode queried, jwlink demo."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from jwlink.cli import main
from jwlink.query import questions
from jwlink.store import open_store
from jwlink.synth import MODES
from jwlink.synth.schedule import schedule

SEED, PRODUCTS = 1, 1500


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth")
    data, db = root / "data", str(root / "c.db")
    runner = CliRunner()
    made = runner.invoke(main, ["synth", "--seed", str(SEED), "--products", str(PRODUCTS),
                                "--files", str(data), "--json"])  # fmt: skip
    assert made.exit_code == 0, made.output
    done = runner.invoke(main, ["ingest", str(data), "--db", db, "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["errors"] == []
    return data, db


def _level3_by_mode() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for scheduled in schedule(SEED, PRODUCTS):
        for plan in scheduled.plans(SEED):
            found.setdefault(plan.mode, []).extend(l3.product for l3 in plan.level3)
    return found


def test_synth_ingest_check_is_complete(archive):
    data, _ = archive
    result = CliRunner().invoke(main, ["check", str(data), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["complete"] and doc["associations"]


def test_check_names_a_deleted_member(archive, tmp_path):
    data, db = archive
    store = open_store(db, readonly=True)
    member = store.execute(
        "SELECT m.expname FROM asn_members m JOIN products p ON p.name = m.expname "
        "WHERE m.exptype = 'science' AND p.location IS NOT NULL ORDER BY m.expname LIMIT 1"
    )[0][0]
    location = store.execute("SELECT location FROM products WHERE name = ?", (member,))[0][0]
    store.close()
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(data), str(copy)], check=True)
    (copy / Path(location).relative_to(data.resolve())).unlink()
    result = CliRunner().invoke(main, ["check", str(copy), "--json"])
    assert result.exit_code == 1
    missing = [m for a in json.loads(result.output)["associations"] for m in a["missing_members"]]
    assert member in missing


def test_every_mode_answers_the_queries(archive):
    _, db = archive
    store = open_store(db, readonly=True)
    by_mode = _level3_by_mode()
    assert set(by_mode) == set(MODES)
    for mode, products in by_mode.items():
        assert products, f"{mode} has no Level 3 product"
        for name in products:
            listed = questions.product_list(store, name)
            names = [r["productFilename"] for r in listed.rows]
            assert len(names) == len(set(names)), name
            mrp = questions.mrp(store, name)
            assert mrp.products, f"{mode}: {name} has no MRP"
            chosen = [r for r in listed.rows if r["productFilename"] in mrp.products]
            assert all(r["level"] == "3" for r in chosen)
            up = questions.lineage(store, name, "up")
            assert any(n["suffix"] == "uncal" for n in up.nodes), f"{mode}: {name} misses L1b"
            assert any(n["product_type"] == "REFERENCE" for n in up.nodes), name
    store.close()


def test_mos_lists_one_spectrum_per_source(archive):
    _, db = archive
    store = open_store(db, readonly=True)
    for name in _level3_by_mode()["nirspec_mos"]:
        mrp = questions.mrp(store, name).products
        x1d = [n for n in mrp if n.endswith("_x1d.fits")]
        assert len(x1d) > 1 and all("{" not in n for n in x1d), mrp
    store.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_prepares_serves_and_reuses(tmp_path):
    folder = tmp_path / "demo"
    first = CliRunner().invoke(main, ["demo", "--dir", str(folder), "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "made" in first.output and "Three things to try" in first.output
    # What to type next: the catalog for the other commands, and how to serve it.
    db = (folder / "jwlink.db").resolve()
    assert f"export JWLINK_DB={db}\n" in first.output
    assert f"jwlink serve --db {db} --data-root {(folder / 'data').resolve()}" in first.output
    assert "jwlink demo at http" not in first.output  # nothing listens with --no-serve
    listed = CliRunner().invoke(main, ["observations", "--json"], env={"JWLINK_DB": str(db)})
    assert listed.exit_code == 0 and json.loads(listed.output)["observations"]
    second = CliRunner().invoke(main, ["demo", "--dir", str(folder), "--no-serve"])
    assert "reused" in second.output and "0 files ingested" in second.output
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "jwlink", "demo", "--dir", str(folder), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/observations") as r:
                    doc = json.loads(r.read())
                break
            except OSError:
                assert time.monotonic() < deadline, "jwlink demo did not start serving"
                time.sleep(0.3)
        assert doc["observations"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as page:
            assert page.status == 200 and b"<html" in page.read().lower()
    finally:
        server.terminate()
        server.wait(timeout=10)

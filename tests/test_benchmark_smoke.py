"""The benchmark runs end to end at its smallest size (a smoke run: no timing is asserted)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_smoke_run(tmp_path, pg_url):
    out = tmp_path / "bench.json"
    cmd = [sys.executable, str(ROOT / "benchmarks/bench.py"), "--sizes", "10000",
           "--backends", "sqlite", "postgresql", "--samples", "20",
           "--fits-products", "300", "--out", str(out)]  # fmt: skip
    env = {**os.environ, "JWLINK_TEST_PG": pg_url.split("?")[0]}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["fits"]["identical"] is True and report["fits"]["files"] > 0
    for backend in ("sqlite", "postgresql"):
        (result,) = report["backends"][backend]["results"]
        assert result["ingest"]["counts"]["products"] > 8000
        for key in ("lineage_up", "lineage_down", "mrp", "networkx", "program_product_list"):
            assert key in result["queries"], key
        assert result["queries"]["l3_product_list"]["rows"] > 0
        many = result["queries"]["many_lists"]
        assert many["observations"] > 0 and many["rows"] >= many["page_rows"] > 0


def _numbers(node, path=""):
    """Every (path, value) of a ratio in the results: x_*, *_per_10x, fraction_of_*."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}"
            if key.startswith(("x_", "fraction_of_")) or key.endswith("_per_10x"):
                yield here, value
            else:
                yield from _numbers(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _numbers(value, f"{path}[{i}]")


def test_floors_smoke_run(tmp_path, pg_url):
    """Ingest beside its floors at a tiny size, both backends: the structure and every ratio."""
    cmd = [sys.executable, str(ROOT / "benchmarks/bench.py"), "--floors",
           "--sizes", "500", "1000", "--backends", "sqlite", "postgresql",
           "--folder-products", "100", "--big-files", "1", "--big-mb", "8", "16",
           "--big-asn", "300", "--timeout", "600", "--out-dir", str(tmp_path)]  # fmt: skip
    env = {**os.environ, "JWLINK_TEST_PG": pg_url.split("?")[0]}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from floor_table import render_table

    for backend in ("sqlite", "postgresql"):
        report = json.loads((tmp_path / f"results-floors-{backend}.json").read_text())
        machine = report["machine"]
        assert machine["nproc"] >= 1 and machine["ram_gb"] > 0 and machine["cpu_model"]
        assert len(machine["load_average_start"]) == len(machine["load_average_end"]) == 3
        assert [r["size"] for r in report["sizes"]] == [500, 1000]
        for result in report["sizes"]:
            # The floors wrote exactly the products and links jwlink's ingest left.
            counts = result["jwlink"]["counts"]
            assert result["floor"]["products"] == counts["products"] > 0
            assert result["floor"]["links"] == counts["links"] > 0
            assert result["jwlink"]["peak_rss_mb"] > 0
        assert [(g["from"], g["to"]) for g in report["growth"]] == [(500, 1000)]
        assert report["folder"]["jwlink"]["errors"] == 0
        assert report["folder"]["files"] == report["folder"]["jwlink"]["ingested"] > 0
        big = report["big_files"]
        assert big["files"] == big["jwlink"]["ingested"] == 1
        assert big["headers_from"] == "synthetic" or big["headers_from"].endswith("_uncal.fits")
        (asn,) = report["big_asn"]
        assert asn["members"] == 300 and asn["finished"] and asn["errors"] == 0
        assert asn["counts"]["members"] == 300
        ratios = dict(_numbers(report))
        # 2 per size, 3 per growth step, 3 per file floor (folder, big files)
        assert len(ratios) == 2 * 2 + 3 * 1 + 3 * 2, ratios
        for where, value in ratios.items():
            assert isinstance(value, float) and 0 < value < float("inf"), (where, value)
        table = render_table(report)
        assert f"{machine['nproc']} cores" in table and "load average" in table
        for result in report["sizes"]:
            assert f"×{result['x_lean_floor']:.1f}" in table, table
        assert f"jwlink ×{report['folder']['x_getheader']:.1f}" in table, table
        assert "did not finish" not in table


def test_floors_timeout_is_reported(tmp_path):
    """An ingest past --timeout is stopped and reported as not finished, not waited for."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import floor_files
    import floors

    asn = tmp_path / "jw01075-c1000_20250101t000000_image3_00001_asn.json"
    floor_files.write_big_association(asn, 2000)
    run = floors.child("ingest", str(tmp_path / "c.db"), str(asn), timeout=0.05)
    assert run == {"finished": False, "timeout_s": 0.05}


def test_lists_http_smoke_run(tmp_path):
    """Lists over HTTP on a small catalog: astroquery through jwlink and through the replay.

    The replay must hand astroquery the very rows jwlink did (its figure is
    the floor under jwlink's), so both runs count the same rows, which are
    the rows of the MAST pages read by plain HTTP.
    """
    db = tmp_path / "c.db"
    synth = [sys.executable, "-m", "jwlink", "synth", "--catalog-only", "--products", "1500",
             "--db", str(db)]  # fmt: skip
    subprocess.run(synth, capture_output=True, check=True, timeout=600)
    out = tmp_path / "lists.json"
    cmd = [sys.executable, str(ROOT / "benchmarks/lists_http.py"), "--db", str(db),
           "--obsids", "20", "--repeat", "1", "--out", str(out)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    rows = report["mast_pages_http"]["rows"]
    assert rows > 0
    assert report["astroquery_get_product_list"]["rows"] == rows
    assert report["astroquery_replayed"]["rows"] == rows
    assert report["astroquery_replayed"]["obsids"] == report["mast_pages_http"]["obsids"] > 0
    assert report["first_5000"]["rows"] > 0 and report["point_lookup"]["ms"] > 0


def test_ingest_floor_folder(tmp_path):
    """A folder ingest's SQL, replayed, is set beside a getheader loop and the reading alone."""
    cmd = [sys.executable, str(ROOT / "benchmarks/ingest_floor.py"), "--folder-products", "60",
           "--by-statement", "3"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    folder, head, *shapes = done.stdout.strip().splitlines()
    files = int(folder.split()[0])
    assert files > 0 and "FITS files: getheader loop" in folder
    assert "its SQL replayed" in folder and "reading alone" in folder
    ratios = [float(x) for x in re.findall(r"\(x([0-9.]+)", folder)]
    assert len(ratios) == 3 and all(r > 0 for r in ratios), folder
    assert "products: jwlink" in head and len(shapes) == 3


def test_ingest_floor_by_statement(tmp_path):
    """The replayed ingest prints its figures and the statements it spent most time on."""
    cmd = [sys.executable, str(ROOT / "benchmarks/ingest_floor.py"), "--products", "800",
           "--by-statement", "5"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    head, *shapes = done.stdout.strip().splitlines()
    assert "products: jwlink" in head and "floor (same SQL replayed)" in head
    assert len(shapes) == 5
    assert any("INSERT INTO products" in line for line in shapes) or any(
        "INSERT INTO links" in line for line in shapes
    )

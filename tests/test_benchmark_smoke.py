"""The benchmark runs end to end at its smallest size (a smoke run: no timing is asserted)."""

from __future__ import annotations

import json
import os
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

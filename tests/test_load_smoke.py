"""The load test runs end to end at a tiny size (a smoke run: no timing is asserted).

At 20 clients every answer must be a 2xx and no socket may fail; at 200
clients, against 40 slots and a queue of 20, the overload path must show:
some 503s, each with Retry-After, nothing else non-2xx, and the server
alive and answering afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_load_smoke_run(tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        if os.environ.get("CI"):
            pytest.fail("wrk is required in CI (Debian package 'wrk')")
        pytest.skip("wrk not installed (Debian/Ubuntu package 'wrk')")
    out = tmp_path / "load.json"
    cmd = [sys.executable, str(ROOT / "benchmarks/load.py"), "--size", "2000",
           "--workdir", str(tmp_path / "work"), "--connections", "20", "200",
           "--duration", "2", "--samples", "100", "--files", "50", "--max-queue", "20",
           "--workers", "1", "--out", str(out)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| kind | clients | requests/s |" in done.stdout
    report = json.loads(out.read_text())
    assert report["catalog"]["files"]["files"] > 0
    assert all(report["targets"][kind] > 0 for kind in ("products", "lineage", "download"))
    runs = {(r["kind"], r["connections"]): r for r in report["runs"]}
    assert set(runs) == {(k, c) for k in ("products", "lineage", "download", "mixed")
                         for c in (20, 200)}  # fmt: skip
    for (kind, clients), run in runs.items():
        where = f"{kind} at {clients} clients: {run['statuses']} {run['socket_errors']}"
        assert run["requests"] > 0, where
        assert run["socket_error_count"] == 0, where
        assert run["server_answering_after"] is True, where
        if clients == 20:
            assert run["non_2xx"] == 0, where
        else:
            assert run["status_503"] > 0, where  # 200 clients, 60 places: overload
            assert run["non_2xx"] == run["status_503"], where
            assert run["no_retry_after"] == 0, where
    assert report["server_alive_at_end"] is True
    assert report["server_log_tracebacks"] == 0

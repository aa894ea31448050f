"""Product lists over HTTP: a list's first page beside a point lookup, and astroquery's many lists.

    python benchmarks/lists_http.py --db CATALOG [--obsids 500] [--repeat 5] [--out results.json]

serves CATALOG with ``jwlink serve`` (one worker, loopback) and times, each
the median of ``--repeat`` runs:

- ``GET /api/v1/observations/<biggest>/products?page_size=100`` (the first
  page of the list with the most rows) beside the point lookups of that
  observation (``GET /api/v1/observations/<biggest>``, its members included)
  and of its first file (``GET /api/v1/products/<name>``, its links included)
  through the same server;
- the whole list of an observation of about 5,000 listed files, if one exists;
- unmodified astroquery ``Observations.get_product_list`` of up to
  ``--obsids`` Level 3 observations in one call (MAST's ``Mast.Caom.Products``
  with every obsid in one request), in a child process pointed at the server
  by its own config file, as a user would.

Nothing is asserted: the figures go to the README (issue 14's targets).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from jwlink.store import open_store

_ASTROQUERY = r"""
import json, sys, time
from astroquery.mast import Observations
Observations.disable_cloud_dataset()
obsids = json.loads(sys.argv[1])
times, rows = [], 0
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    table = Observations.get_product_list(obsids)
    times.append(time.perf_counter() - start)
    rows = len(table)
print(json.dumps({"seconds": times, "rows": rows}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _median_ms(func: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _get(client: httpx.Client, path: str) -> Any:
    response = client.get(path)
    response.raise_for_status()
    return response.json()


def _picks(url: str, count: int) -> dict[str, Any]:
    store = open_store(url, readonly=True)
    try:
        sizes = store.execute(
            "SELECT obs_id, COUNT(*) FROM listings GROUP BY obs_id ORDER BY COUNT(*) DESC"
        )
        if not sizes:
            sys.exit(f"{url}: no stored lists (ingest it with this release first)")
        biggest = sizes[0][0]
        name = store.execute(
            "SELECT name FROM listings WHERE obs_id = ? ORDER BY position LIMIT 1", (biggest,)
        )[0][0]
        near = min(sizes, key=lambda row: abs(row[1] - 5000))
        obsids = [
            str(r[0])
            for r in store.execute(
                "SELECT obsid FROM observations WHERE calib_level = 3 AND obsid IS NOT NULL "
                f"ORDER BY obs_id LIMIT {int(count)}"
            )
        ]
    finally:
        store.close()
    return {"biggest": sizes[0], "name": name, "near_5000": near, "obsids": obsids}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="catalog: SQLite path or postgresql://...")
    parser.add_argument("--obsids", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", help="write the figures as JSON")
    args = parser.parse_args(argv)
    picks = _picks(args.db, args.obsids)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "jwlink", "serve", "--db", args.db]
    command += ["--port", str(port), "--workers", "1", "--log-level", "warning"]
    server = subprocess.Popen(command)
    out: dict[str, Any] = {"db": args.db, "repeat": args.repeat}
    try:
        with httpx.Client(base_url=base, timeout=600) as client:
            for _ in range(300):
                try:
                    client.get("/api/v1/observations?page_size=1").raise_for_status()
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            obs_id, rows = picks["biggest"]
            first = f"/api/v1/observations/{obs_id}/products?page_size=100"
            point = f"/api/v1/products/{picks['name']}"
            lookup = f"/api/v1/observations/{obs_id}"
            _get(client, first), _get(client, point), _get(client, lookup)  # warm
            out["first_page_100"] = {
                "obs_id": obs_id,
                "rows": rows,
                "ms": _median_ms(lambda: _get(client, first), args.repeat),
            }
            out["point_lookup"] = {
                "product": picks["name"],
                "ms": _median_ms(lambda: _get(client, point), args.repeat),
                "observation_ms": _median_ms(lambda: _get(client, lookup), args.repeat),
            }
            near, near_rows = picks["near_5000"]
            whole = f"/api/v1/observations/{near}/products?page_size=10000"
            out["whole_list"] = {
                "obs_id": near,
                "rows": near_rows,
                "ms": _median_ms(lambda: _get(client, whole), args.repeat),
            }
        with tempfile.TemporaryDirectory() as config:
            home = Path(config)
            (home / "config" / "astropy").mkdir(parents=True)
            (home / "config" / "astropy" / "astroquery.cfg").write_text(
                f"[mast]\nserver = {base}\n"
            )
            env = {
                **os.environ,
                "XDG_CONFIG_HOME": str(home / "config"),
                "XDG_CACHE_HOME": str(home / "cache"),
                "HOME": str(home),
            }
            ran = subprocess.run(
                [sys.executable, "-c", _ASTROQUERY, json.dumps(picks["obsids"]), str(args.repeat)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if ran.returncode != 0:
                sys.exit(f"astroquery failed:\n{ran.stderr[-3000:]}")
            figures = json.loads(ran.stdout.strip().splitlines()[-1])
            out["astroquery_get_product_list"] = {
                "obsids": len(picks["obsids"]),
                "rows": figures["rows"],
                "s_median": statistics.median(figures["seconds"]),
            }
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps(out, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

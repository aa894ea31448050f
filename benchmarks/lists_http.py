"""Product lists over HTTP: a list's first page beside a point lookup, and astroquery's many lists.

    python benchmarks/lists_http.py --db CATALOG [--obsids 500] [--repeat 5] [--cpu] [--out FILE]

serves CATALOG with ``jwlink serve`` (one worker, loopback) and times, each
the median of ``--repeat`` runs:

- ``GET /api/v1/observations/<biggest>/products?page_size=100`` (the first
  page of the list with the most rows) beside the point lookups of that
  observation (``GET /api/v1/observations/<biggest>``, its members included)
  and of its first file (``GET /api/v1/products/<name>``, its links included)
  through the same server;
- the whole list of the observation whose list is nearest 5,000 files, and
  the first 5,000 rows of the biggest list (``page_size=5000``): a
  5,000-file answer whatever the catalog;
- the MRP page the portal asks first (``mrp=true&page_size=100``) of the
  biggest list, whose total counts the list's MRP rows;
- the same MAST request astroquery sends, page by page, by plain HTTP (the
  server's share), then unmodified astroquery ``Observations.get_product_list`` of up to
  ``--obsids`` Level 3 observations in one call (MAST's ``Mast.Caom.Products``
  with every obsid in one request), in a child process pointed at the server
  by its own config file, as a user would;
- astroquery's own share (``astroquery_replayed``): the same call answered
  by a bare `http.server` that writes back the pages jwlink sent, byte for
  byte, from memory. What remains is the client's parsing and table
  building: the floor under the astroquery figure on this machine.

Each HTTP figure is the time to the whole body (``ms``; ``min_ms`` the
fastest run) and, beside it, to the body parsed by ``json.loads``
(``parsed_ms``: the client's share too). With ``--cpu``, the same requests
are also sent to the app in this process and timed in CPU seconds, which a
machine shared with other work disturbs much less than the wall clock. The
load average before and after is recorded. Nothing is asserted: the figures
go to the README (issue 14's targets).
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
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


def _runs_ms(func: Callable[[], Any], repeat: int, clock: Callable[[], float]) -> list[float]:
    times = []
    for _ in range(repeat):
        start = clock()
        func()
        times.append((clock() - start) * 1000)
    return times


def _median_ms(func: Callable[[], Any], repeat: int) -> float:
    """Median of ``repeat`` runs, in ms."""
    return statistics.median(_runs_ms(func, repeat, time.perf_counter))


def _get(client: httpx.Client, path: str) -> Any:
    response = client.get(path)
    response.raise_for_status()
    return response.json()


def _body(client: httpx.Client, path: str) -> bytes:
    response = client.get(path)
    response.raise_for_status()
    return response.content


def _timed(client: httpx.Client, path: str, repeat: int) -> dict[str, Any]:
    """Time a GET to its whole body and to its body parsed; say how many rows it holds."""
    doc = _get(client, path)
    whole = _runs_ms(lambda: _body(client, path), repeat, time.perf_counter)
    return {
        "path": path,
        "rows": len(doc.get("products", [])),
        "total": doc.get("total"),
        "ms": statistics.median(whole),
        "min_ms": min(whole),
        "parsed_ms": _median_ms(lambda: _get(client, path), repeat),
    }


def _mast_request(obsids: list[str], page: int) -> dict[str, str]:
    request = {"service": "Mast.Caom.Products", "params": {"obsid": ",".join(obsids)},
               "format": "json", "pagesize": 50000, "page": page}  # fmt: skip
    return {"request": json.dumps(request)}


def _mast_pages(client: Any, obsids: list[str], bodies: dict[int, bytes]) -> dict[str, Any]:
    """POST astroquery's Mast.Caom.Products request page by page; time each whole body.

    Each page's body is kept in ``bodies`` (by page number) for `_replayed`.
    """
    seconds, rows, page, pages = [], 0, 1, 1
    while page <= pages:
        start = time.perf_counter()
        response = client.post("/api/v0/invoke", data=_mast_request(obsids, page))
        response.raise_for_status()
        body = response.content
        seconds.append(time.perf_counter() - start)
        bodies[page] = body
        answer = json.loads(body)
        rows += len(answer["data"])
        pages = answer["paging"]["pagesFiltered"]
        page += 1
    return {"pages": len(seconds), "rows": rows, "s_each": seconds, "s": sum(seconds)}


# astroquery asks the portal for the service's columns before its first page.
_COLUMNS_CONFIG = "/portal/Mashup/Mashup.asmx/columnsconfig"


class _Replay(http.server.BaseHTTPRequestHandler):
    """Answers astroquery's POSTs with the bodies jwlink gave for the same requests.

    ``bodies`` holds each ``Mast.Caom.Products`` page by number, and the
    columns config under 0.
    """

    bodies: dict[int, bytes] = {}

    def do_POST(self) -> None:  # noqa: N802  # http.server's name
        length = int(self.headers.get("Content-Length", 0))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        body = None
        if self.path == _COLUMNS_CONFIG:
            body = self.bodies.get(0)
        elif self.path == "/api/v0/invoke":
            body = self.bodies.get(int(json.loads(form["request"][0]).get("page", 1)))
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _replayed(bodies: dict[int, bytes], obsids: list[str], repeat: int) -> dict[str, Any]:
    """astroquery's own share: the same request answered from memory, no catalog behind it.

    The pages jwlink sent are written back byte for byte by a bare
    `http.server` in this process while astroquery, in its child process,
    asks for them exactly as it asked jwlink: what is left is the client's
    parsing and table building, the floor under the astroquery figure.
    """
    handler = type("Replay", (_Replay,), {"bodies": dict(bodies)})
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            return _astroquery(f"http://127.0.0.1:{server.server_address[1]}", obsids, repeat)
        finally:
            server.shutdown()


def _cpu(db: str, paths: dict[str, str], obsids: list[str], repeat: int) -> dict[str, Any]:
    """The server's CPU per request: the same app in this process (`TestClient`), no network.

    On a machine shared with other work the wall-clock figures wander with
    the load; CPU time much less. ``process_time`` counts every thread of
    this process: the app's and the test client's (which parses nothing).
    """
    from fastapi.testclient import TestClient

    from jwlink.app import create_app

    figures: dict[str, Any] = {}
    with TestClient(create_app(db)) as client:
        for key, path in paths.items():
            client.get(path).raise_for_status()
            times = _runs_ms(lambda p=path: client.get(p), repeat, time.process_time)
            figures[key] = {"cpu_ms": statistics.median(times), "min_cpu_ms": min(times)}
        for page in (1, 2):
            post = lambda p=page: client.post("/api/v0/invoke", data=_mast_request(obsids, p))  # noqa: E731
            times = _runs_ms(post, repeat, time.process_time)
            figures[f"mast_page_{page}"] = {"cpu_ms": statistics.median(times),
                                            "min_cpu_ms": min(times)}  # fmt: skip
    return figures


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


def _wait(client: httpx.Client) -> None:
    for _ in range(300):
        try:
            client.get("/api/v1/observations?page_size=1").raise_for_status()
        except httpx.HTTPError:
            time.sleep(0.2)
        else:
            return


def _paths(picks: dict[str, Any]) -> dict[str, str]:
    obs_id, near = picks["biggest"][0], picks["near_5000"][0]
    lists = f"/api/v1/observations/{obs_id}/products"
    return {
        "first_page_100": f"{lists}?page_size=100",
        "whole_list": f"/api/v1/observations/{near}/products?page_size=10000",
        "first_5000": f"{lists}?page_size=5000",
        "mrp_page_100": f"{lists}?mrp=true&page_size=100",
    }


def _http(
    client: httpx.Client, picks: dict[str, Any], repeat: int, bodies: dict[int, bytes]
) -> dict[str, Any]:
    """Every HTTP figure but astroquery's, through the running server; MAST pages kept in bodies."""
    out: dict[str, Any] = {}
    paths = _paths(picks)
    point = f"/api/v1/products/{picks['name']}"
    lookup = f"/api/v1/observations/{picks['biggest'][0]}"
    _get(client, paths["first_page_100"]), _get(client, point), _get(client, lookup)  # warm
    for key, path in paths.items():
        out[key] = {"list_rows": picks["biggest"][1], **_timed(client, path, repeat)}
    out["point_lookup"] = {
        "product": picks["name"],
        "ms": _median_ms(lambda: _get(client, point), repeat),
        "observation_ms": _median_ms(lambda: _get(client, lookup), repeat),
    }
    runs = [_mast_pages(client, picks["obsids"], bodies) for _ in range(repeat)]
    columns = client.post(_COLUMNS_CONFIG, data={"colConfigId": "Mast.Caom.Products"})
    bodies[0] = columns.raise_for_status().content
    out["mast_pages_http"] = {
        "obsids": len(picks["obsids"]),
        **min(runs, key=lambda r: float(r["s"])),
        "s_median": statistics.median(float(r["s"]) for r in runs),
    }
    return out


def _astroquery(base: str, obsids: list[str], repeat: int) -> dict[str, Any]:
    """Unmodified astroquery in a child process pointed at the server by its config file."""
    with tempfile.TemporaryDirectory() as config:
        home = Path(config)
        (home / "config" / "astropy").mkdir(parents=True)
        (home / "config" / "astropy" / "astroquery.cfg").write_text(f"[mast]\nserver = {base}\n")
        env = {
            **os.environ,
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_CACHE_HOME": str(home / "cache"),
            "HOME": str(home),
        }
        ran = subprocess.run(
            [sys.executable, "-c", _ASTROQUERY, json.dumps(obsids), str(repeat)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if ran.returncode != 0:
        sys.exit(f"astroquery failed:\n{ran.stderr[-3000:]}")
    figures = json.loads(ran.stdout.strip().splitlines()[-1])
    return {
        "obsids": len(obsids),
        "rows": figures["rows"],
        "s_median": statistics.median(figures["seconds"]),
        "s_min": min(figures["seconds"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="catalog: SQLite path or postgresql://...")
    parser.add_argument("--obsids", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cpu", action="store_true", help="also the server's CPU per request")
    parser.add_argument("--out", help="write the figures as JSON")
    args = parser.parse_args(argv)
    picks = _picks(args.db, args.obsids)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "jwlink", "serve", "--db", args.db]
    command += ["--port", str(port), "--workers", "1", "--log-level", "warning"]
    load = os.getloadavg()
    server = subprocess.Popen(command)
    out: dict[str, Any] = {"db": args.db, "repeat": args.repeat}
    bodies: dict[int, bytes] = {}
    try:
        with httpx.Client(base_url=base, timeout=600) as client:
            _wait(client)
            out.update(_http(client, picks, args.repeat, bodies))
        out["astroquery_get_product_list"] = _astroquery(base, picks["obsids"], args.repeat)
    finally:
        server.terminate()
        server.wait(timeout=30)
    out["astroquery_replayed"] = _replayed(bodies, picks["obsids"], args.repeat)
    if args.cpu:
        out["server_cpu"] = _cpu(args.db, _paths(picks), picks["obsids"], args.repeat)
    out["load_average"] = {"before": load, "after": os.getloadavg()}
    print(json.dumps(out, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""jwlink load test: wrk against a real ``jwlink serve`` on loopback.

Run:  python benchmarks/load.py --size 1000000 --workdir /tmp/jwlink-load
                                [--connections 100 1000] [--duration 30]
                                [--backend sqlite|postgresql] [--out FILE]

The catalog is filled once per size by bench.py's catalog-only synthesizer
and cached in --workdir. Small downloads need real files: a sample of the
catalog's JPEG previews is written under a data root (real JPEGs of a few
KB) and ingested, so the catalog records where they are. Every target path
is checked once with a GET (200 kept; this also warms the caches), then wrk
runs each request kind (product lists, lineage, downloads, a mix of the
three) at each connection count. wrk's Lua script counts every status and
every 503 without Retry-After. Each run is bounded (duration plus socket
timeout); the server is checked alive and answering after each run and is
stopped at the end. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import PG_URL, _fill  # noqa: E402 - the benchmark folder is not a package

from jwlink.store import open_store  # noqa: E402

LUA = Path(__file__).resolve().parent / "load.lua"
KINDS = ("products", "lineage", "download", "mixed")
SEED = 1


def raise_open_files_limit() -> int:
    """Lift this process's soft fd limit to the hard one; children inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 65_536)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def catalog(workdir: Path, size: int, backend: str, files: int) -> tuple[str, dict[str, Any]]:
    """Return the URL of a filled catalog of ``size`` products, filling it once."""
    marker = workdir / f"catalog-{size}-{backend}.json"
    if backend == "sqlite":
        url = str(workdir / f"catalog-{size}.db")
    else:
        schema = f"jwlink_load_{size}"
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    if marker.exists():
        return url, json.loads(marker.read_text())
    if backend == "sqlite":
        for stale in workdir.glob(f"catalog-{size}.db*"):
            stale.unlink()
    else:
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            admin.execute(f"CREATE SCHEMA {schema}")
    print(f"filling a {size:,}-product {backend} catalog (cached in {workdir}) ...", flush=True)
    filled = _fill(url, size, seed=SEED)
    info = {"fill": filled, "files": data_files(url, workdir / f"files-{size}-{backend}", files)}
    marker.write_text(json.dumps(info, indent=2))
    return url, info


def data_files(url: str, root: Path, count: int) -> dict[str, Any]:
    """Write real JPEG previews for public products under ``root`` and ingest them."""
    from jwlink.ingest import ingest
    from jwlink.synth.jpeg import jpeg_preview

    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    store = open_store(url)
    try:
        names = [
            row[0]
            for row in store.execute(
                "SELECT name FROM products WHERE extension = 'jpg' "
                "AND COALESCE(data_rights, 'PUBLIC') = 'PUBLIC' ORDER BY name"
            )
        ]
        picked = random.Random(SEED).sample(names, min(count, len(names)))
        for name in picked:
            (root / name).write_bytes(jpeg_preview(name, 512, 512))  # about 2 KB
        report = ingest(store, [root])
    finally:
        store.close()
    if report.errors or report.ingested != len(picked):
        msg = f"ingesting the download files failed: {report.as_dict()}"
        raise RuntimeError(msg)
    sizes = sorted(p.stat().st_size for p in root.iterdir())
    return {"root": str(root), "files": len(sizes), "median_bytes": sizes[len(sizes) // 2]}


def candidate_paths(url: str, samples: int) -> dict[str, list[str]]:
    """Pick a seeded spread of request paths of each kind from the catalog."""
    rnd = random.Random(SEED)
    store = open_store(url, readonly=True)
    try:
        obs = column(store, "SELECT DISTINCT obs_id FROM products WHERE obs_id IS NOT NULL")
        named = column(store, "SELECT name FROM products WHERE level IN ('2b', '3')")
        served = column(store, "SELECT name FROM products WHERE location IS NOT NULL")
    finally:
        store.close()
    lineage = [
        f"/api/v1/lineage/{quote(name, safe='')}?direction={rnd.choice(('up', 'down'))}"
        for name in rnd.sample(named, min(samples, len(named)))
    ]
    return {
        "products": [
            f"/api/v1/observations/{quote(o, safe='')}/products?page_size=100"
            for o in rnd.sample(obs, min(samples, len(obs)))
        ],
        "lineage": lineage,
        "download": [f"/api/v1/files/{quote(n, safe='')}" for n in served],
    }


def column(store: Any, sql: str) -> list[str]:
    """The first column of a query's rows, sorted (a seeded sample must not depend on order)."""
    return sorted(row[0] for row in store.execute(sql))


def checked(base: str, candidates: dict[str, list[str]]) -> dict[str, list[str]]:
    """Keep the paths that answer 200 once (and warm the caches); the mix interleaves them."""
    kept: dict[str, list[str]] = {}
    with httpx.Client(base_url=base, timeout=120) as client:
        for kind, paths in candidates.items():
            kept[kind] = [p for p in paths if client.get(p).status_code == 200]
            if not kept[kind]:
                msg = f"no {kind} path answered 200 (first: {paths[:1]})"
                raise RuntimeError(msg)
    longest = max(len(v) for v in kept.values())
    kept["mixed"] = [
        kept[kind][i % len(kept[kind])]
        for i in range(longest)
        for kind in ("products", "lineage", "download")
    ]
    return kept


@contextmanager
def server(url: str, data_root: str, log: Path, limits: list[str]) -> Iterator[tuple[str, Any]]:
    """Run ``jwlink serve`` on a free loopback port; yield its base URL and process."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "jwlink", "serve", "--db", url, "--data-root", data_root,
               "--port", str(port), "--log-level", "warning", *limits]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        if not answering(base, process, 120):
            msg = f"jwlink serve did not start; see {log}"
            raise RuntimeError(msg)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def answering(base: str, process: Any, within: float) -> bool:
    """Whether the server is alive and answers 200 within ``within`` seconds."""
    deadline = time.monotonic() + within
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/observations?page_size=1", timeout=10).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    return False


def wrk(base: str, paths: Path, connections: int, args: argparse.Namespace) -> dict[str, Any]:
    """Run wrk once (bounded) and return its counts, latencies and derived rates."""
    command = [args.wrk, "-t", str(min(args.threads, connections)), "-c", str(connections),
               "-d", f"{args.duration}s", "--latency", "--timeout", f"{args.timeout}s",
               "-s", str(LUA), base, "--", str(paths)]  # fmt: skip
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=args.duration + args.timeout + 60,
        check=False,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("JWLINK_RESULT ")), None)
    if line is None:
        msg = f"wrk gave no result (exit {done.returncode}): {done.stderr or done.stdout}"
        raise RuntimeError(msg)
    result: dict[str, Any] = json.loads(line.removeprefix("JWLINK_RESULT "))
    statuses = {int(k): v for k, v in result["statuses"].items()}
    ok = sum(v for k, v in statuses.items() if 200 <= k < 300)
    socket_errors = sum(result["socket_errors"].values())
    answered = result["requests"]
    result.update(
        statuses={str(k): v for k, v in sorted(statuses.items())},
        requests_per_s=answered / result["duration_s"],
        ok_per_s=ok / result["duration_s"],
        non_2xx=answered - ok,
        status_503=statuses.get(503, 0),
        share_503=statuses.get(503, 0) / answered if answered else 0.0,
        socket_error_count=socket_errors,
        error_rate=(answered - ok + socket_errors) / max(1, answered + socket_errors),
    )
    return result


def machine() -> dict[str, Any]:
    """Facts that make the figures comparable: CPUs, model, RAM, versions."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines()
                  if ln.startswith("model name")), platform.processor())  # fmt: skip
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem_kb = next((int(ln.split()[1]) for ln in meminfo.splitlines()
                   if ln.startswith("MemTotal")), 0)  # fmt: skip
    version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "ram_gb": round(mem_kb / 1024**2, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "wrk": (version.stdout or version.stderr).splitlines()[0] if version.returncode < 2 else "",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="products in the catalog")
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "jwlink-load"))
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--connections", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--duration", type=int, default=30, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--timeout", type=int, default=10, help="wrk socket timeout, seconds")
    parser.add_argument("--samples", type=int, default=500, help="paths per request kind")
    parser.add_argument("--files", type=int, default=300, help="files written for downloads")
    parser.add_argument("--max-inflight", type=int, help="jwlink serve --max-inflight")
    parser.add_argument("--max-queue", type=int, help="jwlink serve --max-queue")
    parser.add_argument("--queue-timeout", type=float, help="jwlink serve --queue-timeout")
    parser.add_argument("--workers", type=int, nargs="+", default=[os.cpu_count() or 1],
                        help="jwlink serve --workers, one server per value (e.g. 1 2)")  # fmt: skip
    parser.add_argument("--wrk", default="wrk", help="the wrk executable")
    parser.add_argument("--out", help="results JSON (default benchmarks/results-load-BACKEND.json)")
    args = parser.parse_args(argv)
    if shutil.which(args.wrk) is None:
        parser.error(f"wrk not found ({args.wrk}); install the Debian/Ubuntu package 'wrk'")
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    fds = raise_open_files_limit()
    url, info = catalog(workdir, args.size, args.backend, args.files)
    limits = [
        f"--{name.replace('_', '-')}={value}"
        for name in ("max_inflight", "max_queue", "queue_timeout")
        if (value := getattr(args, name)) is not None
    ]
    report: dict[str, Any] = {
        "machine": machine(),
        "catalog": {"size": args.size, "backend": args.backend, **info},
        "settings": {**{k: v for k, v in vars(args).items() if k != "out"}, "fd_limit": fds},
        "runs": [],
    }
    log = workdir / f"serve-{args.size}-{args.backend}.log"
    log.write_bytes(b"")
    for workers in args.workers:
        with server(url, info["files"]["root"], log, [*limits, f"--workers={workers}"]) as (
            base,
            process,
        ):
            paths = checked(base, candidate_paths(url, args.samples))
            report["targets"] = {k: len(v) for k, v in paths.items()}
            for kind in args.kinds:
                listing = workdir / f"paths-{kind}.txt"
                listing.write_text("\n".join(paths[kind]) + "\n")
                for connections in args.connections:
                    load = os.getloadavg()[0]
                    result = wrk(base, listing, connections, args)
                    alive = answering(base, process, 60)
                    report["runs"].append(
                        {
                            "workers": workers,
                            "kind": kind,
                            "connections": connections,
                            "loadavg_before": load,
                            **result,
                            "server_answering_after": alive,
                        }  # fmt: skip
                    )
                    print(row(report["runs"][-1]), flush=True)
                    if not alive:
                        break
            report["server_alive_at_end"] = process.poll() is None
    report["server_log_tracebacks"] = log.read_text(errors="replace").count("Traceback")
    out = Path(args.out or f"benchmarks/results-load-{args.backend}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(table(report))
    print(f"wrote {out}")
    return 0


HEADER = (
    "| workers | kind | clients | requests/s | 2xx/s | p50 ms | p99 ms | non-2xx | 503 share "
    "| 503 without Retry-After | socket errors |"
)


def row(r: dict[str, Any]) -> str:
    """One markdown table row of a run."""
    return (
        f"| {r.get('workers', 1)} | {r['kind']} | {r['connections']:,} | "
        f"{r['requests_per_s']:,.0f} | "
        f"{r['ok_per_s']:,.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['non_2xx']:,} | "
        f"{100 * r['share_503']:.1f} % | {r['no_retry_after']} | {r['socket_error_count']:,} |"
    )


def table(report: dict[str, Any]) -> str:
    """The markdown table of every run, headed by the catalog and machine."""
    m, c = report["machine"], report["catalog"]
    counts = c["fill"]["counts"]
    head = (
        f"{c['backend']} catalog: {counts['products']:,} products, {counts['links']:,} links; "
        f"{m['nproc']} x {m['cpu_model']}, {m['ram_gb']} GB; wrk {report['settings']['duration']}"
        f" s per run, {report['settings']['threads']} threads"
    )
    lines = [head, "", HEADER, "|" + "---|" * 11]
    lines += [row(r) for r in report["runs"]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

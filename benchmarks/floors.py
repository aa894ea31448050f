"""jwlink ingest beside its floors, measured in the same run (issue 14).

Run:  python benchmarks/bench.py --floors [--sizes 10000 100000 1000000]
          [--backends sqlite postgresql] [--folder-products 2000]
          [--big-files N [--big-mb 50 500]] [--big-asn 20000 50000 200000]
          [--timeout 600] [--out-dir benchmarks]

Per backend and size: jwlink's catalog-only ingest (a child process, its
peak memory its own), then the same products and links written raw by a
second child: ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) into a lean
integer-keyed schema and into jwlink's own schema.sql. Folder ingest of a
synthetic folder's FITS files is set beside a bare ``getheader`` loop and
SHA-256 of the same files on every core; ``--big-files`` does the same for
50-500 MB files with real header layouts, ``--big-asn`` times associations
of N members. Results: ``<out-dir>/results-floors-<backend>.json`` and a
markdown table (`render_table`). Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import floor_files
from bench import PG_URL, _catalog_url
from floor_table import render_size, render_table

CHILD = Path(__file__).resolve().parent / "floor_child.py"


def machine() -> dict[str, Any]:
    """nproc, CPU model, RAM, load average and versions of this machine."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next(
        (ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if ln.startswith("model name")),
        platform.processor(),
    )
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    ram_kb = next(
        (int(ln.split()[1]) for ln in meminfo.splitlines() if ln.startswith("MemTotal")), 0
    )
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "ram_gb": round(ram_kb / 1024**2, 1),
        "load_average_start": list(os.getloadavg()),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def child(task: str, *args: str, timeout: float | None = None) -> dict[str, Any]:
    """Run one floor_child task; a run past ``timeout`` is killed and says so."""
    try:
        done = subprocess.run(
            [sys.executable, str(CHILD), task, *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"finished": False, "timeout_s": timeout}
    if done.returncode != 0:
        message = f"floor_child {task} {' '.join(args)} failed:\n{done.stderr[-3000:]}"
        raise RuntimeError(message)
    return {"finished": True, **json.loads(done.stdout.strip().splitlines()[-1])}


def _pg_version() -> str:
    import psycopg

    with psycopg.connect(PG_URL) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


def per_10x(a: float, b: float, size_a: int, size_b: int) -> float:
    """Time ratio per 10x growth between two sizes (the plain ratio when 10x apart)."""
    return float((b / a) ** (1 / math.log10(size_b / size_a)))


def catalog_floors(backend: str, size: int, tmp: Path) -> dict[str, Any]:
    url, drop = _catalog_url(backend, tmp, size)
    try:
        jwlink = child("fill", url, str(size), "1")
        if backend == "sqlite":
            work = tmp / f"floor_{size}"
            work.mkdir()
            floor = child("sqlite-floor", url, str(work))
        else:
            target, drop_target = _catalog_url(backend, tmp, size)
            try:
                floor = child("pg-floor", url, target)
            finally:
                drop_target()
    finally:
        drop()
    return {
        "size": size,
        "jwlink": jwlink,
        "floor": {**floor, "method": "executemany" if backend == "sqlite" else "COPY"},
        "x_lean_floor": jwlink["seconds"] / floor["lean_seconds"],
        "x_current_schema_floor": jwlink["seconds"] / floor["current_schema_seconds"],
    }


def growth(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cost per 10x growth between consecutive sizes, jwlink and both floors."""
    out = []
    for a, b in zip(results, results[1:], strict=False):

        def ratio(get: Any, a: dict[str, Any] = a, b: dict[str, Any] = b) -> float:
            return per_10x(get(a), get(b), a["size"], b["size"])

        out.append(
            {
                "from": a["size"],
                "to": b["size"],
                "jwlink_per_10x": ratio(lambda r: r["jwlink"]["seconds"]),
                "lean_floor_per_10x": ratio(lambda r: r["floor"]["lean_seconds"]),
                "current_schema_floor_per_10x": ratio(
                    lambda r: r["floor"]["current_schema_seconds"]
                ),
            }
        )
    return out


def _fresh(backend: str, tmp: Path, label: str) -> tuple[str, Any]:
    if backend == "sqlite":
        return str(tmp / f"{label}.db"), lambda: None
    return _catalog_url(backend, tmp, 0)


def folder_floors(
    backend: str, paths: list[Path], tmp: Path, label: str, sha: dict[str, Any], timeout: float
) -> dict[str, Any]:
    """jwlink ingest of ``paths`` beside getheader and SHA-256 of the same files."""
    listing = tmp / f"{label}.list"
    listing.write_text("\n".join(str(p) for p in paths))
    url, drop = _fresh(backend, tmp, f"{label}_{backend}")
    try:
        jwlink = child("ingest", url, f"@{listing}", timeout=timeout)
    finally:
        drop()
    total = sum(p.stat().st_size for p in paths)
    getheader_s = floor_files.getheader_loop(paths)
    out: dict[str, Any] = {
        "files": len(paths),
        "bytes": total,
        "jwlink": jwlink,
        "getheader_seconds": getheader_s,
        "sha256_all_cores": sha,
    }
    if jwlink["finished"]:
        out["jwlink_mb_per_s"] = total / 1e6 / jwlink["seconds"]
        out["x_getheader"] = jwlink["seconds"] / getheader_s
        out["x_sha256_all_cores"] = jwlink["seconds"] / sha["seconds"]
        out["fraction_of_sha256_all_cores"] = out["jwlink_mb_per_s"] / sha["mb_per_s"]
    return out


def big_asn(
    backend: str, files: dict[int, Path], tmp: Path, timeout: float
) -> list[dict[str, Any]]:
    out = []
    for members, path in sorted(files.items()):
        url, drop = _fresh(backend, tmp, f"asn_{members}_{backend}")
        try:
            run = child("ingest", url, str(path), timeout=timeout)
        finally:
            drop()
        row: dict[str, Any] = {"members": members, **run}
        if run["finished"] and run["errors"]:
            # jwlink refused the file: its time is no ingest time.
            row["refused"] = run["first_error"][1]
        elif run["finished"]:
            row["seconds_per_10k_members"] = run["seconds"] / members * 10_000
        out.append(row)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floors", action="store_true", help="(how bench.py sends here)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--folder-products", type=int, default=2000)
    parser.add_argument("--big-files", type=int, default=0, metavar="N")
    parser.add_argument("--big-mb", type=float, nargs=2, default=[50, 500], metavar=("MIN", "MAX"))
    parser.add_argument("--big-asn", type=int, nargs="*", default=[], metavar="N")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per ingest child")
    parser.add_argument("--out-dir", default="benchmarks")
    args = parser.parse_args(argv)
    info = machine()
    reports = {b: {"machine": info, "backend": b, "sizes": []} for b in args.backends}
    if "postgresql" in reports:
        reports["postgresql"]["postgresql_server"] = _pg_version()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for backend, report in reports.items():
            for size in args.sizes:
                report["sizes"].append(catalog_floors(backend, size, tmp))
                print(render_size(backend, report["sizes"][-1]), flush=True)
            report["growth"] = growth(report["sizes"])
        from jwlink.synth import generate_files

        generate_files(tmp / "folder", seed=3, products=args.folder_products)
        fits_files = sorted((tmp / "folder").rglob("*.fits"))
        sha = floor_files.sha256_all_cores(fits_files)
        for backend, report in reports.items():
            report["folder"] = folder_floors(backend, fits_files, tmp, "folder", sha, args.timeout)
        if args.big_files:
            written = floor_files.write_big_files(tmp / "big", args.big_files, *args.big_mb)
            big = sorted((tmp / "big").glob("*.fits"))
            sha = floor_files.sha256_all_cores(big)
            for backend, report in reports.items():
                report["big_files"] = {
                    **written,
                    **folder_floors(backend, big, tmp, "big", sha, args.timeout),
                }
        asn_files = {}
        for members in args.big_asn:
            asn_files[members] = (
                tmp / f"m{members}" / "jw01075-c1000_20250101t000000_image3_00001_asn.json"
            )
            asn_files[members].parent.mkdir()
            floor_files.write_big_association(asn_files[members], members)
        for backend, report in reports.items():
            report["big_asn"] = big_asn(backend, asn_files, tmp, args.timeout)
    for backend, report in reports.items():
        report["machine"] = {**info, "load_average_end": list(os.getloadavg())}
        out = Path(args.out_dir) / f"results-floors-{backend}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2))
        print(render_table(report))
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

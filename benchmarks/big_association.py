"""jwlink big-association benchmark: one association of N members, ingested.

Run:  python benchmarks/big_association.py [--members 10000 50000 200000]
                                          [--backend sqlite postgresql] [--timeout 600]
                                          [--profile N] [--out FILE]

Each (backend, N) runs in its own process, stopped after ``--timeout``
seconds: a fresh catalog (a SQLite file, or a fresh PostgreSQL schema of
``$JWLINK_TEST_PG``) ingests one synthetic ``image3`` association
(`jwlink.synth.mosaic`) of N members over 50 visits. The time is split into
reading and writing the file, linking guide stars and linking windows, and
given per 10,000 members: a linear ingest keeps that figure flat as N grows.
``--profile N`` prints the cProfile of the ingest at that N (cumulative top
25). Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from jwlink.ingest import ingest
from jwlink.store import open_store
from jwlink.synth.mosaic import write_mosaic_asn

VISITS = 50
DETECTORS = 4


def _pg_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def run_one(backend: str, members: int, profile: bool) -> dict[str, Any]:
    """Ingest one association of ``members`` members into a fresh catalog; return the times."""
    exposures = -(-members // (VISITS * DETECTORS))
    with tempfile.TemporaryDirectory() as folder:
        asn = write_mosaic_asn(Path(folder), VISITS, exposures, DETECTORS)
        admin = None
        if backend == "sqlite":
            url = str(Path(folder) / "catalog.db")
        else:
            import psycopg

            base = os.environ.get("JWLINK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
            schema = f"bench_{uuid.uuid4().hex[:12]}"
            admin = psycopg.connect(base, autocommit=True)
            admin.execute(f"CREATE SCHEMA {schema}")
            url = _pg_url(base, schema)
        try:
            return _timed(url, asn, backend, VISITS * exposures * DETECTORS, profile)
        finally:
            if admin is not None:
                admin.execute(f"DROP SCHEMA {schema} CASCADE")
                admin.close()


def _timed(url: str, asn: Path, backend: str, members: int, profile: bool) -> dict[str, Any]:
    store = open_store(url)
    phases = {"guide_stars": 0.0, "windows": 0.0}
    for phase, method in (("guide_stars", "link_guide_stars"), ("windows", "link_windows")):
        original = getattr(store, method)

        def timed(*args: Any, _phase: str = phase, _original: Any = original) -> None:
            start = time.perf_counter()
            _original(*args)
            phases[_phase] += time.perf_counter() - start

        setattr(store, method, timed)
    profiler = cProfile.Profile() if profile else None
    start, cpu = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    report = ingest(store, [asn])
    if profiler is not None:
        profiler.disable()
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    counts = store.counts(("products", "links", "members"))
    store.close()
    if profiler is not None:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    if report.errors:
        msg = f"ingest failed: {report.errors}"
        raise SystemExit(msg)
    return {
        "backend": backend, "members": members, "seconds": round(total, 2),
        "per_10k": round(total * 10_000 / members, 2),
        # This process's CPU (not the database server's): less swayed by a busy machine.
        "cpu_per_10k": round(cpu * 10_000 / members, 2),
        "read_write": round(total - phases["guide_stars"] - phases["windows"], 2),
        "guide_stars": round(phases["guide_stars"], 2), "windows": round(phases["windows"], 2),
        # ru_maxrss is in KiB on Linux: the process's peak, the parsed file included.
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, **counts,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[10_000, 50_000, 200_000])
    parser.add_argument("--backend", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--profile", type=int, default=None, help="profile the ingest at this N")
    parser.add_argument("--out", type=Path, default=None, help="also write the results as JSON")
    parser.add_argument("--one", nargs=2, metavar=("BACKEND", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        backend, n = args.one[0], int(args.one[1])
        print(json.dumps(run_one(backend, n, args.profile == n)))
        return 0
    results: list[dict[str, Any]] = []
    failed = False
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} cores, load average {load} (shared machine)")
    for backend in args.backend:
        for n in args.members:
            command = [sys.executable, __file__, "--one", backend, str(n)]
            if args.profile is not None:
                command += ["--profile", str(args.profile)]
            try:
                done = subprocess.run(command, capture_output=True, text=True,
                                      timeout=args.timeout, check=False)  # fmt: skip
            except subprocess.TimeoutExpired:
                print(f"{backend:10} {n:>8,} members: over the {args.timeout:.0f} s timeout")
                results.append({"backend": backend, "members": n, "timeout": args.timeout})
                failed = True
                continue
            sys.stderr.write(done.stderr)
            if done.returncode != 0:
                print(f"{backend:10} {n:>8,} members: failed (exit {done.returncode})")
                failed = True
                continue
            row = json.loads(done.stdout.strip().splitlines()[-1])
            results.append(row)
            print(f"{backend:10} {n:>8,} members: {row['seconds']:8.2f} s, "
                  f"{row['per_10k']:6.2f} s per 10k, CPU {row['cpu_per_10k']:.2f} "
                  f"(read+write {row['read_write']:.2f}, "
                  f"guide stars {row['guide_stars']:.2f}, windows {row['windows']:.2f}; "
                  f"peak {row['peak_mb']} MB); "
                  f"{row['products']:,} products, {row['links']:,} links")  # fmt: skip
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.out is not None:
        args.out.write_text(json.dumps({"load": os.getloadavg(), "results": results}, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

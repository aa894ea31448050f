"""jwlink benchmark: ingest, product lists, lineage, MRP and impact at growing sizes.

Run:  python benchmarks/bench.py [--sizes 10000 100000 1000000]
                                 [--backends sqlite postgresql] [--out results.json]
      python benchmarks/bench.py --floors [...]   (ingest beside its floors: floors.py)

Each size gets a fresh catalog filled by the catalog-only synthesizer in a
child process (so its peak memory is its own). Queries are timed in this
process: the biggest product list (whole, and its first page of 100 beside
a point lookup of its observation), MAST's product lists of up to 500 Level 3
observations in one request (first page of 50,000 rows), a program's page
of 1,000. Lineage is compared with what a user would write otherwise: load
every link into networkx and call ``ancestors``/``descendants`` (load timed
too). FITS header reading is timed on a synthetic folder of real FITS files,
jwlink's fast path beside a plain ``astropy.io.fits.getheader`` loop, and the
values are checked identical. The start of the ``jwlink`` command (``--help``,
and ``show`` on the smallest catalog of each backend) is timed beside
``python -c "import click"``, runs interleaved so that a busy machine slows
both alike. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jwlink.query import manylists, questions
from jwlink.store import open_store

PG_URL = os.environ.get("JWLINK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _timed(func: Callable[[], Any], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _cli_start(commands: dict[str, list[str]], repeat: int = 15) -> dict[str, Any]:
    """Time whole processes, each command beside ``python -c "import click"``.

    Runs alternate (click, command, click, ...), and the minimum of each is
    the figure least disturbed by other work on the machine.
    """
    runs = {"import_click": [sys.executable, "-c", "import click"], **commands}
    times: dict[str, list[float]] = {key: [] for key in runs}
    for _ in range(repeat):
        for key, command in runs.items():
            start = time.perf_counter()
            subprocess.run(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
            )
            times[key].append((time.perf_counter() - start) * 1000)
    click_ms = min(times["import_click"])
    return {
        key: {
            "min_ms": min(values),
            "median_ms": statistics.median(values),
            "x_import_click": min(values) / click_ms,
        }
        for key, values in times.items()
    }


def _print_start(what: str, start: dict[str, Any]) -> None:
    click_ms = start["import_click"]["min_ms"]
    for key, value in start.items():
        if key != "import_click":
            print(
                f"{what}: jwlink {key} starts in {value['min_ms']:.0f} ms, "
                f"python -c 'import click' {click_ms:.0f} ms ({value['x_import_click']:.1f}x)"
            )


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _fill(url: str, size: int, seed: int) -> dict[str, Any]:
    """Fill a catalog in a child process; return its report and peak RSS."""
    code = (
        "import json, sys, time\n"
        "from jwlink.store import open_store\n"
        "from jwlink.synth import generate_catalog\n"
        "store = open_store(sys.argv[1])\n"
        "t = time.perf_counter()\n"
        "report = generate_catalog(store, seed=int(sys.argv[3]), products=int(sys.argv[2]))\n"
        "seconds = time.perf_counter() - t\n"
        "counts = store.counts()\n"
        # VmHWM is this process's own peak; ru_maxrss would carry the parent's over exec.
        "hwm = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0]\n"
        "rss = int(hwm.split()[1]) / 1024\n"
        "print(json.dumps({'seconds': seconds, 'counts': counts, 'peak_rss_mb': rss}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, url, str(size), str(seed)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    counts = result["counts"]
    result["products_per_s"] = counts["products"] / result["seconds"]
    result["links_per_s"] = counts["links"] / result["seconds"]
    return result


def _catalog_url(backend: str, tmp: Path, size: int) -> tuple[str, Callable[[], None]]:
    if backend == "sqlite":
        return str(tmp / f"bench_{size}.db"), lambda: None
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(PG_URL, autocommit=True)
    admin.execute(f"CREATE SCHEMA {schema}")

    def drop() -> None:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()

    return f"{PG_URL}?options=-csearch_path%3D{schema}", drop


def _queries(url: str, samples: int) -> dict[str, Any]:
    store = open_store(url, readonly=True)
    rnd = random.Random(7)
    out: dict[str, Any] = {}
    big = store.execute(
        "SELECT obs_id, COUNT(*) FROM members GROUP BY obs_id ORDER BY COUNT(*) DESC LIMIT 1"
    )
    if big:
        obs_id = big[0][0]
        size = questions.product_list(store, obs_id).total
        times = _timed(lambda: questions.product_list(store, obs_id), 5)
        paged = _timed(lambda: questions.product_list(store, obs_id, page_size=100), 5)
        lookup = _timed(
            lambda: store.execute("SELECT * FROM observations WHERE obs_id = ?", (obs_id,)), 20
        )
        out["l3_product_list"] = {
            "obs_id": obs_id,
            "rows": size,
            "ms_median": statistics.median(times),
            "ms_median_first_page_100": statistics.median(paged),
            "ms_median_point_lookup": statistics.median(lookup),
        }
    # MAST's Mast.Caom.Products of up to 500 Level 3 observations in one
    # request, its first page of 50,000 rows (astroquery's page size).
    level3 = [
        (str(r[0]), int(r[1]))
        for r in store.execute(
            "SELECT obs_id, obsid FROM observations WHERE calib_level = 3 AND obsid IS NOT NULL "
            "ORDER BY obs_id LIMIT 500"
        )
    ]
    if level3:
        lists = manylists.product_lists(store, level3, 1, 50_000)
        times = _timed(lambda: manylists.product_lists(store, level3, 1, 50_000), 3)
        out["many_lists"] = {
            "observations": len(level3),
            "rows": lists.total,
            "page_rows": len(lists.rows),
            "ms_median": statistics.median(times),
        }
    program = store.execute(
        "SELECT program, COUNT(*) FROM products WHERE program IS NOT NULL "
        "GROUP BY program ORDER BY COUNT(*) DESC LIMIT 1"
    )[0][0]
    rows = questions.program_product_list(store, program, page_size=1000).total
    times = _timed(lambda: questions.program_product_list(store, program, page_size=1000), 3)
    out["program_product_list"] = {
        "program": program,
        "rows": rows,
        "ms_median": statistics.median(times),
    }
    names = [r[0] for r in store.execute("SELECT name FROM products WHERE level IN ('2b', '3')")]
    picks = rnd.sample(names, min(samples, len(names)))
    for direction in ("up", "down"):
        times = [
            t
            for n in picks
            for t in _timed(lambda n=n, d=direction: questions.lineage(store, n, d), 1)
        ]
        out[f"lineage_{direction}"] = {
            "n": len(times),
            "p50_ms": _p(times, 0.5),
            "p95_ms": _p(times, 0.95),
        }
    out["networkx"] = _networkx(store, picks)
    obs = [r[0] for r in store.execute("SELECT obs_id FROM observations")]
    mrp_times = [
        t
        for o in rnd.sample(obs, min(50, len(obs)))
        for t in _timed(lambda o=o: questions.mrp(store, o), 1)
    ]
    out["mrp"] = {"n": len(mrp_times), "p50_ms": _p(mrp_times, 0.5), "p95_ms": _p(mrp_times, 0.95)}
    refs = [
        r[0] for r in store.execute("SELECT name FROM products WHERE product_type = 'REFERENCE'")
    ]
    impact_times, affected = [], []
    for ref in rnd.sample(refs, min(5, len(refs))):
        start = time.perf_counter()
        affected.append(len(questions.impact(store, ref).products))
        impact_times.append((time.perf_counter() - start) * 1000)
    out["impact"] = {
        "n": len(impact_times),
        "p50_ms": _p(impact_times, 0.5) if impact_times else None,
        "max_affected": max(affected, default=0),
    }
    store.close()
    return out


def _cli_show(url: str) -> dict[str, Any]:
    """Time ``jwlink show`` of one product of the catalog, start to exit."""
    store = open_store(url, readonly=True)
    try:
        name = store.execute("SELECT name FROM products WHERE level = '2b' ORDER BY name LIMIT 1")
    finally:
        store.close()
    command = [sys.executable, "-m", "jwlink", "show", name[0][0], "--db", url]
    return _cli_start({"show": command})


def _networkx(store: Any, picks: list[str]) -> dict[str, Any]:
    import networkx as nx

    start = time.perf_counter()
    graph = nx.DiGraph()
    graph.add_edges_from(store.execute("SELECT source, target FROM links"))
    load_ms = (time.perf_counter() - start) * 1000
    up = [t for n in picks for t in _timed(lambda n=n: nx.ancestors(graph, n), 1)]
    down = [t for n in picks for t in _timed(lambda n=n: nx.descendants(graph, n), 1)]
    return {
        "load_ms": load_ms,
        "ancestors_p50_ms": _p(up, 0.5),
        "ancestors_p95_ms": _p(up, 0.95),
        "descendants_p50_ms": _p(down, 0.5),
    }


def _fits(count: int) -> dict[str, Any]:
    """Header reading rate: jwlink's fast path vs a plain astropy getheader loop."""
    import warnings

    from astropy.io import fits

    from jwlink.readers.fits import read, read_header
    from jwlink.synth import generate_files

    with tempfile.TemporaryDirectory() as tmp:
        generate_files(tmp, seed=3, products=count)
        paths = sorted(Path(tmp).rglob("*.fits"))
        start = time.perf_counter()
        fast = [read(p) for p in paths]
        fast_s = time.perf_counter() - start
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for p in paths:
                fits.getheader(p)
        astropy_s = time.perf_counter() - start
        identical = all(a == read_header(p) for a, p in zip(fast, paths, strict=True))
    return {
        "files": len(paths),
        "fast_files_per_s": len(paths) / fast_s,
        "astropy_getheader_files_per_s": len(paths) / astropy_s,
        "speedup": astropy_s / fast_s,
        "identical": identical,
    }


def _growth(results: list[dict[str, Any]]) -> dict[str, float]:
    """Ratio per 10x in products, between the smallest and the largest size."""
    if len(results) < 2:
        return {}
    a, b = results[0], results[-1]
    decades = max(1e-9, __import__("math").log10(b["size"] / a["size"]))
    keys = {
        "ingest_seconds": lambda r: r["ingest"]["seconds"],
        "l3_product_list_ms": lambda r: r["queries"].get("l3_product_list", {}).get("ms_median", 0),
        "lineage_up_p50_ms": lambda r: r["queries"]["lineage_up"]["p50_ms"],
        "lineage_down_p50_ms": lambda r: r["queries"]["lineage_down"]["p50_ms"],
        "mrp_p50_ms": lambda r: r["queries"]["mrp"]["p50_ms"],
    }
    growth = {}
    for key, get in keys.items():
        first, last = get(a), get(b)
        if first:
            growth[key] = (last / first) ** (1 / decades)
    return growth


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--floors" in argv:
        # Ingest beside its floors (raw executemany / COPY, getheader, SHA-256):
        # benchmarks/floors.py, with its own options.
        import floors

        return floors.main(argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--samples", type=int, default=200, help="random products for lineage")
    parser.add_argument("--fits-products", type=int, default=2000)
    parser.add_argument("--out", default="benchmarks/results.json")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "processor": platform.processor(),
        },
        "fits": _fits(args.fits_products),
        "cli_start": _cli_start({"help": [sys.executable, "-m", "jwlink", "--help"]}),
        "backends": {},
    }
    print(f"FITS headers: {report['fits']}")
    _print_start("CLI", report["cli_start"])
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends:
            results = []
            for size in args.sizes:
                url, drop = _catalog_url(backend, Path(tmp), size)
                try:
                    ingest = _fill(url, size, seed=1)
                    results.append(
                        {"size": size, "ingest": ingest, "queries": _queries(url, args.samples)}
                    )
                    if size == args.sizes[0]:
                        results[-1]["cli_start"] = start = _cli_show(url)
                        _print_start(f"{backend} {size}", start)
                finally:
                    drop()
                _print_row(backend, results[-1])
            report["backends"][backend] = {"results": results, "growth_per_10x": _growth(results)}
            print(f"{backend} growth per 10x: {report['backends'][backend]['growth_per_10x']}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(f"wrote {args.out}")
    return 0


def _print_row(backend: str, r: dict[str, Any]) -> None:
    q, i = r["queries"], r["ingest"]
    l3 = q.get("l3_product_list", {})
    print(
        f"{backend:<10} {r['size']:>9} products: ingest {i['products_per_s']:>8.0f} products/s "
        f"{i['links_per_s']:>8.0f} links/s peak {i['peak_rss_mb']:.0f} MB | "
        f"L3 list ({l3.get('rows', 0)} rows) {l3.get('ms_median', 0):.1f} ms, "
        f"first 100 {l3.get('ms_median_first_page_100', 0):.2f} ms "
        f"(lookup {l3.get('ms_median_point_lookup', 0):.3f} ms) | "
        f"{q.get('many_lists', {}).get('observations', 0)} lists "
        f"{q.get('many_lists', {}).get('ms_median', 0):.0f} ms | "
        f"program list {q['program_product_list']['ms_median']:.0f} ms | "
        f"lineage up p50 {q['lineage_up']['p50_ms']:.2f} ms "
        f"p95 {q['lineage_up']['p95_ms']:.2f} | down p50 {q['lineage_down']['p50_ms']:.2f} | "
        f"networkx load {q['networkx']['load_ms']:.0f} ms "
        f"ancestors p50 {q['networkx']['ancestors_p50_ms']:.3f} | "
        f"mrp p50 {q['mrp']['p50_ms']:.1f} | "
        f"impact p50 {q['impact']['p50_ms'] or 0:.1f} ms"
    )


if __name__ == "__main__":
    sys.exit(main())

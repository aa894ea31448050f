"""Catalog-only ingest beside its floor: the same SQL, replayed without jwlink's Python.

Run:  python benchmarks/ingest_floor.py [--products 50000] [--seed 1] [--by-statement N]
      python benchmarks/ingest_floor.py --folder-products 2000 [--by-statement N]

Fills a fresh SQLite catalog with the catalog-only synthesizer
(`jwlink.synth.generate_catalog`) while the store's tracer records every
statement it sends, with its rows. Then a second fresh catalog of the same
schema gets exactly those statements and rows, in the same order and
transactions, by plain ``sqlite3`` ``execute``/``executemany``: the floor of
the current schema. The ratio of the two is what jwlink's Python (synthesis,
linking, merging, building rows) costs on top of SQLite. Wall time and this
process's CPU time are both printed: on a shared machine CPU time is the
steadier figure. ``--by-statement N`` also prints the N kinds of statement
the replay spent most time on: where the SQL of an ingest goes, with no
Python in front of it. ``--folder-products N`` does the same for a folder
ingest instead: ``jwlink ingest`` of the FITS files of the synthetic folder
the floors use (`jwlink.synth.generate_files`, seed 3), with a bare
``astropy.io.fits.getheader`` loop over the same files timed beside it, so
the SQL a folder's files need is set beside the loop issue 14 compares the
ingest with. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import collections
import re
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

import floor_files

from jwlink.ingest.run import ingest
from jwlink.ingest.tree import walk
from jwlink.ingest.workers import read_chunk
from jwlink.store import open_store
from jwlink.synth import generate_catalog, generate_files


def _is_bulk(params: Any) -> bool:
    # The tracer gets a bulk statement's rows, a plain one's parameters.
    return bool(params) and all(isinstance(row, tuple | list) for row in params)


def _shape(sql: str) -> str:
    """A statement's first words, its placeholder lists folded: one line per kind of statement."""
    text = re.sub(r"(\?, )+\?", "?...", " ".join(sql.split()))
    text = re.sub(r"(\(CAST\(\? AS TEXT\)\), )+", "(CAST(? AS TEXT)), ...", text)
    return text[:90]


def _reading(paths: list[Path]) -> float:
    """Seconds of a folder ingest's reading alone: what a worker does for each file, in process."""
    found = list(walk(paths))
    read_chunk(found[:50])  # the reader's caches warm, as in a long ingest
    started = time.perf_counter()
    looks = read_chunk(found)
    seconds = time.perf_counter() - started
    if any(look.batches is None for look in looks):
        msg = "a file of the folder was not read"
        raise SystemExit(msg)
    return seconds


def main() -> None:
    """Fill a catalog, replay its statements into another, print both figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=50000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--by-statement", type=int, default=0, metavar="N",
        help="also print the N kinds of statement the replay spent most time on",
    )  # fmt: skip
    parser.add_argument(
        "--folder-products", type=int, default=0, metavar="N",
        help="time a folder ingest of the synthetic folder of about N products instead",
    )  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        fits_files: list[Path] = []
        if args.folder_products:
            generate_files(Path(tmp) / "folder", seed=3, products=args.folder_products)
            fits_files = sorted((Path(tmp) / "folder").rglob("*.fits"))
            floor_files.getheader_loop(fits_files)  # the files into the page cache
        store = open_store(str(Path(tmp) / "jwlink.db"))
        statements: list[tuple[str, Any]] = []
        store.tracer = lambda sql, params: statements.append((sql, params))
        wall, cpu = time.perf_counter(), time.process_time()
        if fits_files:
            report = ingest(store, fits_files)
            if report.errors:
                msg = f"the folder ingest refused files: {report.errors[:3]}"
                raise SystemExit(msg)
        else:
            generate_catalog(store, seed=args.seed, products=args.products)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        products = store.counts(("products",))["products"]
        store.close()

        floor_path = Path(tmp) / "floor.db"
        open_store(str(floor_path)).close()  # the same schema, migrated
        conn = sqlite3.connect(floor_path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA cache_size=-65536")
        each: list[float] = []  # seconds per statement, shaped after the timing
        floor_wall, floor_cpu = time.perf_counter(), time.process_time()
        for sql, params in statements:
            started = time.perf_counter()
            if _is_bulk(params):
                conn.executemany(sql, params)
            else:
                conn.execute(sql, params).fetchall()
            each.append(time.perf_counter() - started)
        floor_wall = time.perf_counter() - floor_wall
        floor_cpu = time.process_time() - floor_cpu
        replayed = conn.execute("SELECT COUNT(*) FROM products").fetchone()[0]
        conn.close()
        getheader = floor_files.getheader_loop(fits_files) if fits_files else 0.0
        reading = _reading(fits_files) if fits_files else 0.0
    if replayed != products:
        msg = f"the replay wrote {replayed} products, the ingest {products}"
        raise SystemExit(msg)
    if fits_files:
        print(
            f"{len(fits_files)} FITS files: getheader loop {getheader:.3f} s; jwlink ingest "
            f"{wall:.3f} s (x{wall / getheader:.2f}; its own process {cpu:.3f} s CPU, workers "
            f"not counted); its SQL replayed {floor_wall:.3f} s (x{floor_wall / getheader:.2f} "
            f"the loop, {floor_cpu:.3f} s CPU); reading alone (look, hash, header, link, "
            f"in this process) {reading:.3f} s (x{reading / getheader:.2f} the loop)"
        )
    print(
        f"{products} products: jwlink {products / wall:,.0f}/s wall ({wall:.1f} s, "
        f"{cpu:.1f} s CPU); floor (same SQL replayed) {products / floor_wall:,.0f}/s wall "
        f"({floor_wall:.1f} s, {floor_cpu:.1f} s CPU); x{wall / floor_wall:.1f} wall, "
        f"x{cpu / floor_cpu:.1f} CPU"
    )
    spent: collections.Counter[str] = collections.Counter()
    calls: collections.Counter[str] = collections.Counter()
    for (sql, _), seconds in zip(statements, each, strict=True):
        spent[_shape(sql)] += seconds
        calls[_shape(sql)] += 1
    for shape, seconds in spent.most_common(args.by_statement):
        print(f"{seconds:7.2f} s {seconds / floor_wall:4.0%} {calls[shape]:6d}x  {shape}")


if __name__ == "__main__":
    main()

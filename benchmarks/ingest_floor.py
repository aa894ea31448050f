"""Catalog-only ingest beside its floor: the same SQL, replayed without jwlink's Python.

Run:  python benchmarks/ingest_floor.py [--products 50000] [--seed 1] [--by-statement N]

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
Python in front of it. Nothing here asserts a time.
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

from jwlink.store import open_store
from jwlink.synth import generate_catalog


def _is_bulk(params: Any) -> bool:
    # The tracer gets a bulk statement's rows, a plain one's parameters.
    return bool(params) and all(isinstance(row, tuple | list) for row in params)


def _shape(sql: str) -> str:
    """A statement's first words, its placeholder lists folded: one line per kind of statement."""
    text = re.sub(r"(\?, )+\?", "?...", " ".join(sql.split()))
    text = re.sub(r"(\(CAST\(\? AS TEXT\)\), )+", "(CAST(? AS TEXT)), ...", text)
    return text[:90]


def main() -> None:
    """Fill a catalog, replay its statements into another, print both figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=50000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--by-statement", type=int, default=0, metavar="N",
        help="also print the N kinds of statement the replay spent most time on",
    )  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "jwlink.db"))
        statements: list[tuple[str, Any]] = []
        store.tracer = lambda sql, params: statements.append((sql, params))
        wall, cpu = time.perf_counter(), time.process_time()
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
    if replayed != products:
        msg = f"the replay wrote {replayed} products, the ingest {products}"
        raise SystemExit(msg)
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

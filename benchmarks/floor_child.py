"""Child process of the floors benchmark: one measured task, alone in its process.

Run:  python benchmarks/floor_child.py TASK ARGS...   (prints one JSON line)

Tasks:

- ``fill URL PRODUCTS SEED``: jwlink's catalog-only ingest (the synthesizer).
- ``ingest URL PATH...``: jwlink's ingest of files or folders (``@FILE``: the
  paths listed in FILE, one a line).
- ``sqlite-floor SOURCE WORKDIR``: the rows of the SQLite catalog SOURCE
  (products and links) written by raw ``executemany`` into jwlink's own
  schema.sql and into the lean integer-keyed schema.
- ``pg-floor SOURCE_URL TARGET_URL``: the same rows of a PostgreSQL catalog
  written by raw ``COPY`` into both schemas (TARGET_URL: an empty schema).

Reading the rows out of the source catalog and giving names their integer
ids happen before the clock starts: a floor times writing only. Each task
reports its own peak memory twice: ``VmHWM`` of /proc/self/status (this
process alone) and ``resource.getrusage`` maxrss, which on Linux keeps the
parent's figure across the exec that started this process, so it is a
ceiling, not this process's own figure.
"""

from __future__ import annotations

import json
import resource
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SCHEMA_SQL = Path(__file__).resolve().parents[1] / "src" / "jwlink" / "store" / "schema.sql"
PRODUCT_COLUMNS = (
    "name obs_id level calib_level product_type suffix extension program visit_id filters "
    "size sha256 location prvversion data_rights release_date dataproduct_type"
).split()
# products(id INTEGER PRIMARY KEY, name UNIQUE, the other columns as jwlink
# has them); links by integer ids with jwlink's two link indexes: the
# primary key (downward walks) and (target, source) (upward walks).
LEAN_SCHEMA = """
CREATE TABLE {p}products (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
    obs_id TEXT, level TEXT, calib_level INTEGER, product_type TEXT NOT NULL,
    suffix TEXT NOT NULL, extension TEXT NOT NULL, program TEXT, visit_id TEXT,
    filters TEXT, size BIGINT, sha256 TEXT, location TEXT, prvversion TEXT,
    data_rights TEXT, release_date TEXT, dataproduct_type TEXT
);
CREATE INDEX {p}products_obs_id ON {p}products (obs_id);
CREATE INDEX {p}products_visit_id ON {p}products (visit_id);
CREATE INDEX {p}products_program ON {p}products (program);
CREATE TABLE {p}links (
    source INTEGER NOT NULL, target INTEGER NOT NULL, kind INTEGER NOT NULL,
    role INTEGER NOT NULL, PRIMARY KEY (source, target, kind, role)
);
CREATE INDEX {p}links_target ON {p}links (target, source);
"""


def _peak() -> dict[str, float]:
    with Path("/proc/self/status").open() as status:
        hwm = next(line for line in status if line.startswith("VmHWM"))
    return {
        "peak_rss_mb": int(hwm.split()[1]) / 1024,
        "getrusage_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _timed(func: Callable[[], Any]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def _lean_rows(
    products: list[tuple[Any, ...]], links: list[tuple[Any, ...]]
) -> tuple[list[tuple[Any, ...]], list[tuple[int, int, int, int]]]:
    """Give every name an integer id (a link may name a file not in products)."""
    ids: dict[str, int] = {}
    lean_products = []
    for row in products:
        ids[row[0]] = len(ids) + 1
        lean_products.append((ids[row[0]], *row))
    interned: dict[str, int] = {}

    def key(value: str, table: dict[str, int]) -> int:
        return table.setdefault(value, len(table) + 1)

    lean_links = [
        (key(s, ids), key(t, ids), key(k, interned), key(r, interned)) for s, t, k, r, _ in links
    ]
    return lean_products, lean_links


def fill(url: str, products: str, seed: str) -> dict[str, Any]:
    from jwlink.store import open_store
    from jwlink.synth import generate_catalog

    store = open_store(url)
    seconds = _timed(lambda: generate_catalog(store, seed=int(seed), products=int(products)))
    counts = store.counts()
    store.close()
    return {"seconds": seconds, "counts": counts}


def ingest(url: str, *paths: str) -> dict[str, Any]:
    from jwlink.ingest.run import ingest as run
    from jwlink.store import open_store

    # "@LIST" names a file holding one path a line (more than a command line takes).
    listed = [
        line
        for p in paths
        for line in (Path(p[1:]).read_text().splitlines() if p[:1] == "@" else [p])
    ]
    store = open_store(url)
    start = time.perf_counter()
    report = run(store, listed)
    seconds = time.perf_counter() - start
    counts = store.counts()
    store.close()
    return {
        "seconds": seconds,
        "files": report.files,
        "ingested": report.ingested,
        "errors": len(report.errors),
        "first_error": report.errors[0] if report.errors else None,
        "counts": counts,
    }


def _shared(links: Any) -> list[tuple[Any, ...]]:
    """The link rows with each distinct string held once (5.7M links at 1M products)."""
    strings: dict[str, str] = {}
    return [tuple(strings.setdefault(v, v) for v in row) for row in links]


def _sqlite_rows(source: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    conn = sqlite3.connect(source)
    products = conn.execute(f"SELECT {', '.join(PRODUCT_COLUMNS)} FROM products").fetchall()
    links = _shared(conn.execute("SELECT source, target, kind, role, evidence FROM links"))
    conn.close()
    return products, links


def _sqlite_target(path: Path, schema: str) -> sqlite3.Connection:
    # The pragmas jwlink's SQLite store sets on its connections.
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-65536")
    conn.executescript(schema)
    return conn


def sqlite_floor(source: str, workdir: str) -> dict[str, Any]:
    products, links = _sqlite_rows(source)
    lean_products, lean_links = _lean_rows(products, links)
    marks = ", ".join("?" * len(PRODUCT_COLUMNS))

    def write(
        conn: sqlite3.Connection, sql_p: str, rows_p: list[Any], sql_l: str, rows_l: list[Any]
    ) -> None:
        conn.execute("BEGIN")
        conn.executemany(sql_p, rows_p)
        conn.executemany(sql_l, rows_l)
        conn.execute("COMMIT")

    current = _sqlite_target(Path(workdir) / "current.db", SCHEMA_SQL.read_text())
    current_s = _timed(
        lambda: write(
            current,
            f"INSERT INTO products ({', '.join(PRODUCT_COLUMNS)}) VALUES ({marks})",
            products,
            "INSERT INTO links VALUES (?, ?, ?, ?, ?)",
            links,
        )
    )
    current.close()
    lean = _sqlite_target(Path(workdir) / "lean.db", LEAN_SCHEMA.format(p=""))
    lean_s = _timed(
        lambda: write(
            lean,
            f"INSERT INTO products (id, {', '.join(PRODUCT_COLUMNS)}) VALUES (?, {marks})",
            lean_products,
            "INSERT INTO links VALUES (?, ?, ?, ?)",
            lean_links,
        )
    )
    lean.close()
    return {
        "products": len(products),
        "links": len(links),
        "lean_seconds": lean_s,
        "current_schema_seconds": current_s,
    }


def pg_floor(source_url: str, target_url: str) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(source_url) as src:
        products = src.execute(f"SELECT {', '.join(PRODUCT_COLUMNS)} FROM products").fetchall()
        links = _shared(src.execute("SELECT source, target, kind, role, evidence FROM links"))
    lean_products, lean_links = _lean_rows(products, links)
    with psycopg.connect(target_url) as conn:
        conn.execute(SCHEMA_SQL.read_text())
        conn.execute(LEAN_SCHEMA.format(p="lean_"))
        conn.commit()

        def copy(table: str, columns: list[str], rows: list[Any]) -> None:
            with conn.cursor() as cur:
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out:
                    for row in rows:
                        out.write_row(row)

        def both(
            pt: str, pc: list[str], pr: list[Any], lt: str, lc: list[str], lr: list[Any]
        ) -> None:
            copy(pt, pc, pr)
            copy(lt, lc, lr)
            conn.commit()

        link_columns = ["source", "target", "kind", "role"]
        lean_s = _timed(
            lambda: both(
                "lean_products",
                ["id", *PRODUCT_COLUMNS],
                lean_products,
                "lean_links",
                link_columns,
                lean_links,
            )
        )
        current_s = _timed(
            lambda: both(
                "products", PRODUCT_COLUMNS, products, "links", [*link_columns, "evidence"], links
            )
        )
    return {
        "products": len(products),
        "links": len(links),
        "lean_seconds": lean_s,
        "current_schema_seconds": current_s,
    }


TASKS: dict[str, Callable[..., dict[str, Any]]] = {
    "fill": fill,
    "ingest": ingest,
    "sqlite-floor": sqlite_floor,
    "pg-floor": pg_floor,
}

if __name__ == "__main__":
    result = TASKS[sys.argv[1]](*sys.argv[2:])
    print(json.dumps({**result, **_peak()}))

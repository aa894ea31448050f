"""Shared fixtures: real JWST data from ../shared/data and a store per backend."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from jwlink.store import SqlStore, open_store

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PG_URL = os.environ.get("JWLINK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def need_data() -> Path:
    """Return the shared data folder, or skip the test saying why."""
    if not DATA.is_dir():
        pytest.skip(f"real JWST data not found at {DATA} (../shared/data beside the checkout)")
    return DATA


@pytest.fixture
def data() -> Path:
    return need_data()


def _pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    with pg_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A catalog URL for each backend: a SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        return str(tmp_path / "jwlink.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def two_urls(db_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two empty catalogs of the same backend (to compare two ways of ingesting)."""
    if db_url.startswith("postgresql"):
        with pg_schema() as other:
            yield db_url, other
    else:
        yield db_url, str(tmp_path / "other.db")


@pytest.fixture
def store(db_url: str) -> Iterator[SqlStore]:
    s = open_store(db_url)
    yield s
    s.close()


def dump(store: SqlStore) -> dict[str, list[tuple]]:
    """Every row of every catalog table, sorted: two equal dumps are equal catalogs."""
    tables = {
        "observations": "obs_id",
        "products": "name",
        "associations": "name",
        "links": "source, target, kind, role",
        "members": "obs_id, member_obs_id, exptype",
        "aliases": "alias",
        "headers": "name",
    }
    return {t: store.execute(f"SELECT * FROM {t} ORDER BY {key}") for t, key in tables.items()}


@pytest.fixture
def ingest_dump() -> Callable[[str | Path, list[Path]], dict[str, list[tuple]]]:
    """``ingest_dump(url, inputs)``: ingest into a new catalog, assert all went in, `dump` it."""
    from jwlink.ingest import ingest

    def ingest_and_dump(url: str | Path, inputs: list[Path]) -> dict[str, list[tuple]]:
        store = open_store(str(url))
        try:
            report = ingest(store, inputs)
            assert report.ingested == len(inputs), report.errors
            return dump(store)
        finally:
            store.close()

    return ingest_and_dump


@contextmanager
def pg_schema() -> Iterator[str]:
    """Context manager form of `pg_url`, for module-scoped catalogs."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(PG_URL, autocommit=True)
    except psycopg.OperationalError as err:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_URL} is required in CI: {err}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {err}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield _pg_schema_url(schema)
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's headless Chromium, launched once per module (see headless.py)."""
    from headless import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()

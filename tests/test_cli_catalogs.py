"""Reading never creates a catalog: every read command on a missing one fails and leaves nothing.

On SQLite "nothing" means no file at all (no ``-wal``/``-shm`` either); on
PostgreSQL, no table in the schema. Only ingest, synth and demo make catalogs.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from jwlink import Catalog, CatalogMissing
from jwlink.cli import main
from jwlink.store import open_store

ASN_DIR = "generated_asn/from_jw87800_pool"
L3 = "jw87800-o017_t002_niriss_f200w-gr150r"
CAL = "jw87800017001_02102_00001_nis_cal.fits"


def _reads(folder: Path) -> dict[str, list[str]]:
    """Every command that only reads the catalog, with arguments that would work on one."""
    return {
        "observations": ["observations"],
        "show": ["show", CAL],
        "products": ["products", L3],
        "lineage": ["lineage", L3],
        "mrp": ["mrp", L3],
        "impact": ["impact", CAL],
        "check": ["check", str(folder)],
        "download": ["download", L3, "--data-root", str(folder), "--dest", str(folder / "out")],
        "serve": ["serve", "--port", "0"],
    }


def _tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        ).fetchall()
    return [r[0] for r in rows]


def _trace(db_url: str, tmp_path: Path) -> list[str]:
    """What exists of the catalog: SQLite files beside it, or PostgreSQL tables."""
    if db_url.startswith("postgresql"):
        return _tables(db_url)
    return sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("jwlink.db"))


@pytest.mark.parametrize("command", list(_reads(Path("."))))
def test_a_read_on_a_missing_catalog_fails_and_creates_nothing(
    db_url: str, tmp_path: Path, command: str
) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    args = [*_reads(folder)[command], "--db", db_url]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "no jwlink catalog at" in result.output
    assert "jwlink ingest PATH --db" in result.output and "jwlink demo" in result.output
    if db_url.startswith("postgresql"):
        assert "has no jwlink tables" in result.output
    else:
        assert str(Path(db_url).resolve()) in result.output
    assert _trace(db_url, tmp_path) == []


def test_the_default_catalog_is_not_made_by_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JWLINK_DB", raising=False)
    result = CliRunner().invoke(main, ["observations"])
    assert result.exit_code == 1
    assert f"no jwlink catalog at {tmp_path / 'jwlink.db'} (no such file)" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_a_catalog_is_refused_and_left_alone(tmp_path: Path) -> None:
    typo = tmp_path / "notes.db"
    typo.write_bytes(b"")  # e.g. what an older jwlink left behind on a typo
    result = CliRunner().invoke(main, ["observations", "--db", str(typo)])
    assert result.exit_code == 1
    assert "not a jwlink catalog" in result.output
    assert typo.read_bytes() == b"" and sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_the_library_refuses_a_missing_catalog_too(db_url: str, tmp_path: Path) -> None:
    with pytest.raises(CatalogMissing, match="no jwlink catalog at"):
        Catalog(db_url, readonly=True)
    with pytest.raises(CatalogMissing):
        open_store(db_url, create=False)
    assert _trace(db_url, tmp_path) == []
    open_store(db_url).close()  # a writer makes it
    assert _trace(db_url, tmp_path) != []
    with Catalog(db_url, readonly=True) as catalog:
        assert catalog.observations() == []


def test_reads_work_once_ingest_made_the_catalog(db_url: str, data: Path) -> None:
    made = CliRunner().invoke(main, ["ingest", str(data / ASN_DIR), "--db", db_url])
    assert made.exit_code == 0, made.output
    for args in (["observations", "--json"], ["mrp", L3, "--json"], ["show", L3, "--json"]):
        result = CliRunner().invoke(main, [*args, "--db", db_url])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)


def test_a_missing_postgres_password_is_not_printed(tmp_path: Path) -> None:
    url = "postgresql://jwlink:s3cret@127.0.0.1:1/nowhere"
    result = CliRunner().invoke(main, ["observations", "--db", url])
    assert result.exit_code == 1
    assert "s3cret" not in result.output

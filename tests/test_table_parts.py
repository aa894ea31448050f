"""Big CSV product tables read twice, a chunk at a time, and written in parts (issue 17).

The parts must hold exactly the rows of reading and linking the table whole,
whatever the chunk and part sizes and wherever a parent's rows lie in the
file; a bad table is still refused whole, naming its row; a table the chunks
cannot read as the whole would be is read whole.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from astropy.table import Table, vstack
from conftest import dump

from jwlink.core import linker
from jwlink.core.model import Batch
from jwlink.errors import InputError, ProductTableError
from jwlink.ingest import ingest
from jwlink.ingest.run import read_parts
from jwlink.readers import table_parts
from jwlink.readers.table import read_product_table
from jwlink.readers.table_parts import ProductChunks, Unsteady
from jwlink.store import open_store

REAL = Path(__file__).parent / "real" / "astroquery"
FIELDS = ("products", "observations", "members", "links", "associations", "aliases")


@pytest.fixture(scope="module")
def synthetic_table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic archive's product lists as one CSV, shuffled, parents' rows spread.

    As MAST lists them, each exposure's rows are listed again for the
    Level 3 observation of its program (``parent_obsid`` that one's obsID).
    """
    from jwlink.synth.run import generate_files

    root = tmp_path_factory.mktemp("synth")
    generate_files(root, seed=5, products=600)
    tables = [Table.read(p, format="ascii.ecsv") for p in sorted(root.glob("*/*.ecsv"))]
    tables = [t for t in tables if "productFilename" in t.colnames]
    table = vstack(tables)
    parents: dict[str, Any] = {}
    for row in table:
        if "-" in str(row["obs_id"]):
            parents.setdefault(str(row["proposal_id"]), row["obsID"])
    extra = table[[i for i, r in enumerate(table) if str(r["proposal_id"]) in parents]]
    extra = extra[["-" not in str(r["obs_id"]) for r in extra]]
    extra["parent_obsid"] = [parents[str(r["proposal_id"])] for r in extra]
    table = vstack([table, extra])
    order = list(range(len(table)))
    random.Random(17).shuffle(order)
    path = root / "mast_products.csv"
    table[order].write(path, format="ascii.csv")
    return path


def _tables(synthetic_table: Path) -> list[Path]:
    return [*sorted(REAL.glob("*.csv")), synthetic_table]


def _rows(batch_or_parts: Batch | list[Batch], field: str) -> list[Any]:
    parts = batch_or_parts if isinstance(batch_or_parts, list) else [batch_or_parts]
    return [row for part in parts for row in getattr(part, field)]


def test_the_synthetic_table_has_members_to_lose(synthetic_table: Path) -> None:
    """The shuffled table exercises the one cross-row fact: parents listed apart."""
    whole = linker.link_listed(list(read_product_table(synthetic_table)))
    assert len(whole.members) > 50
    assert len(whole.products) > 500


@pytest.mark.parametrize("chunk_chars", [2_000, 50_000, 1 << 22])
@pytest.mark.parametrize("per_part", [1, 2, 7, 5000])
def test_parts_hold_the_rows_of_the_whole(
    synthetic_table: Path, chunk_chars: int, per_part: int
) -> None:
    for path in _tables(synthetic_table):
        whole_rows = list(read_product_table(path))
        whole = linker.link_listed(whole_rows)
        chunks = ProductChunks(path, chunk_chars=chunk_chars)
        owners = linker.listed_owners(chunks.rows())
        assert list(chunks.rows()) == whole_rows, path.name
        parts = list(linker.link_listed_parts(chunks.rows(), owners, per_part))
        assert len(parts) == -(-len(whole_rows) // per_part)
        for field in FIELDS:
            assert _rows(parts, field) == _rows(whole, field), (path.name, field)


def test_per_part_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(linker.link_listed_parts([], {}, 0))


def _catalog(url: str, path: Path) -> dict[str, list[tuple[Any, ...]]]:
    store = open_store(url)
    try:
        report = ingest(store, [path])
        assert report.ingested == 1, report.errors
        return dump(store)
    finally:
        store.close()


def _spy_parts(monkeypatch: pytest.MonkeyPatch, per_part: int = 5000) -> list[int]:
    """Count the parts `link_listed_parts` makes during an ingest (of ``per_part`` rows)."""
    made: list[int] = []
    real = linker.link_listed_parts

    def spy(rows: Any, owners: dict[str, str]) -> Iterator[Batch]:
        for part in real(rows, owners, per_part):
            made.append(len(part.products))
            yield part

    monkeypatch.setattr(linker, "link_listed_parts", spy)
    return made


def test_catalogs_ingested_in_parts_and_whole_are_equal(
    two_urls: tuple[str, str], synthetic_table: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = _catalog(two_urls[0], synthetic_table)
    made = _spy_parts(monkeypatch, per_part=100)
    monkeypatch.setattr(table_parts, "STREAM_BYTES", 0)
    monkeypatch.setattr(table_parts, "CHUNK_CHARS", 20_000)
    parted = _catalog(two_urls[1], synthetic_table)
    assert len(made) > 3, "the table was not written in parts"
    assert parted == whole


def _big_table(tmp_path: Path, synthetic_table: Path, bad_at: int | None) -> tuple[Path, int]:
    """The synthetic table with one row's size made negative (``bad_at``: its row number)."""
    table = Table.read(synthetic_table, format="ascii.csv")
    if bad_at is not None:
        table["size"][bad_at - 1] = -5
    path = tmp_path / "mast_products.csv"
    table.write(path, format="ascii.csv", overwrite=True)
    return path, len(table)


def test_a_bad_row_late_refuses_the_whole_file(
    db_url: str, tmp_path: Path, synthetic_table: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = len(Table.read(synthetic_table, format="ascii.csv"))
    path, _ = _big_table(tmp_path, synthetic_table, rows - 3)
    with pytest.raises(ProductTableError) as whole:
        list(read_product_table(path))
    assert f"row {rows - 3}, column size" in whole.value.problem
    with pytest.raises(ProductTableError) as chunked:
        list(ProductChunks(path, chunk_chars=2_000).rows())
    assert chunked.value.problem == whole.value.problem
    made = _spy_parts(monkeypatch)
    monkeypatch.setattr(table_parts, "STREAM_BYTES", 0)
    monkeypatch.setattr(table_parts, "CHUNK_CHARS", 2_000)
    store = open_store(db_url)
    try:
        report = ingest(store, [path])
        assert report.ingested == 0
        assert [(p, m) for p, m in report.errors] == [(str(path), whole.value.problem)]
        assert store.counts(("products", "observations", "links"))["products"] == 0
        assert store.fingerprint_of(str(path)) is None
    finally:
        store.close()
    assert made == [], "a part was linked before the table was refused"


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _exposure(n: int) -> str:
    return f"jw01234001001_02101_{n:05d}_nrca1_cal.fits"


@pytest.mark.parametrize(
    "late",
    [
        pytest.param('x,"a note\nover two lines"', id="quoted-newline"),
        pytest.param("abc,note", id="number-then-text"),
    ],
)
def test_a_table_the_chunks_cannot_promise_is_read_whole(
    tmp_path: Path, late: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = ["productFilename,obsID,note"]
    lines += [f"{_exposure(n)},{1000 + n},plain" for n in range(1, 400)]
    lines += [f"{_exposure(400)},{late}"]
    path = _write(tmp_path / "mast_products.csv", lines)
    whole_rows = list(read_product_table(path))
    assert len(whole_rows) == 400
    with pytest.raises(Unsteady):
        list(ProductChunks(path, chunk_chars=2_000).rows())
    # Ingest falls back to the whole reading: the catalog a small table would get.
    monkeypatch.setattr(table_parts, "STREAM_BYTES", 0)
    monkeypatch.setattr(table_parts, "CHUNK_CHARS", 2_000)
    made = _spy_parts(monkeypatch)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    batch = Batch(source="")
    for part in read_parts(path, "table", sha, path.stat().st_size)():
        batch.extend(part)
    assert made == []
    expected = linker.link_listed(whole_rows)
    for field in ("products", "observations", "members"):
        listed = _rows(expected, field)
        # Then the table's own file (`linker.link_file`), as for any input.
        assert _rows(batch, field)[: len(listed)] == listed, field


def test_a_table_changed_between_readings_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = ["productFilename,size"] + [f"{_exposure(n)},{n}" for n in range(1, 300)]
    path = _write(tmp_path / "mast_products.csv", lines)
    monkeypatch.setattr(table_parts, "STREAM_BYTES", 0)
    monkeypatch.setattr(table_parts, "CHUNK_CHARS", 2_000)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    parts = read_parts(path, "table", sha, path.stat().st_size)
    lines[150] = f"{_exposure(150)},999"  # same rows, one size changed
    _write(path, lines)
    with pytest.raises(InputError, match="changed while it was being read"):
        list(parts())


def test_streams_only_big_csv(tmp_path: Path) -> None:
    size = table_parts.STREAM_BYTES
    assert table_parts.streams(tmp_path / "a.csv", size)
    assert table_parts.streams(tmp_path / "a.CSV", size)
    assert not table_parts.streams(tmp_path / "a.csv", size - 1)
    assert not table_parts.streams(tmp_path / "a.ecsv", size * 10)
    assert not table_parts.streams(tmp_path / "a.xml", size * 10)


@pytest.mark.parametrize(
    ("header", "newline"),
    [
        pytest.param("productFilename,size,note", "\r\n", id="crlf"),
        pytest.param("productFilename,size,size", "\n", id="repeated-column"),
        pytest.param("productFilename,,size", "\n", id="unnamed-column"),
    ],
)
def test_odd_but_readable_tables_read_alike(tmp_path: Path, header: str, newline: str) -> None:
    """Line ends and headers astropy renames: the chunks read what the whole reads."""
    lines = [header] + [f"{_exposure(n)},{n},x" for n in range(1, 300)]
    path = tmp_path / "mast_products.csv"
    path.write_bytes("".join(line + newline for line in lines).encode())
    try:
        whole: list[Any] | str = list(read_product_table(path))
    except ProductTableError as err:
        whole = err.problem
    try:
        chunked: list[Any] | str = list(ProductChunks(path, chunk_chars=2_000).rows())
    except ProductTableError as err:
        chunked = err.problem
    assert chunked == whole

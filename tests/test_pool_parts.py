"""A pool linked a part of rows at a time gives the rows of linking it whole.

Ingest reads a pool twice: once whole, keeping only its target-acquisition
rows (`jwlink.core.linker.pool_acquisitions`), then a part of
`jwlink.core.linker.ROWS_PER_PART` rows at a time, all in one transaction
(`benchmarks/big_pool.py` measures the memory this bounds). Here every real
pool in ../shared/data/pools and a synthetic pool in no particular order (its
acquisitions anywhere in the file, confirmations, a repeated row) are linked
in parts of 1, 2, 7 and 5,000 rows, and compared with the rule applied to the
whole pool at once (written out below, as it was before pools were parted):
the same rows. Catalogs ingested in parts of 3 rows and whole are equal table
by table on both backends; a failing part, or a pool changed between its two
readings, leaves no row of the file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA, dump

from jwlink.core import linker
from jwlink.core.linker import pools
from jwlink.core.model import Batch, Kind, Link, PoolExposure
from jwlink.errors import PoolError
from jwlink.ingest import ingest
from jwlink.readers.pool import read_pool
from jwlink.store import open_store

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("big_pool", ROOT / "benchmarks" / "big_pool.py")
assert _spec is not None and _spec.loader is not None
big_pool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(big_pool)

ACQUISITIONS = {"mir_tacq", "mir_taconfirm", "nrc_tacq", "nrc_taconfirm", "nis_tacq",
                "nis_taconfirm", "nrs_confirm", "nrs_msata", "nrs_tacq", "nrs_taconfirm",
                "nrs_taslit", "nrs_wata", "nrs_verify"}  # fmt: skip


def _reference_links(rows: list[PoolExposure]) -> set[Link]:
    """The prerequisite rule over the whole pool at once: every acquisition of an
    observation (program, OBS_NUM) supports every other row of it."""
    groups: dict[tuple[str, str], list[PoolExposure]] = {}
    for row in rows:
        key = (row.columns.get("program", ""), row.columns.get("obs_num", "").lstrip("0"))
        groups.setdefault(key, []).append(row)
    links = set()
    for group in groups.values():
        tas = [r for r in group if _acquires(r)]
        for ta in tas:
            exp_type = ta.columns.get("exp_type", "").lower()
            confirms = exp_type.endswith("_taconfirm") or exp_type == "nrs_confirm"
            role = "confirmation" if confirms else "target_acquisition"
            for sci in group:
                if not _acquires(sci):
                    evidence = f"pool:{ta.pool}:line {ta.line}"
                    links.add(Link(ta.filename, sci.filename, Kind.PREREQUISITE, role, evidence))
    return links


def _acquires(row: PoolExposure) -> bool:
    return (
        row.columns.get("exp_type", "").lower() in ACQUISITIONS
        or row.columns.get("pntgtype", "").lower() == "target_acquisition"
    )


def _rows(batch: Batch) -> dict[str, Any]:
    """The rows of a batch as the store keeps them: each key once."""
    return {
        "products": sorted(set(batch.products), key=repr),
        "observations": sorted(set(batch.observations), key=repr),
        "links": sorted(set(batch.links), key=repr),
    }


def _parted(rows: list[PoolExposure], per_part: int) -> tuple[Batch, int]:
    whole, count = Batch(source=""), 0
    for part in pools.link_pool_parts(iter(rows), pools.pool_acquisitions(rows), per_part):
        assert 0 < len(part.products) <= per_part
        whole.extend(part)
        count += 1
    return whole, count


def _real_pools() -> list[Path]:
    folder = DATA / "pools"
    readable = []
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        try:
            list(read_pool(path))
        except PoolError:
            continue  # jwst test templates (@!next(obsnum)): refused, not linked
        readable.append(path)
    return readable


def synthetic_pool(folder: Path, rows: int = 600, per_observation: int = 50) -> Path:
    """A valid pool whose rows are shuffled, with confirmations and a repeated row."""
    lines = [big_pool.pool_row(n, per_observation) for n in range(rows)]
    columns = big_pool._HEADER.split("|")
    at = {name: i for i, name in enumerate(columns)}
    for n in range(7, rows, 3 * per_observation):  # a confirmation image in some observations
        cells = lines[n].split("|")
        cells[at["EXP_TYPE"]] = "MIR_TACONFIRM"
        lines[n] = "|".join(cells)
    for n in range(11, rows, 4 * per_observation):  # an acquisition said only by PNTGTYPE
        cells = lines[n].split("|")
        cells[at["PNTGTYPE"]] = "TARGET_ACQUISITION"
        lines[n] = "|".join(cells)
    lines.append(lines[5])  # the same exposure listed twice
    random.Random(17).shuffle(lines)
    path = folder / "jw09505_20260102t000000_pool.csv"
    path.write_text(big_pool._HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_parts_give_the_rows_of_the_whole(tmp_path: Path) -> None:
    real = _real_pools()
    if len(real) < 5:
        pytest.skip(f"real pools not found ({DATA / 'pools'} holds them)")
    checked = links = 0
    for path in [*real, synthetic_pool(tmp_path)]:
        rows = list(read_pool(path))
        reference = _reference_links(rows)
        whole = _rows(linker.link_pool(rows))
        assert set(whole["links"]) == reference, path
        assert {p.name for p in whole["products"]} == {r.filename for r in rows}, path
        for per_part in (1, 2, 7, 5000):
            parted, count = _parted(rows, per_part)
            assert _rows(parted) == whole, (path.name, per_part)
            assert count == -(-len(rows) // per_part), (path.name, per_part)
        checked += len(rows)
        links += len(reference)
    assert checked > 1500 and links > 500


def test_acquisitions_anywhere_in_the_file_reach_every_row(tmp_path: Path) -> None:
    path = synthetic_pool(tmp_path, rows=400, per_observation=100)
    rows = list(read_pool(path))
    # Shuffled: in some observation a science row comes before the acquisition.
    first_seen: dict[str, bool] = {}
    for row in rows:
        first_seen.setdefault(row.columns["obs_num"], _acquires(row))
    assert False in first_seen.values()
    parted, _ = _parted(rows, 3)
    supported = {link.target for link in parted.links}
    science = {r.filename for r in rows if not _acquires(r)}
    assert supported == science
    roles = {link.role for link in parted.links}
    assert roles == {"target_acquisition", "confirmation"}


def test_the_reader_streams_and_hashes_what_it_read(tmp_path: Path) -> None:
    path = synthetic_pool(tmp_path, rows=300)
    digest = hashlib.sha256()
    rows = read_pool(path, digest)
    first = next(rows)
    assert first.line == 2 and digest.hexdigest() != hashlib.sha256(path.read_bytes()).hexdigest()
    assert sum(1 for _ in rows) == 300  # 301 rows, one repeated
    assert digest.hexdigest() == hashlib.sha256(path.read_bytes()).hexdigest()


def test_catalogs_ingested_in_parts_and_whole_are_equal(
    two_urls: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ingest_dump: Any
) -> None:
    inputs = [*_real_pools(), synthetic_pool(tmp_path)]
    real = pools.link_pool_parts
    monkeypatch.setattr(linker, "link_pool_parts", lambda rows, tas, n=0: real(rows, tas, 10**9))
    whole = ingest_dump(two_urls[0], inputs)
    monkeypatch.setattr(linker, "link_pool_parts", lambda rows, tas, n=0: real(rows, tas, 3))
    parted = ingest_dump(two_urls[1], inputs)
    assert parted == whole
    assert len(whole["links"]) > 100 and len(whole["products"]) > 600


def test_a_failing_part_leaves_no_row_of_the_file(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = synthetic_pool(tmp_path)
    real = pools.link_pool_parts

    def failing(rows: Any, tas: Any, n: int = 0) -> Iterator[Batch]:
        for number, part in enumerate(real(rows, tas, 50)):
            if number == 3:
                raise OSError(os.strerror(5))  # the disk failed under the fourth part
            yield part

    monkeypatch.setattr(linker, "link_pool_parts", failing)
    store = open_store(db_url)
    try:
        report = ingest(store, [pool])
        assert report.ingested == 0 and len(report.errors) == 1
        for table, rows in dump(store).items():
            assert rows == [], table
        assert store.execute("SELECT COUNT(*) FROM inputs") == [(0,)]
    finally:
        store.close()


def test_a_pool_changed_between_its_readings_is_refused(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = synthetic_pool(tmp_path)
    real = pools.pool_acquisitions

    def then_changed(rows: Any) -> Any:
        found = real(rows)
        with pool.open("a", encoding="utf-8") as handle:  # another program appends a row
            handle.write(big_pool.pool_row(10_000, 50) + "\n")
        return found

    monkeypatch.setattr(linker, "pool_acquisitions", then_changed)
    store = open_store(db_url)
    try:
        report = ingest(store, [pool])
        assert report.ingested == 0
        ((path, problem),) = report.errors
        assert path.endswith(pool.name) and "changed while it was being read" in problem
        assert store.execute("SELECT COUNT(*) FROM products") == [(0,)]
    finally:
        store.close()


def test_the_big_pool_benchmark_runs(tmp_path: Path, pg_url: str) -> None:
    """`benchmarks/big_pool.py` at 5,000 rows on both backends (a smoke run: no time asserted)."""
    out = tmp_path / "big_pool.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "big_pool.py"), "--rows", "5000",
               "--per-observation", "1000", "--pg", "--out", str(out)]  # fmt: skip
    env = {**os.environ, "JWLINK_TEST_PG": pg_url.split("?")[0]}
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, check=False, timeout=900
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    results = json.loads(out.read_text())["results"]
    assert [r["backend"] for r in results] == ["sqlite", "postgresql"]
    for result in results:
        # 5 observations of 1,000 rows: one acquisition each, supporting the other 999.
        assert result["ingested"] == 1 and result["failed"] == 0
        assert result["products"] == 5000 + 1  # and the pool file itself
        assert result["links"] == 5 * 999
        assert result["peak_mb"] > 0

"""Files written in groups: one transaction, their rows merged in one batch (issue 14).

An ingest commits many files at once; each file must still land whole or
not at all, whatever the others do. Checked on real JWST inputs from
``../shared/data`` against the same files written one transaction each.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import dump

import jwlink.ingest.run as run
from jwlink.ingest import ingest
from jwlink.store import SqlStore, open_store

# Real inputs of every reader that takes small files: associations, a pool,
# FITS headers, engineering data.
_INPUTS = (
    "asn_examples/asn_level2.json",
    "asn_examples/asn_mosaic.json",
    "asn_examples/association.json",
    "asn_examples/test_image_asn.json",
    "pools/jw93060_20150312T160130_pool.csv",
    "exposures_nopsf/exp_0.fits",
    "exposures_nopsf/exp_1.fits",
    "exposures_nopsf/exp_2.fits",
    "exposures/jw01075001001_03105_00009_nrca2_uncal.fits",
)


def _copy(data: Path, folder: Path) -> list[Path]:
    """Copy the inputs into a folder of the test's own (one of them is changed)."""
    folder.mkdir()
    copies = []
    for name in _INPUTS:
        source = data / name
        if not source.exists():
            pytest.skip(f"{source} not in ../shared/data")
        copies.append(Path(shutil.copy(source, folder / source.name)))
    return copies


def _full(store: SqlStore) -> dict[str, Any]:
    """`dump`, with what the ingest records of each file and the kept product lists."""
    rows = dump(store)
    rows["inputs"] = store.execute(
        "SELECT path, fingerprint, reader, products, links FROM inputs ORDER BY path"
    )
    rows["listings"] = store.execute("SELECT * FROM listings ORDER BY obs_id, position")
    return rows


def _ingest(url: str, paths: list[Path], **options: Any) -> tuple[run.IngestReport, Any]:
    store = open_store(url)
    try:
        report = ingest(store, paths, **options)
        return report, _full(store)
    finally:
        store.close()


def test_a_group_writes_the_catalog_that_one_file_at_a_time_writes(
    two_urls: tuple[str, str], data: Path, tmp_path: Path
) -> None:
    paths = [data / name for name in _INPUTS if (data / name).exists()]
    grouped, together = _ingest(two_urls[0], paths)
    alone, apart = _ingest(two_urls[1], paths, group_files=1)
    assert grouped.ingested == alone.ingested == len(paths), grouped.errors
    assert together["products"], "the inputs gave no products"
    assert together["listings"], "no product list was kept"
    assert together == apart


def test_a_file_failing_inside_its_group_leaves_no_row_and_the_others_land(
    two_urls: tuple[str, str], data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pool is read twice: when it is met, and when its group is written
    # (its rows a part at a time). Changed in between, it is refused at the
    # write, inside the group's transaction, after files before it wrote.
    paths = _copy(data, tmp_path / "in")
    pool = next(p for p in paths if p.name.endswith("_pool.csv"))
    assert 0 < paths.index(pool) < len(paths) - 1
    monkeypatch.setattr(run, "GROUP_SECONDS", 3600.0)  # one group, whatever the machine

    def change_the_pool(path: Path) -> None:
        if path == pool:
            with pool.open("a") as handle:
                handle.write("\n")

    report, rows = _ingest(two_urls[0], paths, progress=change_the_pool)
    assert [(Path(p).name, m) for p, m in report.errors] == [
        (pool.name, "changed while it was being read; ingest it again")
    ]
    assert report.ingested == len(paths) - 1
    others = [p for p in paths if p != pool]
    expected_report, expected = _ingest(two_urls[1], others, group_files=1)
    assert expected_report.ingested == len(others)
    assert rows == expected


def _refuse_input(url: str, name: str) -> None:
    """Make the catalog itself refuse to record one file (a trigger: a database error)."""
    store = open_store(url)
    try:
        if store.backend == "sqlite":
            store.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON inputs "
                f"WHEN NEW.path LIKE '%/{name}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            store.execute(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF NEW.path LIKE '%/{name}' THEN RAISE EXCEPTION 'refused'; END IF; "
                "RETURN NEW; END $$"
            )
            store.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON inputs "
                "FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
            store.execute("COMMIT")
    finally:
        store.close()


def test_a_statement_the_catalog_refuses_fails_only_its_file(
    two_urls: tuple[str, str], data: Path, tmp_path: Path
) -> None:
    # A database error ends the group's transaction (nothing of it written):
    # each file is then written alone, and only the refused one fails.
    paths = _copy(data, tmp_path / "in")
    refused = paths[2]
    _refuse_input(two_urls[0], refused.name)
    report, rows = _ingest(two_urls[0], paths)
    assert [Path(p).name for p, _ in report.errors] == [refused.name]
    assert "refused" in report.errors[0][1]
    assert report.ingested == len(paths) - 1
    others = [p for p in paths if p != refused]
    _, expected = _ingest(two_urls[1], others, group_files=1)
    assert rows == expected


def test_a_file_named_twice_in_one_run_is_written_once(db_url: str, data: Path) -> None:
    path = data / _INPUTS[0]
    store = open_store(db_url)
    try:
        report = ingest(store, [path, data / _INPUTS[1], path])
    finally:
        store.close()
    assert (report.files, report.ingested, report.unchanged) == (3, 2, 1), report.errors

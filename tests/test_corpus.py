"""The bad-input corpus (tests/corpus/, corpus_build.py) against the readers and `jwlink ingest`.

Each entry must be refused by its reader with our own error, whose message
starts with the file's path and names the problem. A batch holding every bad
file beside good real files must ingest every good file, report each bad one
with its path, exit 1 without a traceback, and leave exactly the catalog the
good files make alone, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import dump, need_data, pg_schema
from corpus_build import CORPUS, EXPECTED, Entry, all_entries, base_fits, name_cases

from jwlink.cli import main
from jwlink.errors import (
    AssociationError,
    HeaderError,
    InputError,
    InvalidName,
    PoolError,
    ProductTableError,
)
from jwlink.ingest import classify, ingest
from jwlink.ingest.run import shown
from jwlink.naming import bare_name, parse
from jwlink.readers import read_association, read_pool, read_product_table
from jwlink.readers.fits import read_header, read_header_fast
from jwlink.store import open_store

ENTRIES = all_entries()
BAD = [e for e in ENTRIES if e.error is not None]
TOLERATED = [e for e in ENTRIES if e.error is None]
NAMES = name_cases()
READERS: dict[str, tuple[type[InputError], list[Callable[[Path], Any]]]] = {
    "association": (AssociationError, [read_association]),
    "pool": (PoolError, [lambda p: list(read_pool(p))]),
    "table": (ProductTableError, [lambda p: list(read_product_table(p))]),
    # ingest reads headers with the fast reader; astropy's must refuse the same files
    "fits": (HeaderError, [read_header_fast, read_header]),
}


def by_path(path: str) -> Entry:
    return next(e for e in ENTRIES if e.path == path)


# ---------------------------------------------------------------- the corpus itself


def test_corpus_lists_every_literal_file_once_and_stays_small() -> None:
    listed = [f["path"] for f in EXPECTED["file"]]
    on_disk = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.glob("*/*") if p.is_file())
    assert sorted(listed) == on_disk
    assert len(set(e.path for e in ENTRIES)) == len(ENTRIES)
    assert sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file()) < 200_000
    counts = {r: sum(e.reader == r for e in BAD) for r in READERS}
    assert min(counts.values()) >= 10, counts


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.path for e in ENTRIES])
def test_each_entry_goes_to_its_reader_by_name(entry: Entry) -> None:
    assert classify(CORPUS / entry.path) == entry.reader


# ---------------------------------------------------------------- (a) the readers


@pytest.mark.parametrize("entry", BAD, ids=[e.path for e in BAD])
def test_reader_names_the_file_and_the_problem(tmp_path: Path, entry: Entry) -> None:
    path = entry.write(tmp_path)
    kind, readers = READERS[entry.reader]
    for read in readers:
        with pytest.raises(InputError) as info:
            read(path)
        err = info.value
        assert isinstance(err, kind)
        assert err.path == str(path) and str(err) == f"{path}: {err.problem}"
        assert re.search(entry.error, err.problem), f"{read.__name__}: {err.problem}"
        # a huge or hostile value is never quoted whole
        assert len(err.problem) < 600


@pytest.mark.parametrize("entry", TOLERATED, ids=[e.path for e in TOLERATED])
def test_tolerated_inputs_are_read(tmp_path: Path, entry: Entry) -> None:
    path = entry.write(tmp_path)
    if entry.reader == "association":
        rows = [m for p in read_association(path).products for m in p.members]
    else:
        rows = list(read_pool(path))
    assert len(rows) == entry.rows
    names = [getattr(r, "expname", None) or getattr(r, "filename", None) for r in rows]
    assert all(n.startswith("jw01234") for n in names), names  # a BOM is not part of a name


@pytest.mark.parametrize(
    "which",
    ["asn/over_64mb_asn.json", "asn/nested_10000_asn.json", "asn/too_many_values_asn.json"],
)
def test_huge_or_deep_json_is_refused_without_memory_or_stack(tmp_path: Path, which: str) -> None:
    path = by_path(which).write(tmp_path)
    tracemalloc.start()
    try:
        with pytest.raises(AssociationError):
            read_association(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # the raw bytes of the 1 MB file, at most; never the parsed document
    assert peak < 16 * 2**20, peak


@pytest.mark.parametrize("case", NAMES, ids=[ascii(c.name)[1:40] for c in NAMES])
def test_bad_names_say_which_part_is_wrong(case) -> None:
    with pytest.raises(InvalidName) as info:
        parse(case.name)
    assert info.value.name == case.name
    assert re.search(case.error, info.value.reason), info.value.reason
    if case.bare is not None:
        with pytest.raises(InvalidName) as bare:
            bare_name(case.name)
        assert re.search(case.bare, bare.value.reason), bare.value.reason


# ---------------------------------------------------------------- (b) jwlink ingest


def _creatable(name: str) -> bool:
    raw = os.fsencode(name)
    return (
        bool(name)
        and name not in (".", "..")
        and b"/" not in raw
        and b"\0" not in raw
        and (len(raw) <= 255)
    )


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """good/: real files and a synthetic table and mosaic; bad/: every bad entry; names/."""
    data = need_data()
    root = tmp_path_factory.mktemp("corpus")
    good = root / "good"
    good.mkdir()
    for path in [
        data / "pools/jw87800_20180412T163456_pool.csv",
        *sorted((data / "generated_asn/from_jw87800_pool").glob("*.json"))[:6],
        data / "exposures/jw01075001001_03105_00009_nrca2_uncal.fits",
        data / "exposures_nopsf/exp_0.fits",
        data / "exposures_nopsf/exp_1.fits",
    ]:
        shutil.copy(path, good)
    (good / "jw01234-o901_t001_nircam_clear-f200w_i2d.fits").write_bytes(base_fits())
    (good / "products.csv").write_text(
        "obs_id,productFilename,size,calib_level\n"
        "jw87800017001_02102_00001_nis,jw87800017001_02102_00001_nis_cal.fits,4096,2\n"
    )
    bad = [e.write(root / "bad") for e in BAD]
    names = root / "names"
    names.mkdir()
    named = []
    for case in NAMES:
        if _creatable(case.name):
            path = Path(os.fsdecode(os.fsencode(names) + b"/" + os.fsencode(case.name)))
            path.write_bytes(b"")
            named.append(path)
    return {"good": good, "bad": root / "bad", "names": names, "bad_files": bad, "named": named}


def _ingest(db: str, *paths: Path) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(main, ["ingest", "--db", db, "--json", *map(str, paths)])
    # a bare exception (a traceback for a user) is never SystemExit
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout), result.output


@contextmanager
def second_catalog(db_url: str, tmp_path: Path) -> Iterator[str]:
    """Another empty catalog on the same backend as ``db_url``."""
    if not db_url.startswith("postgresql"):
        yield str(tmp_path / "good-only.db")
        return
    with pg_schema() as url:
        yield url


def test_batch_with_every_bad_file_ingests_every_good_one(
    tmp_path: Path, db_url: str, folders: dict[str, Any]
) -> None:
    with second_catalog(db_url, tmp_path) as good_db:
        code, good_report, _ = _ingest(good_db, folders["good"])
        assert code == 0 and good_report["errors"] == []
        assert good_report["ingested"] == len(list(folders["good"].iterdir()))
        reference = open_store(good_db)
        try:
            good_dump = dump(reference)
        finally:
            reference.close()

    code, report, _ = _ingest(db_url, folders["good"], folders["bad"], folders["names"])
    assert code == 1
    errors = {e["path"]: e["error"] for e in report["errors"]}
    for entry, path in zip(BAD, folders["bad_files"], strict=True):
        assert str(path) in errors, f"{entry.path} was not reported"
        assert re.search(entry.error, errors[str(path)]), errors[str(path)]
    # Bad names are reported (a JWST-looking one) or passed over; paths that
    # are not UTF-8 are reported in their printable form.
    expected = {str(p) for p in folders["bad_files"]} | {shown(p) for p in folders["named"]}
    assert set(errors) <= expected  # no good file reported
    assert report["ingested"] == good_report["ingested"]
    assert report["files"] == good_report["files"] + len(BAD) + len(folders["named"])

    store = open_store(db_url)
    try:
        mixed = dump(store)
        names = {row[0] for row in store.execute("SELECT name FROM products")}
    finally:
        store.close()
    assert not names & {p.name for p in folders["named"]}
    assert mixed == good_dump


def test_bad_files_alone_leave_an_empty_catalog(db_url: str, folders: dict[str, Any]) -> None:
    code, report, _ = _ingest(db_url, folders["bad"])
    assert code == 1 and report["ingested"] == 0 and len(report["errors"]) == len(BAD)
    store = open_store(db_url)
    try:
        assert all(rows == [] for rows in dump(store).values())
    finally:
        store.close()


def test_a_folder_named_in_another_encoding_is_reported_not_a_traceback(
    tmp_path: Path, store, data: Path
) -> None:
    # Found with this corpus: locations held lone surrogates and the store raised
    # UnicodeEncodeError (fixed in ingest/run.py, 4abe5f7).
    folder = Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9"))
    folder.mkdir()
    shutil.copy(data / "exposures/jw01075001001_03105_00009_nrca2_uncal.fits", folder)
    report = ingest(store, [tmp_path])
    assert report.ingested + len(report.errors) == 1

"""jwlink check on a synthetic archive of real files (`jwlink synth --files`), as the demo makes."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from astropy.table import Table
from click.testing import CliRunner

from jwlink.cli import main
from jwlink.cli.check import EXAMPLES
from jwlink.store import open_store
from jwlink.synth import generate_files

PRODUCTS = 300
PROGRAM = "01582"  # NIRSpec and NIRCam TSO: pool, product table, associations, guide stars


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synth") / "files"
    generate_files(root, seed=1, products=PRODUCTS)
    return root


@pytest.fixture
def program(archive: Path, tmp_path: Path) -> Path:
    """A copy of one program's folder, free to change."""
    return Path(shutil.copytree(archive / PROGRAM, tmp_path / PROGRAM))


def _run(folder: Path, *options: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", str(folder), *options])
    return result.exit_code, result.output


def _json(folder: Path, *options: str) -> tuple[int, dict]:
    code, output = _run(folder, "--json", *options)
    return code, json.loads(output)


def test_complete_archive_has_nothing_extra(archive: Path) -> None:
    code, doc = _json(archive)
    assert code == 0, doc["verdict"]
    files = [p for p in archive.rglob("*") if p.is_file()]
    assert doc["counts"]["files"] == doc["counts"]["present"] == len(files)
    assert doc["extra"] == [] and doc["missing"] == [] and doc["errors"] == []
    # Each file kind is accounted for by a document that names it, not by a blanket rule.
    kinds = {}
    for entry in doc["present"]:
        kinds.setdefault(Path(entry["path"]).suffix, set()).add(bool(entry["named_by"]))
    assert kinds[".fits"] == {True} and kinds[".jpg"] == {True}
    code, text = _run(archive)
    lines = text.splitlines()
    assert lines[-1] == "complete"
    assert not any(line.startswith(("extra ", "missing ")) for line in lines)
    assert f"  present  {len(files):>6}" in lines
    # The MRP lines: one per observation, and every Level 3 observation's products present.
    mrp = doc["mrp"]
    assert mrp and sum(len(v) for v in mrp.values()) == int(
        next(ln for ln in lines if ln.startswith("MRP present:")).split()[2]
    )


def _named_only_by_pool_and_table(folder: Path) -> str:
    """An _uncal no association names: the pool lists it, so does the product table."""
    (pool,) = folder.glob("*_pool.csv")
    with pool.open() as handle:
        rows = list(csv.reader(handle, delimiter="|"))
    listed = set(Table.read(next(folder.glob("mast_products_*.ecsv")))["productFilename"])
    in_asn = {
        m["expname"]
        for asn in folder.glob("*_asn.json")
        for p in json.loads(asn.read_text())["products"]
        for m in p["members"]
    }
    candidates = [r[0] for r in rows[1:] if r[0] in listed and r[0] not in in_asn]
    assert candidates, "the synthetic program has uncal files only pools and tables name"
    return candidates[0]


def test_deleted_uncal_is_missing(program: Path) -> None:
    uncal = _named_only_by_pool_and_table(program)
    (program / uncal).unlink()
    code, doc = _json(program)
    assert code == 1
    (missing,) = doc["missing"]
    assert missing["name"] == uncal
    sources = {n["source"] for n in missing["named_by"]}
    assert {Path(s).suffix for s in sources} == {".csv", ".ecsv"}
    assert doc["extra"] == [] and doc["verdict"] == "incomplete: 1 missing"
    code, text = _run(program)
    assert code == 1
    assert f"missing {uncal}" in text and text.splitlines()[-1] == "incomplete: 1 missing"


def test_extra_files_are_summarized_unless_verbose(program: Path) -> None:
    strays = [f"notes_{n}.txt" for n in range(EXAMPLES + 3)]
    for name in strays:
        (program / name).write_text("mine\n")
    code, text = _run(program)
    assert code == 0  # a complete download with notes beside it is complete
    shown = [ln for ln in text.splitlines() if ln.startswith("extra   ")]
    assert len(shown) == EXAMPLES + 1 and shown[-1].startswith("extra   ... and 3 more")
    code, text = _run(program, "--verbose")
    assert sorted(ln.split()[1] for ln in text.splitlines() if ln.startswith("extra ")) == strays
    code, doc = _json(program)
    assert doc["extra"] == strays and doc["counts"]["extra"] == len(strays)


def _flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01  # the last data block: the headers stay readable
    path.write_bytes(bytes(data))


def test_changed_file_is_reported_against_the_catalog(program: Path, db_url: str) -> None:
    # check --db reads an existing catalog (a read never creates one): ingest first.
    assert CliRunner().invoke(main, ["ingest", str(program), "--db", db_url]).exit_code == 0
    code, doc = _json(program, "--db", db_url)
    assert code == 0 and doc["changed"] == []
    target = next(p for p in sorted(program.glob("*_cal.fits")))
    _flip_last_byte(target)
    store = open_store(db_url)
    try:
        (recorded,) = store.execute(
            "SELECT fingerprint FROM inputs WHERE path = ?", (str(target.resolve()),)
        )
    finally:
        store.close()
    code, doc = _json(program, "--db", db_url)
    assert code == 1 and doc["verdict"] == "incomplete: 1 changed"
    (changed,) = doc["changed"]
    assert changed["path"] == target.name and changed["catalog_sha256"] == recorded[0]
    assert changed["sha256"] != recorded[0]
    # The catalog keeps what it recorded: the next check still says so.
    code, text = _run(program, "--db", db_url)
    assert code == 1 and f"changed {target.name}" in text
    # Restoring the content makes the folder complete again.
    _flip_last_byte(target)
    assert _run(program, "--db", db_url)[0] == 0


def test_a_temporary_catalog_reports_nothing_changed(program: Path) -> None:
    _flip_last_byte(next(program.glob("*_cal.fits")))
    code, doc = _json(program)
    assert code == 0 and doc["changed"] == []


def test_changed_against_a_catalog_built_from_another_copy(
    archive: Path, program: Path, db_url: str
) -> None:
    """A catalog of the archive elsewhere knows the files by name and SHA-256, not by this path."""
    assert (
        CliRunner().invoke(main, ["ingest", str(archive / PROGRAM), "--db", db_url]).exit_code == 0
    )
    target = next(p for p in sorted(program.glob("*_x1dints.fits")))
    _flip_last_byte(target)
    code, doc = _json(program, "--db", db_url)
    assert code == 1
    assert [c["name"] for c in doc["changed"]] == [target.name]

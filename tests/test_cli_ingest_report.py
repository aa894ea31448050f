"""What `jwlink ingest` reports: this run's files and the rows the catalog gained, Ctrl-C, strays.

The Ctrl-C test interrupts a real ``jwlink ingest`` process with SIGINT and
checks the report against the catalog, then re-runs it to completion.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from jwlink.cli import main
from jwlink.ingest.run import claims_jwst, iter_files
from jwlink.readers import read_pool
from jwlink.store import open_store

JWLINK = [sys.executable, "-m", "jwlink"]
ASN_DIR = "generated_asn/from_jw87800_pool"
POOL = "pools/jw87800_20180412T163456_pool.csv"


def _ingest(*args: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(main, ["ingest", "--json", *args])
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout), result.output


def _text(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["ingest", *args])
    return result.exit_code, result.stdout, result.stderr


def _rows(url: str) -> tuple[int, int]:
    store = open_store(url, readonly=True)
    try:
        products = store.execute("SELECT COUNT(*) FROM products")[0][0]
        links = store.execute("SELECT COUNT(*) FROM links")[0][0]
        return int(products), int(links)
    finally:
        store.close()


def _recorded(url: str) -> int:
    try:
        store = open_store(url, readonly=True, create=False)
    except Exception:  # noqa: BLE001 - not made yet
        return 0
    try:
        return int(store.execute("SELECT COUNT(*) FROM inputs")[0][0])
    finally:
        store.close()


# ---------------------------------------------------------------- counts


def test_counts_are_the_rows_the_catalog_gained(db_url: str, data: Path) -> None:
    code, first, _ = _ingest(str(data / ASN_DIR), "--db", db_url)
    assert code == 0 and first["ingested"] == 12 and first["unchanged"] == 0
    assert (first["products"], first["links"]) == _rows(db_url)
    before = _rows(db_url)
    code, second, _ = _ingest(str(data / ASN_DIR), str(data / POOL), "--db", db_url)
    assert code == 0 and second["ingested"] == 1 and second["unchanged"] == 12
    after = _rows(db_url)
    assert (second["products"], second["links"]) == (after[0] - before[0], after[1] - before[1])
    # The pool names only exposures the associations brought already: the
    # catalog gains none of its rows, and the report says so.
    assert len(list(read_pool(data / POOL))) > 0 and second["products"] == 0
    code, third, _ = _ingest(str(data / ASN_DIR), str(data / POOL), "--db", db_url)
    counts = (third["ingested"], third["unchanged"], third["products"], third["links"])
    assert counts == (0, 13, 0, 0)


# ---------------------------------------------------------------- Ctrl-C


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, tuple[int, int]]:
    """A synthetic archive of about 1,300 files and the rows one whole ingest of it makes."""
    root = tmp_path_factory.mktemp("sigint")
    files = root / "files"
    made = CliRunner().invoke(main, ["synth", "--seed", "3", "--products", "400",
                                     "--files", str(files)])  # fmt: skip
    assert made.exit_code == 0, made.output
    once = str(root / "once.db")
    code, report, _ = _ingest(str(files), "--db", once)
    assert code == 0 and report["errors"] == []
    return files, sum(1 for _ in iter_files([files])), _rows(once)


def _default_sigint() -> None:
    # A shell starts background jobs with SIGINT ignored, and Python keeps an
    # ignored SIGINT ignored: give the child the terminal's usual Ctrl-C.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_keeps_what_was_committed_and_a_rerun_completes_it(
    db_url: str, archive: tuple[Path, int, tuple[int, int]]
) -> None:
    files, total, whole = archive
    command = [*JWLINK, "ingest", str(files), "--db", db_url, "--json"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_default_sigint,  # noqa: PLW1509 - no threads in this test
    )  # fmt: skip
    while process.poll() is None and _recorded(db_url) < total // 4:
        time.sleep(0.005)
    assert process.poll() is None, "the ingest ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "Aborted" not in err
    report = json.loads(out)
    kept = _recorded(db_url)
    assert report["interrupted"] is True and report["errors"] == []
    assert 0 < kept < total and report["ingested"] == kept
    assert f"interrupted: kept the {kept} files this run committed" in err
    assert "run the same command again" in err
    at_interrupt = _rows(db_url)
    assert (report["products"], report["links"]) == at_interrupt

    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stderr
    rerun = json.loads(done.stdout)
    assert rerun["unchanged"] == kept and rerun["ingested"] == total - kept
    assert _rows(db_url) == whole  # the same catalog as one uninterrupted ingest
    # What the re-run reports is what it added, not what the files it read hold.
    gained = (whole[0] - at_interrupt[0], whole[1] - at_interrupt[1])
    assert (rerun["products"], rerun["links"]) == gained


# ---------------------------------------------------------------- strays


def _mixed_folder(tmp_path: Path, data: Path) -> Path:
    folder = tmp_path / "mixed"
    folder.mkdir()
    for asn in sorted((data / ASN_DIR).glob("*.json"))[:2]:
        shutil.copy(asn, folder)
    shutil.copy(data / POOL, folder)
    # A MAST export is a product table by its columns, whatever its name.
    (folder / "products.csv").write_text(
        "obs_id,productFilename,size\n"
        "jw87800017001_02102_00001_nis,jw87800017001_02102_00001_nis_cal.fits,4096\n"
    )
    # Files of other tools that never claim to be JWST products.
    (folder / "package.json").write_text(json.dumps({"name": "web", "version": "1.0.0"}))
    (folder / "data.csv").write_text("date,temperature\n2024-01-01,3.5\n2024-01-02,4.0\n")
    (folder / "layout.xml").write_text('<?xml version="1.0"?>\n<svg width="10"/>\n')
    (folder / "notes.txt").write_text("observing notes\n")
    return folder


def test_files_that_are_not_jwst_products_are_passed_over(
    db_url: str, tmp_path: Path, data: Path
) -> None:
    folder = _mixed_folder(tmp_path, data)
    code, stdout, stderr = _text(str(folder), "--db", db_url)
    assert code == 0, stderr
    strays = ", ".join(str(folder / n) for n in ("data.csv", "layout.xml", "notes.txt"))
    passed = [line for line in stdout.splitlines() if line.startswith("passed over")]
    assert passed == [
        f"passed over 4 files that are not JWST products: {strays}, {folder / 'package.json'}"
    ]
    assert stdout.startswith("8 files: 4 ingested, 0 unchanged (already in the catalog), 0 failed")
    assert "error" not in stderr
    code, doc, _ = _ingest(str(folder), "--db", db_url)
    assert code == 0 and doc["unchanged"] == 4 and doc["failed"] == 0
    assert sorted(Path(p).name for p in doc["passed_over"]) == [
        "data.csv", "layout.xml", "notes.txt", "package.json"
    ]  # fmt: skip


def test_files_that_claim_to_be_jwst_evidence_and_are_broken_are_errors(
    db_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "claims"
    folder.mkdir()
    # No JWST name, but the columns of a MAST product list (a row too long) ...
    (folder / "export.csv").write_text(
        "obs_id,productFilename,size\njw1,jw01234901001_02101_00001_nrca1_cal.fits,5,6,7\n"
    )
    # ... and the keys of an association (its product has no members).
    (folder / "level2.json").write_text('{"asn_type": "image2", "products": [{"name": "x"}]}')
    code, doc, _ = _ingest(str(folder), "--db", db_url)
    assert code == 1
    assert doc["passed_over"] == [] and doc["ingested"] == 0
    assert sorted(Path(e["path"]).name for e in doc["errors"]) == ["export.csv", "level2.json"]


def test_names_with_an_unknown_suffix_are_ingested_and_counted(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "names"
    folder.mkdir()
    known = folder / "jw01234-o001_t001_nircam_clear-f200w_cat.ecsv"
    unknown = folder / "jw01234-o001_t001_nircam_clear-f200w_zzzq.ecsv"
    for path in (known, unknown):
        path.write_text("# %ECSV 1.0\n")
    code, doc, _ = _ingest(str(folder), "--db", db_url, "--force")
    assert code == 0 and doc["ingested"] == 2
    assert doc["unknown_suffix"] == [str(unknown)]
    code, stdout, _ = _text(str(folder), "--db", db_url, "--force")
    assert code == 0
    assert (
        f"1 file ingested with a JWST name whose suffix jwlink does not know "
        f"(kept as auxiliary products): {unknown}"
    ) in stdout


@pytest.mark.parametrize(
    ("name", "reader", "text", "encoding", "claims"),
    [
        ("level2.json", "association", '{"asn_type": "image2"}', "utf-16", True),
        ("tsconfig.json", "association", '{"compilerOptions": {}}', "utf-16", False),
        ("export.xml", "table", '<?xml version="1.0"?><VOTABLE version="1.4"/>', "utf-8", True),
        ("list.csv", "table", "file\njw01234001001_02101_00001_nrca1_cal.fits\n", "utf-8", True),
        ("weather.csv", "table", "day,jw\n1,2\n", "utf-8", False),
    ],
)
def test_what_claims_to_be_jwst_evidence(
    tmp_path: Path, name: str, reader: str, text: str, encoding: str, claims: bool
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    assert claims_jwst(path, reader) is claims

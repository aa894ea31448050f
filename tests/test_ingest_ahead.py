"""Files looked at and hashed on threads ahead of the ingest loop (issue 14).

Big files are hashed on threads, several at once; everything that needs the
catalog stays in the loop. The catalog and the report must be those of the
loop looking at every file itself, on real JWST inputs from ``../shared/data``
and FITS files of a few MB whose headers are a real exposure's.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import dump

import jwlink.ingest.ahead as ahead
import jwlink.ingest.looks as looks
from jwlink.errors import InputError
from jwlink.ingest import ingest
from jwlink.ingest.run import IngestInterrupted
from jwlink.ingest.tree import fingerprint
from jwlink.store import open_store

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import floor_files  # noqa: E402 - the benchmark's writer of big FITS files

_SMALL = (
    "asn_examples/asn_mosaic.json",
    "pools/jw93060_20150312T160130_pool.csv",
    "exposures_nopsf/exp_0.fits",
    "exposures/jw01075001001_03105_00009_nrca2_uncal.fits",
)
_BIG = 4


def _folder(data: Path, folder: Path) -> dict[str, Path]:
    """Big FITS files among small real inputs, a FIFO, a file that is no evidence, a broken one."""
    folder.mkdir()
    for name in _SMALL:
        if not (data / name).exists():
            pytest.skip(f"{data / name} not in ../shared/data")
        shutil.copy(data / name, folder / Path(name).name)
    written = floor_files.write_big_files(folder / "big", _BIG, 1.2, 3.0)
    if written["headers_from"] == "synthetic":
        pytest.skip("no real exposure in ../shared/data to copy headers from")
    os.mkfifo(folder / "jw01075001001_03105_00009_nrcb1_uncal.fits")
    (folder / "notes.txt").write_text("not JWST evidence\n")
    broken = folder / "big" / "jw01075001001_03105_00099_nrca2_uncal.fits"
    broken.write_bytes(b"\0" * (2 << 20))  # big, named as evidence, not FITS
    return {p.name: p for p in (folder / "big").iterdir()}


def _run(url: str, folder: Path, threads: int) -> tuple[dict[str, Any], dict[str, Any]]:
    store = open_store(url)
    try:
        report = ingest(store, [folder], threads=threads)
        rows = dump(store)
        rows["inputs"] = store.execute(
            "SELECT path, fingerprint, reader, size FROM inputs ORDER BY path"
        )
        rows["listings"] = store.execute("SELECT * FROM listings ORDER BY obs_id, position")
        return report.as_dict(), rows
    finally:
        store.close()


def test_threads_write_the_catalog_and_report_the_loop_alone_writes(
    two_urls: tuple[str, str],
    data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    big = _folder(data, tmp_path / "in")
    hashed_on: dict[str, str] = {}
    real = looks.fingerprint

    def watched(path: Path, stop: threading.Event | None = None) -> tuple[str, int, int]:
        hashed_on[path.name] = threading.current_thread().name
        return real(path, stop)

    monkeypatch.setattr(looks, "fingerprint", watched)
    threaded_report, threaded = _run(two_urls[0], tmp_path / "in", threads=2)
    assert {hashed_on[name] for name in big} <= {f"jwlink-look_{n}" for n in range(2)}, hashed_on
    small = {name: hashed_on[name] for name in hashed_on if name not in big}
    assert set(small.values()) == {threading.current_thread().name}, small
    hashed_on.clear()
    alone_report, alone = _run(two_urls[1], tmp_path / "in", threads=0)
    assert set(hashed_on.values()) == {threading.current_thread().name}

    assert threaded_report == alone_report
    assert threaded == alone
    assert threaded_report["ingested"] == len(_SMALL) + _BIG, threaded_report["errors"]
    assert [Path(e["path"]).name for e in threaded_report["errors"]] == [
        "jw01075001001_03105_00099_nrca2_uncal.fits"
    ]
    assert [Path(s["path"]).name for s in threaded_report["skipped"]] == [
        "jw01075001001_03105_00009_nrcb1_uncal.fits"
    ]
    assert [Path(p).name for p in threaded_report["passed_over"]] == ["notes.txt"]
    # Each big file is recorded with the SHA-256 of its bytes, read here apart.
    recorded = {Path(path).name: sha for path, sha, _reader, _size in threaded["inputs"]}
    for name, path in big.items():
        if name in recorded:
            assert recorded[name] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_stopped_hash_ends_at_its_next_chunk(data: Path, tmp_path: Path) -> None:
    floor_files.write_big_files(tmp_path, 1, 2.0, 2.0)
    [path] = tmp_path.iterdir()
    stop = threading.Event()
    assert fingerprint(path, stop)[1] == path.stat().st_size  # not set: the whole file
    stop.set()
    with pytest.raises(InputError) as refused:
        fingerprint(path, stop)
    assert refused.value.path == str(path)
    assert refused.value.problem == "not hashed: the ingest stopped"


def test_an_interrupt_stops_the_threads_looking_ahead(
    db_url: str, data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _folder(data, tmp_path / "in")
    stops: list[threading.Event] = []
    real = ahead.look

    def watched(
        path: Path, root: str, location: str, stop: threading.Event | None = None
    ) -> looks.Look:
        if stop is not None:
            stops.append(stop)
        return real(path, root, location, stop)

    def interrupt(path: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ahead, "look", watched)
    store = open_store(db_url)
    try:
        with pytest.raises(IngestInterrupted):
            ingest(store, [tmp_path / "in" / "big"], progress=interrupt, threads=2)
    finally:
        store.close()
    assert stops, "no file was looked at on a thread"
    assert all(stop.is_set() for stop in stops)
    for thread in threading.enumerate():
        if thread.name.startswith("jwlink-look"):
            thread.join(timeout=60)
            assert not thread.is_alive(), f"{thread.name} still runs after the interrupt"


def test_the_command_reads_ahead_or_not_as_asked(data: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from jwlink.cli.main import main

    _folder(data, tmp_path / "in")
    answers = []
    for threads in ("0", "3"):
        db = tmp_path / f"threads{threads}.db"
        command = ["ingest", "--hash-threads", threads, "--read-processes", threads]
        command += ["--db", str(db), "--json"]
        result = CliRunner().invoke(main, [*command, str(tmp_path / "in")])
        assert result.exit_code == 1, result.output  # the broken file and the FIFO
        answers.append(json.loads(result.stdout))
    assert answers[0] == answers[1]
    assert answers[0]["ingested"] == len(_SMALL) + _BIG
    for option in ("--hash-threads", "--read-processes"):
        refused = CliRunner().invoke(main, ["ingest", option, "-1", str(tmp_path / "in")])
        assert refused.exit_code == 2 and option in refused.output

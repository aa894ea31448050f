"""Small FITS files read in worker processes ahead of the ingest loop (issue 14).

Big files are hashed on threads meanwhile (`test_ingest_ahead.py`).

The workers look at, hash, read and link chunks of small FITS files; the loop
writes. The catalog and the report must be those of the loop reading every
file itself; a failure in a worker is reported against its file; the workers
stop with the ingest, whether it is interrupted or killed.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import dump

import jwlink.ingest.workers as workers
from jwlink.ingest import ingest
from jwlink.ingest.ahead import CHUNK
from jwlink.store import open_store
from jwlink.synth import generate_files

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import floor_files  # noqa: E402 - the benchmark's writer of big FITS files

_REAL = (
    "exposures/jw01075001001_03105_00009_nrca2_uncal.fits",
    "exposures/jw01075001001_03105_00009_nrca3_uncal.fits",
    "exposures_nopsf/exp_0.fits",
    "asn_examples/asn_mosaic.json",
)
_BROKEN = "jw01075001001_03105_00077_nrca2_uncal.fits"
_BUGGY = "jw01075001001_03105_00009_nrca3_uncal.fits"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("synthetic")
    generate_files(folder, seed=3, products=300)
    return folder


def _folder(data: Path, synthetic: Path, folder: Path) -> Path:
    """Synthetic small FITS files (several chunks), real inputs, a broken FITS file."""
    shutil.copytree(synthetic, folder)
    for name in _REAL:
        if not (data / name).exists():
            pytest.skip(f"{data / name} not in ../shared/data")
        shutil.copy(data / name, folder / Path(name).name)
    (folder / _BROKEN).write_bytes(b"SIMPLE  =                    T" + b" " * 2850)
    # Big files first (a folder's own files come before its subfolders'):
    # hashed on threads, which end before the workers are forked.
    floor_files.write_big_files(folder, 2, 1.2, 2.0)
    assert len(list(folder.rglob("*.fits"))) > 4 * CHUNK
    return folder


# Each ingest with workers runs in a fresh interpreter: the workers are
# forked only from a process that runs no other thread, and a test process
# may still hold one from an earlier test (a server's, a client's pool).
_CHILD = """
import json, logging, multiprocessing, sys
from pathlib import Path
import jwlink.ingest.workers as workers
from jwlink.ingest import ingest
from jwlink.ingest.run import IngestInterrupted
from jwlink.store import open_store
url, folder, options, buggy, stop_after = sys.argv[1:]
options, stop_after = json.loads(options), int(stop_after)
chunks, workers_seen = [], []
submit, read_parts = workers.Workers.submit, workers.read_parts
def counted(self, chunk):
    chunks.append(len(chunk))
    return submit(self, chunk)
def patched(path, *args):
    if path.name == buggy:
        raise RuntimeError("simulated reader bug")
    return read_parts(path, *args)
def progress(path):
    workers_seen.extend(p.pid for p in multiprocessing.active_children())
    if stop_after and len(workers_seen) >= stop_after:
        raise KeyboardInterrupt
workers.Workers.submit, workers.read_parts = counted, patched
logging.basicConfig(level=logging.ERROR)
store = open_store(url)
try:
    report, interrupted = ingest(store, [folder], progress=progress, **options), False
except IngestInterrupted as stop:
    report, interrupted = stop.report, True
store.close()
print(json.dumps({"report": report.as_dict(), "chunks": chunks, "interrupted": interrupted,
                  "workers_seen": len(set(workers_seen)),
                  "workers_after": len(multiprocessing.active_children())}))
"""


def _child(
    url: str, folder: Path, buggy: str = "", stop_after: int = 0, **options: Any
) -> tuple[dict[str, Any], str]:
    """Ingest in a fresh interpreter; return what it printed and its log."""
    argv = [url, str(folder), json.dumps(options), buggy, str(stop_after)]
    run = subprocess.run(
        [sys.executable, "-c", _CHILD, *argv],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(run.stdout), run.stderr


def _catalog(url: str) -> dict[str, Any]:
    store = open_store(url)
    try:
        rows = dump(store)
        rows["inputs"] = store.execute(
            "SELECT path, fingerprint, reader, products, links, size FROM inputs ORDER BY path"
        )
        rows["listings"] = store.execute("SELECT * FROM listings ORDER BY obs_id, position")
        return rows
    finally:
        store.close()


def test_workers_write_the_catalog_and_report_the_loop_alone_writes(
    two_urls: tuple[str, str], data: Path, synthetic: Path, tmp_path: Path
) -> None:
    folder = _folder(data, synthetic, tmp_path / "in")
    with_workers, log = _child(two_urls[0], folder, _BUGGY, processes=2, threads=0)
    assert sum(with_workers["chunks"]) > 3 * CHUNK, "the workers read no chunk"
    assert [m for p, m in _errors(with_workers["report"]) if p == _BUGGY] == [
        "unexpected RuntimeError: simulated reader bug (a jwlink bug: please report it)"
    ]
    # The worker's traceback is logged by the ingest, for the bug report.
    assert "simulated reader bug" in log and "Traceback" in log and "in a worker" in log

    # Without the bug: read again by workers (--force, on the same catalog)
    # and by the loop alone into a new one, the catalogs are the same.
    alone, _ = _child(two_urls[1], folder, processes=0, threads=0)
    assert alone["chunks"] == []
    again, _ = _child(two_urls[0], folder, processes=2, force=True)  # and hashing threads
    assert sum(again["chunks"]) > 3 * CHUNK
    gained = ("products", "links")  # the second run on a catalog gains fewer rows
    assert {k: v for k, v in again["report"].items() if k not in gained} == {
        k: v for k, v in alone["report"].items() if k not in gained
    }
    assert _catalog(two_urls[0]) == _catalog(two_urls[1])
    assert [p for p, _ in _errors(alone["report"])] == [_BROKEN]
    assert alone["report"]["ingested"] > 4 * CHUNK


def _errors(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(Path(e["path"]).name, e["error"]) for e in report["errors"]]


def test_no_worker_is_forked_beside_another_thread(
    db_url: str, data: Path, synthetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(data, synthetic, tmp_path / "in")
    started: list[bool] = []
    real = workers.Workers.start

    def start(self: workers.Workers) -> bool:
        started.append(real(self))
        return started[-1]

    monkeypatch.setattr(workers.Workers, "start", start)
    done = threading.Event()
    other = threading.Thread(target=done.wait)
    other.start()
    store = open_store(db_url)
    try:
        report = ingest(store, [folder], processes=2).as_dict()
    finally:
        store.close()
        done.set()
        other.join()
    assert started and not any(started)
    assert report["ingested"] > 4 * CHUNK
    assert multiprocessing.active_children() == []


def test_an_interrupt_stops_the_workers(
    db_url: str, data: Path, synthetic: Path, tmp_path: Path
) -> None:
    folder = _folder(data, synthetic, tmp_path / "in")
    answer, _ = _child(db_url, folder, stop_after=2, processes=2)
    assert answer["interrupted"]
    assert answer["workers_seen"] == 2
    assert answer["workers_after"] == 0


_KILLED = """
import os, signal, sys, multiprocessing
from jwlink.ingest import ingest
from jwlink.store import open_store
url, folder, pids = sys.argv[1:]
def progress(path):
    children = multiprocessing.active_children()
    if children:
        with open(pids, "w") as out:
            out.write(" ".join(str(c.pid) for c in children))
        os.kill(os.getpid(), signal.SIGKILL)
ingest(open_store(url), [folder], progress=progress, processes=2)
"""


def test_a_killed_ingest_leaves_no_worker(
    db_url: str, data: Path, synthetic: Path, tmp_path: Path
) -> None:
    if sys.platform != "linux":
        pytest.skip("workers die with their ingest through Linux's PR_SET_PDEATHSIG")
    folder = _folder(data, synthetic, tmp_path / "in")
    pids = tmp_path / "pids"
    run = subprocess.run(
        [sys.executable, "-c", _KILLED, db_url, str(folder), str(pids)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == -signal.SIGKILL, run.stderr
    workers_left = [int(pid) for pid in pids.read_text().split()]
    assert len(workers_left) == 2
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers_left):
        time.sleep(0.05)
    assert not [pid for pid in workers_left if _alive(pid)], "a worker outlived its ingest"


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie, dead but not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z" and os.path.exists(f"/proc/{pid}")

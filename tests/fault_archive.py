"""The synthetic archive and helpers the fault tests share (test_faults, test_faults_serving).

A helper module, not a test module: test files import from here, never from
each other.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import dump
from portal_server import build_archive

from jwlink.store import SqlStore, open_store

__all__ = [
    "JWLINK",
    "archive_files",
    "full_dump",
    "program_folders",
    "subset",
    "wait_for",
]

JWLINK = [sys.executable, "-m", "jwlink"]

# Tables the conftest dump leaves out but a finished ingest must agree on too.
EXTRA_TABLES = {
    "asn_members": "association, product, expname, exptype",
    "asn_outputs": "association, product, name",
    "inputs": "path",
    "program_counts": "obs_id, program",
}


def full_dump(store: SqlStore) -> dict[str, list[tuple]]:
    """Every row of every catalog table, sorted (conftest's dump plus the input records)."""
    rows = dump(store)
    for table, key in EXTRA_TABLES.items():
        rows[table] = store.execute(f"SELECT * FROM {table} ORDER BY {key}")
    return rows


def program_folders(files: Path, at_least: int) -> list[Path]:
    """Two or more program folders of a synthetic archive holding at least N files."""
    sizes = {p: sum(1 for _ in p.iterdir()) for p in files.iterdir() if p.is_dir()}
    chosen: list[Path] = []
    # Smallest programs first: several of them, few files in all.
    for folder in sorted(sizes, key=lambda p: (sizes[p], p.name)):
        if folder.name != "crds" and sum(sizes[p] for p in chosen) < at_least:
            chosen.append(folder)
    assert len(chosen) >= 2
    return sorted(chosen)


@pytest.fixture(scope="module")
def archive_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic archive the portal tests use too (made once per session)."""
    return build_archive(tmp_path_factory.getbasetemp() / "portal-archive")[1]


@pytest.fixture(scope="module")
def subset(archive_files: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """About 100 files of whole programs, and the catalog one ingest of them makes."""
    from jwlink.ingest import ingest

    inputs = program_folders(archive_files, 100)
    store = open_store(str(tmp_path_factory.mktemp("one-shot") / "catalog.db"))
    try:
        report = ingest(store, inputs)
        assert not report.errors and report.ingested == report.files
        return inputs, report.files, full_dump(store)
    finally:
        store.close()


def wait_for(client: httpx.Client, path: str, server: subprocess.Popen[bytes]) -> None:
    """Wait until a starting ``jwlink serve`` answers ``path`` with 200 (at most 60 s)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "jwlink serve exited"
        try:
            if client.get(path).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"jwlink serve did not answer {path}")

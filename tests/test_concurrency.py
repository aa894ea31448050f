# ruff: noqa: F811 - the archive_files fixture is imported, then requested by name
"""Concurrency: serving while an ingest writes, and two ingests into one PostgreSQL catalog.

Everything runs for real: ``jwlink serve`` and ``jwlink ingest`` are
separate processes on one catalog (SQLite in WAL mode, or a PostgreSQL
schema); reader threads query the server over HTTP the whole time.
"""

from __future__ import annotations

import hashlib
import random
import subprocess
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import pg_schema
from fault_archive import (  # noqa: F401 - archive_files is a fixture
    JWLINK,
    archive_files,
    full_dump,
    program_folders,
    wait_for,
)
from portal_server import free_port

from jwlink.core.model import Product
from jwlink.ingest import ingest, iter_files
from jwlink.ingest.run import classify, read_file
from jwlink.store import SqlStore, open_store

# ---------------------------------------------------------------- serving while ingesting


@dataclass
class Expected:
    """What each input file writes, by the evidence that only that file gives.

    ``links[name][evidence]`` holds ``("in"|"out", other end, kind, role)``;
    ``members[obs_id][evidence]`` holds ``(member obs_id, exptype)``.
    """

    links: dict[str, dict[str, set[tuple]]] = field(default_factory=lambda: defaultdict(dict))
    members: dict[str, dict[str, set[tuple]]] = field(default_factory=lambda: defaultdict(dict))
    files: dict[str, Path] = field(default_factory=dict)  # unique evidence -> its file


def expected_rows(paths: list[Path]) -> Expected:
    """Read every file as ingest does; keep the rows of evidence unique to one file."""
    by_evidence: dict[str, set[Path]] = defaultdict(set)
    batches = []
    for path in iter_files(paths):
        reader = classify(path)
        if reader is None:
            continue
        body = path.read_bytes()
        batch = read_file(path, reader, hashlib.sha256(body).hexdigest(), len(body))
        batches.append(batch)
        for row in (*batch.links, *batch.members):
            by_evidence[row.evidence].add(path)
    unique = {evidence for evidence, files in by_evidence.items() if len(files) == 1}
    expected = Expected()
    expected.files = {evidence: next(iter(by_evidence[evidence])) for evidence in unique}
    for batch in batches:
        for x in batch.links:
            if x.evidence in unique:
                for name, row in ((x.source, ("out", x.target)), (x.target, ("in", x.source))):
                    rows = expected.links[name].setdefault(x.evidence, set())
                    rows.add((*row, x.kind.value, x.role))
        for m in batch.members:
            if m.evidence in unique:
                rows = expected.members[m.obs_id].setdefault(m.evidence, set())
                rows.add((m.member_obs_id, m.exptype))
    return expected


def check_product(doc: dict[str, Any], expected: Expected) -> set[str]:
    """Assert a product answer holds every row of each file it shows any row of.

    Returns the evidence checked.
    """
    name = doc["product"]["name"]
    seen = {
        (way, link["source" if way == "in" else "target"], link["kind"], link["role"])
        for way in ("in", "out")
        for link in doc["links"][way]
    }
    shown = {link["evidence"] for way in ("in", "out") for link in doc["links"][way]}
    checked = shown & set(expected.links[name])
    for evidence in checked:
        missing = expected.links[name][evidence] - seen
        assert not missing, f"{name}: half of {evidence} served, missing {sorted(missing)[:3]}"
    return checked


def check_observation(doc: dict[str, Any], expected: Expected) -> set[str]:
    """Assert an observation answer holds every member of each file it shows any member of.

    Returns the evidence checked.
    """
    obs = doc["observation"]
    seen = {(m["obs_id"], m["exptype"]) for m in obs["members"]}
    checked = {m["evidence"] for m in obs["members"]} & set(expected.members[obs["obs_id"]])
    for evidence in checked:
        missing = expected.members[obs["obs_id"]][evidence] - seen
        assert not missing, f"{obs['obs_id']}: half of {evidence}, missing {sorted(missing)[:3]}"
    return checked


@dataclass
class Tally:
    """What the readers did while the ingest ran.

    ``fresh`` holds the files whose rows were checked in an answer given while
    the writer still ran, of the files only the writer ingests: the proof that
    the checks saw the ingest at work, not only the catalog it started from.
    """

    requests: int = 0
    during: int = 0
    fresh: set[Path] = field(default_factory=set)
    absent: set[str] = field(default_factory=set)
    appeared: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def hammer(
    url: str,
    paths: list[str],
    expected: Expected,
    written: set[Path],
    running: threading.Event,
    tally: Tally,
) -> None:
    """Query until the ingest ends; check every answer; note what the writer added meanwhile.

    Each reader walks the paths in its own shuffled cycle (so every path is
    asked again soon), not at random.
    """
    order = paths[:]
    random.Random(threading.get_ident()).shuffle(order)
    turn = 0
    with httpx.Client(base_url=url, timeout=60) as client:
        while running.is_set():
            path = order[turn % len(order)]
            turn += 1
            response = client.get(path)
            assert response.status_code in (200, 404), f"{path}: {response.text[:300]}"
            if response.status_code == 404:
                with tally.lock:
                    tally.absent.add(path)
                continue
            doc = response.json()
            check = check_product if "/products/" in path else check_observation
            checked = check(doc, expected)
            files = {expected.files[evidence] for evidence in checked}
            with tally.lock:
                tally.requests += 1
                tally.during += len(checked)
                if running.is_set():
                    tally.fresh |= files & written
                if path in tally.absent:
                    tally.appeared.add(path)


def _catalog(backend: str, path: Path) -> AbstractContextManager[str]:
    return pg_schema() if backend == "postgresql" else nullcontext(str(path))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_readers_never_see_half_a_file_while_an_ingest_writes(
    backend: str, archive_files: Path, tmp_path: Path
) -> None:
    folders = program_folders(archive_files, 400 if backend == "sqlite" else 100)
    first, later = folders[:1], folders[1:]
    expected = expected_rows(folders)
    written = {f for f in expected.files.values() if any(f.is_relative_to(d) for d in later)}
    names = sorted(set(expected.links) | set(expected.members))
    paths = [
        f"/api/v1/observations/{n}" if n in expected.members else f"/api/v1/products/{n}"
        for n in random.Random(3).sample(names, min(400, len(names)))
    ]
    with _catalog(backend, tmp_path / "catalog.db") as url:
        store = open_store(url)
        ingest(store, first)
        store.close()
        port = free_port()
        command = [*JWLINK, "serve", "--db", url, "--port", str(port), "--log-level", "warning"]
        server = subprocess.Popen(command, stderr=subprocess.DEVNULL)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                wait_for(client, "/api/v1/observations", server)
            running, tally = threading.Event(), Tally()
            running.set()
            with ThreadPoolExecutor(4) as pool:
                readers = [
                    pool.submit(
                        hammer, f"http://127.0.0.1:{port}", paths, expected, written, running, tally
                    )
                    for _ in range(4)
                ]
                writer = subprocess.run(
                    [*JWLINK, "ingest", *map(str, later), "--db", url],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                running.clear()
                for reader in readers:
                    reader.result()
            assert writer.returncode == 0, writer.stderr
            # Afterwards every file is whole (and the checks above were not vacuous).
            final = 0
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                for path in paths:
                    response = client.get(path)
                    assert response.status_code == 200, path
                    check = check_product if "/products/" in path else check_observation
                    final += len(check(response.json(), expected))
        finally:
            server.terminate()
            server.wait(timeout=20)
    assert tally.during > 0 and final > 0
    assert tally.fresh, "no answer held a file the running ingest wrote: the test saw no overlap"
    print(
        f"\n{backend}: {tally.requests} answers, {tally.during} file checks during the ingest,"
        f" {len(tally.fresh)} of the writer's files checked while it ran,"
        f" {len(tally.appeared)} paths seen absent then present"
    )


# ---------------------------------------------------------------- two ingesters

# Columns merged as "a later non-null value replaces" (observations merge by
# the order-free rule of jwlink.store.merge; the rest are keys).
MERGED = {
    "products": ("name", [f.name for f in fields(Product) if f.name != "name"]),
}


def disputed(paths: list[Path]) -> dict[tuple[str, str, str], set[Any]]:
    """Fields that two input files set to different values: ``(table, key, column) -> values``.

    Where inputs disagree, the value a catalog ends with depends on which
    file was written last, so two concurrent ingests may end with either.
    """
    values: dict[tuple[str, str, str], set[Any]] = defaultdict(set)
    for path in iter_files(paths):
        reader = classify(path)
        if reader is None:
            continue
        body = path.read_bytes()
        batch = read_file(path, reader, hashlib.sha256(body).hexdigest(), len(body))
        for table, rows in (("products", batch.products),):
            key, columns = MERGED[table]
            for row in rows:
                for column in columns:
                    value = getattr(row, column)
                    if value is not None:
                        values[table, getattr(row, key), column].add(getattr(value, "value", value))
    return {where: found for where, found in values.items() if len(found) > 1}


def assert_same_catalog(
    store: SqlStore, expected: dict[str, list[tuple]], reference: SqlStore, disputes: dict
) -> None:
    """Equal to the reference, except a disputed field may hold any value the inputs give."""
    got = full_dump(store)
    for table in expected:
        if table not in MERGED:
            assert got[table] == expected[table], table
    for table, (key, columns) in MERGED.items():
        select = f"SELECT {key}, {', '.join(columns)} FROM {table} ORDER BY {key}"
        ours, theirs = store.execute(select), reference.execute(select)
        assert [r[0] for r in ours] == [r[0] for r in theirs], table
        for mine, one in zip(ours, theirs, strict=True):
            for column, value, wanted in zip(columns, mine[1:], one[1:], strict=True):
                choices = disputes.get((table, mine[0], column))
                if choices is None:
                    assert value == wanted, (table, mine[0], column)
                else:
                    assert value in choices and wanted in choices, (table, mine[0], column)


def test_two_ingests_of_overlapping_inputs_make_the_catalog_of_one(
    archive_files: Path, tmp_path: Path
) -> None:
    folders = program_folders(archive_files, 120)
    reference = open_store(str(tmp_path / "one.db"))
    report = ingest(reference, folders)
    assert not report.errors
    expected = full_dump(reference)
    disputes = disputed(folders)
    # Overlapping halves; the same files in opposite orders; the same files in
    # the same order (lock-step on every row). Each round on a new schema, so
    # the two processes also race to create it.
    half = len(folders) // 2 + 1
    rounds = [
        (folders[:half], folders[half - 1 :]),
        (folders, folders[::-1]),
        (folders, folders),
    ]
    try:
        for first, second in rounds:
            with pg_schema() as url:
                runs = [
                    subprocess.Popen(
                        [*JWLINK, "ingest", *map(str, inputs), "--db", url, "--json"],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE,
                        text=True,
                    )
                    for inputs in (first, second)
                ]
                for run in runs:
                    _, err = run.communicate(timeout=300)
                    assert run.returncode == 0, err
                catalog = open_store(url, readonly=True)
                try:
                    assert_same_catalog(catalog, expected, reference, disputes)
                    assert catalog.execute("SELECT COUNT(*) FROM guide_star_queue") == [(0,)]
                    # Both refreshed what they queued: the lists kept are the one ingest's.
                    assert catalog.execute("SELECT COUNT(*) FROM listing_queue") == [(0,)]
                    kept = "SELECT * FROM listings ORDER BY obs_id, position"
                    assert catalog.execute(kept) == reference.execute(kept)
                    # And the products each observation owns per program (0012).
                    counts = "SELECT * FROM program_counts ORDER BY obs_id, program"
                    assert catalog.execute(counts) == reference.execute(counts)
                finally:
                    catalog.close()
    finally:
        reference.close()


def test_files_that_disagree_merge_the_same_in_any_order(
    archive_files: Path, tmp_path: Path
) -> None:
    """Where files disagree (an L3 observation's instrument from its association's
    name and from its header), the catalog keeps the same value in any order."""
    folders = program_folders(archive_files, 120)
    files = sorted(iter_files(folders))
    dumps = []
    for order, paths in (("sorted", files), ("reversed", files[::-1])):
        store = open_store(str(tmp_path / f"{order}.db"))
        for path in paths:  # one file at a time: the order is the file order
            ingest(store, [path])
        dumps.append(full_dump(store))
        store.close()
    assert dumps[0] == dumps[1]

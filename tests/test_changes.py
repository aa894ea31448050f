"""What changed since my download: ``jwlink check --against/--db`` and ``download --update``.

A small synthetic archive (`jwlink.synth`, real files) is ingested into a
real catalog (SQLite, PostgreSQL) and served by a real ``jwlink serve`` on
loopback. One exposure is downloaded with every product; then, upstream,
its ``_cal`` is replaced by a reprocessed copy (other data, ``CAL_VER``
raised) and ingested again, a new product of the exposure is ingested, and
its ``_rate`` is withdrawn from the catalog. The folder must report exactly
those three, and an update must fetch the changed and the new file alone.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from api_archive import Archive, Server, free_port, running_server
from astropy.io import fits
from click.testing import CliRunner
from conftest import pg_schema

from jwlink.cli import main
from jwlink.download.record import RECORD
from jwlink.download.update import OLD
from jwlink.ingest import ingest
from jwlink.query.catalog import Catalog
from jwlink.store import open_store
from jwlink.synth.run import generate_files

REPROCESSED = "9.9.9"  # CAL_VER of the upstream copy; the synthesizer writes another


@dataclass
class Story:
    """The archive, its server, the downloaded folders and what changed upstream."""

    archive: Archive
    server: Server
    exposure: str
    dest: Path  # the download, updated by the tests in order
    spare: Path  # a copy of the download, for --replace
    other: Path  # a copy of the download, for --db
    local: Path  # a copy of the download, updated from the catalog and data root
    before: dict[str, tuple[int, int]]  # relative path -> (inode, mtime_ns) after the download
    old_cal: bytes
    changed: str
    new: str
    gone: str


def jwlink(*args: str) -> tuple[int, dict[str, Any]]:
    """Run ``jwlink ... --json`` in process: exit code and the JSON on stdout."""
    result = CliRunner().invoke(main, [*args, "--json"], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


def _stats(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file() and not p.relative_to(folder).as_posix().startswith(".")
    }


def _public_exposure(db_url: str) -> str:
    """A public NIRCam imaging exposure of the archive with its cal and rate held."""
    store = open_store(db_url, readonly=True)
    try:
        rows = store.execute(
            "SELECT obs_id FROM observations WHERE exp_type = 'NRC_IMAGE' AND calib_level = 2 "
            "ORDER BY obs_id"
        )
    finally:
        store.close()
    with Catalog(db_url, readonly=True) as catalog:
        for (obs_id,) in rows:
            cal = catalog.product(f"{obs_id}_cal.fits")
            if cal["data_rights"] == "PUBLIC" and cal["present"]:
                return str(obs_id)
    pytest.fail("the synthetic archive has no public NIRCam imaging exposure")


def _reprocess(path: Path, name: str) -> None:
    """Write a reprocessed copy of a FITS product: other pixels, a later CAL_VER."""
    with fits.open(path) as hdus:
        copy = fits.HDUList([hdu.copy() for hdu in hdus])
    copy[0].header["CAL_VER"] = REPROCESSED
    copy[0].header["FILENAME"] = name
    copy[1].data = np.asarray(copy[1].data) + 1
    copy.writeto(path.with_name(name + ".tmp"))
    path.with_name(name + ".tmp").replace(path.with_name(name))


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("synth") / "files"
    generate_files(folder, seed=3, products=60)
    return folder


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def story(
    request: pytest.FixtureRequest, synthetic: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Story]:
    root = tmp_path_factory.mktemp(f"changes-{request.param}")
    data = root / "data"
    shutil.copytree(synthetic, data)
    tokens = root / "tokens.txt"
    tokens.write_text("# no tokens: every caller is anonymous\n")
    with ExitStack() as stack:
        db_url = (
            str(root / "catalog.db")
            if request.param == "sqlite"
            else stack.enter_context(pg_schema())
        )
        store = open_store(db_url)
        try:
            assert not ingest(store, [data]).errors
        finally:
            store.close()
        archive = Archive(db_url, data, tokens, request.param)
        server = stack.enter_context(running_server(archive, root))
        exposure = _public_exposure(db_url)
        dest = root / "download"
        code, report = jwlink("download", exposure, "--no-mrp", "--server", server.url,
                              "--dest", str(dest))  # fmt: skip
        assert code == 0 and report["ok"], report["summary"]
        spare, other, local = root / "spare", root / "other", root / "local"
        for copy in (spare, other, local):
            shutil.copytree(dest, copy)
        before = _stats(dest)
        changed, new, gone = (f"{exposure}_cal.fits", f"{exposure}_o002_crf.fits",
                              f"{exposure}_rate.fits")  # fmt: skip
        cal = next(data.rglob(changed))
        old_cal = cal.read_bytes()
        # Upstream: the cal reprocessed and ingested again, a new product, the rate withdrawn.
        _reprocess(cal, changed)
        shutil.copy(cal, cal.with_name(new))
        _reprocess(cal.with_name(new), new)
        store = open_store(db_url)
        try:
            assert not ingest(store, [cal, cal.with_name(new)]).errors
            with store.transaction():
                store.execute("DELETE FROM links WHERE source = ? OR target = ?", (gone, gone))
                store.execute("DELETE FROM products WHERE name = ?", (gone,))
        finally:
            store.close()
        next(data.rglob(gone)).unlink()
        yield Story(archive, server, exposure, dest, spare, other, local, before, old_cal,
                    changed, new, gone)  # fmt: skip


def _names(items: list[dict[str, Any]]) -> list[str]:
    return sorted(item["name"] for item in items)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fetched(server: Server, since: int) -> list[str]:
    """The file names the server was asked for after byte ``since`` of its log."""
    lines = server.logs()[since:].splitlines()
    return sorted(
        line.split("/api/v1/files/")[1].split()[0] for line in lines if "/api/v1/files/" in line
    )


def test_the_download_recorded_its_selection(story: Story) -> None:
    record = json.loads((story.spare / RECORD).read_text())
    assert record["selections"] == [
        {"obs_ids": [story.exposure], "names": [], "mrp": False, "flat": False}
    ]
    assert record["files"] == sorted(Path(p).name for p in story.before)


def test_check_against_the_server_says_what_changed(story: Story) -> None:
    code, report = jwlink("check", str(story.dest), "--against", story.server.url)
    changes = report["changes"]
    assert code == 1 and not changes["same"]
    assert _names(changes["changed"]) == [story.changed]
    changed = changes["changed"][0]
    assert changed["why"] == ["sha256", "prvversion"]
    assert changed["sha256"] == _sha(story.old_cal)
    assert changed["archive_sha256"] == _sha(
        next(story.archive.data_root.rglob(story.changed)).read_bytes()
    )
    # The versions as the FITS headers hold them, read here with astropy.
    local = story.dest / changed["path"]
    assert changed["prvversion"] == fits.getheader(local)["CAL_VER"] != REPROCESSED
    assert changed["archive_prvversion"] == REPROCESSED
    assert _names(changes["new"]) == [story.new] and changes["new"][0]["status"] == "OK"
    assert _names(changes["gone"]) == [story.gone] and changes["unchecked"] == []
    assert changes["counts"]["unchanged"] == len(story.before) - 2
    text = CliRunner().invoke(main, ["check", str(story.dest), "--against", story.server.url])
    assert text.exit_code == 1
    assert "1 changed, 1 new, 1 gone" in text.output
    assert f"gone      {changes['gone'][0]['path']}" in text.output


def test_update_fetches_the_changed_and_new_files_alone(story: Story) -> None:
    since = len(story.server.logs())
    code, report = jwlink("download", "--update", "--server", story.server.url,
                          "--dest", str(story.dest))  # fmt: skip
    assert code == 0 and report["ok"], report["summary"]
    assert _names(report["files"]) == sorted([story.changed, story.new])
    assert _fetched(story.server, since) == sorted([story.changed, story.new])
    after = _stats(story.dest)
    for path, stat in story.before.items():
        if not path.endswith(story.changed):
            assert after[path] == stat, f"{path} was touched"
    data = story.archive.data_root
    for name in (story.changed, story.new):
        placed = next(p for p in after if p.endswith(name))
        assert (story.dest / placed).read_bytes() == next(data.rglob(name)).read_bytes()
    kept = list((story.dest / OLD).rglob(story.changed))
    assert len(kept) == 1 and kept[0].read_bytes() == story.old_cal
    assert kept[0].parent.relative_to(story.dest / OLD).parts[0] == _sha(story.old_cal)[:8]
    # The gone file is left in place and still reported; nothing else differs.
    code, again = jwlink("check", str(story.dest), "--against", story.server.url)
    assert code == 1 and again["changes"]["counts"] == {
        "files": len(story.before) + 1, "unchanged": len(story.before),
        "changed": 0, "new": 0, "gone": 1, "unchecked": 0, "unlisted": 0,
    }  # fmt: skip


def test_update_replace_resumes_a_part_and_keeps_no_copy(story: Story) -> None:
    new_file = next(story.archive.data_root.rglob(story.new)).read_bytes()
    folder = story.spare / "JWST" / story.exposure
    (folder / f".{story.new}.jwlink-part").write_bytes(new_file[:1000])  # an interrupted update
    since = len(story.server.logs())
    code, report = jwlink("download", "--update", "--replace", "--server", story.server.url,
                          "--dest", str(story.spare))  # fmt: skip
    assert code == 0, report["summary"]
    statuses = {f["name"]: f["status"] for f in report["files"]}
    assert statuses == {story.changed: "downloaded", story.new: "resumed"}
    assert (folder / story.new).read_bytes() == new_file
    assert not (story.spare / OLD).exists() and not list(folder.glob(".*jwlink-part"))
    assert f'GET /api/v1/files/{story.new} HTTP/1.1" 206' in story.server.logs()[since:]


def test_a_file_the_archive_never_listed_is_not_gone(story: Story) -> None:
    (story.spare / "my-notes.txt").write_text("mine, not the archive's\n")
    code, report = jwlink("check", str(story.spare), "--against", story.server.url)
    changes = report["changes"]
    assert changes["unlisted"] == ["my-notes.txt"] and _names(changes["gone"]) == [story.gone]
    assert code == 1 and changes["summary"].endswith(": 1 gone")


def test_update_from_the_catalog_and_data_root(story: Story) -> None:
    archive = story.archive
    source = ("--db", archive.db_url, "--data-root", str(archive.data_root))
    code, report = jwlink("download", "--update", *source, "--dest", str(story.local))
    assert code == 0, report["summary"]
    assert _names(report["files"]) == sorted([story.changed, story.new])
    assert _names(report["changes"]["gone"]) == [story.gone]
    for name in (story.changed, story.new):
        placed = next(p for p in story.local.rglob(name) if OLD not in p.parts)
        assert placed.read_bytes() == next(archive.data_root.rglob(name)).read_bytes()
    assert [p.read_bytes() for p in (story.local / OLD).rglob(story.changed)] == [story.old_cal]


def test_unreachable_server_is_an_error(story: Story) -> None:
    result = CliRunner().invoke(
        main, ["check", str(story.other), "--against", f"http://127.0.0.1:{free_port()}"]
    )
    assert result.exit_code == 1 and "Cannot reach" in result.output


def test_check_against_the_catalog_says_the_same(story: Story) -> None:
    only = ("--changes-only",)
    # Last: without --changes-only, check --db ingests the folder into the catalog.
    for extra in (only, only, ()):
        code, report = jwlink("check", str(story.other), "--db", story.archive.db_url, *extra)
        changes = report if extra else report["changes"]
        assert code == 1
        assert _names(changes["changed"]) == [story.changed]
        assert changes["changed"][0]["why"] == ["sha256", "prvversion"]
        assert _names(changes["new"]) == [story.new] and _names(changes["gone"]) == [story.gone]
        assert changes["against"] != story.server.url


def _fits_with_version(path: Path, version: str | None, seed: int) -> None:
    hdu = fits.PrimaryHDU(np.random.default_rng(seed).normal(size=16).astype(">f4"))
    hdu.header["FILENAME"] = path.name
    hdu.header["TELESCOP"] = "JWST"
    if version is not None:
        hdu.header["CAL_VER"] = version
    hdu.writeto(path)


def test_the_version_decides_only_without_a_checksum(db_url: str, tmp_path: Path) -> None:
    """No SHA-256 in the catalog: a differing version is a change, anything else unchecked."""
    exposure = "jw01234001001_02101_00001_nrca"
    upstream, folder = tmp_path / "upstream", tmp_path / "folder"
    upstream.mkdir()
    names = {f"{exposure}{d}_cal.fits": v for d, v in ((1, "1.0"), (2, "1.0"), (3, None))}
    for seed, (name, version) in enumerate(names.items()):
        _fits_with_version(upstream / name, version, seed)
    store = open_store(db_url)
    try:
        assert not ingest(store, [upstream]).errors
        with store.transaction():
            store.execute("UPDATE products SET sha256 = NULL")
            newer = ("2.0", f"{exposure}1_cal.fits")
            store.execute("UPDATE products SET prvversion = ? WHERE name = ?", newer)
    finally:
        store.close()
    shutil.copytree(upstream, folder)
    code, changes = jwlink("check", str(folder), "--db", db_url, "--changes-only")
    assert code == 1
    assert [(c["name"], c["why"]) for c in changes["changed"]] == [
        (f"{exposure}1_cal.fits", ["prvversion"])
    ]
    assert changes["changed"][0]["prvversion"] == "1.0"
    assert changes["changed"][0]["archive_prvversion"] == "2.0"
    unchecked = {u["name"]: u["why"] for u in changes["unchecked"]}
    assert unchecked == {
        f"{exposure}2_cal.fits": "the archive records no SHA-256; prvversion agrees (1.0)",
        f"{exposure}3_cal.fits": "the archive records no SHA-256",
    }
    assert changes["new"] == [] and changes["gone"] == []

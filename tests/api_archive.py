"""A small served archive for the HTTP tests, built from real associations and pools.

Programs 87800 (NIRISS, public) and 09505 (MIRI, exclusive access until
2099, one product already released) from ../shared/data, plus files written
here: real FITS (astropy) for science products, a reference file and a
guide-star product, an ECSV catalog, JPEG previews. A helper module, not a
test module: test_api_archive checks the archive itself; the HTTP test
modules import `Archive`, the `archive` and `server` fixtures, `running_server`
and `client_for` from here; other archives' modules reuse `catalog_for` (one
build on either backend) and `shared` (one archive per session).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from astropy.io import fits
from conftest import need_data, pg_schema
from portal_server import free_port, started

from jwlink.api.access import token_line
from jwlink.core import linker
from jwlink.core.model import Batch, FoundFile, Kind, Link
from jwlink.ingest import ingest
from jwlink.store import open_store

L3 = "jw87800-o017_t002_niriss_clear-f200w"
EXPOSURE = "jw87800017001_02101_00001_nis"
EXPOSURE2 = "jw87800017001_02103_00001_nis"
I2D = f"{L3}_i2d.fits"
CAT = f"{L3}_cat.ecsv"
PREVIEW = f"{L3}_i2d.jpg"
THUMB = f"{L3}_i2d_thumb.jpg"
CAL = f"{EXPOSURE}_cal.fits"
RATE = f"{EXPOSURE}_rate.fits"
REFERENCE = "jwst_niriss_flat_0277.fits"
GUIDE = "jw87800017001_gs-fg_2018101010101_cal.fits"
SECRET_L3 = "jw09505-o001_t001_miri_f560w"
SECRET_I2D = f"{SECRET_L3}_i2d.fits"
RELEASED_CAT = f"{SECRET_L3}_cat.ecsv"
SPEC3_ASN = "jw99009-o021_20250101t000000_spec3_00001_asn.json"
PER_SOURCE = tuple(f"jw99009-o021_s0000{i}_nirspec_f100lp-g140h_x1d.fits" for i in (1, 2))
TOKEN_9505 = "tok-alice-9505-Zq8xW3"
TOKEN_OTHER = "tok-bob-01234-Pk2mN7"
TOKEN_ALL = "tok-staff-all-Hy6tR1"


@dataclass
class Archive:
    """Where the test archive lives."""

    db_url: str
    data_root: Path
    tokens: Path
    backend: str

    def path_of(self, name: str) -> Path:
        """The file of a product on disk."""
        return next(self.data_root.rglob(name))


def _fits(path: Path, values: int, seed: int) -> None:
    data = np.random.default_rng(seed).normal(size=values).astype(">f4")
    hdu = fits.PrimaryHDU(data)
    hdu.header["FILENAME"] = path.name
    hdu.header["TELESCOP"] = "JWST"
    hdu.writeto(path)


def _jpeg(path: Path, size: int) -> None:
    body = bytes((i * 7 + len(path.name)) % 256 for i in range(size))
    path.write_bytes(b"\xff\xd8\xff\xe0" + body + b"\xff\xd9")


def _ecsv(path: Path, rows: int) -> None:
    lines = [
        "# %ECSV 1.0",
        "# ---",
        "# datatype:",
        "# - {name: id, datatype: int64}",
        "# - {name: flux, datatype: float64}",
        "id flux",
    ]
    lines += [f"{i} {i * 0.5:.2f}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")


def _register(store, path: Path) -> None:
    import hashlib

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    found = FoundFile(path.name, str(path.resolve()), path.stat().st_size, digest)
    store.write(linker.link_file(found), fingerprint=digest, reader="file")


def build_archive(root: Path, db_url: str, backend: str) -> Archive:
    """Write the data root, ingest it into ``db_url`` and write the token file."""
    data = need_data()
    data_root = root / "data"
    for program in ("87800", "09505"):
        folder = data_root / f"asn{program}"
        folder.mkdir(parents=True)
        for asn in sorted((data / "generated_asn" / f"from_jw{program}_pool").glob("*.json")):
            shutil.copy(asn, folder / asn.name)
    spec3 = data_root / "asn99009"
    spec3.mkdir()
    shutil.copy(data / "generated_asn" / "from_mega_pool" / SPEC3_ASN, spec3 / SPEC3_ASN)
    (data_root / "pools").mkdir()
    for pool in ("jw87800_20180412T163456_pool.csv", "jw09505_20251216t202003_pool.csv"):
        shutil.copy(data / "pools" / pool, data_root / "pools" / pool)
    files = data_root / "files"
    files.mkdir()
    _ecsv(files / CAT, 300)
    _ecsv(files / RELEASED_CAT, 40)
    _jpeg(files / PREVIEW, 30_000)
    _jpeg(files / THUMB, 2_000)
    products = data_root / "products"
    products.mkdir()
    sizes = {
        I2D: 120_000,
        f"{L3}_segm.fits": 20_000,
        CAL: 50_000,
        RATE: 40_000,
        f"{EXPOSURE}_uncal.fits": 60_000,
        f"{EXPOSURE2}_cal.fits": 50_000,
        f"{EXPOSURE2}_rate.fits": 40_000,
        SECRET_I2D: 30_000,
        f"{SECRET_L3}_segm.fits": 5_000,
        REFERENCE: 10_000,
        GUIDE: 8_000,
        **{name: 3_000 for name in PER_SOURCE},
    }
    for seed, (name, values) in enumerate(sorted(sizes.items())):
        _fits(products / name, values, seed)
    store = open_store(db_url)
    try:
        report = ingest(
            store,
            [data_root / "asn87800", data_root / "asn09505", spec3, data_root / "pools", files],
        )
        assert not report.errors, report.errors
        for path in sorted(products.iterdir()):
            _register(store, path)
        refs = [
            Link(
                REFERENCE,
                f"{e}_cal.fits",
                Kind.CONTRIBUTING,
                "reference:flat",
                "test:header R_FLAT",
            )
            for e in (EXPOSURE, EXPOSURE2)
        ]
        store.write(Batch(source="test:references", links=refs))
        store.link_guide_stars(["jw87800017001"])
        _describe(store, root)
    finally:
        store.close()
    tokens = root / "tokens.txt"
    tokens.write_text(
        "# test tokens\n"
        + token_line(TOKEN_9505, ["9505"], "alice")
        + "\n"
        + token_line(TOKEN_OTHER, ["1234"], "bob")
        + "\n"
        + token_line(TOKEN_ALL, ["*"], "staff")
        + "\n"
    )
    return Archive(db_url, data_root, tokens, backend)


# What MAST's tables say of the two programs: positions and times of every
# observation, program 09505 exclusive until 2099 (its observations, and its
# files in a product list), one of its files already released (an MJD).
_PLACES = {"87800": (150.1, 2.2, 58220.1, 58220.2), "09505": (359.995, -30.0, 60660.5, 60660.6)}
_EXCLUSIVE_FILES = {SECRET_I2D: "2099-01-01", f"{SECRET_L3}_segm.fits": "2099-01-01",
                    RELEASED_CAT: "58849.0"}  # fmt: skip


def _describe(store, root: Path) -> None:
    """Ingest MAST's observation and product tables of the two programs (rights, places)."""
    from astropy.table import MaskedColumn, Table

    obs_ids = [
        (obs_id, program)
        for obs_id, program in store.execute("SELECT obs_id, program FROM observations")
        if program in _PLACES
    ]
    exclusive = [program == "09505" for _obs_id, program in obs_ids]
    observations = Table()
    observations["obs_collection"] = ["JWST"] * len(obs_ids)
    observations["obs_id"] = [obs_id for obs_id, _program in obs_ids]
    for index, column in enumerate(("s_ra", "s_dec", "t_min", "t_max")):
        observations[column] = [_PLACES[program][index] for _obs_id, program in obs_ids]
    observations["dataRights"] = MaskedColumn(
        ["EXCLUSIVE_ACCESS" if e else "" for e in exclusive], mask=[not e for e in exclusive]
    )
    observations["t_obs_release"] = MaskedColumn(
        ["2099-01-01" if e else "" for e in exclusive], mask=[not e for e in exclusive]
    )
    tables = root / "mast"
    tables.mkdir()
    observations.write(tables / "observations_87800_09505.ecsv", format="ascii.ecsv")
    products = Table()
    products["productFilename"] = sorted(_EXCLUSIVE_FILES)
    products["proposal_id"] = ["9505"] * len(_EXCLUSIVE_FILES)
    products["dataRights"] = ["EXCLUSIVE_ACCESS"] * len(_EXCLUSIVE_FILES)
    products["t_obs_release"] = [_EXCLUSIVE_FILES[n] for n in sorted(_EXCLUSIVE_FILES)]
    products.write(tables / "mast_products_jw09505.csv", format="ascii.csv")
    report = ingest(store, [tables])
    assert not report.errors and report.ingested == 2, report


@contextmanager
def catalog_for(
    backend: str, root: Path, build: Callable[[Path, str, str], Archive]
) -> Iterator[Archive]:
    """``build(root, db_url, backend)`` on a SQLite file in ``root`` or a new PostgreSQL schema."""
    if backend == "sqlite":
        yield build(root, str(root / "catalog.db"), backend)
        return
    with pg_schema() as url:
        yield build(root, url, backend)


def archive_for(backend: str, root: Path) -> AbstractContextManager[Archive]:
    """This module's archive on SQLite or in a fresh PostgreSQL schema."""
    return catalog_for(backend, root, build_archive)


@dataclass
class Server:
    """A running ``jwlink serve`` process."""

    url: str
    process: subprocess.Popen
    log: Path

    def logs(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def running_server(archive: Archive, log_dir: Path) -> Iterator[Server]:
    """Run ``jwlink serve`` on a free loopback port until the block ends."""
    port = free_port()
    log = log_dir / f"serve-{port}.log"
    command = [
        sys.executable,
        "-m",
        "jwlink",
        "serve",
        "--port",
        str(port),
        "--db",
        archive.db_url,
        "--data-root",
        str(archive.data_root),
        "--tokens",
        str(archive.tokens),
        "--log-level",
        "debug",
    ]
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with started(command, url, probe="/openapi.json", env=env, log=log, what="jwlink serve") as p:
        yield Server(url, p, log)


@contextmanager
def client_for(archive: Archive, data_root: bool = True, tokens: bool = True) -> Iterator[Any]:
    """An in-process client of the application serving the archive."""
    from fastapi.testclient import TestClient

    from jwlink.app import create_app

    app = create_app(
        archive.db_url, archive.data_root if data_root else None, archive.tokens if tokens else None
    )
    with TestClient(app) as client:
        yield client


def assert_envelope(response: Any, status: int) -> dict[str, Any]:
    """The one JSON error shape, with the HTTP status inside."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert body["errors"] and body["errors"][0] == body["error"]
    return body


# One archive and one server per backend for the whole session: every module
# that imports these fixtures shares them (the tests only read the archive).
# rights_catalog.py keeps its own archives here too, under keys of its own.
_SHARED: dict[tuple[str, str], Any] = {}


def shared(config: pytest.Config, key: tuple[str, str], make: Any) -> Any:
    """Enter the context ``make()`` once per session and ``key``; leave it when the session ends."""
    if not _SHARED:
        stack = ExitStack()
        config.add_cleanup(stack.close)
        _SHARED[("stack", "")] = stack
    if key not in _SHARED:
        _SHARED[key] = _SHARED[("stack", "")].enter_context(make())
    return _SHARED[key]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def archive(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Archive:
    backend = request.param
    return shared(
        request.config,
        ("archive", backend),
        lambda: archive_for(backend, tmp_path_factory.mktemp(f"archive-{backend}")),
    )


@pytest.fixture(scope="module")
def server(
    archive: Archive, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Server:
    return shared(
        request.config,
        ("server", archive.backend),
        lambda: running_server(archive, tmp_path_factory.mktemp("server")),
    )

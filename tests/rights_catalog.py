# ruff: noqa: F811 - the fixtures are imported, then requested by name
"""An observation's rights follow its products, and every surface says the same.

The catalog, fixtures and helpers of test_rights_surfaces and test_names_resolve (a
helper module: test files import from here, never from each other).

The catalog is the real program 87800 (pool and associations from
../shared/data) plus a MAST product table written here, as the demo's
archives carry them: rights and ``t_obs_release`` on the products only, the
observations saying nothing. One exposure has exclusive products not yet
released (two dates, one an MJD as MAST writes it), one has exclusive
products already released, one is public; the program's other observations
hold products with no rights of their own, which take the program's (as
downloads decide). The CLI, the native API, astroquery's
``query_criteria``/``query_region``, DataLink and the portal must all agree
with the downloads' own verdict, on SQLite and PostgreSQL.

`rights_archive` and `rights_seen` are shared with ``test_names_resolve``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from api_archive import Archive, Server, catalog_for, running_server, shared
from astropy.io import fits
from conftest import need_data

from jwlink.api.access import is_public
from jwlink.core.model import obsid_for
from jwlink.ingest import ingest
from jwlink.query.catalog import Catalog
from jwlink.query.selection import files_by_name
from jwlink.store import open_store

PROGRAM = "87800"
EXCL_OBS = "jw87800017001_02102_00001_nis"  # exclusive until 2100-01-01 (the later of two)
RELEASED_OBS = "jw87800017001_02102_00002_nis"  # exclusive products, released in 2020
PUBLIC_OBS = "jw87800017001_02102_00003_nis"  # public products, released 2019-05-01
INHERITING_OBS = "jw87800-o017_t002_niriss_clear-f200w"  # no rights: the program's
EXCL_RELEASE = "2100-01-01T00:00:00"  # MJD 88069 in the table
REFERENCE = "jwst_niriss_dark_0171.fits"  # named by R_DARK as crds://...
CAL = f"{EXCL_OBS}_cal.fits"
RIGHTS = {
    # product: (dataRights, t_obs_release as the table writes it)
    f"{EXCL_OBS}_uncal.fits": ("EXCLUSIVE_ACCESS", "2098-06-01"),
    f"{EXCL_OBS}_rate.fits": ("EXCLUSIVE_ACCESS", "88069.0"),
    CAL: ("PUBLIC", "2019-05-01"),
    **{f"{RELEASED_OBS}_{s}.fits": ("EXCLUSIVE_ACCESS", "2020-01-01") for s in ("uncal", "rate")},
    f"{RELEASED_OBS}_cal.fits": ("PUBLIC", "2019-05-01"),
    **{f"{PUBLIC_OBS}_{s}.fits": ("PUBLIC", "2019-05-01") for s in ("uncal", "rate", "cal")},
}
EXPECTED = {
    EXCL_OBS: ("EXCLUSIVE_ACCESS", EXCL_RELEASE),
    RELEASED_OBS: ("PUBLIC", "2020-01-01"),
    PUBLIC_OBS: ("PUBLIC", "2019-05-01"),
    INHERITING_OBS: ("EXCLUSIVE_ACCESS", EXCL_RELEASE),
}
POSITION = (210.5, -12.25)


def _table(path: Path) -> None:
    """Write a MAST product table (CSV, astroquery's column names) for the products above."""
    lines = ["obsID,obs_id,productFilename,productType,proposal_id,dataRights,t_obs_release"]
    for name, (rights, release) in sorted(RIGHTS.items()):
        obs_id = name.rsplit("_", 1)[0]
        obsid = obsid_for(obs_id)
        lines.append(f"{obsid},{obs_id},{name},SCIENCE,{PROGRAM},{rights},{release}")
    path.write_text("\n".join(lines) + "\n")


def _header(path: Path) -> None:
    """Write a FITS file whose header names its dark as CRDS writes it (``crds://``)."""
    hdu = fits.PrimaryHDU(np.zeros(4, dtype=">f4"))
    hdu.header["FILENAME"] = path.name
    hdu.header["TELESCOP"] = "JWST"
    hdu.header["R_DARK"] = f"crds://{REFERENCE}"
    hdu.writeto(path)


def build(root: Path, db_url: str, backend: str) -> Archive:
    """Ingest the real program 87800 and the product table; write an empty token file."""
    data = need_data()
    files = root / "data"
    files.mkdir(parents=True)
    _table(files / "mast_products_jw87800.csv")
    _header(files / CAL)
    inputs = [
        data / "generated_asn/from_jw87800_pool",
        data / "pools/jw87800_20180412T163456_pool.csv",
        files,
    ]
    store = open_store(db_url)
    try:
        report = ingest(store, inputs)
        assert not report.errors, report.errors
        with store.transaction():  # positions, so a cone finds them (no reader here gives one)
            store.execute(
                "UPDATE observations SET s_ra = ?, s_dec = ? WHERE program = ?",
                (*POSITION, PROGRAM.zfill(5)),
            )
    finally:
        store.close()
    tokens = root / "tokens.txt"
    tokens.write_text("# no tokens\n")
    return Archive(db_url, files, tokens, backend)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def rights_archive(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Archive:
    backend = request.param
    return shared(
        request.config,
        ("rights-archive", backend),
        lambda: catalog_for(backend, tmp_path_factory.mktemp(f"rights-{backend}"), build),
    )


@pytest.fixture(scope="module")
def rights_server(
    rights_archive: Archive,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Server:
    return shared(
        request.config,
        ("rights-server", rights_archive.backend),
        lambda: running_server(rights_archive, tmp_path_factory.mktemp("rights-server")),
    )


SCRIPT = r"""
import json, sys
from pathlib import Path
from astropy.coordinates import SkyCoord
import astropy.units as u
from astroquery.exceptions import RemoteServiceError
from astroquery.mast import Observations

out, obs_ids, ra, dec, product, reference = sys.argv[1:7]
obs_ids = obs_ids.split(",")
result = {}

def rows(table):
    return {str(r["obs_id"]): [str(r["dataRights"]), str(r["t_obs_release"])] for r in table}

result["criteria"] = rows(Observations.query_criteria(obs_id=obs_ids))
result["region"] = rows(Observations.query_region(SkyCoord(float(ra), float(dec), unit="deg"),
                                                  radius=0.01 * u.deg))
exclusive = Observations.query_criteria(proposal_id="87800", dataRights="EXCLUSIVE_ACCESS")
result["exclusive"] = sorted(str(v) for v in exclusive["obs_id"])
public = Observations.query_criteria(proposal_id="87800", dataRights="public")
result["public"] = sorted(str(v) for v in public["obs_id"])
# names: the criteria forgive case and blanks; get_product_list takes obsids and names
shouted = Observations.query_criteria(obs_id=" " + obs_ids[0].upper() + " ")
result["shouted"] = [str(v) for v in shouted["obs_id"]]
one = Observations.query_criteria(obs_id=obs_ids[0])
obsid = str(one["obsid"][0])
result["by_obsid"] = sorted(str(v) for v in Observations.get_product_list(obsid)["productFilename"])
result["by_row"] = sorted(str(v) for v in Observations.get_product_list(one)["productFilename"])
for key, name in (("by_obs_id", obs_ids[0].upper()), ("by_uri", "mast:JWST/product/" + product)):
    listed = Observations.get_product_list(name)
    result[key] = sorted(str(v) for v in listed["productFilename"])
try:
    Observations.get_product_list(obs_ids[0][:-3] + "nsi")
    result["misspelled"] = "answered"
except RemoteServiceError as err:
    result["misspelled"] = str(err)
Path(out).write_text(json.dumps(result))
"""


@pytest.fixture(scope="module")
def rights_seen(
    rights_archive: Archive, rights_server: Server, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """Run unmodified astroquery against the server once per backend; return what it saw."""
    pytest.importorskip("astroquery")
    home = tmp_path_factory.mktemp("rights-astroquery")
    (home / "config" / "astropy").mkdir(parents=True)
    config = f"[mast]\nserver = {rights_server.url}\n"
    (home / "config" / "astropy" / "astroquery.cfg").write_text(config)
    (home / "cache").mkdir()
    script = home / "drive.py"
    script.write_text(SCRIPT)
    out = home / "result.json"
    env = {**os.environ, "XDG_CONFIG_HOME": str(home / "config"),
           "XDG_CACHE_HOME": str(home / "cache"), "HOME": str(home)}  # fmt: skip
    obs_ids = ",".join(EXPECTED)
    args = [sys.executable, str(script), str(out), obs_ids, *map(str, POSITION), CAL, REFERENCE]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, cwd=home)
    logs = rights_server.logs()[-3000:]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:] + logs
    seen: dict[str, Any] = json.loads(out.read_text())
    return seen


def downloads_verdict(archive: Archive) -> dict[str, bool]:
    """For every observation: does any of its own files refuse an anonymous download?"""
    with Catalog(archive.db_url, readonly=True) as catalog:
        owned: dict[str, list[str]] = {}
        for name, obs_id in catalog.store.execute(
            "SELECT name, obs_id FROM products WHERE obs_id IS NOT NULL"
        ):
            owned.setdefault(obs_id, []).append(name)
        obs_ids = [r[0] for r in catalog.store.execute("SELECT obs_id FROM observations")]
        verdict = {}
        for obs_id in obs_ids:
            facts = files_by_name(catalog.store, owned.get(obs_id, [])).values()
            verdict[obs_id] = any(not is_public(f.data_rights, f.release_date) for f in facts)
    return verdict


# ---------------------------------------------------------------- the library and the CLI


# ---------------------------------------------------------------- HTTP surfaces

# ruff: noqa: F811 - the archive fixture is imported, then requested by name
"""One completeness: ``jwlink check DIR`` and ``POST /api/v1/completeness`` agree.

The same folder is checked on disk by the CLI (which ingests it into a
catalog) and by name through a real server of that catalog: both answers
come from one comparison (`jwlink.query.completeness.compare`), so the
present, missing, extra, not-held and MRP sets must be the same.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import httpx
from api_archive import (  # noqa: F401 - archive is a fixture
    I2D,
    SECRET_I2D,
    TOKEN_9505,
    Archive,
    archive,
    client_for,
    running_server,
)
from astropy.io import fits
from click.testing import CliRunner

from jwlink.api.access import token_line
from jwlink.cli import main
from jwlink.readers import read_association
from jwlink.store import open_store

FROM_POOL = "generated_asn/from_jw87800_pool"
ASN = f"{FROM_POOL}/jw87800-o017_20250101t000000_image3_00001_asn.json"
POOL = "pools/jw87800_20180412T163456_pool.csv"


def _fits(path: Path) -> None:
    header = fits.Header()
    header["FILENAME"] = path.name
    header["PROGRAM"] = "87800"
    fits.PrimaryHDU(header=header).writeto(path)


def _folder(root: Path, data: Path) -> Path:
    """An image3 download missing one member, with its pool, a preview and a stray file."""
    root.mkdir()
    shutil.copy(data / ASN, root)
    shutil.copy(data / POOL, root)
    asn = read_association(data / ASN)
    name = asn.products[0].name
    for member in asn.products[0].members[1:]:  # the first member is not downloaded
        _fits(root / member.expname)
    _fits(root / f"{name}_i2d.fits")
    (root / f"{name}_i2d.jpg").write_bytes(b"\xff\xd8\xff\xd9")
    (root / f"{name}_cat.ecsv").write_text("# %ECSV 1.0\n# ---\n# datatype: []\n")
    (root / "notes.txt").write_text("my own notes\n")
    return root


def _names(entries: list[dict[str, Any]]) -> set[str]:
    return {e["name"] for e in entries}


def _extra(entries: list[str]) -> set[str]:
    return {Path(e).name for e in entries}


def test_the_cli_and_the_api_give_one_answer(db_url: str, tmp_path: Path, data: Path) -> None:
    root = _folder(tmp_path / "download", data)
    open_store(db_url).close()  # check --db reads a catalog, it makes none
    result = CliRunner().invoke(main, ["check", str(root), "--json", "--db", db_url])
    assert result.exit_code == 1, result.output  # incomplete: a member is missing
    cli = json.loads(result.output)
    tokens = tmp_path / "tokens.txt"
    tokens.write_text(token_line("tok-check-Zq8xW3", ["*"], name="check") + "\n")
    backend = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    archive = Archive(db_url, root, tokens, backend)
    held = sorted(p.name for p in root.iterdir())
    with running_server(archive, tmp_path) as server:
        response = httpx.post(f"{server.url}/api/v1/completeness", json=held, timeout=60)
    assert response.status_code == 200, response.text
    api = response.json()
    # Something to agree on: a missing member, extra and related files, an MRP.
    asn = read_association(data / ASN)
    first = asn.products[0].members[0].expname
    assert first in _names(cli["missing"])
    assert "notes.txt" in _extra(cli["extra"])
    assert cli["mrp"] and len(cli["missing"]) > 1  # the pool names every exposure's _uncal
    assert _names(api["present"]) == _names(cli["present"])
    assert _names(api["missing"]) == _names(cli["missing"])
    assert _extra(api["extra"]) == _extra(cli["extra"])
    assert _names(api["not_held"]) == _names(cli["not_held"])
    assert api["mrp"] == cli["mrp"]
    assert api["complete"] is cli["complete"] is False
    assert api["unread"] == [] and api["errors"] == cli["errors"] == []
    by_asn = {
        a["association"]: (a["missing_members"], a["missing_products"]) for a in api["associations"]
    }
    assert by_asn == {
        a["association"]: (a["missing_members"], a["missing_products"]) for a in cli["associations"]
    }


def test_an_exclusive_document_is_read_only_for_its_program(archive: Archive) -> None:
    with client_for(archive) as client:
        anonymous = client.post("/api/v1/completeness", json=[SECRET_I2D, I2D]).json()
        granted = client.post(
            "/api/v1/completeness",
            json=[SECRET_I2D, I2D],
            headers={"Authorization": f"Bearer {TOKEN_9505}"},
        ).json()
    unread = {u["name"]: u["why"] for u in anonymous["unread"]}
    assert "exclusive access" in unread[SECRET_I2D] and I2D not in unread
    assert SECRET_I2D not in {u["name"] for u in granted["unread"]}

# ruff: noqa: F811 - the fixtures are imported, then requested by name
"""Every name a user holds resolves on every surface; a miss names the catalog and close matches.

The forms: a file name, a path to it (relative, ``./``, absolute), a
``mast:JWST/product/<file>`` dataURI, a ``crds://<reffile>`` URI exactly as
a header's ``R_*`` keyword holds it, a numeric MAST obsid, an obs_id in upper
case or with blanks around it. The surfaces: the library, the CLI (products,
show, lineage, mrp, impact), the native API, astroquery (``get_product_list``
by obsid, by obs_id, by dataURI; criteria), DataLink ``ID``, the portal's
pages and the download selection. The catalog is `test_rights_surfaces`'s,
on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from api_archive import Archive, client_for
from click.testing import CliRunner
from rights_catalog import (  # noqa: F401 - fixtures
    CAL,
    EXCL_OBS,
    REFERENCE,
    rights_archive,
    rights_seen,
    rights_server,
)

from jwlink.cli import main
from jwlink.core.model import obsid_for
from jwlink.errors import NotFound
from jwlink.query import names
from jwlink.query.selection import select_files
from jwlink.store import open_store

MISSPELLED = EXCL_OBS[:-3] + "nsi"  # jw87800017001_02102_00001_nsi


def product_forms() -> list[str]:
    """Every way a user may hold the name of the file CAL."""
    return [
        CAL,
        f"  {CAL}\n",
        CAL.upper(),
        f"path/to/{CAL}",
        f"./x/y/{CAL}",
        f"/data/jwst/{CAL}",
        f"C:\\data\\{CAL}",
        f"mast:JWST/product/{CAL}",
        f"file:///data/{CAL}",
    ]


def observation_forms() -> list[str]:
    """Every way a user may hold the observation EXCL_OBS."""
    return [EXCL_OBS, EXCL_OBS.upper(), f" {EXCL_OBS} ", f"\t{EXCL_OBS.upper()}  ",
            str(obsid_for(EXCL_OBS))]  # fmt: skip


# ---------------------------------------------------------------- pure parts


def test_forms_keep_the_literal_first_then_the_file_then_lower_case() -> None:
    assert names.forms(" a/B.fits ") == ["a/B.fits", "B.fits", "b.fits"]
    assert names.forms(f"crds://{REFERENCE}") == [f"crds://{REFERENCE}", REFERENCE]
    assert names.forms("..") == [] and names.forms("  ") == [] and names.forms("x/") == ["x/"]


def test_obsid_of_takes_only_unsigned_integers_that_fit() -> None:
    assert names.obsid_of(" 1226269874257036 ") == 1226269874257036
    assert names.obsid_of("-1") is None and names.obsid_of("1e3") is None
    assert names.obsid_of("9" * 19) is None and names.obsid_of("١٢٣") is None


def test_catalog_label_hides_passwords() -> None:
    assert names.catalog_label("/tmp/jwlink.db") == "/tmp/jwlink.db"
    assert names.catalog_label("postgresql://u:pw@h:5433/db") == "postgresql://u:***@h:5433/db"
    hidden = names.catalog_label("postgresql://h/db?user=u&password=pw&sslmode=require")
    assert hidden == "postgresql://h/db?user=u&password=***&sslmode=require"
    assert "pw" not in names.catalog_label("postgres://u:pw@h/db")


# ---------------------------------------------------------------- the library


def test_every_form_resolves(rights_archive: Archive) -> None:
    store = open_store(rights_archive.db_url, readonly=True)
    try:
        for form in product_forms():
            assert names.resolve(store, form) == ("product", CAL), form
        for form in observation_forms():
            assert names.resolve(store, form) == ("observation", EXCL_OBS), form
        assert names.resolve(store, f"crds://{REFERENCE}") == ("product", REFERENCE)
        with pytest.raises(NotFound) as caught:
            names.resolve(store, MISSPELLED)
    finally:
        store.close()
    err = caught.value
    assert EXCL_OBS in err.suggestions and len(err.suggestions) <= names.MAX_SUGGESTIONS
    assert err.catalog == names.catalog_label(rights_archive.db_url)
    assert f"in the catalog {err.catalog}" in str(err) and EXCL_OBS in str(err)
    assert err.catalog not in err.describe(show_catalog=False)


def test_suggestions_catch_early_typos_and_stay_bounded(rights_archive: Archive) -> None:
    store = open_store(rights_archive.db_url, readonly=True)
    traced: list[str] = []
    store.tracer = lambda sql, params: traced.append(sql)
    try:
        swapped = "jw87800017001_02012_00001_nis"  # two digits of the visit swapped
        assert EXCL_OBS in names.suggest(store, swapped)
        dropped = CAL.replace("87800", "8780")  # a digit of the program left out
        assert CAL in names.suggest(store, dropped)
        assert names.suggest(store, "zq-nothing-like-it-41") == []
    finally:
        store.close()
    # every candidate query is a bounded seek: no statement reads a table without a limit
    reads = [s for s in traced if "FROM products" in s or "FROM observations" in s]
    assert reads and all("= ?" in s or "LIMIT" in s for s in reads)


# ---------------------------------------------------------------- the CLI


def _run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_commands_take_every_form(rights_archive: Archive) -> None:
    db = ["--db", rights_archive.db_url]
    expected = json.loads(_run("products", EXCL_OBS, "--json", *db).output)["products"]
    assert CAL in {r["productFilename"] for r in expected}
    for form in observation_forms():
        got = _run("products", form, "--json", *db)
        assert got.exit_code == 0, got.output
        assert json.loads(got.output)["products"] == expected, form
        assert json.loads(_run("mrp", form, "--json", *db).output)["obs_id"] == EXCL_OBS
        shown = json.loads(_run("show", form, "--json", *db).output)
        assert shown["observation"]["obs_id"] == EXCL_OBS
    for form in product_forms():
        shown = _run("show", form, "--json", *db)
        assert shown.exit_code == 0, (form, shown.output)
        assert json.loads(shown.output)["product"]["name"] == CAL
        lineage = json.loads(_run("lineage", form, "--down", "--json", *db).output)
        assert lineage["root"] == CAL
        # a product names its observation's list
        assert json.loads(_run("products", form, "--json", *db).output)["obs_id"] == EXCL_OBS
    impact = json.loads(_run("impact", f"crds://{REFERENCE}", "--json", *db).output)
    assert impact["name"] == REFERENCE and CAL in impact["observations"][EXCL_OBS]["2"]


def test_cli_miss_names_the_catalog_and_close_matches(rights_archive: Archive) -> None:
    result = CliRunner().invoke(main, ["products", MISSPELLED, "--db", rights_archive.db_url])
    assert result.exit_code == 1
    assert f"No product or observation named '{MISSPELLED}'" in result.output
    assert f"in the catalog {names.catalog_label(rights_archive.db_url)}" in result.output
    assert re.search(rf"close matches: .*{EXCL_OBS}", result.output)


# ---------------------------------------------------------------- HTTP surfaces


def _path(name: str) -> str:
    return quote(name, safe="")


def test_native_api_takes_every_form(rights_archive: Archive) -> None:
    with client_for(rights_archive) as client:
        expected = client.get(f"/api/v1/observations/{EXCL_OBS}/products").json()
        for form in observation_forms():
            got = client.get(f"/api/v1/observations/{_path(form)}/products")
            assert got.status_code == 200, (form, got.text)
            assert got.json() == expected
            detail = client.get(f"/api/v1/observations/{_path(form)}").json()
            assert detail["observation"]["obs_id"] == EXCL_OBS
            assert client.get(f"/api/v1/mrp/{_path(form)}").json()["obs_id"] == EXCL_OBS
        for form in product_forms():
            got = client.get(f"/api/v1/products/{_path(form)}")
            assert got.status_code == 200, (form, got.text)
            assert got.json()["product"]["name"] == CAL
            assert client.get(f"/api/v1/lineage/{_path(form)}").json()["root"] == CAL
        # unencoded slashes reach the handler too
        assert client.get(f"/api/v1/products/mast:JWST/product/{CAL}").status_code == 200
        impact = client.get(f"/api/v1/impact/{_path('crds://' + REFERENCE)}").json()
        assert impact["name"] == REFERENCE and impact["count"] >= 1
        missing = client.get(f"/api/v1/observations/{MISSPELLED}/products")
    assert missing.status_code == 404
    body = missing.json()
    assert body["ok"] is False and EXCL_OBS in body["suggestions"]
    assert EXCL_OBS in body["error"] and rights_archive.db_url not in body["error"]


def test_astroquery_takes_obsid_obs_id_and_uri(rights_seen: dict[str, Any]) -> None:
    assert rights_seen["shouted"] == [EXCL_OBS]
    listed = rights_seen["by_row"]
    assert CAL in listed
    for key in ("by_obsid", "by_obs_id", "by_uri"):
        assert rights_seen[key] == listed, key
    assert "numeric Product Group ID" in rights_seen["misspelled"]
    assert EXCL_OBS in rights_seen["misspelled"]


def test_datalink_ids_take_every_form(rights_archive: Archive) -> None:
    from astropy.io.votable import parse_single_table

    ids = [*product_forms(), f"crds://{REFERENCE}", MISSPELLED + "_cal.fits"]
    with client_for(rights_archive) as client:
        response = client.get("/datalink/links", params={"ID": ids})
    table = parse_single_table(io.BytesIO(response.content)).to_table()
    this = [r for r in table if str(r["semantics"]) == "#this"]
    # every ID echoed, in order (the VOTable reader trims the blanks around a cell)
    assert [str(r["ID"]) for r in this] == [i.strip() for i in ids]
    for row in this[: len(product_forms())]:
        assert f"{CAL} (the file itself)" in str(row["description"]), row["ID"]
    assert f"{REFERENCE} (the file itself)" in str(this[-2]["description"])
    fault = str(this[-1]["error_message"])
    assert fault.startswith("NotFoundFault") and CAL in fault  # the close match


def test_portal_pages_take_every_form(rights_archive: Archive) -> None:
    with client_for(rights_archive) as client:
        for form in product_forms():
            page = client.get(f"/products/{_path(form)}")
            assert page.status_code == 200 and f"<h1>{CAL}</h1>" in page.text, form
        for form in observation_forms():
            page = client.get(f"/observations/{_path(form)}")
            assert page.status_code == 200 and f"<h1>{EXCL_OBS}</h1>" in page.text, form
        assert client.get(f"/lineage/{_path('crds://' + REFERENCE)}").status_code == 200
        missing = client.get(f"/observations/{MISSPELLED}")
    assert missing.status_code == 404
    assert f"/lineage/{EXCL_OBS}'" in missing.text  # the close match is a link
    assert rights_archive.db_url not in missing.text


def test_download_selection_takes_every_form(rights_archive: Archive) -> None:
    store = open_store(rights_archive.db_url, readonly=True)
    try:
        for form in product_forms():
            chosen = select_files(store, names=[form], mrp=False)
            assert [f.name for f in chosen] == [CAL], form
        expected = [f.name for f in select_files(store, [EXCL_OBS], mrp=False)]
        for form in observation_forms():
            assert [f.name for f in select_files(store, [form], mrp=False)] == expected
        with pytest.raises(NotFound) as caught:
            select_files(store, names=[MISSPELLED + "_cal.fits"])
    finally:
        store.close()
    assert CAL in caught.value.suggestions
    # over HTTP a selection names files, never paths (only a product name reaches a file)
    with client_for(rights_archive) as client:
        for form in (f" {CAL.upper()} ", f"mast:JWST/product/{CAL.upper()}"):
            manifest = client.get("/api/v1/manifest.json", params={"name": form})
            assert [f["name"] for f in manifest.json()["files"]] == [CAL], form
        number = str(obsid_for(EXCL_OBS))
        listed = client.get("/api/v1/manifest.json", params={"obs_id": number, "mrp": "false"})
    assert sorted(f["name"] for f in listed.json()["files"]) == sorted(expected)


def test_jwlink_download_takes_a_path_or_uri_to_a_file(rights_archive: Archive, tmp_path) -> None:
    # The server takes bare product names; the client sends the file a path names.
    db = ["--db", rights_archive.db_url, "--data-root", str(rights_archive.data_root)]
    paths = [f for f in product_forms() if "/" in f or "\\" in f][:3]
    for number, form in enumerate(paths):
        dest = tmp_path / str(number)
        got = CliRunner().invoke(
            main, ["download", "--name", form, "--dest", str(dest), "--flat", "--json", *db]
        )
        doc = json.loads(got.stdout)
        assert [f["name"] for f in doc["files"]] == [CAL], (form, got.output)

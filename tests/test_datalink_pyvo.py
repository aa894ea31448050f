# ruff: noqa: F811 - the archive fixture is imported, then requested by name
"""DataLink 1.1 {links} read by real pyvo, offline: in process and from a running server."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from api_archive import (  # noqa: F401 - archive is a fixture
    CAL,
    EXPOSURE,
    GUIDE,
    I2D,
    PREVIEW,
    RATE,
    REFERENCE,
    SECRET_I2D,
    THUMB,
    TOKEN_9505,
    Archive,
    Server,
    archive,
    client_for,
    server,
)
from astropy.io.votable import parse

from jwlink.api.datalink import JWLINK_NS, semantics

pyvo_adhoc = pytest.importorskip("pyvo.dal.adhoc")
DatalinkResults = pyvo_adhoc.DatalinkResults
from pyvo.dal.exceptions import DALQueryError, DALServiceError  # noqa: E402

# The datalink/core hierarchy (standards.md §1.3), so bysemantics(include_narrower=True)
# works without downloading http://www.ivoa.net/rdf/datalink/core.
_NARROWER = {
    "auxiliary": ["weight", "error", "noise"],
    "calibration": ["bias", "dark", "flat"],
    "preview": ["preview-image", "preview-plot", "thumbnail"],
    "proc": ["cutout"],
    "documentation": ["detached-header"],
}
_CORE = [
    "this",
    "progenitor",
    "derivation",
    "coderived",
    "counterpart",
    "package",
    *_NARROWER,
    *(t for ts in _NARROWER.values() for t in ts),
]


@pytest.fixture(autouse=True)
def offline_vocabulary(monkeypatch: pytest.MonkeyPatch) -> None:
    def get_vocabulary(name: str, force_update: bool = False) -> dict[str, Any]:
        assert name == "datalink/core"
        return {"terms": {t: {"label": t, "narrower": _NARROWER.get(t, [])} for t in _CORE}}

    monkeypatch.setattr("pyvo.utils.vocabularies.get_vocabulary", get_vocabulary)


@pytest.fixture(scope="module")
def client(archive: Archive) -> Iterator[Any]:
    with client_for(archive) as c:
        yield c


def _results(content: bytes) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a VOTable astropy must read without complaint
        table = parse(io.BytesIO(content))
    return DatalinkResults(table)


def _by(results: Any, term: str) -> list[Any]:
    return list(results.bysemantics(term, include_narrower=False))


def _name(record: Any) -> str:
    return record.description.split()[1].rstrip(":")


# ---------------------------------------------------------------- from a running server


def test_pyvo_reads_links_from_the_server(server: Server, archive: Archive) -> None:
    results = DatalinkResults.from_result_url(
        f"{server.url}/datalink/links?ID=mast:JWST/product/{CAL}"
    )
    this = _by(results, "#this")
    assert len(this) == 1
    assert this[0].content_length == archive.path_of(CAL).stat().st_size
    assert this[0].content_type == "application/fits"
    data = requests.get(this[0].access_url, timeout=10).content  # the #this link downloads the file
    assert data == archive.path_of(CAL).read_bytes()
    assert {_name(r) for r in _by(results, "#progenitor")} == {RATE}
    calibration = _by(results, "#calibration")
    assert [_name(r) for r in calibration] == [REFERENCE]
    assert calibration[0]["local_semantics"] == JWLINK_NS + "reference-file/flat"
    guide = [r for r in _by(results, "#auxiliary") if _name(r) == GUIDE]
    assert guide and guide[0]["local_semantics"] == JWLINK_NS + "guide-star"
    assert I2D in {_name(r) for r in _by(results, "#derivation")}
    assert all(r.id == f"mast:JWST/product/{CAL}" for r in results)


def test_pyvo_post_with_repeated_ids(server: Server) -> None:
    ids = [I2D, "jw_no_such_file.fits", f"mast:JWST/product/{CAL}"]
    query = pyvo_adhoc.DatalinkQuery(f"{server.url}/datalink/links", id=ids)
    results = query.execute(post=True)
    seen = [r.id for r in results]
    # every ID echoed unchanged, all rows of one ID together, in request order
    assert [i for n, i in enumerate(seen) if n == 0 or seen[n - 1] != i] == ids
    fault = [r for r in results if r.id == "jw_no_such_file.fits"]
    assert len(fault) == 1 and fault[0].error_message.startswith("NotFoundFault")
    with pytest.raises(DALServiceError, match="NotFoundFault"):
        fault[0].getdataurl()


def test_pyvo_previews_and_narrower_terms_offline(server: Server) -> None:
    results = DatalinkResults.from_result_url(f"{server.url}/datalink/links?ID={I2D}")
    previews = {
        _name(r): r.semantics for r in results.bysemantics("#preview")
    }  # with narrower terms
    assert previews == {PREVIEW: "#preview", THUMB: "#thumbnail"}
    assert {_name(r) for r in results.bysemantics("#preview", include_narrower=False)} == {PREVIEW}
    progenitors = {_name(r) for r in _by(results, "#progenitor")}
    assert CAL in progenitors
    assert any("asn.json" in _name(r) for r in _by(results, "#documentation"))


def test_link_authorized_from_the_server(server: Server) -> None:
    url = f"{server.url}/datalink/links?ID={SECRET_I2D}"
    anon = _by(DatalinkResults.from_result_url(url), "#this")[0]
    assert anon["link_auth"] == "true" and not anon["link_authorized"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {TOKEN_9505}"
    alice = _by(DatalinkResults.from_result_url(url, session=session), "#this")[0]
    assert alice["link_authorized"]
    public = _by(DatalinkResults.from_result_url(f"{server.url}/datalink/links?ID={I2D}"), "#this")[
        0
    ]
    assert public["link_auth"] == "false" and public["link_authorized"]


# ---------------------------------------------------------------- in process


def test_votable_shape(client: Any) -> None:
    response = client.get("/datalink/links", params={"ID": I2D})
    assert response.headers["content-type"].startswith("application/x-votable+xml;content=datalink")
    table = parse(io.BytesIO(response.content))
    resource = table.resources[0]
    assert resource.type == "results"
    infos = {i.name: i.value for i in resource.infos}
    assert infos["standardID"] == "ivo://ivoa.net/std/DataLink#links-1.1"
    assert infos["QUERY_STATUS"] == "OK"
    names = [f.name for f in resource.tables[0].fields]
    assert names[:8] == [
        "ID",
        "access_url",
        "service_def",
        "error_message",
        "semantics",
        "description",
        "content_type",
        "content_length",
    ]
    assert {"content_qualifier", "local_semantics", "link_authorized"} <= set(names)


def test_repeated_ids_get_and_post_agree(client: Any) -> None:
    ids = [CAL, I2D, CAL]
    got = client.get("/datalink/links", params=[("ID", i) for i in ids])
    posted = client.post("/datalink/links", data={"ID": ids})
    assert got.content == posted.content
    records = list(_results(got.content))
    firsts = [r.id for n, r in enumerate(records) if n == 0 or records[n - 1].id != r.id]
    assert firsts == ids


def test_no_id_gives_an_empty_table_and_bad_format_a_usage_fault(client: Any) -> None:
    assert len(_results(client.get("/datalink/links").content)) == 0
    bad = client.get("/datalink/links", params={"ID": I2D, "RESPONSEFORMAT": "text/html"})
    assert bad.status_code == 400
    with pytest.raises(DALQueryError, match="UsageFault"):
        _results(bad.content)


def test_unknown_and_hostile_ids_are_fault_rows(client: Any) -> None:
    ids = ["nope.fits", "../../etc/passwd", "mast:HST/product/x.fits", "a\x00b", ""]
    records = list(_results(client.post("/datalink/links", data={"ID": ids}).content))
    # echoed unchanged, except what XML cannot carry (NUL becomes U+FFFD)
    assert [r.id for r in records] == [i.replace("\x00", "\ufffd") for i in ids]
    assert all(r.error_message.startswith("NotFoundFault") and not r["access_url"] for r in records)


def test_missing_files_are_listed_with_a_fault(client: Any) -> None:
    records = _results(client.get("/datalink/links", params={"ID": CAL}).content)
    crf = [r for r in records if "crf" in r.description]
    assert (
        crf
        and crf[0].error_message.startswith("NotFoundFault")
        and crf[0].semantics == "#derivation"
    )


def test_content_qualifier_and_exposure_links(client: Any) -> None:
    records = _results(client.get("/datalink/links", params={"ID": RATE}).content)
    this = _by(records, "#this")[0]
    assert this["content_qualifier"] == "#image"
    assert {_name(r) for r in _by(records, "#derivation")} == {CAL}
    assert any(f"{EXPOSURE}_uncal.fits" == _name(r) for r in _by(records, "#progenitor"))


@pytest.mark.parametrize(
    ("kind", "role", "inbound", "term"),
    [
        ("antecedent", "stage", True, "#progenitor"),
        ("antecedent", "stage", False, "#derivation"),
        ("composition", "science", True, "#progenitor"),
        ("multiplicity", "source", False, "#derivation"),
        ("calibration", "background", True, "#calibration"),
        ("contributing", "reference:dark", True, "#calibration"),
        ("linked", "preview", True, "#preview"),
        ("linked", "thumbnail", True, "#thumbnail"),
        ("linked", "preview", False, "#progenitor"),
        ("aggregation", "guide_star", True, "#auxiliary"),
        ("aggregation", "pool", True, "#documentation"),
        ("antecedent", "association", True, "#documentation"),
        ("prerequisite", "target_acquisition", True, "#auxiliary"),
        ("linked", "external", True, "#counterpart"),
    ],
)
def test_semantics_mapping(kind: str, role: str, inbound: bool, term: str) -> None:
    got, local = semantics(kind, role, inbound)
    assert got == term and local.startswith(JWLINK_NS)
    if kind == "prerequisite":
        assert local == JWLINK_NS + "prerequisite/target_acquisition"


def test_coderived_siblings(client: Any, archive: Archive, tmp_path: Path) -> None:
    from jwlink.store import open_store

    store = open_store(archive.db_url, readonly=True)
    try:
        pairs = store.execute(
            "SELECT a.target, b.target FROM links a JOIN links b ON a.source = b.source "
            "AND a.kind = b.kind WHERE a.kind = 'multiplicity' AND a.target <> b.target"
        )
    finally:
        store.close()
    if not pairs:
        pytest.skip("no per-source products in this archive")
    records = _results(client.get("/datalink/links", params={"ID": pairs[0][0]}).content)
    assert pairs[0][1] in {_name(r) for r in _by(records, "#coderived")}

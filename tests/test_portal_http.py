"""The portal over plain HTTP: every page answers, names its JSON twin, and stays offline."""

from __future__ import annotations

import re
from html import unescape
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from portal_server import build_app, build_archive

from jwlink.portal import router
from jwlink.portal.query import PortalInputError, search_twin, to_mjd
from jwlink.portal.static import static_files

LINK = re.compile(r'^<([^>]+)>; rel="alternate"; type="application/json"$')
# An XML namespace name is an identifier, never fetched; the SVG export must declare it.
NAMESPACES = {"http://www.w3.org/2000/svg"}
URL = re.compile(r"""https?://[^\s"'<>`)]+""")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build_archive(tmp_path_factory.getbasetemp() / "portal-archive")


@pytest.fixture(scope="module")
def client(archive: tuple[Path, Path]) -> TestClient:
    db, files = archive
    with TestClient(build_app(str(db), str(files))) as c:
        yield c


@pytest.fixture(scope="module")
def names(client: TestClient) -> dict[str, str]:
    """Names of a Level 3 observation, one of its members, its i2d product, a braced obs_id."""
    rows = client.get(
        "/api/v1/observations", params={"calib_level": 3, "instrument": "NIRCAM", "page_size": 100}
    ).json()["observations"]
    mosaic = next(o["obs_id"] for o in rows if o["instrument_name"] == "NIRCAM/IMAGE")
    doc = client.get(f"/api/v1/observations/{mosaic}").json()["observation"]
    i2d = next(p for p in doc["products"] if p.endswith("_i2d.fits"))
    braced = client.get("/api/v1/observations", params={"obs_id": "*{source_id}*"}).json()
    return {
        "mosaic": mosaic,
        "member": doc["members"][0]["obs_id"],
        "i2d": i2d,
        "braced": braced["observations"][0]["obs_id"],
    }


def _pages(names: dict[str, str]) -> list[str]:
    q = lambda s: quote(s, safe="")  # noqa: E731
    return [
        "/",
        "/?program=1409,3020&target=GOODS%20S%20DEEP&calib_level=3&t_min=2023-06-01&t_max=60200",
        "/?ra=53.16&dec=-27.79&radius=0.5&page_size=25",
        f"/observations/{q(names['mosaic'])}",
        f"/observations/{q(names['member'])}",
        f"/observations/{q(names['braced'])}",
        f"/products/{q(names['i2d'])}",
        f"/lineage/{q(names['mosaic'])}",
        f"/lineage/{q(names['i2d'])}?direction=up&kind=composition&kind=antecedent&depth=2",
        "/basket",
        f"/basket?obs_id={q(names['mosaic'])}&mrp=false",
    ]


def test_router_is_exported():
    assert {r.path for r in router.routes} >= {
        "/",
        # paths: a name may hold slashes (a mast: or crds:// URI, a path to a file)
        "/observations/{obs_id:path}",
        "/products/{name:path}",
        "/lineage/{name:path}",
        "/basket",
        "/static/{path:path}",
    }


def test_every_page_has_a_json_twin(client: TestClient, names: dict[str, str]):
    for path in _pages(names):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        match = LINK.match(response.headers["link"])
        assert match, response.headers["link"]
        twin = match.group(1)
        assert twin.startswith("/api/v1/")
        html = response.text
        link = re.search(r'<a id="json-link" href="([^"]+)"', html)
        assert link and unescape(link.group(1)) == twin, path
        assert f'<link rel="alternate" type="application/json" href="{link.group(1)}">' in html
        assert "default-src 'self'" in response.headers["content-security-policy"]
        if path != "/basket":  # an empty basket selects nothing: its manifest is a 400
            answer = client.get(twin)
            assert answer.status_code == 200, twin
            assert answer.headers["content-type"].startswith("application/json")


def test_search_twin_converts_dates_and_splits_lists(client: TestClient):
    response = client.get("/", params=[("program", "1409, 3020"), ("t_min", "2023-06-12"),
                                       ("target", "GOODS S DEEP"), ("bogus", "x")])  # fmt: skip
    twin = LINK.match(response.headers["link"]).group(1)
    assert twin == ("/api/v1/observations?program=1409&program=3020&target=GOODS+S+DEEP"
                    "&t_min=60107.0")  # fmt: skip
    assert 'value="1409, 3020"' in response.text


def test_pages_reference_nothing_outside_the_server(client: TestClient, names: dict[str, str]):
    texts = {path: client.get(path).text for path in _pages(names)}
    # api-docs/ holds the Swagger UI and ReDoc bundles: third-party code full of URL
    # strings (licences, examples); test_portal_pictures.py renders /docs in Chromium with
    # every non-loopback request blocked and asserts none is attempted.
    texts |= {f"/static/{p}": client.get(f"/static/{p}").text for p in static_files()
              if not p.startswith("api-docs/")}  # fmt: skip
    for where, text in texts.items():
        external = set(URL.findall(text)) - NAMESPACES
        external = {u for u in external if not u.startswith("http://testserver")}
        assert not external, where
        assert not re.search(r"""(?:src|href)=["']//""", text), where
        assert "@import" not in text and "fonts.googleapis" not in text, where


def test_static_files_are_package_data_with_etags(client: TestClient):
    assert {"portal.css", "js/common.js", "js/graph.js", "js/observation.js"} <= set(static_files())
    css = client.get("/static/portal.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    js = client.get("/static/js/common.js")
    assert js.headers["content-type"].startswith("text/javascript")
    again = client.get("/static/portal.css", headers={"If-None-Match": css.headers["etag"]})
    assert again.status_code == 304
    for bad in (
        "/static/../pages.py",
        "/static/%2e%2e/pages.py",
        "/static/nope.js",
        "/static/js/../../pages.py",
    ):
        assert client.get(bad).status_code == 404, bad


def test_templates_ship_with_the_package():
    templates = resources.files("jwlink.portal").joinpath("templates")
    assert {
        "base.html",
        "search.html",
        "observation.html",
        "product.html",
        "lineage.html",
        "basket.html",
        "error.html",
    } <= {t.name for t in templates.iterdir()}


def test_unknown_names_give_html_404_with_a_twin(client: TestClient):
    for path in (
        "/observations/jw99999-o001_t001_nircam_clear-f200w",
        "/products/nope.fits",
        "/lineage/nope.fits",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert LINK.match(response.headers["link"])
        assert "No product or observation named" in response.text


def test_bad_search_input_is_a_400_page_that_names_the_value(client: TestClient):
    response = client.get("/", params={"t_min": "last tuesday"})
    assert response.status_code == 400
    assert "last tuesday" in response.text and "ISO date" in response.text
    assert client.get("/lineage/x", params={"depth": "deep"}).status_code == 400


def test_observation_page_lists_members_and_escapes_names(client: TestClient, names):
    html = client.get(f"/observations/{quote(names['mosaic'], safe='')}").text
    assert "id='member-table'" in html and names["member"] in html
    braced = client.get(f"/observations/{quote(names['braced'], safe='')}")
    assert "%7Bsource_id%7D" in braced.headers["link"]


def test_values_cannot_break_out_of_the_page(client: TestClient):
    response = client.get("/", params={"target": '"><script>alert(1)</script>'})
    assert "<script>alert(1)" not in response.text
    assert "&quot;&gt;&lt;script&gt;" in response.text


@pytest.mark.parametrize(
    ("text", "mjd"),
    [
        ("1858-11-17", 0.0),
        ("2000-01-01T12:00:00", 51544.5),
        ("2023-06-12", 60107.0),
        ("60108.25", 60108.25),
        ("2023-06-12T00:00:00+02:00", 60106.0 + 22 / 24),
    ],
)
def test_to_mjd(text: str, mjd: float):
    assert to_mjd(text) == pytest.approx(mjd, abs=1e-6)


def test_search_twin_rules():
    assert search_twin([("instrument", "NIRCAM,MIRI"), ("page", "2"), ("x", "y"), ("ra", " ")]) == [
        ("instrument", "NIRCAM"),
        ("instrument", "MIRI"),
        ("page", "2"),
    ]
    with pytest.raises(PortalInputError, match="ra must be a number"):
        search_twin([("ra", "ten")])
    with pytest.raises(PortalInputError, match="not a date"):
        search_twin([("t_max", "2023-13-45")])

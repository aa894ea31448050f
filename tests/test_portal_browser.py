"""The portal end to end: headless Chromium against a real server on loopback.

Needs Debian's ``chromium`` at /usr/bin/chromium (``apt-get install -y chromium``)
and the ``playwright`` Python package, which drives that browser (no browser
download). Screenshots go to ``test-artifacts/portal/``.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from headless import NEEDS_CHROMIUM, open_tab, shoot
from portal_server import serve_with_token

pytestmark = NEEDS_CHROMIUM
TOKEN = "portal-test-token"
SVG = "{http://www.w3.org/2000/svg}"
SUMS = "SHA256SUMS"
MANIFEST = "MANIFEST.csv"  # what a bundle holds and leaves out, with reasons


def q(name: str) -> str:
    return quote(name, safe="")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_with_token(tmp_path_factory, TOKEN, "portal-tester") as url:
        yield url


@pytest.fixture(scope="module")
def api(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=60) as client:
        yield client


@pytest.fixture
def page(browser, server: str) -> Iterator[object]:
    with open_tab(browser, server, 30_000, accept_downloads=True) as tab:
        yield tab


@pytest.fixture(scope="module")
def mosaic(api: httpx.Client) -> dict:
    rows = api.get("/api/v1/observations", params={"calib_level": 3, "program": "1409"}).json()
    obs_id = rows["observations"][0]["obs_id"]
    return api.get(f"/api/v1/observations/{q(obs_id)}").json()["observation"]


# ---- search ----


def test_search_finds_an_observation(page, mosaic):
    page.goto("/")
    page.get_by_label("Program").fill(mosaic["program"].lstrip("0"))
    page.get_by_label("Target").fill(mosaic["target_name"])
    page.get_by_label("Level").select_option("3")
    page.get_by_role("button", name="Search").click()
    page.wait_for_selector(f'#results tr[data-obs-id="{mosaic["obs_id"]}"]')
    count = page.locator("#result-count")
    assert "match" in count.inner_text()
    total = int(count.get_attribute("data-total"))
    assert total == page.locator("#results tbody tr").count() >= 1
    assert "calib_level=3" in page.locator("#json-link").get_attribute("href")
    shoot(page, "search", full_page=True)


def test_search_by_position_and_iso_date(page, mosaic):
    day = "2023-01-01"  # before every synthetic observation
    page.goto(f"/?ra={mosaic['s_ra']}&dec={mosaic['s_dec']}&radius=0.01&t_min={day}")
    page.wait_for_selector(f'#results tr[data-obs-id="{mosaic["obs_id"]}"]')
    assert "t_min=59945.0" in page.locator("#json-link").get_attribute("href")
    page.goto(f"/?ra={mosaic['s_ra']}&dec={mosaic['s_dec']}&radius=0.01&t_max={day}")
    page.wait_for_selector("#result-count[data-total='0']")


def test_table_sorts_and_rows_open_with_the_keyboard(page, mosaic):
    page.goto("/?program=1409&page_size=50")
    page.wait_for_selector("#results tbody tr")
    level = page.locator("#results th[data-key='calib_level']")
    level.get_by_role("button").click()
    assert level.get_attribute("aria-sort") == "ascending"
    levels = [int(t) for t in page.locator("#results td[data-key='calib_level']").all_inner_texts()]
    assert levels == sorted(levels)
    level.get_by_role("button").click()
    levels = [int(t) for t in page.locator("#results td[data-key='calib_level']").all_inner_texts()]
    assert levels == sorted(levels, reverse=True)
    page.locator("#results th[data-key='dataRights'] button").focus()
    page.keyboard.press("Tab")
    href = page.evaluate("() => document.activeElement.dataset.href")
    assert href and href.startswith("/observations/")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{href}")
    page.wait_for_selector("body[data-products-ready]")


# ---- observation page ----


def test_observation_page_groups_products_and_mrp_checkbox(page, api, mosaic):
    obs = mosaic["obs_id"]
    page.goto(f"/observations/{q(obs)}")
    page.wait_for_selector("#product-groups[data-mrp='true']")
    assert page.locator("#mrp").is_checked()
    rows = page.locator("tr.product")
    assert rows.count() >= 1
    assert set(rows.evaluate_all("rs => rs.map(r => r.dataset.mrp)")) == {"true"}
    assert page.locator("tr.product[data-level='2b']").count() == 0
    assert page.locator("tr.product[data-ancillary='true']").count() == 0
    assert page.locator("#member-table tbody tr").count() == min(50, len(mosaic["members"]))
    shoot(page, "observation-mrp", full_page=True)

    page.get_by_label("Rows per page").select_option("1000")
    page.wait_for_selector("#product-groups[data-mrp='true']")
    page.get_by_label("Minimum Recommended Products only").uncheck()
    page.wait_for_selector("#product-groups[data-mrp='false']")
    full = api.get(f"/api/v1/observations/{q(obs)}/products", params={"page_size": 1000}).json()
    assert page.locator("tr.product").count() == full["total"]
    assert page.locator("tr.product[data-level='2b']").count() > 0
    assert page.locator("tr.product[data-ancillary='true']").count() > 0
    kinds = {r["kind"] or "own" for r in full["products"]}
    shown = set(page.locator("section.group").evaluate_all("s => s.map(x => x.dataset.kind)"))
    assert shown == kinds and "composition" in shown and "own" in shown
    for kind, n in Counter(r["kind"] or "own" for r in full["products"]).items():
        assert page.locator(f"section.group[data-kind='{kind}'] tr.product").count() == n

    page.wait_for_selector("body[data-explain-ready]")
    explain = {e["name"]: e for e in api.get(f"/api/v1/mrp/{q(obs)}").json()["explain"]}
    row = page.locator("tr.product[data-level='2b']").first
    name = row.get_attribute("data-name")
    flag = row.locator(".mrp-flag")
    assert explain[name]["why"] in flag.get_attribute("title")
    flag.click()
    detail = page.locator(f"#{flag.get_attribute('aria-controls')}")
    assert detail.is_visible() and explain[name]["rule"] in detail.inner_text()
    shoot(page, "observation-all", full_page=True)


def test_kind_filter_pages_server_side(page, api, mosaic):
    obs = mosaic["obs_id"]
    page.goto(f"/observations/{q(obs)}")
    page.wait_for_selector("#product-groups[data-mrp='true']")
    page.get_by_label("Minimum Recommended Products only").uncheck()
    page.get_by_label("Relationship").select_option("composition")
    page.get_by_label("Rows per page").select_option("25")
    page.wait_for_selector(
        "#product-groups[data-kind='composition'][data-mrp='false'][data-page-size='25']"
    )
    total = api.get(f"/api/v1/observations/{q(obs)}/products",
                    params={"kind": "composition", "page_size": 1}).json()["total"]  # fmt: skip
    assert int(page.locator("#product-count").get_attribute("data-total")) == total
    assert page.locator("tr.product").count() == min(25, total)
    assert "kind=composition" in page.locator("#products-json").get_attribute("href")
    if total > 25:
        page.locator("#product-pager").get_by_role("button", name="Next →").click()
        page.wait_for_selector("#product-groups[data-page='2']")


# ---- linkage picture ----


@pytest.fixture(scope="module")
def small_graph(api: httpx.Client) -> tuple[str, dict]:
    """A Level 3 observation whose whole lineage has 8 to 40 nodes: nothing collapses."""
    rows = api.get("/api/v1/observations", params={"calib_level": 3, "page_size": 200}).json()
    for obs in rows["observations"]:
        doc = api.get(f"/api/v1/lineage/{q(obs['obs_id'])}", params={"direction": "both"}).json()
        if 8 <= len(doc["nodes"]) <= 40:
            return obs["obs_id"], doc
    pytest.fail("no small lineage graph in the synthetic archive")


def _svg_counts(page) -> tuple[int, int, int]:
    svg = page.locator("#graph svg")
    return (svg.locator("g.node").count(), svg.locator("path.edge").count(),
            svg.locator("g.group").count())  # fmt: skip


def test_small_graph_matches_the_lineage_json(page, small_graph, tmp_path):
    name, doc = small_graph
    page.goto(f"/lineage/{q(name)}?direction=both")
    page.wait_for_selector("body[data-graph-ready]")
    # By default ancillary products wait behind badges; without collapsing, all is drawn.
    page.get_by_label("Collapse ancillary products").uncheck()
    assert _svg_counts(page) == (len(doc["nodes"]), len(doc["edges"]), 0)
    drawn = page.locator("#graph g.node").evaluate_all("ns => ns.map(n => n.dataset.name)")
    assert sorted(drawn) == sorted(n["name"] for n in doc["nodes"])
    kinds = page.locator("#graph path.edge").evaluate_all("es => es.map(e => e.dataset.kind)")
    assert Counter(kinds) == Counter(e["kind"] for e in doc["edges"])
    assert page.locator("#legend li").count() == 8
    shoot(page, "lineage-small", full_page=True)

    with page.expect_download() as info:
        page.get_by_role("link", name="Download SVG").click()
    saved = tmp_path / "graph.svg"
    info.value.save_as(saved)
    root = ET.parse(saved).getroot()
    assert root.tag == f"{SVG}svg"
    nodes = [g for g in root.iter(f"{SVG}g") if "node" in g.get("class", "").split()]
    edges = [p for p in root.iter(f"{SVG}path") if p.get("class") == "edge"]
    assert (len(nodes), len(edges)) == (len(doc["nodes"]), len(doc["edges"]))

    first = page.locator("#graph g.node").first
    target = first.get_attribute("data-name")
    first.locator("xpath=..").focus()  # the box's link; the picture pans to it
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/products/{q(target)}")


def test_big_graph_collapses_and_expands(page, api, mosaic):
    obs = mosaic["obs_id"]
    doc = api.get(f"/api/v1/lineage/{q(obs)}", params={"direction": "both"}).json()
    page.goto(f"/lineage/{q(obs)}")
    page.wait_for_selector("body[data-graph-ready]")
    boxes, _, groups = _svg_counts(page)
    badges = page.locator("#graph g.badge").count()
    assert groups + badges >= 1 and boxes < len(doc["nodes"])
    counts = page.locator("#graph g.group, #graph g.badge").evaluate_all(
        "gs => gs.map(g => +g.dataset.count)"
    )
    assert boxes - groups - badges + sum(counts) == len(doc["nodes"])
    assert all(c > 1 for c in page.locator("#graph g.group").evaluate_all(
        "gs => gs.map(g => +g.dataset.count)"))  # fmt: skip
    labels = page.locator("#graph g.group text, #graph g.badge text").all_text_contents()
    assert all(" × " in t or t.startswith("+ ") for t in labels) and labels
    shoot(page, "lineage-collapsed", full_page=True)

    # open the smallest badge: its products are drawn one by one (the redraw is synchronous)
    small = min(page.locator("#graph g.badge").evaluate_all(
        "bs => bs.map(b => [+b.dataset.count, b.dataset.group])"))  # fmt: skip
    page.locator(f"#graph g.badge[data-group='{small[1]}']").locator("xpath=..").focus()
    page.keyboard.press("Enter")
    assert page.locator("#graph g.badge").count() == badges - 1
    assert _svg_counts(page)[0] == boxes - 1 + small[0]
    page.get_by_label("Collapse ancillary products").uncheck()
    assert _svg_counts(page) == (len(doc["nodes"]), len(doc["edges"]), 0)


# ---- basket ----


def _manifest(api: httpx.Client, params: list[tuple[str, str]], token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return api.get("/api/v1/manifest.json", params=params, headers=headers).json()


def _download(page, tmp_path: Path, fmt: str) -> Path:
    page.locator(f"input[name='format'][value='{fmt}']").check()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download", exact=True).click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    return path


def _zip_sums(path: Path) -> dict[str, str]:
    """SHA-256 of every file in a bundle, checked against the bundle's own SHA256SUMS."""
    with zipfile.ZipFile(path) as z:
        got = {
            n: hashlib.sha256(z.read(n)).hexdigest()
            for n in z.namelist()
            if n not in (SUMS, MANIFEST)  # the bundle's own lists, not delivered files
        }
        listed = dict(reversed(line.split(None, 1)) for line in z.read(SUMS).decode().splitlines())
    assert {k.lstrip("*"): v for k, v in listed.items()} == got
    return got


def test_basket_zip_matches_the_manifest(page, api, mosaic, tmp_path):
    obs = mosaic["obs_id"]
    member = mosaic["members"][-1]["obs_id"]
    products = api.get(f"/api/v1/observations/{q(member)}/products").json()["products"]
    cal = next(p["productFilename"] for p in products
               if p["productFilename"].endswith("_cal.fits") and p["present"])  # fmt: skip
    page.goto(f"/observations/{q(obs)}")
    page.locator("#add-observation").click()
    page.goto(f"/products/{q(cal)}")
    page.locator("#add-product").click()
    assert page.locator("#basket-count").inner_text() == "(2)"
    page.goto("/basket")
    page.wait_for_selector("body[data-manifest-ready]")
    selection = [("obs_id", obs), ("name", cal), ("mrp", "true")]
    manifest = _manifest(api, selection)
    assert page.locator("#basket-files tbody tr").count() == manifest["count"]
    assert int(page.locator("#basket-summary").get_attribute("data-size")) == manifest["size"]
    shoot(page, "basket", full_page=True)

    expected = {f["path"]: f["sha256"] for f in manifest["files"] if f["status"] == "OK"}
    assert _zip_sums(_download(page, tmp_path, "zip")) == expected and len(expected) >= 2
    tar = _download(page, tmp_path, "tar")
    with tarfile.open(tar) as t:
        names = {m.name for m in t.getmembers() if m.isfile()}
    assert names - {SUMS, MANIFEST} == set(expected)
    script = _download(page, tmp_path, "sh").read_text()
    assert script.startswith("#!") and cal in script

    page.get_by_label("Minimum Recommended Products only").uncheck()
    everything = _manifest(api, [("obs_id", obs), ("name", cal), ("mrp", "false")])
    page.wait_for_selector(f"#basket-files tbody tr >> nth={everything['count'] - 1}")
    assert page.locator("#basket-files tbody tr").count() == everything["count"]
    listed = json.loads(_download(page, tmp_path, "manifest.json").read_text())
    assert listed["mrp"] is False and listed["count"] == everything["count"]


def test_exclusive_products_are_locked_without_a_token(page, api, tmp_path):
    rows = api.get("/api/v1/observations", params={"calib_level": 3, "program": "3020"}).json()
    obs = rows["observations"][0]["obs_id"]
    page.goto(f"/observations/{q(obs)}")
    page.wait_for_selector("#product-groups[data-mrp='true']")
    assert page.locator("td.locked").count() == page.locator("tr.product").count() > 0
    page.locator("#add-observation").click()
    page.goto("/basket")
    page.wait_for_selector("body[data-manifest-ready]")
    locked = page.locator("#basket-files tr[data-status='NOT_AUTHORIZED']").count()
    assert locked > 0 and "locked" in page.locator("#basket-summary").inner_text()
    shoot(page, "basket-locked", full_page=True)

    page.get_by_label("Access token").fill(TOKEN)
    page.get_by_label("Access token").press("Tab")
    page.wait_for_selector("#basket-files tr[data-status='OK']")
    assert page.locator("#basket-files tr[data-status='NOT_AUTHORIZED']").count() == 0
    assert page.evaluate("() => sessionStorage.getItem('jwlink.token')") == TOKEN
    manifest = _manifest(api, [("obs_id", obs), ("mrp", "true")], TOKEN)
    expected = {f["path"]: f["sha256"] for f in manifest["files"] if f["status"] == "OK"}
    assert _zip_sums(_download(page, tmp_path, "zip")) == expected
    page.goto(f"/observations/{q(obs)}")
    page.wait_for_selector("#product-groups[data-mrp='true']")
    assert page.locator("td.locked").count() == 0


# ---- accessibility basics and screenshots of the remaining pages ----


def test_controls_are_labelled_on_every_page(page, mosaic, small_graph):
    member = mosaic["members"][0]["obs_id"]
    i2d = next(p for p in mosaic["products"] if p.endswith("_i2d.fits"))
    pages = {
        "search-empty": "/", "observation-exposure": f"/observations/{q(member)}",
        "product": f"/products/{q(i2d)}", "lineage-product": f"/lineage/{q(i2d)}?direction=up",
        "basket-empty": "/basket",
    }  # fmt: skip
    for shot, path in pages.items():
        page.goto(path)
        page.wait_for_load_state("networkidle")
        unlabelled = page.evaluate("""() => [...document.querySelectorAll('input,select,textarea')]
            .filter(e => e.type !== 'hidden' && !e.labels.length && !e.getAttribute('aria-label'))
            .map(e => e.outerHTML)""")
        assert not unlabelled, (path, unlabelled)
        nameless = page.evaluate("""() => [...document.querySelectorAll('button, a[href]')]
            .filter(e => !(e.textContent.trim() || e.getAttribute('aria-label')))
            .map(e => e.outerHTML)""")
        assert not nameless, (path, nameless)
        assert page.locator("h1").count() == 1
        assert page.evaluate("() => document.documentElement.lang") == "en"
        json_link = page.get_by_role("link", name="JSON", exact=True)
        assert json_link.get_attribute("href").startswith("/api/v1/")
        shoot(page, shot, full_page=True)

"""What the portal shows at first sight, in Debian's headless Chromium at 1400×1000.

The linkage picture (root in view, science chain, badges, groups of a
5,000-member mosaic, distinct labels, pan and zoom, edge details), preview
images, the observation page's layout and rights, and the offline API docs.
Every page runs with requests to anything but loopback blocked, and asserts
none was attempted. Screenshots of the first view go to ``test-artifacts/portal/``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from headless import NEEDS_CHROMIUM, open_tab, shoot
from portal_server import MOSAIC, build_mosaic, serve, serve_with_token

pytestmark = NEEDS_CHROMIUM
TOKEN = "portal-pictures-token"
# JWST exposure names (jwst pipeline docs, "File naming schemes"):
# jw<ppppp><ooo><vvv>_<gg><s><aa>_<eeeee>_<detector>_<suffix>.fits
EXPOSURE = re.compile(r"^jw\d{5}\d{3}(\d{3})_\d{5}_(\d{5})_([a-z0-9]+?)(?:_[oc]\d{3,4})?_[a-z]+\.")
# The synthetic big mosaic (tests/portal_server.py): 10 visits × 125 exposures × 4 detectors.
VISITS, EXPOSURES, DETECTORS = 10, 125, 4


def q(name: str) -> str:
    return quote(name, safe="")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_with_token(tmp_path_factory, TOKEN, "pictures-tester") as url:
        yield url


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = build_mosaic(tmp_path_factory.getbasetemp() / "portal-mosaic-5000")
    with serve(db) as url:
        yield url


@pytest.fixture(scope="module")
def api(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=60) as client:
        yield client


@pytest.fixture
def page(browser, server: str) -> Iterator[object]:
    with open_tab(browser, server, 60_000, loopback_only=True) as tab:
        yield tab


@pytest.fixture
def touch_page(browser, server: str) -> Iterator[object]:
    with open_tab(browser, server, 60_000, loopback_only=True, has_touch=True) as tab:
        yield tab


@pytest.fixture
def big_page(browser, big_server: str) -> Iterator[object]:
    with open_tab(browser, big_server, 60_000, loopback_only=True) as tab:
        yield tab


@pytest.fixture(scope="module")
def mosaic(api: httpx.Client) -> dict:
    rows = api.get("/api/v1/observations", params={"calib_level": 3, "program": "1409"}).json()
    obs_id = next(o["obs_id"] for o in rows["observations"] if "nircam" in o["obs_id"])
    return api.get(f"/api/v1/observations/{q(obs_id)}").json()["observation"]


# ---- the linkage picture ----


def _root_inside(page) -> None:
    boxes = page.locator("#graph g.node.root rect").evaluate_all(
        "rs => rs.map(r => { const b = r.getBoundingClientRect(); "
        "return [b.left, b.top, b.right, b.bottom]; })"
    )
    frame = page.locator("#graph").bounding_box()
    assert boxes, "the root is drawn"
    for left, top, right, bottom in boxes:
        assert 0 <= left and right <= 1400 and 0 <= top and bottom <= 1000, (
            left,
            top,
            right,
            bottom,
        )
        assert frame["x"] <= left and right <= frame["x"] + frame["width"] + 1
        assert frame["y"] <= top and bottom <= frame["y"] + frame["height"] + 1


def _labels(page) -> list[str]:
    return page.locator("#graph g.node text").all_text_contents()


def test_mosaic_picture_shows_the_science_chain_with_distinct_labels(page, api, mosaic):
    obs = mosaic["obs_id"]
    doc = api.get(f"/api/v1/lineage/{q(obs)}", params={"direction": "both"}).json()
    page.goto(f"/lineage/{q(obs)}")
    page.wait_for_selector("body[data-graph-ready]")
    shoot(page, "lineage-mosaic")
    _root_inside(page)
    labels = _labels(page)
    assert len(labels) == len(set(labels)), [k for k, n in Counter(labels).items() if n > 1]
    drawn = set(
        page.locator("#graph g.node[data-name]").evaluate_all("ns => ns.map(n => n.dataset.name)")
    )
    types = {n["name"]: n["product_type"] for n in doc["nodes"]}
    # the science chain is drawn; reference files, guide-star data, previews, associations wait
    for suffix in ("_uncal.fits", "_rate.fits", "_cal.fits", "_i2d.fits"):
        assert any(n.endswith(suffix) and types[n] == "SCIENCE" for n in drawn), suffix
    assert {types[n] for n in drawn} == {"SCIENCE"}
    badges = page.locator("#graph g.badge").evaluate_all("bs => bs.map(b => +b.dataset.count)")
    hidden = sum(1 for n in doc["nodes"] if n["product_type"] != "SCIENCE")
    assert sum(badges) == hidden and len(badges) >= 2
    # each exposure box names its visit, exposure and detector
    for text, name in zip(
        page.locator("#graph g.node[data-name] text").all_text_contents(),
        page.locator("#graph g.node[data-name]").evaluate_all("ns => ns.map(n => n.dataset.name)"),
        strict=True,
    ):
        match = EXPOSURE.match(name)
        if match:
            visit, exposure, detector = match.groups()
            assert exposure in text and detector in text.split(), (name, text)


def test_badges_open_on_demand_and_collapse_can_be_turned_off(page, api, mosaic):
    obs = mosaic["obs_id"]
    doc = api.get(f"/api/v1/lineage/{q(obs)}", params={"direction": "both"}).json()
    page.goto(f"/lineage/{q(obs)}")
    page.wait_for_selector("body[data-graph-ready]")
    before = page.locator("#graph g.node[data-name]").count()
    badge = page.locator("#graph g.badge[data-level='2b']")
    count = int(badge.get_attribute("data-count"))
    badge.click()
    # 55 opened products are more than a column draws one by one: they come as groups
    groups = page.locator("#graph g.group[data-level='2b']")
    in_groups = sum(groups.evaluate_all("gs => gs.map(g => +g.dataset.count)"))
    assert page.locator("#graph g.node[data-name]").count() + in_groups == before + count
    for _ in range(100):
        if not groups.count():
            break
        groups.first.locator("xpath=..").focus()  # its link, brought into view by the page
        page.keyboard.press("Enter")
    assert page.locator("#graph g.node[data-name]").count() == before + count
    assert page.locator("#graph g.node[data-name$='.jpg']").count() > 0
    labels = _labels(page)
    assert len(labels) == len(set(labels))
    page.get_by_label("Collapse ancillary products").uncheck()
    assert page.locator("#graph g.node[data-name]").count() == len(doc["nodes"])
    assert page.locator("#graph path.edge").count() == len(doc["edges"])
    assert page.locator("#graph g.badge, #graph g.group").count() == 0


def test_lineage_json_carries_each_links_evidence(api, mosaic):
    doc = api.get(f"/api/v1/lineage/{q(mosaic['obs_id'])}", params={"direction": "both"}).json()
    assert doc["edges"] and all(e["evidence"] for e in doc["edges"])
    for edge in doc["edges"][:: max(1, len(doc["edges"]) // 20)]:
        links = api.get(f"/api/v1/products/{q(edge['target'])}").json()["links"]["in"]
        same = [k["evidence"] for k in links if (k["source"], k["kind"], k["role"]) ==
                (edge["source"], edge["kind"], edge["role"])]  # fmt: skip
        assert edge["evidence"] in same


def test_edges_tell_kind_role_and_evidence(page, api, mosaic):
    page.goto(f"/lineage/{q(mosaic['obs_id'])}")
    page.wait_for_selector("body[data-graph-ready]")
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/v1/products/" in r.url else None)
    edge = page.locator("#graph g.edge-g:has(path.edge[data-kind='composition'])").first
    edge.focus()
    info = page.locator("#edge-info[data-evidence]")
    info.wait_for()
    text = info.inner_text()
    source, target = info.get_attribute("data-source"), info.get_attribute("data-target")
    assert source in text and target in text
    links = api.get(f"/api/v1/products/{q(target)}").json()["links"]["in"]
    link = next(k for k in links if k["source"] == source and k["kind"] == "composition")
    assert info.get_attribute("data-evidence") == link["evidence"]
    assert link["evidence"] in text
    assert link["role"] in text and "composition" in text
    assert asked == [], "the evidence comes with the lineage JSON, not a request per link"
    # pointing at the middle of another link's line shows that link instead
    x, y = page.evaluate("""() => {
        const path = document.querySelectorAll('#graph path.edge[data-kind="antecedent"]')[3];
        const p = path.getPointAtLength(path.getTotalLength() / 2)
            .matrixTransform(path.getScreenCTM());
        return [p.x, p.y]; }""")
    page.mouse.move(x, y)
    page.wait_for_function("() => document.getElementById('edge-info').dataset.source !== "
                           f"{source!r}")  # fmt: skip


def test_pan_and_zoom_with_keyboard_mouse_and_buttons(page, mosaic):
    page.goto(f"/lineage/{q(mosaic['obs_id'])}")
    page.wait_for_selector("body[data-graph-ready]")
    graph = page.locator("#graph")
    scale = lambda: float(graph.get_attribute("data-scale"))  # noqa: E731
    view = lambda: [float(v) for v in page.locator("#graph svg").get_attribute("viewBox").split()]  # noqa: E731
    first = scale()
    graph.focus()
    page.keyboard.press("+")
    assert scale() == pytest.approx(first * 1.25, rel=1e-3)
    page.keyboard.press("ArrowRight")
    assert view()[0] > 0
    page.keyboard.press("0")
    assert view()[0] == 0
    box = graph.bounding_box()
    fitted = scale()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -400)
    page.wait_for_function(
        f"() => +document.getElementById('graph').dataset.scale > {fitted + 0.01}"
    )
    x0 = view()[0]
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 200, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    assert view()[0] > x0
    page.get_by_role("button", name="Zoom out").click()
    page.get_by_role("button", name="Show root").click()
    _root_inside(page)


def test_two_fingers_pinch_to_zoom(touch_page, mosaic):
    page = touch_page
    page.goto(f"/lineage/{q(mosaic['obs_id'])}")
    page.wait_for_selector("body[data-graph-ready]")
    box = page.locator("#graph").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    before = float(page.locator("#graph").get_attribute("data-scale"))
    # Real touch input through Chromium's DevTools protocol: fingers 100 px, then 300 px apart.
    cdp = page.context.new_cdp_session(page)

    def touch(kind: str, half: float) -> None:
        points = [{"x": x - half, "y": y, "id": 1}, {"x": x + half, "y": y, "id": 2}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", 50)
    for half in range(60, 151, 10):
        touch("touchMove", half)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    after = float(page.locator("#graph").get_attribute("data-scale"))
    assert after == pytest.approx(min(4.0, before * 3), rel=0.05)


def test_5000_member_mosaic_draws_grouped_by_visit_then_exposure(big_page):
    page = big_page
    page.goto(f"/lineage/{q(MOSAIC)}")
    page.wait_for_selector("body[data-graph-ready]", timeout=120_000)
    shoot(page, "lineage-mosaic-5000")
    print(f"5,000-member lineage: fetch {page.evaluate('document.body.dataset.fetchMs')} ms, "
          f"draw {page.evaluate('document.body.dataset.drawMs')} ms")  # fmt: skip
    _root_inside(page)
    labels = _labels(page)
    assert len(labels) == len(set(labels))
    for level in ("2a", "2b", "2c"):
        counts = page.locator(f"#graph g.group[data-level='{level}']").evaluate_all(
            "gs => gs.map(g => +g.dataset.count)"
        )
        assert counts == [EXPOSURES * DETECTORS] * VISITS, level
    group = page.locator("#graph g.group[data-level='2b']", has_text="v001")
    group.click()
    counts = Counter(page.locator("#graph g.group[data-level='2b']").evaluate_all(
        "gs => gs.map(g => +g.dataset.count)"
    ))  # fmt: skip
    assert counts == {DETECTORS: EXPOSURES, EXPOSURES * DETECTORS: VISITS - 1}
    labels = _labels(page)
    assert len(labels) == len(set(labels))
    _root_inside(page)


# ---- images and the observation page ----


def _loaded(page, selector: str) -> list[int]:
    return page.locator(selector).evaluate_all("is => is.map(i => i.naturalWidth)")


def test_level3_page_shows_preview_members_strip_and_products_first(page, api, mosaic):
    page.goto(f"/observations/{q(mosaic['obs_id'])}")
    page.wait_for_selector("body[data-previews-ready][data-products-ready]")
    shoot(page, "observation-l3")
    widths = _loaded(page, "#preview img")
    assert len(widths) == 1 and widths[0] > 0
    assert "_i2d.jpg" in page.locator("#preview figcaption").inner_text()
    thumbs = _loaded(page, "#thumb-strip img")

    def has_thumbnail(member: dict) -> bool:
        doc = api.get(f"/api/v1/observations/{q(member['obs_id'])}").json()["observation"]
        return any(p.endswith("_thumb.jpg") for p in doc["products"])

    held = [m for m in mosaic["members"] if has_thumbnail(m)]
    assert len(thumbs) == min(48, len(held)) > 0 and all(w > 0 for w in thumbs)
    assert page.locator("#products h2").bounding_box()["y"] < 1000
    assert not page.locator("#member-table").is_visible()
    summary = page.locator("#members summary").inner_text()
    for kind, n in Counter(m["exptype"] for m in mosaic["members"]).items():
        assert f"{n} {kind.replace('_', ' ')}" in summary
    assert page.locator("#rights").inner_text().startswith("Public")


def test_level2_and_product_pages_show_their_previews(page, mosaic):
    member = next(m["obs_id"] for m in mosaic["members"] if m["exptype"] == "science")
    page.goto(f"/observations/{q(member)}")
    page.wait_for_selector("body[data-previews-ready][data-products-ready]")
    shoot(page, "observation-l2")
    assert [w > 0 for w in _loaded(page, "#preview img")] == [True]
    i2d = next(p for p in mosaic["products"] if p.endswith("_i2d.fits"))
    page.goto(f"/products/{q(i2d)}")
    page.wait_for_selector("body[data-previews-ready]")
    shoot(page, "product")
    assert [w > 0 for w in _loaded(page, "#preview img")] == [True]
    rate = next(p for p in mosaic["products"] if p.endswith("_segm.fits"))
    page.goto(f"/products/{q(rate)}")
    page.wait_for_selector("body[data-previews-ready]")
    assert page.locator("#preview").inner_text() == "No preview image for this product."


def test_a_mosaic_without_preview_says_so(big_page):
    big_page.goto(f"/observations/{q(MOSAIC)}")
    big_page.wait_for_selector("body[data-previews-ready]")
    assert big_page.locator("#preview").inner_text() == "No preview image for this observation."


def test_exclusive_program_shows_rights_and_locks_its_preview(page, api):
    rows = api.get("/api/v1/observations", params={"calib_level": 3, "program": "3020"}).json()
    obs = api.get(f"/api/v1/observations/{q(rows['observations'][0]['obs_id'])}").json()
    obs = obs["observation"]
    page.goto(f"/observations/{q(obs['obs_id'])}")
    page.wait_for_selector("body[data-previews-ready]")
    assert obs["data_rights"] == "EXCLUSIVE_ACCESS" and obs["release_date"]
    assert page.locator("#rights").inner_text() == f"Exclusive access until {obs['release_date']}"
    assert page.locator("dd[data-field='data_rights']").inner_text() == "EXCLUSIVE_ACCESS"
    assert "locked" in page.locator("#preview").inner_text().lower()
    page.evaluate(f"() => sessionStorage.setItem('jwlink.token', '{TOKEN}')")
    page.reload()
    page.wait_for_selector("body[data-previews-ready]")
    assert [w > 0 for w in _loaded(page, "#preview img")] == [True]


# ---- offline API docs ----


def test_api_docs_render_from_this_server_only(page, api):
    for name, kind in (("swagger-ui-bundle.js", "text/javascript"), ("swagger-ui.css", "text/css")):
        response = api.get(f"/static/api-docs/{name}")
        assert response.status_code == 200 and response.headers["content-type"].startswith(kind)
    html = api.get("/docs").text
    assert "/static/api-docs/swagger-ui-bundle.js" in html and "cdn" not in html.lower()
    paths = api.get("/openapi.json").json()["paths"]
    operations = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    page.wait_for_load_state("networkidle")
    shoot(page, "docs")
    shown = page.locator(".swagger-ui .opblock-summary").evaluate_all("""ss => ss.map(s => [
        s.querySelector('.opblock-summary-method').textContent,
        s.querySelector('.opblock-summary-path').dataset.path])""")
    assert {tuple(x) for x in shown} == operations  # an operation under two tags shows twice
    page.goto("/redoc")
    page.wait_for_selector("[role=menuitem], .menu-content")

"""The portal's stale badge, from a real `jwlink serve --crds-path --crds-context` process.

The synthetic archive's NIRISS imaging exposures (CLEAR/F150W, full frame)
name ``jwst_0303.pmap`` and exactly the reference files it selects for their
real selection parameters (`jwlink.synth.crds`); over the real CRDS cache of
``../shared/data/crds``, ``jwst_0541.pmap`` selects other files for some.
Which products are stale comes from ``GET /api/v1/stale`` (the CRDS library
itself); the observation and product pages must badge exactly those, in
Debian's headless Chromium. Screenshots go to ``test-artifacts/portal/``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from headless import NEEDS_CHROMIUM, open_tab, shoot
from portal_server import build_archive, free_port, started

CRDS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "crds"
pytestmark = [
    NEEDS_CHROMIUM,
    pytest.mark.skipif(not CRDS.is_dir(), reason=f"the real CRDS cache {CRDS} is absent"),
]
pytest.importorskip(
    "crds", reason="jwlink serve --crds-context needs the crds extra (jwlink[crds])"
)
pytest.importorskip("stdatamodels", reason="crds reads JWST keywords by stdatamodels' schema")

TARGET = "jwst_0541.pmap"


def q(name: str) -> str:
    return quote(name, safe="")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``jwlink serve`` itself, in its own process, with the real cache and a target context."""
    db, files = build_archive(tmp_path_factory.getbasetemp() / "portal-archive")
    port = free_port()
    env = {**os.environ, "CRDS_MODE": "local", "CRDS_READONLY_CACHE": "1"}
    command = [sys.executable, "-m", "jwlink", "serve", "--db", str(db), "--data-root", str(files),
               "--crds-path", str(CRDS), "--crds-context", TARGET, "--port", str(port),
               "--workers", "1", "--log-level", "warning"]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    # The context's rules load before the port opens.
    with started(command, url, timeout=120, env=env, what="jwlink serve"):
        yield url


@pytest.fixture(scope="module")
def stale_names(server: str) -> list[str]:
    """What CRDS says is stale under the target context (the server's own default)."""
    doc = httpx.get(f"{server}/api/v1/stale", timeout=300).json()
    assert doc["context"] == TARGET
    return sorted(p["name"] for p in doc["products"])


@pytest.fixture(scope="module")
def page(browser, server: str) -> Iterator[object]:
    with open_tab(browser, server, 120_000, loopback_only=True, page_errors=False) as tab:
        yield tab


def _observation_of(server: str, name: str) -> str:
    product = httpx.get(f"{server}/api/v1/products/{q(name)}", timeout=120).json()["product"]
    assert product["stale"] is True
    return str(product["obs_id"])


def test_observation_page_badges_exactly_the_stale_products(page, server, stale_names):
    assert stale_names, "the synthetic NIRISS exposures should be stale under jwst_0541.pmap"
    obs_id = _observation_of(server, stale_names[0])
    page.goto(f"/observations/{q(obs_id)}")
    page.wait_for_selector("body[data-products-ready]")
    page.wait_for_selector("body[data-previews-ready]")
    shoot(page, "observation-stale")
    rows = page.locator("tr.product").evaluate_all(
        "rs => rs.map(r => [r.dataset.name, r.querySelector('.badge.stale') !== null])"
    )
    assert rows, f"no product rows on the page of {obs_id}"
    badged = {name for name, has in rows if has}
    listed = {name for name, _ in rows}
    assert badged == listed & set(stale_names)
    assert stale_names[0] in badged
    assert page.locator("tr.product .badge.stale").first.is_visible()


def test_product_page_badges_a_stale_product_and_not_a_fresh_one(page, server, stale_names):
    name = stale_names[0]
    page.goto(f"/products/{q(name)}")
    page.wait_for_selector("body[data-previews-ready]")
    shoot(page, "product-stale")
    badge = page.locator("#stale.badge.stale")
    assert badge.is_visible() and "stale" in badge.inner_text()
    assert page.locator("dd[data-field='stale']").inner_text().startswith("yes")
    # The same exposure's fresh products (its _uncal, say) carry the flag, false, and no badge.
    links = httpx.get(f"{server}/api/v1/products/{q(name)}", timeout=120).json()["links"]
    fresh = [lk["source"] for lk in links["in"] if lk["source"] not in stale_names
             and lk["source"].endswith(".fits") and lk["kind"] == "antecedent"]  # fmt: skip
    assert fresh, f"{name} has no antecedent to compare with"
    page.goto(f"/products/{q(fresh[0])}")
    page.wait_for_selector("body[data-previews-ready]")
    assert page.locator("#stale").count() == 0
    assert page.locator("dd[data-field='stale']").inner_text() == "no"

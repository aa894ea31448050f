"""An exposure's engineering data and guider exposures in the portal, in headless Chromium.

The synthetic archive links the real Engineering Database series of
``../shared/data/engdb`` (pointing quaternions ``SA_ZATTEST1``-``4``) to the
exposures of each program's first visit, and guider exposures to the
science exposures they guided. The product page must list them grouped
(series by mnemonic, guider files by guider exposure) and out of the table
of direct links; the linkage picture must draw the series behind a badge.
Screenshots go to ``test-artifacts/portal/``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from headless import NEEDS_CHROMIUM, open_tab, shoot
from portal_server import build_archive, serve

from jwlink.store import open_store

pytestmark = NEEDS_CHROMIUM


def q(name: str) -> str:
    return quote(name, safe="")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build_archive(tmp_path_factory.getbasetemp() / "portal-archive")


@pytest.fixture(scope="module")
def server(archive: tuple[Path, Path]) -> Iterator[str]:
    with serve(*archive) as url:
        yield url


@pytest.fixture(scope="module")
def exposure(archive: tuple[Path, Path]) -> str:
    """A public ``_cal`` exposure with engineering series and guider exposures linked to it."""
    store = open_store(str(archive[0]))
    try:
        rows = store.execute(
            "SELECT l.target FROM links l JOIN products p ON p.name = l.target "
            "WHERE l.role LIKE 'engineering:%' AND p.suffix = 'cal' "
            "AND UPPER(COALESCE(p.data_rights, 'PUBLIC')) = 'PUBLIC' "
            "AND EXISTS (SELECT 1 FROM links g WHERE g.target = l.target "
            "AND g.role = 'guide_star') ORDER BY l.target"
        )
    finally:
        store.close()
    assert rows, "the synthetic archive should link engineering series to a public _cal"
    return str(rows[0][0])


@pytest.fixture(scope="module")
def page(browser, server: str) -> Iterator[object]:
    with open_tab(browser, server, 60_000) as tab:
        yield tab


def _links_in(server: str, name: str) -> list[dict]:
    doc = httpx.get(f"{server}/api/v1/products/{q(name)}", timeout=60).json()
    return list(doc["links"]["in"])


def test_product_page_groups_engineering_series_by_mnemonic(page, server, exposure):
    links = _links_in(server, exposure)
    series: dict[str, set[str]] = defaultdict(set)
    for link in links:
        if link["role"].startswith("engineering:"):
            assert link["kind"] == "contributing"
            series[link["role"].split(":", 1)[1]].add(link["source"])
    assert series
    page.goto(f"/products/{q(exposure)}")
    page.wait_for_selector("body[data-previews-ready]")
    page.locator("#engineering").scroll_into_view_if_needed()
    shoot(page, "product-engineering")
    rows = page.locator("#engineering-table tbody tr").evaluate_all(
        "rs => rs.map(r => [r.dataset.mnemonic, [...r.querySelectorAll('a')].map(a => a.title)])"
    )
    assert {m: set(names) for m, names in rows} == series
    assert [m for m, _ in rows] == sorted(series)  # one row per mnemonic, in order
    # The table of direct links keeps the science chain and reference files, not these.
    shown = page.locator("#link-table tbody tr td:nth-child(4)").all_inner_texts()
    assert shown and not any(r.startswith("engineering") or r == "guide_star" for r in shown)


def test_product_page_lists_guider_exposures_once_each(page, server, exposure):
    guiders = {k["source"] for k in _links_in(server, exposure) if k["role"] == "guide_star"}
    assert guiders
    page.goto(f"/products/{q(exposure)}")
    page.wait_for_selector("body[data-previews-ready]")
    rows = page.locator("#guiders-table tbody tr").evaluate_all(
        "rs => rs.map(r => [r.dataset.guider, [...r.querySelectorAll('a')].map(a => a.title)])"
    )
    files = [f for _, names in rows for f in names]
    assert sorted(files) == sorted(guiders)  # every guider file, each once
    for stem, names in rows:
        assert all(n.startswith(stem) and n != stem for n in names)
    assert len(rows) < len(guiders)  # a guider exposure's files share one row


def test_lineage_picture_keeps_engineering_series_behind_a_badge(page, server, exposure):
    doc = httpx.get(f"{server}/api/v1/lineage/{q(exposure)}", timeout=60).json()
    engineering = {n["name"] for n in doc["nodes"] if n["product_type"] == "ENGINEERING"}
    assert engineering
    page.goto(f"/lineage/{q(exposure)}")
    page.wait_for_selector("body[data-graph-ready]")
    shoot(page, "lineage-engineering")
    drawn = set(
        page.locator("#graph g.node[data-name]").evaluate_all("gs => gs.map(g => g.dataset.name)")
    )
    assert not drawn & engineering
    badge = page.locator("#graph g.badge", has_text=f"{len(engineering)} engineering series")
    assert badge.count() == 1
    badge.click()
    page.wait_for_function(
        "n => document.querySelectorAll('#graph g.node[data-name]').length > n", arg=len(drawn)
    )
    drawn = set(
        page.locator("#graph g.node[data-name]").evaluate_all("gs => gs.map(g => g.dataset.name)")
    )
    assert engineering <= drawn

"""Time to the first rendered product table of an observation page, and to the drawn
linkage picture of a lineage page, in headless Chromium.

Run against a running server that includes the portal::

    python benchmarks/portal_first_view.py --url http://127.0.0.1:8000 [--obs-id ID]
        [--lineage NAME] [--runs 5] [--out result.json]

or on a synthetic 5,000-member mosaic that the script makes, ingests and
serves itself (an ``image3`` association of 10 visits × 125 exposures × 4
detectors, as the portal's browser tests use)::

    python benchmarks/portal_first_view.py --mosaic-5000 [--runs 5]

The lineage time is ``performance.mark("jwlink:graph-drawn")`` from
navigation start (fetching the lineage JSON included), with the page's own
split beside it: the API call, and the layout and drawing of the picture.

Without ``--obs-id`` the largest observation of the catalog is chosen: the
Level 3 observations with most members (from ``/api/v1/observations/{id}``),
then the one of those with the longest product list. The time is
``performance.mark("jwlink:first-products")``, set by the page when its
first product table is in the DOM, measured from navigation start; the API
time of the same product-list call is given beside it. The first run warms
caches and is reported apart. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _pages(client: httpx.Client, params: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        doc = client.get(
            "/api/v1/observations", params={**params, "page": page, "page_size": 1000}
        ).json()
        rows += doc["observations"]
        if len(rows) >= doc["total"] or not doc["observations"]:
            return rows
        page += 1


def product_total(client: httpx.Client, obs_id: str) -> int:
    doc = client.get(f"/api/v1/observations/{quote(obs_id, safe='')}/products",
                     params={"page_size": 1}, timeout=120).json()  # fmt: skip
    return int(doc["total"])


def largest_observation(url: str) -> tuple[str, int]:
    """Return the observation with the longest product list, and its length."""
    with httpx.Client(base_url=url, timeout=60) as client:
        level3 = [o["obs_id"] for o in _pages(client, {"calib_level": 3})]
        if not level3:
            level3 = [o["obs_id"] for o in _pages(client, {})]

        def members(obs_id: str) -> tuple[int, str]:
            doc = client.get(f"/api/v1/observations/{quote(obs_id, safe='')}").json()
            return len(doc["observation"].get("members") or []), obs_id

        with ThreadPoolExecutor(4) as pool:
            ranked = sorted(pool.map(members, level3), reverse=True)[:3]
        sized = sorted(((product_total(client, o), o) for _, o in ranked), reverse=True)
    total, obs_id = sized[0]
    return obs_id, total


def api_seconds(url: str, obs_id: str, runs: int) -> list[float]:
    """Time the product-list call the page makes first (MRP, first page of 100)."""
    times = []
    with httpx.Client(base_url=url, timeout=120) as client:
        for _ in range(runs):
            started = time.perf_counter()
            path = f"/api/v1/observations/{quote(obs_id, safe='')}/products"
            params = {"page": 1, "page_size": 100, "mrp": "true"}
            client.get(path, params=params).raise_for_status()
            times.append(time.perf_counter() - started)
    return times


def first_view_seconds(url: str, obs_id: str, runs: int) -> list[float]:
    """Open the observation page ``runs`` times; return seconds to the first product table."""
    from playwright.sync_api import sync_playwright

    page_url = f"{url}/observations/{quote(obs_id, safe='')}"
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                context = browser.new_context()
                page = context.new_page()
                page.goto(page_url)
                page.wait_for_selector("body[data-products-ready] section.group tr.product",
                                       timeout=120_000)  # fmt: skip
                mark = page.evaluate(
                    "() => performance.getEntriesByName('jwlink:first-products')[0].startTime"
                )
                times.append(mark / 1000)
                # The page asks for the MRP explanations after its first view; let that
                # finish so it does not compete with the next run's product list.
                page.wait_for_selector("body[data-explain-ready]", timeout=300_000)
                context.close()
        finally:
            browser.close()
    return times


def lineage_seconds(url: str, name: str, runs: int) -> list[dict[str, float]]:
    """Open the lineage page of ``name`` ``runs`` times; return its timings in seconds."""
    from playwright.sync_api import sync_playwright

    page_url = f"{url}/lineage/{quote(name, safe='')}"
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                page.goto(page_url)
                page.wait_for_selector("body[data-graph-ready]", timeout=300_000)
                got = page.evaluate("""() => ({
                    shown: performance.getEntriesByName('jwlink:graph-drawn')[0].startTime,
                    fetch: +document.body.dataset.fetchMs, draw: +document.body.dataset.drawMs,
                    boxes: document.querySelectorAll('#graph g.node').length})""")
                times.append({"to_picture": got["shown"] / 1000, "api": got["fetch"] / 1000,
                              "draw": got["draw"] / 1000, "boxes": got["boxes"]})  # fmt: skip
                context.close()
        finally:
            browser.close()
    return times


def _summary(runs: list[dict[str, float]], key: str) -> dict[str, Any]:
    values = [r[key] for r in runs]
    warm = values[1:] or values
    return {"cold": round(values[0], 3), "median": round(statistics.median(warm), 3),
            "runs": [round(v, 3) for v in values]}  # fmt: skip


def lineage_result(url: str, name: str, runs: int) -> dict[str, Any]:
    """Time the lineage page of ``name``; the first run is cold, the rest give the median."""
    with httpx.Client(base_url=url, timeout=300) as client:
        doc = client.get(f"/api/v1/lineage/{quote(name, safe='')}",
                         params={"direction": "both"}).json()  # fmt: skip
    timed = lineage_seconds(url, name, runs + 1)
    return {
        "lineage": name, "nodes": len(doc["nodes"]), "edges": len(doc["edges"]),
        "boxes_drawn": timed[0]["boxes"],
        "to_picture_s": _summary(timed, "to_picture"), "api_lineage_s": _summary(timed, "api"),
        "layout_and_draw_s": _summary(timed, "draw"),
    }  # fmt: skip


def mosaic_5000(runs: int) -> dict[str, Any]:
    """Make, ingest and serve the synthetic 5,000-member mosaic; time its lineage page."""
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from portal_server import MOSAIC, build_mosaic, serve

    with tempfile.TemporaryDirectory(prefix="jwlink-mosaic-") as folder:
        db = build_mosaic(Path(folder))
        with serve(db) as url:
            return lineage_result(url, MOSAIC, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="base URL of a server with the portal")
    parser.add_argument("--obs-id", help="observation to open (default: the largest)")
    parser.add_argument("--lineage", help="also time the lineage page of this name")
    parser.add_argument(
        "--mosaic-5000", action="store_true",
        help="time only the lineage page of a synthetic 5,000-member mosaic",
    )  # fmt: skip
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    if args.mosaic_5000:
        _report(mosaic_5000(args.runs), args.out)
        return
    if not args.url:
        parser.error("--url is required unless --mosaic-5000 is given")
    url = args.url.rstrip("/")
    with httpx.Client(base_url=url, timeout=120) as client:
        obs_id = args.obs_id or largest_observation(url)[0]
        total = product_total(client, obs_id)
    api = api_seconds(url, obs_id, args.runs)
    views = first_view_seconds(url, obs_id, args.runs + 1)
    warm = views[1:]
    result = {
        "obs_id": obs_id,
        "products": total,
        "first_view_s": {"cold": round(views[0], 3), "median": round(statistics.median(warm), 3),
                         "min": round(min(warm), 3), "runs": [round(v, 3) for v in views]},
        "api_products_mrp_page1_s": {"median": round(statistics.median(api), 3),
                                     "runs": [round(v, 3) for v in api]},
    }  # fmt: skip
    if args.lineage:
        result["lineage_page"] = lineage_result(url, args.lineage, args.runs)
    _report(result, args.out)


def _report(result: dict[str, Any], out: Path | None) -> None:
    text = json.dumps(result, indent=2)
    print(text)
    if out:
        out.write_text(text + "\n")


if __name__ == "__main__":
    main()

"""Time to the first rendered product table of an observation page, in headless Chromium.

Run against a running server that includes the portal::

    python benchmarks/portal_first_view.py --url http://127.0.0.1:8000 [--obs-id ID]
        [--runs 5] [--out result.json]

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="base URL of a server with the portal")
    parser.add_argument("--obs-id", help="observation to open (default: the largest)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install -y chromium")
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
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()

"""Debian's headless Chromium for the portal's browser tests: where it is, how it starts.

Playwright drives the system browser (never a downloaded one); tests that
need it are skipped with `NEEDS_CHROMIUM` when it is not installed. The
module-scoped ``browser`` fixture (conftest.py) launches it once per module;
`open_tab` opens a checked tab in it, `shoot` saves what a tab shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

__all__ = [
    "ARTIFACTS",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "LOOPBACK",
    "NEEDS_CHROMIUM",
    "open_tab",
    "shoot",
]

CHROMIUM = Path("/usr/bin/chromium")
NEEDS_CHROMIUM = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="headless Chromium tests need /usr/bin/chromium "
    "(apt-get install -y chromium chromium-driver)",
)  # fmt: skip
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
# Screenshots of every page, for a person to look at (not compared by tests).
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "portal"
# A page may load nothing from outside the machine (no CDN, no fonts).
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@contextmanager
def open_tab(
    browser: Any,
    base_url: str,
    timeout_ms: int,
    *,
    loopback_only: bool = False,
    page_errors: bool = True,
    **options: Any,
) -> Iterator[Any]:
    """Open a tab of a fresh 1400×1000 browser context on ``base_url``; check it when it closes.

    Parameters
    ----------
    browser, base_url, timeout_ms
        The launched browser, the server's URL, every wait's default timeout.
    loopback_only
        Abort requests to anything but loopback, and fail if any was attempted.
    page_errors
        Fail if a script on a page threw.
    **options
        More ``new_context`` options (``has_touch``, ``accept_downloads``).
    """
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1400, "height": 1000}, **options
    )
    outside: list[str] = []
    errors: list[str] = []

    def gate(route: Any) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    if loopback_only:
        context.route("**/*", gate)
    try:
        tab = context.new_page()
        if page_errors:
            tab.on("pageerror", lambda err: errors.append(str(err)))
        tab.set_default_timeout(timeout_ms)
        yield tab
    finally:
        context.close()
    assert not outside, f"requests left loopback: {outside}"
    assert not errors, errors


def shoot(page: Any, name: str, full_page: bool = False) -> None:
    """Save what ``page`` shows (the first view, or all of it) as ``ARTIFACTS/<name>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)

"""Debian's headless Chromium for the portal's browser tests: where it is, how it starts.

Playwright drives the system browser (never a downloaded one); tests that
need it are skipped with `NEEDS_CHROMIUM` when it is not installed. The
module-scoped ``browser`` fixture (conftest.py) launches it once per module.
"""

from __future__ import annotations

from pathlib import Path

import pytest

__all__ = ["ARTIFACTS", "CHROMIUM", "CHROMIUM_ARGS", "LOOPBACK", "NEEDS_CHROMIUM"]

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

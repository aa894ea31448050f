"""Files of the spacetelescope/jwst repository, for tests that check jwlink against them.

A helper module (test files import from here, never from each other):
`jwst_file` reads a file of the jwst mirror at the commit the pipeline-modes
table was read from (`jwlink.core.pipeline_modes.JWST_COMMIT`), skipping when
the mirror is absent; `doc_example` takes an association out of a docs page.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from jwlink.core import pipeline_modes as pm

__all__ = ["JWST_MIRROR", "doc_example", "jwst_file"]

JWST_MIRROR = Path("/work/.mirror/spacetelescope+jwst/repo")


def jwst_file(path: str) -> str:
    """Return a file of the jwst repository at the table's commit, or skip."""
    if not JWST_MIRROR.is_dir():
        pytest.skip(f"jwst mirror not found at {JWST_MIRROR}")
    done = subprocess.run(
        ["git", "-C", str(JWST_MIRROR), "show", f"{pm.JWST_COMMIT}:{path}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"{path} is not in jwst at {pm.JWST_COMMIT}: {done.stderr}"
    return done.stdout


def doc_example(text: str, product: str) -> dict:
    """Return the JSON association block of an .rst page that defines ``product``."""
    at = text.index(f'"name": "{product}"')
    start = text.rindex("{\n", 0, at)
    depth, end = 0, start
    for end in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0:
            break
    return json.loads(text[start : end + 1])

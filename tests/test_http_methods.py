"""HEAD wherever GET is, a full ``Allow`` on each 405, sane answers to absurd ranges (issue 17).

Every route of the served application's route table (API and portal) is
asked for for real, on loopback: HEAD answers as GET does, without a body;
a method the path does not take answers 405 whose ``Allow`` lists every
method its routes declare. A ``Range`` of 5,000 digits, or beyond int64,
answers with jwlink's own message, never Python's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from files_archive import OBS, catalog_files
from threaded_server import running

from jwlink.app import create_app
from jwlink.portal.static import static_files

NAME = "jw01234-o001_t001_nircam_clear-f200w_i2d.fits"
DATA = bytes(range(256)) * 8
_PARAMETER = re.compile(r"\{(?P<name>\w+)(?::\w+)?\}")
_VALUES = {"obs_id": OBS, "name": NAME, "kind": "zip", "path": next(iter(static_files()))}
_QUERY = {"obs_id": OBS, "name": NAME, "uri": f"mast:JWST/product/{NAME}", "mrp": "false"}


def _flat(routes: list[Any]) -> Iterator[Any]:
    """Every route, those of included routers too."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _flat(included.routes)
        else:
            yield route


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[tuple[str, list[Any]]]:
    root = tmp_path / "root"
    (root / "obs").mkdir(parents=True)
    (root / "obs" / NAME).write_bytes(DATA)
    catalog_files(db_url, {NAME: root / "obs" / NAME})
    app = create_app(db_url, root)
    with running(app) as url:
        yield url, list(_flat(app.router.routes))


def _concrete(path: str) -> str:
    return _PARAMETER.sub(lambda m: _VALUES[m["name"]], path)


def _declared(routes: list[Any], path: str) -> set[str]:
    """The methods the routes whose pattern matches ``path`` declare (HEAD with GET)."""
    methods: set[str] = set()
    for route in routes:
        if route.path_regex.fullmatch(path):
            methods |= set(route.methods or ())
    return methods | ({"HEAD"} if "GET" in methods else set())


def test_every_get_route_answers_head_as_get(served: tuple[str, list[Any]]) -> None:
    url, routes = served
    paths = sorted({_concrete(r.path) for r in routes if "GET" in (r.methods or ())})
    assert len(paths) > 20
    with httpx.Client(base_url=url, timeout=60) as client:
        for path in paths:
            got = client.get(path, params=_QUERY)
            head = client.head(path, params=_QUERY)
            assert head.status_code == got.status_code, path
            assert head.status_code != 405 and head.content == b"", path
            assert head.headers.get("content-type") == got.headers.get("content-type"), path
            if got.status_code == 200 and "content-length" in got.headers and path != "/":
                assert head.headers["content-length"] == got.headers["content-length"], path


def test_a_405_allows_every_method_of_the_path(served: tuple[str, list[Any]]) -> None:
    url, routes = served
    paths = sorted({_concrete(r.path) for r in routes})
    refusals = 0
    with httpx.Client(base_url=url, timeout=60) as client:
        for path in paths:
            declared = _declared(routes, path)
            for method in sorted({"GET", "POST", "DELETE", "PUT"} - declared):
                refused = client.request(method, path, params=_QUERY)
                assert refused.status_code == 405, (method, path)
                allow = {m.strip() for m in refused.headers["allow"].split(",")}
                assert allow == declared, (method, path)
                refusals += 1
    assert refusals > len(paths)
    # The case the issue found: the file route declares GET and HEAD apart.
    assert _declared(routes, f"/api/v1/files/{NAME}") == {"GET", "HEAD"}


ABSURD = "9" * 5000
BEYOND_INT64 = str(2**63)


@pytest.mark.parametrize("first", [ABSURD, BEYOND_INT64, "99999999999999999999"])
def test_a_range_starting_beyond_any_file_is_416_in_our_words(
    served: tuple[str, list[Any]], first: str
) -> None:
    url, _ = served
    response = httpx.get(f"{url}/api/v1/files/{NAME}", headers={"Range": f"bytes={first}-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(DATA)}"
    message = response.json()["error"]
    assert "outside the file" in message and "digits" not in message and "int" not in message
    assert len(message) < 200  # the header is not echoed whole


@pytest.mark.parametrize(
    ("spec", "start", "stop"),
    [
        (f"bytes=10-{ABSURD}", 10, len(DATA)),  # a last byte beyond the end means the end
        (f"bytes=0-{BEYOND_INT64}", 0, len(DATA)),
        (f"bytes=-{ABSURD}", 0, len(DATA)),  # a suffix longer than the file is the file
    ],
)
def test_absurd_range_ends_mean_the_end_of_the_file(
    served: tuple[str, list[Any]], spec: str, start: int, stop: int
) -> None:
    url, _ = served
    response = httpx.get(f"{url}/api/v1/files/{NAME}", headers={"Range": spec})
    assert response.status_code == 206
    assert response.content == DATA[start:stop]
    assert response.headers["content-range"] == f"bytes {start}-{stop - 1}/{len(DATA)}"


def test_a_malformed_range_is_refused_in_our_words(served: tuple[str, list[Any]]) -> None:
    url, _ = served
    for spec in (f"bytes={ABSURD}x-", "bytes=-", f"bytes={'1' * 4400}-{'2' * 4400}"):
        response = httpx.get(f"{url}/api/v1/files/{NAME}", headers={"Range": spec})
        assert response.status_code == 416, spec
        message = response.json()["error"]
        assert "integer" not in message and "digits" not in message and len(message) < 200

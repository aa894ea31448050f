"""Host allow-list and --public-url: links never follow a Host the server does not serve.

A DNS-rebinding page (or any caller) names its own host in ``Host``; curl
scripts, manifests and DataLink access URLs are built from the server's
base URL, and a curl script sends the caller's token to it. These tests run
the application under uvicorn on loopback and talk to it with httpx.
"""

# ruff: noqa: F811 - the archive fixture is imported, then requested by name
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from api_archive import I2D, L3, Archive, archive  # noqa: F401 - archive is a fixture
from click.testing import CliRunner
from threaded_server import running

from jwlink.api.hosts import HostPolicy, default_allowed, host_name, parse_public_url
from jwlink.app import create_app
from jwlink.cli import main
from jwlink.errors import JwlinkError

PUBLIC = "https://archive.example/jw"
EVIL = "evil.example"

# Every surface: JSON API, portal page, file download, MAST, DataLink, bundle script.
ROUTES = [
    ("GET", "/api/v1/observations?page_size=2"),
    ("GET", f"/observations/{L3}"),
    ("GET", f"/api/v1/files/{I2D}"),
    ("GET", "/api/v1/bundle.sh?obs_id=" + L3),
    ("GET", f"/datalink/links?ID={I2D}"),
    ("POST", "/api/v0/invoke"),
]


@contextmanager
def served(archive: Archive, **hosts: Any) -> Iterator[str]:
    app = create_app(archive.db_url, archive.data_root, archive.tokens, **hosts)
    with running(app) as url:
        yield url


def _get(url: str, path: str, host: str, method: str = "GET") -> httpx.Response:
    data = {"request": '{"service": "Mast.Caom.Cone"}'} if method == "POST" else None
    return httpx.request(method, url + path, headers={"Host": host}, data=data, timeout=30)


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("localhost", "localhost"),
        ("LocalHost:8000", "localhost"),
        ("localhost.", "localhost"),
        ("[::1]:8000", "::1"),
        ("[::1]", "::1"),
        ("::1", "::1"),
        ("127.0.0.1:80", "127.0.0.1"),
        ("evil.example:80:90", "evil.example:80:90"),
    ],
)
def test_host_names_drop_port_case_and_brackets(value: str, name: str) -> None:
    assert host_name(value) == name


def test_policy_defaults_and_public_host() -> None:
    assert set(default_allowed("0.0.0.0")) == {"localhost", "127.0.0.1", "::1"}
    assert "10.1.2.3" in default_allowed("10.1.2.3")
    policy = HostPolicy.build(["a.example,B.example:8000", "[::1]"], PUBLIC + "/")
    assert policy.allowed == {"a.example", "b.example", "::1", "archive.example"}
    assert policy.public_url == PUBLIC
    assert policy.allows("archive.example:443") and not policy.allows(EVIL)
    assert HostPolicy.build(None).allows(EVIL)
    assert HostPolicy.build(["*"]).allows(EVIL)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://x.example",
        "archive.example",
        "https://u:p@x.example",
        "https://x.example/?a=1",
        "http://x.example:99999",
    ],  # fmt: skip
)
def test_bad_public_urls_are_refused(url: str) -> None:
    with pytest.raises(JwlinkError, match="--public-url"):
        parse_public_url(url)


def test_serve_refuses_a_bad_public_url_before_serving(tmp_path: Any) -> None:
    made = CliRunner().invoke(main, ["synth", "--products", "20", "--catalog-only", "--db",
                                     str(tmp_path / "c.db")])  # fmt: skip
    assert made.exit_code == 0, made.output
    result = CliRunner().invoke(
        main, ["serve", "--db", str(tmp_path / "c.db"), "--public-url", "ftp://x.example"]
    )
    assert result.exit_code != 0
    assert "--public-url" in result.output and "http(s)://" in result.output


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_rebinding_host_gets_400_everywhere(archive: Archive, method: str, path: str) -> None:
    with served(archive, allowed_hosts=default_allowed("127.0.0.1")) as url:
        answer = _get(url, path, EVIL, method)
    assert answer.status_code == 400, answer.text
    if path.startswith("/datalink"):
        assert "evil.example" in answer.text  # a VOTable error document for DataLink clients
        return
    body = answer.json()
    assert body["ok"] is False and body["status"] == 400
    assert "evil.example" in body["error"] and "--allowed-hosts" in body["error"]


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST:8000", "127.0.0.1", "[::1]:8000", "::1"])
def test_loopback_variants_are_served(archive: Archive, host: str) -> None:
    with served(archive, allowed_hosts=default_allowed("127.0.0.1")) as url:
        assert _get(url, "/api/v1/observations?page_size=2", host).status_code == 200
        assert _get(url, f"/api/v1/files/{I2D}", host).status_code == 200


def test_allowed_hosts_list_and_star(archive: Archive) -> None:
    with served(archive, allowed_hosts=["data.example"]) as url:
        assert _get(url, "/api/v1/observations", "data.example:8443").status_code == 200
        assert _get(url, "/api/v1/observations", "localhost").status_code == 400
    with served(archive, allowed_hosts=["*"]) as url:
        script = _get(url, f"/api/v1/bundle.sh?obs_id={L3}", "anything.example").text
    # Any host allowed, no public URL: links follow the Host, as asked.
    assert "http://anything.example/api/v1/files/" in script


def _urls(text: str) -> set[str]:
    return set(re.findall(r"https?://[^\s'\"<&]+", text))


@pytest.mark.parametrize("host", ["localhost", "archive.example"])
def test_public_url_pins_every_link(archive: Archive, host: str) -> None:
    with served(archive, allowed_hosts=default_allowed("127.0.0.1"), public_url=PUBLIC) as url:
        script = _get(url, f"/api/v1/bundle.sh?obs_id={L3}&token=secret", host)
        manifest = _get(url, f"/api/v1/manifest.json?obs_id={L3}", host)
        links = _get(url, f"/datalink/links?ID={I2D}", host)
        form = httpx.post(
            url + "/api/v0.1/Download/bundle.sh",
            data={"uri": f"mast:JWST/product/{I2D}"},
            headers={"Host": host},
            timeout=30,
        )
        refused = _get(url, f"/api/v1/manifest.json?obs_id={L3}", EVIL)
    assert refused.status_code == 400
    for answer in (script, manifest, links, form):
        assert answer.status_code == 200, answer.text
    files = manifest.json()["files"]
    assert files and all(f["url"].startswith(PUBLIC + "/api/v1/files/") for f in files)
    for answer in (script, links, form):
        # Links to this server (vocabulary URIs such as ivoa.net's are not).
        found = {u for u in _urls(answer.text) if "/api/" in u}
        assert found, answer.text[:500]
        assert [u for u in found if not u.startswith(PUBLIC + "/api/")] == []
        assert url.split("//")[1] not in answer.text and "localhost" not in answer.text
    assert f"{PUBLIC}/api/v1/files/{I2D}" in script.text
    # The command to fetch the script again names the public URL, never the token.
    assert f"{PUBLIC}/api/v1/bundle.sh?obs_id=" in script.text and "secret" not in script.text
    assert f"{PUBLIC}/api/v0.1/Download/file?uri=" in links.text

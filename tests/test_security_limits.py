# ruff: noqa: F811 - the archive and server fixtures are imported, then requested by name
"""Limits (page sizes, names per request, value and URL lengths, bodies) and tokens in logs.

Page sizes follow each protocol: the native API refuses a page larger than
its maximum (422, the schema says so), MAST clamps ``pagesize`` and reports
the size it used, DataLink clamps ``MAXREC`` and marks the cut with
``QUERY_STATUS=OVERFLOW``. Bodies above ``max_body`` get 413 on every POST
route, JSON and form alike, whether the length is declared or the body is
chunked; against a real server, a declared length of a terabyte is refused
without waiting for the body, and a chunked stream is cut off soon after
the limit. No token value reaches any log, at any level, whether it came as
a header, a cookie or a query parameter.
"""

from __future__ import annotations

import json
import logging
import re
import select
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from api_archive import (  # noqa: F401 - fixtures
    I2D,
    L3,
    SECRET_I2D,
    TOKEN_9505,
    TOKEN_ALL,
    TOKEN_OTHER,
    Archive,
    Server,
    archive,
    client_for,
    server,
)
from security_probes import BASELINE, all_probes

FORM = {"content-type": "application/x-www-form-urlencoded"}
FORGED = "forged-token-Q7xW2m"


@pytest.fixture(scope="module")
def client(archive: Archive) -> Iterator[Any]:
    with client_for(archive) as c:
        yield c


def _mashup(request: dict[str, Any]) -> dict[str, Any]:
    return {"request": json.dumps(request)}


def _rows(votable: str) -> int:
    return votable.count("<TR>")


def _status(votable: str) -> str:
    return re.search(r'name="QUERY_STATUS" value="(\w+)"', votable).group(1)  # type: ignore[union-attr]


# ---------------------------------------------------------------- page sizes


def test_page_sizes(client: Any) -> None:
    for url in ("/api/v1/observations", f"/api/v1/observations/{L3}/products"):
        refused = client.get(url, params={"page_size": 10_001})
        assert refused.status_code == 422 and "page_size" in refused.json()["error"]
    big = {"service": "Mast.Caom.Filtered", "pagesize": 10**9, "params": {"filters": []}}
    answer = client.post("/api/v0/invoke", data=_mashup(big)).json()
    assert answer["status"] == "COMPLETE" and answer["paging"]["pageSize"] == 50_000
    whole = client.get("/datalink/links", params={"ID": I2D}).text
    assert _status(whole) == "OK" and _rows(whole) > 3
    cases = ((2, 2, "OVERFLOW"), (0, 0, "OVERFLOW"), (10**12, _rows(whole), "OK"))
    for maxrec, rows, status in cases:
        query = {"ID": I2D, "MAXREC": maxrec}
        for text in (
            client.get("/datalink/links", params=query).text,
            client.post("/datalink/links", data=query).text,
        ):
            assert (_rows(text), _status(text)) == (rows, status), maxrec
    for bad in ("-1", "abc", "1.5", "٣"):
        response = client.get("/datalink/links", params={"ID": I2D, "MAXREC": bad})
        assert response.status_code == 400 and "UsageFault: MAXREC" in response.text


# ---------------------------------------------------------------- how much one request may ask


def test_too_many_names(client: Any) -> None:
    # short names: the whole query string stays under the 8 KiB request-target cap
    response = client.get("/api/v1/manifest.json", params={"name": ["a"] * 1001})
    assert response.status_code == 400 and "At most 1000" in response.json()["error"]
    names = [f"x{i}.fits" for i in range(1001)]
    form = "&".join(f"uri=mast:JWST/product/{n}" for n in names)
    response = client.post("/api/v0.1/Download/bundle.zip", content=form, headers=FORM)
    assert response.status_code == 400 and "At most 1000" in response.json()["error"]
    text = client.post("/datalink/links", data={"ID": [I2D] * 1001}).text
    assert _status(text) == "OVERFLOW"
    products = {"service": "Mast.Caom.Products", "params": {"obsid": ",".join(["1"] * 5001)}}
    assert client.post("/api/v0/invoke", data=_mashup(products)).json()["status"] == "ERROR"
    assert client.post("/api/v1/completeness", json=["a"] * 100_001).status_code == 422
    many = client.get("/api/v1/observations", params={"program": [str(i) for i in range(101)]})
    assert many.status_code == 422


def test_overlong_values(client: Any) -> None:
    long = "jw" + "9" * 2000
    assert client.get(f"/api/v1/products/{long}").status_code == 400
    assert client.get(f"/api/v1/files/{long}").status_code == 400
    assert client.get("/api/v1/observations", params={"target": "x" * 300}).status_code == 422
    text = client.get("/datalink/links", params={"ID": long}).text
    assert "NotFoundFault" in text


# ---------------------------------------------------------------- bodies


def _post_operations(client: Any) -> list[tuple[str, str]]:
    doc = client.app.openapi()
    found = []
    for path, operations in doc["paths"].items():
        if "post" in operations:
            media = next(iter(operations["post"]["requestBody"]["content"]))
            found.append((path.replace("{kind}", "zip"), media))
    return found


def test_every_post_route_refuses_a_body_over_the_limit(client: Any) -> None:
    operations = _post_operations(client)
    assert len(operations) == 6, operations  # completeness, changes, bundle, MAST, DataLink, ...
    state = client.app.state.jwlink
    saved, state.max_body = state.max_body, 1000
    try:
        for path, media in operations:
            kind = {"content-type": media}
            declared = client.post(path, content=b"x" * 2000, headers=kind)
            assert declared.status_code == 413, (path, declared.text[:200])
            chunked = client.post(path, content=iter([b"x" * 600] * 4), headers=kind)
            assert chunked.status_code == 413, (path, chunked.text[:200])
            small = client.post(path, content=b"[]" if "json" in media else b"x=1", headers=kind)
            assert small.status_code != 413, path
    finally:
        state.max_body = saved


def _raw(server: Server) -> socket.socket:
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    sock = socket.create_connection((host, port), timeout=30)
    return sock


def _response_status(sock: socket.socket) -> int:
    data = b""
    while b"\r\n" not in data:
        part = sock.recv(4096)
        if not part:
            break
        data += part
    return int(data.split(b" ", 2)[1])


def test_a_declared_huge_body_is_refused_without_reading_it(server: Server) -> None:
    with _raw(server) as sock:
        sock.sendall(
            b"POST /api/v0/invoke HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 1000000000000\r\n\r\nrequest="
        )
        assert _response_status(sock) == 413  # answered with the body still owed
    assert httpx.get(f"{server.url}/whoami").status_code == 200


@pytest.mark.parametrize("path", ["/api/v0/invoke", "/api/v1/completeness"])
def test_a_chunked_body_is_cut_off_after_the_limit(server: Server, path: str) -> None:
    chunk = b"x" * (1 << 20)
    sent, status = 0, None
    with _raw(server) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        try:
            while sent < 256 * len(chunk):  # far beyond the 16 MiB limit
                if select.select([sock], [], [], 0)[0]:
                    break  # the server has answered
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection after answering
        status = _response_status(sock)
    assert status == 413
    assert sent < 64 * len(chunk), sent  # it stopped reading soon after 16 MiB


def test_an_overlong_url_is_refused(server: Server) -> None:
    response = httpx.get(f"{server.url}/api/v1/observations", params={"target": "x" * 20_000})
    assert response.status_code in (400, 414, 431), response.status_code
    assert httpx.get(f"{server.url}/whoami").status_code == 200


# ---------------------------------------------------------------- tokens never logged


def _every_surface(client: httpx.Client | Any, token: str) -> int:
    """Send one working request to every probed surface, the token by header, cookie and query."""
    sent = 0
    for probe in all_probes(_openapi(client)):
        for carrier in ("header", "cookie", "query"):
            if carrier == "header":
                client.headers["Authorization"] = f"Bearer {token}"
            elif carrier == "cookie":
                client.headers["Cookie"] = f"mast_token={token}"
            sender = _WithQuery(client, token) if carrier == "query" else client
            response = probe.send(sender, BASELINE["name"])
            client.headers.pop("Authorization", None)
            client.headers.pop("Cookie", None)
            sent += response is not None
    return sent


def _openapi(client: Any) -> dict[str, Any]:
    return client.get("/openapi.json").json()


class _WithQuery:
    """A client whose every request also carries ``?token=`` and ``&access_token=``."""

    def __init__(self, client: Any, token: str) -> None:
        self.client, self.token = client, token

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        join = "&" if "?" in url else "?"
        tokens = f"token={self.token}&access_token={self.token}"
        return self.client.request(method, f"{url}{join}{tokens}", **kwargs)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)


TOKENS = (TOKEN_9505, TOKEN_OTHER, TOKEN_ALL, FORGED)


def test_no_token_in_any_log_in_process(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sent = sum(_every_surface(client, token) for token in TOKENS)
    assert sent > 4 * 300
    client.get(f"/api/v1/files/{SECRET_I2D}", headers={"Authorization": f"Bearer {FORGED}"})
    text = caplog.text + "".join(r.getMessage() for r in caplog.records)
    for token in TOKENS:
        assert token not in text


def test_no_token_in_the_server_log(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        sent = sum(_every_surface(client, token) for token in (TOKEN_9505, FORGED))
        assert client.get(f"/whoami?token={TOKEN_9505}").status_code == 200
    assert sent > 2 * 300
    log = server.logs()
    assert '"GET /whoami?token=***' in log  # the access log is on, and redacted
    for token in TOKENS:
        assert token not in log

"""The token file is taken only whole and valid, a change is always noticed, secrets never logged.

Each case of issue 17 point 7 against a real ``jwlink serve`` on loopback
whose token file the test rewrites under it: a line cut after ``4993`` of
program ``49930``, a line cut inside the hash, the file missing for a while,
a same-size rewrite that puts the old mtime back. Then start-up with a bad
file, and token-like query values in the server's own log (point 10d).
The token file does not touch the catalog, so one backend (SQLite) serves.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_archive import Server, free_port, running_server
from dated_archive import LOCKED, OTHER, archive_for

from jwlink.api.access import hash_token, token_line
from jwlink.api.redaction import redact
from jwlink.store import open_store

OWNER = "tok-49930-owner-Xy7Qw"  # grants 49930 only
NEWCOMER = "tok-49930-newer-Pd3Lm"  # same length: a same-size file
GOOD = token_line(OWNER, ["49930"], "owner") + "\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("token-file")
    with archive_for("sqlite", root, GOOD) as archive, running_server(archive, root) as served:
        served.tokens = archive.tokens  # type: ignore[attr-defined]
        yield served


@pytest.fixture
def tokens(server: Server) -> Path:
    """The served token file, reset to the owner's token (and seen so)."""
    path: Path = server.tokens  # type: ignore[attr-defined]
    path.write_text(GOOD)
    assert _status(server, OTHER, OWNER) == 200
    return path


def _status(server: Server, name: str, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{server.url}/api/v1/files/{name}", headers=headers).status_code


def _warnings(server: Server) -> list[str]:
    return [line for line in server.logs().splitlines() if "keeping the" in line]


@pytest.mark.parametrize("end", ["", "\n"], ids=["cut", "cut-then-newline"])
def test_a_line_cut_after_4993_never_grants_04993(server: Server, tokens: Path, end: str) -> None:
    assert _status(server, LOCKED, OWNER) == 403  # 04993 is not the owner's program
    before = len(_warnings(server))
    cut = GOOD[: GOOD.index("49930") + 4]
    assert cut.endswith("  4993")
    tokens.write_text(cut + end)
    for _ in range(3):
        assert _status(server, LOCKED, OWNER) == 403  # not 200: 4993 is no program
        assert _status(server, OTHER, OWNER) == 200  # the tokens in use stay
    warned = _warnings(server)[before:]
    # once per content and worker process, however many requests
    workers = int(re.search(r"with (\d+) worker", server.logs()).group(1))  # type: ignore[union-attr]
    assert 1 <= len(warned) <= workers < 6, warned
    assert str(tokens) in warned[0] and "line 1" in warned[0]


def test_a_line_cut_inside_the_hash_is_no_server_error(server: Server, tokens: Path) -> None:
    tokens.write_text(GOOD[:30])
    for token in (OWNER, "forged", None):
        assert _status(server, OTHER, token) == (200 if token == OWNER else 401)
    who = httpx.get(f"{server.url}/whoami", headers={"Authorization": f"Bearer {OWNER}"})
    assert who.status_code == 200 and "owner" in who.text
    tokens.write_text(GOOD)  # the write completes: read at the next request
    assert _status(server, OTHER, OWNER) == 200


def test_a_missing_file_keeps_the_tokens_until_a_new_one_comes(
    server: Server, tokens: Path
) -> None:
    tokens.unlink()
    assert _status(server, OTHER, OWNER) == 200
    assert _status(server, OTHER, None) == 401
    assert any("no such file" in line for line in _warnings(server))
    tokens.write_text(token_line(NEWCOMER, ["49930"], "newer") + "\n")
    assert _status(server, OTHER, NEWCOMER) == 200
    assert _status(server, OTHER, OWNER) == 401  # revoked


def test_a_same_size_rewrite_with_the_old_mtime_is_noticed(server: Server, tokens: Path) -> None:
    before = os.stat(tokens)
    replacement = token_line(NEWCOMER, ["49930"], "owner") + "\n"
    assert len(replacement) == len(GOOD) and replacement != GOOD
    tokens.write_text(replacement)
    os.utime(tokens, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(tokens)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert _status(server, OTHER, OWNER) == 401  # revoked at once
    assert _status(server, OTHER, NEWCOMER) == 200


def test_no_token_or_hash_in_the_log(server: Server, tokens: Path) -> None:
    tokens.write_text(GOOD[:50])
    _status(server, OTHER, OWNER)
    text = server.logs()
    assert OWNER not in text and hash_token(OWNER)[7:] not in text


# ---------------------------------------------------------------- start-up


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (GOOD[: GOOD.index("49930") + 4], "line 1: no line end"),
        (GOOD.replace("49930", "4993"), "line 1: '4993' is not a 5-digit program"),
        (GOOD[:30] + "\n", "line 1: expected 'sha256:<64 hex>"),
        (None, "does not exist"),
    ],
    ids=["cut", "short-program", "cut-hash", "missing"],
)
def test_serve_refuses_a_bad_token_file_at_start(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "tokens.txt"
    if content is not None:
        path.write_text(content)
    open_store(str(tmp_path / "catalog.db")).close()
    command = [sys.executable, "-m", "jwlink", "serve", "--port", str(free_port()),
               "--db", str(tmp_path / "catalog.db"), "--tokens", str(path)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert str(path) in done.stderr and message in done.stderr, done.stderr[-2000:]
    assert "Traceback" not in done.stderr


# ---------------------------------------------------------------- secrets in query strings

SECRET_PARAMETERS = {
    "token": "qs-token-Aa1",
    "access_token": "qs-access-Bb2",
    "api_key": "qs-apikey-Cc3",
    "apikey": "qs-apikey2-Dd4",
    "API-Key": "qs-apikey3-Ee5",
    "key": "qs-key-Ff6",
    "password": "qs-password-Gg7",
    "secret": "qs-secret-Hh8",
    "client_secret": "qs-client-Ii9",
    "mast_token": "qs-mast-Jj0",
    "tok%65n": "qs-encoded-Kk1",
}


def test_token_like_query_values_never_reach_the_log(server: Server, tokens: Path) -> None:
    query = "&".join(f"{name}={value}" for name, value in SECRET_PARAMETERS.items())
    for path in (f"/api/v1/files/{OTHER}", "/api/v1/files/no-such-file.fits", "/whoami"):
        httpx.get(f"{server.url}{path}?page=2&{query}")
    text = server.logs()
    assert "page=2" in text  # the access log is there, and keeps what is not secret
    for name, value in SECRET_PARAMETERS.items():
        assert value not in text, name
        assert f"{name}=***" in text, name


def test_redact_keeps_ordinary_parameters_and_placeholders() -> None:
    line = "GET /api/v1/observations?keywords=x&obs_id=jw1&monkey=1&token=%s"
    assert redact(line) == line  # a %-placeholder is a template, not a value
    assert redact("error on /x?obs_id=jw1&Password=p4ss") == "error on /x?obs_id=jw1&Password=***"
    assert redact("Authorization: Basic dXNlcjpwYXNz") == "Authorization: Basic ***"

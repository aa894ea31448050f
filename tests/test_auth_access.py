# ruff: noqa: F811 - the archive fixture is imported, then requested by name
"""Data rights: tokens, 401/403/200, whoami, bundles and DataLink by caller, no token in logs."""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_archive import (  # noqa: F401 - archive is a fixture
    I2D,
    L3,
    RELEASED_CAT,
    SECRET_I2D,
    SECRET_L3,
    TOKEN_9505,
    TOKEN_ALL,
    TOKEN_OTHER,
    Archive,
    archive,
    assert_envelope,
    client_for,
)
from click.testing import CliRunner

from jwlink.api import access
from jwlink.api.access import (
    Principal,
    RedactTokens,
    TokenFile,
    TokenRegistry,
    hash_token,
    is_public,
    token_line,
)
from jwlink.cli import main
from jwlink.errors import JwlinkError

ALICE = {"Authorization": f"Bearer {TOKEN_9505}"}
BOB = {"Authorization": f"Bearer {TOKEN_OTHER}"}
STAFF = {"Authorization": f"Bearer {TOKEN_ALL}"}
FORGED = {"Authorization": "Bearer not-a-real-token"}


@pytest.fixture(scope="module")
def client(archive: Archive) -> Iterator[Any]:
    with client_for(archive) as c:
        yield c


# ---------------------------------------------------------------- single files


@pytest.mark.parametrize(
    "url",
    [f"/api/v1/files/{SECRET_I2D}", f"/api/v0.1/Download/file?uri=mast:JWST/product/{SECRET_I2D}"],
)
def test_exclusive_file_401_403_200(client: Any, url: str) -> None:
    body = assert_envelope(client.get(url), 401)
    assert "token" in body["error"]
    assert client.get(url).headers["www-authenticate"].startswith("Bearer")
    assert_envelope(client.get(url, headers=FORGED), 401)
    assert_envelope(client.get(url, headers=BOB), 403)
    assert client.head(url, headers=BOB).status_code == 403
    assert client.get(url, headers=ALICE).status_code == 200
    assert client.head(url, headers=STAFF).status_code == 200
    assert client.get(url, headers=ALICE).headers["cache-control"].startswith("private")


def test_mast_token_cookie_works_like_bearer(client: Any) -> None:
    url = f"/api/v1/files/{SECRET_I2D}"
    client.cookies.set("mast_token", TOKEN_9505)
    assert client.get(url).status_code == 200
    client.cookies.set("mast_token", TOKEN_OTHER)
    assert_envelope(client.get(url), 403)
    client.cookies.clear()


def test_public_and_released_files_need_no_token(client: Any) -> None:
    assert client.get(f"/api/v1/files/{I2D}").status_code == 200
    assert client.get(f"/api/v1/files/{RELEASED_CAT}").status_code == 200
    assert client.get(f"/api/v1/files/{I2D}", headers=FORGED).status_code == 200


def test_listing_shows_exclusive_metadata_to_anyone(client: Any) -> None:
    rows = client.get(f"/api/v1/observations/{SECRET_L3}/products").json()["products"]
    secret = next(r for r in rows if r["productFilename"] == SECRET_I2D)
    assert secret["dataRights"] == "EXCLUSIVE_ACCESS" and secret["sha256"]


# ---------------------------------------------------------------- whoami


def test_whoami(client: Any) -> None:
    assert client.get("/whoami").json() == {
        "anon": True,
        "attrib": {},
        "eppn": "",
        "ezid": "anonymous",
    }
    assert client.get("/whoami", headers=FORGED).json()["anon"] is True
    me = client.get("/whoami", headers=ALICE).json()
    assert me["anon"] is False and me["attrib"]["display_name"] == "alice"
    assert me["programs"] == ["09505"]
    client.cookies.set("mast_token", TOKEN_OTHER)
    assert client.get("/whoami").json()["ezid"] == "bob"
    client.cookies.clear()


# ---------------------------------------------------------------- bundles, scripts, manifests


def _zip_names(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        return z.namelist()


def test_bundles_of_exclusive_products(client: Any) -> None:
    only_secret = {"name": SECRET_I2D}
    for kind in ("zip", "tar"):
        assert_envelope(client.get(f"/api/v1/bundle.{kind}", params=only_secret), 401)
        assert_envelope(client.get(f"/api/v1/bundle.{kind}", params=only_secret, headers=BOB), 403)
    # a script always comes back (as MAST's does) and names what it leaves out
    script = client.get("/api/v1/bundle.sh", params=only_secret).text
    assert f"left out (NOT_AUTHORIZED): {SECRET_I2D}" in script and "\nfetch " not in script
    granted = client.get("/api/v1/bundle.zip", params={"obs_id": SECRET_L3}, headers=ALICE)
    assert f"JWST/{SECRET_L3}/{SECRET_I2D}" in _zip_names(granted)
    # without a token the observation's bundle holds only what was already released
    anon = _zip_names(client.get("/api/v1/bundle.zip", params={"obs_id": SECRET_L3}))
    # ... and its MANIFEST.csv names what was left out, and why
    assert anon == [f"JWST/{SECRET_L3}/{RELEASED_CAT}", "MANIFEST.csv", "SHA256SUMS"]


def test_mixed_selection_sends_only_what_the_caller_may_read(client: Any) -> None:
    params = {"obs_id": L3, "name": [SECRET_I2D, RELEASED_CAT]}
    names = [
        n.rsplit("/", 1)[-1] for n in _zip_names(client.get("/api/v1/bundle.zip", params=params))
    ]
    assert SECRET_I2D not in names and RELEASED_CAT in names and I2D in names
    manifest = client.get("/api/v1/manifest.json", params=params).json()["files"]
    status = {r["name"]: r["status"] for r in manifest}
    assert status[SECRET_I2D] == "NOT_AUTHORIZED" and status[RELEASED_CAT] == "OK"
    script = client.get("/api/v1/bundle.sh", params=params).text
    assert f"left out (NOT_AUTHORIZED): {SECRET_I2D}" in script
    fetched = [line for line in script.splitlines() if line.startswith("fetch ")]
    assert len(fetched) == 4 and not any(SECRET_I2D in line for line in fetched)
    with_token = client.get("/api/v1/bundle.sh", params=params, headers=ALICE).text
    assert SECRET_I2D in with_token and "left out" not in with_token
    assert TOKEN_9505 not in with_token  # the script reads the token at run time


# ---------------------------------------------------------------- DataLink


def test_datalink_link_authorized_follows_the_caller(client: Any) -> None:
    from astropy.io.votable import parse_single_table

    def rows(headers: dict[str, str]) -> Any:
        response = client.get("/datalink/links", params={"ID": SECRET_I2D}, headers=headers)
        return parse_single_table(io.BytesIO(response.content)).to_table()

    anon, alice = rows({}), rows(ALICE)
    this_anon = anon[anon["semantics"] == "#this"][0]
    assert this_anon["link_auth"] == "true" and not this_anon["link_authorized"]
    assert alice[alice["semantics"] == "#this"][0]["link_authorized"]


# ---------------------------------------------------------------- the token file


def test_token_file_format() -> None:
    registry = TokenRegistry.parse(
        "# comment\n\n"
        + token_line("t1", ["1234", "2733"], "alice smith")
        + "\n"
        + token_line("t2", ["*"])
        + "\n"
        + hash_token("t3")
        + "\n"
    )
    assert len(registry) == 3
    alice = registry.lookup("t1")
    assert alice == Principal("alice smith", frozenset({"01234", "02733"}))
    assert alice.grants("1234") and alice.grants("02733") and not alice.grants("9505")
    assert registry.lookup("t2") is not None and registry.lookup("t2").grants("99999")
    nobody = registry.lookup("t3")
    assert nobody is not None and not nobody.grants("1234") and not nobody.grants(None)
    assert registry.lookup("t4") is None and registry.lookup("") is None


def test_token_file_holds_hashes_only(archive: Archive) -> None:
    text = archive.tokens.read_text()
    for token in (TOKEN_9505, TOKEN_OTHER, TOKEN_ALL):
        assert token not in text
        assert hashlib.sha256(token.encode()).hexdigest() in text


@pytest.mark.parametrize(
    "line",
    [
        "sha256:abc  1234",
        "md5:" + "0" * 32 + "  1234",
        hash_token("x") + "  12a4",
        hash_token("x") + "  123456",
    ],
)
def test_bad_token_lines_are_refused_with_their_line_number(line: str) -> None:
    with pytest.raises(JwlinkError, match="line 2"):
        TokenRegistry.parse("# ok\n" + line + "\n")


def test_tokens_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = access.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(access.hmac, "compare_digest", spy)
    registry = TokenRegistry.parse("\n".join(token_line(t, ["1"]) for t in ("a", "b", "c")))
    assert registry.lookup("a") is not None
    assert len(calls) == 3  # every entry compared, even after a match


def test_token_file_is_reread_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    path.write_text(token_line("first", ["1"]) + "\n")
    tokens = TokenFile(path)
    assert tokens.registry().lookup("first") and not tokens.registry().lookup("second")
    path.write_text(token_line("second", ["1"]) + "\n# now two lines\n")
    assert tokens.registry().lookup("second") and not tokens.registry().lookup("first")


def test_is_public() -> None:
    assert is_public(None, None) and is_public("PUBLIC", "2099-01-01")
    assert not is_public("EXCLUSIVE_ACCESS", None)
    assert not is_public("EXCLUSIVE_ACCESS", "2099-01-01")
    assert is_public("EXCLUSIVE_ACCESS", "2020-01-01")
    assert is_public("exclusive_access", "2020-01-01T12:00:00Z")
    assert not is_public("EXCLUSIVE_ACCESS", "not a date")


def test_token_hash_command() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["token-hash", "s3cret", "1234", "--name", "carol"])
    assert result.exit_code == 0
    assert result.output.strip() == token_line("s3cret", ["1234"], "carol")
    assert "s3cret" not in result.output
    from_stdin = runner.invoke(main, ["token-hash", "-", "*"], input="s3cret\n")
    assert from_stdin.output.strip() == hash_token("s3cret") + "  *"
    generated = runner.invoke(main, ["token-hash"])
    assert generated.exit_code == 0 and generated.output.count("sha256:") == 1
    assert runner.invoke(main, ["token-hash", "x", "12a"]).exit_code != 0
    hashed = runner.invoke(main, ["serve", "--hash-token", "s3cret"])
    assert hashed.output.strip() == hash_token("s3cret")


# ---------------------------------------------------------------- no token in logs


def test_no_token_value_in_logs(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for token in (TOKEN_9505, TOKEN_OTHER, "not-a-real-token"):
        client.get(f"/api/v1/files/{SECRET_I2D}", headers={"Authorization": f"Bearer {token}"})
        client.cookies.set("mast_token", token)
        client.get("/whoami")
        client.cookies.clear()
        client.get(f"/whoami?token={token}")
        client.get(
            "/datalink/links",
            params={"ID": SECRET_I2D},
            headers={"Authorization": f"Bearer {token}"},
        )
    client.cookies.clear()
    # what uvicorn's access log and a careless message would write
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", f"/whoami?token={TOKEN_9505}", "1.1", 200
    )
    logging.getLogger("jwlink.api").warning("header was Authorization: Bearer %s", TOKEN_OTHER)
    logging.getLogger("jwlink.api").warning("cookie mast_token=%s;", TOKEN_ALL)
    text = caplog.text + "".join(r.getMessage() for r in caplog.records)
    for token in (TOKEN_9505, TOKEN_OTHER, TOKEN_ALL, "not-a-real-token"):
        assert token not in text
    assert "***" in text


def test_redacting_filter_keeps_access_log_format() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4:5", "GET", "/x?a=1&token=SECRET", "1.1", 200),
        None,
    )
    assert RedactTokens().filter(record)
    assert record.args[2] == "/x?a=1&token=***"
    assert record.getMessage() == '1.2.3.4:5 - "GET /x?a=1&token=*** HTTP/1.1" 200'

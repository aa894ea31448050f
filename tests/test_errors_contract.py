# ruff: noqa: F811 - the archive fixture is imported, then requested by name
"""The error contract: user errors keep their status and message; a bug is a 500 or exit 2.

The HTTP checks run a real uvicorn on loopback (in a thread, so a fault can
be injected in this process); the command-line checks run the real ``jwlink``
group, in process and as a process of its own. The injected bug is one
query function replaced by one that raises ``ValueError`` (fault injection:
everything else is the real application on real SQLite and PostgreSQL).
"""

from __future__ import annotations

import ast
import json
import logging
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest
import uvicorn
from api_archive import L3, Archive, archive  # noqa: F401 - archive is a fixture
from click.testing import CliRunner

from jwlink import errors
from jwlink.api import mast
from jwlink.app import create_app
from jwlink.cli import main
from jwlink.query import questions

SRC = Path(__file__).resolve().parents[1] / "src" / "jwlink"
SECRET = "secret internals /srv/catalog.db password=hunter2"
WAIT = 20.0  # bound for "the server came up at all"; never a performance claim


def _bug(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise ValueError(SECRET)


# ---------------------------------------------------------------- the tree


def test_every_error_is_a_jwlink_error_with_a_status() -> None:
    from jwlink.api import errors as api_errors

    for module in (errors, api_errors):
        for name in module.__all__:
            cls = getattr(module, name)
            if isinstance(cls, type):
                assert issubclass(cls, errors.JwlinkError), name
                assert isinstance(cls.status, int) and 400 <= cls.status < 600, name
    assert errors.InvalidQuery.status == 400
    # A ValueError is a bug; the class for a caller's mistake must not be one.
    assert not issubclass(errors.InvalidQuery, ValueError)
    assert issubclass(api_errors.BadRequest, errors.InvalidQuery)


def test_folded_errors_are_importable_where_they_were() -> None:
    from jwlink.api.mast import MashupError
    from jwlink.download import DownloadError
    from jwlink.portal.query import PortalInputError

    assert MashupError is errors.MashupError and PortalInputError is errors.PortalInputError
    assert DownloadError is errors.DownloadError
    assert issubclass(MashupError, errors.InvalidQuery)
    assert issubclass(PortalInputError, errors.InvalidQuery)


_LOG_CALLS = {"debug", "info", "warning", "error", "exception", "critical"}


def _speaks(handler: ast.ExceptHandler) -> bool:
    """Whether a handler re-raises, logs, or records the error in a report's errors."""
    for node in ast.walk(handler):
        if isinstance(node, ast.Raise):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if node.func.attr in _LOG_CALLS:
                return True
            if node.func.attr == "append" and isinstance(owner, ast.Attribute):
                if owner.attr == "errors":
                    return True
    return False


def _silent_broad_handlers(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.ExceptHandler):
            continue
        names = [node.type] if not isinstance(node.type, ast.Tuple) else node.type.elts
        broad = node.type is None or any(
            isinstance(n, ast.Name) and n.id in ("Exception", "BaseException") for n in names
        )
        if broad and not _speaks(node):
            found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    return found


def test_no_broad_except_passes_silently() -> None:
    silent = [hit for path in sorted(SRC.rglob("*.py")) for hit in _silent_broad_handlers(path)]
    assert silent == [], "narrow these, or log what they swallow and say why it is safe"


# ---------------------------------------------------------------- HTTP


@contextmanager
def serving(archive: Archive) -> Iterator[str]:
    """Serve the archive's application with uvicorn on a free loopback port."""
    app = create_app(archive.db_url, archive.data_root, archive.tokens)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(WAIT)


def _internal_error(response: httpx.Response, caplog: pytest.LogCaptureFixture) -> None:
    """A 500 whose body holds no internal text, and whose id finds the traceback in the log."""
    assert response.status_code == 500, response.text
    assert "hunter2" not in response.text and "secret" not in response.text
    assert "ValueError" not in response.text and "Traceback" not in response.text
    body = response.json()
    assert body["ok"] is False and body["status"] == 500
    assert body["error"] == "internal error"
    assert re.fullmatch(r"[0-9a-f]{8}", body["id"])
    logged = [r for r in caplog.records if body["id"] in r.getMessage()]
    assert len(logged) == 1, [r.getMessage() for r in caplog.records]
    assert logged[0].levelno == logging.ERROR and logged[0].exc_info is not None
    assert isinstance(logged[0].exc_info[1], ValueError)
    assert SECRET in str(logged[0].exc_info[1])


def test_http_bug_is_a_500_without_internal_text(
    archive: Archive, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="jwlink.api")
    with serving(archive) as url:
        before = httpx.get(f"{url}/api/v1/mrp/{L3}", timeout=WAIT)
        assert before.status_code == 200, before.text
        monkeypatch.setattr(questions, "mrp", _bug)
        _internal_error(httpx.get(f"{url}/api/v1/mrp/{L3}", timeout=WAIT), caplog)


def test_http_user_error_keeps_its_status_and_message(archive: Archive) -> None:
    with serving(archive) as url:
        # impact starts from a file; an observation is the caller's mistake (InvalidQuery).
        response = httpx.get(f"{url}/api/v1/impact/{L3}", timeout=WAIT)
        assert response.status_code == errors.InvalidQuery.status, response.text
        assert "is an observation" in response.json()["error"]
        unknown = httpx.get(f"{url}/api/v1/mrp/jw00000-o000_t000_nircam_nope", timeout=WAIT)
        assert unknown.status_code == errors.NotFound.status, unknown.text


def _invoke(url: str, request: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{url}/api/v0/invoke", data={"request": json.dumps(request)}, timeout=WAIT)


def test_mast_keeps_its_error_shape_and_a_bug_is_a_500(
    archive: Archive, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="jwlink.api")
    products = {"service": "Mast.Caom.Products", "params": {"obsid": L3}, "format": "json"}
    with serving(archive) as url:
        bad = _invoke(url, {"service": "Mast.Caom.Filtered", "params": {"filters": "x"}})
        assert bad.status_code == 200, bad.text  # MAST's way: astroquery raises the msg
        assert bad.json()["status"] == "ERROR" and bad.json()["msg"] == "filters must be a list"
        assert _invoke(url, products).json()["status"] == "COMPLETE"
        # MAST's product lists are one statement for every obsid (query.manylists).
        monkeypatch.setattr(mast, "product_lists", _bug)
        _internal_error(_invoke(url, products), caplog)


# ---------------------------------------------------------------- command line


def test_cli_bug_exits_2_and_says_where_the_traceback_is(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(questions, "mrp", _bug)
    result = CliRunner().invoke(main, ["mrp", L3, "--db", archive.db_url])
    assert result.exit_code == 2, result.output
    first, rule, *trace = result.stderr.splitlines()
    assert first.startswith("internal error, please report: ValueError")
    assert "traceback below" in first and set(rule) == {"-"}
    assert trace[0] == "Traceback (most recent call last):"
    assert trace[-1] == f"ValueError: {SECRET}"
    assert result.stdout == ""


def test_cli_user_error_exits_1_with_its_message(archive: Archive) -> None:
    result = CliRunner().invoke(main, ["impact", L3, "--db", archive.db_url])
    assert result.exit_code == 1, result.output
    assert "is an observation: impact starts from a file" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


_PROCESS = """
import sys
from jwlink.query import questions

def bug(*args, **kwargs):
    raise ValueError("injected")

questions.mrp = bug
from jwlink.cli import main
main(sys.argv[1:], prog_name="jwlink")
"""


def test_cli_bug_exit_status_of_the_process(archive: Archive) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROCESS, "mrp", L3, "--db", archive.db_url],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("internal error, please report: ValueError")
    assert done.stderr.rstrip().endswith("ValueError: injected")


def test_an_overlong_range_is_the_callers_mistake_not_a_bug() -> None:
    from jwlink.api.errors import RangeNotSatisfiable
    from jwlink.api.files import parse_range

    # int() refuses more than 4300 digits with a ValueError: that must not reach the 500 path.
    with pytest.raises(RangeNotSatisfiable, match="lies outside the file"):
        parse_range(f"bytes={'9' * 5000}-", 10)
    # RFC 9110 14.1.2: a last position at or past the end, or a suffix longer
    # than the file, means the rest of the file, however many digits it has.
    assert parse_range(f"bytes=0-{'9' * 5000}", 10) == (0, 10)
    assert parse_range(f"bytes=-{'9' * 5000}", 10) == (0, 10)

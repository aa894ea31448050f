"""Every example in the README runs against `jwlink demo`, as a newcomer would type it.

One demo archive is made with the README's own command (``jwlink demo``,
here with ``--no-serve``) in a fresh folder, and served with the README's
``jwlink serve`` line on a free loopback port. Every command line of the
README then runs in that folder through bash, in README order, with
``JWLINK_DB`` exported as the demo tells the reader to; every ``python``
snippet runs in a fresh interpreter. ``127.0.0.1:8000`` in a line becomes
the test server's address; ``~`` is a private home folder. A few commands
are not run here, each for the reason `NOT_RUN` gives.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from readme_examples import Example, examples

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
EXAMPLES = examples(README)

# Commands the README shows that this test does not run, and why.
NOT_RUN = {
    "bash scripts/test.sh": "runs this test suite (CI runs it)",
    "pip install": "installs the package (the test runs in the installed environment)",
    "--products 1000000": "a million-product archive: tens of minutes (README Performance)",
    "--sizes 10000 100000 1000000": "the full benchmark: about an hour (README Performance)",
    "benchmarks/load.py --size 1000000": "the load test on a 1M catalog (README Load)",
    "--workers 1 2": "one worker against two: a catalog built and loaded for minutes (README Load)",
}


def _not_run(example: Example) -> str | None:
    for marker, reason in NOT_RUN.items():
        if marker in example.text:
            return reason
    return None


def _is_server(example: Example) -> bool:
    return example.program in ("jwlink serve", "jwlink demo") and "--no-serve" not in example.text


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Demo:
    """The demo folder, the environment a reader has after `jwlink demo`, the server."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.home = folder / "home"
        self.home.mkdir()
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        }
        self.env.pop("JWLINK_DB", None)
        self.env.pop("JWLINK_TOKEN", None)

    def adapt(self, text: str) -> str:
        return text.replace("127.0.0.1:8000", f"127.0.0.1:{self.port}").replace(
            "localhost:8000", f"127.0.0.1:{self.port}"
        )

    def bash(self, text: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", text], cwd=self.folder, env=self.env, capture_output=True,
            text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL,
        )  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    shell = Demo(tmp_path_factory.mktemp("newcomer"))
    made = shell.bash("jwlink demo --no-serve", timeout=600)
    assert made.returncode == 0, made.stdout + made.stderr
    # The reader does what the demo says: export the catalog it printed.
    exports = re.findall(r"^\s*export JWLINK_DB=(\S+)$", made.stdout + made.stderr, re.MULTILINE)
    assert exports, f"jwlink demo printed no 'export JWLINK_DB=' line:\n{made.stdout}"
    shell.env["JWLINK_DB"] = exports[-1].strip("'\"")
    serve = next(e for e in EXAMPLES if e.kind == "command" and e.program == "jwlink serve")
    command = re.sub(r"\s*&\s*$", "", shell.adapt(serve.text))
    if "--port" not in command:
        command += f" --port {shell.port}"
    server = subprocess.Popen(
        ["bash", "-c", f"exec {command}"], cwd=shell.folder, env=shell.env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{shell.base}/api/v1/observations?page_size=1").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                output = server.stdout.read() if server.stdout else ""
                pytest.fail(f"README's serve line did not serve: {command}\n{output}")
            time.sleep(0.2)
        yield shell
    finally:
        server.terminate()
        server.wait(timeout=30)


RUN = [
    e for e in EXAMPLES
    if e.kind in ("command", "python") and not _is_server(e) and _not_run(e) is None
]  # fmt: skip


@pytest.mark.parametrize("marker", sorted(NOT_RUN))
def test_commands_not_run_are_in_the_readme(marker: str) -> None:
    # The exceptions stay honest: each names a line the README really shows.
    assert any(marker in e.text for e in EXAMPLES if e.kind == "command"), marker


@pytest.mark.parametrize("example", RUN, ids=[f"line{e.line}" for e in RUN])
def test_readme_example_runs(demo: Demo, example: Example) -> None:
    if example.kind == "python":
        script = demo.folder / f"readme_{example.line}.py"
        script.write_text(demo.adapt(example.text))
        done = demo.bash(f"{shutil.which('python') or sys.executable} {script.name}")
    else:
        done = demo.bash(demo.adapt(example.text))
    said = (f"README line {example.line}: {example.text}\n"
            f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}")  # fmt: skip
    assert done.returncode == example.exits, said
    assert "Traceback" not in done.stderr, said


def test_every_synopsis_has_a_runnable_example() -> None:
    runnable = {p for e in EXAMPLES if e.kind == "command" for p in e.programs}
    shown_only = sorted({e.program for e in EXAMPLES if e.kind == "synopsis"} - runnable)
    assert not shown_only, f"README shows only the shape of these, never a call: {shown_only}"


def test_every_command_is_shown_running() -> None:
    from jwlink.cli import main

    runnable = {p for e in EXAMPLES if e.kind == "command" for p in e.programs}
    missing = sorted(f"jwlink {name}" for name in main.commands if f"jwlink {name}" not in runnable)
    assert not missing, f"README has no runnable example of: {missing}"

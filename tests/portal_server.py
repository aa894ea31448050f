"""Run the jwlink app with the portal in a uvicorn subprocess on loopback (a test helper).

As a script::

    python tests/portal_server.py --db CATALOG [--data-root DIR] [--tokens FILE] --port P

As a library: ``with serve(db, data_root) as url: ...`` starts the script on a
free port, waits until it answers and stops it afterwards; `serve_with_token`
does so for the session's synthetic archive (`build_archive`) and one token;
`started` does the waiting and stopping for any server command (``jwlink
serve`` itself: `api_archive.running_server`, test_portal_stale).

`jwlink.app.create_app` builds the API with the portal's pages.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from jwlink.synth.mosaic import MOSAIC, write_mosaic_asn

if TYPE_CHECKING:
    import pytest

__all__ = [
    "MOSAIC",
    "build_app",
    "build_archive",
    "build_mosaic",
    "free_port",
    "serve",
    "serve_with_token",
    "started",
    "write_mosaic_asn",
]


def build_app(db: str, data_root: str | None = None, tokens: str | None = None) -> object:
    """Return `jwlink.app.create_app(...)`: the API with the portal's pages."""
    from jwlink.app import create_app

    return create_app(db, data_root=data_root, tokens=tokens)


def build_archive(folder: Path, seed: int = 1, products: int = 1500) -> tuple[Path, Path]:
    """Synthesize and ingest an archive into ``folder`` once; return (catalog, files).

    A marker file makes later calls (other test modules of the session) reuse it.
    """
    from jwlink.synth import generate_files

    files = folder / "files"

    def write() -> list[Path]:
        generate_files(files, seed=seed, products=products)
        return [files]

    return _ingest_once(folder, write), files


def build_mosaic(folder: Path, visits: int = 10, exposures: int = 125) -> Path:
    """Ingest the synthetic big mosaic's association into ``folder/catalog.db`` once; return it.

    The mosaic is `jwlink.synth.mosaic`'s (`MOSAIC`, program 02999): by default
    10 visits of 125 exposures on the four NIRCam A short-wavelength detectors,
    5,000 members.
    """
    return _ingest_once(
        folder, lambda: [write_mosaic_asn(folder / "files", visits, exposures, detectors=4)]
    )


def _ingest_once(folder: Path, write: Callable[[], list[Path]]) -> Path:
    """Ingest what ``write()`` writes into ``folder/catalog.db``, unless its marker is there."""
    from jwlink.ingest import ingest
    from jwlink.store import open_store

    db, done = folder / "catalog.db", folder / "ready"
    if not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        inputs = write()
        store = open_store(str(db))
        try:
            ingest(store, inputs)
        finally:
            store.close()
        done.touch()
    return db


@contextmanager
def serve_with_token(
    tmp_path_factory: pytest.TempPathFactory, token: str, holder: str, program: str = "3020"
) -> Iterator[str]:
    """Serve the session's synthetic archive with one token granting ``program``; yield its URL.

    The archive is `build_archive`'s in ``<basetemp>/portal-archive``, shared
    by the modules of a session; the token file goes in a new folder.
    """
    from jwlink.api.access import token_line

    db, files = build_archive(tmp_path_factory.getbasetemp() / "portal-archive")
    tokens = tmp_path_factory.mktemp(f"{holder}-tokens") / "tokens.txt"
    tokens.write_text(token_line(token, [program], holder) + "\n")
    with serve(db, files, tokens) as url:
        yield url


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def started(
    command: list[str],
    url: str,
    *,
    probe: str = "/static/portal.css",
    timeout: float = 30.0,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    what: str = "portal server",
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server ``command``, wait until ``GET url+probe`` answers 200, stop it afterwards.

    Its output goes to ``log`` when given (read back into the message if it
    fails to start), else stdout is dropped and stderr kept for that message.
    A server that exits, or does not answer within ``timeout`` seconds, is a
    RuntimeError.
    """
    if log is None:
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
    else:
        with log.open("wb") as out:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)

    def output() -> str:
        if log is not None:
            return log.read_text(errors="replace")
        return process.stderr.read().decode() if process.stderr else ""

    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{what} exited with {process.returncode}: {output()}")
            try:
                if httpx.get(url + probe, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                # A live process's stderr pipe cannot be read to its end; a log file can.
                said = output() if log is not None else ""
                raise RuntimeError(f"{what} did not answer on {url} within {timeout} s\n{said}")
            time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def serve(
    db: str | os.PathLike[str],
    data_root: str | os.PathLike[str] | None = None,
    tokens: str | os.PathLike[str] | None = None,
    timeout: float = 30.0,
) -> Iterator[str]:
    """Serve the catalog with the portal in a subprocess; yield its base URL."""
    port = free_port()
    command = [sys.executable, str(Path(__file__).resolve()), "--db", str(db), "--port", str(port)]
    if data_root is not None:
        command += ["--data-root", str(data_root)]
    if tokens is not None:
        command += ["--tokens", str(tokens)]
    url = f"http://127.0.0.1:{port}"
    with started(command, url, timeout=timeout):
        yield url


def main() -> None:
    """Parse the command line and run uvicorn until terminated."""
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--data-root")
    parser.add_argument("--tokens")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    app = build_app(args.db, args.data_root, args.tokens)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()

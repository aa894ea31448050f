"""Run the jwlink app with the portal in a uvicorn subprocess on loopback (a test helper).

As a script::

    python tests/portal_server.py --db CATALOG [--data-root DIR] [--tokens FILE] --port P

As a library: ``with serve(db, data_root) as url: ...`` starts the script on a
free port, waits until it answers and stops it afterwards.

The portal router is included when the application does not route ``/`` yet
(``create_app`` will include it itself once the portal is wired in).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

__all__ = ["build_app", "build_archive", "free_port", "serve"]


def _routes_root(app: object) -> bool:
    def paths(routes: list[object]) -> Iterator[str]:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                yield from paths(list(inner.routes))
            path = getattr(route, "path", None)
            if path is not None:
                yield path

    return "/" in set(paths(list(app.routes)))  # type: ignore[attr-defined]


def build_app(db: str, data_root: str | None = None, tokens: str | None = None) -> object:
    """Return `jwlink.api.create_app(...)` with the portal router included."""
    from jwlink.api import create_app
    from jwlink.portal import router

    app = create_app(db, data_root=data_root, tokens=tokens)
    if not _routes_root(app):
        app.include_router(router)
    return app


def build_archive(folder: Path, seed: int = 1, products: int = 1500) -> tuple[Path, Path]:
    """Synthesize and ingest an archive into ``folder`` once; return (catalog, files).

    A marker file makes later calls (other test modules of the session) reuse it.
    """
    from jwlink.ingest import ingest
    from jwlink.store import open_store
    from jwlink.synth import generate_files

    files, db, done = folder / "files", folder / "catalog.db", folder / "ready"
    if not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        generate_files(files, seed=seed, products=products)
        store = open_store(str(db))
        try:
            ingest(store, [files])
        finally:
            store.close()
        done.touch()
    return db, files


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                err = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"portal server exited with {process.returncode}: {err}")
            try:
                if httpx.get(f"{url}/static/portal.css", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"portal server did not answer on {url} within {timeout} s")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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

"""Run the jwlink app with the portal in a uvicorn subprocess on loopback (a test helper).

As a script::

    python tests/portal_server.py --db CATALOG [--data-root DIR] [--tokens FILE] --port P

As a library: ``with serve(db, data_root) as url: ...`` starts the script on a
free port, waits until it answers and stops it afterwards.

`jwlink.app.create_app` builds the API with the portal's pages.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

__all__ = [
    "MOSAIC",
    "build_app",
    "build_archive",
    "build_mosaic",
    "free_port",
    "serve",
    "write_mosaic_asn",
]

# The synthetic big mosaic: program 02999, observation 001; 10 visits of 125
# exposures on the four NIRCam A short-wavelength detectors = 5,000 members.
MOSAIC = "jw02999-o001_t001_nircam_clear-f200w"


def build_app(db: str, data_root: str | None = None, tokens: str | None = None) -> object:
    """Return `jwlink.app.create_app(...)`: the API with the portal's pages."""
    from jwlink.app import create_app

    return create_app(db, data_root=data_root, tokens=tokens)


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


def write_mosaic_asn(folder: Path, visits: int = 10, exposures: int = 125) -> Path:
    """Write a valid ``image3`` association of ``visits × exposures × 4`` members into ``folder``.

    The member names follow the JWST exposure grammar
    (``jw<program><obs><visit>_<group><seq><activity>_<exposure>_<detector>_cal.fits``);
    the files themselves are not written, so every member is a named, missing product.
    """
    members = [
        {"expname": f"jw02999001{v:03d}_02101_{e:05d}_nrca{d}_cal.fits", "exptype": "science",
         "exposerr": "null", "asn_candidate": "[('o001', 'observation')]"}
        for v in range(1, visits + 1) for e in range(1, exposures + 1) for d in range(1, 5)
    ]  # fmt: skip
    doc = {
        "asn_type": "image3", "asn_rule": "candidate_Asn_Lv3Image", "version_id": "20240101t000000",
        "code_version": "1.16.0", "degraded_status": "No known degraded exposures in association.",
        "program": "02999", "constraints": "synthetic", "asn_id": "o001", "target": "t001",
        "asn_pool": "jw02999_20240101t000000_pool.csv",
        "products": [{"name": MOSAIC, "members": members}],
    }  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "jw02999-o001_20240101t000000_image3_00001_asn.json"
    path.write_text(json.dumps(doc, indent=1))
    return path


def build_mosaic(folder: Path, visits: int = 10, exposures: int = 125) -> Path:
    """Ingest the synthetic big mosaic's association into ``folder/catalog.db`` once; return it."""
    from jwlink.ingest import ingest
    from jwlink.store import open_store

    db, done = folder / "catalog.db", folder / "ready"
    if not done.exists():
        asn = write_mosaic_asn(folder / "files", visits, exposures)
        store = open_store(str(db))
        try:
            ingest(store, [asn])
        finally:
            store.close()
        done.touch()
    return db


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

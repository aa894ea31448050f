"""A small catalog of real files under a data root, served for real (a test helper).

Each product's file is ingested as its own input (``SqlStore.write_parts``
with the file's SHA-256, size and modification time), as `jwlink ingest`
records them, so the served file can be compared with what was catalogued.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from threaded_server import running

from jwlink.api import create_api
from jwlink.core.model import Batch, Level, Observation, Product, ProductType
from jwlink.store import open_store

OBS = "jw01234-o001_t001_nircam_clear-f200w"


@dataclass
class Served:
    """A running server over a catalog of files under ``root``."""

    url: str
    root: Path
    db_url: str


def catalog_files(db_url: str, files: dict[str, Path], record_stat: bool = True) -> None:
    """Catalog each ``name -> path`` as one product of `OBS`, ingested from that path."""
    store = open_store(db_url)
    try:
        store.write(Batch("test:obs", observations=[Observation(OBS, 3, program="01234")]))
        for name, path in files.items():
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            product = Product(name, OBS, Level.L3, ProductType.SCIENCE, "i2d", "fits",
                              program="01234", size=len(data), sha256=digest,
                              location=str(path))  # fmt: skip
            info = path.stat()
            batch = Batch(str(path), products=[product])
            store.write_parts(
                lambda batch=batch: (batch,),
                str(path),
                fingerprint=digest,
                reader="test",
                size=info.st_size if record_stat else None,
                mtime_ns=info.st_mtime_ns if record_stat else None,
            )
    finally:
        store.close()


@contextmanager
def serving(db_url: str, root: Path) -> Iterator[Served]:
    """Serve the catalog with ``root`` as the data root; yield where."""
    with running(create_api(db_url, root)) as url:
        yield Served(url, root, db_url)

"""``jwlink demo``: a small synthetic archive, ingested and served, in one command.

The archive (several programs, every instrument mode, real files) is written
under ``DIR/data`` and ingested into the SQLite catalog ``DIR/jwlink.db``. A
second run finds both and reuses them: ingest then only confirms that nothing
changed.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from jwlink.ingest import IngestReport, ingest
from jwlink.query.showcase import exclusive_programs, showcase
from jwlink.store import open_store

__all__ = ["DEMO_PRODUCTS", "DEMO_SEED", "Demo", "prepare"]

DEMO_SEED = 1
# Big enough for every mode and a mosaic, small enough to write in seconds.
DEMO_PRODUCTS = 3000
_MARKER = "demo.json"
# The demo's token for its exclusive-access programs: the secret in TOKEN
# (readable by its owner only), its hash in TOKENS (what `jwlink serve --tokens`
# reads). Made once per demo folder, never printed unasked.
TOKEN, TOKENS = "demo-token", "tokens.txt"
# The demo's CRDS cache: a link (never a copy) to a real one, for `jwlink stale`.
CRDS_LINK = "crds"
STALE_CONTEXT = "jwst_0541.pmap"  # a real context later than the demo's old headers' one


@dataclass
class Demo:
    """A prepared demo archive and the things worth trying on it."""

    directory: Path
    db: Path
    data: Path
    reused: bool
    report: IngestReport
    modes: list[str] = field(default_factory=list)
    l3_observation: str = ""
    per_source_observation: str = ""
    reference_file: str = ""
    exclusive_programs: list[str] = field(default_factory=list)
    crds_cache: Path | None = None

    @property
    def token_file(self) -> Path:
        """The file holding the demo's token (``JWLINK_TOKEN=$(cat ...)``)."""
        return self.directory / TOKEN

    @property
    def tokens(self) -> Path:
        """The token file `jwlink serve --tokens` reads: hashes only."""
        return self.directory / TOKENS

    def things_to_try(self, base_url: str) -> list[str]:
        """Three things a newcomer can do right away against a server at ``base_url``."""
        obs = quote(self.l3_observation, safe="")
        return [
            f"Open {base_url}/observations/{obs} - the mosaic, its products by kind, MRP box",
            f"curl '{base_url}/api/v1/lineage/{obs}?direction=up' - what went into it (JSON)",
            f"jwlink impact {self.reference_file} --db {self.db} - what a new reference file "
            "would make stale",
        ]


def _pick(db: Path) -> tuple[str, str, str]:
    store = open_store(str(db), readonly=True)
    try:
        found = showcase(store)
    finally:
        store.close()
    return found.l3_observation, found.per_source_observation, found.reference_file


def prepare(directory: str | Path, seed: int = DEMO_SEED, products: int = DEMO_PRODUCTS) -> Demo:
    """Synthesize (or reuse) the demo archive and ingest it.

    Parameters
    ----------
    directory : str or Path
        Where the archive (``data/``) and its catalog (``jwlink.db``) live.
    seed, products : int
        The synthetic archive to make; a folder made with other values is
        rebuilt into ``data/`` only if it holds no archive yet.

    Returns
    -------
    Demo
        Paths, the ingest report, and what to try.
    """
    from jwlink.synth import generate_files

    root = Path(directory).resolve()
    data, db, marker = root / "data", root / "jwlink.db", root / _MARKER
    wanted = {"seed": seed, "products": products}
    reused = marker.exists() and json.loads(marker.read_text()).get("archive") == wanted
    modes: list[str] = []
    if not reused:
        root.mkdir(parents=True, exist_ok=True)
        modes = generate_files(data, seed=seed, products=products).modes
    store = open_store(str(db))
    try:
        report = ingest(store, [data])
    finally:
        store.close()
    if not reused:
        marker.write_text(json.dumps({"archive": wanted, "modes": modes}, indent=2))
    else:
        modes = json.loads(marker.read_text()).get("modes", [])
    l3, per_source, reference = _pick(db)
    exclusive = _exclusive_programs(db)
    _write_token(root, exclusive)
    crds_cache = _link_crds_cache(root)
    return Demo(
        root, db, data, reused, report, modes, l3, per_source, reference, exclusive, crds_cache
    )


def _link_crds_cache(root: Path) -> Path | None:
    """Link a real CRDS cache holding `STALE_CONTEXT` as ``DIR/crds``, if one is found.

    ``$CRDS_PATH``, else ``shared/data/crds`` beside the jwlink checkout. The
    demo's NIRISS imaging headers name real files of ``jwst_0303.pmap``
    (`jwlink.synth.crds`), so ``jwlink stale`` over it tells the truth.
    """
    link = root / CRDS_LINK
    if link.is_symlink() or link.exists():
        return link if (link / "mappings/jwst" / STALE_CONTEXT).is_file() else None
    checkout = Path(__file__).resolve().parents[3]
    candidates = [os.environ.get("CRDS_PATH", ""), str(checkout.parent / "shared/data/crds")]
    for candidate in (c for c in candidates if c):
        cache = Path(candidate).resolve()
        config = cache / "config/jwst/server_config"
        if (cache / "mappings/jwst" / STALE_CONTEXT).is_file() and config.is_file():
            link.symlink_to(cache, target_is_directory=True)
            return link
    return None


def _exclusive_programs(db: Path) -> list[str]:
    store = open_store(str(db), readonly=True)
    try:
        return exclusive_programs(store)
    finally:
        store.close()


def _write_token(root: Path, programs: list[str]) -> None:
    """Give the demo a token for its exclusive programs, once (kept on reuse)."""
    from jwlink.api.access import token_line

    secret, tokens = root / TOKEN, root / TOKENS
    if not secret.exists():
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(24) + "\n")
    token = secret.read_text().strip()
    tokens.write_text(token_line(token, programs or ["*"], name="demo") + "\n")

"""Fixtures of the pure-core unit tests: tiny in-memory evidence and the jwst source.

Nothing here reads ../shared: the evidence is built from a few names, and
expectations about what the pipeline writes are read from the installed jwst
package's source (the file `jwlink.core.pipeline_modes` cites for each row).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from jwlink.core.model import AsnEvidence, AsnMember, AsnProduct, Association
from jwlink.store import SqlStore, open_store

MakeAsn = Callable[..., AsnEvidence]


def _make_asn(
    asn_type: str,
    rule: str,
    products: dict[str, list[tuple[str, str]]],
    acid: str = "o001",
    program: str = "01234",
) -> AsnEvidence:
    """An association of ``products`` (name -> [(expname, exptype), ...]) as a reader returns it."""
    name = f"jw{program}-{acid}_20230101t000000_{asn_type}_00001_asn.json"
    pool = f"jw{program}_20230101t000000_pool"
    info = Association(name, asn_type, rule, acid, pool, program, "t001", None, None)
    entries = tuple(
        AsnProduct(product, tuple(AsnMember(e, t) for e, t in members))
        for product, members in products.items()
    )
    return AsnEvidence(f"/tiny/{name}", info, entries)


@pytest.fixture
def make_asn() -> MakeAsn:
    """Build an `AsnEvidence`: ``make_asn(asn_type, rule, {product: [(expname, exptype)]})``."""
    return _make_asn


@pytest.fixture(scope="session")
def jwst_source() -> Callable[[str], str]:
    """Return the text of a file of the installed jwst package (``jwst/pipeline/...``)."""
    spec = importlib.util.find_spec("jwst")
    if spec is None or spec.origin is None:
        pytest.skip("the jwst package is not installed (pip install '.[pipeline]')")
    root = Path(spec.origin).parent.parent

    def read(path: str) -> str:
        return (root / path).read_text(encoding="utf-8")

    return read


@pytest.fixture
def tiny_store(tmp_path: Path) -> Iterator[SqlStore]:
    """A fresh SQLite catalog in a temporary file."""
    store = open_store(str(tmp_path / "tiny.db"), create=True)
    yield store
    store.close()


@pytest.fixture
def dump() -> Callable[[SqlStore], dict[str, list[tuple[object, ...]]]]:
    """Return a function listing every row of every catalog table, sorted."""
    keys = {
        "observations": "obs_id",
        "products": "name",
        "associations": "name",
        "links": "source, target, kind, role",
        "members": "obs_id, member_obs_id, exptype",
        "aliases": "alias",
    }

    def rows(store: SqlStore) -> dict[str, list[tuple[object, ...]]]:
        return {t: store.execute(f"SELECT * FROM {t} ORDER BY {k}") for t, k in keys.items()}

    return rows

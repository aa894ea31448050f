"""Fuzzing the name parser and every reader: our own error or a good result, nothing else.

Runs are reproducible in CI (``derandomize``, no example database) and sized to
take seconds. ``JWLINK_FUZZ_SCALE=50 pytest tests/test_fuzz.py`` multiplies
every example budget and draws fresh random examples, for a long run by hand.
Each crash found this way is fixed in its reader and kept as a corpus entry
(tests/corpus/EXPECTED.toml, tests/corpus_build.py) saying what crashed.
"""

from __future__ import annotations

import json
import os
import string
from pathlib import Path

import pytest
from corpus_build import base_fits
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from jwlink.core import linker
from jwlink.errors import (
    AssociationError,
    HeaderError,
    InvalidName,
    PoolError,
    ProductTableError,
)
from jwlink.ingest import ingest
from jwlink.naming import bare_name, describe, parse
from jwlink.readers import read_association, read_pool, read_product_table
from jwlink.readers.fits import read_header, read_header_fast
from jwlink.store import open_store

SCALE = int(os.environ.get("JWLINK_FUZZ_SCALE", "1"))
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
_VECTORS = json.loads((Path(__file__).parent / "data/names.json").read_text())
VALID_NAMES = [v["name"] for v in _VECTORS["valid"]]


def fuzz(examples: int) -> settings:
    """Settings for one fuzz test: ``examples`` examples (times JWLINK_FUZZ_SCALE)."""
    return settings(
        max_examples=examples * SCALE,
        derandomize=SCALE == 1,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def _raises_only(kind: type[Exception], path: Path, call):  # noqa: ANN001, ANN202
    """Return ``call()``, or None if it raised ``kind`` naming ``path``; anything else fails."""
    try:
        return call()
    except kind as err:
        assert err.path == str(path) and str(err).startswith(f"{path}: ")
        assert err.problem
        return None


# ---------------------------------------------------------------- names

# Characters real names use, their look-alikes and the invisible or control
# characters a copied name can carry.
TRICKY = (
    "jw_-.0123456789acdefgimnoprstuxT{}/\\ \t\n\0\x85\u00a0\u200b\u202e\ufeff\uff10\u043e\u0131"
)


@st.composite
def mutated_names(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(VALID_NAMES))
    at = draw(st.integers(0, len(name)))
    cut = draw(st.integers(0, 4))
    return name[:at] + draw(st.text(TRICKY, max_size=3)) + name[at + cut :]


NAMES = st.text() | st.text(TRICKY, max_size=80) | mutated_names() | st.text(min_size=250)


@fuzz(600)
@given(NAMES)
def test_names_parse_exactly_or_raise_invalid_name(name: str) -> None:
    try:
        fn = parse(name)
    except InvalidName as err:
        assert err.name == name and err.reason
    else:
        assert str(fn) == name
        assert bare_name(name) == name  # a JWST name is always a usable file name
        assert describe(name).form is fn.form
    try:
        info = describe(name)
    except InvalidName as err:
        assert err.reason
    else:
        assert info.name == name
    try:
        assert bare_name(name) == name
    except InvalidName as err:
        assert err.reason


# ---------------------------------------------------------------- associations

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(TRICKY + "ab", max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
MEMBER = st.fixed_dictionaries(
    {
        "expname": st.sampled_from(VALID_NAMES) | st.text(TRICKY, max_size=20),
        "exptype": st.text("scienbkgd", min_size=1, max_size=8),
    },
    optional={"exposerr": st.none() | st.text(max_size=5)},
)
ASSOCIATION = st.fixed_dictionaries(
    {
        "products": st.lists(
            st.fixed_dictionaries(
                {"members": st.lists(MEMBER | JSON, max_size=4)},
                optional={"name": st.sampled_from(VALID_NAMES) | st.text(TRICKY, max_size=20)},
            ),
            max_size=3,
        )
    },
    optional={
        "asn_type": st.text(max_size=8) | JSON,
        "program": st.integers() | st.text(max_size=6),
        "asn_pool": st.text(TRICKY, max_size=10),
    },
)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    store = open_store(str(tmp_path_factory.mktemp("fuzz") / "jwlink.db"))
    yield store
    store.close()


@fuzz(150)
@given(doc=ASSOCIATION | JSON)
def test_associations_ingest_or_are_reported(tmp_path: Path, catalog, doc: object) -> None:  # noqa: ANN001
    # The whole path: read, link, write to a real catalog; a bad file is one error line.
    path = tmp_path / "jw01234-o001_image3_00001_asn.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    evidence = _raises_only(AssociationError, path, lambda: read_association(path))
    report = ingest(catalog, [path], force=True)
    assert report.ingested + len(report.errors) == 1
    if evidence is None:
        return
    for product in evidence.products:
        assert all(bare_name(m.expname) for m in product.members)
    try:  # evidence the reader accepts is written, unless the linker rejects a name in it
        linker.link_association(evidence)
    except InvalidName:
        assert len(report.errors) == 1
    else:
        assert report.ingested == 1, report.errors


@fuzz(150)
@given(
    st.binary(max_size=300) | st.text(TRICKY + '{}[]":,0123456789', max_size=200).map(str.encode)
)
def test_association_reader_on_random_bytes(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "jw01234-o001_image3_00001_asn.json"
    path.write_bytes(raw)
    _raises_only(AssociationError, path, lambda: read_association(path))


# ---------------------------------------------------------------- pools

HEADER = "FILENAME|PROGRAM|EXP_TYPE|INSTRUME"
CELLS = st.text("jw01234_nrca1uncal.fits|#@!NULL \t\r\n\0\u202e\u00e9", max_size=40)


@fuzz(200)
@given(
    header=st.sampled_from([HEADER, HEADER + "|PROGRAM", "FILENAME|PROGRAM", ""]) | CELLS,
    lines=st.lists(CELLS, max_size=6),
    bom=st.booleans(),
)
def test_pool_reader_yields_clean_rows_or_pool_error(
    tmp_path: Path, header: str, lines: list[str], bom: bool
) -> None:
    path = tmp_path / "jw01234_20250101t000000_pool.csv"
    path.write_text(("\ufeff" if bom else "") + "\n".join([header, *lines]) + "\n", newline="")
    rows = _raises_only(PoolError, path, lambda: list(read_pool(path)))
    for row in rows or []:
        assert bare_name(row.filename) == row.filename
        assert "\0" not in "".join(row.columns.values())
    if rows:
        linker.link_pool(rows)  # what ingest does next must not raise either


# ---------------------------------------------------------------- FITS headers


def _bases() -> list[bytes]:
    real = (
        sorted((DATA / "exposures").glob("*.fits"))[:1]
        + sorted((DATA / "exposures_nopsf").glob("*.fits"))[:1]
    )
    return [base_fits(), *(p.read_bytes() for p in real)]


BASES = _bases()
CARD_BYTES = st.sampled_from(
    [
        b"SIMPLE  = ",
        b"NAXIS   = ",
        b"NAXIS1  = ",
        b"BITPIX  = ",
        b"END",
        b"CONTINUE  ",
        b"XTENSION= ",
        b"PROGRAM = ",
        b"R_FLAT  = ",
        b"HIERARCH ",
        b"GCOUNT  = ",
        b"PCOUNT  = ",
        b"EXTNAME = ",
    ]
)
VALUES = st.sampled_from(
    [
        b"0",
        b"T",
        b"F",
        b"-1",
        b"1000000000",
        b"'x'",
        b"''",
        b"'HDRTAB'",
        b"(1,2)",
        b"1D5",
        b"",
        b"'unclosed",
        b"8",
        b"16",
        b"'BINTABLE'",
        b"\x00",
        "\u00e9".encode("latin-1"),
    ]
)


@st.composite
def mutated_fits(draw: st.DrawFn) -> bytes:
    content = bytearray(draw(st.sampled_from(BASES)))
    header_end = content.index(b"END" + b" " * 77) + 80
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, header_end // 80 - 1)) * 80
        action = draw(st.sampled_from(["card", "byte", "cut", "copy"]))
        if action == "card":
            card = draw(CARD_BYTES) + b" " * draw(st.integers(0, 20)) + draw(VALUES)
            content[at : at + 80] = card.ljust(80)[:80]
        elif action == "byte":
            content[at + draw(st.integers(0, 79))] = draw(st.integers(0, 255))
        elif action == "cut":  # last: later actions assume the whole header is there
            del content[draw(st.integers(0, len(content) - 1)) :]
            break
        else:
            source = draw(st.integers(0, header_end // 80 - 1)) * 80
            content[at : at + 80] = content[source : source + 80]
    return bytes(content)


BLOCKS = st.binary(min_size=2880, max_size=2880) | st.lists(
    CARD_BYTES.flatmap(lambda k: VALUES.map(lambda v: (k + v).ljust(80)[:80])),
    min_size=36,
    max_size=36,
).map(b"".join)


@fuzz(300)
@given(
    mutated_fits()
    | BLOCKS
    | st.lists(BLOCKS, max_size=3).map(lambda b: BASES[0][:2880] + b"".join(b))
)
def test_both_header_readers_agree_or_both_refuse(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "fuzz.fits"
    path.write_bytes(content)
    outcomes = [
        _raises_only(HeaderError, path, lambda r=r: r(path))
        for r in (read_header, read_header_fast)
    ]
    assert outcomes[0] == outcomes[1]
    if outcomes[1] is not None:
        linker.link_header(outcomes[1])


# ---------------------------------------------------------------- product tables

TABLE_CELL = st.text(string.digits + "jw_.-+eEinfa\"', \u202e\u00e9", max_size=14)


@fuzz(150)
@given(
    columns=st.lists(
        st.sampled_from(
            ["obs_id", "productFilename", "size", "calib_level", "obsID", "parent_obsid"]
        ),
        min_size=1,
        max_size=5,
    ),
    rows=st.lists(st.lists(TABLE_CELL, min_size=1, max_size=6), max_size=4),
    suffix=st.sampled_from([".csv", ".ecsv"]),
)
def test_product_table_reader_yields_usable_rows_or_refuses(
    tmp_path: Path, columns: list[str], rows: list[list[str]], suffix: str
) -> None:
    assume(len(set(columns)) == len(columns))
    path = tmp_path / f"products{suffix}"
    sep = "," if suffix == ".csv" else " "
    text = "\n".join(sep.join(r) for r in [columns, *rows]) + "\n"
    path.write_text(("# %ECSV 1.0\n# ---\n" if suffix == ".ecsv" else "") + text, encoding="utf-8")
    listed = _raises_only(ProductTableError, path, lambda: list(read_product_table(path)))
    for row in listed or []:
        size = row.columns.get("size")
        assert size is None or (type(size) is int and 0 <= size < 2**63)
    if listed:
        linker.link_listed(listed)

"""Rows pickled by their values (`jwlink.core.values`): workers hand back what they read."""

from __future__ import annotations

import pickle
from dataclasses import fields

from jwlink.core.crdsparams import CrdsHeader
from jwlink.core.model import Association, Link, Member, Observation, Product, TimeWindow
from jwlink.core.values import ByValues
from jwlink.ingest.tree import walk
from jwlink.ingest.workers import read_chunk
from jwlink.naming.grammar import FileName
from jwlink.naming.info import NameInfo
from jwlink.synth import generate_files

ROWS = (Product, Observation, Association, Link, Member, TimeWindow, CrdsHeader, NameInfo, FileName)


def test_every_row_is_read_back_from_its_init_arguments():
    """Pickling by values holds only if every field is an __init__ argument, in slot order."""
    for row in ROWS:
        assert issubclass(row, ByValues)
        assert tuple(f.name for f in fields(row) if f.init) == row.__slots__


def test_batches_of_fits_files_survive_pickling(tmp_path):
    """The batches linked from synthetic FITS files come back equal, row by row and type by type."""
    generate_files(tmp_path, seed=3, products=120)
    looks = read_chunk(list(walk(sorted(tmp_path.rglob("*.fits")))))
    batches = [b for look in looks for b in look.batches or ()]
    assert batches and all(b.products for b in batches)
    back = pickle.loads(pickle.dumps(batches, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == batches
    # A file's name, parsed, comes back whole (NameInfo compares by name alone).
    infos = [look.info for look in looks]
    assert all(info is not None and info.parsed is not None for info in infos)
    for a, b in zip(infos, pickle.loads(pickle.dumps(infos)), strict=True):
        assert b.__reduce__() == a.__reduce__() and b.parsed == a.parsed
    seen = set()
    for old, new in zip(batches, back, strict=True):
        for name in ("products", "observations", "links", "windows"):
            for a, b in zip(getattr(old, name), getattr(new, name), strict=True):
                assert type(a) is type(b) and a == b
                kind, values = a.__reduce__()
                assert kind is type(a) and kind(*values) == a
                seen.add(kind)
        for a, b in zip(old.crds.values(), new.crds.values(), strict=True):
            assert type(b) is CrdsHeader and a == b
            seen.add(CrdsHeader)
    assert {Product, Observation, Link, TimeWindow, CrdsHeader} <= seen

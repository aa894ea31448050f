"""Product-list rows written as JSON text by the database, for answers of thousands of rows.

A whole list of 5,000 files cost more in Python than in SQL: a tuple per
row, a `jwlink.query.productlist.ListedRow`, the dict of MAST's columns
(`jwlink.query.productlist.mast_row`), then ``json.dumps`` of it. Here the
statement that reads the rows also writes each one as the JSON object
`mast_row` makes of it (SQLite's ``json_object``; on PostgreSQL each value's
``to_json`` text between the constant keys, which costs about half of
``json_build_object``), and Python joins the texts. SQLite writes exactly
the bytes ``json.dumps(row, ensure_ascii=False, separators=(",", ":"))``
writes (the API's own encoding), and PostgreSQL's ``to_json`` escapes as
it does, so both backends answer the same bytes (`tests/test_list_json.py`).

What SQL cannot say as Python says it stays Python's:

- a row with no rights of its own or of its observation takes its
  program's (`jwlink.query.questions.inherit_rights`, as every list does):
  the statement names the program, Python fills the value in;
- a row whose text SQL would read otherwise than Python (anything but
  printable ASCII where `mast_row` upper-cases, a program that is not a
  plain number, a number SQLite holds as a float) is flagged ``odd``; the
  caller then builds that page the old way, so no answer depends on which
  way it was built.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jwlink.core.mrp import MRP_RULE_IDS
from jwlink.query.productlist import DESCRIPTIONS, MRP_LABEL, TYPE_CODES
from jwlink.query.questions import inherit_rights
from jwlink.store import SqlStore

__all__ = ["NATIVE_KEYS", "ROW_KEYS", "RenderedRows", "rendered_columns", "rendered_rows"]


def _literal(text: str) -> str:
    """Return one of this module's constants as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class _Dialect:
    """The few spellings that differ between SQLite and PostgreSQL here."""

    find: str  # position of a text in another, 1-based, 0 if absent
    unusual: str  # true if the text holds anything but printable ASCII
    not_number: str  # true if the text is not a plain unsigned integer
    integer: str  # the text as an integer
    flag: str  # a truth value as JSON true/false
    floats: str  # true if a number column holds a float (its text differs)


_DIALECTS = {
    "sqlite": _Dialect(
        find="instr({0}, {1})",
        unusual="{0} GLOB '*[^ -~]*'",
        not_number="({0} GLOB '*[^0-9]*' OR length({0}) > 18)",
        integer="CAST({0} AS INTEGER)",
        flag="json(CASE WHEN {0} THEN 'true' ELSE 'false' END)",
        floats="typeof(size) = 'real' OR typeof(calib_level) = 'real'",
    ),
    "postgresql": _Dialect(
        find="strpos({0}, {1})",
        unusual="{0} ~ '[^ -~]'",
        not_number="({0} ~ '[^0-9]' OR length({0}) > 18)",
        integer="CAST({0} AS BIGINT)",
        flag="({0})",
        floats="FALSE",
    ),
}
# How both backends write the key and a null value of a rendered row.
_NULL_RIGHTS = '"dataRights":null'


def _cases(column: str, mapping: dict[str, str], default: str) -> str:
    whens = " ".join(f"WHEN {_literal(k)} THEN {_literal(v)}" for k, v in sorted(mapping.items()))
    return f"CASE {column} {whens} ELSE {default} END"


def _subgroup(d: _Dialect) -> tuple[str, str]:
    """`productlist._subgroup` over ``listed``: the expression, and the text it upper-cases."""
    rest = f"substr(name, {d.find.format('name', _literal('_gs-'))} + 4)"
    guide = (
        f"CASE WHEN {d.find.format(rest, _literal('_'))} > 0 "
        f"THEN substr({rest}, 1, {d.find.format(rest, _literal('_'))} - 1) ELSE {rest} END"
    )
    # str(suffix or extension): a missing one is Python's "None".
    plain = "COALESCE(NULLIF(suffix, ''), extension, 'None')"
    asn = "substr(name, length(name) - 8) = '_asn.json'"
    gs = f"{d.find.format('name', _literal('_gs-'))} > 0"
    upper = f"CASE WHEN {asn} THEN '' WHEN {gs} THEN {guide} ELSE {plain} END"
    return (
        f"CASE WHEN {asn} THEN 'ASN' WHEN {gs} THEN 'GS-' || UPPER({guide}) "
        f"ELSE UPPER({plain}) END",
        upper,
    )


def _columns(d: _Dialect, parent: str) -> list[tuple[str, str]]:
    """Every key of a native product-list row, in `mast_row`'s order, as SQL over ``listed``."""
    subgroup, _ = _subgroup(d)
    mrp = ", ".join(_literal(r) for r in sorted(MRP_RULE_IDS))
    return [
        ("obsID", f"COALESCE(CAST(obsid AS TEXT), {parent})"),
        ("obs_collection", "'JWST'"),
        ("dataproduct_type",
         "COALESCE(NULLIF(dataproduct_type, ''), NULLIF(obs_dataproduct_type, ''), '')"),
        ("obs_id", "COALESCE(NULLIF(obs_id, ''), via)"),
        ("description", _cases("COALESCE(suffix, '')", DESCRIPTIONS, "COALESCE(suffix, '')")),
        ("type", _cases("product_type", TYPE_CODES, "'A'")),
        ("dataURI", "'mast:JWST/product/' || name"),
        ("productType", "product_type"),
        ("productGroupDescription",
         f"CASE WHEN rule IN ({mrp}) THEN {_literal(MRP_LABEL)} ELSE '' END"),
        ("productSubGroupDescription", subgroup),
        ("productDocumentationURL", "''"),
        ("project", "'CALJWST'"),
        ("prvversion", "COALESCE(prvversion, '')"),
        ("proposal_id", _proposal(d)),
        ("productFilename", "name"),
        ("size", "size"),
        ("parent_obsid", parent),
        ("dataRights", "COALESCE(NULLIF(data_rights, ''), obs_rights)"),
        ("calib_level", "calib_level"),
        ("filters", "COALESCE(filters, '')"),
        ("sha256", "sha256"),
        ("kind", "kind"),
        ("role", "role"),
        ("present", d.flag.format("location IS NOT NULL")),
        ("level", "level"),
        ("suffix", "COALESCE(suffix, '')"),
    ]  # fmt: skip


def _proposal(d: _Dialect) -> str:
    """``str(int(program)) if program else ""``, for programs that are plain numbers.

    Any other program makes the row odd (`rendered_columns`): it is written
    empty here, so that PostgreSQL never casts it.
    """
    return (
        "CASE WHEN COALESCE(program, '') = '' THEN '' "
        f"WHEN {d.not_number.format('program')} THEN '' "
        f"ELSE CAST({d.integer.format('program')} AS TEXT) END"
    )


# The keys of a rendered row: a native product-list row's (`mast_row` without
# its private ``brought_in`` and ``location``); MAST's rows are the first 23.
ROW_KEYS = tuple(key for key, _ in _columns(_DIALECTS["sqlite"], "NULL"))
NATIVE_KEYS = len(ROW_KEYS)


@lru_cache(maxsize=8)
def rendered_columns(backend: str, parent: str, keys: int = NATIVE_KEYS) -> str:
    """Return the select list that renders a row of a ``listed`` CTE.

    Parameters
    ----------
    backend : {"sqlite", "postgresql"}
        The store's backend.
    parent : str
        SQL (constant text) for the obsid, as text, of the observation listed.
    keys : int
        How many of `ROW_KEYS`, in order: all for the native API, 23 for
        MAST's ``Mast.Caom.Products``.

    Returns
    -------
    str
        ``doc, name, rights_of, odd``: the row's JSON text; its file name;
        the program whose rights it takes (``''``: none) when it has none of
        its own, else NULL; 1 when `RenderedRows.odd` must build the page in Python.
    """
    d = _DIALECTS[backend]
    pairs = _columns(d, parent)[:keys]
    if backend == "sqlite":
        doc = "json_object(" + ", ".join(f"{_literal(k)}, {v}" for k, v in pairs) + ")"
    else:
        doc = _concatenated(pairs)
    _, upper = _subgroup(d)
    odd = (
        f"CASE WHEN {d.unusual.format(upper)} OR ({d.floats}) "
        f"OR (COALESCE(program, '') <> '' AND {d.not_number.format('program')}) "
        "THEN 1 ELSE 0 END"
    )
    rights_of = (
        f"CASE WHEN COALESCE(NULLIF(data_rights, ''), obs_rights) IS NULL THEN {_proposal(d)} END"
    )
    return f"{doc} AS doc, name, {rights_of} AS rights_of, {odd} AS odd"


# Text JSON writes as it is, between quotes: printable ASCII but '"' and '\\'.
_PLAIN = re.compile(r"[ !#-\[\]-~]*")


def _concatenated(pairs: list[tuple[str, str]]) -> str:
    """PostgreSQL: the object as text, each value's ``to_json`` between constant keys.

    ``json_build_object(...)::text`` cost about 12 µs a row at 1M, half of it
    building the object; ``to_json`` of each value gives the same JSON
    values, and its spacing is SQLite's and Python's (none). A constant
    value (a plain SQL string literal) is written as JSON here, once.
    """
    parts: list[str] = []
    for key, value in pairs:
        if not _PLAIN.fullmatch(key):
            msg = f"a row key must need no JSON escaping: {key!r}"
            raise ValueError(msg)
        head = ("," if parts else "{") + '"' + key + '":'
        text = value[1:-1]
        if value[:1] == value[-1:] == "'" and "'" not in text and _PLAIN.fullmatch(text):
            parts.append(_literal(head + '"' + text + '"'))
        else:
            parts.append(f"{_literal(head)} || COALESCE(to_json({value})::text, 'null')")
    return "(" + " || ".join([*parts, "'}'"]) + ")"


@dataclass
class RenderedRows:
    """Rows rendered by `rendered_columns`: JSON texts, file names, and whether any is odd."""

    texts: list[str]
    names: list[str]
    odd: bool

    def __len__(self) -> int:
        return len(self.texts)

    def add(self, key: str, values: Sequence[Any]) -> None:
        """Append ``key`` with one value per row as the last key of each row."""
        field = "," + json.dumps(key) + ":"
        self.texts = [
            text[:-1] + field + json.dumps(value, ensure_ascii=False) + "}"
            for text, value in zip(self.texts, values, strict=True)
        ]

    def json(self) -> str:
        """Return the rows as one JSON array."""
        return "[" + ",".join(self.texts) + "]"


def rendered_rows(store: SqlStore, raw: Sequence[Sequence[Any]]) -> RenderedRows:
    """Finish rows read with `rendered_columns` first: give rights-less rows their program's.

    Parameters
    ----------
    store : SqlStore
        The catalog (for the programs' rights, `jwlink.query.questions.program_rights`).
    raw : sequence of rows
        Rows whose first four columns are those of `rendered_columns`.
    """
    texts = [r[0] for r in raw]
    names = [r[1] for r in raw]
    lacking = [i for i, r in enumerate(raw) if r[2] is not None]
    if lacking:
        asked = [{"dataRights": None, "proposal_id": raw[i][2]} for i in lacking]
        inherit_rights(store, asked)
        for i, row in zip(lacking, asked, strict=True):
            given = _NULL_RIGHTS.replace("null", json.dumps(row["dataRights"], ensure_ascii=False))
            # The key is written once per row, and never inside a string,
            # where its quotes would be escaped.
            texts[i] = texts[i].replace(_NULL_RIGHTS, given, 1)
    return RenderedRows(texts, names, any(r[3] for r in raw))

"""Association JSON reader (``*_asn.json``), validated against the association schema."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema

from jwlink.core.model import AsnEvidence, AsnMember, AsnProduct, Association
from jwlink.errors import AssociationError, InvalidName
from jwlink.naming import bare_name
from jwlink.readers.regular import open_regular

__all__ = ["ASN_SCHEMA", "MAX_ASN_BYTES", "MAX_ASN_DEPTH", "MAX_ASN_TOKENS", "read_association"]

# Larger than any real association (the biggest mosaics list a few thousand
# members, well under 10 MB); anything bigger is refused before parsing.
MAX_ASN_BYTES = 64 * 1024 * 1024
# Parsed JSON takes far more memory than its text (an empty object, 3 bytes,
# is a 64-byte dict), so the count of values is bounded too: commas, braces
# and brackets, counted on the raw bytes. A 5,000-member mosaic uses ~35,000
# (about 7 a member); the bound admits the 200,000-member associations ingest
# is measured at (benchmarks/big_association.py; its whole ingest peaks at 1.4 GB).
MAX_ASN_TOKENS = 2_000_000
# An association is four levels deep (top, products, members, member); real
# files add a level or two in extra keys. Deeper documents are refused before
# validation, whose messages repr the value and would recurse as deep.
MAX_ASN_DEPTH = 32
# Metadata strings are short words and stamps; a megabyte asn_type is junk.
_MAX_TEXT = 1024
_TEXT = {"type": ["string", "null"], "maxLength": _MAX_TEXT}

# What the jwst association schemas (asn_schema_jw_level2b/3.json, draft-04)
# require: only ``products``; each product needs ``members``; each member needs
# ``expname`` and ``exptype``. Types are checked where jwlink relies on them.
ASN_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "required": ["products"],
    "properties": {
        "asn_type": _TEXT,
        "asn_rule": _TEXT,
        "asn_id": _TEXT,
        "asn_pool": _TEXT,
        "program": {
            "type": ["string", "integer", "null"],
            "maxLength": _MAX_TEXT,
            "minimum": 0,
            "maximum": 99999,
        },
        "target": {"type": ["string", "integer", "null"], "maxLength": _MAX_TEXT},
        "version_id": _TEXT,
        "code_version": _TEXT,
        "products": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["members"],
                "properties": {
                    "name": {"type": "string"},
                    "members": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["expname", "exptype"],
                            "properties": {
                                "expname": {"type": "string", "minLength": 1},
                                "exptype": {"type": "string", "minLength": 1, "maxLength": 64},
                                "exposerr": _TEXT,
                            },
                        },
                    },
                },
            },
        },
    },
}
_VALIDATOR = jsonschema.Draft4Validator(ASN_SCHEMA)


def _where(path: Any) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in path]
    return "".join(parts).lstrip(".") or "top level"


def _short(text: str, limit: int = 240) -> str:
    # jsonschema quotes the whole offending value: keep a huge one readable.
    return text if len(text) <= limit else f"{text[: limit - 80]} ... {text[-60:]}"


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Python keeps the last of repeated keys, other readers the first: the
    # document means two things, so it is refused.
    doc = dict(pairs)
    if len(doc) != len(pairs):
        counts = Counter(key for key, _ in pairs)
        raise _RepeatedKey(next(key for key, n in counts.items() if n > 1))
    return doc


class _RepeatedKey(ValueError):
    """A JSON object repeats a key (raised inside json.loads, reported by `_load`)."""


def _load(path: Path) -> Any:
    try:
        size = path.stat().st_size
        if size > MAX_ASN_BYTES:
            msg = f"association file is {size} bytes, over the {MAX_ASN_BYTES}-byte limit"
            raise AssociationError(str(path), msg)
        with open_regular(path) as handle:  # a FIFO swapped in after the size check: refused
            raw = handle.read()
        tokens = raw.count(b",") + raw.count(b"{") + raw.count(b"[")
        if tokens > MAX_ASN_TOKENS:
            msg = (f"{tokens} JSON separators and containers (, {{ [), over the limit of "
                   f"{MAX_ASN_TOKENS}: far more than any association holds")  # fmt: skip
            raise AssociationError(str(path), msg)
        return json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_keys)
    except _RepeatedKey as err:
        msg = f"key {str(err)!r} appears twice in one JSON object; which one counts is ambiguous"
        raise AssociationError(str(path), msg) from err
    except json.JSONDecodeError as err:
        msg = f"not valid JSON at line {err.lineno} column {err.colno}: {err.msg}"
        raise AssociationError(str(path), msg) from err
    except UnicodeDecodeError as err:
        msg = f"not UTF-8 text (byte {err.start}); association files are JSON"
        raise AssociationError(str(path), msg) from err
    except RecursionError as err:
        raise AssociationError(str(path), "JSON nested too deeply to be an association") from err
    except ValueError as err:  # Python's limit on integer digits (sys.set_int_max_str_digits)
        raise AssociationError(str(path), f"not a usable JSON number: {err}") from err
    except OSError as err:
        raise AssociationError(str(path), f"cannot be read: {err.strerror or err}") from err


def _check_document(path: Path, doc: object) -> None:
    """Refuse nesting past `MAX_ASN_DEPTH`, and NUL or lone surrogates in any string.

    Iterative, so depth costs no stack. JSON escapes may spell NUL and lone
    UTF-16 surrogates, which no catalog can store (PostgreSQL text refuses
    NUL, UTF-8 refuses surrogates).
    """
    if isinstance(doc, str):
        _check_text(path, doc, ())
    # Paths are built for containers only; a string's path is made if it is at fault.
    stack: list[tuple[tuple[Any, ...], dict[Any, Any] | list[Any]]] = (
        [((), doc)] if isinstance(doc, dict | list) else []
    )
    while stack:
        where, value = stack.pop()
        if len(where) > MAX_ASN_DEPTH:
            msg = f"JSON nested more than {MAX_ASN_DEPTH} levels deep at {_where(where[:8])}..."
            raise AssociationError(str(path), msg + " (an association is 4 levels deep)")
        items: Iterable[tuple[Any, Any]] = (
            value.items() if isinstance(value, dict) else enumerate(value)
        )
        for key, item in items:
            if isinstance(value, dict):
                _check_text(path, key, where)
            if isinstance(item, str):
                _check_text(path, item, where, key)
            elif isinstance(item, dict | list):
                stack.append(((*where, key), item))


def _check_text(path: Path, text: str, where: tuple[Any, ...], key: Any = None) -> None:
    if "\x00" in text:
        problem = "a string holds a NUL character"
    elif any("\ud800" <= c <= "\udfff" for c in text):
        problem = "a string holds a lone UTF-16 surrogate (an invalid \\u escape)"
    else:
        return
    at = where if key is None else (*where, key)
    raise AssociationError(str(path), f"{_where(at)}: {problem}")


def _safe_name(path: Path, where: str, value: str) -> str:
    # Members and products are bare file names in the association's folder; a
    # path here would let an association point jwlink at any file on disk.
    if "/" in value or "\\" in value or value in (".", "..") or Path(value).is_absolute():
        msg = (
            f"{where} '{value}' is a path; association members and products must be "
            "bare file names in the association's own folder"
        )
        raise AssociationError(str(path), msg)
    try:
        return bare_name(value)
    except InvalidName as err:
        raise AssociationError(str(path), f"{where} {value[:80]!r}: {err.reason}") from err


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def read_association(path: str | os.PathLike[str]) -> AsnEvidence:
    """Read and validate one association file.

    Parameters
    ----------
    path : str or PathLike
        An association JSON file.

    Returns
    -------
    AsnEvidence
        The association with its products and members; member ``exptype``
        lower-cased (legacy files write ``SCIENCE``).

    Raises
    ------
    AssociationError
        Not JSON, against the schema (the message names the field and what
        was expected), or member names that are paths.
    """
    p = Path(path)
    doc = _load(p)
    _check_document(p, doc)
    errors = sorted(_VALIDATOR.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        msg = f"{_where(first.absolute_path)}: {_short(first.message)} (association schema)"
        raise AssociationError(str(p), msg)
    products = []
    for i, entry in enumerate(doc["products"]):
        name = _safe_name(p, f"products[{i}].name", entry.get("name") or p.name.split(".")[0])
        members, seen = [], set()
        for j, m in enumerate(entry["members"]):
            where = f"products[{i}].members[{j}].expname"
            expname = _safe_name(p, where, m["expname"].strip())
            key = (expname, m["exptype"].lower())
            # Real associations repeat members (jwst's own test files do);
            # the pipeline processes each once, so one member it is.
            if key in seen:
                continue
            seen.add(key)
            error = m.get("exposerr")
            members.append(AsnMember(expname, key[1], None if error in (None, "null") else error))
        products.append(AsnProduct(name, tuple(members)))
    info = Association(
        name=p.name,
        asn_type=_text(doc.get("asn_type")),
        asn_rule=_text(doc.get("asn_rule")),
        asn_id=_text(doc.get("asn_id")),
        pool=_text(doc.get("asn_pool")),
        program=_text(doc.get("program")),
        target=_text(doc.get("target")),
        version_id=_text(doc.get("version_id")),
        code_version=_text(doc.get("code_version")),
    )
    return AsnEvidence(path=str(p), association=info, products=tuple(products))

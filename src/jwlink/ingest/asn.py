"""Association JSON reader (``*_asn.json``), validated against the association schema."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema

from jwlink.errors import AssociationError
from jwlink.model import AsnEvidence, AsnMember, AsnProduct, Association

__all__ = ["ASN_SCHEMA", "MAX_ASN_BYTES", "read_association"]

# Larger than any real association (the biggest mosaics list a few thousand
# members, well under 10 MB); anything bigger is refused before parsing.
MAX_ASN_BYTES = 64 * 1024 * 1024

# What the jwst association schemas (asn_schema_jw_level2b/3.json, draft-04)
# require: only ``products``; each product needs ``members``; each member needs
# ``expname`` and ``exptype``. Types are checked where jwlink relies on them.
ASN_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "required": ["products"],
    "properties": {
        "asn_type": {"type": ["string", "null"]},
        "asn_rule": {"type": ["string", "null"]},
        "asn_id": {"type": ["string", "null"]},
        "asn_pool": {"type": ["string", "null"]},
        "program": {"type": ["string", "integer", "null"]},
        "target": {"type": ["string", "integer", "null"]},
        "version_id": {"type": ["string", "null"]},
        "code_version": {"type": ["string", "null"]},
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
                                "exptype": {"type": "string", "minLength": 1},
                                "exposerr": {"type": ["string", "null"]},
                            },
                        },
                    },
                },
            },
        },
    },
}
_VALIDATOR = jsonschema.Draft4Validator(ASN_SCHEMA)


def _where(error: jsonschema.ValidationError) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path]
    return "".join(parts).lstrip(".") or "top level"


def _load(path: Path) -> Any:
    try:
        size = path.stat().st_size
        if size > MAX_ASN_BYTES:
            msg = f"association file is {size} bytes, over the {MAX_ASN_BYTES}-byte limit"
            raise AssociationError(str(path), msg)
        text = path.read_bytes().decode("utf-8")
        return json.loads(text)
    except json.JSONDecodeError as err:
        msg = f"not valid JSON at line {err.lineno} column {err.colno}: {err.msg}"
        raise AssociationError(str(path), msg) from err
    except UnicodeDecodeError as err:
        msg = f"not UTF-8 text (byte {err.start}); association files are JSON"
        raise AssociationError(str(path), msg) from err
    except RecursionError as err:
        raise AssociationError(str(path), "JSON nested too deeply to be an association") from err
    except OSError as err:
        raise AssociationError(str(path), f"cannot be read: {err.strerror or err}") from err


def _safe_name(path: Path, where: str, value: str) -> str:
    # Members and products are bare file names in the association's folder; a
    # path here would let an association point jwlink at any file on disk.
    if "/" in value or "\\" in value or value in (".", "..") or Path(value).is_absolute():
        msg = (
            f"{where} '{value}' is a path; association members and products must be "
            "bare file names in the association's own folder"
        )
        raise AssociationError(str(path), msg)
    if any(ord(c) < 32 or c == "\x7f" for c in value):
        raise AssociationError(str(path), f"{where} {value!r} contains control characters")
    return value


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
    errors = sorted(_VALIDATOR.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        msg = f"{_where(first)}: {first.message} (association schema)"
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

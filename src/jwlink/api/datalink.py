"""IVOA DataLink 1.1 ``{links}``: every product's links as a VOTable pyvo reads.

``GET``/``POST /datalink/links?ID=...`` (``ID`` repeatable; a ``dataURI``
``mast:JWST/product/<file>``, a file name, a path or ``crds://`` URI of one:
any name `jwlink.query.names` resolves to a product). Each ID gets a ``#this``
row for the file itself, then one row per linked product with semantics
mapped from the link's kind (``reference/standards.md`` §10), all rows of one
ID together. Unknown IDs get a ``NotFoundFault`` row. Core terms are written
``#term`` (pyvo compares strings); jwlink's finer meaning of a link (reference
file, guide star, prerequisite, ...) goes in ``local_semantics`` as a URI.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from jwlink.api.access import Principal, is_public
from jwlink.api.bodies import BoundedBodyRoute
from jwlink.api.errors import BadRequest, render_errors_under
from jwlink.api.files import content_type, may_read
from jwlink.api.hosts import base_url
from jwlink.api.state import ServeState, StateDep, clean_text, read_form
from jwlink.errors import JwlinkError, NotFound
from jwlink.query import names
from jwlink.query.neighbours import neighbours
from jwlink.query.selection import SelectedFile, files_by_name, is_file_name, served_path
from jwlink.store import SqlStore

__all__ = [
    "DATALINK_MIME",
    "JWLINK_NS",
    "LinkRow",
    "links_for",
    "router",
    "semantics",
    "votable_error",
]

router = APIRouter(tags=["datalink"], route_class=BoundedBodyRoute)

DATALINK_MIME = "application/x-votable+xml;content=datalink"
STANDARD_ID = "ivo://ivoa.net/std/DataLink#links-1.1"
JWLINK_NS = "https://github.com/jwlink/jwlink/ns#"
MAX_IDS = 1000
# Rows of one answer; MAXREC may ask for fewer, never more (DALI: the service
# caps it and marks the cut with QUERY_STATUS=OVERFLOW).
MAX_ROWS = 100_000

# (name, datatype, ucd, extra attributes)
_FIELDS = (
    ("ID", "char", "meta.id;meta.main", ""),
    ("access_url", "char", "meta.ref.url", ""),
    ("service_def", "char", "meta.ref", ""),
    ("error_message", "char", "meta.code.error", ""),
    ("semantics", "char", "meta.code", ""),
    ("description", "char", "meta.note", ""),
    ("content_type", "char", "meta.code.mime", ""),
    ("content_length", "long", "phys.size;meta.file", ' unit="byte"'),
    ("content_qualifier", "char", "meta.code.class", ""),
    ("local_semantics", "char", "meta.id.assoc", ""),
    ("link_auth", "char", "meta.code", ""),
    ("link_authorized", "boolean", "meta.code", ""),
)
_QUALIFIERS = {
    "image": "#image",
    "spectrum": "#spectrum",
    "cube": "#cube",
    "timeseries": "#timeseries",
    "measurements": "#measurements",
}
_DERIVED = frozenset({"antecedent", "composition", "multiplicity"})


@dataclass(frozen=True)
class LinkRow:
    """One row of a links table before it is written."""

    id: str
    semantics: str
    description: str
    access_url: str = ""
    error_message: str = ""
    content_type: str = ""
    content_length: int | None = None
    content_qualifier: str = ""
    local_semantics: str = ""
    link_auth: str = ""
    link_authorized: bool | None = None


def semantics(kind: str, role: str, inbound: bool) -> tuple[str, str]:
    """Map a jwlink link to (DataLink core term, jwlink local-semantics URI).

    ``inbound`` means the linked product feeds the product asked about
    (``linked -> this``); otherwise this product feeds the linked one.
    """
    local = JWLINK_NS + f"{kind}/{role}"
    if not inbound:
        if kind in _DERIVED or kind in ("calibration", "contributing"):
            return "#derivation", local
        if kind == "linked" and role in ("preview", "thumbnail"):
            return "#progenitor", local  # the product this preview shows
        return "#auxiliary", local
    if kind == "antecedent":
        return ("#documentation" if role == "association" else "#progenitor"), local
    if kind == "composition":
        return "#progenitor", local
    if kind == "multiplicity":
        return "#progenitor", local
    if kind == "calibration":
        return "#calibration", local
    if kind == "contributing":
        if role.startswith("reference:"):
            return "#calibration", JWLINK_NS + "reference-file/" + role.removeprefix("reference:")
        if role.startswith("engineering:"):
            # An Engineering Database series, one local term per mnemonic.
            return "#auxiliary", JWLINK_NS + "engineering/" + role.removeprefix("engineering:")
        return "#auxiliary", local
    if kind == "linked":
        if role in ("preview", "thumbnail"):
            return f"#{role}", local
        if role == "guide_star":
            return "#auxiliary", JWLINK_NS + "guide-star"
        return ("#counterpart" if role == "external" else "#auxiliary"), local
    if kind == "aggregation":
        if role == "guide_star":
            return "#auxiliary", JWLINK_NS + "guide-star"
        return ("#documentation" if role == "pool" else "#auxiliary"), local
    if kind == "prerequisite":
        return "#auxiliary", JWLINK_NS + "prerequisite/" + role
    return "#auxiliary", local


def _row(
    id_: str,
    item: SelectedFile,
    term: str,
    description: str,
    local: str,
    state: ServeState,
    principal: Principal | None,
    base: str,
) -> LinkRow:
    public = is_public(item.data_rights, item.release_date)
    held = served_path(item.location, state.data_root) is not None
    row = LinkRow(
        id_,
        term,
        description,
        content_type=content_type(item.name),
        content_length=item.size,
        content_qualifier=_QUALIFIERS.get(item.dataproduct_type or "", ""),
        local_semantics=local,
        link_auth="false" if public else "true",
        link_authorized=may_read(item, principal),
    )
    if not is_file_name(item.name):  # a catalog name that is not a file name has no URL
        return replace(row, error_message=f"NotFoundFault: {item.name} is not a file name")
    if not held:
        return replace(row, error_message=f"NotFoundFault: {item.name} is not held by this archive")
    return replace(
        row, access_url=f"{base}/api/v0.1/Download/file?uri={quote(item.uri, safe=':/')}"
    )


def _describe(item: SelectedFile, kind: str, role: str, inbound: bool) -> str:
    what = f"{item.product_type or 'product'} {item.name}"
    if not kind:
        return f"{what} (the file itself)"
    arrow = "feeds this product" if inbound else "is made or supported by this product"
    return f"{what}: {kind}/{role}, {arrow}"


def links_for(
    store: SqlStore,
    state: ServeState,
    ids: Iterable[str],
    principal: Principal | None,
    base: str,
    limit: int | None = None,
) -> list[LinkRow]:
    """Return the rows for each ID, in order, every ID's rows together.

    With ``limit``, stop once that many rows are found (the caller marks the cut).
    """
    rows: list[LinkRow] = []
    for id_ in ids:
        if limit is not None and len(rows) >= limit:
            break
        try:
            what, name = names.resolve(store, clean_text(id_, "ID"))
        except NotFound as err:
            close = f"; close matches: {', '.join(err.suggestions)}" if err.suggestions else ""
            msg = f"NotFoundFault: {id_} is not a product of this archive{close}"
            rows.append(LinkRow(id_, "#this", "", error_message=msg))
            continue
        except JwlinkError:
            rows.append(
                LinkRow(id_, "#this", "", error_message=f"NotFoundFault: no product '{id_}'")
            )
            continue
        item = files_by_name(store, [name]).get(name) if what == "product" else None
        if item is None:
            msg = f"NotFoundFault: {id_} is observation {name}, not a product of this archive"
            rows.append(LinkRow(id_, "#this", "", error_message=msg))
            continue
        rows.append(
            _row(
                id_,
                item,
                "#this",
                _describe(item, "", "", True),
                JWLINK_NS + f"suffix/{item.suffix or ''}",
                state,
                principal,
                base,
            )
        )
        around = neighbours(store, name)
        facts = files_by_name(store, [n.name for n in around])
        for other, kind, role, inbound in around:
            if other not in facts:
                continue
            if kind == "coderived":
                term, local = "#coderived", JWLINK_NS + f"coderived/{role}"
            else:
                term, local = semantics(kind, role, inbound)
            rows.append(
                _row(
                    id_,
                    facts[other],
                    term,
                    _describe(facts[other], kind, role, inbound),
                    local,
                    state,
                    principal,
                    base,
                )
            )
    return rows


# Characters XML 1.0 cannot carry at all (escaping does not help): replaced.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", text))


def _td(value: object) -> str:
    if value is None or value == "":
        return "<TD/>"
    if isinstance(value, bool):
        return "<TD>T</TD>" if value else "<TD>F</TD>"
    return f"<TD>{_xml(str(value))}</TD>"


def _field(name: str, datatype: str, ucd: str, extra: str) -> str:
    size = ' arraysize="*"' if datatype == "char" else ""
    null = '><VALUES null="-1"/></FIELD>' if datatype == "long" else "/>"
    return f'<FIELD name="{name}" datatype="{datatype}"{size} ucd="{ucd}"{extra}{null}'


def votable(rows: list[LinkRow], status: str = "OK", message: str = "") -> str:
    """Write a links table as a VOTable 1.3 TABLEDATA document."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<VOTABLE version="1.3" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">',
        '<RESOURCE type="results">',
        f'<INFO name="standardID" value="{STANDARD_ID}"/>',
        f'<INFO name="QUERY_STATUS" value="{status}">{_xml(message)}</INFO>',
        "<TABLE>",
    ]
    out += [_field(*f) for f in _FIELDS]
    out.append("<DATA><TABLEDATA>")
    for r in rows:
        length = r.content_length if r.content_length is not None else -1
        cells = (
            r.id,
            r.access_url,
            "",
            r.error_message,
            r.semantics,
            r.description,
            r.content_type,
            length,
            r.content_qualifier,
            r.local_semantics,
            r.link_auth,
            r.link_authorized,
        )
        out.append("<TR>" + "".join(_td(c) for c in cells) + "</TR>")
    out += ["</TABLEDATA></DATA>", "</TABLE>", "</RESOURCE>", "</VOTABLE>"]
    return "\n".join(out)


_FAULTS = {
    400: "UsageFault",
    401: "UsageFault",
    403: "UsageFault",
    404: "NotFoundFault",
    413: "UsageFault",
    422: "UsageFault",
    503: "TransientFault",
}


def votable_error(status: int, message: str) -> Response:
    """Return a DataLink error document: ``QUERY_STATUS=ERROR``, fault-prefixed message."""
    fault = _FAULTS.get(status, "FatalFault")
    text = votable([], "ERROR", f"{fault}: {message}")
    return Response(text, status_code=status, media_type=DATALINK_MIME)


render_errors_under("/datalink", votable_error)


# The parameters of {links}, as query parameters (GET) and as form fields (POST).
_PARAMETERS: dict[str, dict[str, Any]] = {
    "ID": {"type": "array", "items": {"type": "string"}},
    "RESPONSEFORMAT": {"type": "string"},
    "MAXREC": {"type": "integer", "minimum": 0, "description": f"at most {MAX_ROWS}"},
}
_ID_QUERY = {
    "parameters": [{"name": k, "in": "query", "schema": v} for k, v in _PARAMETERS.items()]
}
_ID_FORM = {
    "requestBody": {
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "properties": _PARAMETERS}
            }
        }
    }
}


def _maxrec(values: list[str]) -> int:
    """Return the row limit: the last MAXREC, capped at `MAX_ROWS`.

    Raises
    ------
    BadRequest
        MAXREC is not a whole number of 0 or more.
    """
    if not values:
        return MAX_ROWS
    text = values[-1].strip()
    if not text.isascii() or not text.isdigit():
        msg = f"MAXREC must be a whole number of 0 or more, not '{values[-1][:40]}'"
        raise BadRequest(msg)
    return min(int(text), MAX_ROWS) if len(text) < 10 else MAX_ROWS


@router.get(
    "/datalink/links",
    openapi_extra=_ID_QUERY,
    response_class=Response,
    responses={200: {"content": {DATALINK_MIME: {}}}},
)
@router.post(
    "/datalink/links",
    openapi_extra=_ID_FORM,
    response_class=Response,
    responses={200: {"content": {DATALINK_MIME: {}}}},
)
async def links(request: Request, state: StateDep) -> Response:
    """Answer DataLink ``{links}``; ``ID`` (repeatable): ``mast:JWST/product/<file>`` or a name."""
    if request.method == "POST":
        pairs = await read_form(request, state)
    else:
        pairs = list(request.query_params.multi_items())
    ids = [value for key, value in pairs if key.upper() == "ID"]
    formats = [value for key, value in pairs if key.upper() == "RESPONSEFORMAT"]
    if any(f not in ("", "votable", "application/x-votable+xml", DATALINK_MIME) for f in formats):
        return votable_error(400, f"RESPONSEFORMAT '{formats[0]}' is not supported (votable)")
    limit = _maxrec([value for key, value in pairs if key.upper() == "MAXREC"])
    principal, _ = state.principal(request)
    base = base_url(request)

    def run() -> list[LinkRow]:
        with state.pool.store() as store:
            return links_for(store, state, ids[:MAX_IDS], principal, base, limit + 1)

    rows = await run_in_threadpool(run)
    status = "OVERFLOW" if len(ids) > MAX_IDS or len(rows) > limit else "OK"
    return Response(votable(rows[:limit], status), media_type=DATALINK_MIME)

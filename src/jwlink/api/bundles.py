"""Download endpoints for many files: zip and tar bundles, curl scripts, manifests.

A selection is ``obs_id=`` (repeatable; MRP only unless ``mrp=false``, like
MAST's checkbox) and ``name=`` (repeatable, always included). Exclusive
products enter bundles and scripts only when the caller's token grants
their program; manifests list every file with its status. Nothing is left
out silently: zip and tar bundles carry a ``MANIFEST.csv`` naming every
selected file with its status and reason (and say how many were left out in
``X-Jwlink-Left-Out``), and a curl script counts what it did not fetch and
exits 1, saying how to come back with a token. A file changed on disk since
it was catalogued is ``CHANGED``: listed without the OK a checksum would
vouch for, and left out of bundles and scripts (`jwlink.query.freshness`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from jwlink.api.access import Principal
from jwlink.api.bodies import BoundedBodyRoute
from jwlink.api.errors import BadRequest, Conflict, NotServed
from jwlink.api.files import may_read, require_access
from jwlink.api.hosts import base_url, external_url
from jwlink.api.scripts import again_get, again_mast, curl_script, public_url
from jwlink.api.state import ServeState, StateDep, clean_text, read_form
from jwlink.api.streams import CHANGED, Entry, manifest_csv, tar_stream, zip_stream
from jwlink.query.freshness import stale_reason
from jwlink.query.selection import (
    SelectedFile,
    is_file_name,
    name_from_uri,
    open_served,
    select_files,
)

__all__ = ["FORM_URIS", "Selection", "left_out", "plan", "refusal", "router"]

router = APIRouter(tags=["downloads"], route_class=BoundedBodyRoute)

FORM_URIS: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "uri": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "mast:JWST/product/<file>, repeated",
                        },
                    },
                    "required": ["uri"],
                }
            }
        },
    }
}


@dataclass
class Selection:
    """The query parameters that select files for a bundle, script or manifest."""

    obs_id: list[str]
    name: list[str]
    mrp: bool
    flat: bool


def _selection(
    obs_id: Annotated[
        list[str], Query(description="Observation (repeatable); MRP unless mrp=false")
    ] = [],  # noqa: B006, E501
    name: Annotated[list[str], Query(description="Product file name or dataURI (repeatable)")] = [],  # noqa: B006
    mrp: Annotated[
        bool, Query(description="Only minimum recommended products of observations")
    ] = True,
    flat: Annotated[bool, Query(description="All files in one folder")] = False,
) -> Selection:
    return Selection(obs_id, name, mrp, flat)


SelectionDep = Annotated[Selection, Depends(_selection)]


def refusal(item: SelectedFile, principal: Principal | None, presented: bool) -> str:
    """Say why an exclusive-access file is refused to this caller, and what would do."""
    what = f"exclusive access (program {item.program})"
    if principal is not None:
        return f"{what}: the token of '{principal.name}' does not grant this program"
    if presented:
        return f"{what}: the token presented is not valid"
    return (
        f"{what}: no token was presented; send one as 'Authorization: Bearer <token>' "
        "(or the mast_token cookie)"
    )


def _entry(
    item: SelectedFile,
    state: ServeState,
    base: str,
    flat: bool,
    caller: tuple[Principal | None, bool],
) -> Entry:
    url = f"{base}/api/v1/files/{quote(item.name, safe='')}"
    size, stale = _on_disk(item, state)
    status, message = "OK", ""
    if not is_file_name(item.name):
        # Its path is made safe, but the name itself cannot be fetched by URL.
        status, message = "BAD_NAME", "the catalog name is not a plain file name"
    elif size is None:
        status, message = "NOT_HELD", "the file is not held by this archive"
    elif not may_read(item, caller[0]):
        status, message = "NOT_AUTHORIZED", refusal(item, *caller)
    elif stale is not None:
        status, message = CHANGED, stale
    return Entry(
        item.name,
        item.path(flat),
        size if size is not None else (item.size or 0),
        item.sha256,
        url,
        item.location,
        item.data_rights,
        status,
        message,
        item.catalogued,
    )


def _on_disk(item: SelectedFile, state: ServeState) -> tuple[int | None, str | None]:
    """Return the held file's size (None if not held) and why it is stale (None if not)."""
    opened = open_served(item.location, state.data_root)
    if opened is None:
        return None, None
    fd, size = opened
    try:
        stale = stale_reason(fd, item.catalogued)
    finally:
        os.close(fd)
    return size, stale.message if stale is not None else None


def plan(request: Request, state: ServeState, selection: Selection) -> list[Entry]:
    """Resolve a selection into manifest entries, each with its status.

    Raises
    ------
    BadRequest
        Nothing selected, or too many names.
    NotFound
        An observation or product is unknown.
    """
    obs_ids = [clean_text(o, "obs_id") for o in selection.obs_id]
    names = [name_from_uri(clean_text(n, "name")) for n in selection.name]
    if not obs_ids and not names:
        msg = "Select files with obs_id=... and/or name=... (repeatable)"
        raise BadRequest(msg)
    if len(obs_ids) + len(names) > state.max_names:
        msg = f"At most {state.max_names} obs_id and name values per request"
        raise BadRequest(msg)
    caller = state.principal(request)
    with state.pool.store() as store:
        files = select_files(store, obs_ids, names, selection.mrp)
    base = base_url(request)
    return [_entry(f, state, base, selection.flat, caller) for f in files]


def _deliverable(request: Request, state: ServeState, entries: list[Entry]) -> list[Entry]:
    """Return the entries that can be sent; raise 401/403/404 when none can, saying why."""
    ready = [e for e in entries if e.status == "OK"]
    if ready:
        return ready
    refused = [e for e in entries if e.status == "NOT_AUTHORIZED"]
    if refused:
        principal, presented = state.principal(request)
        with state.pool.store() as store:
            item = select_files(store, (), [refused[0].name])[0]
        require_access(item, principal, presented)
    changed = [e for e in entries if e.status == CHANGED]
    if changed:
        raise Conflict(changed[0].message)
    msg = "None of the selected files is held by this archive"
    raise NotServed(msg)


def _stamp() -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime())


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def left_out(entries: list[Entry]) -> dict[str, int]:
    """Count the entries the caller will not get, by status (sorted)."""
    counts: dict[str, int] = {}
    for entry in entries:
        if entry.status != "OK":
            counts[entry.status] = counts.get(entry.status, 0) + 1
    return dict(sorted(counts.items()))


def _left_out_header(entries: list[Entry]) -> dict[str, str]:
    """Return the ``X-Jwlink-Left-Out`` header, e.g. ``NOT_AUTHORIZED=2, NOT_HELD=1``."""
    text = ", ".join(f"{status}={n}" for status, n in left_out(entries).items())
    return {"X-Jwlink-Left-Out": text} if text else {}


def _bundle(
    request: Request,
    state: ServeState,
    entries: list[Entry],
    kind: str,
    stem: str,
    again: str,
) -> Response:
    if kind == "sh":
        # A script, like MAST's, always comes back (so curl_flag never fails);
        # run, it counts what it leaves out and exits 1 if anything is missing.
        ready = [e for e in entries if e.status == "OK"]
        skipped = [e for e in entries if e.status != "OK"]
        script = curl_script(ready, skipped, base_url(request), f"{stem}.sh", again)
        return PlainTextResponse(
            script,
            media_type="text/x-shellscript",
            headers={**_attachment(f"{stem}.sh"), **_left_out_header(entries)},
        )
    _deliverable(request, state, entries)
    headers = {**_attachment(f"{stem}.{kind}"), **_left_out_header(entries)}
    if kind == "zip":
        body = zip_stream(entries, state.data_root)
        return StreamingResponse(body, media_type="application/zip", headers=headers)
    body = tar_stream(entries, state.data_root)
    return StreamingResponse(body, media_type="application/x-tar", headers=headers)


def _request_url(request: Request) -> str:
    """Return this request's URL without any credential a caller put in its query."""
    return public_url(external_url(request), list(request.query_params.multi_items()))


@router.get("/api/v1/manifest.json")
def manifest_json(
    request: Request,
    state: StateDep,
    selection: SelectionDep,
) -> JSONResponse:
    """List a selection's files: path, size, SHA-256, URL and status of each.

    ``left_out`` counts the files the caller would not get, by status.
    """
    entries = plan(request, state, selection)
    return JSONResponse(
        {
            "count": len(entries),
            "size": sum(e.size for e in entries if e.status == "OK"),
            "left_out": left_out(entries),
            "mrp": selection.mrp,
            "flat": selection.flat,
            "files": [e.as_dict() for e in entries],
        }
    )


@router.get("/api/v1/manifest.csv", response_class=PlainTextResponse)
def manifest_csv_endpoint(
    request: Request,
    state: StateDep,
    selection: SelectionDep,
) -> PlainTextResponse:
    """Return the same manifest as CSV."""
    text = manifest_csv(plan(request, state, selection))
    return PlainTextResponse(text, media_type="text/csv")


_BUNDLE_TYPES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/zip": {}, "application/x-tar": {}, "text/x-shellscript": {}}}
}
BundleKind = Literal["zip", "tar", "sh"]


@router.get("/api/v1/bundle.{kind}", response_class=Response, responses=_BUNDLE_TYPES)
def bundle(
    request: Request,
    state: StateDep,
    kind: BundleKind,
    selection: SelectionDep,
) -> Response:
    """Stream a zip or tar bundle, or write a curl script (``kind`` = zip, tar or sh)."""
    entries = plan(request, state, selection)
    stem = f"jwlink_{_stamp()}"
    again = again_get(_request_url(request), f"{stem}.sh")
    return _bundle(request, state, entries, kind, stem, again)


@router.post(
    "/api/v0.1/Download/bundle.{kind}",
    tags=["mast"],
    openapi_extra=FORM_URIS,
    response_class=Response,
    responses=_BUNDLE_TYPES,
)
async def mast_bundle(request: Request, kind: BundleKind, state: StateDep) -> Response:
    """MAST's bundle service: form ``uri=...&uri=...``; ``.sh`` is astroquery's ``curl_flag``."""
    form = await read_form(request, state)
    uris = [value for key, value in form if key == "uri"]
    selection = Selection([], uris, mrp=False, flat=False)
    entries = await run_in_threadpool(plan, request, state, selection)
    again = again_mast(_request_url(request))
    return await run_in_threadpool(
        _bundle, request, state, entries, kind, f"mastDownload_{_stamp()}", again
    )

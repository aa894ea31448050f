"""Single-file downloads: HEAD, byte ranges, ETag (the SHA-256) and data rights.

``GET``/``HEAD`` answer with ``Content-Length`` and ``Accept-Ranges: bytes``
(astroquery checks both before resuming). One range per request
(``bytes=a-b``, ``bytes=a-``, ``bytes=-n``) gives 206; a range outside the
file gives 416; several ranges get the whole file (RFC 9110 lets a server
ignore them). ``If-None-Match`` with the ETag gives 304. A file changed on
disk since it was catalogued gives 409 (`jwlink.query.freshness`): its
ETag and checksum are never paired with other bytes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import BinaryIO
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from jwlink.api.access import Principal, is_public
from jwlink.api.errors import Conflict, Forbidden, NotServed, RangeNotSatisfiable, Unauthorized
from jwlink.api.state import ServeState, StateDep, clean_text
from jwlink.errors import NotFound
from jwlink.query.freshness import stale_reason
from jwlink.query.selection import SelectedFile, files_by_name, name_from_uri, open_served

__all__ = ["content_type", "file_response", "may_read", "parse_range", "require_access", "router"]

router = APIRouter()
_CHUNK = 1 << 20
_SPAN = re.compile(r"(?P<first>[0-9]*)\s*-\s*(?P<last>[0-9]*)")
# A position of more digits than any file size has is "beyond any file":
# never handed to int() (Python refuses over 4,300 digits, in its own words).
_DIGITS = 19
_BEYOND = 1 << 63
_TYPES = {
    "fits": "application/fits",
    "fit": "application/fits",
    "json": "application/json",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "csv": "text/csv",
    "ecsv": "text/plain; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "xml": "application/x-votable+xml",
    "asdf": "application/asdf",
}
_FILE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "The file"},
    206: {"description": "Part of the file (Range)"},
    304: {"description": "Not modified (If-None-Match)"},
    401: {"description": "Exclusive access: token needed"},
    403: {"description": "Token does not grant the program"},
    404: {"description": "Unknown product, or file not held"},
    409: {"description": "The file changed on disk since it was catalogued"},
    416: {"description": "Range outside the file"},
}


def content_type(name: str) -> str:
    """Return the MIME type of a product file from its extension."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return _TYPES.get(extension, "application/octet-stream")


def may_read(item: SelectedFile, principal: Principal | None) -> bool:
    """Whether the caller may download the file (public, released, or granted)."""
    if is_public(item.data_rights, item.release_date):
        return True
    return principal is not None and principal.grants(item.program)


def require_access(item: SelectedFile, principal: Principal | None, presented: bool) -> None:
    """Raise 401 (no valid token) or 403 (token for another program) unless readable."""
    if may_read(item, principal):
        return
    if principal is None:
        why = "the token presented is not valid" if presented else "no token was presented"
        msg = (
            f"'{item.name}' is exclusive access ({why}); send 'Authorization: Bearer <token>' "
            "or log in with astroquery's Observations.login()"
        )
        raise Unauthorized(msg)
    msg_0 = f"The token of '{principal.name}' does not grant program {item.program}"
    raise Forbidden(msg_0)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """Return ``(start, stop)`` for one byte range, or None for the whole file.

    Raises
    ------
    RangeNotSatisfiable
        A malformed range, or one that starts beyond the end of the file.
    """
    if header is None:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    match = _SPAN.fullmatch(spec.strip())
    if match is None or not (match["first"] or match["last"]):
        msg = f"Malformed range '{_shown(header)}': expected bytes=FIRST-LAST, FIRST- or -LENGTH"
        raise RangeNotSatisfiable(msg, size)
    first, last = match["first"], match["last"]
    if first:
        start = _position(first)
        stop = min(_position(last) + 1, size) if last else size
    else:
        start, stop = max(size - _position(last), 0), size
    if start < 0 or start >= size or stop <= start:
        msg = f"Range '{_shown(header)}' lies outside the file ({size} bytes)"
        raise RangeNotSatisfiable(msg, size)
    return start, stop


def _position(digits: str) -> int:
    return int(digits) if len(digits) <= _DIGITS else _BEYOND


def _shown(header: str) -> str:
    """Return the header as a message quotes it: at most 60 characters."""
    return header if len(header) <= 60 else f"{header[:40]}... ({len(header)} characters)"


def _chunks(handle: BinaryIO, start: int, stop: int) -> Iterator[bytes]:
    with handle:
        handle.seek(start)
        remaining = stop - start
        while remaining > 0:
            data = handle.read(min(_CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data


def _matches(header: str | None, etag: str | None) -> bool:
    if header is None or etag is None:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def file_response(request: Request, state: ServeState, name: str) -> Response:
    """Answer a GET or HEAD for one product file.

    Raises
    ------
    NotFound, NotServed
        Unknown product, or no file under the data root (404).
    Conflict
        The file changed on disk since it was catalogued (409): its
        checksum, ETag included, would be stale.
    Unauthorized, Forbidden
        Exclusive access without a valid or sufficient token (401/403).
    RangeNotSatisfiable
        A bad ``Range`` (416).
    """
    principal, presented = state.principal(request)
    with state.pool.store() as store:
        item = files_by_name(store, [name]).get(name)
    if item is None:
        raise NotFound(name)
    require_access(item, principal, presented)
    opened = open_served(item.location, state.data_root)
    if opened is None:
        msg = f"File '{name}' is not held by this archive"
        raise NotServed(msg)
    fd, size = opened
    handle = os.fdopen(fd, "rb")
    # Checked on the very file that is sent: its checksum is the catalog's
    # only while it is the file the catalog describes.
    stale = stale_reason(fd, item.catalogued)
    if stale is not None:
        handle.close()
        raise Conflict(stale.message)
    etag = f'"{item.sha256}"' if item.sha256 else None
    public = is_public(item.data_rights, item.release_date)
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": f"attachment; filename*=utf-8''{quote(name)}",
        "Cache-Control": "public, max-age=3600" if public else "private, no-store",
        **({"ETag": etag} if etag else {}),
        **({"X-Checksum-SHA256": item.sha256} if etag and item.sha256 else {}),
    }
    if _matches(request.headers.get("if-none-match"), etag):
        handle.close()
        return Response(status_code=304, headers=headers)
    if_range = request.headers.get("if-range")
    wanted = request.headers.get("range") if if_range is None or if_range == etag else None
    try:
        span = parse_range(wanted, size)
    except RangeNotSatisfiable:
        handle.close()
        raise
    start, stop = span if span is not None else (0, size)
    headers["Content-Length"] = str(stop - start)
    status = 200
    if span is not None:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    media = content_type(name)
    if request.method == "HEAD":
        handle.close()
        return Response(status_code=status, headers=headers, media_type=media)
    return StreamingResponse(_chunks(handle, start, stop), status, headers, media_type=media)


@router.get(
    "/api/v1/files/{name}", tags=["downloads"], responses=_FILE_RESPONSES, response_class=Response
)
@router.head(
    "/api/v1/files/{name}", tags=["downloads"], responses=_FILE_RESPONSES, response_class=Response
)
def product_file(request: Request, name: str, state: StateDep) -> Response:
    """Download one product file by name (Range, ETag and HEAD supported)."""
    return file_response(request, state, name_from_uri(clean_text(name, "name")))


@router.get(
    "/api/v0.1/Download/file", tags=["mast"], responses=_FILE_RESPONSES, response_class=Response
)
@router.head(
    "/api/v0.1/Download/file", tags=["mast"], responses=_FILE_RESPONSES, response_class=Response
)
def mast_download_file(
    request: Request,
    state: StateDep,
    uri: str = Query(..., description="mast:JWST/product/<file>"),
) -> Response:
    """MAST's single-file download, as astroquery's ``download_products`` calls it."""
    return file_response(request, state, name_from_uri(clean_text(uri, "uri")))

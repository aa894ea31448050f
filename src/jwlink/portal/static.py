"""Static files (CSS, JavaScript) served from the package's ``static/`` folder.

Only files that exist in the package when it is imported are served; a path
is looked up in that set, never joined to a folder, so no request can reach
outside it. ``api-docs/`` holds Swagger UI and ReDoc from the
``fastapi-offline`` package (see `jwlink.portal.apidocs`). Responses carry
an ETag (a SHA-256 of the content) and are revalidated on every use, so an
upgraded package is picked up at once.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from importlib.resources.abc import Traversable

from fastapi import HTTPException, Request, Response

from jwlink.portal.apidocs import ASSETS

__all__ = ["CONTENT_TYPES", "static_files", "static_response"]

CONTENT_TYPES = {
    "css": "text/css; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
    "svg": "image/svg+xml",
    "png": "image/png",
    "txt": "text/plain; charset=utf-8",
}


def _walk(folder: Traversable, prefix: str) -> dict[str, Traversable]:
    found: dict[str, Traversable] = {}
    for item in folder.iterdir():
        path = f"{prefix}{item.name}"
        if item.is_dir():
            found.update(_walk(item, f"{path}/"))
        elif item.name.rsplit(".", 1)[-1] in CONTENT_TYPES:
            found[path] = item
    return found


def static_files() -> dict[str, Traversable]:
    """Return every servable static file, keyed by its path under ``static/``."""
    found = _walk(resources.files("jwlink.portal").joinpath("static"), "")
    bundle = resources.files("fastapi_offline").joinpath("static")
    found.update({f"api-docs/{name}": bundle.joinpath(name) for name in ASSETS})
    return found


_FILES = static_files()


def static_response(path: str, request: Request) -> Response:
    """Serve one static file, or answer 304 when the client's copy is current.

    Raises
    ------
    HTTPException
        404: no such static file.
    """
    item = _FILES.get(path)
    if item is None:
        raise HTTPException(404, f"No static file '{path}'")
    body = item.read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    media = CONTENT_TYPES[path.rsplit(".", 1)[-1]]
    return Response(body, media_type=media, headers=headers)

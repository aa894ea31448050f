"""HTTP errors of the service and the one JSON envelope every failure renders as.

::

    JwlinkError (jwlink.errors)
    └── ApiError                 (500)
        ├── BadRequest           (400)  a parameter is malformed or out of range (an InvalidQuery)
        ├── Unauthorized         (401)  exclusive-access data and no valid token
        ├── Forbidden            (403)  the token does not grant the program
        ├── NotServed            (404)  the file is not held under the data root
        ├── Conflict             (409)  the file changed on disk since it was catalogued
        ├── WrongKind            (404)  a product asked for as an observation, or the reverse
        ├── PayloadTooLarge      (413)  the request body is too big
        ├── RangeNotSatisfiable  (416)  the byte range lies outside the file
        └── ServiceUnavailable   (503)  the catalog database is down; retry later

Every failure of the JSON API is ``{"ok": false, "error": ..., "errors":
[...], "status": N}`` with N the HTTP status (datasette's envelope); the
DataLink endpoint answers VOTable error documents instead, as pyvo expects.

The contract: a `JwlinkError` answers its ``status`` with its message; one
of status 500 or more (a `StoreError`, say) answers with a fixed message and
keeps its own, which may hold paths or addresses, for the log. Any other
exception is a bug: the log gets its traceback under a short id, and the
body says only ``internal error`` and that id (``"id": "..."``). No
``ValueError`` is taken for a caller's mistake.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from jwlink.errors import InvalidQuery, JwlinkError, NotFound, StoreError

__all__ = [
    "ApiError",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "NotServed",
    "PayloadTooLarge",
    "RangeNotSatisfiable",
    "ServiceUnavailable",
    "Unauthorized",
    "WrongKind",
    "error_body",
    "error_response",
    "install_error_handlers",
    "render_errors_under",
]

# Path prefix -> how errors under it are rendered, for protocols whose errors
# are not JSON (DataLink: a VOTable). The protocol's module registers its own,
# so this module, which every route module imports, imports none of them.
_RENDERERS: dict[str, Callable[[int, str], Response]] = {}


def render_errors_under(prefix: str, render: Callable[[int, str], Response]) -> None:
    """Render the errors of requests under ``prefix`` with ``render(status, message)``."""
    _RENDERERS[prefix] = render


logger = logging.getLogger("jwlink.api")


class ApiError(JwlinkError):
    """An error of the HTTP layer, with its status and optional headers."""

    status = 500
    headers: dict[str, str] | None = None


class BadRequest(ApiError, InvalidQuery):
    """A parameter is malformed or out of range."""

    status = 400


class Unauthorized(ApiError):
    """Exclusive-access data was asked for without a valid token."""

    status = 401
    headers = {"WWW-Authenticate": 'Bearer realm="jwlink"'}


class Forbidden(ApiError):
    """The token is valid but does not grant the product's program."""

    status = 403


class NotServed(ApiError):
    """The file is not held under the data root (or not held at all)."""

    status = 404


class Conflict(ApiError):
    """The file on disk is no longer the one catalogued (its checksum would be stale)."""

    status = 409


class WrongKind(ApiError):
    """The name is in the catalog, but as a product where an observation is asked for (or back)."""

    status = 404


class PayloadTooLarge(ApiError):
    """The request body exceeds the service's limit."""

    status = 413


class RangeNotSatisfiable(ApiError):
    """A ``Range`` request lies outside the file."""

    status = 416

    def __init__(self, message: str, size: int) -> None:
        super().__init__(message)
        self.size = size
        self.headers = {"Content-Range": f"bytes */{size}"}


class ServiceUnavailable(ApiError):
    """The catalog database cannot be reached right now (restarting, down); retry later."""

    status = 503

    def __init__(self, message: str, retry_after: int = 2) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


def _encodable(message: str) -> str:
    # A message may echo the caller's text: a lone surrogate in it must not
    # make the response itself fail to encode (a bug's 500 in place of a 400).
    return message.encode("utf-8", "backslashreplace").decode()


def error_body(
    messages: list[str], status: int, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Return the canonical JSON error body.

    Parameters
    ----------
    messages : list of str
        One or more messages; the first is the headline.
    status : int
        The HTTP status of the response.
    extra : mapping, optional
        More members (a 404 for a name adds ``suggestions``: close matches).

    Returns
    -------
    dict
        ``{"ok": False, "error": "...", "errors": [...], "status": N}``.
    """
    messages = [_encodable(m) for m in messages]
    return {
        "ok": False,
        "error": messages[0] if messages else "",
        "errors": messages,
        "status": status,
        **(extra or {}),
    }


def error_response(
    status: int,
    messages: list[str],
    headers: Mapping[str, str] | None = None,
    request: Any = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """Render an error as JSON, or as its protocol renders errors (`render_errors_under`)."""
    if request is not None:
        for prefix, render in _RENDERERS.items():
            if request.url.path.startswith(prefix):
                message = _encodable(messages[0]) if messages else ""
                if extra and "id" in extra:  # a protocol's error has no member for the incident id
                    message = f"{message} (id {extra['id']})"
                return render(status, message)
    body = error_body(messages, status, extra)
    return JSONResponse(body, status_code=status, headers=headers)


def _validation_messages(exc: RequestValidationError) -> list[str]:
    messages = []
    for err in exc.errors():
        where = ".".join(str(part) for part in err.get("loc", ()))
        messages.append(f"{where}: {err.get('msg', 'invalid value')}")
    return messages or ["Invalid request"]


def incident_id() -> str:
    """Return a short random id that ties a 500's body to its log line."""
    return secrets.token_hex(4)


def install_error_handlers(app: FastAPI) -> None:
    """Route every exception through the one envelope (no HTML error pages)."""

    @app.exception_handler(JwlinkError)
    async def _jwlink(request: Request, exc: JwlinkError) -> Response:
        status = getattr(exc, "status", 500)
        if isinstance(exc, StoreError) or status >= 500:
            # The message may name the catalog's path or the database's address.
            incident = incident_id()
            logger.error("catalog error %s on %s: %s", incident, request.url.path, exc)
            message = "The catalog could not be read" if isinstance(exc, StoreError) else None
            return error_response(
                500, [message or "internal error"], request=request, extra={"id": incident}
            )
        if isinstance(exc, NotFound):
            # The server's catalog path stays private; the close matches are the help.
            message = exc.describe(show_catalog=False)
            extra = {"suggestions": exc.suggestions}
            return error_response(status, [message], None, request, extra)
        return error_response(status, [str(exc)], getattr(exc, "headers", None), request)

    @app.exception_handler(ServiceUnavailable)
    async def _unavailable(request: Request, exc: ServiceUnavailable) -> Response:
        # Not a 500: nothing is wrong with the request or the service, and
        # Retry-After tells clients (and proxies) when to come back.
        logger.warning("catalog unavailable on %s: %s", request.url.path, exc.__cause__ or exc)
        return error_response(503, [str(exc)], exc.headers, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return error_response(422, _validation_messages(exc), request=request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(exc.status_code, [str(exc.detail)], exc.headers, request)

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> Response:
        # A bug, ValueError included: the traceback goes to the log, the body
        # holds nothing of it but the id that finds it there.
        incident = incident_id()
        logger.exception("internal error %s on %s", incident, request.url.path, exc_info=exc)
        return error_response(500, ["internal error"], request=request, extra={"id": incident})

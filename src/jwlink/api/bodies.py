"""Request bodies read with a bound: no route ever holds more than ``max_body`` bytes of one.

The admission middleware (`jwlink.api.limits`) refuses a *declared*
``Content-Length`` above the limit before any route runs. A chunked body
declares nothing, so the routes that take a body use `BoundedBodyRoute`: it
counts the bytes as they arrive and answers 413 as soon as the count passes
the limit, whoever reads the body (FastAPI's JSON parsing or `read_form`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

__all__ = ["BoundedBodyRoute", "bounded_request"]


def _too_large(limit: int) -> HTTPException:
    # An HTTPException, not an ApiError: FastAPI turns any other exception
    # raised while it parses a body into "400 error parsing the body".
    return HTTPException(413, f"Request body larger than {limit} bytes")


def bounded_request(request: Request, limit: int) -> Request:
    """Return the request with a ``receive`` that refuses more than ``limit`` body bytes.

    Raises
    ------
    HTTPException
        413: the declared ``Content-Length`` exceeds the limit (at once), or
        the body does (as soon as the excess arrives; the rest is never read).
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    received = 0
    upstream = request.receive

    async def receive() -> Any:
        nonlocal received
        message = await upstream()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise _too_large(limit)
        return message

    return Request(request.scope, receive)


class BoundedBodyRoute(APIRoute):
    """An `APIRoute` whose request body is limited to the service's ``max_body``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap the handler so that it reads the body through `bounded_request`."""
        handler = super().get_route_handler()

        async def bounded(request: Request) -> Response:
            limit = int(request.app.state.jwlink.max_body)
            return await handler(bounded_request(request, limit))

        return bounded

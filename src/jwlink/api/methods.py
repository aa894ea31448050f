"""HEAD wherever GET is answered, and a 405 whose ``Allow`` lists every method of the path.

FastAPI routes answer only the methods they declare: a GET route answers
HEAD with 405, and a path declared by several routes (GET and HEAD apart)
says in ``Allow`` only the methods of the one that matched. RFC 9110 wants
HEAD wherever GET is (section 9.3.2) and the whole set in ``Allow``
(section 15.5.6). This middleware asks the application's own routes, so
every route (the portal's, added after the API's, too) is covered without
declaring HEAD on each: a HEAD that no route takes but a GET would is run
as that GET with the body left out, and every 405 has its ``Allow`` set to
the methods the path's routes take.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute, Match, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["METHODS", "MethodsMiddleware", "allowed_methods"]

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _takes(routes: Sequence[BaseRoute], scope: Scope, method: str) -> bool:
    # A scope of its own: matching records what it found in the scope it is given.
    probe: Scope = {
        "type": "http",
        "path": scope["path"],
        "root_path": scope.get("root_path", ""),
        "method": method,
        "headers": [],
        "query_string": b"",
    }
    return any(route.matches(probe)[0] == Match.FULL for route in routes)


def allowed_methods(routes: Sequence[BaseRoute], scope: Scope) -> list[str]:
    """Return the methods the routes take at the scope's path (HEAD wherever GET is)."""
    found = [m for m in METHODS if _takes(routes, scope, m)]
    if "GET" in found and "HEAD" not in found:
        found.insert(found.index("GET") + 1, "HEAD")
    return found


class MethodsMiddleware:
    """Answer HEAD on GET routes; give each 405 the full ``Allow`` header.

    Parameters
    ----------
    app : ASGIApp
        The application wrapped.
    router : Router
        The application's router (``app.router``): its routes are read per
        request, so routes added later count.
    """

    def __init__(self, app: ASGIApp, router: Router) -> None:
        self.app = app
        self.router = router

    @property
    def routes(self) -> Sequence[BaseRoute]:
        """The application's routes as they are now."""
        return self.router.routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run a HEAD no route takes as GET without a body; fix the ``Allow`` of a 405."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if (
            scope["method"] == "HEAD"
            and not _takes(self.routes, scope, "HEAD")
            and _takes(self.routes, scope, "GET")
        ):
            await self.app({**scope, "method": "GET"}, receive, _bodiless(send))
            return
        await self.app(scope, receive, self._full_allow(scope, send))

    def _full_allow(self, scope: Scope, send: Send) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                allow = ", ".join(allowed_methods(self.routes, scope)).encode()
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                message = {**message, "headers": [*headers, (b"allow", allow)]}
            await send(message)

        return sending


def _bodiless(send: Send) -> Send:
    """Pass the GET's status and headers (Content-Length included) on; leave its body out."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return sending

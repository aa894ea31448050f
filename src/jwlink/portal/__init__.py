"""The jwlink web portal: HTML pages over the native JSON API, offline, no build step.

Every page is a thin HTML shell plus plain JavaScript modules that call the
native API under ``/api/v1/``; the API call behind a page is its *JSON twin*,
linked from the page and sent as ``Link: <...>; rel="alternate";
type="application/json"``. Pages, templates and static files all come from
this package (no CDN, no external font), so the portal works offline.

`jwlink.app.create_app` adds ``jwlink.portal.router`` to the API that
`jwlink.api.create_api` builds; the portal imports the API, never the reverse.
"""

from __future__ import annotations

from jwlink.portal.apidocs import router as docs_router
from jwlink.portal.pages import router

__all__ = ["docs_router", "router"]

"""Interactive API documentation (Swagger UI at ``/docs``, ReDoc at ``/redoc``), offline.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so they are blank
on a machine without internet access. These pages load the same programs
from the ``fastapi-offline`` package, installed with jwlink (Swagger UI 5,
which reads the OpenAPI 3.1 document FastAPI writes), served under
``/static/api-docs/`` by the portal's static route. Their
Content-Security-Policy allows this origin only, so a page cannot reach
elsewhere even if a future version of the bundle tried.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse

__all__ = ["DOCS_CSP", "ASSETS", "router"]

router = APIRouter(include_in_schema=False)

# The bundles start themselves with an inline script and style their widgets
# inline; everything they load comes from this origin.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
# Files of fastapi_offline/static/ served as /static/api-docs/<name>.
ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")
OAUTH2_REDIRECT = "/docs/oauth2-redirect"


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _secure(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = DOCS_CSP
    page.headers["X-Content-Type-Options"] = "nosniff"
    return page


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    """Show Swagger UI over ``/openapi.json``, every file from this server."""
    root = _root(request)
    assets = f"{root}/static/api-docs"
    return _secure(get_swagger_ui_html(
        openapi_url=f"{root}/openapi.json", title="jwlink API - Swagger UI",
        swagger_js_url=f"{assets}/swagger-ui-bundle.js",
        swagger_css_url=f"{assets}/swagger-ui.css",
        swagger_favicon_url=f"{assets}/favicon.png",
        oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT}",
        # Swagger UI would otherwise send the document to validator.swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    ))  # fmt: skip


@router.get(OAUTH2_REDIRECT, response_class=HTMLResponse)
def swagger_ui_redirect() -> HTMLResponse:
    """Answer the page Swagger UI's OAuth2 flow returns to."""
    return _secure(get_swagger_ui_oauth2_redirect_html())


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    """Show ReDoc over ``/openapi.json``, without Google Fonts."""
    root = _root(request)
    assets = f"{root}/static/api-docs"
    return _secure(get_redoc_html(
        openapi_url=f"{root}/openapi.json", title="jwlink API - ReDoc",
        redoc_js_url=f"{assets}/redoc.standalone.js", redoc_favicon_url=f"{assets}/favicon.png",
        with_google_fonts=False,
    ))  # fmt: skip

"""The jwlink HTTP service: native JSON API, MAST-compatible surface, DataLink, downloads.

`create_api` builds the FastAPI application of these routes; `jwlink.app.create_app`
adds the portal's pages to it, and ``jwlink serve`` runs that with uvicorn.
"""

from __future__ import annotations

from jwlink.api.app import create_api

__all__ = ["create_api"]

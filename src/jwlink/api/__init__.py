"""The jwlink HTTP service: native JSON API, MAST-compatible surface, DataLink, downloads.

`create_app` builds the FastAPI application; ``jwlink serve`` runs it with uvicorn.
"""

from __future__ import annotations

from jwlink.api.app import create_app

__all__ = ["create_app"]

"""The served application: the HTTP API with the portal's pages on top.

It sits above both: the portal renders what the API's JSON functions return
(`jwlink.portal` imports `jwlink.api`), so the API cannot mount the portal
itself without an import cycle.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import ParamSpec

from fastapi import FastAPI

from jwlink.api import create_api
from jwlink.api.app import SETTINGS_VARIABLE
from jwlink.portal import docs_router
from jwlink.portal import router as portal_router

__all__ = ["app_from_environment", "create_app"]

_P = ParamSpec("_P")


def _with_portal(build: Callable[_P, FastAPI]) -> Callable[_P, FastAPI]:
    def create_app(*args: _P.args, **kwargs: _P.kwargs) -> FastAPI:
        """Build the jwlink HTTP application: `jwlink.api.create_api`, then the portal.

        Takes the parameters of `jwlink.api.create_api` (``db_url``,
        ``data_root``, ``tokens``, the admission limits and ``replicas``).
        """
        app = build(*args, **kwargs)
        # The portal last: its pages sit at "/" and must not shadow an API route.
        app.include_router(docs_router)
        app.include_router(portal_router)
        return app

    return create_app


create_app = _with_portal(create_api)


def app_from_environment() -> FastAPI:
    """Build the application from the settings `jwlink serve` put in the environment.

    uvicorn starts each worker process by importing an application factory;
    the settings (the keyword arguments of `create_app`) travel as JSON in
    ``$JWLINK_SERVE_SETTINGS`` (`jwlink.api.app.SETTINGS_VARIABLE`).

    Returns
    -------
    FastAPI
        The application of one worker.
    """
    settings = json.loads(os.environ[SETTINGS_VARIABLE])
    # `jwlink serve` checked the catalog before it started the workers: a
    # worker (re)started while the database restarts must not die of it
    # (its requests answer 503 until the database is back).
    return create_app(**settings, check_catalog=False)

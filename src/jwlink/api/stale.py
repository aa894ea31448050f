"""``GET /api/v1/stale``, and the ``stale`` flag of product lists under a target context.

`jwlink serve --crds-context CTX --crds-path DIR` (`configure`) makes every
product list and product page say whether each product is stale under CTX;
``/api/v1/stale?context=`` answers ``jwlink stale --json`` for any context
of the server's CRDS cache. The CRDS library keeps global state, so its
selections run one at a time.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI

from jwlink.api.state import ServeState, StateDep, clean_text
from jwlink.stale import check, stale_names
from jwlink.stale.selection import ContextSelector, CrdsCache
from jwlink.store.base import SqlStore

__all__ = ["CONTEXT_VARIABLE", "configure", "export_settings", "mark", "router"]

router = APIRouter(prefix="/api/v1", tags=["jwlink"])
_KEY = "crds"
# How `jwlink serve --workers N` hands the target context to its worker processes.
CONTEXT_VARIABLE = "JWLINK_CRDS_CONTEXT"


@dataclass
class CrdsSettings:
    """The server's CRDS cache (opened at first use) and its target context."""

    path: str | None = None
    context: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    cache: CrdsCache | None = None
    selectors: dict[str, ContextSelector] = field(default_factory=dict)

    def selector(self, context: str | None) -> ContextSelector:
        """Return (and keep) the selector of a context; call with the lock held."""
        if self.cache is None:
            self.cache = CrdsCache(self.path)
        name = context or self.context or self.cache.operational
        if name not in self.selectors:
            self.selectors[name] = self.cache.selector(name)
        return self.selectors[name]


def _settings(state: ServeState) -> CrdsSettings:
    settings = state.extra.get(_KEY)
    if not isinstance(settings, CrdsSettings):
        # Not configured in this process: a worker of `jwlink serve --workers N`.
        found = CrdsSettings(os.environ.get("CRDS_PATH"), os.environ.get(CONTEXT_VARIABLE))
        settings = state.extra.setdefault(_KEY, found)
    return settings


def export_settings(crds_path: str | None, crds_context: str | None) -> None:
    """Put the CRDS settings in the environment, for worker processes to find."""
    if crds_path is not None:
        os.environ["CRDS_PATH"] = crds_path
    if crds_context is not None:
        os.environ[CONTEXT_VARIABLE] = crds_context


def configure(app: FastAPI, crds_path: str | None, crds_context: str | None) -> None:
    """Give the application a CRDS cache and a target context (checked now, not later).

    Raises
    ------
    MissingExtra
        crds is not installed.
    CrdsError
        The cache or the context's mappings are missing.
    """
    settings = CrdsSettings(crds_path, crds_context)
    if crds_context is not None:
        with settings.lock:
            settings.selector(crds_context)
    app.state.jwlink.extra[_KEY] = settings


def mark(state: ServeState, store: SqlStore, rows: list[dict[str, Any]], key: str) -> None:
    """Add ``stale`` to each row (by its ``key`` column) when the server has a target context."""
    settings = _settings(state)
    if settings.context is None:
        return
    names = [str(row[key]) for row in rows if row.get(key)]
    with settings.lock:
        stale = stale_names(store, settings.selector(None), names)
    for row in rows:
        row["stale"] = row.get(key) in stale


@router.get("/stale")
def stale(state: StateDep, context: str | None = None) -> dict[str, Any]:
    """Products a CRDS context would calibrate with other reference files, and the impact.

    The shape of ``jwlink stale --json``; ``context`` defaults to the
    server's ``--crds-context``, else its cache's operational context.
    """
    settings = _settings(state)
    wanted = clean_text(context, "context") if context else None
    with settings.lock:
        selector = settings.selector(wanted)
        with state.pool.store() as store:
            return check(store, selector).as_dict()

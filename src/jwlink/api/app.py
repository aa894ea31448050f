"""The application factory: one FastAPI app for the JSON API, MAST, DataLink and downloads."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from jwlink.api import bundles, changes, datalink, files, mast, native, stale
from jwlink.api.access import TokenFile, install_log_filter
from jwlink.api.errors import install_error_handlers
from jwlink.api.hosts import HostGuard, HostPolicy
from jwlink.api.limits import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_INFLIGHT,
    DEFAULT_MAX_TARGET,
    DEFAULT_QUEUE,
    DEFAULT_QUEUE_TIMEOUT,
    DEFAULT_REFUSAL_PAUSE,
    AdmissionLimiter,
    check_body_limits,
    check_limits,
)
from jwlink.api.methods import MethodsMiddleware
from jwlink.api.replicas import ReadPools
from jwlink.api.state import ReadPool, ServeState, StorePool
from jwlink.errors import JwlinkError

__all__ = ["SETTINGS_VARIABLE", "check_replicas", "create_api"]

DESCRIPTION = """\
jwlink serves a JWST data-product linkage catalog:

* `/api/v1/` — the native JSON API (observations, product lists, lineage,
  MRP, impact, completeness, files, bundles, manifests);
* a MAST-compatible surface (`/api/v0/invoke`, `/portal/Mashup/...`,
  `/api/v0.1/Download/...`, `/whoami`) for unmodified `astroquery.mast`;
* IVOA DataLink 1.1 `{links}` at `/datalink/links` for pyvo.

Every JSON failure is `{"ok": false, "error": ..., "errors": [...], "status": N}`.
"""


def create_api(
    db_url: str,
    data_root: str | os.PathLike[str] | None = None,
    tokens: str | os.PathLike[str] | None = None,
    *,
    max_inflight: int = DEFAULT_INFLIGHT,
    max_queue: int = DEFAULT_QUEUE,
    queue_timeout: float = DEFAULT_QUEUE_TIMEOUT,
    refusal_pause: float = DEFAULT_REFUSAL_PAUSE,
    max_target: int = DEFAULT_MAX_TARGET,
    replicas: Sequence[str] = (),
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
    allowed_hosts: Sequence[str] | None = None,
    public_url: str | None = None,
    check_catalog: bool = True,
) -> FastAPI:
    """Build the jwlink HTTP API (`jwlink.app.create_app` adds the portal's pages).

    Parameters
    ----------
    db_url : str
        The catalog: a SQLite path or ``postgresql://...``; opened read-only.
    data_root : str or PathLike, optional
        Folder under which product files may be served; without it no file
        is served (listings still work).
    tokens : str or PathLike, optional
        Token file granting exclusive-access programs (see `jwlink.api.access`).
    max_inflight, max_queue, queue_timeout : int, int, float
        Requests at work at once, requests allowed to wait for a slot, and
        seconds they may wait; beyond, 503 with ``Retry-After`` (see
        `jwlink.api.limits`).
    refusal_pause : float
        Seconds a request refused at once (queue full) waits for its 503.
    max_target : int
        Longest request target in bytes (414 above).
    replicas : sequence of str
        PostgreSQL streaming replicas of ``db_url`` that serve the reads
        (see `jwlink.api.replicas`); the primary answers when none does.
    body_timeout : float
        Seconds a request body may take (plus one per 8 KiB received) before
        408; it is read before the request takes a slot.
    allowed_hosts : sequence of str, optional
        Host names (ports and IPv6 brackets allowed, ``*`` for any) the
        server answers for; other ``Host`` headers get 400. None allows any
        (``jwlink serve`` always passes a list: see `jwlink.api.hosts`).
    public_url : str, optional
        ``http(s)://HOST[:PORT][/PREFIX]`` that every absolute URL the
        server writes (curl scripts, manifests, DataLink) starts with,
        whatever the request's Host; its host is allowed.
    check_catalog : bool
        Open the catalog now, so that an unusable one fails here, not at the
        first request (`jwlink serve` checks it once, before its workers).

    Returns
    -------
    FastAPI
        The application; its OpenAPI document is at ``/openapi.json``.

    Raises
    ------
    JwlinkError
        The catalog cannot be opened, the token file is malformed, a limit
        is out of range, or the public URL or a host name is malformed.
    """
    check_limits(max_inflight, max_queue, queue_timeout, refusal_pause)
    check_body_limits(body_timeout, 1)
    hosts = HostPolicy.build(allowed_hosts, public_url)
    root = Path(data_root).resolve() if data_root is not None else None
    if root is not None and not root.is_dir():
        msg = f"Data root '{data_root}' is not a folder"
        raise JwlinkError(msg)
    # As many idle PostgreSQL connections as requests may run at once: under
    # load a smaller pool opened and closed a connection per request.
    primary = StorePool(db_url, max_idle=max_inflight)
    if check_catalog:
        with primary.store():  # fail now, not at the first request, if the catalog is unusable
            pass
    pool: ReadPool = primary
    if replicas:
        check_replicas(db_url, replicas)
        pool = ReadPools(primary, replicas, max_idle=max_inflight)
    state = ServeState(db_url=db_url, data_root=root, tokens=TokenFile(tokens), pool=pool)
    install_log_filter()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        pool.close()

    # /docs and /redoc come from the portal, with their scripts served locally (no CDN).
    app = FastAPI(title="jwlink", version=_version(), description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None)  # fmt: skip
    app.state.jwlink = state
    app.state.hosts = hosts
    install_error_handlers(app)
    # Innermost: HEAD on every GET route, and the full Allow of each 405.
    app.add_middleware(MethodsMiddleware, router=app.router)
    app.add_middleware(
        AdmissionLimiter,
        max_inflight=max_inflight,
        max_queue=max_queue,
        queue_timeout=queue_timeout,
        refusal_pause=refusal_pause,
        max_body=state.max_body,
        max_target=max_target,
        body_timeout=body_timeout,
    )
    # Added last, so outermost: a request for another site costs nothing more.
    app.add_middleware(HostGuard, policy=hosts)
    for module in (native, files, bundles, mast, datalink, changes, stale):
        app.include_router(module.router)
    return app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jwlink")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


def check_replicas(db_url: str, replicas: Sequence[str]) -> None:
    """Refuse replicas of a SQLite catalog, and any URL that is not PostgreSQL.

    Raises
    ------
    JwlinkError
        The primary is SQLite, or a replica URL is not ``postgresql://``.
    """
    if not db_url.startswith(("postgresql://", "postgres://")):
        msg = "--db-replica needs a PostgreSQL primary (--db postgresql://...): SQLite has none"
        raise JwlinkError(msg)
    for url in replicas:
        if not url.startswith(("postgresql://", "postgres://")):
            msg = f"--db-replica {url!r}: expected a postgresql:// URL of a streaming replica"
            raise JwlinkError(msg)


# The settings `jwlink serve --workers N` hands its worker processes.
SETTINGS_VARIABLE = "JWLINK_SERVE_SETTINGS"

"""Commands of the HTTP server: ``jwlink serve`` and ``jwlink token-hash``."""

from __future__ import annotations

import os
import secrets
import sys
from typing import TYPE_CHECKING, Any

import click

from jwlink.cli.common import (
    errors_to_click,
    require_catalog,
    unchecked_db_option,
)

if TYPE_CHECKING:
    pass

__all__ = ["serve", "token_hash"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--data-root",
    type=click.Path(exists=True, file_okay=False),
    help="Folder whose files may be downloaded (none served without it).",
)
@click.option(
    "--tokens",
    type=click.Path(exists=True, dir_okay=False),
    help="Token file granting exclusive-access programs (see token-hash).",
)
@click.option("--hash-token", metavar="TOKEN", help="Print the token-file line for TOKEN and exit.")
@click.option(
    "--max-inflight",
    default=40,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Requests at work at once (the worker thread pool has 40 threads).",
)
@click.option(
    "--max-queue",
    default=1000,
    show_default=True,
    type=click.IntRange(0, 100_000),
    help="Requests that may wait for a slot; beyond, 503 with Retry-After.",
)
@click.option(
    "--queue-timeout",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0, 600),
    help="Seconds a request may wait for a slot before it gets 503.",
)
@click.option(
    "--workers",
    default=os.cpu_count() or 1,
    show_default="the number of cores",
    type=click.IntRange(1, 256),
    help="Worker processes serving requests (each with its own limits and connections).",
)
@click.option(
    "--db-replica",
    "replicas",
    multiple=True,
    metavar="URL",
    help="A PostgreSQL streaming replica of --db to read from (repeatable).",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
@click.option(
    "--crds-context",
    metavar="CONTEXT",
    help="Target CRDS context: product lists and pages say which products are stale.",
)
@click.option(
    "--crds-path",
    metavar="DIR",
    envvar="CRDS_PATH",
    help="CRDS cache for /api/v1/stale and --crds-context (default $CRDS_PATH).",
)
@click.option(
    "--header-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0, 3600, min_open=True),
    help="Seconds a client has to send a request's headers; then 408 and the connection closes.",
)
@click.option(
    "--body-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0, 3600, min_open=True),
    help="Seconds a request body may take, plus 1 s per 8 KiB received; then 408. "
    "A body is read before its request takes a slot.",
)
@click.option(
    "--public-url",
    metavar="URL",
    help="http(s)://HOST[:PORT][/PREFIX] that curl scripts, manifests and DataLink URLs use, "
    "whatever the request's Host (its host is allowed).",
)
@click.option(
    "--allowed-hosts",
    "allowed_hosts",
    multiple=True,
    metavar="HOST[,HOST...]",
    help="Host names requests may carry (repeatable; * allows any). "
    "Default: localhost, 127.0.0.1, ::1 and the --host address. Others get 400.",
)
@unchecked_db_option
@errors_to_click
def serve(
    host: str,
    port: int,
    data_root: str | None,
    tokens: str | None,
    hash_token: str | None,
    max_inflight: int,
    max_queue: int,
    queue_timeout: float,
    workers: int,
    replicas: tuple[str, ...],
    log_level: str,
    crds_context: str | None,
    crds_path: str | None,
    header_timeout: float,
    body_timeout: float,
    public_url: str | None,
    allowed_hosts: tuple[str, ...],
    db: str,
) -> None:
    """Serve the catalog over HTTP: JSON API, MAST-compatible API, DataLink, downloads.

    At most --max-inflight requests run at once per worker and --max-queue
    more wait up to --queue-timeout seconds; the rest are answered 503 with
    Retry-After. Reads go to the --db-replica servers in turn (the primary
    when none answers). A request takes its slot only once its headers
    (--header-timeout) and body (--body-timeout) have arrived: slow clients
    cost a socket, never a slot. Requests whose Host is not allowed get 400.
    """
    if hash_token is not None:
        from jwlink.api.access import token_line

        click.echo(token_line(hash_token))
        return
    # Refused up front, not at the first request: a server of nothing helps no one.
    require_catalog(db)
    import uvicorn

    from jwlink.api import protocol
    from jwlink.api.hosts import default_allowed
    from jwlink.app import create_app

    hosts = list(allowed_hosts) if allowed_hosts else default_allowed(host)
    settings: dict[str, Any] = {
        "db_url": db,
        "data_root": data_root,
        "tokens": tokens,
        "max_inflight": max_inflight,
        "max_queue": max_queue,
        "queue_timeout": queue_timeout,
        "replicas": list(replicas),
        "body_timeout": body_timeout,
        "allowed_hosts": hosts,
        "public_url": public_url,
    }
    # Built here even when workers build their own: a bad catalog, token
    # file or replica URL is refused before any process starts.
    app = create_app(**settings)
    from jwlink.api import stale

    # Checked now; worker processes read the same settings from the environment.
    stale.configure(app, crds_path, crds_context)
    stale.export_settings(crds_path, crds_context)
    # Worker processes read the head limit from the environment this sets.
    protocol.configure(header_timeout)
    _raise_open_files_limit()
    from jwlink.store import shown_url

    shown = shown_url(db)  # never print a DB password
    click.echo(
        f"jwlink serving {shown} on http://{host}:{port} with {_count(workers, 'worker')}"
        f"{_replica_note(replicas)} (OpenAPI: /openapi.json)",
        err=True,
    )
    if data_root is None:
        click.echo("no --data-root: listings work, but no file is served", err=True)
    click.echo(_hosts_note(app.state.hosts), err=True)
    # uvicorn's own limit_concurrency stays off: it answers 503 without
    # Retry-After, where ours queues first and says when to come back.
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level=log_level, http=protocol.PROTOCOL)
        return
    app.state.jwlink.pool.close()
    import json

    from jwlink.api.app import SETTINGS_VARIABLE

    os.environ[SETTINGS_VARIABLE] = json.dumps(settings)
    uvicorn.run(
        "jwlink.app:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level=log_level,
        http=protocol.PROTOCOL,
    )


def _hosts_note(policy: Any) -> str:
    """Say which Host headers are answered and what absolute URLs start with."""
    from jwlink.api.hosts import ANY_HOST

    allowed = "any" if ANY_HOST in policy.allowed else ", ".join(sorted(policy.allowed))
    links = policy.public_url or "the request's Host"
    return f"Host allowed: {allowed} (--allowed-hosts); links use {links} (--public-url)"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _replica_note(replicas: tuple[str, ...]) -> str:
    if not replicas:
        return ""
    from jwlink.store import shown_url

    return ", reading from " + ", ".join(shown_url(url) for url in replicas)


def _raise_open_files_limit() -> None:
    """Lift the soft limit on open files to the hard limit (a socket per client).

    The usual soft limit of 1,024 descriptors would fail ``accept`` with
    EMFILE near a thousand clients, each download holding a file as well.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65_536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            pass  # keep the soft limit; only very many clients would notice


@click.command("token-hash")
@click.argument("token", required=False)
@click.argument("programs", nargs=-1)
@click.option("--name", help="Who holds the token (shown by /whoami).")
def token_hash(token: str | None, programs: tuple[str, ...], name: str | None) -> None:
    """Print the token-file line for TOKEN granting PROGRAMS (``*`` = all).

    TOKEN ``-`` reads it from stdin (keeps it out of shell history); no TOKEN
    generates a new one and prints it on stderr. Only the hash goes into the
    token file.
    """
    from jwlink.api.access import token_line
    from jwlink.errors import InvalidQuery

    if token == "-":  # noqa: S105 - "-" means "read it from stdin", not a password
        token = sys.stdin.readline().strip()
    if not token:
        token = secrets.token_urlsafe(32)
        click.echo(f"new token (give it to its holder; it is not stored): {token}", err=True)
    try:
        click.echo(token_line(token, programs, name))
    except InvalidQuery as err:
        raise click.ClickException(str(err)) from err

"""Options and helpers shared by the ``jwlink`` commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from jwlink.errors import JwlinkError

__all__ = [
    "db_option",
    "errors_to_click",
    "existing_catalog",
    "ingest_db_option",
    "json_option",
    "print_json",
    "require_catalog",
    "unchecked_db_option",
]

_DB_HELP = "Catalog: a SQLite file path or postgresql://... (env JWLINK_DB)."


def require_catalog(url: str) -> None:
    """Fail (exit 1, one line) unless a jwlink catalog is at ``url``; never create one.

    The message names the path (or the PostgreSQL schema) and the commands
    that make a catalog.
    """
    from jwlink.store import open_store

    try:
        open_store(url, readonly=True, create=False).close()
    except JwlinkError as err:
        raise click.ClickException(str(err)) from err


def existing_catalog(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    """Click callback of a ``--db`` that must name an existing catalog (None passes)."""
    if value is not None:
        require_catalog(value)
    return value


def _db(func: Callable[..., Any], help_text: str, check: bool) -> Callable[..., Any]:
    return click.option(
        "--db",
        envvar="JWLINK_DB",
        default="jwlink.db",
        show_default=True,
        help=help_text,
        callback=existing_catalog if check else None,
    )(func)


def db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--db`` (or ``JWLINK_DB``) of a command that reads the catalog.

    A catalog that is not there is refused before the command runs (see
    `require_catalog`): reading never creates one.
    """
    return _db(func, _DB_HELP, check=True)


def ingest_db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--db`` (or ``JWLINK_DB``) of a command that makes the catalog if needed."""
    return _db(func, _DB_HELP.replace(" (env", ", made if missing (env"), check=False)


def unchecked_db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--db`` (or ``JWLINK_DB``) that the command checks only where it uses it."""
    return _db(func, _DB_HELP, check=False)


def json_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--json``: print one JSON document on stdout."""
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")(func)


def errors_to_click(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn jwlink errors (and bad values) into a one-line message and exit status 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except JwlinkError as err:
            raise click.ClickException(str(err)) from err
        except ValueError as err:
            raise click.ClickException(str(err)) from err

    return wrapper


def print_json(doc: Any) -> None:
    """Print a document as indented JSON."""
    click.echo(json.dumps(doc, indent=2, default=str))

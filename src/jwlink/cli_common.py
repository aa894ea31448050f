"""Options and helpers shared by the ``jwlink`` commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from jwlink.errors import JwlinkError

__all__ = ["db_option", "errors_to_click", "json_option", "print_json"]


def db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--db`` (or ``JWLINK_DB``): a SQLite path or a PostgreSQL URL."""
    return click.option(
        "--db",
        envvar="JWLINK_DB",
        default="jwlink.db",
        show_default=True,
        help="Catalog: a SQLite file path or postgresql://... (env JWLINK_DB).",
    )(func)


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

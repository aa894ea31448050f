"""Options and helpers shared by the ``jwlink`` commands.

The error contract of the command line: a `JwlinkError` (a mistake of the
user's or a catalog that cannot be used) prints its message and exits 1; any
other exception is a bug: ``internal error, please report: <type>`` on
stderr, then a line and the traceback, and exit status 2.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

import click

from jwlink.errors import JwlinkError

__all__ = [
    "db_option",
    "INTERNAL_ERROR_EXIT",
    "errors_to_click",
    "existing_catalog",
    "internal_errors",
    "ingest_db_option",
    "json_option",
    "print_json",
    "require_catalog",
    "unchecked_db_option",
]

INTERNAL_ERROR_EXIT = 2
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


def report_internal_error(err: BaseException) -> click.exceptions.Exit:
    """Print a bug's type and traceback on stderr; return the exit (status 2) to raise.

    The first line is what a user sees and quotes; the traceback follows
    after a rule, on stderr too, so ``2> file`` keeps both for the report.
    """
    import traceback

    click.echo(
        f"internal error, please report: {type(err).__name__} (traceback below, on stderr)",
        err=True,
    )
    click.echo("-" * 72, err=True)
    click.echo("".join(traceback.format_exception(err)).rstrip("\n"), err=True)
    return click.exceptions.Exit(INTERNAL_ERROR_EXIT)


# Exceptions click turns into exits and messages itself (usage errors, --help,
# Ctrl-C's Abort): never bugs.
_CLICK_FLOW = (click.ClickException, click.exceptions.Exit, click.exceptions.Abort)


@contextmanager
def internal_errors() -> Iterator[None]:
    """Map what escapes a command: a `JwlinkError` exits 1 with its message, a bug exits 2.

    ``SystemExit`` and ``KeyboardInterrupt`` are not `Exception` and pass
    through, as do click's own exceptions.
    """
    try:
        yield
    except _CLICK_FLOW:
        raise
    except JwlinkError as err:
        raise click.ClickException(str(err)) from err
    except Exception as err:  # noqa: BLE001 - the contract: any other exception is a bug
        raise report_internal_error(err) from err


def errors_to_click(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn jwlink errors into a one-line message and exit 1; bugs exit 2 (`internal_errors`)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with internal_errors():
            return func(*args, **kwargs)

    return wrapper


def print_json(doc: Any) -> None:
    """Print a document as indented JSON."""
    click.echo(json.dumps(doc, indent=2, default=str))

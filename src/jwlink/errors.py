"""The jwlink exception tree.

Every error jwlink raises on purpose derives from `JwlinkError`. Errors that
reach the HTTP surface carry the status they map to::

    JwlinkError                      (500)
    ├── InvalidName                  (400)  a file name breaks the JWST grammar
    ├── InvalidQuery                 (400)  a parameter is malformed, unknown or out of range
    │   ├── MashupError                     a MAST Mashup request cannot be answered
    │   └── PortalInputError                a portal search field cannot become a parameter
    ├── InputError                   (400)  an input file cannot be read as evidence
    │   ├── AssociationError                association JSON invalid or unsafe
    │   ├── PoolError                       association pool unreadable
    │   ├── HeaderError                     FITS header truncated or corrupt
    │   ├── ProductTableError               MAST product-list table unreadable
    │   └── EngineeringDataError            Engineering Database response unreadable
    ├── NotFound                     (404)  no product or observation by that name
    ├── StoreError                   (500)  the catalog could not be read or written
    │   ├── CatalogReadOnly                 the catalog file or database refuses writes
    │   │   └── CatalogFull                 the catalog's disk or database is full
    │   ├── CatalogMissing                  no catalog there, and reading never makes one
    │   └── CatalogUnavailable       (503)  the catalog database cannot be reached now
    ├── CrdsError                    (400)  a CRDS context or cache cannot answer
    ├── DownloadError                (502)  the download client's source failed it
    └── MissingExtra                 (500)  an optional extra is not installed

The HTTP API answers a `JwlinkError` with its status and message (a status
of 500 or more keeps the message in the log); any other exception is a bug:
a 500 whose body holds no internal text. The command line prints a
`JwlinkError`'s message and exits 1; any other exception exits 2 (see
`jwlink.cli.common`).

Foreign exceptions (sqlite3, psycopg, jsonschema, astropy) are translated at
the module that meets them, always with ``raise ... from err``.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "AssociationError",
    "CatalogFull",
    "CatalogMissing",
    "CatalogReadOnly",
    "CatalogUnavailable",
    "CrdsError",
    "DownloadError",
    "EngineeringDataError",
    "HeaderError",
    "InputError",
    "InvalidName",
    "InvalidQuery",
    "JwlinkError",
    "MashupError",
    "MissingExtra",
    "NotFound",
    "PortalInputError",
    "PoolError",
    "ProductTableError",
    "StoreError",
]


class JwlinkError(Exception):
    """Base of every jwlink error."""

    status = 500


class InvalidName(JwlinkError, ValueError):
    """A file or product name does not follow the JWST naming grammar."""

    status = 400

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"Invalid JWST name '{name}': {reason}")
        self.name = name
        self.reason = reason


class InvalidQuery(JwlinkError):
    """A query parameter is malformed, unknown or out of range; the message names it.

    Not a `ValueError`: a ValueError that escapes is a bug (HTTP 500, exit 2),
    never taken for a user's mistake.
    """

    status = 400


class MashupError(InvalidQuery):
    """A MAST Mashup request that cannot be answered; its text goes back in ``msg``."""


class PortalInputError(InvalidQuery):
    """A portal search field holds a value that cannot become an API parameter."""


class InputError(JwlinkError):
    """An input file cannot be read as evidence; names the file and the problem."""

    status = 400

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class AssociationError(InputError):
    """An association file is not valid JSON, breaks the schema, or names unsafe paths."""


class PoolError(InputError):
    """An association pool is missing a column, ragged, or still a template."""


class HeaderError(InputError):
    """A FITS header is truncated, corrupt, or not FITS at all."""


class ProductTableError(InputError):
    """A MAST product-list table lacks the columns jwlink needs."""


class EngineeringDataError(InputError):
    """An Engineering Database response (JSON, ECSV or CSV) lacks a field or holds a bad value."""


class NotFound(JwlinkError, LookupError):
    """No product or observation in the catalog answers to that name."""

    status = 404

    def __init__(
        self, name: str, catalog: str | None = None, suggestions: Sequence[str] = ()
    ) -> None:
        self.name = name
        self.catalog = catalog
        self.suggestions = list(suggestions)
        super().__init__(self.describe(show_catalog=True))

    def describe(self, show_catalog: bool) -> str:
        """Return the message, naming the catalog searched or not (a server keeps its paths).

        Close matches, when there are any, end the message.
        """
        where = f"the catalog {self.catalog}" if show_catalog and self.catalog else "the catalog"
        text = f"No product or observation named '{self.name}' in {where}"
        if self.suggestions:
            text += f"; close matches: {', '.join(self.suggestions)}"
        return text


class StoreError(JwlinkError):
    """The catalog could not be opened, read or written."""


class CatalogReadOnly(StoreError):
    """The catalog refuses writes (read-only file, full disk or read-only role)."""


class CatalogFull(CatalogReadOnly):
    """The disk holding the catalog, or the database itself, is full."""


class CatalogMissing(StoreError):
    """No catalog at the path or URL given, and a read must not create one.

    The message names the place and the command that makes a catalog there.
    """


class CatalogUnavailable(StoreError):
    """The catalog database cannot be reached (down, restarting, refusing connections).

    Worth retrying: nothing is wrong with the request or the catalog itself.
    """

    status = 503


class DownloadError(JwlinkError):
    """The manifest or a file could not be fetched; the message says why.

    ``reason`` is the left-out reason a failed file is counted under. The
    status is nominal (the client serves nothing): the source failed it.
    """

    status = 502

    def __init__(self, message: str, reason: str = "FAILED") -> None:
        super().__init__(message)
        self.reason = reason


class MissingExtra(JwlinkError):
    """An optional dependency is needed; the message says how to install it."""


class CrdsError(JwlinkError):
    """A CRDS context is unknown, or its cache lacks a file; the message names it."""

    status = 400

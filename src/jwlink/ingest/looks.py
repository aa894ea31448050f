"""What one file of an ingest is, found before the catalog is asked anything about it.

`look` parses the file's name, refuses what must not be read (a FIFO, a link
out of the folder), picks the reader, checks that the file claims to be JWST
evidence and hashes it: everything about a file that does not depend on the
catalog, so that it can run ahead of the ingest loop, on a thread or in a
worker process (`jwlink.ingest.ahead`).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from jwlink.core.model import Batch
from jwlink.errors import InputError, InvalidName
from jwlink.ingest.reading import claims, named_as_evidence, reader_for
from jwlink.ingest.tree import fingerprint, refusal, shown
from jwlink.naming import NameInfo, bare_name, describe

__all__ = ["Look", "look"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Look:
    """What one file is, found before the catalog is asked anything about it.

    ``outcome`` is ``read`` (``info``, ``reader``, ``sha256``, ``size`` and
    ``mtime_ns`` are set), ``passed_over`` (not JWST evidence), ``skipped``
    (named as evidence, not a regular file: ``reason``) or ``error``
    (``error``: the file claims to be evidence and cannot be read). A look
    made in a worker process may carry the file's batches, already read and
    linked (``batches``), or the failure of that reading (``read_error``).
    """

    path: Path
    root: str
    location: str
    outcome: str
    info: NameInfo | None = None
    reader: str | None = None
    sha256: str = ""
    size: int = 0
    mtime_ns: int = 0
    reason: str = ""
    error: Exception | None = None
    batches: tuple[Batch, ...] | None = None
    read_error: Exception | None = None


def look(path: Path, root: str, location: str, stop: threading.Event | None = None) -> Look:
    """Say what one file is and hash it, touching no catalog; never raises for the file.

    Parameters
    ----------
    path : Path
        The file, as found (`jwlink.ingest.tree.walk`).
    root : str
        The real path of the folder it was found under.
    location : str
        The path it is recorded under (`jwlink.ingest.tree.location_of`).
    stop : threading.Event, optional
        Set when the ingest stops: a hash under way ends at its next chunk.

    Returns
    -------
    Look
        Its outcome; an exception the file caused is its ``error``.
    """
    try:
        return _look(path, root, location, stop)
    except Exception as err:  # noqa: BLE001 - the loop reports it against the file
        # Not swallowed: the loop records it in the report, against this file.
        _log.debug("%s: look failed: %s", shown(path), err)
        return Look(path, root, location, "error", error=err)


def _look(path: Path, root: str, location: str, stop: threading.Event | None) -> Look:
    try:
        info: NameInfo | None = describe(path.name)  # the one parse of this file's name
    except InvalidName:
        info = None
    # Before any byte is read (the sniffs of reader_for read): a FIFO must not
    # block, a link must not lead out of the folder.
    refused = None if info is None else refusal(path, root)
    if info is not None and refused is not None:
        skipped, reason = refused
        if not named_as_evidence(info):
            return Look(path, root, location, "passed_over")  # unread, as if regular
        if skipped:
            return Look(path, root, location, "skipped", reason=reason)
        raise InputError(shown(path), reason)
    reader = None if info is None else reader_for(path, info)
    if reader is None and path.name[:2].lower() == "jw":
        # A JWST-looking name that the grammar refuses (a newline, a bidi mark,
        # a trailing space) is a problem to report, not a file to pass over.
        try:
            bare_name(path.name)
        except InvalidName as err:
            raise InputError(shown(path), f"file name refused: {err}") from err
    if info is None or reader is None or not claims(path, reader, info):
        return Look(path, root, location, "passed_over")
    if shown(Path(location)) != location:
        # The catalog holds text: a name in another encoding cannot be stored
        # as it is, and a mangled one would no longer find the file.
        raise InputError(shown(path), "its path is not UTF-8 text (rename the file or folder)")
    sha256, size, mtime_ns = fingerprint(path, stop)
    return Look(path, root, location, "read", info, reader, sha256, size, mtime_ns)

"""Data rights and tokens: who may download exclusive-access products.

The operator lists tokens in a file, one per line, hashed, never in clear::

    # sha256:<hex of the token>  <program>[,<program>...]  [<name>]
    sha256:9f86d081884c7d65...  01234,02733  alice
    sha256:2c26b46b68ffc68f...  *          archive-staff

Programs are written whole, five digits (``jwlink token-hash`` writes them
so); ``*`` grants every program; a line without programs names a user who
may log in but download nothing exclusive. A file is taken only whole and
valid (`TokenFile`): a write caught halfway keeps the tokens in use. Clients send the token as
``Authorization: Bearer <token>`` or as the ``mast_token`` cookie that
astroquery's ``Observations.login`` sets. Tokens are compared by their
SHA-256 with `hmac.compare_digest` and are never logged: `RedactTokens`
(`jwlink.api.redaction`) scrubs anything token-like from log records of the
service's loggers.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from jwlink.api.redaction import RedactTokens, install_log_filter, redact
from jwlink.errors import InvalidQuery, JwlinkError

__all__ = [
    "RESTRICTED_RIGHTS",
    "Principal",
    "RedactTokens",
    "TokenFile",
    "TokenRegistry",
    "hash_token",
    "install_log_filter",
    "is_public",
    "presented_token",
    "redact",
    "token_line",
]

_log = logging.getLogger("jwlink.api")

RESTRICTED_RIGHTS = frozenset({"EXCLUSIVE_ACCESS", "RESTRICTED", "PROPRIETARY"})
ALL_PROGRAMS = "*"
_LINE = re.compile(
    r"^sha256:(?P<hex>[0-9a-fA-F]{64})(?:\s+(?P<programs>\S+))?(?:\s+(?P<name>.+))?$"
)


def _program(text: str) -> str:
    text = text.strip()
    if text == ALL_PROGRAMS:
        return text
    if not text.isdigit() or len(text) > 5:
        msg = f"'{text}' is not a program number"
        raise InvalidQuery(msg)
    return text.zfill(5)


def _file_program(text: str) -> str:
    # In the file a program is whole: "4993" may be "49930" cut by a write.
    if text == ALL_PROGRAMS or (len(text) == 5 and text.isdigit() and text.isascii()):
        return text
    shown = f"'{text}'" if text else "an empty program"
    msg = f"{shown} is not a 5-digit program number (e.g. 01234) or '*'"
    raise InvalidQuery(msg)


def hash_token(token: str) -> str:
    """Return ``sha256:<hex>`` of a token, the form the token file holds."""
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_line(token: str, programs: Iterable[str] = (), name: str | None = None) -> str:
    """Return the token-file line that grants ``programs`` to ``token``.

    Parameters
    ----------
    token : str
        The secret the user will present.
    programs : iterable of str
        Program numbers (``1234`` or ``01234``), or ``*`` for all.
    name : str, optional
        Who holds the token (shown by ``/whoami``).

    Returns
    -------
    str
        ``sha256:<hex>  <programs>  [<name>]``.
    """
    progs = ",".join(_program(p) for p in programs)
    return "  ".join(part for part in (hash_token(token), progs, name or "") if part)


@dataclass(frozen=True)
class Principal:
    """A caller identified by a token, and the programs it may read."""

    name: str
    programs: frozenset[str]

    def grants(self, program: str | None) -> bool:
        """Whether this caller may read exclusive data of ``program``."""
        if ALL_PROGRAMS in self.programs:
            return True
        return program is not None and program.zfill(5) in self.programs


@dataclass(frozen=True)
class _Entry:
    digest: bytes
    principal: Principal


class TokenRegistry:
    """Hashed tokens and what each grants.

    Parameters
    ----------
    entries : iterable of (str, Principal)
        ``("sha256:<hex>", principal)`` pairs.
    """

    def __init__(self, entries: Iterable[tuple[str, Principal]] = ()) -> None:
        self._entries = [
            _Entry(bytes.fromhex(digest.removeprefix("sha256:")), principal)
            for digest, principal in entries
        ]

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def parse(cls, text: str, source: str = "token file", strict: bool = False) -> TokenRegistry:
        """Read the token-file format; raise `JwlinkError` naming the bad line.

        Parameters
        ----------
        text : str
            The file's text.
        source : str
            What to call it in errors.
        strict : bool
            Programs must be written whole, five digits (``01234``) or ``*``,
            as `token_line` writes them, and no program may be empty (``1234,``):
            what a token file on disk holds. Without it ``1234`` reads as ``01234``.

        Raises
        ------
        JwlinkError
            A line is not ``sha256:<64 hex>  <programs>  [name]``; the message
            names the line, never its content.
        """
        read_program = _file_program if strict else _program
        entries = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            match = _LINE.match(line)
            if match is None:
                msg = f"{source}, line {number}: expected 'sha256:<64 hex>  <programs>  [name]'"
                raise JwlinkError(msg)
            try:
                listed = (match["programs"] or "").split(",") if match["programs"] else []
                programs = frozenset(read_program(p) for p in listed if p or strict)
            except InvalidQuery as err:
                msg_0 = f"{source}, line {number}: {err}"
                raise JwlinkError(msg_0) from err
            name = (match["name"] or "").strip() or f"token-{number}"
            entries.append((match["hex"].lower(), Principal(name, programs)))
        return cls(entries)

    def lookup(self, token: str | None) -> Principal | None:
        """Return the principal a token identifies, or None (anonymous).

        Every entry is compared, in constant time, so the time taken does
        not reveal which entry (if any) matched.
        """
        if not token:
            return None
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        found = None
        for entry in self._entries:
            if hmac.compare_digest(entry.digest, digest):
                found = entry.principal
        return found


class TokenFile:
    """A token file, re-read when its content changes (operators add tokens without a restart).

    The file is replaced only by a whole, valid file: every line is parsed
    and checked (`TokenRegistry.parse`, 5-digit programs) and the file must
    end with a line end, so a write caught halfway (a line cut inside a hash
    or after ``4993`` of ``49930``) is never read as tokens. A malformed,
    unreadable or missing file keeps the tokens read before and logs why,
    once per distinct content; no request ever fails because of it. At
    start-up there is nothing to keep, so a bad file raises.

    A change is noticed by the file's identity (inode, size, modification
    and status-change times: a rewrite restoring the old mtime still moves
    the ctime) and, every `RECHECK_SECONDS` whatever the stat says, by the
    SHA-256 of its content.

    Parameters
    ----------
    path : str or PathLike, optional
        The file; None means no tokens (every caller is anonymous).

    Raises
    ------
    JwlinkError
        At start-up: the file is missing, unreadable or malformed.
    """

    RECHECK_SECONDS = 2.0

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._stamp: tuple[int, ...] | None = None
        self._checked = 0.0
        self._digest: bytes | None = None  # of the content in use
        self._refused: bytes | None = None  # of the last content refused (logged once)
        self._registry = TokenRegistry()
        if self.path is not None:
            text = self._read()  # a broken file fails at start-up, not at the first request
            self._registry = _parse_file(text, str(self.path))
            self._digest = _digest(text)

    def registry(self) -> TokenRegistry:
        """Return the current tokens, re-reading the file if it changed.

        Never raises: a file that cannot be read or is not valid leaves the
        tokens in use as they were (see the class).
        """
        if self.path is None:
            return self._registry
        with self._lock:
            try:
                stamp = _stamp(self.path.stat())
            except OSError:
                stamp = None
            now = time.monotonic()
            fresh = now - self._checked < self.RECHECK_SECONDS
            if stamp is not None and stamp == self._stamp and fresh:
                return self._registry
            self._checked = now
            self._reload(stamp)
            return self._registry

    def _reload(self, stamp: tuple[int, ...] | None) -> None:
        try:
            text = self._read()
        except JwlinkError as err:
            self._refuse(stamp, str(err).encode("utf-8"), str(err))
            return
        digest = _digest(text)
        if digest == self._digest:  # the content in use (again): nothing to refuse
            self._stamp, self._refused = stamp, None
            return
        try:
            registry = _parse_file(text, str(self.path))
        except JwlinkError as err:
            self._refuse(stamp, digest, str(err))
            return
        self._registry, self._digest, self._stamp, self._refused = registry, digest, stamp, None
        _log.info("token file %s: %d token(s) in use", self.path, len(registry))

    def _refuse(self, stamp: tuple[int, ...] | None, key: bytes, reason: str) -> None:
        # The refused file's stamp is kept: it is read again once it changes
        # (or after RECHECK_SECONDS), not at every request.
        self._stamp = stamp
        if key != self._refused:
            self._refused = key
            _log.warning("%s; keeping the %d token(s) read before", reason, len(self._registry))

    def _read(self) -> bytes:
        assert self.path is not None
        try:
            return self.path.read_bytes()
        except FileNotFoundError as err:
            msg = f"token file {self.path}: no such file"
            raise JwlinkError(msg) from err
        except OSError as err:
            msg = f"token file {self.path}: cannot be read ({err.strerror or type(err).__name__})"
            raise JwlinkError(msg) from err


def _stamp(stat: os.stat_result) -> tuple[int, ...]:
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def _digest(content: bytes) -> bytes:
    return hashlib.sha256(content).digest()


def _parse_file(content: bytes, source: str) -> TokenRegistry:
    """Parse a whole token file; raise `JwlinkError` unless every line is complete and valid."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as err:
        line = content[: err.start].count(b"\n") + 1
        msg = f"{source}, line {line}: not UTF-8 text"
        raise JwlinkError(msg) from err
    if text and not text.endswith("\n"):
        # A write caught halfway: its last line may be cut anywhere.
        line = text.count("\n") + 1
        msg = f"{source}, line {line}: no line end after the last line (cut short by a write?)"
        raise JwlinkError(msg)
    return TokenRegistry.parse(text, source, strict=True)


def presented_token(headers: Mapping[str, str], cookies: Mapping[str, str]) -> str | None:
    """Return the token a request carries: a Bearer header, else the ``mast_token`` cookie."""
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    cookie = cookies.get("mast_token", "").strip()
    return cookie or None


def _release(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(str(text).strip())
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def is_public(
    data_rights: str | None, release_date: str | None, now: datetime | None = None
) -> bool:
    """Whether anyone may download a product.

    Products are public unless their rights are exclusive (``EXCLUSIVE_ACCESS``,
    ``RESTRICTED``); exclusive products become public once their release date
    has passed. An unreadable release date keeps the product exclusive.
    """
    if (data_rights or "PUBLIC").upper() not in RESTRICTED_RIGHTS:
        return True
    released = _release(release_date)
    return released is not None and released <= (now or datetime.now(UTC))

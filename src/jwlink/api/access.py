"""Data rights and tokens: who may download exclusive-access products.

The operator lists tokens in a file, one per line, hashed, never in clear::

    # sha256:<hex of the token>  <program>[,<program>...]  [<name>]
    sha256:9f86d081884c7d65...  1234,2733  alice
    sha256:2c26b46b68ffc68f...  *          archive-staff

``*`` grants every program; a line without programs names a user who may
log in but download nothing exclusive. Clients send the token as
``Authorization: Bearer <token>`` or as the ``mast_token`` cookie that
astroquery's ``Observations.login`` sets. Tokens are compared by their
SHA-256 with `hmac.compare_digest` and are never logged: `RedactTokens`
scrubs anything token-like from log records of the service's loggers.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

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
    def parse(cls, text: str, source: str = "token file") -> TokenRegistry:
        """Read the token-file format; raise `JwlinkError` naming the bad line."""
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
                programs = frozenset(_program(p) for p in (match["programs"] or "").split(",") if p)
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
    """A token file, re-read when it changes (operators add tokens without a restart).

    Parameters
    ----------
    path : str or PathLike, optional
        The file; None means no tokens (every caller is anonymous).
    """

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._stamp: tuple[float, int] | None = None
        self._registry = TokenRegistry()
        self.registry()  # a broken file fails at start-up, not at the first request

    def registry(self) -> TokenRegistry:
        """Return the current tokens, re-reading the file if it changed."""
        if self.path is None:
            return self._registry
        stat = self.path.stat()
        stamp = (stat.st_mtime, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                self._registry = TokenRegistry.parse(self.path.read_text(), str(self.path))
                self._stamp = stamp
            return self._registry


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


# Anything that looks like a credential in a log line: bearer values,
# mast_token cookies, token query parameters.
# A value never starts like a %-format placeholder, so a message template
# ("Bearer %s") keeps its placeholder and the argument is checked whole.
_VALUE = r"(?!%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdrifxXeEgGc])"
_SECRETS = (
    re.compile(r"(?i)(bearer\s+)" + _VALUE + r"[^\s,;'\"]+"),
    re.compile(r"(?i)(mast_token\s*=\s*)" + _VALUE + r"[^;&\s'\"]+"),
    re.compile(r"(?i)([?&](?:access_)?token=)" + _VALUE + r"[^&\s'\"]+"),
)


def redact(text: str) -> str:
    """Replace credential-looking values in a text by ``***``."""
    for pattern in _SECRETS:
        text = pattern.sub(r"\1***", text)
    return text


class RedactTokens(logging.Filter):
    """A logging filter that removes token values from every record it sees.

    The message and each text argument are scrubbed separately, so records
    whose formatter unpacks ``args`` (uvicorn's access log) still format.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record without secrets; never drop the record."""
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        colored = record.__dict__.get("color_message")
        if isinstance(colored, str):
            record.__dict__["color_message"] = redact(colored)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record is the handler's to report
            return True
        cleaned = redact(message)
        if cleaned != message:  # a secret split between template and argument
            record.msg, record.args = cleaned, None
            record.__dict__.pop("color_message", None)
        return True


# Filters run only for records created on the logger they are attached to,
# so every logger that may emit during a request is listed by name.
_LOGGERS = (
    "jwlink",
    "jwlink.api",
    "jwlink.download",
    "uvicorn",
    "uvicorn.access",
    "uvicorn.error",
    "fastapi",
    "httpx",
    "httpcore",
)


def install_log_filter() -> None:
    """Attach one `RedactTokens` filter to the service's loggers (idempotent)."""
    for name in _LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in target.filters):
            target.addFilter(RedactTokens())

"""Secrets never reach a log: bearer values, cookies and token-like query values.

Tokens are never taken from a URL, but clients put them there all the same
(``?token=``, ``?api_key=``, ``&password=``): uvicorn's access log writes the
request target as received, and an error message may quote it. Every record
of the service's loggers passes `RedactTokens`, which replaces such values by
``***`` and keeps the record's format.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from urllib.parse import unquote

__all__ = ["RedactTokens", "install_log_filter", "is_secret_parameter", "redact"]

# A value never starts like a %-format placeholder, so a message template
# ("Bearer %s") keeps its placeholder and the argument is checked whole.
_VALUE = r"(?!%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdrifxXeEgGc])"
_SECRETS = (
    re.compile(r"(?i)(bearer\s+)" + _VALUE + r"[^\s,;'\"]+"),
    re.compile(r"(?i)(authorization\s*[:=]\s*(?:basic|token|digest)\s+)" + _VALUE + r"[^\s,;'\"]+"),
    re.compile(r"(?i)(mast_token\s*=\s*)" + _VALUE + r"[^;&\s'\"]+"),
)
# What each of _SECRETS needs to match at all.
_WORDS = ("bearer", "authorization", "mast_token")
# A query parameter ``name=value`` after ``?``, ``&`` or ``;``; the name is
# judged after percent-decoding (``tok%65n`` is ``token`` to the server).
_PARAMETER = re.compile(r"([?&;])([^=&;?#\s'\"]{1,64})=" + _VALUE + r"([^&;#\s'\"]+)")
# Names (lower case, ``-``/``_``/``.`` removed) whose values are credentials:
# any that holds one of these words ...
_SECRET_WORDS = ("token", "secret", "passw", "apikey", "credential", "signature", "session")
# ... or is one of these.
_SECRET_NAMES = frozenset({"key", "pwd", "auth", "authorization", "sig", "jwt", "cookie"})


def is_secret_parameter(name: str) -> bool:
    """Whether a query parameter's value is a credential, by its name.

    Examples
    --------
    >>> [is_secret_parameter(n) for n in ("token", "API-Key", "tok%65n", "obs_id", "keywords")]
    [True, True, True, False, False]
    """
    flat = re.sub(r"[-_.\s]", "", unquote(name)).lower()
    return flat in _SECRET_NAMES or any(word in flat for word in _SECRET_WORDS)


def _parameter(match: re.Match[str]) -> str:
    if not is_secret_parameter(match.group(2)):
        return match.group(0)
    return f"{match.group(1)}{match.group(2)}=***"


def redact(text: str) -> str:
    """Replace credential-looking values in a text by ``***``.

    Examples
    --------
    >>> redact("GET /api/v1/files/x?api_key=abc&page=2&password=hunter2")
    'GET /api/v1/files/x?api_key=***&page=2&password=***'
    """
    # Most log text holds none of the words: a plain search first is far
    # cheaper than the patterns (this runs on every record).
    lower = text.lower()
    for word, pattern in zip(_WORDS, _SECRETS, strict=True):
        if word in lower:
            text = pattern.sub(r"\1***", text)
    return _PARAMETER.sub(_parameter, text) if "=" in text else text


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

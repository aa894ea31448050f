"""Which Host a request may name, and the one base URL every absolute link is built on.

Curl scripts (``bundle.sh``), manifests and DataLink access URLs are
absolute: a client fetches them later, and a script sends its
``Authorization: Bearer`` token to whatever host they name. Built from the
request's ``Host`` header alone, they would point wherever the caller (or a
DNS-rebinding web page, whose requests carry the attacker's host name) said.
So:

* `HostGuard`, an ASGI middleware placed before everything else, answers
  **400** (the usual error envelope, naming the host and how to allow it)
  to a request whose ``Host`` is not on the allow-list;
* `base_url` is the one place that builds the scheme, host, port and path
  prefix of an absolute URL: the ``--public-url`` when the server was given
  one, else the (allowed) Host of the request.

The library (`jwlink.api.create_api`) allows any host unless given a list;
``jwlink serve`` always gives one (`default_allowed`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request

from jwlink.api.errors import error_response
from jwlink.errors import JwlinkError

__all__ = [
    "ANY_HOST",
    "HostGuard",
    "HostPolicy",
    "base_url",
    "default_allowed",
    "external_url",
    "host_name",
    "parse_public_url",
    "policy_of",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ANY_HOST = "*"
# The names a browser on this machine uses for it; a rebinding page's host is never one.
LOOPBACK = ("localhost", "127.0.0.1", "::1")
# Addresses that mean "every interface": they are not a host name a client sends.
_WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::"})  # noqa: S104 - compared, never bound
_SHOWN_HOST = 100  # a Host echoed in an error is clipped to this many characters


def host_name(value: str) -> str:
    """Return a Host header or allow-list entry without its port, lower-cased.

    ``[::1]:8000`` gives ``::1``, ``LocalHost.:80`` gives ``localhost`` (a
    trailing dot names the same host).
    """
    value = value.strip().lower()
    if value.startswith("["):  # an IPv6 literal, maybe with a port after "]"
        return value[1:].partition("]")[0]
    if value.count(":") == 1:  # a name or IPv4 address with a port
        value = value.partition(":")[0]
    return value.rstrip(".")


def default_allowed(bind_host: str) -> list[str]:
    """Return the hosts ``jwlink serve --host BIND_HOST`` allows without ``--allowed-hosts``.

    The loopback names, and the bound address unless it means every interface.
    """
    allowed = list(LOOPBACK)
    bound = host_name(bind_host)
    if bound not in _WILDCARD_BINDS and bound not in allowed:
        allowed.append(bound)
    return allowed


def parse_public_url(url: str) -> str:
    """Check a ``--public-url`` and return it without a trailing slash.

    Raises
    ------
    JwlinkError
        Not an ``http``/``https`` URL with a host, or it carries credentials,
        a query or a fragment.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"--public-url {url!r}: expected http(s)://HOST[:PORT][/PREFIX]"
        raise JwlinkError(msg)
    if parts.username or parts.password or parts.query or parts.fragment:
        msg = f"--public-url {url!r}: no user, password, query or fragment allowed"
        raise JwlinkError(msg)
    try:
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError as err:
        msg = f"--public-url {url!r}: {err}"
        raise JwlinkError(msg) from err
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


@dataclass(frozen=True)
class HostPolicy:
    """The hosts a server answers for, and the public URL its links use.

    ``allowed`` holds host names without ports (`host_name`); it holds
    `ANY_HOST` when every host is allowed. ``public_url`` (no trailing
    slash) replaces the request's scheme, host and root path in every
    absolute URL; its host is always allowed.
    """

    allowed: frozenset[str]
    public_url: str | None = None

    @classmethod
    def build(cls, allowed: Iterable[str] | None, public_url: str | None = None) -> HostPolicy:
        """Return the policy for an allow-list (None: any host) and an optional public URL.

        Entries may be comma-separated and carry ports or IPv6 brackets.

        Raises
        ------
        JwlinkError
            The public URL is malformed, or an entry is empty.
        """
        url = parse_public_url(public_url) if public_url else None
        if allowed is None:
            return cls(frozenset({ANY_HOST}), url)
        names = set()
        for entry in allowed:
            for item in entry.split(","):
                name = host_name(item)
                if not name:
                    msg = f"--allowed-hosts {entry!r}: an empty host name"
                    raise JwlinkError(msg)
                names.add(name)
        if url is not None:
            names.add(host_name(urlsplit(url).netloc))
        return cls(frozenset(names), url)

    def allows(self, host: str) -> bool:
        """Return True when a request naming ``host`` (a Host header) may be answered."""
        return ANY_HOST in self.allowed or host_name(host) in self.allowed


def policy_of(scope: Scope) -> HostPolicy | None:
    """Return the application's `HostPolicy`, if it has one."""
    app = scope.get("app")
    policy = getattr(getattr(app, "state", None), "hosts", None)
    return policy if isinstance(policy, HostPolicy) else None


def base_url(request: Request) -> str:
    """Return the scheme, host, port and path prefix of this server's URLs, no trailing slash.

    The ``--public-url`` when there is one; else the request's own, whose
    Host `HostGuard` has checked.
    """
    policy = policy_of(request.scope)
    if policy is not None and policy.public_url is not None:
        return policy.public_url
    return str(request.base_url).rstrip("/")


def external_url(request: Request) -> str:
    """Return this request's URL (no query) as a client outside should write it."""
    root = str(request.scope.get("root_path", ""))
    path = request.url.path
    if root and path.startswith(root):
        path = path[len(root) :]
    return base_url(request) + path


class HostGuard:
    """ASGI middleware answering 400 to requests whose Host is not allowed.

    Parameters
    ----------
    app : ASGI application
        The application to protect.
    policy : HostPolicy
        The allow-list.
    """

    def __init__(self, app: ASGIApp, policy: HostPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass allowed requests on; refuse the others before any route runs."""
        if scope["type"] != "http" or ANY_HOST in self.policy.allowed:
            await self.app(scope, receive, send)
            return
        host = _host_header(scope)
        # HTTP/1.0 may omit Host: such a request names no other site, so it passes.
        if host is None or self.policy.allows(host):
            await self.app(scope, receive, send)
            return
        shown = host.encode("ascii", "backslashreplace").decode()[:_SHOWN_HOST]
        allowed = ", ".join(sorted(self.policy.allowed))
        message = (
            f"Host '{shown}' is not served here (allowed: {allowed}); "
            f"to allow it, start the server with --allowed-hosts {host_name(shown) or 'HOST'} "
            "(or --public-url with that host)"
        )
        response = error_response(400, [message], request=Request(scope))
        # The body, if any, is not read: the connection must not parse it as a request.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _host_header(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"host":
            return bytes(value).decode("latin-1")
    return None

# ruff: noqa: F811 - the archive fixture is imported, then requested by name
"""SQL injection on every parameter of every route, enumerated from the application itself.

The catalog, fixtures and helpers of test_security_surfaces and test_security_limits (a
helper module: test files import from here, never from each other).

The routes come from the OpenAPI document (every operation, every path,
query and form parameter, the JSON body) plus the surfaces outside it: the
fields of a MAST Mashup request, the portal's pages, request headers that
carry values (Range, If-None-Match, the token). Each parameter gets every
payload, on SQLite and on PostgreSQL, with the others at a working value.
For every answer: no 5xx; no SQL text, database error or traceback; no raw
markup echoed into HTML; and either a refusal (4xx, MAST ``ERROR``, DataLink
faults) or exactly what a value matching nothing gives. At the end the
catalog is what it was.
"""

from __future__ import annotations

import html
import io
import json
import re
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from api_archive import I2D, L3, Archive, archive, client_for  # noqa: F401

PAYLOADS = [
    "' OR '1'='1",
    '" OR ""="',
    '"; DROP TABLE products;--',
    "'; DROP TABLE products; --",
    "1; DELETE FROM observations",
    "1 UNION SELECT sqlite_version()--",
    "' UNION SELECT name, sql FROM sqlite_master --",
    "' UNION SELECT version(), current_user --",
    "' || (SELECT sql FROM sqlite_master) || '",
    "' AND 1=CAST((SELECT version()) AS int) --",
    "')) OR pg_sleep(5)--",
    "1; SELECT pg_sleep(5)",
    "%' --",
    "\x00",
    "$$",
    "$$; DROP TABLE links; $$",
    "E'\\\\'",
    "\\",
    "?",
    "%s'",
    ":name",
    "{}",
    "/*",
    "-1",
    "1e309",
    "9" * 40,
    "é" * 300,
    "\ud800",
    "\uff07 OR \uff071\uff07=\uff071",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "a\r\nX-Injected: 1",
    f"{L3}' --",
]
NO_MATCH = "zq-no-such-value-41"
FORM = {"content-type": "application/x-www-form-urlencoded"}
JSON = {"content-type": "application/json"}
# What a leaked database error or traceback looks like (the payload's own text is removed first).
LEAKS = re.compile(
    r"Traceback \(most recent|File \"/|sqlite3\.|psycopg|OperationalError|ProgrammingError|"
    r"syntax error|unrecognized token|LINE 1:|sqlite_master|pg_catalog|SELECT |INSERT |DELETE "
)
BASELINE = {"obs_id": L3, "name": I2D, "kind": "zip", "uri": f"mast:JWST/product/{I2D}"}
# Routes that need a selection to get past "select something": a working one.
CONTEXT = {
    "/api/v1/manifest.json": {"name": I2D},
    "/api/v1/manifest.csv": {"name": I2D},
    "/api/v1/bundle.{kind}": {"name": I2D},
    "/api/v0.1/Download/file": {"uri": f"mast:JWST/product/{I2D}"},
}


@dataclass(frozen=True)
class Probe:
    """One parameter of one route: how to send a value there, and how to judge the answer."""

    label: str
    send: Callable[[Any, str], Any]
    typed: bool = False  # a number/boolean/enum: a value the schema rejects must be refused
    compare: bool = True  # compare with the no-match answer (False for pages that only echo)


def _q(value: str) -> str:
    return quote(value, safe="", errors="surrogatepass")


def _query(pairs: dict[str, str]) -> str:
    return "&".join(f"{k}={_q(v)}" for k, v in pairs.items())


def _schema_probes(doc: dict[str, Any]) -> Iterator[Probe]:
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            params = operation.get("parameters", [])
            for param in params:
                yield _param_probe(method, path, param)
            body = operation.get("requestBody", {}).get("content", {})
            for media, content in body.items():
                yield from _body_probes(method, path, media, content["schema"])


def _is_typed(schema: dict[str, Any]) -> bool:
    items = schema.get("items", {}) if schema.get("type") == "array" else schema
    for option in [items, *items.get("anyOf", [])]:
        if option.get("type") in ("integer", "number", "boolean") or "enum" in option:
            return True
    return False


def _param_probe(method: str, path: str, param: dict[str, Any]) -> Probe:
    where, name = param["in"], param["name"]

    def send(client: Any, value: str) -> Any:
        url = path
        for key in re.findall(r"{(\w+)}", path):
            url = url.replace(f"{{{key}}}", _q(value) if key == name else BASELINE[key])
        query = dict(CONTEXT.get(path, {}))
        if where == "query":
            query[name] = value
        return client.request(method.upper(), f"{url}?{_query(query)}" if query else url)

    return Probe(f"{method.upper()} {path} {where}:{name}", send, _is_typed(param["schema"]))


def _body_probes(method: str, path: str, media: str, schema: dict[str, Any]) -> Iterator[Probe]:
    kind = "zip"

    def url() -> str:
        return path.replace("{kind}", kind)

    if media == "application/json":
        yield Probe(
            f"{method.upper()} {path} json[]",
            lambda c, v: c.post(url(), content=json.dumps([v, I2D]), headers=JSON),
        )
        return
    for field, spec in schema.get("properties", {}).items():

        def send(client: Any, value: str, field: str = field) -> Any:
            return client.post(url(), content=f"{field}={_q(value)}", headers=FORM)

        yield Probe(f"{method.upper()} {path} form:{field}", send, _is_typed(spec))


def _mashup(service: str, **params: Any) -> dict[str, Any]:
    return {"service": service, "format": "json", "params": params}


def _filtered(*filters: dict[str, Any], **params: Any) -> dict[str, Any]:
    return _mashup("Mast.Caom.Filtered", **{"columns": "*", "filters": list(filters), **params})


# Every field of a Mashup request astroquery sends, as a function of the value.
MASHUP_FIELDS: dict[str, tuple[Callable[[str], dict[str, Any]], bool]] = {
    "service": (lambda v: {"service": v, "format": "json", "params": {}}, False),
    "format": (lambda v: {**_mashup("Mast.Caom.Filtered", filters=[]), "format": v}, False),
    "page": (lambda v: {**_mashup("Mast.Caom.Filtered", filters=[]), "page": v}, True),
    "pagesize": (lambda v: {**_mashup("Mast.Caom.Filtered", filters=[]), "pagesize": v}, True),
    "params.columns": (lambda v: _filtered(columns=v), False),
    "filters.paramName": (lambda v: _filtered({"paramName": v, "values": ["1"]}), False),
    "filters.values": (lambda v: _filtered({"paramName": "target_name", "values": [v]}), False),
    "filters.values(program)": (
        lambda v: _filtered({"paramName": "proposal_id", "values": [v]}),
        False,
    ),
    "filters.values(list)": (
        lambda v: _filtered({"paramName": "filters", "separator": ";", "values": [v]}),
        False,
    ),
    "filters.values(int)": (lambda v: _filtered({"paramName": "obsid", "values": [v]}), False),
    "filters.freeText": (
        lambda v: _filtered({"paramName": "obs_id", "values": [], "freeText": v}),
        False,
    ),
    "filters.min": (
        lambda v: _filtered({"paramName": "s_ra", "values": [{"min": v, "max": 1}]}),
        True,
    ),
    "filters.max": (
        lambda v: _filtered({"paramName": "t_min", "values": [{"min": 0, "max": v}]}),
        True,
    ),
    "params.position": (
        lambda v: _mashup("Mast.Caom.Filtered.Position", columns="*", filters=[], position=v),
        False,
    ),
    "params.obsid": (lambda v: _mashup("Mast.Caom.Products", obsid=v), False),
    "params.ra": (lambda v: _mashup("Mast.Caom.Cone", ra=v, dec=0, radius=1), True),
    "params.dec": (lambda v: _mashup("Mast.Caom.Cone", ra=0, dec=v, radius=1), True),
    "params.radius": (lambda v: _mashup("Mast.Caom.Cone", ra=0, dec=0, radius=v), True),
}


def _mashup_probes() -> Iterator[Probe]:
    for field, (build, typed) in MASHUP_FIELDS.items():

        def send(client: Any, value: str, build: Callable[[str], Any] = build) -> Any:
            body = "request=" + quote(json.dumps(build(value)), safe="")
            return client.post("/api/v0/invoke", content=body, headers=FORM)

        yield Probe(f"POST /api/v0/invoke request.{field}", send, typed)


PORTAL_SEARCH = ("program", "instrument", "filters", "target", "obs_id", "calib_level", "ra",
                 "dec", "radius", "t_min", "t_max", "page", "page_size")  # fmt: skip


def _get(url: str) -> Callable[[Any, str], Any]:
    """Send the value in place of ``{}`` in a URL (percent-encoded)."""
    return lambda client, value: client.get(url.replace("{}", _q(value)))


def _portal_probes() -> Iterator[Probe]:
    # The search and basket pages only echo their fields (the data comes from the
    # API by script): judged for errors and leaks, not compared.
    for field in PORTAL_SEARCH:
        yield Probe(f"GET / query:{field}", _get(f"/?{field}={{}}"), compare=False)
    for field in ("obs_id", "name", "mrp"):
        yield Probe(f"GET /basket query:{field}", _get(f"/basket?{field}={{}}"), compare=False)
    for page in ("observations", "products", "lineage", "static"):
        yield Probe(f"GET /{page}/{{}}", _get(f"/{page}/{{}}"))
    for field in ("direction", "kind", "depth"):
        url = f"/lineage/{I2D}?{field}={{}}"
        yield Probe(f"GET /lineage/{{name}} query:{field}", _get(url), typed=field == "depth")


def _with_header(url: str, header: str, prefix: str = "") -> Callable[[Any, str], Any]:
    def send(client: Any, value: str) -> Any:
        if not value.isprintable() or not value.isascii():
            return None  # HTTP cannot carry it in a header; the client refuses to send it
        return client.get(url, headers={header: prefix + value})

    return send


def _header_probes() -> Iterator[Probe]:
    file = f"/api/v1/files/{I2D}"
    whoami = "/whoami"
    yield Probe(
        "GET /whoami header:Authorization", _with_header(whoami, "Authorization", "Bearer ")
    )
    yield Probe("GET /whoami cookie:mast_token", _with_header("/whoami", "Cookie", "mast_token="))
    yield Probe(f"GET {file} header:Authorization", _with_header(file, "Authorization", "Bearer "))
    # Not SQL at all: the answer may differ (a valid range), never be a 5xx or a leak.
    yield Probe(f"GET {file} header:Range", _with_header(file, "Range", "bytes="), compare=False)
    for header in ("If-None-Match", "If-Range"):
        yield Probe(f"GET {file} header:{header}", _with_header(file, header), compare=False)


def all_probes(doc: dict[str, Any]) -> list[Probe]:
    """Every probe: the OpenAPI operations' parameters, then the surfaces outside the document."""
    return [*_schema_probes(doc), *_mashup_probes(), *_portal_probes(), *_header_probes()]


# ---------------------------------------------------------------- judging answers


def _encodings(value: str) -> list[str]:
    text = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    forms = {text, html.escape(text), html.escape(text, quote=False), _q(value)}
    forms |= {quote_plus(text), quote(text), json.dumps(value)[1:-1], json.dumps(text)[1:-1]}
    forms.add(json.dumps(text)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e"))
    forms.add(text.replace("\x00", "\ufffd").replace("&", "&amp;").replace("<", "&lt;"))
    return sorted((f for f in forms if f), key=len, reverse=True)


def _scrub(text: str, value: str) -> str:
    # Very short forms ("?", "{}") would also hit unrelated text: only whole strings match them.
    for form in _encodings(value):
        text = "<V>" if text == form else text.replace(form, "<V>") if len(form) > 2 else text
    return text


def refused(response: Any) -> bool:
    """A 4xx, a MAST ERROR, or a DataLink answer whose every row is a fault."""
    if response.status_code >= 400:
        return True
    kind = response.headers.get("content-type", "")
    if kind.startswith("application/json"):
        body = response.json()
        return isinstance(body, dict) and (body.get("status") == "ERROR" or body.get("ok") is False)
    if "votable" in kind:
        rows = re.findall(r"<TR>.*?</TR>", response.text, re.S)
        return 'value="ERROR"' in response.text or all("Fault: " in r for r in rows)
    return False


def _canonical(data: Any, value: str) -> Any:
    if isinstance(data, dict):
        return {k: _canonical(v, value) for k, v in data.items()}
    if isinstance(data, list):
        items = (_canonical(v, value) for v in data)
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return _scrub(data, value) if isinstance(data, str) else data


def signature(response: Any, value: str) -> Any:
    """What an answer says, with every echo of the value replaced (order-free)."""
    kind = response.headers.get("content-type", "")
    if not response.content:
        return response.status_code
    if kind.startswith(("application/zip", "application/x-tar")):
        data = io.BytesIO(response.content)
        if kind.startswith("application/zip"):
            return sorted(zipfile.ZipFile(data).namelist())
        return sorted(tarfile.open(fileobj=data).getnames())
    if kind.startswith("application/json"):
        return response.status_code, _canonical(response.json(), value)
    text = _scrub(response.text, value)
    lines = [line for line in text.splitlines() if not line.startswith("# generated")]
    return response.status_code, sorted(lines)


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def judge(probe: Probe, value: str, response: Any, no_match: Any) -> list[str]:
    """Return what is wrong with one answer (empty when it is fine)."""
    problems = []
    where = f"{probe.label} <- {value[:40]!r}: {response.status_code}"
    if response.status_code >= 500:
        return [f"{where} server error {response.text[:200]}"]
    # A marker the payload itself contains may be an echo of it (even a cut one): not a leak.
    text = response.content.decode("utf-8", "replace")
    leaks = {m for m in LEAKS.findall(text) if m not in value}
    if leaks:
        problems.append(f"{where} leaks {sorted(leaks)}: {text[:300]}")
    if "text/html" in response.headers.get("content-type", "") and "<" in value:
        if value in response.text:
            problems.append(f"{where} echoes markup unescaped")
    if any(k.lower() == "x-injected" for k in response.headers):
        problems.append(f"{where} header injection")
    if not probe.compare or refused(response):
        return problems
    if probe.typed:
        if not _is_number(value):
            problems.append(f"{where} accepted a non-number")
        return problems
    if signature(response, value) != no_match:
        problems.append(f"{where} differs from a value that matches nothing: {response.text[:300]}")
    return problems


# ---------------------------------------------------------------- the test


def route_paths(app: Any) -> set[str]:
    found: set[str] = set()
    stack = list(app.routes)
    while stack:
        route = stack.pop()
        inner = getattr(route, "original_router", None) or getattr(route, "router", None)
        if inner is not None and inner is not app.router:
            stack += list(inner.routes)
        if getattr(route, "path", None):
            # a name route takes a path ("{name:path}": names may hold slashes);
            # the OpenAPI document writes it "{name}"
            found.add(re.sub(r"\{(\w+):path\}", r"{\1}", route.path))
    return found


OUTSIDE_SCHEMA = {"/", "/observations/{obs_id}", "/products/{name}", "/lineage/{name}",
                  "/basket", "/static/{path}", "/openapi.json", "/docs",
                  "/docs/oauth2-redirect", "/redoc"}  # fmt: skip


@pytest.fixture(scope="module")
def client(archive: Archive) -> Iterator[Any]:
    with client_for(archive) as c:
        yield c

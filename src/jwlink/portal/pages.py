"""The portal's routes: one HTML page per native API call, plus the static files.

Each page answers with ``Link: <twin>; rel="alternate"; type="application/json"``
naming its JSON twin, and with a Content-Security-Policy that allows this
origin only, so a page cannot load anything from elsewhere.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from jwlink.api import native
from jwlink.api.state import StateDep, clean_text
from jwlink.core.model import Kind
from jwlink.errors import JwlinkError, NotFound
from jwlink.portal import ancillary, views
from jwlink.portal.graphdata import graph_settings
from jwlink.portal.query import PortalInputError, search_twin, split_values
from jwlink.portal.render import Safe, render, render_page
from jwlink.portal.static import static_response
from jwlink.query import previews, questions

__all__ = ["CSP", "router"]

router = APIRouter(include_in_schema=False)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
KINDS = tuple(k.value for k in Kind)
PAGE_SIZES = ("25", "50", "100", "200", "500", "1000")
LEVELS = (("", "any"), ("1", "1 (raw)"), ("2", "2 (exposure)"), ("3", "3 (combined)"))
DIRECTIONS = (("both", "inputs and outputs"), ("up", "inputs (upstream)"),
              ("down", "outputs (downstream)"))  # fmt: skip


def _base(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _api(base: str, path: str, pairs: list[tuple[str, str]] | None = None) -> str:
    query = f"?{urlencode(pairs)}" if pairs else ""
    return f"{base}/api/v1/{path}{query}"


def _respond(text: str, json_url: str, status: int = 200) -> HTMLResponse:
    headers = {
        "Link": f'<{json_url}>; rel="alternate"; type="application/json"',
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    return HTMLResponse(text, status_code=status, headers=headers)


def _page(request: Request, title: str, json_url: str, script: str, body: Safe,
          data: dict[str, Any], status: int = 200) -> HTMLResponse:  # fmt: skip
    text = render_page(base=_base(request), title=title, json_url=json_url, script=script,
                       body=body, data=data)  # fmt: skip
    return _respond(text, json_url, status)


def _error(request: Request, err: Exception, json_url: str) -> HTMLResponse:
    status = int(getattr(err, "status", 500))
    base = _base(request)
    message, close = str(err), Safe("")
    if isinstance(err, NotFound):
        # The server's catalog path stays private; close matches become links.
        message = err.describe(show_catalog=False)
        close = views.suggestion_list(err.suggestions, base)
    body = render("error.html", base=base, message=message, suggestions=close)
    title = "Not found" if status == 404 else "Cannot show this page"
    return _page(request, title, json_url, "common", body, {"page": "error"}, status)


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request) -> HTMLResponse:
    """Search observations: the page of ``/api/v1/observations`` with the same parameters."""
    base, pairs = _base(request), list(request.query_params.multi_items())
    try:
        twin = search_twin(pairs)
    except PortalInputError as err:
        return _error(request, err, _api(base, "observations"))
    params = request.query_params
    fields = {k: ", ".join(split_values(params.getlist(k)))
              for k in ("program", "target", "instrument", "filters", "obs_id")}  # fmt: skip
    fields |= {k: params.get(k, "") for k in ("ra", "dec", "radius", "t_min", "t_max")}
    size = params.get("page_size", "100")
    body = render(
        "search.html", base=base, **fields,
        level_options=views.options(LEVELS, params.get("calib_level", "")),
        size_options=views.options([(s, s) for s in PAGE_SIZES], size),
    )  # fmt: skip
    json_url = _api(base, "observations", twin)
    return _page(request, "Observations", json_url, "search", body, {"page": "search"})


@router.get("/observations/{obs_id:path}", response_class=HTMLResponse)
def observation_page(obs_id: str, request: Request, state: StateDep) -> HTMLResponse:
    """Show one observation: metadata, members, products grouped by kind with MRP."""
    base = _base(request)
    json_url = _api(base, f"observations/{views.path_segment(obs_id)}")
    try:
        doc = native.observation_doc(obs_id, state)["observation"]
        with state.pool.store() as store:
            shown = previews.observation_previews(store, doc["obs_id"])
            thumbs, thumb_total = previews.member_thumbnails(store, doc["obs_id"])
    except JwlinkError as err:
        return _error(request, err, json_url)
    key = views.path_segment(doc["obs_id"])
    body = render(
        "observation.html", base=base, obs_id=doc["obs_id"],
        meta=views.meta_list(doc, views.OBSERVATION_FIELDS, base),
        members=views.member_table(doc.get("members") or [], base),
        rights=views.rights_badge(doc.get("data_rights"), doc.get("release_date")),
        lineage_url=f"{base}/lineage/{key}",
        products_json=_api(base, f"observations/{key}/products", [("mrp", "true")]),
        mrp_json=_api(base, f"mrp/{key}"),
        lineage_json=_api(base, f"lineage/{key}", [("direction", "both")]),
        kind_options=views.options([("", "all"), ("own", "this observation's own"),
                                    *((k, k) for k in KINDS)], ""),
        size_options=views.options([(s, s) for s in PAGE_SIZES], "100"),
    )  # fmt: skip
    data = {"page": "observation", "obs_id": doc["obs_id"], "calib_level": doc.get("calib_level"),
            "kinds": list(KINDS), "members": len(doc.get("members") or []),
            "previews": shown, "member_thumbnails": thumbs,
            "member_thumbnail_total": thumb_total}  # fmt: skip
    return _page(request, doc["obs_id"], json_url, "observation", body, data)


@router.get("/products/{name:path}", response_class=HTMLResponse)
def product_page(name: str, request: Request, state: StateDep) -> HTMLResponse:
    """Show one product: its metadata and its direct links in and out."""
    base = _base(request)
    json_url = _api(base, f"products/{views.path_segment(name)}")
    try:
        doc = native.product(name, state)
        with state.pool.store() as store:
            shown = previews.product_previews(store, doc["product"]["name"])
    except JwlinkError as err:
        return _error(request, err, json_url)
    item, key = doc["product"], views.path_segment(doc["product"]["name"])
    links = doc.get("links") or {}
    if item.get("product_type") in ("PREVIEW", "THUMBNAIL"):  # a preview shows itself
        keys = ("name", "obs_id", "product_type", "present")
        shown = [{k: item.get(k) for k in keys}]
    owner = item.get("obs_id") or ""
    fields = views.PRODUCT_FIELDS
    stale = views.stale_badge(item.get("stale"))
    if "stale" in item:  # the server has a target CRDS context (jwlink serve --crds-context)
        item["stale"] = "yes: reprocess (see /api/v1/stale)" if item["stale"] else "no"
        fields += (("stale", "Stale under the server's CRDS context"),)
    body = render(
        "product.html", base=base, name=item["name"], obs_id=owner or "—",
        meta=views.meta_list(item, fields, base),
        links=views.link_table(links, base, ancillary.is_ancillary_link),
        engineering=ancillary.engineering_section(links.get("in", []), base),
        guiders=ancillary.guider_section(links.get("in", []), base),
        rights=views.rights_badge(item.get("data_rights"), item.get("release_date")),
        stale=stale,
        lineage_url=f"{base}/lineage/{key}",
        observation_url=f"{base}/observations/{views.path_segment(owner)}" if owner else f"{base}/",
        file_url=_api(base, f"files/{key}"),
    )  # fmt: skip
    data = {"page": "product", "name": item["name"], "data_rights": item.get("data_rights"),
            "program": item.get("program"), "present": item.get("present"),
            "previews": shown}  # fmt: skip
    return _page(request, item["name"], json_url, "product", body, data)


def _lineage_twin(request: Request) -> list[tuple[str, str]]:
    params = request.query_params
    direction = params.get("direction", "both")
    pairs = [("direction", direction if direction in ("up", "down", "both") else "both")]
    pairs += [("kind", k) for k in params.getlist("kind") if k in KINDS]
    depth = params.get("depth", "").strip()
    if depth:
        if not depth.isdigit():
            msg = f"Depth must be a whole number of links, not '{depth}'"
            raise PortalInputError(msg)
        pairs.append(("depth", depth))
    return pairs


def _kind_boxes(chosen: list[str]) -> Safe:
    return Safe("".join(
        f"<label class='kind-box'><input type='checkbox' name='kind' value='{k}'"
        f"{' checked' if k in chosen else ''}> <span class='kind kind-{k}'>{k}</span></label>"
        for k in KINDS
    ))  # fmt: skip


@router.get("/lineage/{name:path}", response_class=HTMLResponse)
def lineage_page(name: str, request: Request, state: StateDep) -> HTMLResponse:
    """Draw the linkage of a product or observation: levels as columns, inline SVG."""
    base, key = _base(request), views.path_segment(name)
    try:
        pairs = _lineage_twin(request)
        json_url = _api(base, f"lineage/{key}", pairs)
        with state.pool.store() as store:
            # clean_text first: PostgreSQL answers a NUL in a bound text with an error, not a miss
            what, resolved = questions.resolve(store, clean_text(name, "name"))
    except (JwlinkError, PortalInputError) as err:
        return _error(request, err, _api(base, f"lineage/{key}"))
    target = "observations" if what == "observation" else "products"
    body = render(
        "lineage.html", base=base, name=name, target_url=f"{base}/{target}/{key}",
        direction_options=views.options(DIRECTIONS, dict(pairs)["direction"]),
        depth=request.query_params.get("depth", ""),
        kind_boxes=_kind_boxes([v for k, v in pairs if k == "kind"]),
    )  # fmt: skip
    data = {"page": "lineage", "name": name, "what": what, "resolved": resolved,
            "graph": graph_settings()}  # fmt: skip
    return _page(request, f"Linkage of {name}", json_url, "lineage", body, data)


@router.get("/basket", response_class=HTMLResponse)
def basket_page(request: Request) -> HTMLResponse:
    """Show the download basket; its twin is the manifest of the basket's selection."""
    base = _base(request)
    pairs = [
        (k, v) for k, v in request.query_params.multi_items() if k in ("obs_id", "name", "mrp")
    ]
    json_url = _api(base, "manifest.json", pairs)
    body = render("basket.html", base=base)
    return _page(request, "Download basket", json_url, "basket", body, {"page": "basket"})


@router.get("/static/{path:path}")
def static(path: str, request: Request) -> Response:
    """Serve the portal's own CSS and JavaScript (package data; nothing from elsewhere)."""
    return static_response(path, request)

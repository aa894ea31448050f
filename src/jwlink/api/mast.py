"""The MAST Portal protocol astroquery.mast speaks (see ``reference/mast-api.md`` §6).

``POST /api/v0/invoke`` answers the Mashup services ``Mast.Caom.Cone``,
``Mast.Caom.Filtered``, ``Mast.Caom.Filtered.Position`` (observations, with
``COUNT_BIG(*)`` counts) and ``Mast.Caom.Products`` (product lists, with
``parent_obsid`` and the MRP flag). Request problems come back as MAST does,
HTTP 200 with ``{"status": "ERROR", "msg": ...}``, which astroquery turns
into a `RemoteServiceError` carrying the message.
"""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from jwlink.api.bodies import BoundedBodyRoute
from jwlink.api.errors import BadRequest
from jwlink.api.mast_columns import (
    COLUMN_CONFIGS,
    PRODUCT_FIELDS,
    fields,
    observation_type,
    product_type,
)
from jwlink.api.state import StateDep, clean_text, read_form
from jwlink.errors import InvalidQuery, JwlinkError, MashupError, NotFound
from jwlink.query import names, questions
from jwlink.query.catalog import OBSERVATION_COLUMNS
from jwlink.query.manylists import MAST_KEYS, observation_ids, product_lists
from jwlink.query.rowjson import ROW_KEYS, RenderedRows
from jwlink.query.search import (
    Cone,
    Criterion,
    ObservationQuery,
    count_observations,
    search_observations,
)
from jwlink.store import SqlStore

__all__ = ["encode", "invoke", "router"]

router = APIRouter(tags=["mast"], route_class=BoundedBodyRoute)

MAX_PAGE_SIZE = 50_000
# Rows the database writes as JSON carry exactly MAST's product columns.
assert ROW_KEYS[:MAST_KEYS] == PRODUCT_FIELDS
_COUNT = "COUNT_BIG(*)"


def _form_body(field: str, description: str) -> dict[str, Any]:
    schema = {
        "type": "object",
        "properties": {field: {"type": "string", "description": description}},
        "required": [field],
    }
    return {
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        }
    }


def _error(message: str) -> dict[str, Any]:
    message = message.encode("utf-8", "backslashreplace").decode()  # echoes may hold surrogates
    return {
        "status": "ERROR",
        "msg": message,
        "ok": False,
        "error": message,
        "errors": [message],
        "fields": [],
        "data": [],
    }


def _paging(page: int, size: int, total: int, rows: int) -> dict[str, int]:
    return {
        "page": page,
        "pageSize": size,
        "pagesFiltered": max(1, math.ceil(total / size)),
        "rows": rows,
        "rowsFiltered": total,
        "rowsTotal": total,
    }


def _json_safe(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()
    }


def _page(request: dict[str, Any]) -> tuple[int, int]:
    try:
        page = int(request.get("page") or 1)
        size = int(request.get("pagesize") or MAX_PAGE_SIZE)
    except (TypeError, ValueError) as err:
        msg = "page and pagesize must be integers"
        raise MashupError(msg) from err
    if not 1 <= page <= 10_000_000 or size < 1:
        msg = "page and pagesize must be 1 or more"
        raise MashupError(msg)
    return page, min(size, MAX_PAGE_SIZE)


def _number(value: Any, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as err:
        msg = f"{what} must be a number, got {value!r}"
        raise MashupError(msg) from err
    if not math.isfinite(number):
        msg = f"{what} must be finite"
        raise MashupError(msg)
    return number


def _criterion(entry: Any) -> Criterion:
    if not isinstance(entry, dict) or not isinstance(entry.get("paramName"), str):
        msg = "each filter needs a paramName"
        raise MashupError(msg)
    column = clean_text(entry["paramName"], "paramName", 64)
    if column not in OBSERVATION_COLUMNS:
        msg = f"Filter '{column}' does not exist"
        raise MashupError(msg)
    values, ranges = [], []
    raw_values = entry.get("values", [])
    if not isinstance(raw_values, list):
        msg = f"values of '{column}' must be a list"
        raise MashupError(msg)
    for value in raw_values:
        if isinstance(value, dict):
            ranges.append(
                (
                    _number(value.get("min"), f"{column} min"),
                    _number(value.get("max"), f"{column} max"),
                )
            )
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            values.append(clean_text(str(value), column))
        else:
            msg = f"unsupported value for '{column}': {value!r}"
            raise MashupError(msg)
    free = entry.get("freeText")
    patterns = (clean_text(free, column),) if isinstance(free, str) and free else ()
    return Criterion(column, tuple(values), patterns, tuple(ranges))


def _position(text: Any) -> Cone:
    parts = str(text).replace(",", " ").split()
    if len(parts) != 3:
        msg = "position must be 'ra, dec, radius' in degrees"
        raise MashupError(msg)
    ra, dec, radius = (_number(p, "position") for p in parts)
    return Cone(ra, dec, radius)


def _observation_query(service: str, params: dict[str, Any]) -> ObservationQuery:
    if service == "Mast.Caom.Cone":
        centre = Cone(*(_number(params.get(k), k) for k in ("ra", "dec", "radius")))
        return ObservationQuery((), centre)
    filters = params.get("filters") or []
    if not isinstance(filters, list):
        msg = "filters must be a list"
        raise MashupError(msg)
    criteria = tuple(_criterion(f) for f in filters)
    cone = _position(params.get("position")) if service.endswith(".Position") else None
    return ObservationQuery(criteria, cone)


def _columns(params: dict[str, Any], positional: bool) -> tuple[str, ...] | None:
    wanted = str(params.get("columns") or "*").strip()
    if wanted == _COUNT:
        return None
    available = (*OBSERVATION_COLUMNS, "objID1", "distance") if positional else OBSERVATION_COLUMNS
    if wanted == "*":
        return available
    chosen = tuple(c.strip() for c in wanted.split(",") if c.strip())
    unknown = [c for c in chosen if c not in available]
    if unknown:
        msg = f"unknown column '{unknown[0]}'"
        raise MashupError(msg)
    return chosen


def _observations(
    store: SqlStore, service: str, params: dict[str, Any], page: int, size: int
) -> dict[str, Any]:
    query = _observation_query(service, params)
    positional = query.cone is not None
    try:
        columns = (
            _columns(params, positional)
            if service != "Mast.Caom.Cone"
            else (*OBSERVATION_COLUMNS, "objID1", "distance")
        )
        if columns is None:
            total = count_observations(store, query)
            return {
                "status": "COMPLETE",
                "msg": "",
                "fields": [{"name": "Column1", "type": "int"}],
                "data": [{"Column1": total}],
                "paging": _paging(1, 1, 1, 1),
            }
        result = search_observations(store, query, page, size)
    except InvalidQuery as err:
        raise MashupError(str(err)) from err
    rows = []
    for row in result.rows:
        if positional:
            row["objID1"] = row["objID"]
        rows.append(_json_safe({c: row.get(c) for c in columns}))
    return {
        "status": "COMPLETE",
        "msg": "",
        "fields": fields(columns, observation_type),
        "data": rows,
        "paging": _paging(page, size, result.total, len(rows)),
    }


def _observations_of(store: SqlStore, obsids: list[str]) -> list[tuple[str, int]]:
    """Return ``(obs_id, obsid)`` for each value in order; a number the catalog lacks is left out.

    MAST wants the numeric Product Group ID; jwlink also takes any name
    `jwlink.query.names` resolves (an obs_id, a product: its owner's list).
    Numbers are looked up together, in one statement per 500.
    """
    numbers = {o: names.obsid_of(o) for o in obsids}
    known = observation_ids(store, [n for n in numbers.values() if n is not None])
    found: list[tuple[str, int]] = []
    for obsid in obsids:
        number = numbers[obsid]
        if number is not None:
            if number in known:  # MAST answers an unknown obsid with nothing
                found.append((known[number], number))
            continue
        try:
            obs_id, text = questions.observation_of(store, obsid)
        except NotFound as err:
            msg = (
                f"obsid must be a numeric Product Group ID (or a name this archive holds): "
                f"{err.describe(show_catalog=False)}"
            )
            raise MashupError(msg) from err
        except InvalidQuery as err:  # a product of no observation
            raise MashupError(str(err)) from err
        found.append((obs_id, int(text)))
    return found


def _products(store: SqlStore, params: dict[str, Any], page: int, size: int) -> dict[str, Any]:
    raw = params.get("obsid")
    if not isinstance(raw, str | int) or isinstance(raw, bool) or not str(raw).strip():
        msg = "Mast.Caom.Products needs obsid (comma-separated Product Group IDs)"
        raise MashupError(msg)
    obsids = [clean_text(o.strip(), "obsid") for o in str(raw).split(",") if o.strip()]
    if len(obsids) > 5000:
        msg = "at most 5000 obsids per request"
        raise MashupError(msg)
    observations = _observations_of(store, obsids)
    # Rows written as JSON by the database (`jwlink.query.rowjson`); a page
    # with a row only Python writes as the API always did is read as dicts.
    lists = product_lists(store, observations, page, size, rendered=True)
    data: list[dict[str, Any]] | RenderedRows
    if lists.rendered is not None and not lists.rendered.odd:
        data = lists.rendered
    else:
        lists = product_lists(store, observations, page, size)
        data = [{c: r.get(c) for c in PRODUCT_FIELDS} for r in lists.rows]
    return {
        "status": "COMPLETE",
        "msg": "",
        "fields": fields(PRODUCT_FIELDS, product_type),
        "data": data,
        "paging": _paging(page, size, lists.total, len(data)),
    }


_OBSERVATION_SERVICES = ("Mast.Caom.Cone", "Mast.Caom.Filtered", "Mast.Caom.Filtered.Position")


def _dispatch(store: SqlStore, text: str) -> dict[str, Any]:
    request = json.loads(text)
    if not isinstance(request, dict):
        msg = "request must be a JSON object"
        raise MashupError(msg)
    service = request.get("service")
    params = request.get("params") or {}
    if not isinstance(params, dict):
        msg = "params must be a JSON object"
        raise MashupError(msg)
    if request.get("format", "json") != "json":
        msg = f"format '{request.get('format')}' is not supported (json only)"
        raise MashupError(msg)
    page, size = _page(request)
    if service in _OBSERVATION_SERVICES:
        return _observations(store, str(service), params, page, size)
    if service == "Mast.Caom.Products":
        return _products(store, params, page, size)
    msg = f"service '{service}' is not offered by this archive"
    raise MashupError(msg)


def invoke(store: SqlStore, text: str) -> dict[str, Any]:
    """Answer one Mashup request (the JSON text of the ``request`` form field).

    Returns
    -------
    dict
        A Mashup response: ``status``, ``msg``, ``fields``, ``data`` and
        ``paging``; ``status`` is ``ERROR`` with a message for requests that
        cannot be answered. ``data`` of a product list may be rows already
        written as JSON (`jwlink.query.rowjson.RenderedRows`): write the
        answer with `encode`.
    """
    try:
        return _dispatch(store, text)
    except json.JSONDecodeError as err:
        return _error(f"request is not JSON: {err.msg}")
    except NotFound as err:
        return _error(err.describe(show_catalog=False))  # the server's catalog path stays private
    except (MashupError, BadRequest) as err:
        return _error(str(err))
    except JwlinkError as err:
        if err.status < 500:
            return _error(str(err))
        raise


def encode(answer: dict[str, Any]) -> bytes:
    """Write a Mashup answer as `JSONResponse` would, rows the database wrote as they are.

    The text is the one ``json.dumps`` gives for the same rows as dicts; a
    page is tens of megabytes, so its pieces are joined once.
    """
    pieces = ["{"]
    for key, value in answer.items():
        pieces.append(("," if len(pieces) > 1 else "") + _dumps(key) + ":")
        if isinstance(value, RenderedRows):
            pieces += ["[", ",".join(value.texts), "]"]
        else:
            pieces.append(_dumps(value))
    pieces.append("}")
    return "".join(pieces).encode()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


@router.post("/api/v0/invoke", openapi_extra=_form_body("request", "Mashup request, JSON"))
async def invoke_endpoint(request: Request, state: StateDep) -> Response:
    """MAST's Mashup service endpoint (form field ``request`` holds the JSON request)."""
    form = dict(await read_form(request, state))
    text = form.get("request")
    if text is None:
        return JSONResponse(_error("form field 'request' is missing"))

    def run() -> bytes:
        with state.pool.store() as store:
            return encode(invoke(store, text))

    # Written in the worker thread too: a page of 50,000 rows is megabytes.
    return Response(await run_in_threadpool(run), media_type="application/json")


@router.post(
    "/portal/Mashup/Mashup.asmx/columnsconfig",
    openapi_extra=_form_body("colConfigId", "Mast.Caom.Cone or Mast.Caom.Products"),
)
async def columns_config(request: Request, state: StateDep) -> JSONResponse:
    """Column metadata of a Mashup service, keyed by column name."""
    form = dict(await read_form(request, state))
    name = form.get("colConfigId", "")
    if name not in COLUMN_CONFIGS:
        raise NotFound(clean_text(name, "colConfigId"))
    return JSONResponse(COLUMN_CONFIGS[name])


@router.get("/whoami")
def whoami(request: Request, state: StateDep) -> dict[str, Any]:
    """Who the caller is, as MAST answers it (astroquery's ``login`` checks ``anon``)."""
    principal, _ = state.principal(request)
    if principal is None:
        return {"anon": True, "attrib": {}, "eppn": "", "ezid": "anonymous"}
    return {
        "anon": False,
        "attrib": {"display_name": principal.name},
        "eppn": principal.name,
        "ezid": principal.name,
        "programs": sorted(principal.programs),
    }

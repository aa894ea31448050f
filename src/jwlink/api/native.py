"""The native JSON API under ``/api/v1/``: the ``jwlink`` commands over HTTP.

Every answer is the JSON document the matching command prints with
``--json``; every failure is the one error envelope (see `jwlink.api.errors`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from jwlink.api import stale
from jwlink.api.bodies import BoundedBodyRoute
from jwlink.api.completeness import completeness
from jwlink.api.errors import BadRequest, WrongKind
from jwlink.api.state import StateDep, clean_text
from jwlink.core.model import Kind
from jwlink.query import questions
from jwlink.query.catalog import Catalog
from jwlink.query.listjson import product_list_json
from jwlink.query.prov import to_prov_json
from jwlink.query.questions import ProductFilters
from jwlink.query.search import Cone, Criterion, ObservationQuery, search_observations

__all__ = ["observation_doc", "router"]

router = APIRouter(prefix="/api/v1", tags=["jwlink"], route_class=BoundedBodyRoute)

KindName = Literal[
    "prerequisite",
    "antecedent",
    "composition",
    "multiplicity",
    "calibration",
    "aggregation",
    "linked",
    "contributing",
]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Texts = Annotated[list[Annotated[str, Field(max_length=256)]], Query(max_length=100)]
assert set(KindName.__args__) == {k.value for k in Kind}  # type: ignore[attr-defined]


def _json(doc: dict[str, Any]) -> JSONResponse:
    # Answers of thousands of rows: FastAPI would walk each value of a
    # returned dict (jsonable_encoder, about 9 times json.dumps's time); these
    # hold only JSON's own types, so they are written as they are.
    return JSONResponse(doc)


def _texts(values: list[str], what: str) -> tuple[str, ...]:
    return tuple(clean_text(v, what) for v in values if v.strip())


def _split_wildcards(column: str, values: tuple[str, ...], prefix: bool = False) -> Criterion:
    exact = tuple(v for v in values if "*" not in v and "%" not in v)
    patterns = tuple(v for v in values if v not in exact)
    if prefix:  # "NIRCAM" also means "NIRCAM/IMAGE", "NIRCAM/CORON", ...
        patterns += tuple(f"{v}/*" for v in exact)
    return Criterion(column, values=exact, patterns=patterns)


@router.get("/observations")
def observations(
    state: StateDep,
    program: Texts = [],  # noqa: B006 - FastAPI copies defaults
    instrument: Texts = [],  # noqa: B006
    filters: Texts = [],  # noqa: B006
    target: Texts = [],  # noqa: B006
    obs_id: Texts = [],  # noqa: B006
    calib_level: Annotated[list[Annotated[int, Field(ge=-1, le=4)]], Query(max_length=10)] = [],  # noqa: B006
    ra: Annotated[Finite | None, Query(ge=0, lt=360, description="Cone centre, degrees")] = None,
    dec: Annotated[Finite | None, Query(ge=-90, le=90)] = None,
    radius: Annotated[
        Finite | None, Query(gt=0, le=180, description="Cone radius, degrees")
    ] = None,
    t_min: Annotated[Finite | None, Query(description="Ending at or after (MJD)")] = None,
    t_max: Annotated[Finite | None, Query(description="Starting at or before (MJD)")] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> dict[str, Any]:
    """Search observations by program, instrument, filters, target, level, cone and time.

    Repeated values of one parameter are alternatives; parameters combine.
    ``instrument=NIRCAM`` matches every NIRCam mode; ``*`` is a wildcard in
    instrument, target and obs_id. A cone needs ``ra``, ``dec`` and ``radius``.
    """
    criteria = []
    if program:
        criteria.append(Criterion("proposal_id", values=_texts(program, "program")))
    if instrument:
        criteria.append(_split_wildcards("instrument_name", _texts(instrument, "instrument"), True))
    if filters:
        criteria.append(Criterion("filters", values=_texts(filters, "filters")))
    if target:
        criteria.append(_split_wildcards("target_name", _texts(target, "target")))
    if obs_id:
        criteria.append(_split_wildcards("obs_id", _texts(obs_id, "obs_id")))
    if calib_level:
        criteria.append(Criterion("calib_level", values=tuple(str(v) for v in calib_level)))
    if t_min is not None:
        criteria.append(Criterion("t_max", ranges=((t_min, None),)))
    if t_max is not None:
        criteria.append(Criterion("t_min", ranges=((None, t_max),)))
    cone = None
    given = [v is not None for v in (ra, dec, radius)]
    if any(given) and not all(given):
        msg = "A cone search needs ra, dec and radius (degrees)"
        raise BadRequest(msg)
    if ra is not None and dec is not None and radius is not None:
        cone = Cone(ra, dec, radius)
    with state.pool.store() as store:
        result = search_observations(
            store, ObservationQuery(tuple(criteria), cone), page, page_size
        )
    return result.as_dict()


def _observation_key(store: Any, key: str) -> str:
    """Return the obs_id a name stands for (any form `names` resolves; a product: its owner)."""
    obs_id, _ = questions.observation_of(store, key)
    return obs_id


# Paths, so a name holding slashes (a URI, a path to a file) reaches the handler;
# the product list is matched before the detail would take "<name>/products".
@router.get("/observations/{obs_id:path}/products")
def products(
    obs_id: str,
    state: StateDep,
    level: Texts = [],  # noqa: B006
    type: Texts = [],  # noqa: A002, B006 - the MAST column is productType
    suffix: Texts = [],  # noqa: B006
    kind: Annotated[list[KindName | Literal["own"]], Query(max_length=10)] = [],  # noqa: B006
    extension: Texts = [],  # noqa: B006
    mrp: bool = False,
    all_duplicates: bool = False,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Response:
    """MAST-style product list of an observation (Level 3: with its members' products).

    Rows carry MAST's columns (``productGroupDescription`` marks MRP) plus
    ``sha256``, ``kind``, ``role``, ``present``, ``level`` and ``suffix``.
    """
    filters = ProductFilters(
        levels=_texts(level, "level") or None,
        product_types=tuple(t.upper() for t in _texts(type, "type")) or None,
        suffixes=_texts(suffix, "suffix") or None,
        kinds=tuple(kind) or None,
        extensions=_texts(extension, "extension") or None,
        mrp_only=mrp,
    )
    with state.pool.store() as store:
        key = _observation_key(store, clean_text(obs_id, "obs_id"))
        # Rows written as JSON by the database: for thousands of rows, dicts
        # and json.dumps cost more than the reading. None: a row only Python writes.
        doc = product_list_json(store, key, filters, all_duplicates, page, page_size)
        if doc is None:
            result = questions.product_list(store, key, filters, all_duplicates, page, page_size)
            stale.mark(state, store, result.rows, "productFilename")
            return _json(result.as_dict())
        flags = [{"productFilename": name} for name in doc.rows.names]
        stale.mark(state, store, flags, "productFilename")
        if flags and "stale" in flags[0]:  # the server has a target CRDS context
            doc.rows.add("stale", [f["stale"] for f in flags])
    return Response(doc.text().encode(), media_type="application/json")


@router.get("/observations/{obs_id:path}")
def observation(obs_id: str, state: StateDep) -> JSONResponse:
    """One observation (by obs_id, association product name or numeric obsid) with its members."""
    return _json(observation_doc(obs_id, state))


def observation_doc(obs_id: str, state: StateDep) -> dict[str, Any]:
    """Return the `observation` answer as a dict (the portal's page shows the same)."""
    with state.pool.store() as store:
        catalog = Catalog(store=store)
        what, key = catalog.resolve(clean_text(obs_id, "obs_id"))
        if what != "observation":
            msg = f"'{obs_id}' is a product, not an observation: see /api/v1/products/{key}"
            raise WrongKind(msg)
        return {"observation": catalog.observation(key)}


@router.get("/products/{name:path}")
def product(name: str, state: StateDep) -> dict[str, Any]:
    """One product with its direct links in and out."""
    with state.pool.store() as store:
        catalog = Catalog(store=store)
        what, key = catalog.resolve(clean_text(name, "name"))
        if what != "product":
            msg = f"'{name}' is an observation, not a product: see /api/v1/observations/{key}"
            raise WrongKind(msg)
        doc = catalog.show(key)
        stale.mark(state, store, [doc["product"]], "name")
    doc["product"].pop("location", None)  # server paths stay private
    return doc


@router.get("/lineage/{name:path}")
def lineage(
    name: str,
    state: StateDep,
    direction: Literal["up", "down", "both"] = "up",
    kind: Annotated[list[KindName], Query(max_length=10)] = [],  # noqa: B006
    depth: Annotated[int | None, Query(ge=0, le=1000)] = None,
    format: Literal["json", "prov-json"] = "json",  # noqa: A002
) -> JSONResponse:
    """Return the linkage subgraph around a product or observation (JSON or PROV-JSON)."""
    with state.pool.store() as store:
        result = questions.lineage(store, clean_text(name, "name"), direction, kind, depth)
    return _json(to_prov_json(result) if format == "prov-json" else result.as_dict())


@router.get("/mrp/{obs_id:path}")
def mrp(obs_id: str, state: StateDep) -> dict[str, Any]:
    """Return the minimum recommended products of an observation, each decision explained."""
    with state.pool.store() as store:
        key = _observation_key(store, clean_text(obs_id, "obs_id"))
        return questions.mrp(store, key).as_dict()


@router.get("/impact/{name:path}")
def impact(name: str, state: StateDep) -> dict[str, Any]:
    """Every product downstream of a file (a reference file, or any product), transitively."""
    with state.pool.store() as store:
        return questions.impact(store, clean_text(name, "name")).as_dict()


@router.post("/completeness")
def completeness_check(
    request: Request,
    state: StateDep,
    names: Annotated[
        list[Annotated[str, Field(max_length=1024)]],
        Body(max_length=100_000, description="File names the caller holds"),
    ],
) -> dict[str, Any]:
    """Say what these files hold and miss, as ``jwlink check`` says it of a folder of them."""
    held = [clean_text(n, "file name") for n in names]
    principal, _ = state.principal(request)
    with state.pool.store() as store:
        return completeness(store, held, state.data_root, principal)

"""Observation search: MAST-style criteria and cone searches as SQL with bound parameters.

A query is a set of `Criterion` (one per MAST column, values OR-ed, columns
AND-ed) and an optional `Cone`. Column names come from the fixed table
`SEARCH_COLUMNS`; caller text only ever travels as a bound parameter. Cone
searches select a bounding box in SQL and keep the rows inside the circle
in Python, which works the same on SQLite (no math functions needed) and
PostgreSQL.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from jwlink.errors import InvalidQuery
from jwlink.query.rights import RELEASE_PARAMS, RELEASE_SQL, RIGHTS_PARAMS, RIGHTS_SQL, now_params
from jwlink.store import SqlStore

__all__ = [
    "OBSERVATION_COLUMNS",
    "SEARCH_COLUMNS",
    "Cone",
    "Criterion",
    "ObservationQuery",
    "SearchResult",
    "count_observations",
    "mast_observation",
    "search_observations",
]

# MAST observation columns (Mast.Caom.Cone / Filtered), in MAST's order
# (mast-api.md §3). Columns jwlink has no value for are returned empty.
OBSERVATION_COLUMNS = (
    "intentType", "obs_collection", "provenance_name", "instrument_name", "project", "filters",
    "wavelength_region", "target_name", "target_classification", "obs_id", "s_ra", "s_dec",
    "dataproduct_type", "proposal_pi", "calib_level", "t_min", "t_max", "t_exptime", "em_min",
    "em_max", "obs_title", "t_obs_release", "proposal_id", "proposal_type", "sequence_number",
    "s_region", "jpegURL", "dataURL", "dataRights", "mtFlag", "srcDen", "obsid", "objID",
)  # fmt: skip

# MAST observation column -> (SQL expression over `observations`, how values compare).
# text: case-insensitive equality; list: ';'-separated elements (filters);
# program: digits without leading zeros; int/id: integers; float: ranges;
# none: jwlink holds no value, so nothing matches.
SEARCH_COLUMNS: dict[str, tuple[str, str]] = {
    "obs_collection": ("obs_collection", "text"),
    "provenance_name": ("'CALJWST'", "text"),
    "project": ("'JWST'", "text"),
    "instrument_name": ("instrument_name", "text"),
    "filters": ("filters", "list"),
    "target_name": ("target_name", "text"),
    "obs_id": ("obs_id", "text"),
    "dataproduct_type": ("dataproduct_type", "text"),
    # Observations no evidence called calibration are science (MAST's default).
    "intentType": ("COALESCE(intent_type, 'science')", "text"),
    # As listed: the observation's products decide (jwlink.query.rights; '?' is the current time).
    "dataRights": (RIGHTS_SQL, "rights"),
    "proposal_id": ("LTRIM(program, '0')", "program"),
    "calib_level": ("calib_level", "int"),
    "obsid": ("obsid", "id"),
    "objID": ("obsid", "id"),
    "s_ra": ("s_ra", "float"),
    "s_dec": ("s_dec", "float"),
    "t_min": ("t_min", "float"),
    "t_max": ("t_max", "float"),
    "t_exptime": ("t_exptime", "float"),
}
# Integers beyond these would overflow the database's 64-bit columns.
_INT_LIMIT = 2**63
OBS_FIELDS: tuple[str, ...] = (
    "obs_id",
    "obsid",
    "obs_collection",
    "calib_level",
    "program",
    "instrument_name",
    "filters",
    "target_name",
    "intent_type",
    "dataproduct_type",
    "s_ra",
    "s_dec",
    "t_min",
    "t_max",
    "t_exptime",
)
# The rights and release date follow the observation's products (jwlink.query.rights);
# the SELECT's own parameters (the current time) come before the WHERE's.
OBS_SELECT = f"SELECT {', '.join(OBS_FIELDS)}, {RIGHTS_SQL}, {RELEASE_SQL} FROM observations"
OBS_FIELDS += ("data_rights", "release_date")


def obs_select_params() -> list[Any]:
    """Return the parameters of `OBS_SELECT` itself (the current time, for release dates)."""
    return now_params(RIGHTS_PARAMS + RELEASE_PARAMS)


@dataclass(frozen=True)
class Criterion:
    """One column's filter: exact values, wildcard patterns and ranges, OR-ed together.

    ``patterns`` use ``*`` or ``%`` as wildcards (MAST's ``freeText``);
    ``ranges`` are ``(low, high)`` pairs, either end None for open.
    """

    column: str
    values: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    ranges: tuple[tuple[float | None, float | None], ...] = ()


@dataclass(frozen=True)
class Cone:
    """A circle on the sky: centre and radius in degrees (ICRS)."""

    ra: float
    dec: float
    radius: float


@dataclass(frozen=True)
class ObservationQuery:
    """Criteria AND-ed together, and an optional cone."""

    criteria: tuple[Criterion, ...] = ()
    cone: Cone | None = None


@dataclass
class SearchResult:
    """One page of matching observations (MAST columns) and the total count."""

    total: int
    page: int
    page_size: int
    rows: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON form: ``{"observations": [...], "total", "page", "page_size"}``."""
        return {
            "observations": self.rows,
            "total": self.total,
            "page": self.page,
            "page_size": self.page_size,
        }


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("_", "\\_")


def _pattern(text: str) -> str:
    # '*' and '%' are the user's wildcards; '_' is a literal in JWST names.
    return _like_escape(text).replace("*", "%")


def _int(text: str, low: int, high: int) -> int | None:
    try:
        value = int(str(text).strip())
    except ValueError:
        return None
    return value if low <= value < high else None


def _finite(value: float | None, what: str) -> float | None:
    if value is None:
        return None
    number = float(value)
    if not math.isfinite(number):
        msg = f"{what} must be a finite number, got {value!r}"
        raise InvalidQuery(msg)
    return number


def _text_terms(expr: str, kind: str, c: Criterion) -> tuple[list[str], list[Any]]:
    terms: list[str] = []
    params: list[Any] = []
    for value in c.values:
        if kind == "list":
            terms.append(f"(';' || LOWER(COALESCE({expr}, '')) || ';') LIKE ? ESCAPE '\\'")
            params.append(f"%;{_like_escape(value.lower())};%")
        elif kind == "program":
            terms.append(f"{expr} = ?")
            params.append(value.strip().lstrip("0"))
        else:
            terms.append(f"LOWER({expr}) = ?")
            params += [*now_params(expr.count("?")), value.strip().lower()]
    for pattern in c.patterns:
        terms.append(f"LOWER({expr}) LIKE ? ESCAPE '\\'")
        params += now_params(expr.count("?"))
        params.append(
            _pattern(pattern.lower().lstrip("0") if kind == "program" else pattern.lower())
        )
    return terms, params


def _number_terms(expr: str, kind: str, c: Criterion) -> tuple[list[str], list[Any]]:
    terms: list[str] = []
    params: list[Any] = []
    low_limit, high_limit = (-(2**31), 2**31) if kind == "int" else (0, _INT_LIMIT)
    for value in c.values:
        if kind == "float":
            msg = f"column '{c.column}' is continuous: give ranges, not values"
            raise InvalidQuery(msg)
        number = _int(value, low_limit, high_limit)
        if number is not None:
            terms.append(f"{expr} = ?")
            params.append(number)
    if c.patterns:
        msg = f"column '{c.column}' is numeric: wildcards do not apply"
        raise InvalidQuery(msg)
    for low, high in c.ranges:
        low, high = _finite(low, c.column), _finite(high, c.column)
        if low is not None and high is not None and low > high:
            low, high = high, low
        parts = ([f"{expr} >= ?"] if low is not None else []) + (
            [f"{expr} <= ?"] if high is not None else []
        )
        terms.append("(" + " AND ".join(parts) + ")" if parts else f"{expr} IS NOT NULL")
        params += [v for v in (low, high) if v is not None]
    return terms, params


def _criterion_sql(c: Criterion) -> tuple[str, list[Any]]:
    if c.column not in SEARCH_COLUMNS:
        if c.column in OBSERVATION_COLUMNS:
            return "1 = 0", []  # a MAST column jwlink holds no value for
        msg = f"unknown observation column '{c.column}'"
        raise InvalidQuery(msg)
    expr, kind = SEARCH_COLUMNS[c.column]
    if kind in ("int", "id", "float"):
        terms, params = _number_terms(expr, kind, c)
    else:
        if c.ranges:
            msg = f"column '{c.column}' is not numeric: ranges do not apply"
            raise InvalidQuery(msg)
        terms, params = _text_terms(expr, kind, c)
    if not terms:
        return "1 = 0", []
    return "(" + " OR ".join(terms) + ")", params


def _cone_box(cone: Cone) -> tuple[str, list[Any]]:
    """Return SQL for a box around the cone: cheap in SQL; the exact test follows in Python."""
    low_dec, high_dec = cone.dec - cone.radius, cone.dec + cone.radius
    terms, params = ["s_dec >= ?", "s_dec <= ?", "s_ra IS NOT NULL"], [low_dec, high_dec]
    if high_dec < 90 and low_dec > -90:
        widest = max(abs(low_dec), abs(high_dec))
        half = cone.radius / math.cos(math.radians(widest))
        if half < 180:
            low, high = cone.ra - half, cone.ra + half
            if low < 0:
                terms.append("(s_ra >= ? OR s_ra <= ?)")
                params += [low + 360, high]
            elif high >= 360:
                terms.append("(s_ra >= ? OR s_ra <= ?)")
                params += [low, high - 360]
            else:
                terms.append("s_ra >= ? AND s_ra <= ?")
                params += [low, high]
    return " AND ".join(terms), params


def separation(ra1: float, dec1: float, ra2: float, dec2: float) -> float:
    """Angular distance in degrees between two sky positions (haversine)."""
    p1, p2 = math.radians(dec1), math.radians(dec2)
    dp, dl = p2 - p1, math.radians(ra2 - ra1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return math.degrees(2 * math.asin(min(1.0, math.sqrt(h))))


def _check_cone(cone: Cone) -> Cone:
    ra, dec, radius = (
        _finite(v, n) for v, n in ((cone.ra, "ra"), (cone.dec, "dec"), (cone.radius, "radius"))
    )
    assert ra is not None and dec is not None and radius is not None
    if not -90 <= dec <= 90:
        msg = f"dec must lie in [-90, 90], got {dec}"
        raise InvalidQuery(msg)
    if not 0 < radius <= 180:
        msg = f"radius must lie in (0, 180] degrees, got {radius}"
        raise InvalidQuery(msg)
    return Cone(ra % 360, dec, radius)


def _where(query: ObservationQuery) -> tuple[str, list[Any], Cone | None]:
    clauses, params = [], []
    for criterion in query.criteria:
        sql, p = _criterion_sql(criterion)
        clauses.append(sql)
        params += p
    cone = _check_cone(query.cone) if query.cone is not None else None
    if cone is not None:
        sql, p = _cone_box(cone)
        clauses.append(sql)
        params += p
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params, cone


def mast_observation(raw: Sequence[Any]) -> dict[str, Any]:
    """Shape one row of the observations table into MAST's observation columns."""
    row = dict(zip(OBS_FIELDS, raw, strict=True))
    values: dict[str, Any] = {column: None for column in OBSERVATION_COLUMNS}
    program = row["program"]
    values.update(
        intentType=row["intent_type"] or "science",
        obs_collection=row["obs_collection"],
        provenance_name="CALJWST",
        instrument_name=row["instrument_name"],
        project="JWST",
        filters=row["filters"],
        target_name=row["target_name"],
        obs_id=row["obs_id"],
        s_ra=row["s_ra"],
        s_dec=row["s_dec"],
        dataproduct_type=row["dataproduct_type"],
        calib_level=row["calib_level"],
        t_min=row["t_min"],
        t_max=row["t_max"],
        t_exptime=row["t_exptime"],
        t_obs_release=row["release_date"],
        proposal_id=str(int(program)) if program and program.isdigit() else program,
        dataRights=row["data_rights"],
        mtFlag=False,
        obsid=str(row["obsid"]),
        objID=str(row["obsid"]),
    )
    return values


def _in_cone(store: SqlStore, sql: str, params: list[Any], cone: Cone) -> list[dict[str, Any]]:
    hits = []
    for raw in store.execute(sql, params):
        row = mast_observation(raw)
        distance = separation(cone.ra, cone.dec, row["s_ra"], row["s_dec"])
        if distance <= cone.radius:
            row["distance"] = distance * 60.0  # arcmin, as MAST reports it
            hits.append(row)
    hits.sort(key=lambda r: (r["distance"], r["obs_id"]))
    return hits


def search_observations(
    store: SqlStore, query: ObservationQuery, page: int = 1, page_size: int = 100
) -> SearchResult:
    """Return one page of the observations matching a query.

    Parameters
    ----------
    store : SqlStore
        The catalog (read-only is fine).
    query : ObservationQuery
        Criteria and an optional cone.
    page, page_size : int
        1-based page number and rows per page.

    Returns
    -------
    SearchResult
        MAST observation columns (plus ``distance`` in arcmin for cones),
        ordered by obs_id, or by distance for a cone.

    Raises
    ------
    InvalidQuery
        An unknown column, a value of the wrong kind, a bad cone or page.
    """
    if page < 1 or page_size < 1:
        msg = f"page and page_size must be 1 or more, got {page} and {page_size}"
        raise InvalidQuery(msg)
    where, params, cone = _where(query)
    start = (page - 1) * page_size
    if cone is not None:
        hits = _in_cone(store, OBS_SELECT + where, [*obs_select_params(), *params], cone)
        return SearchResult(len(hits), page, page_size, hits[start : start + page_size])
    total = store.execute("SELECT COUNT(*) FROM observations" + where, params)[0][0]
    sql = OBS_SELECT + where + " ORDER BY obs_id LIMIT ? OFFSET ?"
    raw = store.execute(sql, [*obs_select_params(), *params, page_size, start])
    rows = [mast_observation(r) for r in raw]
    return SearchResult(int(total), page, page_size, rows)


def count_observations(store: SqlStore, query: ObservationQuery) -> int:
    """Return how many observations match a query (see `search_observations`)."""
    where, params, cone = _where(query)
    if cone is not None:
        return len(_in_cone(store, OBS_SELECT + where, [*obs_select_params(), *params], cone))
    return int(store.execute("SELECT COUNT(*) FROM observations" + where, params)[0][0])

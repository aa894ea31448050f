"""The questions users come for, answered from a store: lists, lineage, MRP, impact."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from jwlink.core.mrp import MRP_RULE_IDS, RULES, explain
from jwlink.errors import InvalidQuery
from jwlink.query import names, programpage
from jwlink.query.lineage import DIRECTIONS, Lineage, check_kinds, impact_sql, lineage_sql
from jwlink.query.productlist import (
    MRP_LABEL,
    ListedRow,
    ProductList,
    list_rule_case,
    listed_row,
    mast_row,
    product_list_sql,
    sort_key,
)
from jwlink.store import SqlStore
from jwlink.store.chunks import chunked, marks
from jwlink.store.listings import policy_is_current

__all__ = ["Impact", "MrpResult", "ProductFilters", "impact", "lineage", "mrp",
           "inherit_rights", "listing_is_stored", "mrp_is_kept", "observation_of", "planned",
           "product_list", "program_product_list", "program_rights", "resolve"]  # fmt: skip


def resolve(store: SqlStore, name: str) -> tuple[str, str]:
    """Say what a name is: ``("product", name)`` or ``("observation", obs_id)``.

    Every form a user holds resolves (see `jwlink.query.names`): a file name, a
    path to the file, a ``mast:JWST/product/`` or ``crds://`` URI, an obs_id
    or association product name (placeholders included) in any case and with
    blanks around it, a numeric MAST obsid.

    Raises
    ------
    NotFound
        Nothing in the catalog answers to the name (with close matches).
    """
    return names.resolve(store, name)


def observation_of(store: SqlStore, name: str) -> tuple[str, str]:
    """Return ``(obs_id, obsid)`` of the observation a name stands for.

    Any name `resolve` takes; a product stands for the observation that owns it.

    Raises
    ------
    NotFound
        Nothing answers to the name (with close matches).
    InvalidQuery
        The name is a product no observation owns (a pool, a reference file).
    """
    what, key = resolve(store, name)
    if what == "product":
        owner = store.execute("SELECT obs_id FROM products WHERE name = ?", (key,))[0][0]
        if owner is None:
            msg = f"'{name}' is a product of no observation: it has no product list"
            raise InvalidQuery(msg)
        key = owner
    obsid = store.execute("SELECT obsid FROM observations WHERE obs_id = ?", (key,))
    if not obsid:
        raise names.not_found(store, name)
    return key, str(obsid[0][0])


@dataclass(frozen=True)
class ProductFilters:
    """Server-side filters of a product list; ``None`` means "any"."""

    levels: tuple[str, ...] | None = None
    product_types: tuple[str, ...] | None = None
    suffixes: tuple[str, ...] | None = None
    kinds: tuple[str, ...] | None = None
    extensions: tuple[str, ...] | None = None
    mrp_only: bool = False

    def sql(self) -> tuple[str, list[Any]]:
        """Return the filters as a SQL condition over a product list's columns, and its values."""
        conds: list[str] = []
        params: list[Any] = []

        def among(expr: str, values: Sequence[str]) -> str:
            params.extend(values)
            return f"{expr} IN ({marks(len(values))})"

        if self.levels is not None:
            conds.append(f"({among('level', self.levels)} OR "
                         f"{among('CAST(calib_level AS TEXT)', self.levels)})")  # fmt: skip
        if self.product_types is not None:
            conds.append(among("product_type", self.product_types))
        if self.suffixes is not None:
            conds.append(among("suffix", self.suffixes))
        if self.kinds is not None:
            conds.append(among("COALESCE(kind, 'own')", self.kinds))
        if self.extensions is not None:
            likes = []
            for ext in self.extensions:
                escaped = ext.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                params.append(f"%{escaped}")
                likes.append("lower(name) LIKE ? ESCAPE '\\'")
            conds.append(f"({' OR '.join(likes)})")
        if self.mrp_only:
            conds.append(among("rule", sorted(MRP_RULE_IDS)))
        return " AND ".join(conds) or "1 = 1", params

    def keep(self, row: dict[str, Any]) -> bool:
        """Whether a row passes every filter."""
        level_ok = self.levels is None or (
            row["level"] in self.levels or str(row["calib_level"]) in self.levels
        )
        kind = row["kind"] or "own"
        name = row["productFilename"].lower()
        return (
            level_ok
            and (self.product_types is None or row["productType"] in self.product_types)
            and (self.suffixes is None or row["suffix"] in self.suffixes)
            and (self.kinds is None or kind in self.kinds)
            and (
                self.extensions is None or name.endswith(tuple(e.lower() for e in self.extensions))
            )
            and (not self.mrp_only or row["productGroupDescription"] == MRP_LABEL)
        )


def product_list(
    store: SqlStore,
    name: str,
    filters: ProductFilters | None = None,
    all_duplicates: bool = False,
    page: int = 1,
    page_size: int | None = None,
) -> ProductList:
    """Return an observation's MAST-style product list.

    Parameters
    ----------
    store : SqlStore
        The catalog.
    name : str
        An observation id, association product name, or a product (its owner's list).
    filters : ProductFilters, optional
        Level, product type, suffix, kind, extension and MRP filters.
    all_duplicates : bool
        List a file once per path that reaches it, as MAST does.
    page, page_size : int
        1-based page of ``page_size`` rows (all rows when ``page_size`` is None).

    Returns
    -------
    ProductList
        Rows with MAST's columns (``productGroupDescription`` marks MRP) plus
        ``sha256``, ``kind``, ``role`` and ``present``.
    """
    with store.snapshot():
        obs_id, obsid = observation_of(store, name)
        rule_case, rule_params = list_rule_case(store, obs_id)
        where, where_params = (filters or ProductFilters()).sql()
        paged = page_size is not None
        stored = listing_is_stored(store, obs_id)
        kept = mrp_is_kept(store, filters, stored)
        sql = product_list_sql(
            all_duplicates, rule_case, where, store.collate, paged, stored, mrp_kept=kept
        )
        params = [obs_id, *rule_params, *where_params]
        if page_size is not None:
            params += [page_size, (page - 1) * page_size]
        with planned(store, stored):
            listed = [listed_row(r) for r in store.execute(sql, params)]
        total = listed[0].total if listed else 0
        # Past the end of a paged list: the count still says how many there
        # are. (Unpaged, the page is ignored and an empty answer counts 0.)
        if not listed and page > 1 and page_size is not None:
            count_sql = product_list_sql(
                all_duplicates, rule_case, where, store.collate, True, stored, mrp_kept=kept
            )
            probe = [listed_row(r) for r in store.execute(count_sql, [*params[:-2], 1, 0])]
            total = probe[0].total if probe else 0
    result = ProductList(obs_id=obs_id, obsid=obsid, total=total, page=page, page_size=page_size)
    result.rows = [_listed_row(r, obsid) for r in listed]
    inherit_rights(store, result.rows)
    return result


def planned(store: SqlStore, stored: bool) -> AbstractContextManager[None]:
    """Plan a kept list's read by its keys (`SqlStore.keyed`), a computed one freely.

    A kept list is a range of ``listings`` whose every product and
    observation is found by key. At 1M products PostgreSQL reckoned each
    list 12,867 rows long (the mosaics skew the statistics) and hashed the
    whole ``observations`` table for a list of 15: `mrp` p50 62 ms.
    """
    return store.keyed() if stored else nullcontext()


def listing_is_stored(store: SqlStore, obs_id: str) -> bool:
    """Whether the catalog keeps an up-to-date list of the observation (not queued)."""
    return not store.execute("SELECT 1 FROM listing_queue WHERE obs_id = ?", (obs_id,))


def mrp_is_kept(store: SqlStore, filters: ProductFilters | None, stored: bool) -> bool:
    """Whether a page of MRP rows only may read a stored list's MRP flags (`product_list_sql`).

    For a list that is stored (`listing_is_stored`), a filter keeping MRP
    rows only, and flags this policy decided
    (`jwlink.store.listings.policy_is_current`): then the page reads the
    rows its index says are MRP instead of deciding every row of the list.
    """
    return stored and filters is not None and filters.mrp_only and policy_is_current(store)


def inherit_rights(store: SqlStore, rows: Sequence[dict[str, Any]]) -> None:
    """Give rows that carry no rights their program's, else PUBLIC (as downloads decide)."""
    programs: dict[str, str | None] = {}
    for row in rows:
        if row["dataRights"] is not None:
            continue
        program = row["proposal_id"].zfill(5) if row["proposal_id"] else ""
        if program and program not in programs:
            programs[program] = program_rights(store, program)[0]
        row["dataRights"] = programs.get(program) or "PUBLIC"


def _listed_row(listed: ListedRow, obsid: str) -> dict[str, Any]:
    row = mast_row(listed, obsid)
    row["productGroupDescription"] = MRP_LABEL if listed.rule in MRP_RULE_IDS else ""
    row.pop("brought_in")
    row.pop("location")
    return row


_EXCLUSIVE = "UPPER(data_rights) IN ('EXCLUSIVE_ACCESS', 'RESTRICTED', 'PROPRIETARY')"
# Three index seeks (migration 0003's partial index), not a count of the
# program's exclusive products: this runs on every product list.
_PROGRAM_RIGHTS_SQL = (
    f"SELECT data_rights FROM products WHERE program = ? AND {_EXCLUSIVE} LIMIT 1",
    f"SELECT 1 FROM products WHERE program = ? AND {_EXCLUSIVE} AND release_date IS NULL LIMIT 1",
    f"SELECT MAX(release_date) FROM products WHERE program = ? AND {_EXCLUSIVE}",
)


def program_rights(store: SqlStore, program: str) -> tuple[str | None, str | None]:
    """Return (rights, release date) of a program's exclusive products, or (None, None).

    A product whose own row and observation say nothing of its rights (a pool,
    an association file) takes its program's: listings and downloads agree.

    The latest release date wins; an exclusive product without one keeps the
    whole program exclusive (no date at all). The rights are any exclusive
    product's (all three values restrict alike).
    """
    any_rights, undated, latest = (store.execute(sql, (program,)) for sql in _PROGRAM_RIGHTS_SQL)
    if not any_rights:
        return None, None
    return str(any_rights[0][0]), (None if undated or latest[0][0] is None else str(latest[0][0]))


_PROGRAM_SQL = (
    "SELECT p.name, p.obs_id, NULL, NULL, 0, {fields}, o.obsid, o.dataproduct_type, "
    "o.data_rights FROM products p LEFT JOIN observations o ON o.obs_id = p.obs_id "
    "WHERE p.program = ?"
)
# Exposures composed into a Level 3 observation of the program: their Level 2
# products are hidden from the MRP, as in the Level 3 observation's own list.
_COMPOSED_SQL = (
    "SELECT DISTINCT m.member_obs_id FROM members m JOIN observations o ON o.obs_id = m.obs_id "
    "WHERE o.program = ? AND m.exptype = 'science'"
)


_MAX_PICKED = 900  # observations bound in one IN list (well under every backend's limit)


def program_product_list(
    store: SqlStore,
    program: str,
    filters: ProductFilters | None = None,
    page: int = 1,
    page_size: int | None = None,
) -> ProductList:
    """Return every product of a program once, MRP-flagged, paged.

    Parameters
    ----------
    store : SqlStore
        The catalog.
    program : str
        Program number (``1234`` or ``01234``).
    filters : ProductFilters, optional
        As for `product_list` (``kind`` is ``own`` for every row here).
    page, page_size : int
        1-based page of ``page_size`` rows (all rows when ``page_size`` is None).

    Returns
    -------
    ProductList
        ``obs_id`` is the program; each row's ``parent_obsid`` its owner's obsid.
    """
    program = program.zfill(5)
    if filters is None and page_size is not None:
        with store.snapshot():
            # Rows sort by observation first and MRP is decided per
            # observation: a page needs only the observations it overlaps,
            # sized by the kept counts (`programpage`).
            total, skip, picked = programpage.page_observations(store, program, page, page_size)
            if len(picked) <= _MAX_PICKED:
                rows = _program_page(store, program, picked, skip, page_size)
                return _program_result(store, program, rows, total, page, page_size)
    with store.snapshot():
        listed = [listed_row(r) for r in store.execute(_program_sql(), [program])]
        composed = {r[0] for r in store.execute(_COMPOSED_SQL, (program,))}
    rows = [mast_row(r, str(r.obsid or "")) for r in listed]
    for obs_id, group in _by_observation(rows).items():
        _flag(group, True if obs_id in composed else None, None)
    rows.sort(key=_program_order)
    if filters is not None:
        rows = [r for r in rows if filters.keep(r)]
    total = len(rows)
    if page_size is not None:
        rows = rows[(page - 1) * page_size : page * page_size]
    return _program_result(store, program, rows, total, page, page_size)


def _program_sql() -> str:
    from jwlink.query.productlist import product_columns

    return _PROGRAM_SQL.format(fields=", ".join(product_columns()))


def _program_order(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["obs_id"] or "", *sort_key(row))


def _by_observation(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Group rows by owner (``""``: none), each group in the rows' order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["obs_id"] or "", []).append(row)
    return groups


def _flag(group: list[dict[str, Any]], has_l3: bool | None, concrete: bool | None) -> None:
    """Decide the MRP flag of rows of one observation (facts judged from them when None)."""
    for decision, row in zip(explain(group, None, has_l3, concrete), group, strict=True):
        row["productGroupDescription"] = MRP_LABEL if decision.mrp else ""


def _program_page(
    store: SqlStore, program: str, picked: list[str], skip: int, page_size: int
) -> list[dict[str, Any]]:
    """Read and decide the rows of one page only (inside a snapshot)."""
    shown = programpage.page_names(store, program, picked, skip, page_size)
    rows: list[dict[str, Any]] = []
    for part in chunked(shown):
        sql = _program_sql() + f" AND p.name IN ({marks(len(part))})"
        rows += [
            mast_row(r, str(r.obsid or ""))
            for r in map(listed_row, store.execute(sql, [program, *part]))
        ]
    rows.sort(key=_program_order)
    by_obs = _by_observation(rows)
    facts = programpage.group_facts(store, program, list(by_obs))
    composed = programpage.composed_among(store, program, list(by_obs))
    for obs_id, group in by_obs.items():
        has_l3, concrete = facts[obs_id]
        _flag(group, has_l3 or obs_id in composed, concrete)
    return rows


def _program_result(
    store: SqlStore,
    program: str,
    rows: list[dict[str, Any]],
    total: int,
    page: int,
    page_size: int | None,
) -> ProductList:
    result = ProductList(obs_id=program, obsid="", total=total, page=page, page_size=page_size)
    for row in rows:
        del row["brought_in"], row["location"]
    result.rows = rows
    inherit_rights(store, result.rows)
    return result


@dataclass
class MrpResult:
    """The MRP of an observation and the rule behind every decision."""

    obs_id: str
    products: list[str] = field(default_factory=list)
    explain: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON shape of DESIGN.md."""
        return {"obs_id": self.obs_id, "products": self.products, "explain": self.explain}


def mrp(store: SqlStore, name: str) -> MrpResult:
    """Return the minimum recommended products of an observation, explained."""
    with store.snapshot():
        obs_id, _ = observation_of(store, name)
        rule_case, rule_params = list_rule_case(store, obs_id)
        stored = listing_is_stored(store, obs_id)
        sql = product_list_sql(False, rule_case, "1 = 1", store.collate, stored=stored)
        with planned(store, stored):
            listed = [listed_row(r) for r in store.execute(sql, [obs_id, *rule_params])]
    descriptions = {rule.id: rule.description for rule in RULES}
    descriptions["per-source-expected"] = (
        "no per-source file is known yet: the placeholder stands for them"
    )
    decisions = [(r.product.name, str(r.rule)) for r in listed]
    return MrpResult(
        obs_id=obs_id,
        products=[name for name, rule in decisions if rule in MRP_RULE_IDS],
        explain=[
            {"name": name, "mrp": rule in MRP_RULE_IDS, "rule": rule, "why": descriptions[rule]}
            for name, rule in decisions
        ],
    )


def lineage(
    store: SqlStore,
    name: str,
    direction: str = "up",
    kinds: Sequence[str] = (),
    depth: int | None = None,
) -> Lineage:
    """Return the linkage subgraph around a product or an observation.

    Parameters
    ----------
    store : SqlStore
        The catalog.
    name : str
        A product file name, an observation id or an association product name.
    direction : {"up", "down", "both"}
        Toward the inputs, toward the outputs, or both.
    kinds : sequence of str
        Follow only these link kinds.
    depth : int, optional
        At most this many steps from the root.

    Returns
    -------
    Lineage
        Nodes and edges, found by one recursive query in the database.
    """
    if direction not in DIRECTIONS:
        msg = f"direction must be one of {', '.join(DIRECTIONS)}, got '{direction}'"
        raise InvalidQuery(msg)
    if depth is not None and depth < 0:
        msg = f"depth must be 0 or more, got {depth}"
        raise InvalidQuery(msg)
    what, key = resolve(store, name)
    lateral = store.backend == "postgresql"
    sql, params = lineage_sql(what == "observation", direction, check_kinds(kinds), depth, lateral)
    rows = store.execute(sql, (key, *params))
    return Lineage.from_rows(key, direction, rows)  # the root as the catalog names it


@dataclass
class Impact:
    """Everything downstream of a file, grouped by observation and level."""

    name: str
    products: list[dict[str, Any]] = field(default_factory=list)

    def grouped(self) -> dict[str, dict[str, list[str]]]:
        """``{obs_id: {level: [names]}}``, the reprocessing list."""
        groups: dict[str, dict[str, list[str]]] = {}
        for p in self.products:
            level = str(p["calib_level"]) if p["calib_level"] is not None else "-"
            groups.setdefault(p["obs_id"] or "-", {}).setdefault(level, []).append(p["name"])
        return groups

    def as_dict(self) -> dict[str, Any]:
        """JSON: the file, a count, and the products grouped by observation and level."""
        return {"name": self.name, "count": len(self.products), "observations": self.grouped()}


def impact(store: SqlStore, name: str) -> Impact:
    """Return every product downstream of a reference file or any product, transitively."""
    what, key = resolve(store, name)
    if what != "product":
        msg = f"'{name}' is an observation: impact starts from a file (a reference file or product)"
        raise InvalidQuery(msg)
    rows = store.execute(impact_sql(store.backend == "postgresql"), (key, key))
    affected = [{"name": n, "obs_id": o, "calib_level": c} for n, o, c in sorted(rows)]
    return Impact(name=key, products=affected)

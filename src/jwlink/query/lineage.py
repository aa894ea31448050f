"""Lineage: the linkage subgraph around a product or an observation.

The walk is one recursive SQL query (``WITH RECURSIVE``) run by the
database, never a graph loaded into Python. ``UNION`` (not ``UNION ALL``)
makes the walk a set, so cycles end and diamonds are visited once; a depth
limit carries the depth in the walk instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from jwlink.core.model import Kind
from jwlink.errors import InvalidQuery
from jwlink.store.chunks import marks

__all__ = ["DIRECTIONS", "Lineage", "impact_sql", "lineage_sql"]

DIRECTIONS = ("up", "down", "both")

# Per direction: the column a step starts from and the column it reaches.
_STEP = {"up": ("target", "source"), "down": ("source", "target")}


def _walk(
    name: str, direction: str, kinds: Sequence[str], depth: int | None
) -> tuple[str, list[Any]]:
    start, reach = _STEP[direction]
    # Each row keeps the kind of the link that reached it, and the walk goes on
    # only from rows reached by a wanted kind (the roots: NULL); `nodes` keeps
    # those rows. Testing the kind on l instead would make SQLite filter a
    # lookup it expects many of, and build a Bloom filter over all of links
    # for it (a whole-table read per lineage) once links has statistics.
    columns, seed, step = "name, kind", "name, NULL", f"l.{reach}, {'l.kind' if kinds else 'NULL'}"
    conditions: list[str] = []
    params: list[Any] = []
    if depth is not None:
        columns, seed, step = columns + ", depth", seed + ", 0", step + ", w.depth + 1"
        conditions.append("w.depth < ?")
        params.append(depth)
    if kinds:
        conditions.append(f"(w.kind IS NULL OR w.kind IN ({marks(len(kinds))}))")
        params += kinds
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    sql = (
        f"{name}({columns}) AS (SELECT {seed} FROM roots UNION "
        f"SELECT {step} FROM links l JOIN {name} w ON l.{start} = w.name{where})"
    )
    return sql, params


def lineage_sql(
    root_is_observation: bool,
    direction: str,
    kinds: Sequence[str] = (),
    depth: int | None = None,
    lateral: bool = False,
) -> tuple[str, list[Any]]:
    """Build the one statement that returns a lineage's nodes and edges.

    Parameters
    ----------
    root_is_observation : bool
        The one name the caller binds first is an observation (every product
        it owns is a root) rather than a product.
    direction : {"up", "down", "both"}
        Toward inputs (up), toward outputs (down), or both from the roots.
    kinds : sequence of str
        Walk only links of these kinds (all kinds when empty).
    depth : int, optional
        Stop after this many steps.
    lateral : bool
        Fetch nodes and edges with ``LATERAL`` joins (PostgreSQL): its planner
        cannot size a recursive walk and otherwise scans whole tables.

    Returns
    -------
    sql : str
        Rows ``('n', name, obs_id, calib_level, product_type, suffix, present, None)``
        for nodes and ``('e', source, target, kind, role, None, None, evidence)`` for edges.
    params : list
        Parameters to bind after the root name.
    """
    roots = "SELECT name FROM products WHERE obs_id = ?" if root_is_observation else "VALUES (?)"
    walks, params, names = [], [], []
    node_params: list[Any] = []
    wanted = f" WHERE kind IS NULL OR kind IN ({marks(len(kinds))})" if kinds else ""
    for d in ("up", "down") if direction == "both" else (direction,):
        sql, p = _walk(f"walk_{d}", d, kinds, depth)
        walks.append(sql)
        params += p
        names.append(f"SELECT name FROM walk_{d}{wanted}")
        node_params += kinds
    kind_filter = f" AND l.kind IN ({marks(len(kinds))})" if kinds else ""
    if lateral:
        # OFFSET 0 keeps the planner from flattening the subqueries back into joins.
        product_join = (
            "CROSS JOIN LATERAL (SELECT * FROM products q WHERE q.name = n.name OFFSET 0) p"
        )
        link_join = "CROSS JOIN LATERAL (SELECT * FROM links k WHERE k.target = n.name OFFSET 0) l"
        edges = f"FROM nodes n {link_join} WHERE l.source IN (SELECT name FROM nodes)"
    else:
        product_join = "JOIN products p ON p.name = n.name"
        # SQLite: look the edges up by (target, source) pairs of nodes. As a
        # join on nodes, once ANALYZE has sized links, the planner builds a
        # Bloom filter over the whole links table for every lineage (4.5 ms
        # instead of 0.3 ms at 10k products, growing with the archive).
        edges = (
            "FROM links l INDEXED BY links_target "
            "WHERE l.target IN (SELECT name FROM nodes) AND l.source IN (SELECT name FROM nodes)"
        )
    statement = (
        f"WITH RECURSIVE roots(name) AS ({roots}), {', '.join(walks)}, "
        f"nodes AS MATERIALIZED ({' UNION '.join(names)}) "
        # calib_level travels as text: PostgreSQL types UNION columns strictly.
        "SELECT 'n', p.name, p.obs_id, CAST(p.calib_level AS TEXT), p.product_type, p.suffix, "
        "CASE WHEN p.location IS NULL THEN 0 ELSE 1 END, NULL "
        f"FROM nodes n {product_join} "
        "UNION ALL "
        "SELECT 'e', l.source, l.target, l.kind, l.role, NULL, NULL, l.evidence "
        f"{edges}{kind_filter}"
    )
    return statement, params + node_params + list(kinds)


def impact_sql(lateral: bool = False) -> str:
    """Build the statement listing every product downstream of one file (nodes only).

    Bind the file name twice. An impact can reach most of an archive (a CRDS
    context calibrates everything), so unlike `lineage_sql` it returns no
    edges: only ``(name, obs_id, calib_level)`` of each product reached.
    """
    walk = (
        "WITH RECURSIVE walk(name) AS (VALUES (?) UNION "
        "SELECT l.target FROM links l JOIN walk w ON l.source = w.name) "
    )
    if lateral:
        join = "CROSS JOIN LATERAL (SELECT * FROM products q WHERE q.name = w.name OFFSET 0) p"
        return f"{walk}SELECT p.name, p.obs_id, p.calib_level FROM walk w {join} WHERE p.name <> ?"
    # SQLite: products by the IN list of the walk, not joined to it (a join
    # gets a Bloom filter over the whole products table once it has stats).
    return (
        f"{walk}SELECT p.name, p.obs_id, p.calib_level FROM products p "
        "WHERE p.name IN (SELECT name FROM walk) AND p.name <> ?"
    )


class _NodeRow(NamedTuple):
    """A node row of `lineage_sql` (tag ``n``)."""

    tag: str
    name: str
    obs_id: str | None
    calib_level: str | None  # text: PostgreSQL types UNION columns strictly
    product_type: str | None
    suffix: str | None
    present: int
    evidence: None


class _EdgeRow(NamedTuple):
    """An edge row of `lineage_sql` (tag ``e``)."""

    tag: str
    source: str
    target: str
    kind: str
    role: str
    suffix: None
    present: None
    evidence: str


@dataclass
class Lineage:
    """The subgraph around ``root``: nodes (products) and typed edges.

    ``observations`` lists the observations the nodes belong to, which
    answers "which observations contributed to this L3 product".
    """

    root: str
    direction: str
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_rows(cls, root: str, direction: str, rows: Sequence[Sequence[Any]]) -> Lineage:
        """Shape the rows of `lineage_sql` into a lineage, sorted for stable output."""
        result = cls(root=root, direction=direction)
        for raw in rows:
            if raw[0] == "n":
                n = _NodeRow(*raw)
                level = int(n.calib_level) if n.calib_level is not None else None
                result.nodes.append(
                    {"name": n.name, "obs_id": n.obs_id, "calib_level": level,
                     "product_type": n.product_type, "suffix": n.suffix, "present": bool(n.present)}
                )  # fmt: skip
            else:
                e = _EdgeRow(*raw)
                result.edges.append(
                    {"source": e.source, "target": e.target, "kind": e.kind, "role": e.role,
                     "evidence": e.evidence}
                )  # fmt: skip
        result.nodes.sort(key=lambda n: n["name"])
        result.edges.sort(key=lambda x: (x["source"], x["target"], x["kind"], x["role"]))
        return result

    @property
    def observations(self) -> list[str]:
        """The observations the lineage's products belong to, sorted."""
        return sorted({n["obs_id"] for n in self.nodes if n["obs_id"]})

    def names(self) -> set[str]:
        """Return the names of every node."""
        return {n["name"] for n in self.nodes}

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON shape of DESIGN.md (plus ``observations``, and each edge's ``evidence``).

        ``evidence`` says what recorded the link (``asn:<file>``,
        ``header:<file>:<KEYWORD>``, ``rule:<name>``, ...), as product pages
        show it, so a reader of the lineage needs no request per link.
        """
        keys = ("source", "target", "kind", "role", "evidence")
        return {
            "root": self.root,
            "direction": self.direction,
            "nodes": self.nodes,
            "edges": [{k: e[k] for k in keys} for e in self.edges],
            "observations": self.observations,
        }

    def to_table(self) -> Any:
        """Return the nodes as an astropy Table."""
        from astropy.table import Table

        names = ("name", "obs_id", "calib_level", "product_type", "suffix", "present")
        return Table(rows=[[n[k] for k in names] for n in self.nodes] or None, names=names)


def check_kinds(kinds: Sequence[str]) -> list[str]:
    """Validate kind names; raise InvalidQuery naming the bad one and the choices."""
    valid = {k.value for k in Kind}
    for kind in kinds:
        if kind not in valid:
            msg = f"unknown link kind '{kind}' (expected one of {', '.join(sorted(valid))})"
            raise InvalidQuery(msg)
    return list(kinds)

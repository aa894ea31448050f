"""Minimum Recommended Products: a policy kept as data, and its explanation.

MAST publishes no per-mode rule table (mast-api.md §4); this is jwlink's,
following DESIGN.md: the most calibrated science products plus the combined
products; ancillary products out; Level 2b hidden where Level 3 exists and
recommended where it does not. The first rule that matches a product decides,
and its id is the explanation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cache, lru_cache
from typing import Any

from jwlink.core.pipeline_modes import LEVEL2, combined_science

__all__ = [
    "MRP_RULE_IDS",
    "RULES",
    "Decision",
    "Rule",
    "decide",
    "explain",
    "fingerprint",
    "sql_case",
]

_ANCILLARY_TYPES = frozenset(
    {"AUXILIARY", "INFO", "PREVIEW", "THUMBNAIL", "REFERENCE", "ENGINEERING", "CALIBRATION"}
)
# The combined products each Level 3 pipeline writes that a scientist wants,
# from the table of what the pipelines write (`jwlink.core.pipeline_modes`).
L3_PRODUCTS: dict[str, frozenset[str]] = {
    t: combined_science(t) for t in ("image3", "spec3", "coron3", "ami3", "tso3", "wfs-image3")
}
_ALL_L3 = frozenset().union(*L3_PRODUCTS.values())
# The most calibrated per-exposure products of Level 2 pipelines.
L2B_PRODUCTS = frozenset(
    suffix
    for mode in LEVEL2
    for out in mode.outputs
    for suffix in (out.suffix, out.ints)
    if suffix is not None
)


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the policy: which products it matches and whether they are MRP.

    A ``None`` criterion matches anything. ``when_l3`` is whether the
    observation's list holds Level 3 science products.
    """

    id: str
    mrp: bool
    description: str
    product_types: frozenset[str] | None = None
    levels: frozenset[str] | None = None
    suffixes: frozenset[str] | None = None
    brought_in: bool | None = None
    template: bool | None = None
    when_l3: bool | None = None
    asn_types: frozenset[str] | None = None


def _fs(*values: str) -> frozenset[str]:
    return frozenset(values)


RULES: tuple[Rule, ...] = (
    Rule("ancillary-type", False, "guide-star, association, preview, thumbnail, reference and "
         "engineering products are ancillary", product_types=_ANCILLARY_TYPES),
    Rule("linked-not-owned", False, "brought into the list by a link (MSA catalog, calibration "
         "exposure of another observation, ...), not a product of the observation",
         brought_in=True),
    Rule("uncalibrated", False, "Level 1b and 2a products are inputs to calibration",
         levels=_fs("1b", "2a")),
    Rule("per-source-template", False, "placeholder product: the per-source files it stands for "
         "are listed instead", template=True, when_l3=True),
    *(Rule(f"{t}-combined", True, f"combined {t} product ({', '.join(sorted(s))})",
           levels=_fs("3"), suffixes=s, asn_types=_fs(t)) for t, s in L3_PRODUCTS.items()),
    Rule("l3-combined", True, "combined Level 3 science product", levels=_fs("3"),
         suffixes=_ALL_L3),
    Rule("l3-other", False, "Level 3 intermediate or auxiliary product", levels=_fs("3")),
    Rule("l2-hidden-by-l3", False, "Level 2 products are not shown when Level 3 products exist",
         levels=_fs("2b", "2c"), when_l3=True),
    Rule("l2b-most-calibrated", True, "no Level 3 product: the calibrated exposures are the "
         "most calibrated science products", levels=_fs("2b"), suffixes=L2B_PRODUCTS,
         when_l3=False),
    Rule("default-out", False, "not a science product of the observation"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether one product is MRP, and the rule that said so."""

    name: str
    mrp: bool
    rule: str


def _matches(
    rule: Rule,
    facts: tuple[Any, Any, Any, str | None],
    flags: tuple[bool, bool, bool],
) -> bool:
    allowed = (rule.product_types, rule.levels, rule.suffixes, rule.asn_types)
    if any(a is not None and value not in a for a, value in zip(allowed, facts, strict=True)):
        return False
    wanted = (rule.brought_in, rule.template, rule.when_l3)
    return all(w is None or w == actual for w, actual in zip(wanted, flags, strict=True))


@lru_cache(maxsize=4096)
def _first_rule(facts: tuple[Any, Any, Any, str | None], flags: tuple[bool, bool, bool]) -> Rule:
    # A list's rows share few distinct facts: each combination is decided once.
    for rule in RULES:
        if _matches(rule, facts, flags):
            return rule
    msg = "the last rule matches everything"
    raise AssertionError(msg)  # pragma: no cover


def decide(row: dict[str, Any], asn_type: str | None, has_l3: bool) -> Decision:
    """Apply the policy to one product-list row.

    Parameters
    ----------
    row : dict
        A product-list row (``productFilename``, ``productType``, ``level``,
        ``suffix``, ``brought_in``).
    asn_type : str or None
        The type of the association that defines the observation.
    has_l3 : bool
        Whether the observation's list holds Level 3 science products.

    Returns
    -------
    Decision
        The verdict and the id of the first rule that matched.
    """
    name = str(row.get("productFilename", ""))
    facts = (row.get("productType"), row.get("level"), row.get("suffix"), asn_type)
    rule = _first_rule(facts, (bool(row.get("brought_in")), "{" in name, has_l3))
    return Decision(str(row["productFilename"]), rule.mrp, rule.id)


def explain(
    rows: Iterable[dict[str, Any]],
    asn_type: str | None,
    has_l3: bool | None = None,
    concrete_sources: bool | None = None,
) -> list[Decision]:
    """Decide every row of an observation's product list.

    Level 3 presence is judged from the rows unless ``has_l3`` says: a Level 3
    science product that is a file (or, for per-source products, stands for
    files) means Level 2 products are hidden. Whether per-source files are
    listed is judged from the rows unless ``concrete_sources`` says (a caller
    deciding some rows of a list knows it from the others).
    """
    rows = list(rows)
    if has_l3 is None:
        has_l3 = any(
            r.get("level") == "3" and r.get("productType") == "SCIENCE" and not r.get("brought_in")
            for r in rows
        )
    if concrete_sources is None:
        concrete_sources = any(_is_per_source(r) for r in rows)
    decisions = []
    for row in rows:
        decision = decide(row, asn_type, has_l3)
        if (
            decision.rule == "per-source-template"
            and not concrete_sources
            and row.get("suffix") in _ALL_L3
        ):
            # No per-source file is known yet: the placeholder of a combined
            # science product is the best name we have (not its per-source
            # _cal/_crf, which spec3 also writes).
            decision = Decision(decision.name, True, "per-source-expected")
        decisions.append(decision)
    return decisions


def _is_per_source(row: dict[str, Any]) -> bool:
    # A per-source file belongs to its placeholder observation but is itself a file.
    name = str(row.get("productFilename", ""))
    return (
        row.get("level") == "3"
        and not row.get("brought_in")
        and "{source_id}" in str(row.get("obs_id") or "")
        and "{" not in name
    )


MRP_RULE_IDS = frozenset({r.id for r in RULES if r.mrp} | {"per-source-expected"})


def _in(column: str, values: frozenset[str], params: list[Any]) -> str:
    params.extend(sorted(values))
    # One placeholder per value: the text depends on how many, never on what.
    return f"{column} IN ({', '.join(['?'] * len(values))})"


def sql_case(
    asn_type: str | None, has_l3: str, concrete_sources: str, asn_type_column: str | None = None
) -> tuple[str, list[Any]]:
    """Translate the policy into one SQL ``CASE`` naming each row's rule.

    The same `RULES` decide in SQL (for product lists, so filtering by MRP and
    paging happen in the database) and in Python (`explain`); a test checks
    they agree.

    Parameters
    ----------
    asn_type : str or None
        The association type of the observation (rules for other types drop out).
    has_l3 : str
        SQL condition: the row's observation lists Level 3 science products.
    concrete_sources : str
        SQL condition: per-source files of the row's observation are listed.
    asn_type_column : str, optional
        SQL column holding each row's association type, for a statement
        listing several observations at once; ``asn_type`` is then ignored.

    Returns
    -------
    sql : str
        ``CASE WHEN ... THEN '<rule id>' ... END`` over ``p`` (product) and ``x`` (path).
    params : list
        Values to bind, in order.
    """
    params: list[Any] = []
    branches = []
    for rule in RULES:
        if (
            asn_type_column is None
            and rule.asn_types is not None
            and asn_type not in rule.asn_types
        ):
            continue
        local: list[Any] = []
        conds = []
        if asn_type_column is not None and rule.asn_types is not None:
            conds.append(_in(asn_type_column, rule.asn_types, local))
        if rule.product_types is not None:
            conds.append(_in("p.product_type", rule.product_types, local))
        if rule.levels is not None:
            conds.append(_in("p.level", rule.levels, local))
        if rule.suffixes is not None:
            conds.append(_in("p.suffix", rule.suffixes, local))
        if rule.brought_in is not None:
            conds.append("x.rank = 2" if rule.brought_in else "x.rank <> 2")
        if rule.template is not None:
            conds.append(("" if rule.template else "NOT ") + "p.name LIKE '%{%'")
        if rule.when_l3 is not None:
            conds.append(f"({has_l3})" if rule.when_l3 else f"NOT ({has_l3})")
        when = " AND ".join(conds) or "1 = 1"
        if rule.id == "per-source-template":
            # No per-source file known yet: the placeholder is the best name there is.
            combined: list[Any] = []
            science = _in("p.suffix", _ALL_L3, combined)
            branches.append(f"WHEN {when} AND ({concrete_sources}) THEN '{rule.id}'")
            branches.append(f"WHEN {when} AND {science} THEN 'per-source-expected'")
            branches.append(f"WHEN {when} THEN '{rule.id}'")
            params += local + local + combined + local
        else:
            branches.append(f"WHEN {when} THEN '{rule.id}'")
            params += local
    return "CASE " + " ".join(branches) + " END", params


@cache
def fingerprint() -> str:
    """Return a digest of the policy: `RULES` and the SQL that applies them.

    A catalog that keeps each listed product's MRP decision
    (`jwlink.store.listings`) records the digest of the policy that
    decided; a catalog recording another one (written by a jwlink with
    other rules, or by a translation into SQL since changed) has its
    decisions made again, never served.

    Returns
    -------
    str
        Hexadecimal SHA-256, the same for the same rules in any process.
    """

    def plain(value: Any) -> Any:
        # Sets in a stable order: a frozenset's iteration order varies between processes.
        return sorted(value) if isinstance(value, frozenset) else value

    rules = [{k: plain(v) for k, v in asdict(rule).items()} for rule in RULES]
    case, params = sql_case(None, "has_l3", "concrete", asn_type_column="asn_type")
    text = json.dumps([rules, sorted(MRP_RULE_IDS), case, params], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()

"""Minimum Recommended Products: a policy kept as data, and its explanation.

MAST publishes no per-mode rule table (mast-api.md §4); this is jwlink's,
following DESIGN.md: the most calibrated science products plus the combined
products; ancillary products out; Level 2b hidden where Level 3 exists and
recommended where it does not. The first rule that matches a product decides,
and its id is the explanation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["RULES", "Decision", "Rule", "decide", "explain"]

_ANCILLARY_TYPES = frozenset(
    {"AUXILIARY", "INFO", "PREVIEW", "THUMBNAIL", "REFERENCE", "ENGINEERING", "CALIBRATION"}
)
# The combined products each Level 3 pipeline writes that a scientist wants.
L3_PRODUCTS: dict[str, frozenset[str]] = {
    "image3": frozenset({"i2d", "cat", "segm"}),
    "spec3": frozenset({"s2d", "s3d", "x1d", "c1d"}),
    "coron3": frozenset({"i2d", "psfstack"}),
    "ami3": frozenset({"aminorm-oi"}),
    "tso3": frozenset({"x1dints", "phot", "whtlt"}),
    "wfs-image3": frozenset({"wfscmb"}),
}
_ALL_L3 = frozenset().union(*L3_PRODUCTS.values())
# The most calibrated per-exposure products of Level 2 pipelines.
L2B_PRODUCTS = frozenset({"cal", "calints", "i2d", "s2d", "s3d", "x1d", "x1dints"})


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


def _matches(rule: Rule, row: dict[str, Any], asn_type: str | None, has_l3: bool) -> bool:
    checks = (
        (rule.product_types, row.get("productType")),
        (rule.levels, row.get("level")),
        (rule.suffixes, row.get("suffix")),
        (rule.asn_types, asn_type),
    )
    if any(allowed is not None and value not in allowed for allowed, value in checks):
        return False
    flags = (
        (rule.brought_in, bool(row.get("brought_in"))),
        (rule.template, "{" in str(row.get("productFilename", ""))),
        (rule.when_l3, has_l3),
    )
    return all(wanted is None or wanted == actual for wanted, actual in flags)


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
    for rule in RULES:
        if _matches(rule, row, asn_type, has_l3):
            return Decision(str(row["productFilename"]), rule.mrp, rule.id)
    msg = "the last rule matches everything"
    raise AssertionError(msg)  # pragma: no cover


def explain(
    rows: Iterable[dict[str, Any]], asn_type: str | None, has_l3: bool | None = None
) -> list[Decision]:
    """Decide every row of an observation's product list.

    Level 3 presence is judged from the rows unless ``has_l3`` says: a Level 3
    science product that is a file (or, for per-source products, stands for
    files) means Level 2 products are hidden.
    """
    rows = list(rows)
    if has_l3 is None:
        has_l3 = any(
            r.get("level") == "3" and r.get("productType") == "SCIENCE" and not r.get("brought_in")
            for r in rows
        )
    concrete_sources = any(_is_per_source(r) for r in rows)
    decisions = []
    for row in rows:
        decision = decide(row, asn_type, has_l3)
        if decision.rule == "per-source-template" and not concrete_sources:
            # No per-source file is known yet: the placeholder is the best name we have.
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

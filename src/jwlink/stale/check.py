"""Which products a target CRDS context would calibrate with other files, and what follows.

For every product whose header named its reference files (the catalog's
``crds_headers``), `check` asks the target context (`jwlink.stale.selection`)
which files it selects for the header's parameters, compares them with the
``R_*`` files the header names, and lists each change with the context that
delivered the new file. The impact is every product downstream of the stale
ones (`jwlink.query.stale.impact_of`), grouped by observation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jwlink.core.crdsparams import CrdsHeader
from jwlink.query.questions import Impact
from jwlink.query.stale import crds_headers, impact_of
from jwlink.stale.selection import (
    NOT_APPLICABLE,
    ContextSelector,
    context_number,
    crds_reftype,
    file_name,
)
from jwlink.store.base import SqlStore

__all__ = ["Change", "StaleProduct", "StaleReport", "check", "compare", "stale_names"]


@dataclass(frozen=True, slots=True)
class Change:
    """One reference file the target context replaces for a product."""

    reftype: str
    used: str
    best: str
    delivered_in: str | None = None
    delivered_on: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON: reftype, used, best, delivered_in (context) and delivered_on (its date)."""
        return {"reftype": self.reftype, "used": self.used, "best": self.best,
                "delivered_in": self.delivered_in, "delivered_on": self.delivered_on}  # fmt: skip


@dataclass
class StaleProduct:
    """A product and what the target context says of its references.

    ``changes`` lists the replaced files; ``bad_files`` the files it used
    that the cache's bad-files list names; ``missing`` maps each reftype
    that cannot be decided to the header keywords it lacks.
    """

    name: str
    context: str | None
    changes: list[Change] = field(default_factory=list)
    bad_files: list[str] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)

    @property
    def stale(self) -> bool:
        """Whether the product should be reprocessed: a file replaced, or a bad file used."""
        return bool(self.changes or self.bad_files)

    def as_dict(self) -> dict[str, Any]:
        """JSON: name, context, changes and bad_files."""
        changes = [c.as_dict() for c in self.changes]
        return {"name": self.name, "context": self.context, "changes": changes,
                "bad_files": self.bad_files}  # fmt: skip


@dataclass
class StaleReport:
    """The answer of ``jwlink stale``: stale products, undecidable ones, the impact.

    ``later`` counts the products calibrated under a later context than the
    target: a target older than their own supersedes nothing, so they are
    not compared.
    """

    context: str
    checked: int
    selections: int
    products: list[StaleProduct]
    undecided: list[StaleProduct]
    impact: Impact
    later: int = 0

    @property
    def anything_stale(self) -> bool:
        """Whether any product is stale."""
        return bool(self.products)

    def as_dict(self) -> dict[str, Any]:
        """JSON: context, checked, selections, later_context, products, cannot_decide, impact."""
        undecided = [
            {"name": p.name, "context": p.context, "missing": p.missing} for p in self.undecided
        ]
        impact = {"count": len(self.impact.products), "observations": self.impact.grouped()}
        products = [p.as_dict() for p in self.products]
        return {"context": self.context, "checked": self.checked, "selections": self.selections,
                "later_context": self.later, "products": products, "cannot_decide": undecided,
                "impact": impact}  # fmt: skip


def compare(header: CrdsHeader, selector: ContextSelector) -> StaleProduct:
    """Compare the files a header names with those the selector's context selects.

    Parameters
    ----------
    header : CrdsHeader
        The kept header of one product.
    selector : ContextSelector
        The target context.

    Returns
    -------
    StaleProduct
        Its changes, bad files used and undecidable reftypes (all empty if up to date).
    """
    used = _used(tuple(sorted(header.references.items())))
    selection = selector.select(header.parameters, used)
    result = StaleProduct(header.name, header.context)
    instrument = str(header.parameters.get("INSTRUME", "")).lower()
    bad = selector.cache.bad_files
    for reftype, file in sorted(used.items()):
        if file in bad:
            result.bad_files.append(file)
        if reftype in selection.missing:
            result.missing[reftype] = list(selection.missing[reftype])
            continue
        best = selection.best.get(reftype, NOT_APPLICABLE)
        if best == file:
            continue
        delivered = None
        if best != NOT_APPLICABLE:
            delivered = selector.cache.delivered_in(selector.name, instrument, reftype, best)
        date = selector.cache.dates.get(delivered) if delivered else None
        result.changes.append(Change(reftype, file, best, delivered, date))
    return result


@lru_cache(maxsize=4096)
def _used(references: tuple[tuple[str, str], ...]) -> dict[str, str]:
    # Headers of one configuration name the same files: read the keywords once.
    return {crds_reftype(k): file_name(v) for k, v in references}


def check(
    store: SqlStore, selector: ContextSelector, names: Sequence[str] | None = None
) -> StaleReport:
    """Check every kept header (or those of ``names``) against the selector's context.

    Parameters
    ----------
    store : SqlStore
        The catalog.
    selector : ContextSelector
        The target context, over a CRDS cache.
    names : sequence of str, optional
        Only these products.

    Returns
    -------
    StaleReport
        Stale products, undecidable ones, and the products to reprocess.
    """
    stale: list[StaleProduct] = []
    undecided: list[StaleProduct] = []
    checked = later = 0
    target = context_number(selector.name) or 0
    for header in crds_headers(store, names):
        if (context_number(header.context or "") or 0) > target:
            later += 1
            continue
        checked += 1
        result = compare(header, selector)
        if result.stale:
            stale.append(result)
        if result.missing:
            undecided.append(result)
    impact = impact_of(store, [p.name for p in stale])
    return StaleReport(selector.name, checked, selector.distinct, stale, undecided, impact, later)


def stale_names(store: SqlStore, selector: ContextSelector, names: Iterable[str]) -> set[str]:
    """Return which of ``names`` are stale under the selector's context (for product lists)."""
    target = context_number(selector.name) or 0
    return {
        h.name
        for h in crds_headers(store, list(names))
        if (context_number(h.context or "") or 0) <= target and compare(h, selector).stale
    }

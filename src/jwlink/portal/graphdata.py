"""What the linkage picture needs to know beyond the lineage JSON: columns, colours, rules.

Lineage nodes carry ``calib_level`` (1, 2, 3) and ``suffix`` but not the
finer level (2a, 2b, 2c); the suffix table of `jwlink.naming.suffixes` decides it,
sent to the page as data so that the browser and the naming grammar agree.
"""

from __future__ import annotations

from typing import Any

from jwlink.naming.suffixes import SUFFIXES
from jwlink.portal.palette import KIND_COLOURS, LEVEL_FILLS

__all__ = [
    "ANCILLARY_TYPES",
    "CATEGORIES",
    "CATEGORY_LABELS",
    "COLLAPSE_AT",
    "COLUMNS",
    "graph_settings",
    "suffix_levels",
]

# Columns left to right; "anc" holds what has no calibration level (reference
# files, pools, engineering data), which feeds every level.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("anc", "Reference & ancillary"), ("1b", "L1b"), ("2a", "L2a"), ("2b", "L2b"),
    ("2c", "L2c"), ("3", "L3"),
)  # fmt: skip
ANCILLARY_TYPES = ("REFERENCE", "ENGINEERING", "INFO", "PREVIEW", "THUMBNAIL")
# A column with more science products than this is drawn as groups by visit,
# then by exposure ("visit v002 · 312 × _cal").
COLLAPSE_AT = 40
# Product types that are not the science chain: by default each column draws
# them as one badge ("+ 16 previews, 4 guide-star products"), opened on demand.
CATEGORIES: dict[str, str] = {
    "REFERENCE": "reference", "ENGINEERING": "engineering", "AUXILIARY": "guide",
    "PREVIEW": "preview", "THUMBNAIL": "preview", "INFO": "association",
}  # fmt: skip
CATEGORY_LABELS: dict[str, str] = {
    "reference": "reference", "engineering": "engineering series", "guide": "guide-star",
    "preview": "previews", "association": "asn",
}  # fmt: skip


def suffix_levels() -> dict[str, str]:
    """Return the suffixes whose level is fixed (``rate`` -> ``2a``, ``crf`` -> ``2c``)."""
    return {suffix: level.value for suffix, (level, _) in SUFFIXES.items() if level is not None}


def graph_settings() -> dict[str, Any]:
    """Return the page data of the linkage picture."""
    return {
        "columns": [list(c) for c in COLUMNS],
        "kinds": KIND_COLOURS,
        "fills": LEVEL_FILLS,
        "suffix_levels": suffix_levels(),
        "ancillary_types": list(ANCILLARY_TYPES),
        "collapse_at": COLLAPSE_AT,
        "categories": CATEGORIES,
        "category_labels": CATEGORY_LABELS,
    }

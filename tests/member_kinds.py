"""The link each association member's exptype makes (test_ingest_real, test_queries_real).

A helper module: test files import from here, never from each other.
"""

from __future__ import annotations

__all__ = ["EXPECTED_L2", "EXPECTED_L3"]

# What each member exptype means for its link to the association's products,
# written out here from DESIGN.md's vocabulary (not imported from jwlink).
EXPECTED_L3 = {
    "science": ("composition", "science"),
    "background": ("calibration", "background"),
    "psf": ("calibration", "psf"),
    "imprint": ("calibration", "imprint"),
    "selfcal": ("calibration", "selfcal"),
    "autoflat": ("calibration", "autoflat"),
    "autowave": ("calibration", "autowave"),
    "sourcecat": ("calibration", "sourcecat"),
    "segmap": ("calibration", "segmap"),
    "direct_image": ("calibration", "direct_image"),
    "target_acquisition": ("prerequisite", "target_acquisition"),
}
EXPECTED_L2 = {**EXPECTED_L3, "science": ("antecedent", "stage")}

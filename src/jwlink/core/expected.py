"""Generic member kinds and the Level 2 product suffix.

What each pipeline writes, and which members feed which product, is the
table in `jwlink.core.pipeline_modes` (read from the jwst pipeline code). This
module keeps what holds across pipelines: the kind and role a member's
exptype means when a pipeline reads it in no specific way (jwst-data.md §6),
and whether a Level 2 product is ``_cal`` or ``_calints``.
"""

from __future__ import annotations

__all__ = ["MEMBER_LINKS", "l2_output_suffix", "member_role"]

# Member exptype -> (kind, role) of its link to the association's products.
# science is special: antecedent at Level 2 (_rate -> _cal), composition at Level 3.
MEMBER_LINKS: dict[str, tuple[str, str]] = {
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
    "dark": ("calibration", "dark"),
    "flat": ("calibration", "flat"),
    "lamp": ("calibration", "lamp"),
    "target_acquisition": ("prerequisite", "target_acquisition"),
    "engineering": ("contributing", "engineering"),
    "tracking": ("aggregation", "guide_star"),
}


def member_role(exptype: str, level3: bool) -> tuple[str, str]:
    """Return the (kind, role) a member of this exptype has toward the products.

    Parameters
    ----------
    exptype : str
        The member's lower-cased ``exptype``.
    level3 : bool
        Whether the association is Level 3 (science members compose) or
        Level 2 (the science member is the stage input: antecedent).

    Returns
    -------
    tuple of str
        ``(kind, role)``; an exptype the table does not know is read as a
        contemporaneous calibration with the exptype as its role.
    """
    if exptype == "science" and not level3:
        return ("antecedent", "stage")
    return MEMBER_LINKS.get(exptype, ("calibration", exptype))


def l2_output_suffix(asn_type: str | None, science_suffix: str | None) -> str:
    """Return the suffix of a Level 2 association's main product (``cal``/``calints``)."""
    if (asn_type or "").startswith("tso") or (science_suffix or "").endswith("ints"):
        return "calints"
    return "cal"

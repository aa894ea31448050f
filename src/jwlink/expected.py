"""What the pipeline makes from an association: expected products, as data.

The jwst pipelines write fixed products for each association type
(``docs/jwst/data_products/product_types.rst`` and ``calwebb_*.py``; see
``reference/jwst-data.md`` §2.3). jwlink records these products before any
file exists, so that completeness ("which expected products are missing")
is a plain query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Outputs", "l2_output_suffix", "l3_outputs", "member_role"]

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


@dataclass(frozen=True, slots=True)
class Outputs:
    """Expected products of one Level 3 association product.

    ``combined`` are made from all members (composition); ``derived`` are
    made from a combined product, as ``(from_suffix, suffix, extension)``;
    ``per_member`` are made per science member and carry the ACID.
    """

    combined: tuple[tuple[str, str], ...]
    derived: tuple[tuple[str, str, str], ...] = ()
    per_member: tuple[str, ...] = ()


_IMAGE3 = Outputs((("i2d", "fits"),), (("i2d", "cat", "ecsv"), ("i2d", "segm", "fits")), ("crf",))
_SPECTRAL = re.compile(r"(^|-)(gr\d+[a-z]*|prism|g\d{3}[mh]|p750l|slitlessprism|grism[rc])($|-)")
_FIXED_SLITS = re.compile(r"(^|-)(s200a1|s200a2|s400a1|s1600a1|s200b1)($|-)")


def _spec3_outputs(instrument: str, optelems: str, per_source: bool) -> Outputs:
    if instrument in ("niriss", "nircam"):
        # WFSS: all sources in one file (jwst >= 1.19), no per-member crf.
        return Outputs((("x1d", "fits"), ("c1d", "fits")))
    ifu = (instrument == "miri" and (not optelems or optelems.startswith("ch"))) or (
        instrument == "nirspec" and not per_source and not _FIXED_SLITS.search(optelems)
    )
    if ifu:
        return Outputs((("s3d", "fits"), ("x1d", "fits")), per_member=("crf",))
    return Outputs((("s2d", "fits"), ("x1d", "fits")), per_member=("crf",))


def l3_outputs(asn_type: str | None, instrument: str, optelems: str, per_source: bool) -> Outputs:
    """Return the expected products of a Level 3 association product.

    Parameters
    ----------
    asn_type : str or None
        The association's ``asn_type`` (``image3``, ``spec3``, ...; legacy
        ``image``/``mosaic`` are read as ``image3``).
    instrument : str
        Lower-case instrument from the product name (``nircam``, ...).
    optelems : str
        Optical-element part of the product name (may be empty).
    per_source : bool
        The product name carries a ``{source_id}`` placeholder.

    Returns
    -------
    Outputs
        The combined, derived and per-member products the pipeline writes.
    """
    kind = asn_type or "image3"
    if kind == "spec3":
        return _spec3_outputs(instrument, optelems, per_source)
    if kind == "coron3":
        return Outputs(
            (("psfstack", "fits"), ("i2d", "fits")), per_member=("psfalign", "psfsub", "crfints")
        )
    if kind == "ami3":
        return Outputs((("aminorm-oi", "fits"),), per_member=("ami-oi", "amimulti-oi", "amilg"))
    if kind == "tso3":
        if _SPECTRAL.search(optelems):
            return Outputs((("x1dints", "fits"), ("whtlt", "ecsv")), per_member=("crfints",))
        return Outputs((("phot", "ecsv"),), per_member=("crfints",))
    if kind == "wfs-image3":
        return Outputs((("wfscmb", "fits"),))
    return _IMAGE3

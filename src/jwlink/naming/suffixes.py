"""Tables of the JWST naming grammar: suffixes, what they imply, and closed vocabularies.

The suffixes and the pipeline stage that writes each come from the jwst
source (`jwlink.naming.suffix_table`, which names the file and commit); the rest from
``jwst-data.md`` §1.4, §2.1, §2.4 and §2.5 and the jwst association rules.
They are kept as data so that a new pipeline suffix or detector is a one-line
change; `jwlink.naming.grammar` holds the grammar that uses them.

How a level follows from the stages (``docs/jwst/data_products/stages.rst``:
stage 1 writes level 2a, stage 2 level 2b, stage 3 level 3 and, for the
exposure-based files it writes, level 2c): an exposure-based name takes the
first stage that writes the suffix, a source-based (stage-3) name the last.
"""

from __future__ import annotations

from dataclasses import dataclass

from jwlink.core.model import Level, ProductType
from jwlink.naming.suffix_table import ROWS

__all__ = [
    "ASN_LEVELS",
    "ASN_TYPES",
    "classify",
    "DETECTORS",
    "EXTENSIONS",
    "FIXED_SLITS",
    "GS_KINDS",
    "GUIDESTAR_SUFFIXES",
    "GUIDESTAR_UNCAL_SUFFIXES",
    "INSTRUMENT_ABBREVIATIONS",
    "INSTRUMENTS",
    "is_known",
    "level_of",
    "SUFFIX_INFO",
    "SUFFIXES",
    "SuffixInfo",
]

# §2.1. The list is closed so that a missing detector ("..._00001_cal.fits") is
# reported as missing instead of being read as detector "cal".
DETECTORS = frozenset(
    {f"nrca{i}" for i in range(1, 5)} | {f"nrcb{i}" for i in range(1, 5)}
    | {"nrcalong", "nrcblong", "nrs1", "nrs2", "nis", "mirimage", "mirifushort",
       "mirifulong", "guider1", "guider2"}
)  # fmt: skip
INSTRUMENTS = ("nircam", "niriss", "nirspec", "miri", "fgs")  # §2.5
# Product names of earlier builds: the jwst docs show "jw00626-c1003_t001_nrs"
# (docs/jwst/master_background/description.rst, since 0.14). No other short
# form occurs in the jwst history (release tags 0.7 to 1.18, names searched).
INSTRUMENT_ABBREVIATIONS = {"nrs": "nirspec"}

# asn_type -> level of the products the association's pipeline writes. The
# types are the `data["asn_type"] = ...` values of
# jwst/associations/lib/rules_level2*.py (level 2b) and rules_level3*.py (level
# 3) at the snapshot (§1.4) and at the release tags before it: wfs-image2
# (0.13 to 1.x), nrslamp-image2 (0.13), wfs (0.7 to 0.9), and bkgnod (level 2b),
# image, spec, nrsifu, mirifu (level 3) of 0.6 / 0.7. user_built is the
# default of hand-made associations of either level.
ASN_LEVELS: dict[str, Level | None] = {
    **dict.fromkeys(("image2", "spec2", "tso-image2", "tso-spec2", "nrslamp-spec2",
                     "wfs-image2", "nrslamp-image2", "bkgnod"), Level.L2B),
    **dict.fromkeys(("image3", "spec3", "tso3", "coron3", "ami3", "wfs-image3", "wfs",
                     "image", "spec", "nrsifu", "mirifu"), Level.L3),
    "user_built": None,
}  # fmt: skip
# Longest first, so that the regex alternation never stops at a prefix (wfs).
ASN_TYPES = tuple(sorted(ASN_LEVELS, key=lambda t: (-len(t), t)))
EXTENSIONS = ("fits", "ecsv", "asdf", "json", "jpg", "png")  # §2.5
# NIRSpec fixed slits (FXD_SLIT): calwebb_spec3 writes one where the association
# product name has the {slit_name} placeholder (§1.6).
FIXED_SLITS = ("s200a1", "s200a2", "s400a1", "s1600a1", "s200b1")
GS_KINDS = ("id", "acq1", "acq2", "track", "fg")  # §2.4

_SCI = ProductType.SCIENCE
_AUX = ProductType.AUXILIARY


@dataclass(frozen=True, slots=True)
class SuffixInfo:
    """One row of `jwlink.naming.suffix_table`: a suffix and what writes it.

    ``stages`` holds the pipeline stages (0 = DMS, 1, 2, 3) that write the
    suffix; empty for a utility step no pipeline runs. ``base`` is ``"exp"``
    or ``"src"`` where the jwst docs fix the name base of the product.
    """

    suffix: str
    stages: frozenset[int]
    base: str
    product_type: ProductType
    listed: str
    written_by: str
    description: str


SUFFIX_INFO: dict[str, SuffixInfo] = {
    row[0]: SuffixInfo(row[0], frozenset(int(c) for c in row[1]), row[2],
                       _SCI if row[3] == "S" else _AUX, row[4], row[5], row[6])
    for row in ROWS
}  # fmt: skip

# First stage for an exposure-based name, last stage for a source-based one.
_EXP_LEVEL = {1: Level.L2A, 2: Level.L2B, 3: Level.L2C}
_SRC_LEVEL = {1: Level.L2A, 2: Level.L2B, 3: Level.L3}


def level_of(suffix: str, base: str, acid: bool = False) -> Level | None:
    """Return the level a known suffix has in a name of the given base.

    Parameters
    ----------
    suffix : str
        A key of `SUFFIX_INFO`.
    base : {"exp", "src"}
        Exposure-based (stage 0-2 form) or source-based (stage-3 form) name.
    acid : bool
        Whether an exposure-based name carries an ACID, which only stage-3
        outputs do (``..._nrca2_o001_crf.fits``).

    Returns
    -------
    Level or None
        None for a suffix outside the table.
    """
    info = SUFFIX_INFO.get(suffix)
    if info is None:
        return None
    if 0 in info.stages:
        return Level.L1B
    if not info.stages:  # a utility step: the level its position says
        return Level.L3 if base == "src" else Level.L2B
    # The name decides (stages.rst): stage 3 writes level 2c in an
    # exposure-based name and level 3 in a source-based one. Even a product
    # the pipeline now writes per exposure (ami-oi) was the combined product
    # of earlier builds, under a source-based name (file_naming.rst:
    # jw87600-a3001_t001_niriss_f480m-nrm_ami-oi.fits).
    if base == "exp":
        stage = 3 if acid and 3 in info.stages else min(info.stages)
        return _EXP_LEVEL[stage]
    return _SRC_LEVEL[max(info.stages)]


def is_known(suffix: str) -> bool:
    """Return whether the pipeline writes ``suffix`` (a key of `SUFFIX_INFO`)."""
    return suffix in SUFFIX_INFO


def _fixed(info: SuffixInfo) -> Level | None:
    exp, src = level_of(info.suffix, "exp"), level_of(info.suffix, "src")
    return exp if exp == src else None


# suffix -> (level, product type). A level of None means the level depends on
# the name's base (i2d is 2b from calwebb_image2, 3 from calwebb_image3).
SUFFIXES: dict[str, tuple[Level | None, ProductType]] = {
    s: (_fixed(info), info.product_type) for s, info in SUFFIX_INFO.items()
}

# Guide-star products are AUXILIARY; uncal-like ones are L1b, the rest (cal,
# image-cal, ...) L2b (§2.4; docs guidestar_products.rst).
GUIDESTAR_UNCAL_SUFFIXES = frozenset(
    {"uncal", "image-uncal", "stacked-uncal", "image_uncal", "stacked_uncal", "stream"}
)
# What a guide-star name may end in after an optional image/stacked: raw data,
# and what calwebb_guider (the only pipeline for guide-star data) writes.
GUIDESTAR_SUFFIXES = tuple(sorted(
    {"uncal", "stream"} | {s for s, i in SUFFIX_INFO.items() if "calwebb_guider" in i.written_by},
    key=lambda s: (-len(s), s),
))  # fmt: skip

# Forms (`jwlink.naming.grammar.Form` values) whose level and type never depend on a suffix.
_BY_FORM: dict[str, tuple[Level | None, ProductType]] = {
    "pool": (None, ProductType.INFO),
    "msa": (None, _AUX),
    "reference": (None, ProductType.REFERENCE),
    "context": (None, ProductType.REFERENCE),
    "engineering": (None, ProductType.ENGINEERING),
}


def classify(
    form: str,
    suffix: str | None,
    asn_type: str | None = None,
    image: str | None = None,
    *,
    acid: str | None = None,
) -> tuple[Level | None, ProductType]:
    """Return the level and MAST product type a parsed name implies.

    Parameters
    ----------
    form : str
        A `jwlink.naming.grammar.Form` value, e.g. ``"exposure"``.
    suffix : str or None
        The suffix as written; None or the ``{suffix}`` placeholder for a
        product name that has none yet.
    asn_type : str or None
        For associations: the level of `ASN_LEVELS`.
    image : {None, "preview", "thumbnail"}
        Whether the file is a picture of the product its name describes.
    acid : str or None
        The ACID of an exposure-based name, if it has one.

    Returns
    -------
    tuple of (Level or None, ProductType)
        A name without a suffix is the SCIENCE product of its base (3 for
        stage 3, else 2b); a suffix outside the table is AUXILIARY at the
        level of its base (see `is_known` to tell the two apart).
    """
    if form in _BY_FORM:
        return _BY_FORM[form]
    if form == "association":
        return ASN_LEVELS.get(str(asn_type)), ProductType.INFO
    if form == "guidestar":
        # image_uncal, stacked-uncal, ...: the word after image/stacked decides.
        raw = str(suffix).removeprefix("image").removeprefix("stacked").lstrip("-_")
        return (Level.L1B if raw in ("uncal", "stream") else Level.L2B), _AUX
    base = "src" if form == "stage3" else "exp"
    level: Level | None = Level.L3 if base == "src" else Level.L2B
    product_type = _SCI
    if suffix not in (None, "{suffix}"):
        info = SUFFIX_INFO.get(str(suffix))
        product_type = _AUX if info is None else info.product_type
        level = level_of(str(suffix), base, acid is not None) or level
    if image is not None:
        product_type = ProductType(image.upper())
    return level, product_type

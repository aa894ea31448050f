"""Tables of the JWST naming grammar: suffixes, what they imply, and closed vocabularies.

The facts come from ``jwst-data.md`` §1.4, §2.1, §2.3 (itself from
``docs/jwst/data_products/product_types.rst`` and ``jwst/lib/suffix.py`` of
spacetelescope/jwst), §2.4 for guide-star products and §2.5. They are kept as
data so that a new pipeline suffix or detector is a one-line change;
`jwlink.naming` holds the grammar that uses them.
"""

from __future__ import annotations

from jwlink.model import Level, ProductType

__all__ = [
    "ASN_TYPES",
    "classify",
    "DETECTORS",
    "EXTENSIONS",
    "FIXED_SLITS",
    "GS_KINDS",
    "GUIDESTAR_UNCAL_SUFFIXES",
    "INSTRUMENTS",
    "SUFFIXES",
]

# §2.1. The list is closed so that a missing detector ("..._00001_cal.fits") is
# reported as missing instead of being read as detector "cal".
DETECTORS = frozenset(
    {f"nrca{i}" for i in range(1, 5)} | {f"nrcb{i}" for i in range(1, 5)}
    | {"nrcalong", "nrcblong", "nrs1", "nrs2", "nis", "mirimage", "mirifushort",
       "mirifulong", "guider1", "guider2"}
)  # fmt: skip
INSTRUMENTS = ("nircam", "niriss", "nirspec", "miri", "fgs")  # §2.5
ASN_TYPES = ("image2", "image3", "spec2", "spec3", "tso3", "tso-image2", "tso-spec2",
             "coron3", "ami3", "wfs-image3", "nrslamp-spec2")  # fmt: skip  # §1.4
EXTENSIONS = ("fits", "ecsv", "asdf", "json", "jpg", "png")  # §2.5
# NIRSpec fixed slits (FXD_SLIT): calwebb_spec3 writes one where the association
# product name has the {slit_name} placeholder (§1.6).
FIXED_SLITS = ("s200a1", "s200a2", "s400a1", "s1600a1", "s200b1")
GS_KINDS = ("id", "acq1", "acq2", "track", "fg")  # §2.4

_SCI = ProductType.SCIENCE
_AUX = ProductType.AUXILIARY

# Step aliases that a pipeline run with ``save_results`` writes as a suffix.
# Only single-word aliases: ``assign_wcs``-style names contain ``_`` and are not
# valid suffix tokens in a JWST file name (§2.5 suffix regex).
_STEP_ALIASES = (
    "background", "barshadow", "emicorr", "engdblog", "firstframe", "fringe", "hlsp",
    "imprint", "ipc", "jump", "klip", "lastframe", "linearity", "msaflagopen", "nsclean",
    "pathloss", "persistence", "photom", "refpix", "resample", "reset", "rscd",
    "saturation", "skymatch", "srctype", "stackrefs", "straylight", "superbias",
    "tweakreg", "wavecorr", "wfscombine",
)  # fmt: skip

# Resampled / extracted per exposure (stage 2) or combined (stage 3), and the
# stage-3 products proper.
_PRODUCTS = ("i2d", "s2d", "s3d", "x1d", "x1dints", "cat", "segm", "c1d", "psfstack",
             "aminorm-oi", "aminorm", "phot", "whtlt", "wfscmb")  # fmt: skip
# L2c: exposure-based outputs of stage 3; the name carries the ACID.
_LEVEL_2C = ("crf", "crfints", "psfalign", "psfsub", "ami-oi", "amimulti-oi", "amilg",
             "ami", "amiavg")  # fmt: skip
# Optional or debugging intermediates of stages 2 and 3.
_INTERMEDIATES = ("bsub", "bsubints", "flat", "median", "blot", "snr", "mbsub",
                  "badpix_selfcal_bkg", *_STEP_ALIASES)  # fmt: skip

# suffix -> (level, product type), §2.3. A level of None means "the level of the
# name's base": 2b for exposure-based names, 3 for source/target-based ones,
# because stage 2 and stage 3 both write i2d, x1d, ... files.
SUFFIXES: dict[str, tuple[Level | None, ProductType]] = {
    # L1b: raw ramps.
    "uncal": (Level.L1B, _SCI),
    # L2a: count rates from calwebb_detector1, and its optional intermediates.
    "rate": (Level.L2A, _SCI),
    "rateints": (Level.L2A, _SCI),
    **dict.fromkeys(("ramp", "fitopt", "trapsfilled", "dark"), (Level.L2A, _AUX)),
    # L2b: calibrated exposures.
    "cal": (Level.L2B, _SCI),
    "calints": (Level.L2B, _SCI),
    **dict.fromkeys(_PRODUCTS, (None, _SCI)),
    **dict.fromkeys(_LEVEL_2C, (Level.L2C, _SCI)),
    **dict.fromkeys(_INTERMEDIATES, (None, _AUX)),
}

# Guide-star products are AUXILIARY; uncal-like ones are L1b, the rest (cal,
# image-cal, ...) L2b (§2.4; docs guidestar_products.rst).
GUIDESTAR_UNCAL_SUFFIXES = frozenset(
    {"uncal", "image-uncal", "stacked-uncal", "image_uncal", "stacked_uncal", "stream"}
)

# Forms (`jwlink.naming.Form` values) whose level and type never depend on a suffix.
_BY_FORM: dict[str, tuple[Level | None, ProductType]] = {
    "pool": (None, ProductType.INFO),
    "msa": (None, _AUX),
    "reference": (None, ProductType.REFERENCE),
    "context": (None, ProductType.REFERENCE),
    "engineering": (None, ProductType.ENGINEERING),
}


def classify(
    form: str, suffix: str | None, asn_type: str | None = None, image: str | None = None
) -> tuple[Level | None, ProductType]:
    """Return the level and MAST product type a parsed name implies.

    Parameters
    ----------
    form : str
        A `jwlink.naming.Form` value, e.g. ``"exposure"``.
    suffix : str or None
        The suffix as written; None or the ``{suffix}`` placeholder for a
        product name that has none yet.
    asn_type : str or None
        For associations: ``*2`` types are level 2b, the others level 3.
    image : {None, "preview", "thumbnail"}
        Whether the file is a picture of the product its name describes.

    Returns
    -------
    tuple of (Level or None, ProductType)
        A name without a suffix is the SCIENCE product of its base (3 for
        stage 3, else 2b); an unknown suffix is AUXILIARY at the base level.
    """
    if form in _BY_FORM:
        return _BY_FORM[form]
    if form == "association":
        return (Level.L2B if str(asn_type).endswith("2") else Level.L3), ProductType.INFO
    if form == "guidestar":
        return (Level.L1B if suffix in GUIDESTAR_UNCAL_SUFFIXES else Level.L2B), _AUX
    base = Level.L3 if form == "stage3" else Level.L2B
    level, product_type = (None, _SCI) if suffix in (None, "{suffix}") else (
        SUFFIXES.get(str(suffix), (None, _AUX)))  # fmt: skip
    if image is not None:
        product_type = ProductType(image.upper())
    return level or base, product_type

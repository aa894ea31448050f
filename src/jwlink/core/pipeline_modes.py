"""What each jwst pipeline writes, per association type and mode: one table, as data.

Every row is read from the pipeline code of spacetelescope/jwst at
`JWST_COMMIT` (the file is the row's ``source``): which association members
the pipeline reads, which products it saves, and which inputs feed each
product with what kind of link. The linker (`jwlink.core.linker.associations`)
expects products from this table and the synthesizer (`jwlink.synth`) writes
them from it; the README table "What the pipeline writes, per mode" is this
table in prose. Member exptypes a row does not read keep their generic kind
(`jwlink.core.expected.member_role`): an association lists them, the pipeline
passes over them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jwlink.errors import InvalidName
from jwlink.naming import FileName, Form, parse

__all__ = [
    "INSTRUMENT_ABBREVIATIONS",
    "JWST_COMMIT",
    "LEVEL2",
    "LEVEL3",
    "Feed",
    "Mode",
    "Output",
    "combined_science",
    "consumed",
    "level2_mode",
    "level3_mode",
    "member_output",
    "member_output_name",
    "rule_name",
]

JWST_COMMIT = "9c979f9dd7ebad425235af71bfd3f57696a742b3"


@dataclass(frozen=True, slots=True)
class Feed:
    """One input of a product and the link it makes.

    ``member`` is a member exptype (``science``, ``psf``, ...); ``output`` a
    suffix of another product of the same row. With both, the input is that
    member's own per-member product (``psf`` members' ``crfints``); with
    ``output`` only, the row's single product of that suffix.
    """

    kind: str
    role: str
    member: str | None = None
    output: str | None = None


@dataclass(frozen=True, slots=True)
class Output:
    """One product a pipeline saves.

    ``per_member`` names the member exptype it is saved once for (exposure
    name + ACID, e.g. ``_o001_crf``); otherwise it is saved once per
    association product (per source for ``{source_id}`` products).
    ``ints`` (Level 2) is the suffix for multi-integration data, or None if
    the pipeline does not save it for such data. ``mrp``: a combined science
    product.
    """

    suffix: str
    feeds: tuple[Feed, ...] = ()
    ext: str = "fits"
    per_member: str | None = None
    mrp: bool = False
    ints: str | None = None


@dataclass(frozen=True, slots=True)
class Mode:
    """One row: a pipeline on one kind of data, and what it writes."""

    name: str
    asn_types: tuple[str, ...]
    source: str
    outputs: tuple[Output, ...]
    covers: str
    rules: tuple[str, ...] = ()
    exp_types: tuple[str, ...] = ()
    note: str = ""
    steps: tuple[str, ...] = ()

    def output(self, suffix: str) -> Output:
        """Return the row's single (not per-member) product of this suffix."""
        for out in self.outputs:
            if out.suffix == suffix and out.per_member is None:
                return out
        raise KeyError(suffix)


def _f(kind: str, role: str, member: str | None = None, output: str | None = None) -> Feed:
    return Feed(kind, role, member, output)


_STAGE = ("antecedent", "stage")
_SCI = ("composition", "science")
_BKG = _f("calibration", "background", "background")
_FROM_SCIENCE = _f(*_STAGE, "science")

# --- Level 2: one product per exposure (calwebb_image2.py, calwebb_spec2.py) ----------
_L2_FEEDS = (
    _FROM_SCIENCE,
    _BKG,
    _f("calibration", "imprint", "imprint"),
    _f("calibration", "selfcal", "selfcal"),
    _f("calibration", "sourcecat", "sourcecat"),
    _f("calibration", "segmap", "segmap"),
    _f("calibration", "direct_image", "direct_image"),
)
_CAL = Output("cal", _L2_FEEDS, ints="calints")
_IMAGE_CAL = Output("cal", (_FROM_SCIENCE, _BKG), ints="calints")  # image2 reads no others
_FROM_CAL = (_f(*_STAGE, output="cal"),)
_IMAGE2 = "jwst/pipeline/calwebb_image2.py"
_SPEC2 = "jwst/pipeline/calwebb_spec2.py"
_L2_TYPES = ("image2", "tso-image2")
_S2_TYPES = ("spec2", "tso-spec2", "nrslamp-spec2")

LEVEL2: tuple[Mode, ...] = (
    Mode("image2-imaging", _L2_TYPES, _IMAGE2,
         (_IMAGE_CAL, Output("i2d", _FROM_CAL)),
         "imaging (2-D data only: resample runs for image_exptypes)",
         exp_types=("MIR_IMAGE", "NRC_IMAGE", "NIS_IMAGE", "FGS_IMAGE")),
    Mode("image2", _L2_TYPES, _IMAGE2, (_IMAGE_CAL,),
         "every other image2 exposure: coronagraphy, AMI, TSO imaging, TA, WFS&C"),
    Mode("spec2-slit", _S2_TYPES, _SPEC2,
         (_CAL, Output("s2d", _FROM_CAL), Output("x1d", _FROM_CAL, ints="x1dints")),
         "NIRSpec fixed slit and MOS, MIRI LRS slit (s2d only for 2-D data)",
         exp_types=("NRS_FIXEDSLIT", "NRS_MSASPEC", "MIR_LRS-FIXEDSLIT")),
    Mode("spec2-ifu", _S2_TYPES, _SPEC2,
         (_CAL, Output("s3d", _FROM_CAL), Output("x1d", _FROM_CAL, ints="x1dints")),
         "NIRSpec IFU, MIRI MRS (cube_build, then extract_1d on the cube)",
         exp_types=("NRS_IFU", "MIR_MRS")),
    Mode("spec2", _S2_TYPES, _SPEC2,
         (_CAL, Output("x1d", _FROM_CAL, ints="x1dints")),
         "WFSS, SOSS, TSO spectra, MIRI LRS slitless, lamps: no resampled product"),
)  # fmt: skip

# --- Level 3 -----------------------------------------------------------------------------
_CRF = Output("crf", (_FROM_SCIENCE,), per_member="science")
_IMAGE3 = Mode(
    "image3", ("image3", "image", "mosaic"), "jwst/pipeline/calwebb_image3.py",
    (_CRF,
     Output("i2d", (_f(*_SCI, "science"), _f(*_SCI, "science", "crf")), mrp=True),
     Output("cat", (_f(*_STAGE, output="i2d"),), ext="ecsv", mrp=True),
     Output("segm", (_f(*_STAGE, output="i2d"),), mrp=True)),
    "imaging; only science members are read (asn_exptypes=['science'])",
    rules=("Asn_Lv3Image", "Asn_Lv3ImageBackground", "Asn_Lv3NRCCoronImage",
           "Asn_Lv3ImageMosaic", "Asn_Image", "Asn_Mosaic"),
    note="cat and segm come from source_catalog on the i2d",
    steps=("jwst/source_catalog/source_catalog_step.py",),
)  # fmt: skip
_CORON3 = Mode(
    "coron3", ("coron3",), "jwst/pipeline/calwebb_coron3.py",
    (Output("crfints", (_f(*_STAGE, "psf"),), per_member="psf"),
     Output("crfints", (_FROM_SCIENCE,), per_member="science"),
     Output("psfstack", (_f("composition", "psf", "psf"),
                         _f("composition", "psf", "psf", "crfints")), mrp=True),
     Output("psfalign", (_FROM_SCIENCE, _f(*_STAGE, "science", "crfints"),
                         _f("calibration", "psf", output="psfstack")), per_member="science"),
     Output("psfsub", (_FROM_SCIENCE, _f("calibration", "psf", "science", "psfalign")),
            per_member="science"),
     Output("i2d", (_f(*_SCI, "science"), _f(*_SCI, "science", "psfsub"),
                    _f("calibration", "psf", "psf")), mrp=True)),
    "coronagraphy: the psfstack is stack_refs over the PSF members only; align_refs and "
    "klip run per science member; resample combines the psfsub",
    rules=("Asn_Lv3NRCCoron", "Asn_Lv3MIRCoron"),
)  # fmt: skip
_AMI3 = Mode(
    "ami3", ("ami3",), "jwst/pipeline/calwebb_ami3.py",
    (Output("ami-oi", (_FROM_SCIENCE,), per_member="science"),
     Output("psf-ami-oi", (_f(*_STAGE, "psf"),), per_member="psf"),
     Output("aminorm-oi", (_f(*_SCI, "science"), _f(*_SCI, "science", "ami-oi"),
                           _f("calibration", "psf", "psf"),
                           _f("calibration", "psf", "psf", "psf-ami-oi")), mrp=True)),
    "aperture masking interferometry; ami3 saves ami-oi (and psf-ami-oi) per member, "
    "not amimulti-oi/amilg (only the ami_analyze step run alone saves those)",
    rules=("Asn_Lv3AMI",),
)  # fmt: skip
_TSO_CRF = Output("crfints", (_FROM_SCIENCE,), per_member="science")
_TSO3_SPEC = Mode(
    "tso3-spec", ("tso3",), "jwst/pipeline/calwebb_tso3.py",
    (_TSO_CRF,
     Output("x1dints", (_f(*_SCI, "science"), _f(*_SCI, "science", "crfints")), mrp=True),
     Output("whtlt", (_f(*_STAGE, output="x1dints"),), ext="ecsv", mrp=True)),
    "TSO spectroscopy: every exposure type but NRC_TSIMAGE and MIR_IMAGE",
    rules=("Asn_Lv3TSO",),
    exp_types=("NRS_BRIGHTOBJ", "NRC_TSGRISM", "NIS_SOSS", "MIR_LRS-SLITLESS"),
)  # fmt: skip
_TSO3_IMAGE = Mode(
    "tso3-image", ("tso3",), "jwst/pipeline/calwebb_tso3.py",
    (_TSO_CRF,
     Output("phot", (_f(*_SCI, "science"), _f(*_SCI, "science", "crfints")), ext="ecsv",
            mrp=True)),
    "TSO imaging (NRC_TSIMAGE, MIR_IMAGE with TSOVISIT)",
    rules=("Asn_Lv3TSO",), exp_types=("NRC_TSIMAGE", "MIR_IMAGE"),
)  # fmt: skip
_WFS3 = Mode(
    "wfs-image3", ("wfs-image3",), "jwst/wfs_combine/wfs_combine_step.py",
    (Output("wfscmb", (_f(*_SCI, "science"),), mrp=True),),
    "WFS&C pairs; the name is the product name with {suffix} set to wfscmb",
    rules=("Asn_Lv3WFSCMB",),
)  # fmt: skip
_SPEC3 = "jwst/pipeline/calwebb_spec3.py"
_SPEC3_IFU = Mode(
    "spec3-ifu", ("spec3",), _SPEC3,
    (_CRF,
     Output("s3d", (_f(*_SCI, "science"), _f(*_SCI, "science", "crf"), _BKG), mrp=True),
     Output("x1d", (_f(*_STAGE, output="s3d"),), mrp=True)),
    "NIRSpec IFU, MIRI MRS: cube_build then extract_1d",
    rules=("Asn_Lv3NRSIFU", "Asn_Lv3NRSIFUBackground", "Asn_Lv3MIRMRS",
           "Asn_Lv3MIRMRSBackground", "Asn_IFU"),
    exp_types=("NRS_IFU", "MIR_MRS"),
    note="cube_build adds the band to the name (NIRSpec _<grating>-<filter>, MIRI "
         "_ch<N>-<band>); jwlink names the cube by the product name alone",
)  # fmt: skip
_SPEC3_SOURCES = Mode(
    "spec3-sources", ("spec3",), _SPEC3,
    (Output("cal", (_f(*_SCI, "science"), _BKG)),
     Output("crf", (_f(*_STAGE, output="cal"),)),
     Output("s2d", (_f(*_SCI, output="crf"),), mrp=True),
     Output("x1d", (_f(*_STAGE, output="s2d"),), mrp=True)),
    "NIRSpec MOS and fixed slit: one cal, crf, s2d and x1d per source "
    "({source_id}, and {slit_name} for fixed slits)",
    rules=("Asn_Lv3SpectralSource", "Asn_Lv3NRSFSS"),
    exp_types=("NRS_MSASPEC", "NRS_FIXEDSLIT"),
)  # fmt: skip
_SPEC3_SLIT = Mode(
    "spec3-slit", ("spec3",), _SPEC3,
    (_CRF,
     Output("s2d", (_f(*_SCI, "science"), _f(*_SCI, "science", "crf"), _BKG), mrp=True),
     Output("x1d", (_f(*_STAGE, output="s2d"),), mrp=True)),
    "single-source slit: MIRI LRS fixed slit",
    rules=("Asn_Lv3SpectralTarget",), exp_types=("MIR_LRS-FIXEDSLIT",),
)  # fmt: skip
_SPEC3_LRS_SLITLESS = Mode(
    "spec3-lrs-slitless", ("spec3",), _SPEC3,
    (_CRF,
     Output("x1d", (_f(*_SCI, "science"), _f(*_SCI, "science", "crf"), _BKG), mrp=True),
     Output("c1d", (_f(*_STAGE, output="x1d"),), mrp=True)),
    "MIRI LRS slitless outside TSO: never resampled; extract_1d then combine_1d",
    rules=("Asn_Lv3SlitlessSpectral",), exp_types=("MIR_LRS-SLITLESS",),
)  # fmt: skip
_SPEC3_SLITLESS = Mode(
    "spec3-slitless", ("spec3",), _SPEC3,
    (Output("x1d", (_f(*_SCI, "science"), _BKG), mrp=True),
     Output("c1d", (_f(*_STAGE, output="x1d"),), mrp=True)),
    "WFSS (NIRCam, NIRISS, MIRI: all sources in one x1d since jwst 1.19) and NIRISS SOSS "
    "outside TSO: no outlier detection, no resampling",
    rules=("Asn_Lv3WFSSNRC", "Asn_Lv3WFSSNIS", "Asn_Lv3WFSSMIR"),
    exp_types=("NIS_WFSS", "NRC_WFSS", "MIR_WFSS", "NIS_SOSS"),
)  # fmt: skip

LEVEL3: tuple[Mode, ...] = (
    _IMAGE3, _CORON3, _AMI3, _TSO3_SPEC, _TSO3_IMAGE, _WFS3,
    _SPEC3_IFU, _SPEC3_SOURCES, _SPEC3_SLIT, _SPEC3_LRS_SLITLESS, _SPEC3_SLITLESS,
)  # fmt: skip

# Instrument as earlier pipeline builds abbreviated it in product names
# (``jw00626-c1003_t001_nrs``, docs/jwst/master_background/description.rst).
INSTRUMENT_ABBREVIATIONS = {"nrs": "nirspec", "nrc": "nircam", "nis": "niriss", "mir": "miri"}
_FIXED_SLIT = re.compile(r"(^|-)(s200a1|s200a2|s400a1|s1600a1|s200b1|allslits)($|-)")
_GRISM = re.compile(r"(^|-)(gr150[rc]|grism[rc]?|gdhs\d*)($|-)")
_BY_RULE = {rule: mode for mode in LEVEL3 for rule in mode.rules if mode is not _TSO3_IMAGE}


def rule_name(asn_rule: str | None) -> str:
    """Return the rule class of an ``asn_rule`` (``candidate_Asn_Lv3AMI`` -> ``Asn_Lv3AMI``)."""
    text = asn_rule or ""
    at = text.find("Asn_")
    return text[at:] if at >= 0 else text


def _tso3(instrument: str, optelems: str) -> Mode:
    # calwebb_tso3 photometers NRC_TSIMAGE and MIR_IMAGE; every other TSO
    # exposure type goes down the spectral branch. The name tells them
    # apart: NIRCam grism time series carry a grism, MIRI LRS its prism.
    if instrument == "nircam" and not _GRISM.search(optelems):
        return _TSO3_IMAGE
    if instrument == "miri" and not re.search(r"p750l|slitlessprism", optelems):
        return _TSO3_IMAGE
    return _TSO3_SPEC


def _spec3_by_name(instrument: str, optelems: str, per_source: bool) -> Mode:
    if per_source:
        return _SPEC3_SOURCES
    if instrument in ("niriss", "nircam"):
        return _SPEC3_SLITLESS
    if instrument == "miri":
        if not optelems or optelems.startswith("ch"):
            return _SPEC3_IFU
        return _SPEC3_LRS_SLITLESS if "slitlessprism" in optelems else _SPEC3_SLIT
    if instrument == "nirspec" and not _FIXED_SLIT.search(optelems):
        return _SPEC3_IFU
    return _SPEC3_SLIT


def level3_mode(
    asn_type: str | None, asn_rule: str | None, instrument: str, optelems: str, per_source: bool
) -> Mode:
    """Return the row that says what a Level 3 association product makes.

    Parameters
    ----------
    asn_type : str or None
        The association's ``asn_type`` (None or unknown is read as image3).
    asn_rule : str or None
        Its ``asn_rule``; the rule class decides the mode where the table
        knows it (MIRI WFSS and MIRI LRS share ``p750l``; only the rule
        tells them apart).
    instrument : str
        Instrument from the product name (old abbreviations such as ``nrs``
        are read as the instrument they stand for).
    optelems : str
        Optical-element part of the product name (may be empty).
    per_source : bool
        The product name carries a ``{source_id}`` placeholder.

    Returns
    -------
    Mode
        The table row.
    """
    instrument = INSTRUMENT_ABBREVIATIONS.get(instrument, instrument)
    kind = asn_type or "image3"
    by_rule = _BY_RULE.get(rule_name(asn_rule))
    if kind == "tso3" or by_rule is _TSO3_SPEC:
        return _tso3(instrument, optelems)
    if by_rule is not None and kind in by_rule.asn_types:
        if by_rule in (_SPEC3_SLIT, _SPEC3_LRS_SLITLESS) and instrument == "niriss":
            return _SPEC3_SLITLESS  # NIS_SOSS outside TSO shares these rules
        if by_rule is _SPEC3_SLIT and "slitlessprism" in optelems:
            return _SPEC3_LRS_SLITLESS
        return by_rule
    if kind == "spec3":
        return _spec3_by_name(instrument, optelems, per_source)
    for mode in (_CORON3, _AMI3, _WFS3):
        if kind in mode.asn_types:
            return mode
    return _IMAGE3


def level2_mode(asn_type: str | None, exp_type: str | None) -> Mode:
    """Return the Level 2 row for an exposure type (None: the row every exposure shares)."""
    spectral = (asn_type or "").endswith("spec2")
    fallback = LEVEL2[4] if spectral else LEVEL2[1]
    if exp_type is None:
        return fallback
    for mode in LEVEL2:
        if exp_type.upper() in mode.exp_types and (asn_type or "image2") in mode.asn_types:
            return mode
    return fallback


def combined_science(asn_type: str) -> frozenset[str]:
    """Return the suffixes of the combined science products an asn_type's pipeline writes."""
    return frozenset(
        out.suffix
        for mode in LEVEL3
        if mode.asn_types[0] == asn_type
        for out in mode.outputs
        if out.mrp
    )


def consumed(mode: Mode) -> frozenset[str]:
    """Return the member exptypes the row's pipeline reads."""
    return frozenset(f.member for o in mode.outputs for f in o.feeds if f.member is not None)


def member_output_name(expname: str, acid: str, suffix: str) -> str | None:
    """Return the name of a per-member product: `member_output` of the parsed ``expname``."""
    try:
        fn = parse(expname)
    except InvalidName:
        return None
    output = member_output(fn, acid, suffix)
    return None if output is None else str(output)


def member_output(member: FileName, acid: str, suffix: str) -> FileName | None:
    """Return the name of a per-member product: the exposure name, ACID and suffix.

    Parameters
    ----------
    member : FileName
        The member's parsed file name (``..._nrca1_calints.fits``).
    acid : str
        The association's candidate id (``o001``, ``c1020``).
    suffix : str
        The product suffix (``crfints``, ``psfalign``, ...).

    Returns
    -------
    FileName or None
        ``<exposure>_<acid>_<suffix>.fits`` (parsed once, to be sure the grammar
        reads back what it wrote), or None where the member is not an exposure
        name or the grammar cannot write the result.
    """
    if member.form is not Form.EXPOSURE:
        return None
    try:
        return parse(str(member.with_acid(acid).with_suffix(suffix, "fits")))
    except (InvalidName, ValueError):
        return None

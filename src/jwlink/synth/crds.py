"""CRDS reference files that synthetic products name in their ``R_*`` keywords.

One reference file serves every exposure that shares its selection keys
(detector, filter, mode), as CRDS selects them, so a replaced dark or flat
touches many products: that is what makes "impact" questions interesting.
Serial numbers are stable hashes of the selection keys, so the same
configuration always gets the same file, in every program and every seed.

Those names and `CONTEXT` are invented: no real CRDS cache holds them. So
that ``jwlink stale`` can show staleness truthfully, NIRISS imaging
exposures (CLEAR/F150W, full frame) are "calibrated earlier": their headers
name `OLD_CONTEXT`, a real context, and exactly the real files it selects
for their real selection parameters (`OLD_NIRISS_IMAGE`, with
``READPATT = NIS``). A later real context, such as ``jwst_0541.pmap`` of the
cache in ``../shared/data/crds``, replaces several of them.
"""

from __future__ import annotations

import zlib
from functools import lru_cache

from jwlink.synth.plan import Exposure, Optics

__all__ = [
    "CONTEXT",
    "OLD_CONTEXT",
    "OLD_NIRISS_IMAGE",
    "calibrated_earlier",
    "context_of",
    "selection_keywords",
    "ReferenceFile",
    "extraction_references",
    "instrument_of",
    "references",
]

CONTEXT = "jwst_1303.pmap"
OLD_CONTEXT = "jwst_0303.pmap"
# What jwst_0303.pmap selects for NIRISS imaging (INSTRUME NIRISS, DETECTOR NIS,
# EXP_TYPE NIS_IMAGE, READPATT NIS, SUBARRAY FULL, FILTER CLEAR, PUPIL F150W)
# at any date from 2016 on: crds.getrecommendations over the real CRDS cache
# (tests/test_stale_demo.py asks CRDS again). R_FILOFF: no filteroffset rules then.
OLD_NIRISS_IMAGE: dict[str, str] = {
    "R_DARK": "jwst_niriss_dark_0044.fits",
    "R_GAIN": "jwst_niriss_gain_0002.fits",
    "R_LINEAR": "jwst_niriss_linearity_0006.fits",
    "R_MASK": "jwst_niriss_mask_0005.fits",
    "R_READNO": "jwst_niriss_readnoise_0001.fits",
    "R_SATURA": "jwst_niriss_saturation_0008.fits",
    "R_SUPERB": "jwst_niriss_superbias_0029.fits",
    "R_IPC": "jwst_niriss_ipc_0007.fits",
    "R_FLAT": "jwst_niriss_flat_0065.fits",
    "R_PHOTOM": "jwst_niriss_photom_0025.fits",
    "R_AREA": "jwst_niriss_area_0011.fits",
    "R_DISTOR": "jwst_niriss_distortion_0006.asdf",
    "R_FILOFF": "N/A",
}
_OLD_OPTICS = Optics(filter="CLEAR", pupil="F150W")

# Keyword -> (reftype, file extension). Keywords are the 8-character FITS
# names of core.schema.yaml (R_DISTOR for distortion, R_READNO for readnoise).
_KEYWORDS: dict[str, tuple[str, str]] = {
    "R_DARK": ("dark", "fits"),
    "R_GAIN": ("gain", "fits"),
    "R_LINEAR": ("linearity", "fits"),
    "R_MASK": ("mask", "fits"),
    "R_READNO": ("readnoise", "fits"),
    "R_SATURA": ("saturation", "fits"),
    "R_SUPERB": ("superbias", "fits"),
    "R_IPC": ("ipc", "fits"),
    "R_RESET": ("reset", "fits"),
    "R_RSCD": ("rscd", "fits"),
    "R_FLAT": ("flat", "fits"),
    "R_PHOTOM": ("photom", "fits"),
    "R_AREA": ("area", "fits"),
    "R_DISTOR": ("distortion", "asdf"),
    "R_FILOFF": ("filteroffset", "asdf"),
    "R_FFLAT": ("fflat", "fits"),
    "R_SFLAT": ("sflat", "fits"),
    "R_DFLAT": ("dflat", "fits"),
    "R_SPCWCS": ("specwcs", "asdf"),
    "R_WAVRAN": ("wavelengthrange", "asdf"),
    "R_APCORR": ("apcorr", "fits"),
    "R_EXTR1D": ("extract1d", "asdf"),  # .json would read as an association
    "R_PTHLOS": ("pathloss", "fits"),
    "R_CUBPAR": ("cubepar", "fits"),
    "R_PSFMAS": ("psfmask", "fits"),
}
# Keywords written as 'N/A': steps that did not run for this mode (real
# headers list every R_* keyword the datamodel knows).
_NOT_APPLICABLE = ("R_IFUFOR", "R_IFUPOS", "R_IFUSLI", "R_CAMERA", "R_COLLIM", "R_FORE")

_DETECTOR_REFS = ("R_DARK", "R_GAIN", "R_LINEAR", "R_MASK", "R_READNO", "R_SATURA")
_SPECTRAL_TYPES = (
    "NRS_MSASPEC",
    "NRS_FIXEDSLIT",
    "NRS_IFU",
    "NRS_BRIGHTOBJ",
    "MIR_LRS-FIXEDSLIT",
    "MIR_MRS",
    "NIS_WFSS",
    "NIS_SOSS",
)
_INSTRUMENT = {"nrc": "nircam", "nis": "niriss", "nrs": "nirspec", "mir": "miri", "fgs": "fgs"}


class ReferenceFile(str):
    """A reference file name; ``reftype`` and ``instrument`` say what it is."""

    reftype: str
    instrument: str
    detector: str

    def __new__(  # noqa: D102
        cls, instrument: str, reftype: str, detector: str, key: str, ext: str
    ) -> ReferenceFile:
        serial = 1 + zlib.crc32(f"{instrument}/{reftype}/{key}".encode()) % 480
        self = super().__new__(cls, f"jwst_{instrument}_{reftype}_{serial:04d}.{ext}")
        self.reftype, self.instrument, self.detector = reftype, instrument, detector
        return self

    @classmethod
    def named(cls, name: str, instrument: str, reftype: str, detector: str) -> ReferenceFile:
        """Return a reference file of a given (real) name."""
        self = str.__new__(cls, name)
        self.reftype, self.instrument, self.detector = reftype, instrument, detector
        return self


@lru_cache(maxsize=4096)
def _reference(instrument: str, keyword: str, detector: str, key: str) -> ReferenceFile:
    reftype, ext = _KEYWORDS[keyword]
    return ReferenceFile(instrument, reftype, detector, key, ext)


def instrument_of(exp_type: str) -> str:
    """Return the lower-case instrument of an EXP_TYPE (``NRC_IMAGE`` -> ``nircam``)."""
    return _INSTRUMENT[exp_type[:3].lower()]


def _selection(exp_type: str, detector: str, o: Optics, keyword: str) -> str:
    """Return the keys CRDS selects this keyword's file by, as one string."""
    if keyword in _DETECTOR_REFS or keyword in ("R_SUPERB", "R_IPC", "R_RESET", "R_RSCD"):
        return f"{detector}/{o.subarray}"
    if keyword in ("R_FLAT", "R_FFLAT", "R_SFLAT", "R_DFLAT", "R_AREA"):
        return f"{detector}/{o.filter}/{o.pupil}/{o.grating}/{exp_type}"
    if keyword in ("R_DISTOR", "R_FILOFF", "R_SPCWCS", "R_WAVRAN"):
        return f"{detector}/{exp_type}/{o.pupil}"
    return f"{exp_type}/{o.grating}/{o.fxd_slit}"


def calibrated_earlier(exp: Exposure) -> bool:
    """Whether the exposure's products were calibrated under `OLD_CONTEXT`."""
    return (exp.exp_type, exp.detector, exp.optics) == ("NIS_IMAGE", "nis", _OLD_OPTICS)


def context_of(exp: Exposure) -> str:
    """Return the ``CRDS_CTX`` of an exposure's calibrated products."""
    return OLD_CONTEXT if calibrated_earlier(exp) else CONTEXT


def selection_keywords(exp: Exposure) -> dict[str, str]:
    """Return header keywords CRDS selects by that the synthesizer writes only when real.

    ``READPATT`` for the exposures calibrated under `OLD_CONTEXT`, whose
    selection parameters are those of a real NIRISS imaging exposure.
    """
    return {"READPATT": "NIS"} if calibrated_earlier(exp) else {}


def references(exp: Exposure) -> dict[str, ReferenceFile | str]:
    """Return the ``R_*`` keywords of an exposure's calibrated (L2b) product.

    Values are `ReferenceFile` names (written ``crds://<name>``) or ``'N/A'``.
    The dict is shared between exposures of one configuration: do not modify it.
    """
    if calibrated_earlier(exp):
        return _old_references()
    return _references(exp.exp_type, exp.detector, exp.optics)


@lru_cache(maxsize=1)
def _old_references() -> dict[str, ReferenceFile | str]:
    refs: dict[str, ReferenceFile | str] = {}
    for keyword, name in OLD_NIRISS_IMAGE.items():
        reftype = _KEYWORDS[keyword][0]
        refs[keyword] = (
            name if name == "N/A" else ReferenceFile.named(name, "niriss", reftype, "nis")
        )
    for keyword in _NOT_APPLICABLE:
        refs[keyword] = "N/A"
    return refs


@lru_cache(maxsize=1024)
def _references(exp_type: str, detector: str, optics: Optics) -> dict[str, ReferenceFile | str]:
    instrument = instrument_of(exp_type)
    spectral = exp_type in _SPECTRAL_TYPES
    keys = list(_DETECTOR_REFS)
    keys += ["R_RESET", "R_RSCD"] if instrument == "miri" else ["R_SUPERB", "R_IPC"]
    if instrument == "nirspec" and spectral:
        keys += ["R_FFLAT", "R_SFLAT", "R_DFLAT", "R_PHOTOM", "R_WAVRAN", "R_PTHLOS"]
    elif spectral:
        keys += ["R_FLAT", "R_PHOTOM", "R_SPCWCS", "R_DISTOR"]
    else:
        keys += ["R_FLAT", "R_PHOTOM", "R_AREA", "R_DISTOR"]
        if instrument in ("nircam", "niriss"):
            keys.append("R_FILOFF")
    if exp_type in ("NRS_IFU", "MIR_MRS"):
        keys.append("R_CUBPAR")
    if optics.coronmsk:
        keys.append("R_PSFMAS")
    refs: dict[str, ReferenceFile | str] = {}
    for keyword in keys:
        refs[keyword] = _reference(
            instrument, keyword, detector, _selection(exp_type, detector, optics, keyword)
        )
    for keyword in _NOT_APPLICABLE:
        refs[keyword] = "N/A"
    return refs


def extraction_references(exp: Exposure) -> dict[str, ReferenceFile | str]:
    """Return the ``R_*`` keywords of a stage-2 spectral product (``_x1d``, ``_s2d``...)."""
    return _extraction(exp.exp_type, exp.detector, exp.optics)


@lru_cache(maxsize=1024)
def _extraction(exp_type: str, detector: str, optics: Optics) -> dict[str, ReferenceFile | str]:
    instrument = instrument_of(exp_type)
    return {
        keyword: _reference(
            instrument, keyword, detector, _selection(exp_type, detector, optics, keyword)
        )
        for keyword in ("R_EXTR1D", "R_APCORR")
    }

"""CRDS reference-file types by the ``R_*`` FITS keyword that names the file (pure).

A product's header names each reference file the pipeline used in an ``R_*``
keyword whose stem is cut to eight characters (``R_SUPERB``, ``R_DISTOR``).
Roles say the reftype CRDS and the pipeline use (``superbias``,
``distortion``), which is the property name under ``meta.ref_file`` in the
datamodels schema; the table below is that schema's mapping.
"""

from __future__ import annotations

from collections import Counter

__all__ = ["REFTYPES", "UNMAPPED", "reference_role", "reftype_for"]

# Generated from stdatamodels 6.0.0 (the version jwst 3.0.0 installs),
# stdatamodels/jwst/datamodels/schemas/core.schema.yaml,
# meta.ref_file.<reftype>.name.fits_keyword. tests/test_reftypes.py checks it
# against the installed schema. R_MSAOPE is "badshutter" there, not CRDS's
# "msaoper": the schema is what the pipeline writes by (jwst.stpipe.core
# sets meta.ref_file.<reftype> only where the schema has that name).
REFTYPES: dict[str, str] = {
    "R_AREA": "area",
    "R_BARSHA": "barshadow",
    "R_BKG": "bkg",
    "R_CAMERA": "camera",
    "R_CHRCOR": "chromcorr",
    "R_COLLIM": "collimator",
    "R_CUBPAR": "cubepar",
    "R_DARK": "dark",
    "R_DFLAT": "dflat",
    "R_DISPER": "disperser",
    "R_DISTOR": "distortion",
    "R_EXTR1D": "extract1d",
    "R_FFLAT": "fflat",
    "R_FILOFF": "filteroffset",
    "R_FLAT": "flat",
    "R_FORE": "fore",
    "R_FPA": "fpa",
    "R_FRIFRQ": "fringefreq",
    "R_FRINGE": "fringe",
    "R_GAIN": "gain",
    "R_IFUFOR": "ifufore",
    "R_IFUPOS": "ifupost",
    "R_IFUSLI": "ifuslicer",
    "R_IPC": "ipc",
    "R_LASTFR": "lastframe",
    "R_LINEAR": "linearity",
    "R_MASK": "mask",
    "R_MIREMI": "emicorr",
    "R_MRSPT": "mrsptcorr",
    "R_MRSXAR": "mrsxartcorr",
    "R_MSA": "msa",
    "R_MSAOPE": "badshutter",
    "R_NRM": "nrm",
    "R_OTE": "ote",
    "R_PERSAT": "persat",
    "R_PHOTOM": "photom",
    "R_PSFMAS": "psfmask",
    "R_PSTSOS": "pastasoss",
    "R_PTHLOS": "pathloss",
    "R_READNO": "readnoise",
    "R_REFPIX": "refpix",
    "R_REGION": "regions",
    "R_RESAMP": "resample",
    "R_RESET": "reset",
    "R_RESOL": "resolution",
    "R_RSCD": "rscd",
    "R_SATURA": "saturation",
    "R_SFLAT": "sflat",
    "R_SIRSKL": "sirskernel",
    "R_SPCWCS": "specwcs",
    "R_SPKERN": "speckernel",
    "R_SPPROF": "specprofile",
    "R_SPTRAC": "spectrace",
    "R_STRAY": "straylight",
    "R_SUPERB": "superbias",
    "R_THRPUT": "throughput",
    "R_TRPDEN": "trapdensity",
    "R_TRPPAR": "trappars",
    "R_TSPHOT": "tso_photometry",
    "R_V2V3": "v2v3",
    "R_WAVCOR": "wavecorr",
    "R_WAVMAP": "wavemap",
    "R_WAVRAN": "wavelengthrange",
}

# Keywords met that the table does not know, by how often: a newer pipeline's
# reference type, or a header written by hand. Their role is the lowercased stem.
UNMAPPED: Counter[str] = Counter()


def reftype_for(keyword: str) -> str:
    """Return the CRDS reftype an ``R_*`` keyword names.

    Parameters
    ----------
    keyword : str
        A FITS keyword, e.g. ``R_SUPERB`` (any case).

    Returns
    -------
    str
        The reftype (``superbias``); for a keyword not in `REFTYPES`, its
        lowercased stem (``R_NEWREF`` -> ``newref``), counted in `UNMAPPED`.
    """
    key = keyword.strip().upper()
    reftype = REFTYPES.get(key)
    if reftype is None:
        UNMAPPED[key] += 1
        reftype = key.removeprefix("R_").lower()
    return reftype


def reference_role(keyword: str) -> str:
    """Return the link role of the file an ``R_*`` keyword names (``reference:superbias``)."""
    return f"reference:{reftype_for(keyword)}"

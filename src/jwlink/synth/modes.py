"""The instrument modes the synthesizer covers and the programs that hold them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from jwlink.synth import modes_imaging as im
from jwlink.synth import modes_spectra as sp
from jwlink.synth.plan import ObsContext, ObservationPlan

__all__ = ["BUILDERS", "DATAPRODUCT", "FAMILIES", "MODES", "WEIGHTS", "Family"]

Builder = Callable[[ObsContext], ObservationPlan]

BUILDERS: dict[str, Builder] = {
    "nircam_image": im.nircam_image,
    "niriss_image": im.niriss_image,
    "miri_image": im.miri_image,
    "fgs_image": im.fgs_image,
    "nircam_wfsc": im.nircam_wfsc,
    "nircam_coron": im.nircam_coron,
    "miri_coron": im.miri_coron,
    "niriss_ami": im.niriss_ami,
    "nirspec_mos": sp.nirspec_mos,
    "nirspec_fs": sp.nirspec_fs,
    "nirspec_ifu": sp.nirspec_ifu,
    "miri_lrs": sp.miri_lrs,
    "miri_mrs": sp.miri_mrs,
    "niriss_wfss": sp.niriss_wfss,
    "niriss_soss": sp.niriss_soss,
    "nirspec_bots": sp.nirspec_bots,
    "nircam_tsimage": sp.nircam_tsimage,
}
MODES: tuple[str, ...] = tuple(sorted(BUILDERS))

# MAST dataproduct_type of each mode's products.
DATAPRODUCT = {
    **dict.fromkeys(
        (
            "nircam_image",
            "niriss_image",
            "miri_image",
            "fgs_image",
            "nircam_wfsc",
            "nircam_coron",
            "miri_coron",
            "niriss_ami",
        ),
        "image",
    ),
    **dict.fromkeys(("nirspec_mos", "nirspec_fs", "miri_lrs", "niriss_wfss"), "spectrum"),
    **dict.fromkeys(("nirspec_ifu", "miri_mrs"), "cube"),
    **dict.fromkeys(("niriss_soss", "nirspec_bots", "nircam_tsimage"), "timeseries"),
}

# Share of the requested products each mode gets (imaging mosaics dominate
# real archives); the big benchmark mosaic comes on top of its share.
WEIGHTS = {mode: 0.05 for mode in MODES} | {"nircam_image": 0.2}


@dataclass(frozen=True, slots=True)
class Family:
    """A kind of program: its modes, title, category, access and targets."""

    modes: tuple[str, ...]
    title: str
    category: str
    exclusive: bool
    targets: tuple[str, ...]


FAMILIES: tuple[Family, ...] = (
    Family(
        ("nircam_image",),
        "A deep NIRCam mosaic of an extragalactic field",
        "GO",
        False,
        ("GOODS-S-DEEP", "UDS-WIDE", "COSMOS-CENTRAL"),
    ),
    Family(
        ("niriss_image", "miri_image", "fgs_image"),
        "Multi-instrument imaging of nearby galaxies",
        "GO",
        True,
        ("NGC-1365", "NGC-628", "M-83"),
    ),
    Family(
        ("nirspec_mos", "nirspec_fs", "nirspec_ifu"),
        "NIRSpec spectroscopy of galaxies at cosmic dawn",
        "GTO",
        True,
        ("ABELL-2744", "EGS-FIELD", "SMACS-0723"),
    ),
    Family(
        ("miri_lrs", "miri_mrs"),
        "MIRI spectroscopy of protoplanetary disks",
        "GO",
        False,
        ("TW-HYA", "HD-163296", "IRAS-04302"),
    ),
    Family(
        ("niriss_wfss", "niriss_soss", "niriss_ami"),
        "NIRISS slitless spectroscopy and interferometry",
        "GO",
        False,
        ("WASP-96", "AB-DOR", "MACS-0417"),
    ),
    Family(
        ("nircam_coron", "miri_coron"),
        "High-contrast imaging of young giant planets",
        "GO",
        True,
        ("HR-8799", "HIP-65426", "BETA-PIC"),
    ),
    Family(
        ("nirspec_bots", "nircam_tsimage"),
        "Transiting exoplanet atmospheres",
        "GO",
        False,
        ("WASP-39", "HD-189733", "TRAPPIST-1"),
    ),
    Family(
        ("nircam_wfsc",),
        "Wavefront sensing and control",
        "COM",
        False,
        ("HD-84406", "2MASS-J17554042+6551277"),
    ),
)

"""Products and observations built from names, pool columns and header keywords.

Names arrive parsed (`jwlink.naming.NameInfo`): each function that needs what
a name says takes its `NameInfo`, so a name is parsed once however many rows
it yields. `product_for` and `add_named` take a string for other callers and
parse it first.
"""

from __future__ import annotations

import functools
from typing import Any

from jwlink.core.linker.names import implied
from jwlink.core.model import Batch, Link, Observation, Product
from jwlink.naming import Form, NameInfo, describe
from jwlink.naming.info import CACHED_NAMES

__all__ = [
    "add_info",
    "add_named",
    "add_product",
    "exposure_intent",
    "observation_for",
    "observation_from_columns",
    "observation_from_header",
    "product_for",
    "product_of",
    "program_of",
]

# EXP_TYPE -> (MAST instrument mode, dataproduct_type). MAST writes
# instrument_name as INSTRUMENT/MODE (NIRCAM/IMAGE, NIRSPEC/MSA, ...).
_MODES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("nrs_msaspec",), "MSA", "spectrum"),
    (("nrs_fixedslit", "mir_lrs-fixedslit"), "SLIT", "spectrum"),
    (("nrs_ifu", "mir_mrs"), "IFU", "cube"),
    (("nis_wfss", "nrc_wfss", "mir_wfss", "nrc_grism"), "WFSS", "spectrum"),
    (("nis_soss",), "SOSS", "timeseries"),
    (("nrs_brightobj", "nrc_tsgrism", "mir_lrs-slitless"), "TSO", "timeseries"),
    (("nrc_tsimage",), "TSIMAGE", "timeseries"),
    (("nis_ami",), "AMI", "image"),
    (("nrc_coron", "mir_4qpm", "mir_lyot"), "CORON", "image"),
    (("fgs_image", "fgs_focus", "fgs_skyflat", "fgs_intflat"), "IMAGE", "image"),
)
_CALIBRATION_EXP_TYPES = frozenset(
    "dark flat lamp led focus tacq taconfirm msata wata confirm taslit verify autoflat "
    "autowave".split()
)
_GUIDE_STAR_EXP_TYPES = frozenset(
    "fgs_acq1 fgs_acq2 fgs_fineguide fgs_id-image fgs_id-stack fgs_track".split()
)


def program_of(value: Any) -> str | None:
    """Return a program number as the 5-digit string JWST names use, or None."""
    text = str(value).strip() if value is not None else ""
    return text.zfill(5) if text.isdigit() and len(text) <= 5 else None


def product_for(name: str, **attrs: Any) -> Product:
    """Return the product a file name describes: `product_of` of ``describe(name)``."""
    return product_of(describe(name), **attrs)


def product_of(info: NameInfo, **attrs: Any) -> Product:
    """Return the product a parsed file name describes, with extra attributes.

    Parameters
    ----------
    info : NameInfo
        The file name, parsed (valid JWST names are fully described; others
        get the level and type their suffix implies).
    **attrs
        Product fields known from other evidence (size, sha256, location, ...).

    Returns
    -------
    Product
        The product; unknown attributes are None so merges keep known values.
    """
    values: dict[str, Any] = {
        "name": info.name,
        "obs_id": info.obs_id,
        "level": info.level,
        "product_type": info.product_type,
        "suffix": info.suffix or "",
        "extension": info.extension or "",
        "program": info.program,
        "visit_id": info.visit_id,
    }
    values.update({k: v for k, v in attrs.items() if v is not None})
    return Product(**values)


def observation_for(product: Product, form: Form | None) -> Observation | None:
    """Return the bare observation a product belongs to (None for shared files).

    ``form`` is the `Form` of the product's name (None outside the grammar).
    """
    if product.obs_id is None:
        return None
    level3 = form is Form.STAGE3
    level = product.level.calib_level if product.level is not None else (3 if level3 else 1)
    return Observation(
        obs_id=product.obs_id,
        calib_level=3 if level3 else min(level, 2),
        program=product.program,
        visit_id=product.visit_id,
        is_association=level3,
        # A name does not say whether an exposure is science: leave it to evidence.
        intent_type="calibration" if form is Form.GUIDESTAR else None,
    )


def add_product(batch: Batch, product: Product, form: Form | None) -> None:
    """Add a product and its (bare) observation to a batch (``form``: of its name)."""
    batch.products.append(product)
    obs = observation_for(product, form)
    if obs is not None:
        batch.observations.append(obs)


# A product known by name alone, with its bare observation.
_Bare = tuple[Product, Observation | None]


@functools.lru_cache(maxsize=CACHED_NAMES)
def _bare(info: NameInfo) -> _Bare:
    product = product_of(info)
    return product, observation_for(product, info.form)


@functools.lru_cache(maxsize=CACHED_NAMES)
def _named(
    info: NameInfo,
) -> tuple[tuple[tuple[Product, Observation | None], ...], tuple[Link, ...]]:
    # What a name implies never changes, and the same names recur across the
    # evidence of one observation (members, headers, tables): derive it once.
    # (NameInfo hashes by its name alone.)
    found = implied(info)
    others = [other for _link, other in found]
    return tuple(_bare(n) for n in (info, *others)), tuple(link for link, _other in found)


def add_named(batch: Batch, name: str) -> None:
    """Add a product known by name: `add_info` of ``describe(name)``."""
    add_info(batch, describe(name))


def add_info(batch: Batch, info: NameInfo) -> None:
    """Add a product known by its parsed name, with the stage inputs and links it implies."""
    entries, links = _named(info)
    for product, obs in entries:
        batch.products.append(product)
        if obs is not None:
            batch.observations.append(obs)
    batch.links.extend(links)


def _mode(exp_type: str) -> tuple[str, str]:
    for exp_types, mode, dataproduct in _MODES:
        if exp_type in exp_types:
            return mode, dataproduct
    return "IMAGE", "image"


def _filters(values: dict[str, Any]) -> str | None:
    parts = [str(values[k]).upper() for k in ("filter", "pupil", "grating") if values.get(k)]
    parts = [p for p in parts if p not in ("NULL", "N/A", "NONE", "")]
    return ";".join(parts) or None


def _intent(exp_type: str) -> str:
    # Guide-star data serve the observatory, as their names already say
    # (observation_for); the FGS instrument's own modes do not.
    if exp_type in _GUIDE_STAR_EXP_TYPES:
        return "calibration"
    return "calibration" if exp_type.split("_")[-1] in _CALIBRATION_EXP_TYPES else "science"


def exposure_intent(exp_type: str) -> str:
    """Return ``science`` or ``calibration``: the MAST intent of an EXP_TYPE (lower case)."""
    return _intent(exp_type)


def observation_from_columns(product: Product, columns: dict[str, str]) -> Observation | None:
    """Return the exposure observation a pool row describes (lower-case column keys)."""
    if product.obs_id is None:
        return None
    exp_type = columns.get("exp_type", "").lower()
    mode, dataproduct = _mode(exp_type)
    instrument = columns.get("instrume", "").upper()
    visit = columns.get("visit_id")
    return Observation(
        obs_id=product.obs_id,
        calib_level=1,
        program=program_of(columns.get("program")) or product.program,
        instrument_name=f"{instrument}/{mode}" if instrument else None,
        filters=_filters(columns),
        target_name=columns.get("targname") or columns.get("targprop"),
        exp_type=exp_type.upper() or None,
        detector=(columns.get("detector") or "").upper() or None,
        visit_id=f"jw{visit}" if visit and visit.isdigit() else product.visit_id,
        intent_type=_intent(exp_type),
        dataproduct_type=dataproduct,
    )


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def observation_from_header(
    product: Product, keywords: dict[str, Any], form: Form | None
) -> Observation | None:
    """Return the observation a product's primary header describes (``form``: of its name)."""
    if product.obs_id is None:
        return None
    exp_type = str(keywords.get("EXP_TYPE", "")).lower()
    mode, dataproduct = _mode(exp_type)
    instrument = str(keywords.get("INSTRUME", "")).upper()
    lowered = {k.lower(): v for k, v in keywords.items()}
    start, end = _number(keywords.get("EXPSTART")), _number(keywords.get("EXPEND"))
    level = product.level.calib_level if product.level is not None else 1
    return Observation(
        obs_id=product.obs_id,
        calib_level=min(level, 3),
        program=program_of(keywords.get("PROGRAM")) or product.program,
        instrument_name=f"{instrument}/{mode}" if instrument else None,
        filters=_filters(lowered),
        target_name=str(keywords.get("TARGNAME") or keywords.get("TARGPROP") or "") or None,
        exp_type=exp_type.upper() or None,
        detector=str(keywords.get("DETECTOR", "")).upper() or None,
        visit_id=product.visit_id,
        intent_type=_intent(exp_type),
        dataproduct_type=dataproduct,
        s_ra=_number(keywords.get("TARG_RA")),
        s_dec=_number(keywords.get("TARG_DEC")),
        t_min=start,
        t_max=end,
        t_exptime=_number(keywords.get("EFFEXPTM")),
        is_association=form is Form.STAGE3,
    )

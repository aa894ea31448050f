"""Links a file name implies by itself: stage inputs, previews, per-source files."""

from __future__ import annotations

import dataclasses

from jwlink.core.model import Kind, Link
from jwlink.errors import InvalidName
from jwlink.naming import FileName, Form, parse

__all__ = ["STAGE_INPUT", "implied_links"]

# Product suffix -> the suffix of the stage product it is made from, for the
# same exposure (calwebb_detector1 -> image2/spec2 -> stage-3 per exposure).
# The chain _crf <- _cal <- _rate <- _uncal is what the MAST article calls
# antecedents.
STAGE_INPUT: dict[str, str] = {
    "rate": "uncal",
    "rateints": "uncal",
    "cal": "rate",
    "calints": "rateints",
    "i2d": "cal",
    "s2d": "cal",
    "s3d": "cal",
    "x1d": "cal",
    "x1dints": "calints",
}
# Exposure-based stage-3 products carry the ACID; their input is the _cal(ints).
ACID_INPUT: dict[str, str] = {
    "crf": "cal",
    "crfints": "calints",
    "psfalign": "calints",
    "psfsub": "calints",
    "ami-oi": "calints",
    "psf-ami-oi": "calints",
    "amimulti-oi": "calints",
    "amilg": "calints",
    "ami": "calints",
    "amiavg": "calints",
}
# Intermediates -> the science product of the same exposure they accompany.
INTERMEDIATE_OF: dict[str, str] = {
    "ramp": "rate",
    "fitopt": "rate",
    "trapsfilled": "rate",
    "dark": "rate",
    "bsub": "cal",
    "bsubints": "calints",
    "flat": "cal",
    "median": "i2d",
    "blot": "cal",
    "snr": "i2d",
    "mbsub": "cal",
    "badpix_selfcal_bkg": "cal",
}

_STAGE = "name:stage-chain"


def implied_links(name: str) -> list[Link]:
    """Return the links a file name implies without any other evidence.

    Parameters
    ----------
    name : str
        A file name; names outside the JWST grammar imply nothing.

    Returns
    -------
    list of Link
        Stage antecedents up to ``_uncal``, preview/thumbnail links,
        multiplicity from a placeholder product, intermediate aggregation.
    """
    try:
        fn = parse(name)
    except InvalidName:
        return []
    if fn.form is Form.STAGE3 and fn.extension in ("jpg", "png"):
        return _preview(fn, name)
    if fn.form not in (Form.EXPOSURE, Form.DUMMY, Form.STAGE3) or not fn.suffix:
        return []
    if fn.extension in ("jpg", "png"):
        return _preview(fn, name)
    if fn.form is Form.STAGE3:
        return _per_source(fn, name)
    return _stage_chain(fn, name)


def _preview(fn: FileName, name: str) -> list[Link]:
    shown = fn.previewed
    if shown is None:
        return []
    role = "thumbnail" if fn.thumbnail else "preview"
    return [Link(name, shown, Kind.LINKED, role, f"name:{role}")]


def _per_source(fn: FileName, name: str) -> list[Link]:
    obs_id = fn.obs_id
    if not obs_id or "{source_id}" not in obs_id or fn.suffix is None:
        return []
    template = f"{obs_id}_{fn.suffix}.{fn.extension or 'fits'}"
    if template == name:  # the placeholder product itself, not one of its files
        return []
    return [Link(template, name, Kind.MULTIPLICITY, "source", "name:per-source")]


def _stage_chain(fn: FileName, name: str) -> list[Link]:
    links: list[Link] = []
    suffix = fn.suffix or ""
    if suffix in INTERMEDIATE_OF:
        target = str(fn.with_suffix(INTERMEDIATE_OF[suffix], "fits"))
        links.append(Link(name, target, Kind.AGGREGATION, "intermediate", "name:intermediate"))
        return links
    current, current_name = fn, name
    if fn.acid is not None and suffix in ACID_INPUT:
        source = dataclasses.replace(fn, acid=None).with_suffix(ACID_INPUT[suffix], "fits")
        links.append(Link(str(source), current_name, Kind.ANTECEDENT, "stage", _STAGE))
        current, current_name = source, str(source)
    while (current.suffix or "") in STAGE_INPUT and current.acid is None:
        source = current.with_suffix(STAGE_INPUT[current.suffix or ""], "fits")
        links.append(Link(str(source), current_name, Kind.ANTECEDENT, "stage", _STAGE))
        current, current_name = source, str(source)
    return links

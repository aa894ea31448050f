"""Links a file name implies by itself: stage inputs, previews, per-source files.

`implied` works on the parsed name and derives the names at the other end of
each link from it (``_cal`` -> ``_rate``) as values, so nothing is parsed again.
"""

from __future__ import annotations

import dataclasses

from jwlink.core.model import Kind, Link
from jwlink.naming import FileName, Form, NameInfo, describe, info_of

__all__ = ["STAGE_INPUT", "implied", "implied_links"]

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


# A link a name implies, with the parsed name at its other end.
Implied = tuple[Link, NameInfo]


def implied_links(name: str) -> list[Link]:
    """Return the links a file name implies: `implied` of ``describe(name)``."""
    return [link for link, _other in implied(describe(name))]


def implied(info: NameInfo) -> list[Implied]:
    """Return the links a parsed file name implies without any other evidence.

    Parameters
    ----------
    info : NameInfo
        A parsed file name; names outside the JWST grammar imply nothing.

    Returns
    -------
    list of (Link, NameInfo)
        Stage antecedents up to ``_uncal``, preview/thumbnail links,
        multiplicity from a placeholder product, intermediate aggregation;
        each with the name at the link's other end.
    """
    fn, name = info.parsed, info.name
    if fn is None:
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


def _preview(fn: FileName, name: str) -> list[Implied]:
    shown = fn.previewed_name()
    if shown is None:
        return []
    role = "thumbnail" if fn.thumbnail else "preview"
    other = info_of(shown)
    return [(Link(name, other.name, Kind.LINKED, role, f"name:{role}"), other)]


def _per_source(fn: FileName, name: str) -> list[Implied]:
    observation = fn.observation_name()
    if observation is None or "{source_id}" not in observation.stem or fn.suffix is None:
        return []
    template = info_of(dataclasses.replace(
        observation, act_id=None, thumbnail=False, extension=fn.extension or "fits"
    ))  # fmt: skip
    if template.name == name:  # the placeholder product itself, not one of its files
        return []
    return [(Link(template.name, name, Kind.MULTIPLICITY, "source", "name:per-source"), template)]


def _stage_chain(fn: FileName, name: str) -> list[Implied]:
    links: list[Implied] = []
    suffix = fn.suffix or ""
    if suffix in INTERMEDIATE_OF:
        target = info_of(fn.with_suffix(INTERMEDIATE_OF[suffix], "fits"))
        link = Link(name, target.name, Kind.AGGREGATION, "intermediate", "name:intermediate")
        return [(link, target)]
    current, current_name = fn, name
    if fn.acid is not None and suffix in ACID_INPUT:
        source = dataclasses.replace(fn, acid=None).with_suffix(ACID_INPUT[suffix], "fits")
        links.append(_antecedent(source, current_name))
        current, current_name = source, links[-1][1].name
    while (current.suffix or "") in STAGE_INPUT and current.acid is None:
        source = current.with_suffix(STAGE_INPUT[current.suffix or ""], "fits")
        links.append(_antecedent(source, current_name))
        current, current_name = source, links[-1][1].name
    return links


def _antecedent(source: FileName, target: str) -> Implied:
    info = info_of(source)
    return Link(info.name, target, Kind.ANTECEDENT, "stage", _STAGE), info

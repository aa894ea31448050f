"""Association JSON, association-pool rows and MAST product-list rows (pure).

Association documents have every key jwst 3.0.0 ``asn_generate`` writes, in
its order (jwst-data.md §1.1): Level 2 lists ``asn_pool`` before
``target``, Level 3 the other way round, as the generator does. Pools use
the 64-column layout of the newest SDP pools (§3).
"""

from __future__ import annotations

from typing import Any

from jwlink.synth.headers import SDP_VER, instrument, template
from jwlink.synth.plan import Exposure, Level2, Level3, ObservationPlan, Program, base36

__all__ = [
    "MAST_COLUMNS",
    "POOL_COLUMNS",
    "level2_document",
    "level3_document",
    "pool_row",
]

CODE_VERSION = "3.0.0"
_NO_ERRORS = "No known degraded exposures in association."
POOL_COLUMNS = (
    "FILENAME OBS_ID PROGRAM OBS_NUM VISIT VISIT_ID VISITGRP VISITYPE SEQ_ID ACT_ID EXPOSURE "
    "EXP_TYPE NEXPOSUR EXPCOUNT INSTRUME DETECTOR CHANNEL TARGETID TARGPROP TARGNAME TARGTYPE "
    "TEMPLATE PNTGTYPE PNTG_SEQ TARGORDN EXPSPCIN DITHPTIN MOSTILNO MODULE FILTER PUPIL DITHERID "
    "PATTTYPE PATTSTRT NUMDTHPT PATTSIZE SUBPXPTS PATT_NUM SUBPIXEL APERNAME SDP_VER SUBARRAY "
    "GRATING FXD_SLIT BAND GWA_XTIL GWA_YTIL ASN_CANDIDATE EXPOSERR IS_PSF IS_IMPRT BKGDTARG "
    "TSOVISIT MSASTATE MSAMETFL OPMODE LAMP SPEC_NUM SPAT_NUM DMS_NOTE EXSEGTOT NINTS NGROUPS "
    "MTSHADOW"
).split()
# mast-api.md §2, in MAST's order, plus t_obs_release (the observation
# column MAST uses for the end of exclusive access).
MAST_COLUMNS = (
    "obsID",
    "obs_collection",
    "dataproduct_type",
    "obs_id",
    "description",
    "type",
    "dataURI",
    "productType",
    "productGroupDescription",
    "productSubGroupDescription",
    "productDocumentationURL",
    "project",
    "prvversion",
    "proposal_id",
    "productFilename",
    "size",
    "parent_obsid",
    "dataRights",
    "calib_level",
    "filters",
    "t_obs_release",
)


def _constraint(name: str, sources: str, value: str | None) -> str:
    shown = "None" if value is None else repr(value)
    return f"DMSAttrConstraint({{'name': '{name}', 'sources': ['{sources}'], 'value': {shown}}})"


def _constraints(exp: Exposure, acid: str, level3: bool) -> str:
    o = exp.optics
    lines = [
        _constraint("program", "program", str(int(exp.program))),
        _constraint("instrument", "instrume", instrument(exp.exp_type).lower()),
        _constraint("opt_elem", "filter", (o.filter or "").lower() or None),
        _constraint("opt_elem2", "pupil", (o.pupil or o.grating or "").lower() or None),
        _constraint("subarray", "subarray", o.subarray.lower()),
        _constraint("exp_type", "exp_type", exp.exp_type.lower()),
    ]
    if not level3:
        lines.append(_constraint("detector", "detector", exp.detector))
    escaped = f"\\\\('{acid}',\\\\ 'observation'\\\\)"
    lines.append(
        f"DMSAttrConstraint({{'name': 'asn_candidate', 'sources': ['asn_candidate'], "
        f"'value': \"{escaped}\"}})"
    )
    return "\n".join(lines)


def level2_document(asn: Level2, plan: ObservationPlan, program: Program) -> dict[str, Any]:
    """Return a Level 2 association as jwst writes it (one product, one science member)."""
    exp = asn.exposure
    members: list[dict[str, str]] = [
        {"expname": exp.name(exp.rate), "exptype": "science", "exposerr": "null"}
    ]
    for expname, exptype, with_error in asn.members:
        member = {"expname": expname, "exptype": exptype}
        if with_error:
            member["exposerr"] = "null"
        members.append(member)
    return {
        "asn_type": asn.asn_type,
        "asn_rule": f"candidate_{asn.rule}",
        "version_id": program.stamp,
        "code_version": CODE_VERSION,
        "degraded_status": _NO_ERRORS,
        "program": program.id,
        "constraints": _constraints(exp, plan.acid, level3=False),
        "asn_id": plan.acid,
        "asn_pool": program.pool,
        "target": str(plan.target.number),
        "products": [{"name": exp.stem, "members": members}],
    }


def level3_document(
    asn: Level3, plan: ObservationPlan, program: Program, first: Exposure
) -> dict[str, Any]:
    """Return a Level 3 association; members carry ``asn_candidate`` as jwst writes it."""
    members = [
        {"expname": expname, "exptype": exptype, "exposerr": "null", "asn_candidate": asn.candidate}
        for expname, exptype in asn.members
    ]
    return {
        "asn_type": asn.asn_type,
        "asn_rule": f"candidate_{asn.rule}",
        "version_id": program.stamp,
        "code_version": CODE_VERSION,
        "degraded_status": _NO_ERRORS,
        "program": program.id,
        "constraints": _constraints(first, plan.acid, level3=True),
        "asn_id": plan.acid,
        "target": f"t{plan.target.number:03d}",
        "asn_pool": program.pool,
        "products": [{"name": asn.product, "members": members}],
    }


def _flag(value: bool) -> str:
    return "T" if value else "F"


def _text(value: object) -> str:
    return "NULL" if value is None else str(value)


def pool_row(exp: Exposure, plan: ObservationPlan, count: int, total: int) -> list[str]:
    """Return the pool row of one ``_uncal`` exposure, in `POOL_COLUMNS` order.

    ``count`` is the exposure's running number in its visit (EXPCOUNT) and
    ``total`` the number of exposures planned in the visit (NEXPOSUR).
    """
    o, t = exp.optics, plan.target
    instrume = instrument(exp.exp_type)
    nircam = instrume == "NIRCAM"
    nirspec = instrume == "NIRSPEC"
    acquisition = exp.role == "target_acquisition"
    values: list[object] = [
        exp.name("uncal"),
        f"V{exp.program}{exp.observation:03d}{exp.visit:03d}P00000000"
        f"{exp.group:02d}{exp.seq}{base36(exp.act)}",
        int(exp.program),
        exp.observation,
        exp.visit,
        f"{exp.program}{exp.observation:03d}{exp.visit:03d}",
        exp.group,
        "PRIME_TARGETED_FIXED",
        exp.seq,
        base36(exp.act),
        exp.number,
        exp.exp_type,
        total,
        count,
        instrume,
        exp.detector.upper(),
        ("LONG" if exp.detector.endswith("long") else "SHORT") if nircam else o.channel,
        t.number,
        t.propname,
        t.name,
        "FIXED",
        template(plan.mode),
        "TARGET_ACQUISITION" if acquisition else "SCIENCE",
        count,
        1,
        exp.act - 1,
        exp.dither,
        exp.tile,
        ("A" if exp.detector.startswith("nrca") else "B") if nircam else None,
        o.filter,
        o.pupil,
        None if exp.ndither == 1 else exp.ndither,
        "NONE" if exp.ndither == 1 else "CYCLING",
        None,
        exp.ndither,
        None if exp.ndither == 1 else "DEFAULT",
        None,
        exp.dither,
        None,
        f"{exp.detector.upper()}_{o.subarray}",
        SDP_VER,
        o.subarray,
        o.grating,
        o.fxd_slit,
        o.band,
        0.3197991 if nirspec else None,
        0.1394715 if nirspec else None,
        exp.candidate,
        None,
        "T" if exp.role == "psf" else None,
        "T" if exp.role == "imprint" else None,
        _flag(exp.role == "background"),
        _flag(exp.segment is not None),
        "PRIMARYPARK_CONFIGURED" if exp.msa else None,
        exp.msa,
        None,
        "OFF" if nirspec else None,
        None,
        None,
        None,
        exp.segtot,
        exp.nints,
        exp.ngroups,
        "NONE",
    ]
    return [_text(v) for v in values]

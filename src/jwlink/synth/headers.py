"""Primary-header keywords of synthetic products (jwst-data.md §5).

Values use the types astropy reads back (str, int, float, bool) and floats
are rounded so that they survive a FITS round trip exactly: a header written
to disk and read again gives the same dict the catalog-only path links.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from jwlink.synth import crds
from jwlink.synth.plan import Exposure, ObservationPlan, Program, Target, Visit, base36

__all__ = [
    "CAL_VER",
    "COMMENTS",
    "SDP_VER",
    "exposure_keywords",
    "guidestar_keywords",
    "instrument",
    "level3_keywords",
    "mjd_iso",
    "msa_keywords",
    "reference_keywords",
    "template",
]

CAL_VER = "1.19.1"
SDP_VER = "2025_4a"
CRDS_VER = "13.0.4"
_MJD0 = datetime(1858, 11, 17)
# Keyword comments as the datamodels write them, for the keywords people read.
COMMENTS = {
    "FILENAME": "Name of the file",
    "PROGRAM": "Program number",
    "OBSERVTN": "Observation number",
    "VISIT": "Visit number",
    "VISITGRP": "Visit group identifier",
    "SEQ_ID": "Parallel sequence identifier",
    "ACT_ID": "Activity identifier",
    "EXPOSURE": "Exposure request number",
    "INSTRUME": "Instrument used to acquire the data",
    "DETECTOR": "Name of detector used to acquire the data",
    "EXP_TYPE": "Type of data in the exposure",
    "FILTER": "Name of the filter element used",
    "PUPIL": "Name of the pupil element used",
    "GRATING": "Name of the grating element used",
    "TARGNAME": "Standard astronomical catalog name for target",
    "TARG_RA": "Target RA at mid time of exposure",
    "TARG_DEC": "Target Dec at mid time of exposure",
    "EXPSTART": "UTC exposure start time",
    "EXPEND": "UTC exposure end time",
    "EFFEXPTM": "Effective exposure time (sec)",
    "CAL_VER": "Calibration software version number",
    "CRDS_CTX": "CRDS context (.pmap) used to select ref files",
    "ASNTABLE": "Name of the association table",
    "ASNPOOL": "Name of the ASN pool",
    "MSAMETFL": "MSA metadata file name",
    "GSSTRTTM": "UTC time when guide star activity started",
    "GSENDTIM": "UTC time when guide star activity completed",
    "DATASTRT": "MJD start time of guider data",
    "DATAEND": "MJD end time of guider data",
    "EXSEGNUM": "Segment number",
    "EXSEGTOT": "Total number of segments",
}
# EXP_TYPE prefix -> (INSTRUME, APT template family)
_INSTRUMENTS = {"NRC": "NIRCAM", "NIS": "NIRISS", "NRS": "NIRSPEC", "MIR": "MIRI", "FGS": "FGS"}
_TEMPLATES = {
    "nircam_image": "NIRCam Imaging",
    "niriss_image": "NIRISS Imaging",
    "miri_image": "MIRI Imaging",
    "fgs_image": "FGS Imaging",
    "nircam_wfsc": "WFSC Commissioning",
    "nircam_coron": "NIRCam Coronagraphic Imaging",
    "miri_coron": "MIRI Coronagraphic Imaging",
    "niriss_ami": "NIRISS Aperture Masking Interferometry",
    "nirspec_mos": "NIRSpec MultiObject Spectroscopy",
    "nirspec_fs": "NIRSpec Fixed Slit Spectroscopy",
    "nirspec_ifu": "NIRSpec IFU Spectroscopy",
    "miri_lrs": "MIRI Low Resolution Spectroscopy",
    "miri_mrs": "MIRI Medium Resolution Spectroscopy",
    "niriss_wfss": "NIRISS Wide Field Slitless Spectroscopy",
    "niriss_soss": "NIRISS Single Object Slitless Spectroscopy",
    "nirspec_bots": "NIRSpec Bright Object Time Series",
    "nircam_tsimage": "NIRCam Time Series",
}


def mjd_iso(mjd: float, sep: str = "T") -> str:
    """Return an MJD as an ISO time with milliseconds (``sep`` between date and time)."""
    moment = _MJD0 + timedelta(days=mjd)
    return moment.strftime(f"%Y-%m-%d{sep}%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def template(mode: str) -> str:
    """Return the APT template name of a mode."""
    return _TEMPLATES[mode]


def instrument(exp_type: str) -> str:
    """Return ``INSTRUME`` for an EXP_TYPE."""
    return _INSTRUMENTS[exp_type[:3]]


def _target(t: Target) -> dict[str, Any]:
    return {
        "TARGPROP": t.propname,
        "TARGNAME": t.name,
        "TARGTYPE": "FIXED",
        "TARG_RA": t.ra,
        "TARG_DEC": t.dec,
    }


def _optics(exp: Exposure) -> dict[str, Any]:
    o = exp.optics
    values = {
        "FILTER": o.filter,
        "PUPIL": o.pupil,
        "GRATING": o.grating,
        "FXD_SLIT": o.fxd_slit,
        "BAND": o.band,
        "CHANNEL": o.channel,
        "CORONMSK": o.coronmsk,
    }
    return {k: v for k, v in values.items() if v is not None}


def exposure_keywords(
    exp: Exposure, plan: ObservationPlan, program: Program, visit: Visit
) -> dict[str, Any]:
    """Return the identity, time, target, optics and guide-star keywords of an exposure.

    These are what every file of the exposure (``_uncal`` to ``_crf``) shares;
    callers add FILENAME, DATAMODL and the processing keywords.
    """
    start, end = exp.start, round(exp.end, 8)
    keywords: dict[str, Any] = {
        "TELESCOP": "JWST",
        "ORIGIN": "STSCI",
        "TIMESYS": "UTC",
        "SDP_VER": SDP_VER,
        "TITLE": program.title,
        "PI_NAME": program.pi,
        "CATEGORY": program.category,
        "DATE-OBS": mjd_iso(start)[:10],
        "TIME-OBS": mjd_iso(start)[11:],
        "DATE-BEG": mjd_iso(start),
        "DATE-END": mjd_iso(end),
        "OBS_ID": f"V{exp.program}{exp.observation:03d}{exp.visit:03d}P00000000"
        f"{exp.group:02d}{exp.seq}{base36(exp.act)}",
        "VISIT_ID": f"{exp.program}{exp.observation:03d}{exp.visit:03d}",
        "PROGRAM": exp.program,
        "OBSERVTN": f"{exp.observation:03d}",
        "VISIT": f"{exp.visit:03d}",
        "VISITGRP": f"{exp.group:02d}",
        "SEQ_ID": str(exp.seq),
        "ACT_ID": base36(exp.act),
        "EXPOSURE": str(exp.number),
        "TEMPLATE": template(plan.mode),
        "VISITYPE": "PRIME_TARGETED_FIXED",
        "TSOVISIT": exp.segment is not None,
        "BKGDTARG": exp.role == "background",
        "IS_PSF": exp.role == "psf",
        **_target(plan.target),
        "INSTRUME": instrument(exp.exp_type),
        "DETECTOR": exp.detector.upper(),
        **_optics(exp),
        "EXP_TYPE": exp.exp_type,
        "EXPRIPAR": "PRIME",
        "EXPSTART": start,
        "EXPMID": round((start + end) / 2, 8),
        "EXPEND": end,
        "NINTS": exp.nints,
        "NGROUPS": exp.ngroups,
        "EFFEXPTM": round(exp.seconds, 3),
        "DURATION": round(exp.seconds, 3),
        "SUBARRAY": exp.optics.subarray,
        **crds.selection_keywords(exp),
        "PATT_NUM": exp.dither,
        "NUMDTHPT": exp.ndither,
        "GS_ORDER": 1,
        "GDSTARID": visit.star,
        "GS_RA": visit.ra,
        "GS_DEC": visit.dec,
        "GSSTRTTM": mjd_iso(visit.start, " "),
        "GSENDTIM": mjd_iso(visit.end, " "),
        "PCS_MODE": "FINEGUIDE",
    }
    if exp.segment is not None:
        keywords["EXSEGNUM"] = exp.segment
        keywords["EXSEGTOT"] = exp.segtot
    if exp.msa is not None:
        # The sources were chosen on NIRCam pre-imaging of another program: an
        # external pre-image (PREIMAGE is its PPS id, <program><observation>_<n>).
        external = "01181" if exp.program == "01180" else "01180"
        keywords.update(MSAMETFL=exp.msa, MSAMETID=1, MSACONID=1, PREIMAGE=f"{external}001_000")
    return keywords


def level3_keywords(
    plan: ObservationPlan, program: Program, members: list[Exposure], datamodel: str
) -> dict[str, Any]:
    """Return the primary keywords of a Level 3 product made from ``members``.

    Level 3 headers keep the identity of the first member and span the
    time of all members, as model_blender writes them.
    """
    first = members[0]
    detectors = {m.detector for m in members}
    keywords: dict[str, Any] = {
        "TELESCOP": "JWST",
        "ORIGIN": "STSCI",
        "TIMESYS": "UTC",
        "DATAMODL": datamodel,
        "SDP_VER": SDP_VER,
        "CAL_VER": CAL_VER,
        "TITLE": program.title,
        "PI_NAME": program.pi,
        "CATEGORY": program.category,
        "PROGRAM": program.id,
        "OBSERVTN": f"{plan.number:03d}",
        "TEMPLATE": template(plan.mode),
        **_target(plan.target),
        "INSTRUME": instrument(first.exp_type),
        "DETECTOR": first.detector.upper() if len(detectors) == 1 else "MULTIPLE",
        **_optics(first),
        "EXP_TYPE": first.exp_type,
        "EXPSTART": min(m.start for m in members),
        "EXPEND": round(max(m.end for m in members), 8),
        "EFFEXPTM": round(sum(m.seconds for m in members), 3),
        "SUBARRAY": first.optics.subarray,
        "NDRIZ": len(members),
    }
    return keywords


def guidestar_keywords(
    name: str, visit: Visit, program: Program, exp_type: str, detector: str, processed: bool
) -> dict[str, Any]:
    """Return the primary keywords of a guide-star product (DATASTRT/DATAEND span)."""
    keywords: dict[str, Any] = {
        "TELESCOP": "JWST",
        "FILENAME": name,
        "DATAMODL": "GuiderCalModel" if processed else "GuiderRawModel",
        "SDP_VER": SDP_VER,
        "PROGRAM": program.id,
        "OBSERVTN": visit.visit_id[7:10],
        "VISIT": visit.visit_id[10:13],
        "VISIT_ID": visit.visit_id[2:],
        "INSTRUME": "FGS",
        "DETECTOR": detector,
        "EXP_TYPE": exp_type,
        "GDSTARID": visit.star,
        "GS_RA": visit.ra,
        "GS_DEC": visit.dec,
        "DATASTRT": visit.start,
        "DATAEND": visit.end,
    }
    if processed:
        keywords["CAL_VER"] = CAL_VER
        keywords["CRDS_CTX"] = "jwst_1303.pmap"
    return keywords


def msa_keywords(name: str, plan: ObservationPlan, program: Program) -> dict[str, Any]:
    """Return the primary keywords of an MSA metadata file."""
    return {
        "TELESCOP": "JWST",
        "FILENAME": name,
        "PROGRAM": program.id,
        "OBSERVTN": f"{plan.number:03d}",
        "VISIT": "001",
        "INSTRUME": "NIRSPEC",
        "MSACONID": 1,
        "MSAMETID": 1,
    }


def reference_keywords(
    name: str, reftype: str, instrument_name: str, detector: str
) -> dict[str, Any]:
    """Return the primary keywords of a CRDS reference file."""
    return {
        "TELESCOP": "JWST",
        "FILENAME": name,
        "REFTYPE": reftype.upper(),
        "INSTRUME": instrument_name.upper(),
        "DETECTOR": detector.upper(),
        "USEAFTER": "2022-04-01T00:00:00",
        "PEDIGREE": "INFLIGHT 2022-06-01 2022-12-31",
        "AUTHOR": "jwlink synth",
        "DESCRIP": f"Synthetic {reftype} reference file for {instrument_name.upper()}",
    }

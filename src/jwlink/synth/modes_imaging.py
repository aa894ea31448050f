"""Mode builders for imaging, wavefront sensing and high-contrast imaging.

Each builder lays out one observation of ``ctx.size`` (1 is the smallest
realistic one) and returns its `ObservationPlan`. Names follow
jwst-data.md §1.6 and §2.
"""

from __future__ import annotations

from jwlink.synth.layout import level2_for, level3_for, plan, product_name, shots
from jwlink.synth.layout import target_acquisition as ta
from jwlink.synth.plan import Exposure, ObsContext, ObservationPlan, Optics

__all__ = [
    "fgs_image",
    "miri_coron",
    "miri_image",
    "nircam_coron",
    "nircam_image",
    "nircam_wfsc",
    "niriss_ami",
    "niriss_image",
]

_NRC_SW = ("nrca1", "nrca2", "nrca3", "nrca4")
_NRC_TA = Optics(filter="F335M", pupil="CLEAR", subarray="SUB32TATS")
_NIS_TA = Optics(filter="F480M", pupil="CLEARP", subarray="SUBTAAMI")
_MIR_TA = Optics(filter="F1000W", subarray="SUB64")
_SLEW = 900.0  # seconds between visits: slew, guide-star acquisition


def nircam_image(ctx: ObsContext) -> ObservationPlan:
    """NIRCam imaging mosaic: tiles (one visit each) x dithers x nrca1-4 + nrcalong.

    Two image3 products: the short-wave one over the four SW detectors and
    the long-wave one over nrcalong.
    """
    tiles, dithers = max(2, ctx.size + 1), min(8, ctx.size + 1)
    sw, lw = Optics(filter="F200W", pupil="CLEAR"), Optics(filter="F444W", pupil="CLEAR")
    exposures = ta(ctx, "NRC_TACQ", "nrcalong", _NRC_TA)
    for tile in range(1, tiles + 1):
        ctx.take(_SLEW, gap=0)
        shot = shots(
            ctx,
            visit=tile,
            act=2,
            count=dithers,
            detectors=(*_NRC_SW, "nrcalong"),
            exp_type="NRC_IMAGE",
            optics=sw,
            seconds=311.4,
            tile=tile,
        )
        for exp in shot:
            if exp.detector == "nrcalong":
                exp.optics = lw
        exposures += shot
    acq = exposures[:1]
    short = [e for e in exposures if e.detector in _NRC_SW]
    long = [e for e in exposures if e.detector == "nrcalong" and e.role == "science"]
    level3 = [
        level3_for(
            ctx, "image3", "Asn_Lv3Image", product_name(ctx, "nircam", "clear-f200w"), short + acq
        ),
        level3_for(
            ctx, "image3", "Asn_Lv3Image", product_name(ctx, "nircam", "clear-f444w"), long + acq
        ),
    ]
    return plan(
        "nircam_image", ctx, exposures, level2_for(exposures, "image2", "Asn_Lv2Image"), level3
    )


def _simple_image(
    ctx: ObsContext,
    mode: str,
    instrument: str,
    detector: str,
    exp_type: str,
    optics: Optics,
    optelems: str,
    acquisition: list[Exposure],
) -> ObservationPlan:
    exposures = acquisition + shots(
        ctx,
        visit=1,
        act=2,
        count=ctx.size + 1,
        detectors=(detector,),
        exp_type=exp_type,
        optics=optics,
        seconds=429.5,
    )
    level3 = [
        level3_for(
            ctx, "image3", "Asn_Lv3Image", product_name(ctx, instrument, optelems), exposures
        )
    ]
    rule = "Asn_Lv2FGS" if instrument == "fgs" else "Asn_Lv2Image"
    return plan(mode, ctx, exposures, level2_for(exposures, "image2", rule), level3)


def niriss_image(ctx: ObsContext) -> ObservationPlan:
    """NIRISS imaging: dithered NIS_IMAGE exposures, one image3 product."""
    return _simple_image(
        ctx,
        "niriss_image",
        "niriss",
        "nis",
        "NIS_IMAGE",
        Optics(filter="CLEAR", pupil="F150W"),
        "clear-f150w",
        ta(ctx, "NIS_TACQ", "nis", _NIS_TA),
    )


def miri_image(ctx: ObsContext) -> ObservationPlan:
    """MIRI imaging: dithered MIR_IMAGE exposures, one image3 product."""
    return _simple_image(
        ctx,
        "miri_image",
        "miri",
        "mirimage",
        "MIR_IMAGE",
        Optics(filter="F770W"),
        "f770w",
        ta(ctx, "MIR_TACQ", "mirimage", _MIR_TA),
    )


def fgs_image(ctx: ObsContext) -> ObservationPlan:
    """FGS science imaging on guider1.

    The acquisition is an FGS image with ``PNTGTYPE=TARGET_ACQUISITION``
    (the association generator then gives it that exptype).
    """
    acquisition = ta(ctx, "FGS_IMAGE", "guider1", Optics(subarray="SUB128CNTR"))
    return _simple_image(
        ctx, "fgs_image", "fgs", "guider1", "FGS_IMAGE", Optics(), "clear", acquisition
    )


def nircam_wfsc(ctx: ObsContext) -> ObservationPlan:
    """NIRCam wavefront sensing: weak-lens image pairs, one wfs-image3 per activity.

    The wfs-image3 product name is ``{product}-{detector}_{suffix}-<ACT_ID>``
    so ``wfscmb`` files carry their activity.
    """
    activities = min(8, 1 + ctx.size // 2)
    optics = Optics(filter="F212N", pupil="WLP8")
    exposures = ta(ctx, "NRC_TACQ", "nrca3", _NRC_TA)
    level3 = []
    for act in range(2, activities + 2):
        shot = shots(
            ctx,
            visit=1,
            act=act,
            count=2,
            detectors=("nrca3",),
            exp_type="NRC_IMAGE",
            optics=optics,
            seconds=75.2,
            group=3,
        )
        exposures += shot
        name = product_name(ctx, "nircam", f"f212n-wlp8-nrca3_{{suffix}}-{act:02d}")
        level3.append(level3_for(ctx, "wfs-image3", "Asn_Lv3WFSCMB", name, shot))
    return plan(
        "nircam_wfsc", ctx, exposures, level2_for(exposures, "image2", "Asn_Lv2WFSC"), level3
    )


def _coron(
    ctx: ObsContext,
    mode: str,
    instrument: str,
    detector: str,
    exp_type: str,
    optics: Optics,
    optelems: str,
    acquisition: Optics,
    ta_type: str,
    rule: str,
) -> ObservationPlan:
    """Two telescope rolls (one visit each) and a PSF reference visit."""
    n = 1 + ctx.size // 2
    exposures = []
    for visit in (1, 2, 3):
        ctx.take(_SLEW, gap=0)
        exposures += ta(ctx, ta_type, detector, acquisition, visit=visit)
        exposures += shots(
            ctx,
            visit=visit,
            act=2,
            count=n if visit < 3 else n + 2,
            detectors=(detector,),
            exp_type=exp_type,
            optics=optics,
            seconds=1020.0,
            ints=True,
            nints=8,
            role="science" if visit < 3 else "psf",
        )
    level3 = [level3_for(ctx, "coron3", rule, product_name(ctx, instrument, optelems), exposures)]
    return plan(mode, ctx, exposures, level2_for(exposures, "image2", "Asn_Lv2Image"), level3)


def nircam_coron(ctx: ObsContext) -> ObservationPlan:
    """NIRCam coronagraphy (MASK210R), two rolls plus a PSF star; coron3."""
    optics = Optics(filter="F210M", pupil="MASKRND", coronmsk="MASKA210R", subarray="SUB320A210R")
    return _coron(
        ctx,
        "nircam_coron",
        "nircam",
        "nrca2",
        "NRC_CORON",
        optics,
        "f210m-maskrnd-sub320a210r",
        Optics(filter="F210M", pupil="MASKRND", subarray="SUBNDA210R"),
        "NRC_TACQ",
        "Asn_Lv3NRCCoron",
    )


def miri_coron(ctx: ObsContext) -> ObservationPlan:
    """MIRI four-quadrant coronagraphy (F1550C), two rolls plus a PSF star; coron3."""
    optics = Optics(filter="F1550C", coronmsk="4QPM_1550", subarray="MASK1550")
    return _coron(
        ctx,
        "miri_coron",
        "miri",
        "mirimage",
        "MIR_4QPM",
        optics,
        "f1550c-mask1550",
        Optics(filter="F1550C", subarray="MASK1550"),
        "MIR_TACQ",
        "Asn_Lv3MIRCoron",
    )


def niriss_ami(ctx: ObsContext) -> ObservationPlan:
    """NIRISS aperture masking interferometry: target and PSF calibrator; ami3."""
    optics = Optics(filter="F480M", pupil="NRM", subarray="SUB80")
    n = 2 + ctx.size // 2
    exposures = ta(ctx, "NIS_TACQ", "nis", _NIS_TA)
    exposures += shots(
        ctx,
        visit=1,
        act=2,
        count=n,
        detectors=("nis",),
        exp_type="NIS_AMI",
        optics=optics,
        seconds=640.0,
        ints=True,
        nints=20,
    )
    exposures += ta(ctx, "NIS_TACQ", "nis", _NIS_TA, visit=2)
    exposures += shots(
        ctx,
        visit=2,
        act=2,
        count=max(1, n // 2),
        detectors=("nis",),
        exp_type="NIS_AMI",
        optics=optics,
        seconds=640.0,
        ints=True,
        nints=20,
        role="psf",
    )
    level3 = [
        level3_for(
            ctx, "ami3", "Asn_Lv3AMI", product_name(ctx, "niriss", "f480m-nrm-sub80"), exposures
        )
    ]
    return plan(
        "niriss_ami", ctx, exposures, level2_for(exposures, "image2", "Asn_Lv2Image"), level3
    )

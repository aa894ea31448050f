"""Mode builders for spectroscopy and time series.

NIRSpec MOS / fixed slit / IFU, MIRI LRS / MRS, NIRISS WFSS and the TSO
modes (NIRISS SOSS, NIRSpec bright-object, NIRCam time-series imaging).
Nods serve as each other's background at Level 2, dedicated background
exposures are spec3 ``background`` members as ``_x1d``; TSO exposures are
split into ``-segNNN`` files.
"""

from __future__ import annotations

from jwlink.synth.layout import level2_for, level3_for, plan, product_name, shots
from jwlink.synth.layout import target_acquisition as ta
from jwlink.synth.plan import Exposure, ObsContext, ObservationPlan, Optics

__all__ = [
    "miri_lrs",
    "miri_mrs",
    "nircam_tsimage",
    "niriss_soss",
    "niriss_wfss",
    "nirspec_bots",
    "nirspec_fs",
    "nirspec_ifu",
    "nirspec_mos",
]

_NRS_TA = Optics(filter="F110W", grating="MIRROR", subarray="SUB32")
_MIR_TA = Optics(filter="F1000W", subarray="SLITLESSPRISM")
_NIS_TA = Optics(filter="F480M", pupil="CLEARP", subarray="SUBTASOSS")


def _nod_backgrounds(
    exposures: list[Exposure], nods: int
) -> dict[str, list[tuple[str, str, bool]]]:
    """Each nod's Level 2 backgrounds: the other nods of its set, same detector."""
    helpers: dict[str, list[tuple[str, str, bool]]] = {}
    for exp in exposures:
        first = (exp.number - 1) // nods * nods + 1
        others = [
            o
            for o in exposures
            if o.detector == exp.detector and o is not exp and first <= o.number < first + nods
        ]
        helpers[exp.stem] = [(o.name(o.rate), "background", True) for o in others]
    return helpers


def nirspec_mos(ctx: ObsContext) -> ObservationPlan:
    """NIRSpec MOS, 3-shutter nod on nrs1+nrs2; per-source spec3 products.

    The MSA configuration is described by ``jw<p><o><v>_01_msa.fits``
    (``MSAMETFL``); the spec3 product is ``..._{source_id}_nirspec_...``.
    """
    msa = f"jw{ctx.program}{ctx.number:03d}001_01_msa.fits"
    count = 3 * (1 + ctx.size // 3)
    ids = sorted(ctx.rng.sample(range(1, 200000), 3 + 2 * ctx.size))
    t = ctx.target
    sources = [
        (
            f"s{i:09d}",
            round(t.ra + ctx.rng.uniform(-0.02, 0.02), 7),
            round(t.dec + ctx.rng.uniform(-0.02, 0.02), 7),
        )
        for i in ids
    ]
    exposures = ta(ctx, "NRS_MSATA", "nrs1", _NRS_TA)
    science = shots(
        ctx,
        visit=1,
        act=2,
        count=count,
        detectors=("nrs1", "nrs2"),
        exp_type="NRS_MSASPEC",
        optics=Optics(filter="F170LP", grating="G235M"),
        seconds=1313.0,
        msa=msa,
    )
    exposures += science
    level3 = [
        level3_for(
            ctx,
            "spec3",
            "Asn_Lv3SpectralSource",
            product_name(ctx, "nirspec", "f170lp-g235m", who="{source_id}"),
            exposures,
            sources={s[0]: None for s in sources},
        )
    ]
    level2 = level2_for(exposures, "spec2", "Asn_Lv2NRSMSA", _nod_backgrounds(science, 3))
    return plan("nirspec_mos", ctx, exposures, level2, level3, msa={msa: sources})


def nirspec_fs(ctx: ObsContext) -> ObservationPlan:
    """NIRSpec fixed slits S200A1 and S200A2, 2-point nod; ``t001-{source_id}`` products."""
    count = 2 * (1 + ctx.size // 2)
    optics = Optics(filter="F100LP", grating="G140M", fxd_slit="S200A1")
    exposures = ta(ctx, "NRS_WATA", "nrs1", _NRS_TA)
    science = shots(
        ctx,
        visit=1,
        act=2,
        count=count,
        detectors=("nrs1", "nrs2"),
        exp_type="NRS_FIXEDSLIT",
        optics=optics,
        seconds=878.0,
    )
    exposures += science
    who = f"t{ctx.target.number:03d}-{{source_id}}"
    name = product_name(ctx, "nirspec", "f100lp-g140m-{slit_name}", who=who)
    sources: dict[str, str | None] = {"s000000001": "s200a1", "s000000002": "s200a2"}
    level3 = [level3_for(ctx, "spec3", "Asn_Lv3NRSFSS", name, exposures, sources=sources)]
    level2 = level2_for(exposures, "spec2", "Asn_Lv2NRSFSS", _nod_backgrounds(science, 2))
    return plan("nirspec_fs", ctx, exposures, level2, level3)


def nirspec_ifu(ctx: ObsContext) -> ObservationPlan:
    """NIRSpec IFU: dithers, a leakcal imprint and a background field; ``_s3d``."""
    optics = Optics(filter="F170LP", grating="G235H")
    detectors = ("nrs1", "nrs2")
    exposures = ta(ctx, "NRS_WATA", "nrs1", _NRS_TA)
    science = shots(
        ctx,
        visit=1,
        act=2,
        count=2 + ctx.size,
        detectors=detectors,
        exp_type="NRS_IFU",
        optics=optics,
        seconds=1050.4,
    )
    imprint = shots(
        ctx,
        visit=1,
        act=3,
        count=1,
        detectors=detectors,
        exp_type="NRS_IFU",
        optics=optics,
        seconds=233.4,
        role="imprint",
    )
    background = shots(
        ctx,
        visit=2,
        act=2,
        count=1 + ctx.size // 2,
        detectors=detectors,
        exp_type="NRS_IFU",
        optics=optics,
        seconds=1050.4,
        role="background",
    )
    exposures += science + imprint + background
    helpers: dict[str, list[tuple[str, str, bool]]] = {}
    for exp in science + background:
        same = [i for i in imprint if i.detector == exp.detector]
        bkg = [b for b in background if b.detector == exp.detector] if exp.role == "science" else []
        helpers[exp.stem] = [(b.name("rate"), "background", True) for b in bkg] + [
            (i.name("rate"), "imprint", True) for i in same
        ]
    level3 = [
        level3_for(
            ctx, "spec3", "Asn_Lv3NRSIFU", product_name(ctx, "nirspec", "f170lp-g235h"), exposures
        )
    ]
    level2 = level2_for(exposures, "spec2", "Asn_Lv2NRSIFUNod", helpers)
    return plan("nirspec_ifu", ctx, exposures, level2, level3)


def miri_lrs(ctx: ObsContext) -> ObservationPlan:
    """MIRI LRS slit, 2-point nod; spec3 uses each nod's ``_x1d`` as background."""
    count = 2 * (1 + ctx.size // 2)
    exposures = ta(ctx, "MIR_TACQ", "mirimage", _MIR_TA)
    science = shots(
        ctx,
        visit=1,
        act=2,
        count=count,
        detectors=("mirimage",),
        exp_type="MIR_LRS-FIXEDSLIT",
        optics=Optics(filter="P750L"),
        seconds=999.0,
    )
    exposures += science
    asn = level3_for(
        ctx, "spec3", "Asn_Lv3SpectralTarget", product_name(ctx, "miri", "p750l"), exposures
    )
    asn.members[len(science) : len(science)] = [(e.name("x1d"), "background") for e in science]
    level2 = level2_for(
        exposures, "spec2", "Asn_Lv2MIRLRSFixedSlitNod", _nod_backgrounds(science, 2)
    )
    return plan("miri_lrs", ctx, exposures, level2, [asn])


def miri_mrs(ctx: ObsContext) -> ObservationPlan:
    """MIRI MRS on both IFU detectors with a dedicated background field; ``_s3d``."""
    optics = Optics(band="SHORT", channel="12")
    detectors = ("mirifushort", "mirifulong")
    exposures = ta(ctx, "MIR_TACQ", "mirimage", _MIR_TA)
    science = shots(
        ctx,
        visit=1,
        act=2,
        count=2 + ctx.size,
        detectors=detectors,
        exp_type="MIR_MRS",
        optics=optics,
        seconds=832.5,
    )
    background = shots(
        ctx,
        visit=2,
        act=2,
        count=1 + ctx.size // 2,
        detectors=detectors,
        exp_type="MIR_MRS",
        optics=optics,
        seconds=832.5,
        role="background",
    )
    exposures += science + background
    helpers = {
        e.stem: [
            (b.name("rate"), "background", True) for b in background if b.detector == e.detector
        ]
        for e in science
    }
    level3 = [level3_for(ctx, "spec3", "Asn_Lv3MIRMRS", product_name(ctx, "miri", ""), exposures)]
    return plan(
        "miri_mrs", ctx, exposures, level2_for(exposures, "spec2", "Asn_Lv2Spec", helpers), level3
    )


def niriss_wfss(ctx: ObsContext) -> ObservationPlan:
    """NIRISS WFSS: direct images (image3: i2d, cat, segm) bracket GR150R exposures.

    Each grism exposure's Level 2 association adds the image3 products as
    ``direct_image``, ``sourcecat`` and ``segmap`` members.
    """
    direct_name = product_name(ctx, "niriss", "clear-f200w")
    catalogs = (f"{direct_name}_i2d.fits", f"{direct_name}_cat.ecsv", f"{direct_name}_segm.fits")
    exposures = ta(ctx, "NIS_TACQ", "nis", _NIS_TA)
    direct = shots(
        ctx,
        visit=1,
        act=2,
        count=1,
        detectors=("nis",),
        exp_type="NIS_IMAGE",
        optics=Optics(filter="CLEAR", pupil="F200W"),
        seconds=214.7,
    )
    grism = shots(
        ctx,
        visit=1,
        act=3,
        count=2 + ctx.size,
        detectors=("nis",),
        exp_type="NIS_WFSS",
        optics=Optics(filter="GR150R", pupil="F200W"),
        seconds=1245.0,
        wfss=catalogs,
    )
    direct += shots(
        ctx,
        visit=1,
        act=4,
        count=1,
        detectors=("nis",),
        exp_type="NIS_IMAGE",
        optics=Optics(filter="CLEAR", pupil="F200W"),
        seconds=214.7,
    )
    exposures += direct + grism
    acq = exposures[:1]
    helpers = {
        g.stem: [
            (catalogs[0], "direct_image", False),
            (catalogs[1], "sourcecat", False),
            (catalogs[2], "segmap", False),
        ]
        for g in grism
    }
    level2 = level2_for(direct + acq, "image2", "Asn_Lv2Image")
    level2 += level2_for(grism, "spec2", "Asn_Lv2WFSSNIS", helpers)
    level3 = [
        level3_for(ctx, "image3", "Asn_Lv3Image", direct_name, direct + acq),
        level3_for(
            ctx, "spec3", "Asn_Lv3WFSSNIS", product_name(ctx, "niriss", "f200w-gr150r"), grism + acq
        ),
    ]
    return plan("niriss_wfss", ctx, exposures, level2, level3)


def _tso(
    ctx: ObsContext,
    mode: str,
    instrument: str,
    detectors: tuple[str, ...],
    exp_type: str,
    optics: Optics,
    optelems: str,
    acquisition: list[Exposure],
    spectral: bool,
) -> ObservationPlan:
    """One or more long exposures split into segments; tso3 over every segment."""
    segments = min(30, 2 + ctx.size // 2)
    science = shots(
        ctx,
        visit=1,
        act=2,
        count=1 + ctx.size // 4,
        detectors=detectors,
        exp_type=exp_type,
        optics=optics,
        seconds=7200.0,
        ints=True,
        nints=600,
        segments=segments,
    )
    exposures = acquisition + science
    asn_type, rule = (
        ("tso-spec2", "Asn_Lv2SpecTSO") if spectral else ("tso-image2", "Asn_Lv2ImageTSO")
    )
    level3 = [
        level3_for(ctx, "tso3", "Asn_Lv3TSO", product_name(ctx, instrument, optelems), exposures)
    ]
    return plan(mode, ctx, exposures, level2_for(exposures, asn_type, rule), level3)


def niriss_soss(ctx: ObsContext) -> ObservationPlan:
    """NIRISS SOSS time series (GR700XD, SUBSTRIP256); tso3 ``_x1dints``."""
    optics = Optics(filter="CLEAR", pupil="GR700XD", subarray="SUBSTRIP256")
    return _tso(
        ctx,
        "niriss_soss",
        "niriss",
        ("nis",),
        "NIS_SOSS",
        optics,
        "clear-gr700xd-substrip256",
        ta(ctx, "NIS_TACQ", "nis", _NIS_TA),
        True,
    )


def nirspec_bots(ctx: ObsContext) -> ObservationPlan:
    """NIRSpec bright-object time series (S1600A1, G395H) on nrs1+nrs2; tso3 ``_x1dints``."""
    optics = Optics(filter="F290LP", grating="G395H", fxd_slit="S1600A1", subarray="SUB2048")
    return _tso(
        ctx,
        "nirspec_bots",
        "nirspec",
        ("nrs1", "nrs2"),
        "NRS_BRIGHTOBJ",
        optics,
        "f290lp-g395h-s1600a1-sub2048",
        ta(ctx, "NRS_WATA", "nrs1", _NRS_TA),
        True,
    )


def nircam_tsimage(ctx: ObsContext) -> ObservationPlan:
    """NIRCam time-series imaging (F210M, SUB64P); tso3 ``_phot.ecsv``."""
    optics = Optics(filter="F210M", pupil="CLEAR", subarray="SUB64P")
    acq = ta(ctx, "NRC_TACQ", "nrca3", Optics(filter="F335M", pupil="CLEAR", subarray="SUB32TATS"))
    return _tso(
        ctx,
        "nircam_tsimage",
        "nircam",
        ("nrca3",),
        "NRC_TSIMAGE",
        optics,
        "clear-f210m-sub64p",
        acq,
        False,
    )

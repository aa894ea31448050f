"""Building blocks of mode builders: exposure sequences and associations.

The rules follow jwst 3.0.0 (``rules_level2b.py``, ``rules_level3.py``):
every exposure gets its own Level 2 association; a Level 3 association
lists the science members as ``_cal`` (``_calints`` for TSO, coronagraphy
and AMI), target acquisitions as ``_cal``, PSF references as ``_calints``
and spec3 backgrounds as ``_x1d``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from jwlink.synth.plan import Exposure, Level2, Level3, ObsContext, ObservationPlan, Optics

__all__ = [
    "level2_for",
    "level3_for",
    "plan",
    "product_name",
    "shots",
    "target_acquisition",
]

# Role -> (asn_type, rule) of the Level 2 association that processes an
# exposure of that role as its own science member (rules_level2b.py).
_HELPER_RULES = {
    "target_acquisition": ("image2", "Asn_Lv2ImageNonScience"),
    "psf": ("image2", "Asn_Lv2ImageSpecial"),
    "background": ("spec2", "Asn_Lv2SpecSpecial"),
    "imprint": ("spec2", "Asn_Lv2SpecImprint"),
}


def shots(
    ctx: ObsContext,
    *,
    visit: int,
    act: int,
    count: int,
    detectors: Sequence[str],
    exp_type: str,
    optics: Optics,
    seconds: float,
    role: str = "science",
    group: int = 2,
    segments: int = 0,
    **extra: object,
) -> list[Exposure]:
    """Return ``count`` exposures of one activity, each on every detector.

    Detectors of one exposure share its start time (they read out together);
    a segmented exposure gives one file per segment, in time order.
    """
    exposures: list[Exposure] = []
    for number in range(1, count + 1):
        parts = range(1, segments + 1) if segments else (None,)
        for segment in parts:
            length = seconds / segments if segments else seconds
            start = ctx.take(length, gap=0.0 if segments and segment != segments else 60.0)
            for detector in detectors:
                exposures.append(
                    Exposure(
                        program=ctx.program,
                        observation=ctx.number,
                        visit=visit,
                        group=group,
                        act=act,
                        number=number,
                        detector=detector,
                        exp_type=exp_type,
                        role=role,
                        optics=optics,
                        start=start,
                        seconds=length,
                        segment=segment,
                        segtot=segments or None,
                        dither=number,
                        ndither=count,
                        candidate=ctx.candidate,
                        **extra,  # type: ignore[arg-type]
                    )
                )
    return exposures


def target_acquisition(
    ctx: ObsContext, exp_type: str, detector: str, optics: Optics, visit: int = 1
) -> list[Exposure]:
    """Return the target-acquisition exposure that opens a visit (activity 01)."""
    return shots(
        ctx,
        visit=visit,
        act=1,
        count=1,
        detectors=(detector,),
        exp_type=exp_type,
        optics=optics,
        seconds=32.2,
        role="target_acquisition",
    )


def level2_for(
    exposures: Iterable[Exposure],
    asn_type: str,
    rule: str,
    helpers: dict[str, list[tuple[str, str, bool]]] | None = None,
) -> list[Level2]:
    """Return one Level 2 association per exposure.

    Science exposures use ``asn_type``/``rule``; other roles use the rule
    that processes them as science. ``helpers`` maps a science stem to its
    extra members (backgrounds, imprints, WFSS catalogs).
    """
    out = []
    for exp in exposures:
        if exp.role == "science":
            extra = (helpers or {}).get(exp.stem, [])
            out.append(Level2(exp, asn_type, rule, list(extra)))
        else:
            helper_type, helper_rule = _HELPER_RULES[exp.role]
            extra = (helpers or {}).get(exp.stem, []) if exp.role == "background" else []
            out.append(Level2(exp, helper_type, helper_rule, list(extra)))
    return out


def level3_for(
    ctx: ObsContext,
    asn_type: str,
    rule: str,
    product: str,
    exposures: Iterable[Exposure],
    sources: dict[str, str | None] | None = None,
    background_suffix: str = "x1d",
) -> Level3:
    """Return a Level 3 association over the given exposures.

    Members are listed science first, then PSF and background references,
    then target acquisitions, as the generator writes them.
    """
    order = {"science": 0, "psf": 1, "background": 2, "target_acquisition": 3}
    members: list[tuple[str, str]] = []
    for exp in sorted(exposures, key=lambda e: order.get(e.role, 9)):
        if exp.role == "imprint":
            continue  # imprints are used in stage 2 only
        if exp.role == "background":
            members.append((exp.name(background_suffix), "background"))
        elif exp.role == "target_acquisition":
            members.append((exp.name("cal"), "target_acquisition"))
        else:
            members.append((exp.name(exp.cal), exp.role))
    return Level3(asn_type, rule, product, members, dict(sources or {}), ctx.candidate.lower())


def product_name(ctx: ObsContext, instrument: str, optelems: str, who: str | None = None) -> str:
    """Return a Level 3 product name ``jw<p>-<acid>_<target>_<instrument>[_<optelems>]``."""
    who = who or f"t{ctx.target.number:03d}"
    tail = f"_{optelems}" if optelems else ""
    return f"jw{ctx.program}-{ctx.acid}_{who}_{instrument}{tail}"


def plan(
    mode: str,
    ctx: ObsContext,
    exposures: list[Exposure],
    level2: list[Level2],
    level3: list[Level3],
    msa: dict[str, list[tuple[str, float, float]]] | None = None,
) -> ObservationPlan:
    """Bundle a builder's result."""
    return ObservationPlan(
        mode, ctx.program, ctx.number, ctx.target, exposures, level2, level3, msa or {}
    )

"""An observation plan -> every file the pipeline and the archive make of it.

Per exposure: ``_uncal``, ``_rate(ints)``, its Level 2 association,
``_cal(ints)``, the stage-2 spectral products, previews and a pool row.
Per Level 3 association: the association, the combined, derived,
per-source and per-member products (`jwlink.core.pipeline_modes`, the same
table the linker expects them from), with previews. Per visit: the
guide-star products. Then MSA files and any CRDS reference file not yet
made in this run.
"""

from __future__ import annotations

import datetime
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jwlink.core import pipeline_modes
from jwlink.naming import parse
from jwlink.synth import crds
from jwlink.synth.documents import level2_document, level3_document, pool_row
from jwlink.synth.engineering import engineering_items
from jwlink.synth.headers import (
    CAL_VER,
    CRDS_VER,
    exposure_keywords,
    guidestar_keywords,
    level3_keywords,
    mjd_iso,
    msa_keywords,
    reference_keywords,
)
from jwlink.synth.items import Item
from jwlink.synth.plan import DAY, Exposure, Level2, Level3, ObservationPlan, Program, Visit

__all__ = ["ObservationFiles", "References", "observation_files"]

# Suffix -> jwst datamodel class written in DATAMODL.
_DATAMODELS = {
    "uncal": "Level1bModel",
    "rate": "ImageModel",
    "rateints": "CubeModel",
    "cal": "ImageModel",
    "calints": "CubeModel",
    "crf": "ImageModel",
    "crfints": "CubeModel",
    "i2d": "ImageModel",
    "s2d": "MultiSlitModel",
    "s3d": "IFUCubeModel",
    "x1d": "MultiSpecModel",
    "x1dints": "TSOMultiSpecModel",
    "c1d": "MultiCombinedSpecModel",
    "segm": "SegmentationMapModel",
    "psfstack": "CubeModel",
    "psfalign": "QuadModel",
    "psfsub": "CubeModel",
    "ami-oi": "AmiOIModel",
    "amimulti-oi": "AmiOIModel",
    "aminorm-oi": "AmiOIModel",
    "amilg": "AmiLgFitModel",
    "psf-ami-oi": "AmiOIModel",
    "wfscmb": "ImageModel",
}
# Step status keywords of a calibrated exposure (a few of the 61 S_* keywords).
_STEPS = {
    "S_DQINIT": "COMPLETE",
    "S_SATURA": "COMPLETE",
    "S_JUMP": "COMPLETE",
    "S_RAMP": "COMPLETE",
    "S_WCS": "COMPLETE",
    "S_FLAT": "COMPLETE",
    "S_PHOTOM": "COMPLETE",
    "S_PERSIS": "SKIPPED",
}
_PREVIEWED = frozenset(
    {"cal", "calints", "i2d", "s2d", "s3d", "x1d", "x1dints", "psfstack", "wfscmb", "c1d"}
)


@dataclass(slots=True)
class ObservationFiles:
    """The items of one observation, its pool rows and the visits it touched.

    ``items`` is an iterator: it can be read once.
    """

    items: Iterator[Item]
    pool_rows: list[list[str]]
    visits: list[str]


class References:
    """The CRDS reference files (and context) already made in this run."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def new(self, refs: dict[str, Any], context: str = crds.CONTEXT) -> list[Item]:
        """Return items for the reference files of ``refs`` (and ``context``) not made before."""
        items = []
        if context not in self.seen:
            self.seen.add(context)
            items.append(Item(context, "pmap", "context", None, None, shared=True))
        for value in refs.values():
            if not isinstance(value, crds.ReferenceFile) or value in self.seen:
                continue
            self.seen.add(value)
            ext = value.rsplit(".", 1)[1]
            header = reference_keywords(str(value), value.reftype, value.instrument, value.detector)
            items.append(
                Item(
                    str(value),
                    "fits" if ext == "fits" else ext,
                    "reference",
                    None,
                    None,
                    header=header if ext == "fits" else None,
                    shared=True,
                )
            )
        return items


def _filters(exp: Exposure) -> str | None:
    o = exp.optics
    return ";".join(v for v in (o.filter, o.pupil, o.grating) if v) or None


def _visits(plan: ObservationPlan) -> dict[int, Visit]:
    spans: dict[int, list[float]] = defaultdict(list)
    for exp in plan.exposures:
        spans[exp.visit] += [exp.start, exp.end]
    visits = {}
    for number, times in sorted(spans.items()):
        visit_id = f"jw{plan.program}{plan.number:03d}{number:03d}"
        crc = zlib.crc32(visit_id.encode())
        visits[number] = Visit(
            visit_id=visit_id,
            star=f"N{crc % 10**9:09d}",
            ra=round(plan.target.ra + (crc % 1000 - 500) / 40000, 7),
            dec=round(plan.target.dec + (crc // 1000 % 1000 - 500) / 40000, 7),
            start=round(min(times) - 600 / DAY, 8),
            end=round(max(times) + 30 / DAY, 8),
        )
    return visits


def _asn_name(program: Program, acid: str, asn_type: str, counters: dict[str, int]) -> str:
    counters[asn_type] += 1
    return f"jw{program.id}-{acid}_{program.stamp}_{asn_type}_{counters[asn_type]:05d}_asn.json"


def _previews(name: str, suffix: str, form: str, owner: str | None) -> list[Item]:
    stem = name.rsplit(".", 1)[0]
    return [
        Item(f"{stem}.jpg", "jpeg", form, suffix, owner, image="preview"),
        Item(f"{stem}_thumb.jpg", "jpeg", form, suffix, owner, image="thumbnail"),
    ]


def observation_files(
    plan: ObservationPlan, program: Program, references: References
) -> ObservationFiles:
    """Return every file of one observation, in a fixed order.

    Parameters
    ----------
    plan : ObservationPlan
        The observation as a mode builder laid it out.
    program : Program
        Its program (names the pool, rights and processing stamp).
    references : References
        Reference files made so far in this run; new ones are added.

    Returns
    -------
    ObservationFiles
        Items, pool rows (one per ``_uncal``) and the visit ids.
    """
    visits = _visits(plan)
    counters: dict[str, int] = defaultdict(int)
    level2 = {a.exposure.stem: a for a in plan.level2}
    asn_names = {
        stem: _asn_name(program, plan.acid, a.asn_type, counters) for stem, a in level2.items()
    }
    level3 = [(_asn_name(program, plan.acid, a.asn_type, counters), a) for a in plan.level3]
    totals: dict[int, int] = defaultdict(int)
    for exp in plan.exposures:
        totals[exp.visit] += 1
    per_visit: dict[int, int] = defaultdict(int)
    pool_rows = []
    for exp in plan.exposures:
        per_visit[exp.visit] += 1
        pool_rows.append(pool_row(exp, plan, per_visit[exp.visit], totals[exp.visit]))
    items = _items(plan, program, references, visits, asn_names, level2, level3)
    return ObservationFiles(items, pool_rows, [v.visit_id for v in visits.values()])


def _items(
    plan: ObservationPlan,
    program: Program,
    references: References,
    visits: dict[int, Visit],
    asn_names: dict[str, str],
    level2: dict[str, Level2],
    level3: list[tuple[str, Level3]],
) -> Iterator[Item]:
    """Yield the observation's items one at a time.

    A 5,000-member mosaic is so never held in memory with all its headers.
    """
    # The MSA configuration exists before the exposures that use it.
    for msa, sources in plan.msa.items():
        owner = parse(plan.level3[0].product).obs_id
        header = msa_keywords(msa, plan, program)
        yield Item(msa, "fits", "msa", "msa", owner, header=header, rows=sources)
    for exp in plan.exposures:
        base = exposure_keywords(exp, plan, program, visits[exp.visit])
        yield from _exposure_items(
            exp, base, plan, program, asn_names[exp.stem], level2[exp.stem], references
        )
    stems = {e.stem: e for e in plan.exposures}
    for name, asn in level3:
        yield from _level3_items(asn, name, plan, program, stems, visits)
    for visit in visits.values():
        yield from _guidestar_items(visit, program)
    if plan.number == 1 and visits:
        # The pointing telemetry over the first visit of each program's first
        # observation: its exposures then show their engineering data.
        yield from engineering_items(visits[min(visits)])


def _exposure_items(
    exp: Exposure,
    base: dict[str, Any],
    plan: ObservationPlan,
    program: Program,
    asn_name: str,
    asn: Level2,
    references: References,
) -> list[Item]:
    owner = exp.obs_id
    filters = _filters(exp)

    def fits(suffix: str, extra: dict[str, Any], refs: dict[str, Any] | None = None) -> Item:
        name = exp.name(suffix)
        header = {
            **base,
            "FILENAME": name,
            "DATAMODL": _DATAMODELS.get(suffix, "ImageModel"),
            **extra,
        }
        return Item(
            name, "fits", "exposure", suffix, owner, header=header, refs=refs, filters=filters
        )

    processed = {"CAL_VER": CAL_VER, "CRDS_VER": CRDS_VER, "CRDS_CTX": crds.context_of(exp)}
    made_by = {**processed, "ASNTABLE": asn_name, "ASNPOOL": program.pool}
    refs = crds.references(exp)
    cal_extra = {**made_by, **_STEPS}
    if exp.wfss is not None:
        cal_extra.update(DIRIMAGE=exp.wfss[0], SCATFILE=exp.wfss[1], SEGMFILE=exp.wfss[2])
    items = references.new(refs, crds.context_of(exp))
    items += [
        fits("uncal", {}),
        fits(exp.rate, processed),
        Item(
            asn_name,
            "asn",
            "association",
            "asn",
            owner,
            asn_type=asn.asn_type,
            doc=level2_document(asn, plan, program),
            filters=filters,
        ),
        fits(exp.cal, cal_extra, refs),
    ]
    for suffix in stage2_extras(asn.asn_type, exp):
        spectral = crds.extraction_references(exp) if suffix.startswith("x1d") else None
        if spectral:
            items += references.new(spectral)
        items.append(fits(suffix, made_by, spectral))
    if exp.role != "target_acquisition":
        items += _previews(exp.name(exp.cal), exp.cal, "exposure", owner)
    return items


def stage2_extras(asn_type: str, exp: Exposure) -> list[str]:
    """Return the stage-2 products of an exposure besides its ``_cal(ints)`` (table row)."""
    mode = pipeline_modes.level2_mode(asn_type, exp.exp_type)
    made = [o.ints if exp.ints else o.suffix for o in mode.outputs if o.suffix != "cal"]
    return [suffix for suffix in made if suffix is not None]


def _output_name(product: str, suffix: str, ext: str) -> str:
    # The linker's rule (linker.associations._with_suffix) for product names.
    if "{suffix}" in product:
        return f"{product.replace('{suffix}', suffix)}.{ext}"
    return f"{product}_{suffix}.{ext}"


def _level3_items(
    asn: Level3,
    asn_name: str,
    plan: ObservationPlan,
    program: Program,
    stems: dict[str, Exposure],
    visits: dict[int, Visit],
) -> Iterator[Item]:
    fn = parse(asn.product)
    owner = fn.obs_id
    science = [stems[n.rsplit("_", 1)[0]] for n, t in asn.members if t == "science"]
    hdrtab = tuple(n for n, t in asn.members if t == "science")
    filters = _filters(science[0])
    yield Item(
        asn_name,
        "asn",
        "association",
        "asn",
        owner,
        asn_type=asn.asn_type,
        doc=level3_document(asn, plan, program, science[0]),
        filters=filters,
    )
    mode = pipeline_modes.level3_mode(
        asn.asn_type,
        f"candidate_{asn.rule}",
        fn.instrument or "",
        fn.optelems or "",
        "{source_id}" in asn.product,
    )
    made_by = {
        "CRDS_VER": CRDS_VER,
        "CRDS_CTX": crds.CONTEXT,
        "ASNTABLE": asn_name,
        "ASNPOOL": program.pool,
    }

    def product(name: str, suffix: str, ext: str, with_members: bool) -> list[Item]:
        if ext != "fits":
            return [Item(name, ext, "stage3", suffix, owner, filters=filters)]
        model = _DATAMODELS.get(suffix, "ImageModel")
        if suffix in ("cal", "crf"):
            model = "MultiExposureModel"  # per-source exposures of one source
        header = {**level3_keywords(plan, program, science, model), "FILENAME": name, **made_by}
        made = [
            Item(
                name,
                "fits",
                "stage3",
                suffix,
                owner,
                header=header,
                hdrtab=hdrtab if with_members else (),
                filters=filters,
            )
        ]
        if suffix in _PREVIEWED:
            made += _previews(name, suffix, "stage3", owner)
        return made

    names = [asn.product]
    if asn.sources:
        names = [
            asn.product.replace("{source_id}", source).replace("{slit_name}", slit or "")
            for source, slit in asn.sources.items()
        ]
    once = [o for o in mode.outputs if o.per_member is None]
    for stem in names:
        for out in once:
            composed = any(f.member is not None and f.output is None for f in out.feeds)
            yield from product(
                _output_name(stem, out.suffix, out.ext), out.suffix, out.ext, composed
            )
    for member, exptype in asn.members:
        exp = stems.get(member.rsplit("_", 1)[0])
        if exp is None:
            continue
        for out in mode.outputs:
            if out.per_member != exptype:
                continue
            per_member = pipeline_modes.member_output_name(member, plan.acid, out.suffix)
            if per_member is None:
                continue  # the grammar cannot write it: the linker expects none either
            header = {
                **exposure_keywords(exp, plan, program, visits[exp.visit]),
                "FILENAME": per_member,
                "CAL_VER": CAL_VER,
                "DATAMODL": _DATAMODELS.get(out.suffix, "ImageModel"),
                **made_by,
            }
            yield Item(
                per_member, "fits", "exposure", out.suffix, exp.obs_id, header=header,
                filters=_filters(exp),
            )  # fmt: skip


def _gs_stamp(mjd: float) -> str:
    """Return the 13-digit ``yyyydddhhmmss`` stamp guide-star names carry."""
    iso = mjd_iso(mjd)
    year, month, day = int(iso[:4]), int(iso[5:7]), int(iso[8:10])
    doy = datetime.date(year, month, day).timetuple().tm_yday
    return f"{year}{doy:03d}{iso[11:13]}{iso[14:16]}{iso[17:19]}"


def _guidestar_items(visit: Visit, program: Program) -> list[Item]:
    detector = "GUIDER1" if zlib.crc32(visit.visit_id.encode()) % 3 else "GUIDER2"
    acq, track = _gs_stamp(visit.start + 120 / DAY), _gs_stamp(visit.start + 300 / DAY)
    files = [
        ("gs-id_1_image-uncal", "FGS_ID-IMAGE", False),
        ("gs-id_1_image-cal", "FGS_ID-IMAGE", True),
        (f"gs-acq1_{acq}_uncal", "FGS_ACQ1", False),
        (f"gs-acq1_{acq}_cal", "FGS_ACQ1", True),
        (f"gs-fg_{track}_uncal", "FGS_FINEGUIDE", False),
        (f"gs-fg_{track}_cal", "FGS_FINEGUIDE", True),
    ]
    items = []
    for part, exp_type, processed in files:
        name = f"{visit.visit_id}_{part}.fits"
        kind_and_id, suffix = part.rsplit("_", 1)
        owner = f"{visit.visit_id}_{kind_and_id}"
        header = guidestar_keywords(name, visit, program, exp_type, detector, processed)
        items.append(Item(name, "fits", "guidestar", suffix, owner, header=header))
    return items

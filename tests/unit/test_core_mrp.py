"""Minimum Recommended Products, per pipeline mode, on tiny in-memory product lists.

For every Level 3 row of `jwlink.core.pipeline_modes` (each cites the jwst
file it was read from: ``Mode.source``), an observation's list holds what that
pipeline saves plus the exposures it read; the policy (`jwlink.core.mrp`)
must recommend exactly the combined science products. Each product suffix is
first checked against the cited jwst source, so the expectation rests on the
pipeline, not on jwlink's own table alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from jwlink.core.mrp import L3_PRODUCTS, explain
from jwlink.core.pipeline_modes import LEVEL2, LEVEL3, Mode
from jwlink.naming import describe

EXP = "jw01234001001_02101_00001_nrca1"
PRODUCT = "jw01234-o001_t001_nircam_clear"
ASN = "jw01234-o001_20230101t000000_image3_00001_asn.json"


def _row(name: str) -> dict[str, Any]:
    info = describe(name)
    level = info.level.value if info.level is not None else None
    return {"productFilename": name, "productType": info.product_type.value, "level": level,
            "suffix": info.suffix or "", "brought_in": False}  # fmt: skip


def _outputs(mode: Mode) -> dict[str, bool]:
    """Each product name the mode saves -> whether the table calls it a combined product."""
    names = {}
    for out in mode.outputs:
        if out.per_member is None:
            names[f"{PRODUCT}_{out.suffix}.{out.ext}"] = out.mrp
        else:
            names[f"{EXP}_o001_{out.suffix}.{out.ext}"] = out.mrp
    return names


def _saved_by(mode: Mode, suffix: str, jwst_source: Callable[[str], str]) -> bool:
    code = "".join(jwst_source(path) for path in (mode.source, *mode.steps))
    return any(f"{q}{suffix}{q}" in code for q in "\"'") or f"_{suffix}" in code


@pytest.mark.parametrize("mode", LEVEL3, ids=lambda m: m.name)
def test_level3_mode_recommends_its_combined_products(
    mode: Mode, jwst_source: Callable[[str], str]
) -> None:
    asn_type = mode.asn_types[0]
    outputs = _outputs(mode)
    for out in mode.outputs:
        assert _saved_by(mode, out.suffix, jwst_source), f"{mode.source} never writes _{out.suffix}"
    inputs = [f"{EXP}_uncal.fits", f"{EXP}_rate.fits", f"{EXP}_cal.fits", ASN]
    decisions = {d.name: d for d in explain([_row(n) for n in [*outputs, *inputs]], asn_type)}
    for name, combined in outputs.items():
        assert decisions[name].mrp is combined, (name, decisions[name])
        if combined:
            assert decisions[name].rule == f"{asn_type}-combined"
    # What went into them is not recommended, each for its own reason.
    assert decisions[f"{EXP}_cal.fits"].rule == "l2-hidden-by-l3"
    assert decisions[f"{EXP}_rate.fits"].rule == "uncalibrated"
    assert decisions[f"{EXP}_uncal.fits"].rule == "uncalibrated"
    assert decisions[ASN].rule == "ancillary-type"


def test_combined_products_of_each_type_are_the_tables_mrp_outputs() -> None:
    for asn_type, suffixes in L3_PRODUCTS.items():
        rows = [m for m in LEVEL3 if asn_type in m.asn_types]
        expected = {o.suffix for m in rows for o in m.outputs if o.mrp}
        assert suffixes == expected, asn_type


def test_without_level3_the_calibrated_exposure_is_recommended(
    jwst_source: Callable[[str], str],
) -> None:
    # calwebb_image2 saves the _cal (_calints) and, for imaging, the resampled _i2d.
    image2 = next(m for m in LEVEL2 if m.name == "image2-imaging")
    code = jwst_source(image2.source)
    assert 'suffix = "cal"' in code and 'self.resample.suffix = "i2d"' in code
    rows = [_row(f"{EXP}_{s}.fits") for s in ("uncal", "rate", "cal", "i2d")]
    decisions = {d.name: d for d in explain(rows, "image2")}
    assert decisions[f"{EXP}_cal.fits"].mrp
    assert decisions[f"{EXP}_cal.fits"].rule == "l2b-most-calibrated"
    assert not decisions[f"{EXP}_rate.fits"].mrp


def test_a_placeholder_stands_for_its_sources_until_one_is_known() -> None:
    template = "jw01234-o001_{source_id}_nirspec_f170lp-g235m_x1d.fits"
    alone = explain([_row(template)], "spec3")
    assert [(d.mrp, d.rule) for d in alone] == [(True, "per-source-expected")]
    one = "jw01234-o001_s000000042_nirspec_f170lp-g235m_x1d.fits"
    rows = [_row(template), {**_row(one), "obs_id": template.removesuffix("_x1d.fits")}]
    decided = {d.name: (d.mrp, d.rule) for d in explain(rows, "spec3")}
    assert decided == {template: (False, "per-source-template"), one: (True, "spec3-combined")}

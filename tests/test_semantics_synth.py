"""The synthesizer and the linker follow the same pipeline table, mode by mode.

For every synthetic mode, each product the linker expects from the
synthesizer's associations is a file the synthesizer writes, and the
stage-3 files it writes are ones the linker expects. What the table itself
says is checked against the jwst code in test_semantics_pipeline.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from jwlink.core import pipeline_modes as pm
from jwlink.core.linker import link_association
from jwlink.readers import read_association
from jwlink.synth.modes import BUILDERS, MODES
from jwlink.synth.plan import ObsContext, Program, Target
from jwlink.synth.products import References, observation_files

_ASN = re.compile(r"_(image3|spec3|coron3|ami3|tso3|wfs-image3)_\d{5}_asn\.json$")


def _files(mode: str) -> list:
    target = Target(1, "T", "T", 150.0, 2.0)
    ctx = ObsContext("01234", 7, 1, target, random.Random(3), 60000.0)  # noqa: S311
    plan = BUILDERS[mode](ctx)
    program = Program("01234", "t", "pi", "GO", "PUBLIC", "2026-01-01", "20250101t000000", 6e4)
    return list(observation_files(plan, program, References()).items)


@pytest.mark.parametrize("mode", MODES)
def test_synth_writes_what_the_linker_expects(mode: str, tmp_path: Path) -> None:
    items = _files(mode)
    names = {i.name for i in items}
    expected: set[str] = set()
    for item in items:
        if item.doc is None or not _ASN.search(item.name):
            continue
        path = tmp_path / item.name
        path.write_text(json.dumps(item.doc))
        batch = link_association(read_association(path))
        expected |= {n for _asn, _product, n in batch.asn_outputs}
    assert expected, mode
    concrete = {n for n in expected if "{source_id}" not in n}
    assert concrete <= names, sorted(concrete - names)
    templates = [_per_source(n) for n in expected if "{source_id}" in n]
    for template in templates:
        assert any(template.fullmatch(n) for n in names), template.pattern
    stage3 = {i.name for i in items if i.form == "stage3" and i.kind in ("fits", "ecsv")}
    for name in stage3:
        assert name in expected or any(t.fullmatch(name) for t in templates), name


def _per_source(template: str) -> re.Pattern[str]:
    """The files a ``{source_id}`` product name stands for (spec3 formats s/b/v + 9 digits)."""
    pattern = re.escape(template).replace(r"\{source_id\}", r"[sbv]\d{9}")
    return re.compile(pattern.replace(r"\{slit_name\}", "[a-z0-9]+"))


def test_synth_coron_psf_members_get_crfints_and_science_members_psfsub() -> None:
    items = _files("nircam_coron")
    doc = next(i.doc for i in items if i.doc is not None and "_coron3_" in i.name)
    members = doc["products"][0]["members"]
    names = {i.name for i in items}
    acid = doc["asn_id"]
    for member in members:
        stem = member["expname"].removesuffix("_calints.fits")
        if member["exptype"] == "psf":
            assert f"{stem}_{acid}_crfints.fits" in names
            assert f"{stem}_{acid}_psfsub.fits" not in names
        if member["exptype"] == "science":
            assert {f"{stem}_{acid}_{s}.fits" for s in ("crfints", "psfalign", "psfsub")} <= names


def test_synth_stage2_products_follow_exp_type() -> None:
    items = _files("nirspec_ifu")
    names = {i.name for i in items}
    cal = [i.name for i in items if i.suffix == "cal" and i.form == "exposure"]
    spectral = pm.level2_mode("spec2", "NRS_IFU")
    others = [o.suffix for o in spectral.outputs if o.suffix != "cal"]
    assert others == ["s3d", "x1d"]
    for name in cal:
        if "_nrs" in name and not name.split("_")[1].endswith("1"):  # not the TA (activity 01)
            for suffix in others:
                assert name.replace("_cal.fits", f"_{suffix}.fits") in names, name
    assert not any(n.endswith("_s2d.fits") for n in names)

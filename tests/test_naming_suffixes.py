"""The suffix table against the installed jwst: every suffix parses, with the level of its stage.

The expected stages come from jwst itself (``KNOW_SUFFIXES`` and the pipeline
classes' ``step_defs``), not from `jwlink.naming.suffix_table`; the only fact kept
here is which stage each calwebb pipeline is (docs/jwst/data_products/stages.rst).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest

from jwlink.core.model import Level, ProductType
from jwlink.naming import Form, is_known_suffix, parse
from jwlink.naming.suffix_table import ROWS
from jwlink.naming.suffixes import ASN_LEVELS, ASN_TYPES, SUFFIX_INFO, SUFFIXES, level_of

EXPOSURE = "jw01251004001_03107_00001_nrs1_{}.fits"
EXPOSURE_ACID = "jw01251004001_03107_00001_nrs1_o005_{}.fits"
STAGE3 = "jw01251-o004_t001_nirspec_clear-prism_{}.fits"
STAGE3_BARE = "jw00626-c1003_t001_nrs_{}.fits"  # no optical elements, older instrument

# Stage of each pipeline, by its class_alias (stages.rst: stage 1 writes level
# 2a, stage 2 level 2b, stage 3 level 3, and level 2c for exposure-based files).
PIPELINE_STAGE = {
    "calwebb_detector1": 1, "calwebb_dark": 1,
    "calwebb_image2": 2, "calwebb_spec2": 2, "calwebb_guider": 2,
    "calwebb_image3": 3, "calwebb_spec3": 3, "calwebb_coron3": 3, "calwebb_ami3": 3,
    "calwebb_tso3": 3, "calwebb_wfs-image3": 3,
}  # fmt: skip
EXP_LEVEL = {1: Level.L2A, 2: Level.L2B, 3: Level.L2C}
SRC_LEVEL = {1: Level.L2A, 2: Level.L2B, 3: Level.L3}


def _jwst_suffix() -> Any:
    return pytest.importorskip("jwst.lib.suffix", reason="jwst not installed (CI installs it)")


def _steps_by_pipeline() -> dict[str, set[int]]:
    """Suffix -> stages whose pipelines run it, from the installed jwst's step_defs."""
    pytest.importorskip("jwst", reason="jwst not installed (CI installs it)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from jwst.stpipe.utilities import all_steps

        steps = all_steps()
    stages: dict[str, set[int]] = {}

    def walk(step: Any, stage: int) -> None:
        for alias, sub in (getattr(step, "step_defs", None) or {}).items():
            for suffix in (alias, sub.class_alias, sub.__name__.lower()):
                stages.setdefault(suffix, set()).add(stage)
            walk(sub, stage)  # master_background_mos runs its own steps inside spec2

    for name, step in steps.items():
        alias = step.class_alias
        if alias.startswith("calwebb_"):
            assert alias in PIPELINE_STAGE, f"a new pipeline {alias}: which stage is it?"
            for suffix in (alias, name.lower()):
                stages.setdefault(suffix, set()).add(PIPELINE_STAGE[alias])
            walk(step, PIPELINE_STAGE[alias])
    assert len(stages) > 100
    return stages


def test_every_known_suffix_parses_in_both_forms_with_a_level() -> None:
    known = _jwst_suffix().KNOW_SUFFIXES
    assert len(known) > 150
    for suffix in known:
        for template in (EXPOSURE, EXPOSURE_ACID, STAGE3, STAGE3_BARE):
            name = template.format(suffix)
            fn = parse(name)
            assert str(fn) == name
            assert fn.suffix == suffix, name
            assert fn.suffix_known and is_known_suffix(suffix), name
            assert isinstance(fn.level, Level), name
            assert fn.obs_id == name.removesuffix(f"_{suffix}.fits").replace("_o005", ""), name


def test_step_suffixes_have_the_level_of_the_pipeline_stage_that_runs_them() -> None:
    by_jwst = _steps_by_pipeline()
    for suffix, stages in by_jwst.items():
        info = SUFFIX_INFO[suffix]
        assert info.stages == frozenset(stages), suffix
        if info.base:  # a documented product (cal, crf, ...): tested in test_products
            continue
        assert parse(EXPOSURE.format(suffix)).level is EXP_LEVEL[min(stages)], suffix
        assert parse(STAGE3.format(suffix)).level is SRC_LEVEL[max(stages)], suffix
        acid = EXP_LEVEL[3 if 3 in stages else min(stages)]
        assert parse(EXPOSURE_ACID.format(suffix)).level is acid, suffix


def test_detector1_intermediates_are_2a_like_ramp() -> None:
    # The failure of issue 11: _linearity / _persistencestep came out 2b.
    for suffix in ("ramp", "linearity", "persistencestep", "dq_init", "jump", "ramp_fit",
                   "calwebb_detector1", "detector1pipeline", "gain_scaleints"):  # fmt: skip
        assert parse(EXPOSURE.format(suffix)).level is Level.L2A, suffix
    assert parse(EXPOSURE.format("rate")).product_type is ProductType.SCIENCE
    assert parse(EXPOSURE.format("linearity")).product_type is ProductType.AUXILIARY


@pytest.mark.parametrize(
    ("suffix", "exp", "src", "product_type"),
    [
        ("uncal", Level.L1B, Level.L1B, ProductType.SCIENCE),
        ("rate", Level.L2A, Level.L2A, ProductType.SCIENCE),
        ("rateints", Level.L2A, Level.L2A, ProductType.SCIENCE),
        ("cal", Level.L2B, Level.L2B, ProductType.SCIENCE),
        ("calints", Level.L2B, Level.L2B, ProductType.SCIENCE),
        ("bsubints", Level.L2B, Level.L2B, ProductType.AUXILIARY),
        ("i2d", Level.L2B, Level.L3, ProductType.SCIENCE),
        ("x1dints", Level.L2B, Level.L3, ProductType.SCIENCE),
        ("crf", Level.L2C, Level.L3, ProductType.SCIENCE),
        ("crfints", Level.L2C, Level.L3, ProductType.SCIENCE),
        ("psfalign", Level.L2C, Level.L3, ProductType.SCIENCE),
        ("amimulti-oi", Level.L2C, Level.L3, ProductType.SCIENCE),
        ("c1d", Level.L2C, Level.L3, ProductType.SCIENCE),
        ("wfscmb", Level.L2C, Level.L3, ProductType.SCIENCE),
    ],
)
def test_products(suffix: str, exp: Level, src: Level, product_type: ProductType) -> None:
    """product_types.rst: the stage of each documented product; the name's base its level.

    stages.rst gives stage-3 outputs level 2c in an exposure-based name and 3
    in a source-based one; file_naming.rst's own example of a source-based
    name holds a product written per exposure today (``..._nrm_ami-oi.fits``).
    """
    assert (parse(EXPOSURE.format(suffix)).level, parse(STAGE3.format(suffix)).level) == (exp, src)
    assert parse(STAGE3.format(suffix)).product_type is product_type
    assert SUFFIXES[suffix][1] is product_type


def test_table_rows_are_well_formed() -> None:
    suffixes = [row[0] for row in ROWS]
    assert suffixes == sorted(set(suffixes))
    for suffix, stages, base, ptype, listed, origin, text in ROWS:
        assert re.fullmatch(r"[a-z0-9]+(?:[-_][a-z0-9]+)*", suffix), suffix
        assert re.fullmatch(r"0|1?2?3?", stages) and base in ("", "exp", "src"), suffix
        assert ptype in "SA" and listed in ("K", "3.0.0", "old", "") and origin and text
    # Every step alias and class name of the snapshot is in, and so is a
    # suffix of each stage.
    assert sum(row[4] == "K" for row in ROWS) == 176
    assert {s for info in SUFFIX_INFO.values() for s in info.stages} == {0, 1, 2, 3}


def test_installed_known_suffixes_are_all_listed() -> None:
    known = set(_jwst_suffix().KNOW_SUFFIXES)
    assert known <= {row[0] for row in ROWS if row[4] in ("K", "3.0.0")}


# ---------------------------------------------------------------- unknown suffixes


@pytest.mark.parametrize(
    ("name", "level", "suffix"),
    [
        ("jw87800017001_02102_00001_nis_cal_extra.fits", Level.L2B, "cal_extra"),
        ("jw87800017001_02102_00001_nis_o001_newthing.fits", Level.L2B, "newthing"),
        ("jw01091002001_03101_00001-seg001_nis_short_rateints.fits", Level.L2B, "short_rateints"),
        ("jw87800-o017_t002_niriss_clear-f200w_newthing.fits", Level.L3, "newthing"),
        ("jw_00001_newthing.fits", Level.L2B, "newthing"),
    ],
)
def test_unknown_suffix_is_accepted_at_its_base_level_and_flagged(
    name: str, level: Level, suffix: str
) -> None:
    fn = parse(name)
    assert (str(fn), fn.suffix, fn.level) == (name, suffix, level)
    assert fn.product_type is ProductType.AUXILIARY
    assert not fn.suffix_known and not is_known_suffix(suffix)
    from jwlink.naming import describe

    assert describe(name).suffix_known is False
    assert level_of(suffix, "exp") is None


def test_known_flag_of_other_forms() -> None:
    for name in ("jw87800-o017_20250101t000000_spec3_00001_asn.json",
                 "jw87800_20180412T163456_pool.csv", "jw00327001001_gs-id_2",
                 "jw87800017001_02102_00001_nis", "jwst_niriss_flat_0073.fits"):  # fmt: skip
        assert parse(name).suffix_known, name
    assert is_known_suffix(None) and is_known_suffix("{suffix}")


# ---------------------------------------------------------------- association types


def test_every_asn_type_of_the_installed_rules_parses() -> None:
    pytest.importorskip("jwst", reason="jwst not installed (CI installs it)")
    import jwst.associations.lib as lib

    folder = Path(lib.__file__).parent
    found: dict[str, int] = {}
    for path in sorted(folder.glob("rules_level[23]*.py")):
        level = int(path.name[len("rules_level")])
        for asn_type in re.findall(r"""asn_type["']\] = ["']([a-z0-9_-]+)["']""", path.read_text()):
            found[asn_type] = level
    assert {"image2", "spec2", "nrslamp-spec2", "tso-image2", "tso-spec2", "image3", "spec3",
            "coron3", "ami3", "tso3", "wfs-image3", "user_built"} <= set(found)  # fmt: skip
    for asn_type, level in found.items():
        assert asn_type in ASN_TYPES
        fn = parse(f"jw01234-o001_20250101t000000_{asn_type}_00001_asn.json")
        assert fn.asn_type == asn_type and fn.form is Form.ASSOCIATION
        expected = None if asn_type == "user_built" else {2: Level.L2B, 3: Level.L3}[level]
        assert fn.level is expected is ASN_LEVELS[asn_type]


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("jw00632-o003_20191210t194815_wfs-image2_001_asn.json", Level.L2B),
        ("jw00791-o004_nrslamp-image2_001_asn", Level.L2B),
        ("jw99009-c1000_wfs_001_asn.json", Level.L3),
        ("jw99009-a3001_user_built_00001_asn.json", None),
    ],
)
def test_asn_types_of_earlier_builds(name: str, level: Level | None) -> None:
    fn = parse(name)
    assert (str(fn), fn.form, fn.level) == (name, Form.ASSOCIATION, level)

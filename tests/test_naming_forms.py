"""Issue 11 name forms: guide-star roots, earlier builds' names, errors that blame the culprit."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from jwlink.core.model import Level, ProductType
from jwlink.errors import InvalidName
from jwlink.naming import Form, describe, parse
from jwlink.naming.suffixes import SUFFIX_INFO

HISTORY = json.loads((Path(__file__).parent / "data" / "names_history.json").read_text())["names"]

# ---------------------------------------------------------------- guide stars


@pytest.mark.parametrize(
    ("name", "obs_id", "suffix"),
    [
        # jwql tests/test_utils.py: file roots, no suffix and no extension
        ("jw00327001001_gs-id_2", "jw00327001001_gs-id_2", None),
        ("jw00327001001_gs-id_12", "jw00327001001_gs-id_12", None),
        ("jw00729011001_gs-acq2_2019155024808", "jw00729011001_gs-acq2_2019155024808", None),
        # jwst regtest test_fgs_guider.py: FILE_ROOTS and what calwebb_guider saves
        # (the root keeps "_image"/"_stacked", the pipeline's suffix follows it)
        ("jw01029001001_gs-id_1_image", "jw01029001001_gs-id_1", None),
        ("jw01029001001_gs-id_1_stacked", "jw01029001001_gs-id_1", None),
        ("jw01029001001_gs-fg_2022142181502_guider_cds.fits",
         "jw01029001001_gs-fg_2022142181502", "guider_cds"),
        ("jw01029001001_gs-id_1_image_dq_init.fits", "jw01029001001_gs-id_1", "dq_init"),
        ("jw01118005001_gs-fg_2022150070312-seg002_uncal.fits",
         "jw01118005001_gs-fg_2022150070312", "uncal"),
    ],
)  # fmt: skip
def test_guide_star_roots_and_guider_outputs(name: str, obs_id: str, suffix: str | None) -> None:
    fn = parse(name)
    assert (str(fn), fn.form, fn.obs_id, fn.suffix) == (name, Form.GUIDESTAR, obs_id, suffix)
    assert fn.product_type is ProductType.AUXILIARY and fn.suffix_known
    # Raw guide-star data is 1b, everything calwebb_guider writes (and a root) 2b.
    assert fn.level is (Level.L1B if suffix == "uncal" else Level.L2B)


def test_guide_star_root_agrees_with_its_files() -> None:
    root = parse("jw00729011001_gs-acq2_2019155024808")
    for tail in ("_uncal.fits", "_cal.fits", "_stream.fits"):
        fn = parse(str(root) + tail)
        assert (fn.obs_id, fn.visit_id, fn.gs_kind) == (root.obs_id, root.visit_id, "acq2")


# The roots jwst's regression tests read (regtest/test_fgs_guider.py FILE_ROOTS),
# program 01029 of 2022-05-22, by EXP_TYPE.
REGTEST_GS_ROOTS = {
    "FGS_ACQ1": "jw01029001001_gs-acq1_2022142180746",
    "FGS_FINEGUIDE": "jw01029001001_gs-fg_2022142181502",
    "FGS_ID-IMAGE": "jw01029001001_gs-id_1_image",
    "FGS_ID-STACK": "jw01029001001_gs-id_1_stacked",
}
GS_KIND = {"FGS_ACQ1": "acq1", "FGS_ACQ2": "acq2", "FGS_TRACK": "track",
           "FGS_FINEGUIDE": "fg", "FGS_ID-IMAGE": "id", "FGS_ID-STACK": "id"}  # fmt: skip
DATA = Path(__file__).parents[2] / "shared" / "data"


def test_guide_star_names_agree_with_real_guider_headers() -> None:
    """Real FGS headers (jwst lib/tests/data/fgs_exposures): the name per guidestar_products.rst.

    Non-ID names carry the time stamp of the end of the data, yyyydddhhmmss
    of DATE-END; ID names an attempt counter and image/stacked.
    """
    fits = pytest.importorskip("astropy.io.fits")
    paths = sorted((DATA / "engdb" / "fgs_exposures").glob("fgs_*.fits"))
    if not paths:
        pytest.skip(f"real guider headers not found under {DATA}")
    matched = 0
    for path in paths:
        header = fits.getheader(path)
        exp_type, kind = header["EXP_TYPE"], GS_KIND[header["EXP_TYPE"]]
        if kind == "id":
            qualifier = "image" if exp_type.endswith("IMAGE") else "stacked"
            name = f"jw{header['VISIT_ID']}_gs-id_1_{qualifier}_uncal.fits"
        else:
            end = datetime.datetime.fromisoformat(header["DATE-END"])
            name = f"jw{header['VISIT_ID']}_gs-{kind}_{end:%Y%j%H%M%S}_uncal.fits"
        fn = parse(name)
        assert (fn.program, fn.observation, fn.visit, fn.gs_kind) == (
            header["PROGRAM"], header["OBSERVTN"], header["VISIT"], kind)  # fmt: skip
        assert (fn.level, fn.product_type) == (Level.L1B, ProductType.AUXILIARY)
        if header["VISIT_ID"] == "01029001001" and exp_type in REGTEST_GS_ROOTS:
            root = parse(REGTEST_GS_ROOTS[exp_type])
            assert name.startswith(str(root) + "_") and root.obs_id == fn.obs_id
            matched += 1
    assert matched == len(REGTEST_GS_ROOTS)


# ---------------------------------------------------------------- earlier builds


def test_l3_name_of_an_earlier_build_resolves_to_its_observation() -> None:
    # docs/jwst/master_background/description.rst: abbreviated instrument, no
    # optical elements, candidate ACID; the product name of a spec3 association.
    fn = parse("jw00626-c1003_t001_nrs")
    assert (fn.form, fn.program, fn.acid, fn.target, fn.instrument) == (
        Form.STAGE3, "00626", "c1003", "t001", "nrs")  # fmt: skip
    assert (fn.obs_id, fn.level, fn.product_type) == (str(fn), Level.L3, ProductType.SCIENCE)
    for suffix in ("x1d", "s3d", "c1d", "s2d", "i2d"):
        product = parse(f"jw00626-c1003_t001_nrs_{suffix}.fits")
        assert (product.obs_id, product.level) == (fn.obs_id, Level.L3)
        assert product.product_type is ProductType.SCIENCE and product.suffix == suffix


@pytest.mark.parametrize("entry", HISTORY, ids=[e["name"] for e in HISTORY])
def test_names_of_earlier_builds(entry: dict[str, str]) -> None:
    name = entry["name"]
    fn = parse(name)
    assert str(fn) == name and describe(name).form is fn.form
    if fn.form is Form.ASSOCIATION:
        assert fn.level in (Level.L2B, Level.L3) and fn.obs_id is None
        return
    assert fn.obs_id is not None and fn.level is not None
    # The observation is the name up to the suffix, less segment and ACID;
    # per-source stage-3 files map to the {source_id} product.
    observation = parse(fn.obs_id)
    assert observation.suffix is None and observation.obs_id == fn.obs_id
    assert (observation.program, observation.form) == (fn.program, fn.form)
    if fn.form is Form.STAGE3:
        written_by = SUFFIX_INFO[fn.suffix].stages if fn.suffix in SUFFIX_INFO else {3}
        assert (fn.level is Level.L3) is (3 in written_by), fn.level


def test_old_target_and_source_widths() -> None:
    # 0.9-era tests wrote t1 / t14; docs calwebb_spec3.rst (0.16 to 1.5) s0002.
    fn = parse("jw87600-a3001_t1_niriss_clear-gr700xd_x1dints.fits")
    assert (fn.target, fn.optelems, fn.suffix, fn.level) == ("t1", "clear-gr700xd", "x1dints",
                                                             Level.L3)  # fmt: skip
    fn = parse("jw00042-o001_s0002_niriss_gr150r_f150w_cal.fits")
    assert (fn.source, fn.optelems, fn.suffix) == ("s0002", "gr150r_f150w", "cal")


def test_multi_word_suffix_in_stage3_name() -> None:
    fn = parse("jw01386-c1002_t001_miri_f1140c-mask1140_flat_field.fits")
    assert (fn.optelems, fn.suffix) == ("f1140c-mask1140", "flat_field")
    fn = parse("jw00747-o018_t002_nircam_f405n_calwebb_wfs-image3-02.fits")
    assert (fn.optelems, fn.suffix, fn.act_id) == ("f405n", "calwebb_wfs-image3", "02")
    fn = parse("jw01523-o003_t001_miri_ch1-short_badpix_selfcal_bkg.fits")
    assert (fn.optelems, fn.suffix) == ("ch1-short", "badpix_selfcal_bkg")


# ---------------------------------------------------------------- the part at fault

WRONG_PART = [
    # the issue: a valid ACID before a bad suffix was blamed
    ("jw01249005001_03101_00001_nrs1_o005_pixel__replace.fits", "suffix .*'pixel__replace'"),
    ("jw01249005001_03101_00001_nrs1_o005_assign+wcs.fits", "suffix must be .*got 'assign\\+wcs'"),
    ("jw01249005001_03101_00001_nrs1_assign_wcs_.fits", "suffix must be .*got 'assign_wcs_'"),
    ("jw01249005001_03101_00001_nrs1__cal.fits", "suffix must be .*got '_cal'"),
    ("jw01249005001_03101_00001_nrs1_o05_crf.fits", "ACID must be .*got 'o05'"),
    ("jw01249005001_03101_00001_nrs1_o005_o006_crf.fits", "a second ACID 'o006' after 'o005'"),
    ("jw01249005001_03101_00001_nrs3_o005_crf.fits", "unknown detector 'nrs3'"),
    ("jw01249005001_0310_00001_nrs1_o005_crf.fits", "visit group, parallel sequence"),
    ("jw01386-c1002_t001_miri_f1140c_x1d-.fits", "suffix must be .*got 'x1d-'"),
    ("jw01386-c1002_t001_miri_f1140c+mask_x1d.fits", "optical elements and suffix"),
    ("jw00626-c1003_t001_nrc_x1d.fits", "instrument must be one of .*nrs, got 'nrc'"),
    ("jw00626-c1003_t01a_nrs_x1d.fits", "target/source must be .*got 't01a'"),
    ("jw00327001001_gs-id_2_rate.fits", "suffix one of .*calwebb_guider output.*got 'rate'"),
    ("jw00327001001_gs-idx_2", "guide-star kind must be one of .*got 'idx'"),
    ("jw00632-o003_20191210t194815_wfs-image4_001_asn.json", "unknown asn_type 'wfs-image4'"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "match"), WRONG_PART, ids=[n for n, _ in WRONG_PART])
def test_error_names_the_wrong_part(name: str, match: str) -> None:
    with pytest.raises(InvalidName, match=match):
        parse(name)

"""The name grammar on a few names of each form, and what it says about bad ones.

The forms are those of jwst's ``docs/jwst/data_products/file_naming.rst``
(exposure: ``jw<ppppp><ooo><vvv>_<gg><s><aa>_<eeeee>_<detector>_<suffix>``;
stage 3: ``jw<ppppp>-<AC_ID>_<target>_<instrument>_<optelems>_<suffix>``).
"""

from __future__ import annotations

import dataclasses

import pytest

from jwlink.core.model import Level, ProductType
from jwlink.errors import InvalidName
from jwlink.naming import FileName, Form, describe, info_of, parse


def test_exposure_name_components() -> None:
    fn = parse("jw01234001001_02101_00001-seg002_nrca1_o001_crf.fits")
    assert (fn.form, fn.program, fn.observation, fn.visit) == (Form.EXPOSURE, "01234", "001", "001")
    assert (fn.visit_group, fn.seq_id, fn.activity, fn.exposure) == ("02", "1", "01", "00001")
    assert (fn.segment, fn.detector, fn.acid, fn.suffix) == ("002", "nrca1", "o001", "crf")
    # The observation drops segment and ACID.
    assert fn.obs_id == "jw01234001001_02101_00001_nrca1"


def test_stage3_name_components_and_placeholder_observation() -> None:
    fn = parse("jw01234-o001_s000000042_nirspec_f170lp-g235m_x1d.fits")
    assert (fn.form, fn.acid, fn.source, fn.instrument) == (
        Form.STAGE3,
        "o001",
        "s000000042",
        "nirspec",
    )
    assert (fn.optelems, fn.suffix, fn.level) == ("f170lp-g235m", "x1d", Level.L3)
    assert fn.obs_id == "jw01234-o001_{source_id}_nirspec_f170lp-g235m"


@pytest.mark.parametrize(
    ("name", "form", "product_type"),
    [
        ("jw01234-o001_20230101t000000_image3_00001_asn.json", Form.ASSOCIATION, ProductType.INFO),
        ("jw01234_20230101t000000_pool.csv", Form.POOL, ProductType.INFO),
        ("jw01234001001_gs-fg_2023001000000_cal.fits", Form.GUIDESTAR, ProductType.AUXILIARY),
        ("jwst_nircam_dark_0001.fits", Form.REFERENCE, ProductType.REFERENCE),
        ("jw01234-o001_t001_nircam_clear-f200w_i2d.jpg", Form.STAGE3, ProductType.PREVIEW),
    ],
)
def test_other_forms(name: str, form: Form, product_type: ProductType) -> None:
    fn = parse(name)
    assert fn.form is form and fn.product_type is product_type
    assert str(fn) == name


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("jw01234001001_02101_00001_NRCA1_cal.fits",
         "in lower case it would be valid: 'jw01234001001_02101_00001_nrca1_cal.fits'"),
        ("jw01234-o1_t001_nircam_clear_i2d.fits", "ACID must be oNNN, cNNNN, aNNNN or rNNNN"),
        ("jw01234001001_02101_00001_nrca1_cal.fitz", "unknown extension 'fitz'"),
        ("jw01234001001_02101_00001_cal.fits", "detector part missing after exposure number"),
        ("jw01234001001_02101_00001_nrcz9_cal.fits", "unknown detector 'nrcz9'"),
        ("dir/jw01234001001_02101_00001_nrca1_cal.fits", "pass a bare file name, not a path"),
        ("jw1234-o001_t001_nircam_clear_i2d.fits", "program must be 5 digits after 'jw'"),
    ],
)  # fmt: skip
def test_bad_names_say_what_is_wrong(name: str, says: str) -> None:
    with pytest.raises(InvalidName) as caught:
        parse(name)
    assert says in str(caught.value)
    assert name in str(caught.value)


def test_describe_guesses_outside_the_grammar() -> None:
    info = describe("test_lrs1_rate.fits")
    assert (info.form, info.parsed, info.obs_id) == (None, None, None)
    assert (info.suffix, info.level, info.extension) == ("rate", Level.L2A, "fits")


@pytest.mark.parametrize(
    "name",
    [
        "jw01234001001_02101_00001_nrca1_cal.fits",
        "jw01234-o001_t001-s000000042_nirspec_s200a1-clear-prism_s2d.fits",
        "jw01234001001_gs-acq1_2023001000000_image-uncal.fits",
    ],
)
def test_a_derived_name_is_described_without_parsing(name: str) -> None:
    # The linker derives names (_cal -> _rate) as values: info_of must say
    # exactly what parsing the derived string would.
    fn = parse(name)
    derived = fn.with_suffix("rate") if fn.form is not Form.GUIDESTAR else fn
    by_value, by_text = info_of(derived), describe(str(derived))
    for field in dataclasses.fields(by_value):
        assert getattr(by_value, field.name) == getattr(by_text, field.name), field.name
    assert isinstance(by_value.parsed, FileName) and str(by_value.parsed) == by_value.name

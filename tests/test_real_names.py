"""Real JWST names from public sources against `jwlink.naming`, by what each source says.

Sources (tests/real/*/PROVENANCE.toml): jwql's filename_parser test cases, the
jwst pipeline documentation and regression tests, jwst's own suffix list, and
a MAST listing printed in astroquery's documentation. Every expected value is
read from those statements (see tests/real/corpus.py), never from jwlink.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

import pytest
from real.corpus import (
    association_fields,
    calib_level,
    exposure_key,
    ident,
    level_of,
    provenance,
    rows,
    suffix_level,
)

from jwlink.core.model import Level
from jwlink.errors import InvalidName
from jwlink.naming import FileName, parse
from jwlink.naming.suffixes import classify

JWQL = rows("jwql", "name")
DOC_NAMES = rows("jwst-docs", "name")
LEVELS = rows("jwst-docs", "level")
PRODUCT_TYPES = rows("jwst-docs", "product_type")
GUIDESTAR = rows("jwst-docs", "guidestar")
REGTEST = rows("jwst-regtest", "name")
LISTED = rows("astroquery", "name")

# jwql's keys -> jwlink's FileName fields (same meaning, other spelling).
JWQL_FIELDS = {
    "program_id": "program", "observation": "observation", "visit": "visit",
    "visit_group": "visit_group", "parallel_seq_id": "seq_id", "activity": "activity",
    "exposure_id": "exposure", "detector": "detector", "suffix": "suffix",
    "segment": "segment", "ac_id": "acid", "target_id": "target", "source_id": "source",
    "epoch": "epoch", "optical_elements": "optelems", "guider_mode": "gs_kind",
    "guide_star_attempt_id": "gs_id", "date_time": "gs_id",
}  # fmt: skip
# jwql's filename_type -> the jwlink form of that kind of name.
JWQL_FORMS = {
    "stage_1_and_2": "exposure", "stage_2c": "exposure", "time_series": "exposure",
    "time_series_2c": "exposure", "stage_3_target_id": "stage3", "stage_3_source_id": "stage3",
    "stage_3_target_id_epoch": "stage3", "stage_3_source_id_epoch": "stage3",
    "guider": "guidestar", "guider_segment": "guidestar", "stage_2_msa": "msa",
}  # fmt: skip


def _parse(text: str) -> FileName:
    return parse(text)


# ------------------------------------------------------------------ corpus


def test_corpus_sources_carry_provenance() -> None:
    for source in ("jwql", "jwst-docs", "jwst-regtest", "jwst-suffix", "jwst-header", "astroquery"):
        head = provenance(source)
        assert head["repository"].startswith("https://github.com/"), source
        assert re.fullmatch(r"[0-9a-f]{40}", head["commit"]), source
        assert head["license"] and head["paths"] and head["retrieved"], source
    assert len(JWQL) >= 20 and len(REGTEST) >= 100 and len(DOC_NAMES) >= 5


# ------------------------------------------------------------------- jwql


@pytest.mark.parametrize("row", JWQL, ids=ident)
def test_jwql_filename_parser_cases(row: dict[str, Any]) -> None:
    """jwql's expected fields for each name (jwql/tests/test_utils.py)."""
    says = row["says"]
    assert says["recognized_filename"] is True
    # jwql parses paths too; jwlink takes the bare file name the path ends in.
    name = PurePosixPath(row["text"]).name
    fn = _parse(name)
    assert fn.form.value == JWQL_FORMS[says["filename_type"]]
    for key, field in JWQL_FIELDS.items():
        if key not in says or says[key] == "Unknown":  # jwql's "no detector"
            continue
        if key == "guide_star_attempt_id" and says["guider_mode"] != "id":
            continue
        if key == "date_time" and says["guider_mode"] == "id":
            continue
        if key == "suffix" and says.get("guider_mode") == "id":
            # Sources disagree here: jwql calls "image_cal" the suffix, while the
            # pipeline's own tests name these products root "..._gs-id_1_image" plus
            # suffix "cal" (test_fgs_guider.py FILE_ROOTS, GUIDER_SUFFIXES) and
            # guidestar_products.rst says they "use a cal suffix". The pipeline wins:
            # test_regression_test_names checks that reading.
            continue
        assert getattr(fn, field) == says[key], f"{field}: jwql says {says[key]!r}"
    kind = says["filename_type"]
    if kind in ("stage_1_and_2", "time_series", "stage_2c", "time_series_2c", "guider",
                "guider_segment"):  # fmt: skip
        # jwql's file_root is the exposure (or guide-star product) the file belongs to;
        # segments are pieces of it (file_naming.rst "Segmented Products").
        assert fn.obs_id == re.sub(r"-seg\d{3}", "", says["file_root"])
    if "suffix" in says and kind.startswith(("stage_1_and_2", "time_series", "stage_3")):
        base = "Src" if kind.startswith("stage_3") else "Exp"
        expected = "2c" if kind.endswith("2c") else suffix_level(says["suffix"], base)
        assert expected is not None
        assert fn.level == Level(expected)


def _jwql_root(line: int) -> str:
    """The root of the jwql test name at ``line`` (a real name; derived names build on it)."""
    text = next(r["text"] for r in JWQL if r["source_line"] == line)
    return text.rsplit("_", 1)[0] if text.endswith(".fits") else text


JWQL_DETECTORS = sorted({d.lower() for ds in provenance("jwql")["detector_per_instrument"].values()
                         for d in ds})  # fmt: skip


@pytest.mark.parametrize("detector", JWQL_DETECTORS)
def test_jwql_detectors(detector: str) -> None:
    """jwql's DETECTOR_PER_INSTRUMENT, in a real exposure name (names are lower case).

    A derived input: jwql's own test name (test_utils.py:53) with its detector replaced.
    """
    root = _jwql_root(53).rsplit("_", 1)[0]
    fn = _parse(f"{root}_{detector}_rate.fits")
    assert (fn.form.value, fn.detector) == ("exposure", detector)


JWQL_SUFFIXES = [s for key in ("generic_suffix_types", "time_series_suffix_types",
                               "nircam_coronagraphy_suffix_types", "niriss_ami_suffix_types",
                               "wfsc_suffix_types")
                 for s in provenance("jwql")[key]]  # fmt: skip


@pytest.mark.parametrize("suffix", JWQL_SUFFIXES)
def test_jwql_suffix_types(suffix: str) -> None:
    """jwql's suffix types (constants.py FILE_SUFFIX_TYPES, without the guider ones).

    jwql does not say which are exposure- or source-based, so the suffix must
    read as the suffix after a real exposure root or after a real stage-3 root
    (test_utils.py:53 and :205). The guider types ("image_cal") are left to
    test_regression_test_names, where the pipeline's own reading differs.
    """
    readings = []
    for root in (_jwql_root(53), _jwql_root(205)):
        try:
            readings.append(_parse(f"{root}_{suffix}.fits").suffix)
        except InvalidName as err:
            readings.append(str(err))
    assert suffix in readings, readings


# --------------------------------------------------------------- jwst docs


@pytest.mark.parametrize("row", DOC_NAMES, ids=ident)
def test_documented_example_names(row: dict[str, Any]) -> None:
    """Example names of file_naming.rst, the association docs and calwebb_*.rst."""
    says = row["says"]
    fn = _parse(row["text"])
    assert fn.form.value == says["form"]
    for field in ("program", "observation", "visit", "visit_group", "seq_id", "activity",
                  "exposure", "detector", "acid", "target", "source", "instrument", "suffix",
                  "stamp", "asn_type"):  # fmt: skip
        if field in says:
            assert getattr(fn, field) == says[field], f"{field}: the docs say {says[field]!r}"
    for element in says.get("optical_elements", []):
        assert element in re.split(r"[-_]", fn.optelems or ""), element
    if "stage" in says:
        expected = level_of(says["stage"], says["base"])
        assert fn.level == Level(expected)
        assert fn.level.calib_level == calib_level(expected)


@pytest.mark.parametrize("row", LEVELS, ids=lambda r: r["level"])
def test_level_calib_level_table(row: dict[str, Any]) -> None:
    """stages.rst: each processing level's MAST/CAOM calib_level."""
    assert Level(row["level"]).calib_level == row["calib_level"]


@pytest.mark.parametrize("row", PRODUCT_TYPES, ids=lambda r: f"{r['suffix']}-{r['pipeline']}")
def test_product_type_tables(row: dict[str, Any]) -> None:
    """product_types.rst: the level a suffix has, written exposure- or source-based."""
    form = "exposure" if row["base"] == "Exp" else "stage3"
    level, _ = classify(form, row["suffix"])
    assert level == Level(level_of(row["stage"], row["base"]))


@pytest.mark.parametrize("row", GUIDESTAR, ids=lambda r: r["exp_type"])
def test_guidestar_templates_name_the_function(row: dict[str, Any]) -> None:
    """guidestar_products.rst: the real regression-test products of each EXP_TYPE."""
    kind = re.search(r"_gs-([a-z0-9]+)_", row["template"])
    assert kind is not None
    real = [r for r in REGTEST if r["says"].get("exp_type", "").upper() == row["exp_type"]
            and r["says"]["role"] == "input"]  # fmt: skip
    assert real or row["exp_type"] in ("FGS_ACQ2", "FGS_TRACK")  # no regression test has those
    for item in real:
        assert _parse(item["text"]).gs_kind == kind[1], item["text"]


# ------------------------------------------------------------- jwst suffix


def _roots() -> list[tuple[str, str]]:
    """An exposure and a stage-3 root, as the regression tests build names on them."""
    stage12 = next(r for r in REGTEST if r["source_line"] == 196)["says"]["from"]
    stage3 = next(r for r in REGTEST if r["says"].get("suffix") == "i2d"
                  and r["says"].get("base") == "Src")["text"]  # fmt: skip
    return [(stage12.removesuffix("_uncal.fits"), "exposure"),
            (stage3.removesuffix("_i2d.fits"), "stage3")]  # fmt: skip


SUFFIX_CASES = [(s, root, form) for s in provenance("jwst-suffix")["know_suffixes"]
                for root, form in _roots()]  # fmt: skip


@pytest.mark.parametrize(("suffix", "root", "form"), SUFFIX_CASES,
                         ids=[f"{s}-{f}" for s, _, f in SUFFIX_CASES])  # fmt: skip
def test_pipeline_suffixes(suffix: str, root: str, form: str) -> None:
    """jwst's KNOW_SUFFIXES: each is one whole suffix after the root.

    A derived input: a real root plus ``_<suffix>.fits``, which is how the
    regression tests themselves name step outputs (test_nircam_image.py:196).
    """
    fn = _parse(f"{root}_{suffix}.fits")
    assert (fn.form.value, fn.suffix) == (form, suffix)


# ------------------------------------------------------------- jwst regtest


@pytest.mark.parametrize("row", REGTEST, ids=ident)
def test_regression_test_names(row: dict[str, Any]) -> None:
    """Names the jwst regression tests fetch or compare, by what each test states."""
    says = row["says"]
    fn = _parse(row["text"])
    if "asn_type" in says:  # an association the test runs a pipeline on
        assert fn.form.value == "association"
        assert fn.asn_type == says["asn_type"]
        return
    if "suffix" in says:
        assert fn.suffix == says["suffix"]
    if "from" in says:  # made from that input: the same exposure, the same observation
        assert fn.obs_id == _parse(says["from"]).obs_id
        if fn.form.value == "exposure":
            assert exposure_key(row["text"]) == exposure_key(says["from"])
    if "asn" in says:
        asn = association_fields(says["asn"])
        assert fn.program == asn["program"]
        if says.get("base") == "Src":
            assert fn.form.value == "stage3"
            assert fn.acid == asn["acid"]
    if "acid" in says:
        assert fn.acid == says["acid"]
    if "program" in says:
        assert fn.program == says["program"]
    if "source_id" in says and says.get("base") == "Src":
        assert fn.source == says["source_id"]
    if "slit_name" in says:
        assert says["slit_name"] in re.split(r"[-_]", fn.optelems or fn.stem)
    suffix, base = says.get("suffix"), says.get("base")
    if suffix and base and (expected := suffix_level(suffix, base)) is not None:
        assert fn.level == Level(expected)


# ------------------------------------------------------------- astroquery


@pytest.mark.parametrize("row", LISTED, ids=ident)
def test_mast_filtered_listing_levels(row: dict[str, Any]) -> None:
    """astroquery's documented Mast.Jwst.Filtered.Nirspec rows: MAST's productLevel."""
    fn = _parse(row["text"])
    assert fn.form.value == "exposure"
    assert fn.level == Level(row["says"]["productLevel"])


# ------------------------------------------------------------- a real header


def test_real_header_names_its_file() -> None:
    """A real FGS header (tests/real/jwst-header): FILENAME against the other cards.

    guidestar_products.rst: jw<pppppooovvv>_gs-acq1_<yyyydddhhmmss>_uncal.fits for
    EXP_TYPE FGS_ACQ1, the time stamp being "at the end of the data in the file".
    """
    cards = provenance("jwst-header")["says"]
    fn = _parse(cards["FILENAME"])
    assert (fn.program, fn.observation, fn.visit) == (cards["PROGRAM"], cards["OBSERVTN"],
                                                      cards["VISIT"])  # fmt: skip
    assert fn.visit_id == "jw" + cards["VISIT_ID"]
    template = next(r["template"] for r in GUIDESTAR if r["exp_type"] == cards["EXP_TYPE"])
    assert f"_gs-{fn.gs_kind}_" in template
    end = datetime.fromisoformat(cards["DATE-END"])
    assert fn.gs_id == end.strftime("%Y%j%H%M%S")
    assert fn.suffix == "uncal"
    assert fn.level == Level(level_of(0, "Exp"))  # "Level 1b = Uncal FITS file", Stage 0

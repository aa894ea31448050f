"""Tests for jwlink.naming: vectors, real names from ../shared/data, near misses, properties."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from jwlink.core.model import Level, ProductType
from jwlink.errors import InvalidName
from jwlink.naming import FileName, Form, NameInfo, describe, parse
from jwlink.naming.suffixes import (
    ASN_TYPES,
    DETECTORS,
    EXTENSIONS,
    FIXED_SLITS,
    GUIDESTAR_UNCAL_SUFFIXES,
    INSTRUMENTS,
    SUFFIXES,
)

DATA = Path(__file__).parents[2] / "shared" / "data"
VECTORS = json.loads((Path(__file__).parent / "data" / "names.json").read_text())["valid"]

# ---------------------------------------------------------------- vectors


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector(vector: dict) -> None:
    fn = parse(vector["name"])
    assert str(fn) == fn.format() == vector["name"]
    assert fn.form is Form(vector["form"])
    for part, value in vector["parts"].items():
        assert getattr(fn, part) == value, part
    assert fn.level == (vector["level"] and Level(vector["level"]))
    assert fn.product_type is ProductType(vector["product_type"])
    assert fn.obs_id == vector["obs_id"]
    assert parse(str(fn)) == fn


def test_vectors_cover_every_form_detector_and_level() -> None:
    parsed = [parse(v["name"]) for v in VECTORS]
    assert {fn.form for fn in parsed} == set(Form)
    assert {fn.detector for fn in parsed} >= DETECTORS
    assert {fn.level for fn in parsed} == {*Level, None}
    assert {fn.acid[0] for fn in parsed if fn.acid} == {"o", "c", "a", "r"}


def test_with_suffix_and_acid() -> None:
    assert str(parse("jw_00001_rate.fits").with_suffix("cal")) == "jw_00001_cal.fits"
    product = parse("jw87800017001_02102_00001_nis")
    assert str(product.with_suffix("cal")) == "jw87800017001_02102_00001_nis_cal.fits"
    cal = parse("jw96090001001_03101_00001_nrca2_cal.fits")
    crf = cal.with_acid("o001").with_suffix("crf")
    assert str(crf) == "jw96090001001_03101_00001_nrca2_o001_crf.fits"
    assert crf.with_acid(None) == cal.with_suffix("crf")
    thumb = parse("jw01523-o010_t010_miri_f1130w_i2d_thumb.jpg")
    assert str(thumb.with_suffix("cat", "ecsv")) == "jw01523-o010_t010_miri_f1130w_cat.ecsv"
    wfs = parse("jw00747-o018_t002_nircam_f405n-f444w-nrcalong_{suffix}-02")
    assert str(wfs.with_suffix("wfscmb")).endswith("nrcalong_wfscmb-02.fits")


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: parse("jw_00001").with_suffix("Cal"), "suffix must look like"),
        (lambda: parse("jw_00001").with_suffix("cal", "fitz"), "unknown extension 'fitz'"),
        (lambda: parse("jw01180025001_01_msa.fits").with_suffix("cal"), "msa name has no free"),
        (lambda: parse("jw_00001").with_acid("o001"), "only exposure-based"),
        (lambda: parse("jw87800017001_02102_00001_nis").with_acid("x1"), "ACID must be"),
    ],
)
def test_with_suffix_and_acid_reject(call, match: str) -> None:
    with pytest.raises(InvalidName, match=match):
        call()


def test_classmethod_parse_and_hashable() -> None:
    name = "jw87800017001_02102_00001_nis_rate.fits"
    assert FileName.parse(name) == parse(name)
    assert len({parse(name), parse(name)}) == 1


# ---------------------------------------------------------------- describe


@pytest.mark.parametrize(
    ("name", "suffix", "extension", "level", "product_type"),
    [
        ("test_lrs1_rate.fits", "rate", "fits", Level.L2A, ProductType.SCIENCE),
        ("miri_data.fits", None, "fits", None, ProductType.AUXILIARY),
        ("headers.fits", None, "fits", None, ProductType.AUXILIARY),
        ("jw93060001001_02101_00001_MIRIM_image_uncal.fits", "uncal", "fits", Level.L1B,
         ProductType.SCIENCE),
        ("test_cat.ecsv", "cat", "ecsv", None, ProductType.SCIENCE),
        ("jw93060002024_01101_00003__image", None, None, None, ProductType.AUXILIARY),
        ("odd_i2d_thumb.jpg", "i2d", "jpg", None, ProductType.THUMBNAIL),
        # written by badpix_selfcal, a calwebb_spec2 step: 2b wherever it appears
        ("x_badpix_selfcal_bkg.FITS", "badpix_selfcal_bkg", "fits", Level.L2B,
         ProductType.AUXILIARY),
    ],
)  # fmt: skip
def test_describe_guesses(name, suffix, extension, level, product_type) -> None:
    with pytest.raises(InvalidName):
        parse(name)
    assert describe(name) == NameInfo(
        name, None, None, level, product_type, suffix, extension, None, None
    )


def test_describe_copies_parse() -> None:
    info = describe("jw00733003001_02101_00002-seg001_nrs1_rate.fits")
    assert (info.form, info.obs_id, info.level, info.product_type) == (
        Form.EXPOSURE, "jw00733003001_02101_00002_nrs1", Level.L2A, ProductType.SCIENCE,
    )  # fmt: skip
    assert (info.suffix, info.extension, info.program, info.visit_id) == (
        "rate", "fits", "00733", "jw00733003001",
    )  # fmt: skip


@pytest.mark.parametrize("name", ["", "a/b_cal.fits", "x\\y.fits", "bad\x00name", "tab\tname"])
def test_describe_still_rejects_paths_and_control_characters(name: str) -> None:
    with pytest.raises(InvalidName):
        describe(name)


# ---------------------------------------------------------------- near misses

INVALID = [
    ("", "empty name"),
    ("data/jw_00001_cal.fits", "path separator '/'"),
    ("..\\jw_00001_cal.fits", "path separator"),
    ("jw_00001_cal.fits\x00", "control character"),
    ("jw_00001 cal.fits", "whitespace"),
    ("jw87800017001_02102_00001_nis_cal.fits\n", "whitespace"),
    ("test_lrs1_rate.fits", "must start with 'jw'"),
    ("hst_12345_01_wfc3_f160w_drz.fits", "must start with 'jw'"),
    ("jw1234x017001_02102_00001_nis_cal.fits", "program must be 5 digits after 'jw', got '1234x"),
    ("jw8780-o017_t002_niriss_clear-f200w_i2d.fits", "program must be 5 digits"),
    ("jw878000_20180412T163456_pool.csv", "program must be 5 digits"),
    ("jw87800017_02102_00001_nis_cal.fits", "observation and visit must be 3 digits"),
    ("jw8780001700a_02102_00001_nis_cal.fits", "observation and visit"),
    ("jw87800017001_0210_00001_nis_cal.fits", "visit group, parallel sequence and activity"),
    ("jw87800017001_02102_0001_nis_cal.fits", "exposure number must be 5 digits, got '0001'"),
    ("jw87800017001_02102_00001-seg1_nis_cal.fits", "segment must be -segNNN"),
    ("jw87800017001_02102_00001_cal.fits", "detector part missing after exposure number"),
    ("jw87800017001_02102_00001", "detector part missing"),
    ("jw87800017001_02102_00001_nrca5_cal.fits", "unknown detector 'nrca5'"),
    ("jw96090001001_03101_00001_nrca2_o01_crf.fits", "ACID must be .*got 'o01'"),
    ("jw87800017001_02102_00001_nis_cal.fitz", "unknown extension 'fitz' \\(expected fits, ecsv"),
    ("jw87800017001_02102_00001_nis_cal.fits.gz", "unknown extension 'gz'"),
    ("jw87800017001_02102_00001_nis_i2d_thumb.fits", "'_thumb' marks a thumbnail"),
    ("jw87800-o017_t002_niriss_clear-f200w_thumb.fits", "'_thumb' marks a thumbnail"),
    ("jw87800-x017_t002_niriss_clear-f200w_i2d.fits", "ACID must be .*got 'x017'"),
    ("jw87800-c100_t002_niriss_clear-f200w_i2d.fits", "ACID must be"),
    ("jw96090_t001_nircam_f150w2_mosaic.fits", "ACID missing"),
    ("jw87800-o017_target2_niriss_clear-f200w_i2d.fits", "target/source must be .*got 'target2'"),
    ("jw87800-o017_t002_nis_clear-f200w_i2d.fits", "instrument must be one of .*got 'nis'"),
    ("jw87800-o017_t002_niriss_clear-f200w_{suffix}_i2d.fits", "'{suffix}' belongs in the suffix"),
    ("jw87800-o017_t002_niriss_clear+f200w_i2d.fits", "optical elements and suffix"),
    ("jw87800-o017_20250101t000000_spec4_00001_asn.json", "unknown asn_type 'spec4'"),
    ("jw87800-o017_imaging_001_asn.json", "unknown asn_type 'imaging'"),
    ("jw87800-o017_spec3_1_asn.json", "association names are"),
    ("jw87800-o017_spec3_00001_asn.yaml", "unknown extension 'yaml'"),
    ("jw87800_20180412163456_pool.csv", "pool names are"),
    ("jw00632_dups.csv", "pool names are"),
    ("jw01234001001_gs-foo_1_cal.fits", "guide-star kind must be one of .*got 'foo'"),
    ("jw01234001001_gs-acq1_123_cal.fits", "13-digit stamp or an attempt number, got '123'"),
    ("jw01234001001_gs-id_1_rate.fits", "guide-star names end in"),
    ("jw01180025001_1_msa.fits", "MSA metadata names"),
    ("jwst_niriss_flat_0073.fitz", "unknown extension 'fitz' \\(expected fits, asdf, json, pmap"),
    ("jwst_niriss_flat.fits", "serial number"),
    ("jwst_nircam_0001.fits", "reference type missing"),
    ("jwst_nircam_0300.pmap", "a .pmap context is jwst_<nnnn>.pmap"),
    ("jwst_0300.rmap", "contexts name the instrument"),
    ("2022134T18413524_001_osf.xml", "engineering names look like"),
    ("jw_0001_cal.fits", "dummy names are jw_<nnnnn>"),
    ("jw93060001001_02101_00001_MIRIM_image_uncal.fits", "upper case 'MIRIM'"),
    ("JW87800017001_02102_00001_NIS_CAL.FITS", "upper case.*would be valid: 'jw87800017001"),
    ("jw87800_20180412T163456_POOL.csv", "upper case 'POOL'"),
]


@pytest.mark.parametrize(("name", "match"), INVALID, ids=[repr(n) for n, _ in INVALID])
def test_invalid(name: str, match: str) -> None:
    with pytest.raises(InvalidName, match=match) as info:
        parse(name)
    assert info.value.name == name


# ---------------------------------------------------------------- real names


def _need_data() -> Path:
    if not DATA.is_dir():
        pytest.skip(f"real JWST data not found at {DATA} (../shared/data beside the checkout)")
    return DATA


def _associations() -> list[tuple[Path, dict]]:
    files = sorted(_need_data().glob("**/*.json"))
    return [(p, json.loads(p.read_text())) for p in files if "schemas" not in p.parts]


def _pool_filenames() -> set[str]:
    names: set[str] = set()
    for pool in _need_data().glob("**/*.csv"):
        text = pool.read_text()
        if "@!" in text:  # templates: cells are evaluated by jwst's test helpers
            continue
        rows = [line.split("|") for line in text.splitlines() if not line.startswith("#")]
        column = [c.lower() for c in rows[0]].index("filename")
        names |= {r[column] for r in rows[1:] if len(r) > column and r[column] != "set acid"}
    return names


# Pre-flight and hand-made names outside the grammar: not 'jw', upper case, an
# empty detector, or an L3 product without ACID (asn_mosaic.json).
LEGACY = re.compile(r"^(?!jw)|[A-Z]|__|^jw\d{5}_t\d{3}_")


def _check_real(name: str) -> None:
    if not LEGACY.search(name):
        assert str(parse(name)) == name
        return
    with pytest.raises(InvalidName):
        parse(name)
    if "/" in name:
        with pytest.raises(InvalidName, match="path separator"):
            describe(name)
    else:
        assert describe(name).name == name


def test_every_association_name_round_trips() -> None:
    seen = 0
    for path, asn in _associations():
        _check_real(path.name)
        for product in asn.get("products", []):
            for name in [product["name"], *(m["expname"] for m in product["members"])]:
                _check_real(name)
                seen += 1
    assert seen > 600


def test_association_file_names_agree_with_their_content() -> None:
    for path, asn in _associations():
        if not path.name.startswith("jw"):
            continue
        fn = parse(path.name)
        assert (fn.form, fn.program, fn.acid) == (Form.ASSOCIATION, asn["program"], asn["asn_id"])
        assert fn.asn_type == asn["asn_type"]
        assert fn.level is (Level.L2B if str(fn.asn_type).endswith("2") else Level.L3)


def test_every_pool_filename_round_trips() -> None:
    names = _pool_filenames()
    assert len(names) > 700
    for name in names:
        _check_real(name)
    for pool in _need_data().glob("**/jw*_pool.csv"):
        assert parse(pool.name).form is Form.POOL


def test_per_source_files_map_to_their_association_product() -> None:
    products = {p["name"] for _, asn in _associations() for p in asn.get("products", [])}
    placeholders = sorted(n for n in products if "{source_id}" in n)
    assert placeholders
    for product in placeholders:
        slit = next((s for s in FIXED_SLITS if re.search(rf"-{s}(-|$)", product)), "s200a1")
        for source in ("s000000042", "b000000007"):
            name = product.replace("{source_id}", source).replace("{slit_name}", slit)
            assert parse(name + "_x1d.fits").obs_id == product
            assert parse(name).obs_id == product


def test_header_keywords_parse() -> None:
    fits = pytest.importorskip("astropy.io.fits")
    headers = [fits.getheader(p) for p in sorted(_need_data().glob("exposures*/*.fits"))]
    assert headers
    for header in headers:
        assert parse(header["FILENAME"]).form is Form.EXPOSURE
        assert parse(header.get("CRDS_CTX", "jwst_0303.pmap")).form is Form.CONTEXT
        for value in header.get("R_*", {}).values():
            if value != "N/A":
                assert parse(value.removeprefix("crds://")).form is Form.REFERENCE
        if "OSF_FILE" in header:
            assert parse(header["OSF_FILE"]).form is Form.ENGINEERING


# ---------------------------------------------------------------- properties


def digits(n: int, m: int | None = None) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=n, max_size=m or n)


def maybe(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str | None]:
    return st.none() | strategy


ACIDS = st.from_regex(r"o[0-9]{3}|[acr][0-9]{4}", fullmatch=True)
STAMPS = st.from_regex(r"[0-9]{8}[tT][0-9]{6}", fullmatch=True)
SOURCES = st.from_regex(r"[sbv][0-9]{9}", fullmatch=True) | st.just("{source_id}")
OPTELEM = st.sampled_from(["clear", "f090w", "f444w", "gr150r", "g140m", "prism", "sub64",
                           "maskrnd", "nrcalong", "ch1", *FIXED_SLITS])  # fmt: skip
SCIENCE_SUFFIXES = st.sampled_from(sorted(SUFFIXES))


@st.composite
def _visit(draw: st.DrawFn) -> dict[str, Any]:
    return {"program": draw(digits(5)), "observation": draw(digits(3)), "visit": draw(digits(3))}


@st.composite
def _tail(draw: st.DrawFn, suffixes: st.SearchStrategy[str] = SCIENCE_SUFFIXES) -> dict[str, Any]:
    extension = draw(maybe(st.sampled_from(EXTENSIONS)))
    thumbnail = extension in ("jpg", "png") and draw(st.booleans())
    return {"suffix": draw(maybe(suffixes)), "extension": extension, "thumbnail": thumbnail}


@st.composite
def exposures(draw: st.DrawFn) -> FileName:
    return FileName(
        Form.EXPOSURE, **draw(_visit()), visit_group=draw(digits(2)), seq_id=draw(digits(1)),
        activity=draw(st.from_regex(r"[0-9a-z]{2}", fullmatch=True)), exposure=draw(digits(5)),
        segment=draw(maybe(digits(3))), detector=draw(st.sampled_from(sorted(DETECTORS))),
        acid=draw(maybe(ACIDS)), **draw(_tail()),
    )  # fmt: skip


@st.composite
def stage3s(draw: st.DrawFn) -> FileName:
    target = draw(maybe(st.from_regex(r"t[0-9]{3}", fullmatch=True)))
    source = draw(SOURCES if target is None else maybe(SOURCES))
    optelems = draw(maybe(st.lists(OPTELEM, min_size=1, max_size=4).map("-".join)))
    tail = draw(_tail(SCIENCE_SUFFIXES | st.just("{suffix}")))
    act_id = draw(maybe(digits(2))) if tail["suffix"] else None
    return FileName(
        Form.STAGE3, program=draw(digits(5)), acid=draw(ACIDS), target=target, source=source,
        epoch=draw(maybe(digits(1, 2))), instrument=draw(st.sampled_from(INSTRUMENTS)),
        optelems=optelems, act_id=act_id, **tail,
    )  # fmt: skip


@st.composite
def others(draw: st.DrawFn) -> FileName:
    form = draw(st.sampled_from([f for f in Form if f not in (Form.EXPOSURE, Form.STAGE3)]))
    words = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
    reftype = st.lists(words, min_size=1, max_size=3).map("_".join)
    # "image_uncal" and "stacked_uncal" read back as gs_product + "uncal" (the
    # same file), so drawn with no gs_product they would not round-trip.
    gs_suffixes = sorted(GUIDESTAR_UNCAL_SUFFIXES - {"stacked_uncal", "image_uncal"})
    gs_suffixes += ["cal", "image-cal"]
    by_form: dict[Form, dict[str, st.SearchStrategy[Any]]] = {
        Form.ASSOCIATION: dict(program=digits(5), acid=ACIDS, stamp=maybe(STAMPS),
                               asn_type=st.sampled_from(ASN_TYPES), sequence=digits(3, 5),
                               suffix=st.just("asn"), extension=st.just("json")),
        Form.POOL: dict(program=digits(5), observation=maybe(digits(3)), stamp=STAMPS,
                        suffix=st.just("pool"), extension=maybe(st.just("csv"))),
        Form.GUIDESTAR: dict(gs_kind=st.sampled_from(["id", "acq1", "acq2", "track", "fg"]),
                             gs_id=digits(13) | digits(1, 2), segment=maybe(digits(3)),
                             suffix=st.sampled_from(gs_suffixes), extension=st.just("fits")),
        Form.MSA: dict(msa_config=digits(2), suffix=st.just("msa"), extension=st.just("fits")),
        Form.REFERENCE: dict(instrument=maybe(st.sampled_from(INSTRUMENTS)), reftype=reftype,
                             serial=digits(1, 5),
                             extension=st.sampled_from(["fits", "asdf", "json"])),
        Form.CONTEXT: dict(context_number=digits(1, 5),
                           extension=st.sampled_from(["pmap", "imap", "rmap"])),
        Form.ENGINEERING: dict(stamp=st.from_regex(r"[0-9]{7}T[0-9]{9}", fullmatch=True),
                               sequence=digits(3), suffix=st.just("osf"),
                               extension=st.just("xml")),
        Form.DUMMY: dict(number=digits(5)),
    }  # fmt: skip
    parts = {k: draw(v) for k, v in by_form[form].items()}
    if form in (Form.GUIDESTAR, Form.MSA):
        parts |= draw(_visit())
    if form is Form.DUMMY:
        parts |= draw(_tail())
    if form is Form.CONTEXT and parts["extension"] != "pmap":
        parts["instrument"] = draw(st.sampled_from(INSTRUMENTS))
        parts["reftype"] = draw(reftype) if parts["extension"] == "rmap" else None
    if form is Form.REFERENCE:
        assume(parts["instrument"] or parts["reftype"].split("_")[0] not in INSTRUMENTS)
    return FileName(form, **parts)


@given(exposures() | stage3s() | others())
def test_property_round_trip(fn: FileName) -> None:
    name = str(fn)
    assert parse(name) == fn
    assert str(parse(name)) == name
    assert describe(name).form is fn.form


def _mutations() -> st.SearchStrategy[str]:
    valid = [v["name"] for v in VECTORS]
    alphabet = "jw_-.0123456789acdefgimnoprstuxT{}/ "

    @st.composite
    def mutate(draw: st.DrawFn) -> str:
        name = draw(st.sampled_from(valid))
        i = draw(st.integers(0, len(name)))
        cut = draw(st.integers(0, 3))
        return name[:i] + draw(st.text(alphabet, max_size=3)) + name[i + cut :]

    return mutate()


@given(st.text() | st.text("jw_-.0123456789acdefgimnoprstuxT{}", max_size=60) | _mutations())
def test_fuzz_parse_and_describe_raise_only_invalid_name(text: str) -> None:
    try:
        fn = parse(text)
    except InvalidName as err:
        assert err.reason
    else:
        assert str(fn) == text
    try:
        info = describe(text)
    except InvalidName:
        assert not text or re.search(r"[/\\\s\x00-\x1f\x7f-\x9f]", text)
    else:
        assert info.name == text


def test_all_is_sorted_and_defined_here() -> None:
    import jwlink.naming

    assert jwlink.naming.__all__ == sorted(jwlink.naming.__all__, key=str.casefold)
    for name in jwlink.naming.__all__:
        value = getattr(jwlink.naming, name)
        # Defined in the naming package (one of its modules), not re-exported from elsewhere.
        module = getattr(value, "__module__", "jwlink.naming")
        assert module == "jwlink.naming" or module.startswith("jwlink.naming."), (name, module)
    assert dataclasses.is_dataclass(FileName) and FileName.__slots__

"""FITS header readers: the fast reader gives exactly what the astropy reader gives."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jwlink.readers.fits as fits_module
from jwlink.core.model import HeaderEvidence
from jwlink.errors import HeaderError
from jwlink.readers.fits import KEYWORDS, read, read_header, read_header_fast

DATA = Path(__file__).parents[2] / "shared" / "data"
READERS = [read_header, read_header_fast]


def real_files(folder: str) -> list:
    files = sorted((DATA / folder).glob("*.fits"))
    if not files:
        reason = (
            f"real JWST headers not found in {DATA / folder} (../shared/data beside the checkout)"
        )
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="no-data")]
    return [pytest.param(p, id=p.name) for p in files]


def both(path: Path) -> HeaderEvidence:
    """Read ``path`` with both readers, check they agree, return the evidence."""
    expected = read_header(path)
    assert read_header_fast(path) == expected
    return expected


def primary(*cards: str | bytes) -> bytes:
    """A primary header made of literal card images (padded to 80 columns), END and padding."""
    images = [c.encode("latin-1") if isinstance(c, str) else c for c in cards]
    head = [b"SIMPLE  =                    T", b"BITPIX  =                    8"]
    if not any(i.startswith(b"NAXIS") for i in images):
        head.append(b"NAXIS   =                    0")
    text = b"".join(i.ljust(80) for i in [*head, *images, b"END"])
    return text.ljust(-(-len(text) // 2880) * 2880)


def write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


# ---------------------------------------------------------------- real files


@pytest.mark.parametrize("path", real_files("exposures") + real_files("exposures_nopsf"))
def test_real_files_read_the_same_both_ways(path: Path) -> None:
    evidence = both(path)
    assert evidence.path == str(path)
    assert read(path) == evidence


@pytest.mark.parametrize("path", real_files("exposures"))
def test_flight_headers_spot_checks(path: Path) -> None:
    evidence = both(path)
    kw = evidence.keywords
    assert (kw["PROGRAM"], kw["EXP_TYPE"], kw["INSTRUME"]) == ("01075", "NRC_CORON", "NIRCAM")
    assert kw["IS_PSF"] is True and kw["TSOVISIT"] is False
    assert kw["OBS_ID"] == "V01075001001P0000000003105"
    assert isinstance(kw["EXPSTART"], float) and isinstance(kw["EXPCOUNT"], int)
    assert evidence.filename == path.name
    assert evidence.reference_files == {} and evidence.hdrtab_members == ()
    assert set(kw) <= set(KEYWORDS)


@pytest.mark.parametrize("path", real_files("exposures_nopsf"))
def test_cal_headers_name_their_reference_files(path: Path) -> None:
    evidence = both(path)
    assert evidence.keywords["CRDS_CTX"] == "jwst_0303.pmap"
    assert evidence.reference_files["R_FLAT"] == "crds://jwst_niriss_flat_0073.fits"
    assert evidence.reference_files["R_OTE"] == "N/A"
    assert all(k.startswith("R_") for k in evidence.reference_files)
    # the copies were renamed; FILENAME still says what product they are
    assert evidence.filename.startswith("jw9000") and evidence.filename != path.name


def test_read_uses_the_fast_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "a.fits", primary("PROGRAM = '01234'"))
    calls: list[object] = []
    monkeypatch.setattr(fits_module, "read_header_fast", lambda p: calls.append(p) or "fast")
    assert read(path) == "fast" and calls == [path]


# ---------------------------------------------------------------- files built here


def test_hdrtab_members_of_a_level3_product(tmp_path: Path) -> None:
    names = ["jw01234001001_02101_00001_nrca1_cal.fits  ", "b_cal.fits", "  c_cal.fits"]
    table = fits.BinTableHDU.from_columns(
        [fits.Column(name="FILENAME", format="44A", array=names),
         fits.Column(name="EXPSTART", format="D", array=[1.0, 2.0, 3.0])],
        name="HDRTAB",
    )  # fmt: skip
    hdus = [fits.PrimaryHDU(), fits.ImageHDU(np.zeros((7, 9), "f4"), name="SCI"), table]
    hdus[0].header["FILENAME"] = "jw01234-o001_t001_nircam_clear-f200w_i2d.fits"
    hdus[0].header["NDRIZ"] = 3
    fits.HDUList([*hdus, fits.ImageHDU(np.ones(5), name="WHT")]).writeto(tmp_path / "i2d.fits")
    evidence = both(tmp_path / "i2d.fits")
    assert evidence.hdrtab_members == tuple(n.strip() for n in names)
    assert evidence.keywords["NDRIZ"] == 3
    assert evidence.filename == "jw01234-o001_t001_nircam_clear-f200w_i2d.fits"


def test_long_strings_with_continue_cards(tmp_path: Path) -> None:
    asn = "jw01234-o001_20240101t000000_image3_00001_asn.json/" * 3  # 150 characters
    header = fits.Header([("ASNTABLE", asn), ("TARGPROP", "it's a 'quoted' & name " * 5)])
    header["FILENAME"] = "no-comment"
    fits.PrimaryHDU(header=header).writeto(tmp_path / "long.fits")
    assert b"CONTINUE" in (tmp_path / "long.fits").read_bytes()
    evidence = both(tmp_path / "long.fits")
    assert evidence.keywords["ASNTABLE"] == asn
    assert evidence.keywords["TARGPROP"] == ("it's a 'quoted' & name " * 5).rstrip()


def test_value_forms(tmp_path: Path) -> None:
    cards = (
        "EXPSTART=   5.97137607701913D+04 / D exponent",
        "EXPMID  = 5.9713761e4", "EXPEND  =                 -1.5E-3 / comment",
        "EXPCOUNT=                  -42 / negative", "PATT_NUM=                +007",
        "TARGPROP= 'O''Brien''s star'    / quotes inside", "TARGNAME= ''",
        "OBSLABEL= '   leading blanks' / kept", "TEMPLATE=                      / blank value",
        "VISITYPE=     / blank too", "TSOVISIT=                    T", "IS_PSF  = F",
        "CAL_VER = '1.2.3' /no blank after slash", "FILTER  = 'F200W/F150W'",
        "PUPIL   = 'a / b'   / the slash is in the string", "SUBARRAY= (1.0, 2.0) / complex",
        "program = 'lower case keyword'", "HIERARCH GRATING = 'G140M'",
        "PREIMAGE= 'AXIS.1: 2'  / looks record-valued", "CAL_VCS = 'RELEASE'",
        "CAL_VCS = 'a repeated keyword: the first one counts'",
        "R_FLAT  = 'crds://jwst_nircam_flat_0001.fits'", "R_DARK  = 'N/A'", "R_GAIN  = 3",
        "COMMENT   PROGRAM = 'not a keyword'", "HISTORY PROGRAM = 'nor this'",
    )  # fmt: skip
    evidence = both(write(tmp_path / "forms.fits", primary(*cards)))
    kw = evidence.keywords
    assert kw["EXPSTART"] == 59713.7607701913 and kw["EXPMID"] == 59713.761
    assert (kw["EXPEND"], kw["EXPCOUNT"], kw["PATT_NUM"]) == (-0.0015, -42, 7)
    assert kw["TARGPROP"] == "O'Brien's star" and kw["TARGNAME"] == ""
    assert kw["OBSLABEL"] == "   leading blanks"
    assert "TEMPLATE" not in kw and "VISITYPE" not in kw and "SUBARRAY" not in kw
    assert kw["TSOVISIT"] is True and kw["IS_PSF"] is False
    assert (kw["CAL_VER"], kw["FILTER"], kw["PUPIL"]) == ("1.2.3", "F200W/F150W", "a / b")
    assert (kw["PROGRAM"], kw["GRATING"]) == ("lower case keyword", "G140M")
    assert kw["PREIMAGE"] == "AXIS.1: 2" and kw["CAL_VCS"] == "RELEASE"
    assert evidence.reference_files == {
        "R_FLAT": "crds://jwst_nircam_flat_0001.fits",
        "R_DARK": "N/A",
    }
    assert evidence.filename == "forms.fits"  # no FILENAME keyword


def test_an_ordinary_card_beats_a_record_valued_one(tmp_path: Path) -> None:
    cards = ("DIRIMAGE= 'AXIS.1: 2'", "DIRIMAGE= 'jw01234001001_02101_00001_nis_i2d.fits'")
    assert (
        both(write(tmp_path / "rvkc.fits", primary(*cards)))
        .keywords["DIRIMAGE"]
        .endswith("i2d.fits")
    )


def test_a_cut_exactly_after_an_hdu_is_a_smaller_valid_file(tmp_path: Path) -> None:
    # FITS cannot tell a file cut at an HDU boundary from a shorter one: both readers accept it.
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.ones(3))]).writeto(tmp_path / "two.fits")
    content = (tmp_path / "two.fits").read_bytes()
    assert both(write(tmp_path / "cut.fits", content[:2880])).keywords == {}


# ---------------------------------------------------------------- broken files


def multi_hdu(tmp_path: Path) -> bytes:
    """Primary with data, an image, a table: 9 blocks, data in every HDU, PROGRAM = '01234'."""
    table = fits.BinTableHDU.from_columns([fits.Column(name="A", format="J", array=[1, 2, 3])])
    hdus = [
        fits.PrimaryHDU(np.zeros((10, 10), "f4")),
        fits.ImageHDU(np.ones((50, 50), "f4")),
        table,
    ]
    hdus[0].header["PROGRAM"] = "01234"
    fits.HDUList(hdus).writeto(tmp_path / "base.fits")
    content = (tmp_path / "base.fits").read_bytes()
    assert len(content) == 9 * 2880 and b"PROGRAM = '01234   '" in content
    return content


def naxis_huge(b: bytes) -> bytes:
    at = b.index(b"NAXIS1  =", 2 * 2880)
    return b[:at] + b"NAXIS1  =     1000000000000000".ljust(80) + b[at + 80 :]


def replace_card(b: bytes, prefix: bytes, card: bytes) -> bytes:
    at = b.index(prefix)
    return b[:at] + card.ljust(80) + b[at + 80 :]


HOSTILE: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "cut in half": (lambda b: b[: len(b) // 2], "truncated"),
    "cut mid-card": (lambda b: b[:1000], "truncated"),
    "cut after the primary header": (lambda b: b[:2880], "truncated"),
    "cut inside an extension header": (lambda b: b[: 2 * 2880 + 100], "truncated"),
    "NAXIS1 = 10**15": (naxis_huge, "truncated"),
    "non-ASCII card": (lambda b: b.replace(b"01234", "0é234".encode("latin-1")), "non-ASCII"),
    "invalid card": (lambda b: replace_card(b, b"EXTEND", b"EXTEND    T"), "invalid card"),
    "unparseable kept card": (lambda b: b.replace(b"'01234   '", b"'01234    "), "unparseable"),
    "stray bytes": (lambda b: b + b"trailing junk", "stray bytes after the last HDU"),
    "zero padding": (lambda b: b + bytes(2880), "stray bytes after the last HDU"),
    "empty": (lambda b: b"", "not a FITS file"),
    "JSON": (lambda b: json.dumps({"asn_type": "image3"}).encode(), "not a FITS file"),
}  # fmt: skip


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
@pytest.mark.parametrize("reader", READERS, ids=["astropy", "fast"])
def test_broken_files_raise_header_error(tmp_path: Path, case: str, reader: Callable) -> None:
    damage, problem = HOSTILE[case]
    path = write(tmp_path / "broken.fits", damage(multi_hdu(tmp_path)))
    with pytest.raises(HeaderError, match=rf"^{re.escape(str(path))}: .*{problem}"):
        reader(path)


@pytest.mark.parametrize(
    ("end", "problem"),
    [
        (b"", "missing END card"),
        (b"END= 1", "malformed END card"),
        (b"END  x", "malformed END card"),
    ],
)
@pytest.mark.parametrize("reader", READERS, ids=["astropy", "fast"])
def test_missing_or_malformed_end_card(
    tmp_path: Path, reader: Callable, end: bytes, problem: str
) -> None:
    # A single HDU: with data after it astropy reads on and trips over other cards first.
    content = primary("PROGRAM = '01234'").replace(b"END" + b" " * 77, end.ljust(80))
    with pytest.raises(HeaderError, match=problem):
        reader(write(tmp_path / "bad_end.fits", content))


@pytest.mark.parametrize(
    ("cards", "problem"),
    [
        (
            ("NAXIS   =                    0", "NAXIS   =                    0"),
            "NAXIS appears more",
        ),
        (("NAXIS   =                    1",), "bad size keyword"),
        (("NAXIS   = 'two'",), "bad size keyword"),
        (("BLANK   = 'x'",), "bad BLANK keyword"),
        (("BSCALE  = 'unclosed",), "unparseable card"),
    ],
)
@pytest.mark.parametrize("reader", READERS, ids=["astropy", "fast"])
def test_odd_structure_keywords(
    tmp_path: Path, reader: Callable, cards: tuple, problem: str
) -> None:
    # Keywords astropy reads by itself when it opens a file: both readers must balk at them.
    with pytest.raises(HeaderError, match=problem):
        reader(write(tmp_path / "odd.fits", primary(*cards)))


@pytest.mark.parametrize("reader", READERS, ids=["astropy", "fast"])
def test_unreadable_paths(tmp_path: Path, reader: Callable) -> None:
    with pytest.raises(HeaderError, match="cannot read the file"):
        reader(tmp_path / "missing.fits")
    with pytest.raises(HeaderError, match="cannot read the file"):
        reader(tmp_path)


@pytest.mark.parametrize("path", real_files("exposures")[:1] + real_files("exposures_nopsf")[:1])
@pytest.mark.parametrize("reader", READERS, ids=["astropy", "fast"])
def test_real_files_cut_in_half(tmp_path: Path, path: Path, reader: Callable) -> None:
    content = path.read_bytes()
    cut = write(tmp_path / path.name, content[: len(content) // 2])
    with pytest.raises(HeaderError, match="missing END card|truncated"):
        reader(cut)


@pytest.mark.parametrize("reader", READERS, ids=["astropy", "fast"])
def test_hdrtab_must_be_a_table_with_filenames(tmp_path: Path, reader: Callable) -> None:
    image = fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.ones(4), name="HDRTAB")])
    image.writeto(tmp_path / "image.fits")
    with pytest.raises(HeaderError, match="HDRTAB extension is XTENSION='IMAGE'"):
        reader(tmp_path / "image.fits")
    column = fits.Column(name="EXPSTART", format="D", array=[1.0])
    table = fits.BinTableHDU.from_columns([column], name="HDRTAB")
    fits.HDUList([fits.PrimaryHDU(), table]).writeto(tmp_path / "nofile.fits")
    with pytest.raises(HeaderError, match="no FILENAME column"):
        reader(tmp_path / "nofile.fits")


# ---------------------------------------------------------------- properties

PRINTABLE = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=160)
VALUES = st.one_of(
    st.integers(-(10**18), 10**18),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    PRINTABLE,
)
REFERENCES = st.dictionaries(
    st.from_regex(r"R_[A-Z0-9]{1,6}", fullmatch=True), PRINTABLE, max_size=4
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.dictionaries(st.sampled_from(KEYWORDS), VALUES, max_size=12),
    refs=REFERENCES,
    comment=st.text(string.ascii_letters + " /'&", max_size=30),
)
def test_astropy_written_headers_read_the_same(
    tmp_path: Path, values: dict, refs: dict, comment: str
) -> None:
    header = fits.Header()
    for key, value in {**values, **refs}.items():
        header[key] = (value, comment)
    fits.PrimaryHDU(header=header).writeto(tmp_path / "h.fits", overwrite=True)
    both(tmp_path / "h.fits")


# Raw card images from tricky pieces: odd keyword forms, quotes, slashes, exponents.
KEYS = st.sampled_from(
    ["TARGNAME= ", "targname= ", "R_FLAT  = ", "R_flat  = ", " PROGRAM= ", "VISIT= ",
     "HIERARCH FILTER = ", "CONTINUE  ", "COMMENT ", "TITLE   = ", "TARGNAME  ", "END     ",
     "END= ", "NAXIS   = ", "naxis   = ", "BLANK   = ", "EXTEND  = "]
)  # fmt: skip
FIELDS = st.text(st.sampled_from("'' /&:.+-019EDedTF(),AX"), max_size=30)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(KEYS, FIELDS), min_size=1, max_size=4))
def test_odd_cards_read_the_same_or_fail_the_same(tmp_path: Path, cards: list) -> None:
    path = write(tmp_path / "odd.fits", primary(*((k + f)[:80] for k, f in cards)))
    outcomes = []
    for reader in READERS:
        try:
            outcomes.append(reader(path))
        except HeaderError:
            outcomes.append(HeaderError)
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("card", ["NAXIS   = 1000000000", "naxis   = +0100000000"])
def test_absurd_naxis_is_refused_before_astropy_builds_axes(tmp_path: Path, card: str) -> None:
    # Regression: astropy lists NAXISn for every axis on open, so this used to hang.
    path = write(tmp_path / "naxis.fits", primary(card))
    for reader in READERS:
        with pytest.raises(HeaderError, match="NAXIS"):
            reader(path)

"""The bad-input corpus: literal files in tests/corpus/ and generated ones, each with its error.

Literal files and name cases are listed in ``tests/corpus/EXPECTED.toml``.
Binary and huge inputs (FITS files cut at many offsets, a 64 MB association,
10,000-deep JSON, NUL bytes) are written here into a test's folder instead of
being committed. Every entry carries the reader `jwlink ingest` sends it to
and a regular expression for the problem its error must name.
"""

from __future__ import annotations

import os
import shutil
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits

from jwlink.readers.asn import MAX_ASN_BYTES, MAX_ASN_TOKENS
from jwlink.readers.fitscards import BLOCK_SIZE
from jwlink.readers.pool import MAX_LINE

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = tomllib.loads((CORPUS / "EXPECTED.toml").read_text(encoding="utf-8"))
POOL_HEADER = "FILENAME|PROGRAM|OBS_NUM|EXP_TYPE|INSTRUME|DETECTOR|TARGETID"
POOL_ROW = "jw01234901001_02101_00001_nrca1_uncal.fits|01234|901|NRC_IMAGE|NIRCAM|NRCA1|1"
# A cut inside the first card leaves no FITS signature; one just past an HDU
# leaves a few bytes that cannot even start a header.
_CUT = "truncated file|missing END card|not a FITS file|stray bytes after the last HDU"


@dataclass(frozen=True)
class Entry:
    """One bad (or tolerated) input: where it goes, who reads it, what they must say."""

    path: str  # relative, e.g. "asn/repeated_key_asn.json"; its name picks the reader
    reader: str  # association | pool | fits | table
    error: str | None  # regex for the message after "<path>: "; None = tolerated
    content: Callable[[], bytes] | None = None  # None: the literal file in tests/corpus/
    rows: int | None = None  # members or rows a tolerated input yields
    sparse_size: int | None = None  # written as a sparse file of this size

    def write(self, folder: Path) -> Path:
        """Write the entry under ``folder`` (keeping its sub-folder) and return its path."""
        target = folder / self.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if self.content is None:
            shutil.copyfile(CORPUS / self.path, target)
        else:
            target.write_bytes(self.content())
        if self.sparse_size is not None:
            os.truncate(target, self.sparse_size)
        return target


# ---------------------------------------------------------------- FITS


def base_fits() -> bytes:
    """A small real-shaped product: primary with data, an image, an HDRTAB table (7 blocks)."""
    primary = fits.PrimaryHDU(np.zeros((4, 4), "f4"))
    primary.header["FILENAME"] = "jw01234-o901_t001_nircam_clear-f200w_i2d.fits"
    primary.header["PROGRAM"] = "01234"
    primary.header["R_FLAT"] = "crds://jwst_nircam_flat_0001.fits"
    table = fits.BinTableHDU.from_columns(
        [
            fits.Column(
                name="FILENAME", format="44A", array=["jw01234901001_02101_00001_nrca1_cal.fits"]
            )
        ],
        name="HDRTAB",
    )
    hdus = fits.HDUList([primary, fits.ImageHDU(np.ones((30, 30), "f4"), name="SCI"), table])
    import io

    buffer = io.BytesIO()
    hdus.writeto(buffer)
    return buffer.getvalue()


def hdu_boundaries(content: bytes) -> set[int]:
    """Offsets where an HDU ends: a cut there leaves a shorter valid file, not a bad one."""
    import io

    with fits.open(io.BytesIO(content)) as hdul:
        spans = [hdul.fileinfo(i) for i in range(len(hdul))]
    return {s["hdrLoc"] for s in spans} | {s["datLoc"] + s["datSpan"] for s in spans}


def cut_offsets(content: bytes) -> list[int]:
    """Many offsets to cut at: inside cards, at card and block edges, inside data."""
    edges = sorted(hdu_boundaries(content))
    offsets = {1, 8, 30, 79, 80, 81, 1000, 2879, 2881, len(content) - 1}
    for block in range(0, len(content), BLOCK_SIZE):
        offsets |= {block + 1, block + 80, block + 1441, block + 2879}
    return sorted(o for o in offsets if 0 < o < len(content) and o not in edges)


def _replace_card(content: bytes, prefix: bytes, card: bytes) -> bytes:
    at = content.index(prefix)
    return content[:at] + card.ljust(80) + content[at + 80 :]


def _nth_replaced(content: bytes, old: bytes, new: bytes, n: int) -> bytes:
    at = -1
    for _ in range(n):
        at = content.index(old, at + 1)
    return content[:at] + new + content[at + len(old) :]


def primary_only(*cards: bytes, end: bytes = b"END") -> bytes:
    """A primary header made of the given cards (no data unless they say so)."""
    head = [b"SIMPLE  =                    T", b"BITPIX  =                    8"]
    if not any(c.upper().startswith(b"NAXIS") for c in cards):
        head.append(b"NAXIS   =                    0")
    text = b"".join(c.ljust(80) for c in [*head, *cards, end])
    return text.ljust(-(-len(text) // BLOCK_SIZE) * BLOCK_SIZE)


def _hdrtab_image() -> bytes:
    import io

    buffer = io.BytesIO()
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.ones(4), name="HDRTAB")]).writeto(buffer)
    return buffer.getvalue()


def fits_entries() -> list[Entry]:
    """FITS files broken every way the issue lists, for both header readers."""
    base = base_fits()
    cuts = [
        Entry(f"fits/cut_at_{o}.fits", "fits", _CUT, lambda o=o: base[:o])
        for o in cut_offsets(base)
    ]
    # fmt: off
    broken = {
        "missing_end": (lambda: primary_only(b"PROGRAM = '01234'", end=b""), "missing END card"),
        "malformed_end": (lambda: primary_only(b"PROGRAM = '01234'", end=b"END= 1"),
                          "malformed END card"),
        "non_ascii_card": (lambda: base.replace(b"01234   ", "0\xe91234  ".encode("latin-1"), 1),
                           "non-ASCII bytes in a header card"),
        "nul_in_card": (lambda: base.replace(b"01234   ", b"01\x00234  ", 1), "unparseable card"),
        "naxis1_1e9": (lambda: primary_only(b"NAXIS   =                    1",
                                            b"NAXIS1  =           1000000000"),
                       "truncated file"),
        "naxis_1e9": (lambda: primary_only(b"NAXIS   =           1000000000"),
                      "bad size keyword: HDU #0 has NAXIS = 1000000000"),
        "naxis_repeated": (lambda: primary_only(b"NAXIS   =                    0",
                                                b"NAXIS   =                    0"),
                           "NAXIS appears more than once"),
        # Regression (fuzzing): astropy warns about a free-format SIMPLE; the fast reader took it.
        "simple_free_format": (lambda: b"SIMPLE  = T".ljust(80) + base[80:], "not a FITS file"),
        "simple_lower_case": (lambda: b"simple  =                    T".ljust(80) + base[80:],
                              "not a FITS file"),
        # Regression (fuzzing): a second SIMPLE = 0 made astropy raise AttributeError.
        "simple_repeated": (lambda: _replace_card(base, b"PROGRAM ", b"SIMPLE  = 0"),
                            "SIMPLE appears more than once"),
        "json_inside": (lambda: b'{"products": []}', "not a FITS file"),
        "empty": (lambda: b"", "not a FITS file"),
        "stray_bytes": (lambda: base + b"trailing junk", "stray bytes after the last HDU"),
        "unparseable_card": (lambda: base.replace(b"'01234   '", b"'01234    ", 1),
                             "unparseable card"),
        "hdrtab_image": (_hdrtab_image, "the HDRTAB extension is XTENSION='IMAGE'"),
        # Regression (hypothesis): astropy hung on NAXIS = 10**9 in an extension.
        "naxis_1e9_in_extension": (lambda: _nth_replaced(base, b"NAXIS   =                    2",
                                                         b"NAXIS   =           1000000000", 2),
                                   "bad size keyword: HDU #1 has NAXIS = 1000000000"),
        # Regression (atheris): BITPIX = 3 in the HDRTAB header; astropy's lazy reader
        # read the table, the fast reader's astropy call failed on the buffer size.
        "bitpix_3": (lambda: base.replace(b"BITPIX  =                    8",
                                          b"BITPIX  =                    3", 1),
                     "bad size keyword: HDU #2 has BITPIX = 3"),
    }
    # fmt: on
    return cuts + [Entry(f"fits/{k}.fits", "fits", e, c) for k, (c, e) in broken.items()]


# ---------------------------------------------------------------- text readers


def generated_entries() -> list[Entry]:
    """Associations, pools and tables too big or too binary to commit."""
    asn = "association"
    return [
        Entry("asn/over_64mb_asn.json", asn, f"over the {MAX_ASN_BYTES}-byte limit",
              lambda: b'{"products": [', sparse_size=MAX_ASN_BYTES + 1),
        Entry("asn/nested_10000_asn.json", asn, "JSON nested too deeply",
              lambda: b'{"products": [' + b"[" * 10_000 + b"]" * 10_000 + b"]}"),
        Entry("asn/too_many_values_asn.json", asn, f"over the limit of {MAX_ASN_TOKENS}",
              lambda: b'{"products": [], "x": [' + b"0," * MAX_ASN_TOKENS + b"0]}"),
        Entry("asn/products_1mb_string_asn.json", asn,
              r"products: 'x{100,200} \.\.\. x{20,80}' is not of type 'array'",
              lambda: b'{"products": "' + b"x" * (1 << 20) + b'"}'),
        Entry("asn/raw_nul_byte_asn.json", asn, "not valid JSON .*Invalid control character",
              lambda: b'{"products": [], "asn_type": "a\x00b"}'),
        Entry("pool/nul_byte_pool.csv", "pool", "line 2, column TARGETID: a NUL byte",
              lambda: f"{POOL_HEADER}\n{POOL_ROW[:-1]}\0\n".encode()),
        Entry("pool/long_line_pool.csv", "pool", f"line 2 is over {MAX_LINE} characters",
              lambda: f"{POOL_HEADER}\n{POOL_ROW}{'x' * MAX_LINE}\n".encode()),
        Entry("table/nul_byte.csv", "table", "a NUL byte at byte 31",
              lambda: b"obs_id,productFilename,size\njw1\x00,x_cal.fits,5\n"),
    ]  # fmt: skip


def literal_entries() -> list[Entry]:
    """The files of tests/corpus/ as EXPECTED.toml describes them."""
    return [
        Entry(f["path"], f["reader"], f.get("error"), rows=f.get("rows")) for f in EXPECTED["file"]
    ]


def all_entries() -> list[Entry]:
    """Every file entry: literal, generated, FITS."""
    return literal_entries() + generated_entries() + fits_entries()


@dataclass(frozen=True)
class NameCase:
    """A file name that breaks the grammar, and what parse / bare_name must say."""

    name: str
    error: str
    bare: str | None = None


def name_cases() -> list[NameCase]:
    """EXPECTED.toml's names, and one TOML cannot hold: a non-UTF-8 name as os.listdir gives it."""
    cases = [NameCase(n["name"], n["error"], n.get("bare")) for n in EXPECTED["name"]]
    undecodable = os.fsdecode(b"jw01234001001_02101_00001_nrca1_cal\xff.fits")
    return [*cases, NameCase(undecodable, "not valid UTF-8", "not valid UTF-8")]

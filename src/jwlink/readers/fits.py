"""Read the FITS header keywords that carry JWST linkage, from headers only.

`read_header` is the reference: astropy opens the file lazily and touches
header values and the ``HDRTAB`` table only. `read_header_fast`, which `read`
uses, gives the same `HeaderEvidence`: it reads header blocks itself, seeks over
data and parses only the cards jwlink keeps (`jwlink.readers.fitscards`). Both
reject the same broken files with `HeaderError` (not FITS, truncated, no or a
malformed END card, non-ASCII, invalid or unparseable cards, repeated or odd
data-size keywords, stray bytes after the last HDU); astropy warnings count.
"""

from __future__ import annotations

import itertools
import os
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning

from jwlink.core.crdsparams import SELECTION_KEYWORDS
from jwlink.core.model import HeaderEvidence
from jwlink.errors import HeaderError, InputError
from jwlink.readers import fitscards
from jwlink.readers.fitscards import BLOCK_SIZE, CARD_SIZE, CardError
from jwlink.readers.regular import describe_bytes, open_regular

__all__ = ["KEYWORDS", "read", "read_header", "read_header_fast"]

# Primary-header keywords that carry identity and linkage, grouped as in
# /work/shared/reference/jwst-data.md section 5 (from jwst core.schema.yaml).
# RA_REF/DEC_REF normally live in the SCI header; kept when a primary has them.
_LINKAGE: tuple[str, ...] = (
    # identity
    "FILENAME", "PROGRAM", "OBSERVTN", "VISIT", "VISITGRP", "SEQ_ID", "ACT_ID", "EXPOSURE",
    "OBS_ID", "VISIT_ID", "EXPCOUNT", "EXPRIPAR", "INSTRUME", "DETECTOR", "EXP_TYPE",
    "TEMPLATE", "OBSLABEL", "VISITYPE", "TARGPROP", "TARGNAME", "TARG_RA", "TARG_DEC",
    "SUBARRAY", "FILTER", "PUPIL", "GRATING", "FXD_SLIT", "BAND", "CHANNEL", "CORONMSK",
    # role flags; segments; dither and nod position
    "TSOVISIT", "BKGDTARG", "IS_PSF", "IS_IMPRT", "SELFREF", "DATAPROB",
    "EXSEGNUM", "EXSEGTOT", "INTSTART", "INTEND",
    "PATTTYPE", "PATT_NUM", "NUMDTHPT", "SUBPXPTS", "SPEC_NUM", "SPAT_NUM", "NOD_TYPE",
    # time
    "DATE-OBS", "TIME-OBS", "DATE-BEG", "DATE-END", "EXPSTART", "EXPMID", "EXPEND",
    "EFFEXPTM", "DURATION",
    # association; software and CRDS context (R_* reference files are read apart)
    "ASNPOOL", "ASNTABLE", "CAL_VER", "CAL_VCS", "SDP_VER", "PRD_VER", "CRDS_VER", "CRDS_CTX",
    # NIRSpec MSA; catalogs and background; engineering; pre-image
    "MSAMETFL", "MSAMETID", "MSACONID", "SCATFILE", "SEGMFILE", "DIRIMAGE", "TCATFILE",
    "MASTERBG", "OSF_FILE", "ENG_QUAL", "ENGQLPTG", "PREIMAGE",
    # guide star
    "GS_ORDER", "GDSTARID", "GS_RA", "GS_DEC", "GSSTRTTM", "GSENDTIM", "PCS_MODE",
    "VISITEND", "DATASTRT", "DATAEND",
    # level 3 composition; reference position
    "NDRIZ", "RA_REF", "DEC_REF",
)  # fmt: skip
# Those and the keywords CRDS selects reference files by (jwlink.core.crdsparams):
# jwlink stale asks a later context what it selects for this header.
KEYWORDS: tuple[str, ...] = (*_LINKAGE, *(k for k in SELECTION_KEYWORDS if k not in _LINKAGE))
REFERENCE_PREFIX = "R_"
HDRTAB = "HDRTAB"

_VALUE_TYPES = frozenset({str, int, float, bool})  # blank (None) and complex values are dropped
# Keywords astropy itself reads when it opens a file: the data size (FITS
# Standard 4.0, section 4.4.1), scaling, checksums, EXTEND. Both readers insist
# that each appears at most once and parses, so that they reject the same files.
_STRUCTURE = frozenset(
    {"SIMPLE", "XTENSION", "BITPIX", "NAXIS", "PCOUNT", "GCOUNT", "GROUPS", "EXTEND", "BSCALE",
     "BZERO", "BLANK", "CHECKSUM", "DATASUM", *(f"NAXIS{n}" for n in range(1, 1000))}
)  # fmt: skip
_BITPIX = (8, 16, 32, 64, -32, -64)  # FITS Standard 4.0, Table 8
_CLASSIFIER = fitscards.Classifier({*KEYWORDS, *_STRUCTURE, "EXTNAME"}, REFERENCE_PREFIX)
_PRIMARY = fitscards.Profile(frozenset(KEYWORDS), REFERENCE_PREFIX, _STRUCTURE, unique={2})
_EXTENSION = fitscards.Profile({"EXTNAME"}, _STRUCTURE, unique={1})
_WINDOW = 16 * BLOCK_SIZE  # bytes read at a time: a whole primary header, usually
_SIMPLE = "SIMPLE  =                    T"
# astropy's END test (header.HEADER_END_RE): "END", then anything but a keyword character.
_KEYWORD_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


# ---------------------------------------------------------------- shared by both readers


@contextmanager
def _readable(path: str) -> Iterator[None]:
    try:
        yield
    except OSError as err:
        raise HeaderError(path, f"cannot read the file: {err.strerror or err}") from err


@contextmanager
def _regular(path: str) -> Iterator[BinaryIO]:
    """Open a regular file only (never block on a FIFO); refusals become `HeaderError`."""
    try:
        handle = open_regular(path)
    except InputError as err:
        if isinstance(err, HeaderError):
            raise
        raise HeaderError(path, err.problem) from err
    with handle:
        yield handle


def _check_signature(path: str, head: bytes) -> None:
    """Reject anything whose first card is not ``SIMPLE = T`` in fixed format (FITS 4.0, 4.4.1.1).

    Only the fixed format: astropy warns about a free-format ``SIMPLE = T``
    (and refuses a lower-case one), and astropy's warnings count as errors.
    """
    card = head[:CARD_SIZE]
    if card.startswith(_SIMPLE.encode()) and card[30:].strip(b" ")[:1] in (b"", b"/"):
        return
    # What kind of bytes, never the bytes: a link to a private file must not show it.
    msg = f"not a FITS file: it does not begin with the card {_SIMPLE!r} (found {_found(card)})"
    raise HeaderError(path, msg)


def _found(card: bytes) -> str:
    """Say what a card that should have been a FITS card holds, without quoting it."""
    if card.startswith(b"SIMPLE"):
        return "a SIMPLE card not in the fixed format FITS 4.0 requires"
    return describe_bytes(card)


def _header_naxis(path: str, fh: BinaryIO, hdu: int) -> object:
    """Return the largest NAXIS a plain card of the header at ``fh`` gives (else None).

    The largest, because a header may repeat NAXIS and astropy does not say
    which one it will size the data by. A repeated SIMPLE is refused here:
    astropy fails on one with a value such as 0 with an AttributeError.
    """
    found: list[int] = []
    simple = 0
    while block := fh.read(BLOCK_SIZE):
        for start in range(0, len(block) - CARD_SIZE + 1, CARD_SIZE):
            card = block[start : start + CARD_SIZE]
            if card.rstrip() == b"END":
                return max(found, default=None)
            # astropy reads keywords case-blind, so "naxis   = " counts too.
            field = card[:10].upper()
            simple += field == b"SIMPLE  = " and hdu == 0
            if simple > 1:
                msg = "repeated keyword in HDU #0: SIMPLE appears more than once"
                raise HeaderError(path, msg)
            if field == b"NAXIS   = ":
                try:
                    found.append(int(card[10:].split(b"/")[0]))
                except ValueError:
                    continue
    return max(found, default=None)


def _check_naxis(path: str, naxis: object, hdu: int) -> None:
    """Refuse an NAXIS outside the FITS standard's 0..999 before anything trusts it."""
    if type(naxis) is int and not 0 <= naxis <= 999:
        msg = f"bad size keyword: HDU #{hdu} has NAXIS = {naxis}, expected an integer 0..999"
        raise HeaderError(path, msg)


def _data_size(path: str, size: Mapping[str, object], hdu: int) -> int:
    """Bytes of data after a header, as astropy computes them (padding excluded)."""

    def number(name: str, default: int | None = None) -> int:
        value = size.get(name, default)
        if type(value) is not int or (value < 0 and name != "BITPIX"):
            msg = f"bad size keyword: HDU #{hdu} has {name} = {value!r}, expected an integer"
            raise HeaderError(path, msg + (" >= 0" if name != "BITPIX" else ""))
        return value

    naxis = number("NAXIS", 0)
    _check_naxis(path, naxis, hdu)
    if naxis == 0:
        return 0
    count = 1
    groups = hdu == 0 and size.get("GROUPS") is True  # random groups: NAXIS1 = 0
    for axis in range(2 if groups else 1, naxis + 1):
        count *= number(f"NAXIS{axis}")
    bitpix = number("BITPIX")
    if bitpix not in _BITPIX:  # astropy sizes data by any value, then the readers disagree
        msg = f"bad size keyword: HDU #{hdu} has BITPIX = {bitpix}, expected one of "
        raise HeaderError(path, msg + ", ".join(map(str, _BITPIX)))
    return abs(bitpix) * number("GCOUNT", 1) * (number("PCOUNT", 0) + count) // 8


def _hdrtab_members(path: str, xtension: object, hdu: fits.BinTableHDU | None) -> tuple[str, ...]:
    """Return the stripped FILENAME column of an HDRTAB extension (jwst model_blender)."""
    if xtension != "BINTABLE" or not isinstance(hdu, fits.BinTableHDU):
        msg = f"the {HDRTAB} extension is XTENSION={xtension!r}, expected a 'BINTABLE' of headers"
        raise HeaderError(path, msg)
    names = [name.upper() for name in hdu.columns.names]
    if "FILENAME" not in names:
        raise HeaderError(path, f"the {HDRTAB} table has no FILENAME column (it has {names})")
    column = hdu.data.field(names.index("FILENAME"))
    if column.dtype.kind not in "SU":
        raise HeaderError(path, f"the {HDRTAB} FILENAME column holds {column.dtype}, not text")
    return tuple((v.decode() if isinstance(v, bytes) else str(v)).strip() for v in column)


def _evidence(path: str, keywords: dict[str, object], refs: dict[str, object],
              members: tuple[str, ...]) -> HeaderEvidence:  # fmt: skip
    if not _VALUE_TYPES.issuperset(map(type, keywords.values())):
        keywords = {k: v for k, v in keywords.items() if type(v) in _VALUE_TYPES}
    if not {str}.issuperset(map(type, refs.values())):
        refs = {k: v for k, v in refs.items() if type(v) is str}
    filename = keywords.get("FILENAME")
    if not isinstance(filename, str) or not filename.strip():
        filename = Path(path).name
    return HeaderEvidence(path, filename, keywords, refs, members)  # type: ignore[arg-type]


# astropy message fragment -> the problem as both readers name it; the first match wins.
_ASTROPY_PROBLEMS = (
    ("non-ASCII", "non-ASCII bytes in a header card"),
    ("missing END", "missing END card"),
    ("END keyword", "malformed END card"),
    ("after the END", "malformed END card"),
    ("Unparsable card", "unparseable card"),
    ("invalid or follows an unrecognized", "invalid card"),
    ("null bytes", "NUL bytes in a header block"),
    ("extra padding", "stray bytes after the last HDU"),
    ("multiple of 2880", "truncated file or stray bytes after the last HDU"),
    ("truncated", "truncated file"),
    ("Invalid argument", "truncated file: its data would end past any possible file size"),
    ("'BLANK' keyword", "bad BLANK keyword"),
    ("KeyError: 'NAXIS", "bad size keyword"),
    ("KeyError: 'BITPIX", "bad size keyword"),
    ("interpreted as an integer", "bad size keyword"),
)


@contextmanager
def _astropy_errors(path: str) -> Iterator[None]:
    """Run astropy with its warnings and errors turned into one HeaderError."""

    def problem(message: str) -> str:
        text = " ".join(line.strip() for line in message.splitlines())
        found = (p for fragment, p in _ASTROPY_PROBLEMS if fragment in text)
        return f"{next(found, 'astropy cannot read the headers')} (astropy: {text})"

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        except HeaderError as err:  # one of ours: astropy's own complaint, if any, came first
            noticed = [str(w.message) for w in caught if issubclass(w.category, AstropyWarning)]
            if not noticed:
                raise
            raise HeaderError(path, problem(noticed[0])) from err
        except (OSError, EOFError, ValueError, LookupError, TypeError, AttributeError,
                fits.VerifyError) as err:  # fmt: skip
            noticed = [str(w.message) for w in caught if issubclass(w.category, AstropyWarning)]
            raise HeaderError(path, problem([*noticed, f"{type(err).__name__}: {err}"][0])) from err
    for warning in caught:
        if issubclass(warning.category, AstropyWarning):
            raise HeaderError(path, problem(str(warning.message)))


# ---------------------------------------------------------------- the astropy reader


def _check_structure(path: str, header: fits.Header, hdu: int) -> None:
    """Hold astropy's header to the fast reader's rules for the `_STRUCTURE` keywords."""
    seen: dict[str, object] = {}
    for name in header.keys():
        if name in _STRUCTURE:
            if name in seen:
                msg = f"repeated keyword in HDU #{hdu}: {name} appears more than once"
                raise HeaderError(path, msg)
            seen[name] = header[name]
    _data_size(path, seen, hdu)


def read_header(path: str | os.PathLike[str]) -> HeaderEvidence:
    """Read a FITS file's linkage keywords with astropy, touching no data but HDRTAB.

    Parameters
    ----------
    path : str or os.PathLike
        A FITS file.

    Returns
    -------
    HeaderEvidence
        `KEYWORDS` found in the primary header (blank and complex values left
        out), every ``R_*`` keyword with a string value, and the FILENAME
        column of an ``HDRTAB`` extension.

    Raises
    ------
    HeaderError
        The file is unreadable, not FITS, truncated or corrupt.
    """
    spath = os.fspath(path)
    with _readable(spath), Path(spath).open("rb") as fh:
        _check_signature(spath, fh.read(CARD_SIZE))
        fh.seek(0)
        # astropy builds a list of NAXISn before any check: NAXIS = 10**9 would hang it.
        _check_naxis(spath, _header_naxis(spath, fh, 0), 0)
    # Tile-compressed images stay the binary tables they are, as in the fast reader.
    options = {"lazy_load_hdus": True, "memmap": False, "disable_image_compression": True}
    with _readable(spath), _astropy_errors(spath), fits.open(spath, **options) as hdul:
        header = hdul[0].header
        _check_structure(spath, header, 0)
        keywords = {k: header[k] for k in KEYWORDS if k in header}
        refs: dict[str, object] = {}
        for card in header.cards:  # rawkeyword: a record-valued card's own keyword
            name = fits.Card.normalize_keyword(card.rawkeyword)
            if name.startswith(REFERENCE_PREFIX) and name not in refs:
                refs[name] = header.get(name)
        members: tuple[str, ...] | None = None
        for index in itertools.count(1):
            # The same check for each extension, before astropy reads its header
            # (hypothesis found the hang in an extension once the primary was safe).
            previous = hdul[index - 1].fileinfo()  # HDUList.fileinfo would read them all
            with _readable(spath), Path(spath).open("rb") as fh:
                fh.seek(previous["datLoc"] + previous["datSpan"])
                _check_naxis(spath, _header_naxis(spath, fh, index), index)
            try:
                hdu = hdul[index]  # reads the next header only now
            except IndexError:
                break
            first = hdu.header.cards[0].keyword
            if first != "XTENSION":
                msg = f"stray bytes after the last HDU: HDU #{index} starts {first!r}, not XTENSION"
                raise HeaderError(spath, msg)
            _check_structure(spath, hdu.header, index)
            if members is None and hdu.name.strip().upper() == HDRTAB:
                members = _hdrtab_members(spath, hdu.header["XTENSION"], hdu)
    return _evidence(spath, keywords, refs, members or ())


# ---------------------------------------------------------------- the fast reader


class _Source:
    """The file, read a run of whole blocks at a time."""

    def __init__(self, path: str, fd: int) -> None:
        self.path, self.fd, self.size = path, fd, os.fstat(fd).st_size
        self.start, self.buf = 0, os.pread(fd, _WINDOW, 0)

    def fail(self, problem: str) -> HeaderError:
        return HeaderError(self.path, problem)

    def header(
        self, offset: int, hdu: int, profile: fitscards.Profile
    ) -> tuple[list[dict[str, object]], int]:
        """Return the kept values of the header at ``offset`` and its padded length."""
        if not self.start <= offset <= self.start + len(self.buf) - BLOCK_SIZE:
            self.start, self.buf = offset, os.pread(self.fd, _WINDOW, offset)
        rel = offset - self.start
        if hdu and not self.buf.startswith(b"XTENSION= ", rel):
            self.check_xtension(offset, self.buf[rel : rel + CARD_SIZE])
        while True:
            end, hits = fitscards.find_end(_CLASSIFIER, self.buf, rel)
            if end >= 0 or self.start + len(self.buf) >= self.size:
                break
            more = 2 * (self.start + len(self.buf) - offset)  # a long header: read further
            self.start, self.buf, rel = offset, os.pread(self.fd, more, offset), 0
        where = f"the header of HDU #{hdu} (from byte {offset})"
        if end < 0 and (self.size - offset) % BLOCK_SIZE:
            msg = f"truncated file: it ends at byte {self.size}, inside a 2880-byte block of "
            raise self.fail(msg + f"{where}; expected whole blocks up to an END card")
        if end < 0:
            raise self.fail(_no_end(self.buf[rel:], offset, where, self.size))
        length = (end // 36 + 1) * BLOCK_SIZE
        raw = self.buf[rel : rel + length]
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError as err:
            msg = f"non-ASCII bytes in a header card: byte 0x{raw[err.start]:02x} at byte "
            msg += f"{offset + err.start} (HDU #{hdu}, card {err.start // CARD_SIZE + 1}); "
            raise self.fail(msg + "FITS headers are ASCII text") from err
        if raw.endswith(b"\0"):
            msg = f"NUL bytes in a header block: {where} is padded with NUL, not blanks"
            raise self.fail(msg)
        try:
            return fitscards.scan_header(profile, text, hits), length
        except CardError as err:
            where = f"byte {offset + err.offset} (HDU #{hdu}, card {err.offset // CARD_SIZE + 1})"
            msg = f"{err.kind} at {where}: {err.problem}"
            raise self.fail(msg) from err

    def check_xtension(self, offset: int, card: bytes) -> None:
        """Reject an extension header whose first card is not XTENSION (lower case will do)."""
        try:
            name = fitscards.card_keyword([card.decode("ascii")])[0]
        except (UnicodeDecodeError, CardError):
            name = ""
        if name != "XTENSION":
            msg = f"stray bytes after the last HDU: byte {offset} starts {describe_bytes(card)}"
            raise self.fail(msg + ", expected an XTENSION card or the end of the file")


def _no_end(buf: bytes, offset: int, where: str, size: int) -> str:
    """Why a header has no END card: a malformed one (astropy's END test), or none at all."""
    for at in range(0, len(buf) - CARD_SIZE + 1, CARD_SIZE):
        if buf.startswith(b"END", at) and buf[at + 3] not in _KEYWORD_CHARS:
            where += f", card {at // CARD_SIZE + 1} at byte {offset + at}"
            return f"malformed END card in {where}: expected END and 77 blanks"
    return f"missing END card: {where} runs to the end of the file at byte {size} without one"


def read_header_fast(path: str | os.PathLike[str]) -> HeaderEvidence:
    """Read a FITS file's linkage keywords without astropy: `read_header`, only faster.

    Header blocks are read a run at a time, only the cards jwlink keeps are
    parsed, and data are skipped by seeking (their size comes from BITPIX,
    NAXISn, PCOUNT and GCOUNT). astropy reads the ``HDRTAB`` table only.

    Parameters
    ----------
    path : str or os.PathLike
        A FITS file.

    Returns
    -------
    HeaderEvidence
        Exactly what `read_header` returns for the same file.

    Raises
    ------
    HeaderError
        The file is unreadable, not FITS, truncated or corrupt; the message
        says where (byte offset, HDU, card) and what was expected.
    """
    spath = os.fspath(path)
    with _readable(spath), _regular(spath) as handle:
        return _walk(_Source(spath, handle.fileno()))


def _walk(source: _Source) -> HeaderEvidence:
    """Read every header in turn; keep the primary's values and the HDRTAB rows."""
    size = source.size
    _check_signature(source.path, source.buf)
    keywords: dict[str, object] = {}
    refs: dict[str, object] = {}
    members: tuple[str, ...] | None = None
    offset = hdu = 0
    while offset < size:
        if hdu and size - offset < BLOCK_SIZE:
            problem = "stray bytes after the last HDU"
            if os.pread(source.fd, 8, offset) == b"XTENSION":
                problem = f"truncated file: the header of HDU #{hdu} is cut"
            msg = f"{problem}: {size - offset} bytes from byte {offset}, too few for a header"
            raise source.fail(msg + " block of 2880 bytes")
        if hdu == 0:
            (keywords, refs, sizes), length = source.header(offset, hdu, _PRIMARY)
            name = ""
        else:
            (names, sizes), length = source.header(offset, hdu, _EXTENSION)
            name = str(names.get("EXTNAME", "")).strip().upper()  # astropy's HDU name
        data = _data_size(source.path, sizes, hdu)
        if "BLANK" in sizes and (hdu == 0 or sizes.get("XTENSION") == "IMAGE"):
            blank, bitpix = sizes["BLANK"], sizes.get("BITPIX")
            if not isinstance(blank, int) or not (isinstance(bitpix, int) and bitpix > 0):
                msg = f"bad BLANK keyword: HDU #{hdu} has BLANK = {blank!r}, BITPIX = {bitpix!r};"
                raise source.fail(msg + " astropy wants an integer BLANK for integer images")
        end = -(-(offset + length + data) // BLOCK_SIZE) * BLOCK_SIZE
        if end > size:
            msg = f"truncated file: HDU #{hdu} declares {data} data bytes from byte "
            msg += f"{offset + length}, past the end of the file at byte {size} "
            raise source.fail(msg + "(a cut file, or an absurd NAXISn)")
        if name == HDRTAB and members is None:
            with _astropy_errors(source.path):  # astropy reads this one table
                raw = os.pread(source.fd, length + data, offset)
                xtension = sizes.get("XTENSION")
                table = fits.BinTableHDU.fromstring(raw) if xtension == "BINTABLE" else None
                members = _hdrtab_members(source.path, xtension, table)
        offset, hdu = end, hdu + 1
    return _evidence(source.path, keywords, refs, members or ())


def read(path: str | os.PathLike[str]) -> HeaderEvidence:
    """Read a FITS file's linkage evidence: the reader ingest calls (`read_header_fast`).

    Parameters
    ----------
    path : str or os.PathLike
        A FITS file.

    Returns
    -------
    HeaderEvidence
        Primary-header keywords, reference files and HDRTAB members.

    Raises
    ------
    HeaderError
        The file is unreadable, not FITS, truncated or corrupt.
    """
    return read_header_fast(path)

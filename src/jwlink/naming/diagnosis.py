"""Why a name is not a JWST name: the part at fault and what was expected.

Kept apart from `jwlink.naming.grammar` because it runs only on failure: it re-reads a
rejected name part by part to give the message a person can act on. It sits
below the grammar (the grammar imports it); the one thing it needs of the
grammar, whether the lower-case spelling of a name would match, is handed to
`reason` as a function.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from jwlink.errors import InvalidName
from jwlink.naming.patterns import ACID, MISPLACED_THUMB, SOURCE, STAMP, SUFFIX
from jwlink.naming.suffixes import (
    ASN_TYPES,
    DETECTORS,
    EXTENSIONS,
    GS_KINDS,
    GUIDESTAR_SUFFIXES,
    INSTRUMENT_ABBREVIATIONS,
    INSTRUMENTS,
    SUFFIX_INFO,
)

__all__ = ["bad_acid", "reason", "unknown_extension"]

_UPPER = re.compile(r"[^_.-]*[A-Z][^_.-]*")
_WHO = re.compile(rf"(?:t\d{{1,4}}(?:-(?:{SOURCE}))?|{SOURCE})(?:-epoch\d+)?", re.ASCII)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CRDS_EXTENSIONS = ("fits", "asdf", "json", "pmap", "imap", "rmap")
_ALL_INSTRUMENTS = INSTRUMENTS + tuple(INSTRUMENT_ABBREVIATIONS)


def unknown_extension(ext: str, expected: tuple[str, ...]) -> str:
    """Return the message for an extension outside ``expected``."""
    return f"unknown extension '{ext}' (expected {', '.join(expected)})"


def bad_acid(acid: str) -> str:
    """Return the message for a malformed ACID (association candidate id)."""
    return f"ACID must be oNNN, cNNNN, aNNNN or rNNNN (e.g. o001, c1000, a3001), got '{acid}'"


def _bad_suffix(suffix: str) -> str:
    what = "suffix must be lower-case words of letters and digits joined by _ or -"
    return f"{what} (e.g. cal, assign_wcs, ami-oi), got '{suffix}'"


def _is(pattern: str, text: str) -> bool:
    return re.fullmatch(pattern, text, re.ASCII) is not None


def reason(name: str, match: Callable[[str], object]) -> str:
    """Say which part of a name that matched no pattern is wrong, and what was expected.

    Parameters
    ----------
    name : str
        A name no pattern of the grammar matched.
    match : callable
        The grammar's matcher: returns the parsed name or None, and may raise
        `InvalidName`; used to tell whether the lower-case spelling is valid.

    Returns
    -------
    str
        The part at fault and what was expected there.
    """
    # Full-width digits, look-alike letters, invisible marks: say which, as
    # they print like (or as nothing but) the ASCII a JWST name is made of.
    if (other := _NON_ASCII.search(name)) is not None:
        char = other[0]
        what = unicodedata.name(char, "unnamed character")
        return (f"non-ASCII character {char!r} (U+{ord(char):04X} {what}) at position "
                f"{other.start()}: JWST names are ASCII")  # fmt: skip
    # The T of a pool or OSF time stamp is the only upper case a valid name has.
    upper = _UPPER.search(re.sub(r"(?<=\d)T(?=\d)", "t", name))
    if upper is not None:
        try:
            fixed = match(name.lower())
        except InvalidName:
            fixed = None
        hint = f"; in lower case it would be valid: '{fixed}'" if fixed else ""
        return f"upper case '{upper[0]}': JWST names are lower case{hint}"
    stem, dot, ext = name.rpartition(".")
    stem, ext = (stem, ext) if dot else (name, "")
    if name.startswith("jwst_"):
        if ext not in _CRDS_EXTENSIONS:
            return unknown_extension(ext, _CRDS_EXTENSIONS)
        return ("CRDS names are jwst_<instrument>_<reftype>_<serial number>.fits|asdf|json, "
                "or contexts jwst_[<instrument>_[<reftype>_]]<nnnn>.pmap|imap|rmap")  # fmt: skip
    if name[:1].isdigit():
        return "engineering names look like <yyyydddThhmmssfff>_<nnn>_osf.xml"
    if not name.startswith("jw"):
        return f"must start with 'jw' (JWST products) or 'jwst_' (CRDS files), got '{name}'"
    pool = stem.endswith("_pool") or ext == "csv"
    if dot and ext not in (expected := ("csv",) if pool else EXTENSIONS):
        return unknown_extension(ext, expected)
    if stem.endswith("_thumb"):
        return MISPLACED_THUMB
    if name.startswith("jw_"):
        return "dummy names are jw_<nnnnn>[_<suffix>][.<ext>] with a 5-digit number"
    digits = re.split(r"[_.-]", stem[2:], maxsplit=1)[0]
    rest = stem[2 + len(digits) :]
    if not _is(r"\d{5}", digits[:5]) or (len(digits) != 5 and (pool or rest[:1] == "-")):
        return f"program must be 5 digits after 'jw', got '{digits}'"
    if not _is(r"\d{5}(?:\d{6})?", digits):
        msg = "observation and visit must be 3 digits each after the program"
        return f"{msg} (jw<ppppp><ooo><vvv>), got '{digits[5:]}'"
    if pool:
        return "pool names are jw<ppppp>[_<ooo>]_<yyyymmddThhmmss>_pool[.csv]"
    if len(digits) == 5:
        return _product_reason(stem, rest)
    return _visit_reason(rest[1:].split("_"))


def _product_reason(stem: str, rest: str) -> str:
    """Diagnose ``jw<ppppp>-<acid>_...``: a stage-3 or an association name."""
    if not rest.startswith("-"):
        return f"ACID missing: expected jw<ppppp>-<acid>_... (e.g. jw87800-o017_...), got '{stem}'"
    acid, _, after = rest[1:].partition("_")
    if not _is(ACID, acid):
        return bad_acid(acid)
    tokens = after.split("_")
    if stem.endswith("_asn"):
        tokens = tokens[1:-1] if _is(STAMP, tokens[0]) else tokens[:-1]
        if tokens and tokens[0] not in ASN_TYPES:
            expected = ", ".join(sorted(ASN_TYPES))
            return f"unknown asn_type '{tokens[0]}' (expected one of {expected})"
        return "association names are jw<ppppp>-<acid>[_<stamp>]_<asn_type>_<nnnnn>_asn.json"
    if not _WHO.fullmatch(tokens[0]):
        what = "target/source must be tNNN, sNNNNNNNNN (or b/v), tNNN-sNNNNNNNNN or {source_id}"
        return f"{what}, optionally with -epochN, got '{tokens[0]}'"
    if (instrument := (tokens + [""])[1]) not in _ALL_INSTRUMENTS:
        return f"instrument must be one of {', '.join(_ALL_INSTRUMENTS)}, got '{instrument}'"
    rest = "_".join(tokens[2:])
    # The last word that is not an optical element: blame the suffix if only it is bad.
    head, _, last = rest.rpartition("_")
    if head and _is(r"[a-z0-9{}_-]*[a-z0-9}]", head) and "__" not in head:
        return _bad_suffix(last)
    what = "optical elements and suffix must be lower-case letters and digits joined by - or _"
    return f"{what}, got '{rest}'"


def _visit_reason(tokens: list[str]) -> str:
    """Diagnose ``jw<ppppp><ooo><vvv>_...``: exposure, guide-star or MSA names."""
    first, exposure, detector = (tokens + ["", ""])[:3]
    if first.startswith("gs-"):
        if first[3:] not in GS_KINDS:
            return f"guide-star kind must be one of {', '.join(GS_KINDS)}, got '{first[3:]}'"
        if not _is(r"\d{13}|\d{1,2}", ident := exposure.partition("-seg")[0]):
            return f"guide-star id must be a 13-digit stamp or an attempt number, got '{ident}'"
        what = ", ".join(sorted(GUIDESTAR_SUFFIXES))
        form = "guide-star names end in [_image|_stacked][_<suffix>][.fits]"
        return f"{form}, suffix one of {what} (raw data or calwebb_guider output), " + (
            f"got '{'_'.join(tokens[2:])}'")  # fmt: skip
    if tokens[-1] == "msa":
        return "MSA metadata names are jw<ppppp><ooo><vvv>_<nn>_msa.fits"
    if not _is(r"\d{3}[0-9a-z]{2}", first):
        msg = "visit group, parallel sequence and activity must be <gg><s><aa> like 02101"
        return f"{msg}, got '{first}'"
    number, seg, segment = exposure.partition("-seg")
    if not _is(r"\d{5}", number):
        return f"exposure number must be 5 digits, got '{number}'"
    if (seg and not _is(r"\d{3}", segment)) or exposure.count("-") > 1:
        return f"segment must be -segNNN after the exposure number, got '{exposure[5:]}'"
    if not detector or detector in SUFFIX_INFO or _is(ACID, detector):
        return f"detector part missing after exposure number (got '{detector}')"
    if detector not in DETECTORS:
        return f"unknown detector '{detector}' (expected one of {', '.join(sorted(DETECTORS))})"
    extra = tokens[3:] or [""]
    if _is(ACID, extra[0]):
        extra = extra[1:] or [""]  # a valid ACID: what is wrong comes after it
        if _is(r"[acor]\d+", extra[0]):
            return f"a second ACID '{extra[0]}' after '{tokens[3]}': a name carries one ACID"
    elif _is(r"[acor]\d+", extra[0]):
        return bad_acid(extra[0])
    suffix = "_".join(extra)
    if not _is(SUFFIX, suffix):
        return _bad_suffix(suffix)
    return f"unexpected '{suffix}' after the detector (expected [_<acid>][_<suffix>])"

"""Fast, exact reading of the FITS header cards jwlink keeps.

A FITS header is a run of 80-character cards in 2880-byte blocks closed by an
``END`` card (FITS Standard 4.0, sections 3.3.1, 4.1, 4.4). Instead of one
astropy ``Card`` per card, `Classifier` sorts cards by their first ten bytes
(learned once per distinct field), so that only kept, ``END`` and unusual cards
reach Python code, and `scan_header` parses the kept ones: fixed-format values
with a short regular expression, anything else (``''`` escapes, ``CONTINUE``,
``HIERARCH``, record-valued cards, ``D`` exponents, blank values, lower case)
with `card_value`, which follows astropy 8 rule for rule (``astropy/io/fits/
card.py``, ``header.py``; BSD-3-Clause) so that both jwlink readers agree.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Collection, Sequence
from itertools import compress

__all__ = ["BLOCK_SIZE", "CARD_SIZE", "CardError", "Classifier", "Kind", "Profile",
           "card_keyword", "card_value", "find_end", "scan_header"]  # fmt: skip

CARD_SIZE = 80
BLOCK_SIZE = 2880
END_CARD = "END" + " " * 77
CONTINUE = "CONTINUE"

# astropy's value grammar, verbatim (Card._value_NFSC_RE and friends): being
# exactly as lenient and as strict as astropy is what lets both readers agree.
_DIGITS = r"(\.\d+|\d+(\.\d*)?) *([deDE] *[+-]? *\d+)?"
_NUMR = r"[+-]? *" + _DIGITS
_NUMBER_RE = re.compile(rf"(?P<sign>[+-])? *0*?(?P<digt>{_DIGITS})")
_STRG = r"\'(?P<strg>([ -~]+?|\'\'|) *?)\'(?=$|/| )"
_COMM_FIELD = r"(?P<comm_field>(?P<sepr>/ *)(?P<comm>(.|\n)*))"
_STRG_COMMENT_RE = re.compile(f"({_STRG})? *{_COMM_FIELD}?$")
_VALUE_RE = re.compile(
    rf"(?P<value_field> *(?P<value>{_STRG}|(?P<bool>[FT])|(?P<numr>{_NUMR})|"
    rf"(?P<cplx>\( *(?P<real>{_NUMR}) *, *(?P<imag>{_NUMR}) *\)))? *){_COMM_FIELD}?$"
)
# Record-valued keyword cards (FITS WCS Paper IV draft): DP1 = 'AXIS.1: 1'.
_RVKC_ID = r"[a-zA-Z_]\w*"
_RVKC_SPEC = rf"{_RVKC_ID}(\.\d+)?(\.{_RVKC_ID}(\.\d+)?)*"
_RVKC_VALUE_RE = re.compile(
    rf" *\'(?P<rawval>(?P<keyword>{_RVKC_SPEC}): +(?P<val>[+-]?(\.\d+|\d+(\.\d*)?)"
    r"([DE][+-]?\d+)?))\' *(/ *(?P<comm>[ -~]*))?$"
)
_RVKC_NAME_RE = re.compile(rf"(?P<keyword>{_RVKC_ID})\.(?P<field>{_RVKC_SPEC})$")
_FSC_KEYWORD_RE = re.compile(r"[A-Z0-9_-]{0,8}")
_FIX_FP = str.maketrans("dD", "eE", " ")
_SPECIAL = frozenset({"", "COMMENT", "HISTORY", "END", CONTINUE})
_END_BYTES = END_CARD.encode("ascii")

# Fixed-format values, what real headers are made of, read from column 10 (the
# blank after '='): a quote-free string not led by a blank, an empty string with
# no quote after it, an integer, a real or a logical; then only blanks and a
# comment. For these the regular expression and astropy's grammar agree.
_FIXED_VALUE_RE = re.compile(
    r" (?:'([!-&(-~](?:[ -&(-~]*[!-&(-~])?) *'|('')(?=[^']*$)"
    r"| *(?:([+-]?\d+)|([+-]?(?:\d+\.\d*|\.\d+)(?:[Ee][+-]?\d+)?)|([TF])))(?= *(?:/|$))"
)
# A standard keyword field, upper case and blank-padded, with '= ' in columns 9-10.
_STANDARD_RE = re.compile(r"[A-Z0-9_-]+ *= ")
_KEYS = struct.Struct("10s70x" * (BLOCK_SIZE // CARD_SIZE))  # columns 1-10 of a block's cards
Kind = int | str  # a kept keyword's name, _END, _CHECK, or 0: nothing to see here
_END, _CHECK = 1, 2
_MAX_LEARNED = 1 << 16  # fields remembered; past this, new ones are classified every time


class CardError(ValueError):
    """A card cannot be read; ``kind`` names the problem, ``offset`` is the card's offset."""

    def __init__(self, problem: str, kind: str = "unparseable card", offset: int = 0) -> None:
        super().__init__(problem)
        self.problem, self.kind, self.offset = problem, kind, offset


# ---------------------------------------------------------------- astropy's rules


def _parse_keyword(image: str) -> tuple[str, bool, str | None]:
    """Return astropy's keyword for a card (``Card._parse_keyword``), HIERARCH, RVKC value."""
    keyword = image[:8].strip()
    upper = keyword.upper()
    if upper in _SPECIAL:
        return upper, False, None
    if upper == "HIERARCH" and image[8:9] == " " and "=" in image:
        return image.split("=", 1)[0][9:].strip(), True, None
    at = image.find("= ")
    if 0 <= at <= 8:
        return upper[:at], False, _rvkc_raw(image[at + 2 :])
    # The card is not quoted (nor below): a message never shows a file's bytes.
    msg = "the card has no '= ' in columns 9-10 and is not a commentary card"
    raise CardError(msg, "invalid card")


def _rvkc_raw(rest: str) -> str | None:
    """Return the raw ``'field: value'`` of a record-valued keyword card, else None."""
    rest = rest.lstrip()
    if not rest or rest[0] != "'" or rest.find(": ") < 2:
        return None
    match = _RVKC_VALUE_RE.match(rest)
    return match["rawval"] if match else None


def _normalize(keyword: str) -> str:
    """Return the name a header lookup uses (astropy ``Card.normalize_keyword``)."""
    if len(keyword) <= 8 and _FSC_KEYWORD_RE.fullmatch(keyword):
        return keyword
    match = _RVKC_NAME_RE.match(keyword)
    if match:
        return f"{match['keyword'].strip().upper()}.{match['field']}"
    if len(keyword) > 9 and keyword[:9].upper() == "HIERARCH ":
        return keyword[9:].strip().upper()
    return keyword.strip().upper()


def card_keyword(images: Sequence[str]) -> tuple[str, bool]:
    """Return the name a header lookup finds a card under, and whether it is record-valued.

    Parameters
    ----------
    images : sequence of str
        The card's 80-character image, then its ``CONTINUE`` cards.

    Returns
    -------
    tuple of (str, bool)
        The normalised keyword (``COMMENT``, ``''``... for commentary), and
        True for a record-valued card: astropy returns it for its keyword
        only when no ordinary card has that keyword.

    Raises
    ------
    CardError
        The card has no value indicator and is not commentary.
    """
    keyword, _, raw = _parse_keyword("".join(images))
    return (keyword, True) if raw is not None else (_normalize(keyword), False)


def _split(image: str, keyword: str, hierarch: bool) -> str:
    """Return the stripped value and comment of one image (astropy ``Card._split``)."""
    if keyword in _SPECIAL:
        parts = image.split(" ", 1)
        if len(parts) < 2:
            msg = f"the {keyword} card has no blank after the keyword"
            raise CardError(msg, "invalid card")
        return parts[1].strip()
    indicator = "=" if hierarch else "= "
    at = image.find(indicator)
    if at < 0 or (at > 10 and image[:9] != "HIERARCH "):
        return image[8:].strip()
    return image[at + len(indicator) :].strip()


def _number(text: str) -> int | float:
    match = _NUMBER_RE.match(text)
    if match is None:  # pragma: no cover - _VALUE_RE matched the same grammar
        msg = f"cannot read a value of {len(text)} characters as a number"
        raise CardError(msg)
    digits = (match["sign"] or "") + match["digt"].translate(_FIX_FP)
    try:
        return int(digits)
    except ValueError:
        return float(digits)


def _value(valuecomment: str) -> object:
    """Return a value as astropy's ``Card.value`` does (``_parse_value``, then ``rstrip``)."""
    match = _VALUE_RE.match(valuecomment)
    if match is None:
        msg = "the value is not a quoted string, T/F, an integer or a real"
        raise CardError(msg)
    if match["bool"] is not None:
        return match["bool"] == "T"
    if match["strg"] is not None:
        return match["strg"].replace("''", "'").rstrip()
    if match["numr"] is not None:
        return _number(match["numr"])
    if match["cplx"] is not None:
        return _number(match["real"]) + _number(match["imag"]) * 1j
    return None  # a blank value: astropy's UNDEFINED, which Header lookups give as None


def _long_split(images: Sequence[str]) -> str:
    """Return the value and comment of a continued card (astropy ``Card._split``)."""
    values: list[str] = []
    comments: list[str] = []
    for image in images:
        keyword, hierarch, raw = _parse_keyword(image)
        valuecomment = _split(image, keyword, hierarch)
        if raw is not None or not isinstance(_value(valuecomment), str):
            msg = "CONTINUE convention broken: the values of a continued card must be strings"
            raise CardError(msg)
        match = _STRG_COMMENT_RE.match(valuecomment)
        if match is None:
            return valuecomment
        value = (match["strg"] or "").rstrip()
        values.append(value[:-1] if value.endswith("&") else value)
        if match["comm"]:
            comments.append(match["comm"].rstrip())
    return f"'{''.join(values)}' / {' '.join(comments)}"


def card_value(images: Sequence[str]) -> tuple[object, bool]:
    """Return the value astropy's ``Header[keyword]`` gives for one logical card.

    Parameters
    ----------
    images : sequence of str
        The card's 80-character image, then its ``CONTINUE`` cards.

    Returns
    -------
    tuple of (object, bool)
        The value (str, bool, int, float, complex, None if blank) and whether
        the card is record-valued (its value is then the raw string).

    Raises
    ------
    CardError
        The card breaks the grammar astropy accepts.
    """
    image = "".join(images)
    keyword, hierarch, raw = _parse_keyword(image)
    if raw is not None:
        return raw, True
    if len(images) > 1:
        return _value(_long_split(images)), False
    return _value(_split(image, keyword, hierarch)), False


# ---------------------------------------------------------------- the fast scan


class Classifier(dict[bytes, Kind]):
    """The kind of a card from its columns 1-10, learned once per distinct field.

    Kinds: the kept keyword's name; `_END` (``END`` and blanks: it may end
    the header); `_CHECK` (anything unusual, such as lower case, ``HIERARCH``
    or no ``= ``, which `scan_header` resolves with astropy's rules); 0
    (commentary, ``CONTINUE``, a standard keyword nobody keeps).

    Parameters
    ----------
    wanted : collection of str
        Keywords some reader keeps.
    prefix : str
        Keywords starting with it are kept too (``R_``).
    """

    def __init__(self, wanted: Collection[str], prefix: str) -> None:
        super().__init__()
        self.wanted = frozenset(wanted)
        self.prefix = prefix

    def __missing__(self, field: bytes) -> Kind:
        text = field.decode("latin-1")
        kind: Kind = _CHECK
        if text == END_CARD[:10]:
            kind = _END
        elif text[:8].strip().upper() in _SPECIAL:
            kind = 0
        elif _STANDARD_RE.fullmatch(text):
            name = text[:8].rstrip(" ")
            kind = name if name in self.wanted or name.startswith(self.prefix) else 0
        if len(self) < _MAX_LEARNED:
            self[field] = kind
        return kind


def find_end(classifier: Classifier, buf: bytes, start: int) -> tuple[int, list[tuple[int, Kind]]]:
    """Find the END card of the header at ``buf[start:]``, in whole blocks only.

    As in astropy's header parser, the header ends at the first card that is
    exactly ``END`` and 77 blanks; other ``END`` cards before it are commentary.

    Parameters
    ----------
    classifier : Classifier
        Kinds of the cards.
    buf : bytes
        Bytes read from the file.
    start : int
        Offset of the header in ``buf``.

    Returns
    -------
    tuple of (int, list)
        The END card's index in the header (-1 if ``buf`` ends first), and
        the index and kind of every card before it that needs a look.
    """
    hits: list[tuple[int, Kind]] = []
    kind_of = classifier.__getitem__
    end = _END_BYTES
    first = 0
    for block in range(start, len(buf) - BLOCK_SIZE + 1, BLOCK_SIZE):
        kinds = list(map(kind_of, _KEYS.unpack_from(buf, block)))
        for index in compress(range(36), kinds):
            if kinds[index] != _END:
                hits.append((first + index, kinds[index]))
            elif buf.startswith(end, block + index * CARD_SIZE):
                return first + index, hits
        first += 36
    return -1, hits


class Profile:
    """What one kind of header keeps, in slots: each a set of names or a name prefix.

    Parameters
    ----------
    *slots : set of str or str
        `scan_header` returns one dict per slot.
    unique : collection of int
        Slots whose keywords may appear once only (astropy sizes data from the
        last card of a keyword but reads the first: repeats are ambiguous).
    """

    def __init__(self, *slots: Collection[str] | str, unique: Collection[int] = ()) -> None:
        self.slots = slots
        self.unique = frozenset(unique)
        self.routes: dict[str, int] = {}

    def route(self, name: str) -> int:
        """Return the slot that keeps ``name``, or -1 (remembered in `routes`)."""
        slot = -1
        for index, keep in enumerate(self.slots):
            if name.startswith(keep) if isinstance(keep, str) else name in keep:
                slot = index
                break
        if len(self.routes) < _MAX_LEARNED:
            self.routes[name] = slot
        return slot


def _images(text: str, at: int) -> list[str]:
    """Return the card at ``text[at:]`` and the CONTINUE cards astropy attaches to it."""
    images = [text[at : at + CARD_SIZE]]
    at += CARD_SIZE
    while text.startswith(CONTINUE, at):
        images.append(text[at : at + CARD_SIZE])
        at += CARD_SIZE
    return images


def _continued(text: str) -> set[int]:
    """Return the indices of the cards followed by a CONTINUE card (astropy joins those)."""
    owners: set[int] = set()
    at = text.find(CONTINUE)
    while at >= 0:
        if at % CARD_SIZE == 0:
            owners.add(at // CARD_SIZE - 1)
        at = text.find(CONTINUE, at + 1)
    return owners


def _repeated(name: str) -> None:
    msg = f"{name} appears more than once"
    raise CardError(msg, "repeated keyword")


def scan_header(
    profile: Profile, text: str, hits: Sequence[tuple[int, Kind]]
) -> list[dict[str, object]]:
    """Return the kept cards of one header as astropy's ``Header[name]`` gives them.

    Parameters
    ----------
    profile : Profile
        What to keep.
    text : str
        The header's ASCII text.
    hits : sequence of (int, kind)
        From `find_end`: the cards before END that need a look.

    Returns
    -------
    list of dict
        One dict per slot of ``profile``, name to value (None if blank). The
        first ordinary card of a name wins; record-valued cards count only
        when there is none.

    Raises
    ------
    CardError
        A kept card breaks the grammar, or an unusual card is invalid.
    """
    found: list[dict[str, object]] = [{} for _ in profile.slots]
    record_valued: list[dict[str, object]] = [{} for _ in profile.slots]
    routes, continued, fixed = profile.routes, _continued(text), _FIXED_VALUE_RE.match
    for index, kind in hits:
        at = index * CARD_SIZE
        try:
            name = kind if isinstance(kind, str) else card_keyword(_images(text, at))[0]
            slot = routes.get(name)
            if slot is None:
                slot = profile.route(name)
            if slot < 0:
                continue
            if name in found[slot]:
                if slot in profile.unique:
                    _repeated(name)
                continue
            # The hot path, inlined: a standard card with a fixed-format value.
            match = fixed(text, at + 9, at + CARD_SIZE) if kind is name else None
            if match is not None and index not in continued:
                string, empty, integer, real, logical = match.groups()
                if integer or real or logical:
                    found[slot][name] = (
                        int(integer) if integer else float(real) if real else logical == "T"
                    )
                    continue
                if not string or ": " not in string:  # else it may be record-valued
                    found[slot][name] = string or ""
                    continue
            value, rvkc = card_value(_images(text, at))
        except CardError as err:
            raise CardError(err.problem, err.kind, at) from err
        (record_valued if rvkc else found)[slot].setdefault(name, value)
    for slot, extra in enumerate(record_valued):
        for name, value in extra.items():
            found[slot].setdefault(name, value)
    return found

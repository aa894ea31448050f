"""What a file name says, for any name: the parsed value, or a best guess (pure: no I/O).

`describe` is the ingest pipeline's one entry into the grammar: it parses a
name once into a `NameInfo`, which carries the `FileName` (for names in the
grammar) and everything the linker needs, so nothing downstream parses the
string again. Names the linker derives from a parsed one (``_cal`` ->
``_rate``) get theirs from `info_of`, without parsing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from jwlink.core.model import Level, ProductType
from jwlink.core.values import ByValues
from jwlink.errors import InvalidName
from jwlink.naming.grammar import FileName, Form, check_characters, parse
from jwlink.naming.suffixes import SUFFIXES

__all__ = ["CACHED_NAMES", "NameInfo", "describe", "info_of"]


@dataclass(frozen=True, slots=True)
class NameInfo(ByValues):
    """What can be said about any file name, valid or not (see `describe`).

    ``parsed`` is the `FileName` of a name in the grammar, None otherwise.
    Two values are equal when their names are: the rest follows from the name.
    """

    name: str
    form: Form | None = field(compare=False)
    obs_id: str | None = field(compare=False)
    level: Level | None = field(compare=False)
    product_type: ProductType = field(compare=False)
    suffix: str | None = field(compare=False)
    extension: str | None = field(compare=False)
    program: str | None = field(compare=False)
    visit_id: str | None = field(compare=False)
    suffix_known: bool = field(default=True, compare=False)
    parsed: FileName | None = field(default=None, compare=False, repr=False)


# Cached: the linker derives the same names (an exposure's _rate, _uncal) from
# every file of the exposure it reads. Those repeats are near one another
# (one exposure, one observation): 8,192 names hold them, where 65,536 held
# some 200 MB in an ingest of a 200,000-member association for no gain.
CACHED_NAMES = 1 << 13


@functools.lru_cache(maxsize=CACHED_NAMES)
def info_of(fn: FileName) -> NameInfo:
    """Return the `NameInfo` of a parsed name, without parsing anything.

    Parameters
    ----------
    fn : FileName
        A parsed (or derived: ``fn.with_suffix("cal")``) name.

    Returns
    -------
    NameInfo
        The same as ``describe(str(fn))``.
    """
    level, product_type = fn.classification()
    return NameInfo(str(fn), fn.form, fn.obs_id, level, product_type, fn.suffix,
                    fn.extension, fn.program, fn.visit_id, fn.suffix_known, fn)  # fmt: skip


@functools.lru_cache(maxsize=CACHED_NAMES)
def describe(name: str) -> NameInfo:
    """Describe a file name leniently: exact for valid names, a best guess otherwise.

    Parameters
    ----------
    name : str
        Any bare file name, e.g. ``test_lrs1_rate.fits`` or a 2015-era
        ``..._MIRIM_image_uncal.fits``.

    Returns
    -------
    NameInfo
        For a name `parse` rejects: ``form``, ``obs_id``, ``program`` and
        ``parsed`` are None, the extension is the text after the last dot and
        the suffix the last ``_`` word of the stem when it is a known suffix.

    Raises
    ------
    InvalidName
        Only for an empty name, or one with path separators, control
        characters or undecodable bytes (not valid UTF-8).
    """
    check_characters(name)
    try:
        fn = parse(name)
    except InvalidName:
        return _guess(name)
    return info_of(fn)


# A multi-word suffix (badpix_selfcal_bkg) before any shorter one it ends with.
_LONGEST_FIRST = sorted(SUFFIXES, key=len, reverse=True)


def _guess(name: str) -> NameInfo:
    stem, dot, ext = name.lower().rpartition(".")
    stem, extension = (stem, ext or None) if dot else (name.lower(), None)
    thumbnail = extension in ("jpg", "png") and stem.endswith("_thumb")
    stem = stem.removesuffix("_thumb") if thumbnail else stem
    suffix = next((s for s in _LONGEST_FIRST if stem.endswith("_" + s)), None)
    level, product_type = SUFFIXES.get(suffix or "", (None, ProductType.AUXILIARY))
    if extension in ("jpg", "png"):
        product_type = ProductType.THUMBNAIL if thumbnail else ProductType.PREVIEW
    return NameInfo(name, None, None, level, product_type, suffix, extension, None, None)

"""Splitting the parts of a name that its regex alone leaves ambiguous (used by `grammar`).

Stage-3 names end in ``<optelems>_<suffix>[-<act_id>]`` where both optical
elements and suffixes may contain ``_``; CRDS names in ``<instrument>_<reftype>``
words. Both are settled here with the suffix table and the instrument list.
"""

from __future__ import annotations

import re

from jwlink.errors import InvalidName
from jwlink.naming.patterns import ACT_ID, SUFFIX
from jwlink.naming.suffixes import INSTRUMENTS, SUFFIX_INFO

__all__ = ["split_crds", "split_stage3"]


def split_stage3(name: str, fields: dict[str, str]) -> None:
    """Split ``<optelems>_<suffix>[-<act_id>]``, which the grammar alone leaves ambiguous.

    Optical elements may contain ``_`` (documentation examples), suffixes may
    too (``flat_field``), and product names have no suffix. The longest run of
    trailing ``_`` words that is a known suffix (or the ``{suffix}``
    placeholder) is the suffix; failing that, the last word is an unknown
    suffix if the name has an extension and something before that word (a
    file always has a suffix), together with a known suffix just before it
    (``x1d_ref``); else there is no suffix.
    """
    if "fs_source" in fields:
        fields["source"] = fields.pop("fs_source")
    if (rest := fields.pop("rest", None)) is None:
        return
    act = ACT_ID.search(rest)
    words = (rest[: act.start()] if act else rest).split("_")
    for k in range(min(_MAX_SUFFIX_WORDS, len(words)), 0, -1):
        candidate = "_".join(words[-k:])
        if candidate in SUFFIX_INFO or candidate == "{suffix}":
            break
    else:
        k = 1 if "extension" in fields and len(words) > 1 else 0
        # An unknown last word after a known suffix (x1d_ref) extends that suffix.
        k += next((j for j in range(min(_MAX_SUFFIX_WORDS, len(words) - 1), 0, -1)
                   if k and "_".join(words[-1 - j : -1]) in SUFFIX_INFO), 0)  # fmt: skip
    suffix = "_".join(words[-k:]) if k else ""
    if suffix == "{suffix}" or re.fullmatch(SUFFIX, suffix, re.ASCII):
        parts = {"optelems": "_".join(words[:-k]), "suffix": suffix,
                 "act_id": act["act_id"] if act else ""}  # fmt: skip
        fields.update({key: v for key, v in parts.items() if v})
    else:
        fields["optelems"] = rest
    if "{suffix}" in fields.get("optelems", ""):
        raise InvalidName(name, "placeholder '{suffix}' belongs in the suffix position only")


_MAX_SUFFIX_WORDS = max(s.count("_") + 1 for s in SUFFIX_INFO)


def split_crds(name: str, form: str, fields: dict[str, str]) -> None:
    """Split CRDS ``words`` into instrument and reference type; check what each form needs."""
    words = fields.pop("words").split("_") if "words" in fields else []
    if words and words[0] in INSTRUMENTS:
        fields["instrument"] = words.pop(0)
    if words:
        fields["reftype"] = "_".join(words)
    if form == "reference" and "reftype" not in fields:
        msg = "reference type missing: expected jwst_<instrument>_<reftype>_<nnnn>"
        raise InvalidName(name, msg)
    # A pipeline context covers everything; instrument and type contexts name theirs.
    named = "instrument" in fields or bool(words)
    if form == "context" and (fields["extension"] == "pmap") == named:
        msg = (
            "a .pmap context is jwst_<nnnn>.pmap; .imap/.rmap contexts name the instrument "
            "(and type): jwst_nircam_0300.imap, jwst_nircam_dark_0100.rmap"
        )
        raise InvalidName(name, msg)

"""The JWST file-name grammar as data: one named-group regex per name form.

Kept apart from `jwlink.naming.grammar` (which turns matches into value objects) so
the patterns read as the specification they are: ``jwst-data.md`` §1.5, §1.6
and §2.5, one component per line.
"""

from __future__ import annotations

import re

from jwlink.naming.suffixes import (
    ASN_TYPES,
    DETECTORS,
    EXTENSIONS,
    FIXED_SLITS,
    GS_KINDS,
    GUIDESTAR_SUFFIXES,
    INSTRUMENT_ABBREVIATIONS,
    INSTRUMENTS,
)

__all__ = [
    "ACID",
    "ACT_ID",
    "BAD_CHARS",
    "MISPLACED_THUMB",
    "PATTERNS",
    "SLIT",
    "SOURCE",
    "STAMP",
    "SUFFIX",
    "THUMB",
]


# Fragments shared by several patterns; re.ASCII keeps \d from matching
# non-ASCII digits, which would parse but never match an archive name.
ACID = r"o\d{3}|[acr]\d{4}"
# A suffix is lower-case words joined by "_" or "-": the pipeline writes
# assign_wcs, badpix_selfcal_bkg, ami-oi, calwebb_wfs-image3 (jwlink.naming.suffix_table).
SUFFIX = r"[a-z0-9]+(?:[-_][a-z0-9]+)*"
# After the detector, a word that starts like an ACID (o01, c100) is a
# malformed ACID, not the first word of a suffix.
_EXP_SUFFIX = rf"(?![acor]\d+(?![a-z0-9])){SUFFIX}"
# Source ids: 9 digits in the code, 8 in some docs, 5 (jwql) and 4
# ("jw00042-o001_s0002_niriss_...", docs calwebb_spec3.rst of 0.16 to 1.5).
SOURCE = r"[sbv]\d{4,9}|\{source_id\}"
_EXT = "|".join(EXTENSIONS)
STAMP = r"\d{8}[tT]\d{6}"
_TAIL = rf"(?:_(?P<suffix>{_EXP_SUFFIX}))?(?:\.(?P<extension>{_EXT}))?"
_GS_SUFFIX = "|".join(GUIDESTAR_SUFFIXES)

# Name form (a `jwlink.naming.grammar.Form` value) -> its pattern, tried in this order.
PATTERNS: dict[str, str] = {
    "association": (
        r"jw(?P<program>\d{5})"
        rf"-(?P<acid>{ACID})"
        rf"(?:_(?P<stamp>{STAMP}))?"
        rf"_(?P<asn_type>{'|'.join(ASN_TYPES)})"
        # A letter may follow the counter (jw01386-c1020_..._coron3_002a_asn.json,
        # a jwst regression-test association).
        r"_(?P<sequence>\d{3,5}[a-z]?)"
        r"_(?P<suffix>asn)(?:\.(?P<extension>json))?"  # no extension: Association.asn_name
    ),
    "pool": (
        r"jw(?P<program>\d{5})"
        r"(?:_(?P<observation>\d{3}))?"
        rf"_(?P<stamp>{STAMP})"
        r"_(?P<suffix>pool)(?:\.(?P<extension>csv))?"
    ),
    "guidestar": (
        r"jw(?P<program>\d{5})"
        r"(?P<observation>\d{3})"
        r"(?P<visit>\d{3})"
        rf"_gs-(?P<gs_kind>{'|'.join(GS_KINDS)})"
        r"_(?P<gs_id>\d{13}|\d{1,2})"  # yyyydddhhmmss time stamp, or attempt number
        r"(?:-seg(?P<segment>\d{3}))?"
        # ID products are "image" or "stacked" (docs guidestar_products.rst:
        # "..._gs-id_<m>_image-uncal.fits"); the pipeline (calwebb_guider, the
        # jwst regression tests) takes "..._gs-id_1_image" as the file root and
        # adds its own suffix: "_image_cal", "_image_dq_init". A name without
        # suffix and extension is the root itself (jwql).
        r"(?:_(?P<gs_product>image|stacked)(?=_|\.|$))?"
        rf"(?:_(?P<suffix>(?:image|stacked)(?:-(?:{_GS_SUFFIX}))?|{_GS_SUFFIX}))?"
        r"(?:\.(?P<extension>fits))?"
    ),
    "msa": (
        r"jw(?P<program>\d{5})"
        r"(?P<observation>\d{3})"
        r"(?P<visit>\d{3})"
        r"_(?P<msa_config>\d{2})"  # MSA configuration number
        r"_(?P<suffix>msa)\.(?P<extension>fits)"
    ),
    "reference": (
        r"jwst_(?P<words>[a-z][a-z0-9-]*(?:_[a-z][a-z0-9-]*)*)"
        r"_(?P<serial>\d+)"
        r"\.(?P<extension>fits|asdf|json)"
    ),
    "context": (
        r"jwst_(?:(?P<words>[a-z][a-z0-9-]*(?:_[a-z][a-z0-9-]*)*)_)?"
        r"(?P<context_number>\d+)"
        r"\.(?P<extension>pmap|imap|rmap)"
    ),
    "engineering": (
        r"(?P<stamp>\d{7}T\d{9})"  # yyyydddThhmmssfff, as in OSF_FILE
        r"_(?P<sequence>\d{3})"
        r"_(?P<suffix>osf)\.(?P<extension>xml)"
    ),
    "dummy": r"jw_(?P<number>\d{5})" + _TAIL,
    "exposure": (
        r"jw(?P<program>\d{5})"
        r"(?P<observation>\d{3})"
        r"(?P<visit>\d{3})"
        r"_(?P<visit_group>\d{2})"
        r"(?P<seq_id>\d)"
        r"(?P<activity>[0-9a-z]{2})"  # base 36
        r"_(?P<exposure>\d{5})"
        r"(?:-seg(?P<segment>\d{3}))?"
        rf"_(?P<detector>{'|'.join(sorted(DETECTORS))})"
        rf"(?:_(?P<acid>{ACID}))?"
        # The fixed slit of a NIRSpec spec3 intermediate, written per slit
        # (calwebb_spec3 outlier detection: ..._nrs2_s200a2_median.fits).
        rf"(?:_(?P<optelems>{'|'.join(FIXED_SLITS)})(?=_|\.|$))?"
        rf"{_TAIL}"
    ),
    "stage3": (
        r"jw(?P<program>\d{5})"
        rf"-(?P<acid>{ACID})"
        rf"_(?:(?P<target>t\d{{1,4}})(?:-(?P<fs_source>{SOURCE}))?|(?P<source>{SOURCE}))"
        r"(?:-epoch(?P<epoch>\d+))?"
        rf"_(?P<instrument>{'|'.join(INSTRUMENTS + tuple(INSTRUMENT_ABBREVIATIONS))})"
        # optical elements, suffix and act id, split apart by _split_stage3
        r"(?:_(?P<rest>(?:[a-z0-9]+|\{slit_name\}|\{suffix\})"
        r"(?:[-_](?:[a-z0-9]+|\{slit_name\}|\{suffix\}))*))?"
        rf"(?:\.(?P<extension>{_EXT}))?"
    ),
}
# The WFS&C activity id after a stage-3 suffix (wfscmb-02).
ACT_ID = re.compile(r"-(?P<act_id>\d{2})$", re.ASCII)
SLIT = re.compile(rf"(?<![a-z0-9])(?:{'|'.join(FIXED_SLITS)})(?![a-z0-9])")
BAD_CHARS = re.compile(r"[/\\\s\x00-\x1f\x7f-\x9f]")
THUMB = re.compile(r"(?P<base>.+)_thumb(?P<ext>\.(?:jpg|png))")
MISPLACED_THUMB = "'_thumb' marks a thumbnail and must be followed by .jpg or .png"

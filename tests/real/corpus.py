"""Read the real-data corpus (tests/real/*/PROVENANCE.toml) and what its sources say.

Expected values in the tests come from here: from the statements each source
makes, never from jwlink. The few rules that turn a statement into a
comparable value (a stage into a level, a documented template into fields) are
spelled out below with the source line they rest on.
"""

from __future__ import annotations

import functools
import json
import re
import tomllib
from pathlib import Path
from typing import Any

REAL = Path(__file__).resolve().parent


@functools.cache
def provenance(source: str) -> dict[str, Any]:
    """The parsed PROVENANCE.toml of one source folder (jwql, jwst-docs, ...)."""
    with (REAL / source / "PROVENANCE.toml").open("rb") as handle:
        return tomllib.load(handle)


def rows(source: str, table: str) -> list[dict[str, Any]]:
    """The ``[[table]]`` entries of a source, JSON-text ``says`` decoded."""
    out = []
    for row in provenance(source).get(table, []):
        row = dict(row)
        if isinstance(row.get("says"), str) and row["says"].startswith("{"):
            row["says"] = json.loads(row["says"])
        out.append(row)
    return out


def ident(row: dict[str, Any]) -> str:
    """A pytest id: the item's text and its source line."""
    return f"{row.get('text') or row.get('suffix') or row.get('file')}@{row.get('source_line')}"


# --------------------------------------------------------------- levels


def calib_level(level: str) -> int:
    """MAST calib_level of a processing level, from stages.rst's table."""
    for row in rows("jwst-docs", "level"):
        if row["level"] == level:
            return int(row["calib_level"])
    raise KeyError(level)


def level_of(stage: int, base: str) -> str:
    """The processing level of a product of a pipeline stage, exposure- or source-based.

    stages.rst gives one level per stage except Stage 3, which writes two: the
    "Level 2c = CR-flagged exposure" files (exposure-based, "in the same format
    as Level 2b products") and "Level 3 = Combined data" (source-based).
    """
    levels = [r["level"] for r in rows("jwst-docs", "level") if r["stage"] == stage]
    if len(levels) == 1:
        return str(levels[0])
    return "2c" if base == "Exp" else "3"


def suffix_level(suffix: str, base: str) -> str | None:
    """The level product_types.rst gives a suffix written exposure- or source-based.

    None if the tables do not list the pair, or list it at stages of different levels.
    """
    found = {level_of(r["stage"], r["base"]) for r in rows("jwst-docs", "product_type")
             if r["suffix"] == suffix and r["base"] == base}  # fmt: skip
    return found.pop() if len(found) == 1 else None


# ------------------------------------------------------------ templates

# file_naming.rst line 12, read literally: jw<ppppp><ooo><vvv>_<gg><s><aa>_<eeeee>
# (-<"seg"NNN>)_<detector>_<prodType>. The detector and exposure fields together
# name one exposure on one detector ("Stage 0, 1, and 2 products are always
# files containing the data from a single exposure and a single detector",
# stages.rst); segments are pieces of that one exposure (file_naming.rst).
EXPOSURE = re.compile(
    r"jw(?P<program>\d{5})(?P<observation>\d{3})(?P<visit>\d{3})_(?P<visit_group>\d{2})"
    r"(?P<seq_id>\d)(?P<activity>[0-9a-z]{2})_(?P<exposure>\d{5})(?:-seg(?P<segment>\d{3}))?"
    r"_(?P<detector>[a-z0-9]+)_"
)
# jwst_conventions.rst line 15: jwPPPPP-TNNNN_YYYYMMDDtHHMMSS_ATYPE_MMMMM_asn.json
ASSOCIATION = re.compile(r"jw(?P<program>\d{5})-(?P<acid>[aocr]\d{3,4})_")


def exposure_key(name: str) -> str:
    """The documented exposure-and-detector part of an exposure-based name."""
    m = EXPOSURE.match(name)
    if m is None:
        raise ValueError(f"{name} does not follow the documented exposure template")
    return "_".join(
        (f"jw{m['program']}{m['observation']}{m['visit']}",
         f"{m['visit_group']}{m['seq_id']}{m['activity']}", m["exposure"], m["detector"])
    )  # fmt: skip


def association_fields(name: str) -> dict[str, str]:
    """Program and candidate id of an association file name, by the documented scheme."""
    m = ASSOCIATION.match(name)
    if m is None:
        raise ValueError(f"{name} does not follow the documented association scheme")
    return m.groupdict()

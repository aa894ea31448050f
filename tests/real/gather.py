# ruff: noqa: E501  (the curated statements are tables: one member or one output a line)
"""Rebuild tests/real/ from bare git mirrors of the source repositories.

Usage: ``python tests/real/gather.py [MIRROR_ROOT]`` (default ``/work/.mirror``,
holding ``<owner>+<name>/repo``). Not run by the tests: the corpus is committed.

Every item is read from its source at a stated path and line, and the script
checks that the line really holds the text before writing it: a statement the
source does not make cannot slip in. What each source *says* about an item is
recorded next to it in ``PROVENANCE.toml``; curated statements below name the
line they come from. The jwst docs and regression tests have modules of their
own (gather_docs.py, gather_regtests.py); gather_common.py holds what all share.
"""

from __future__ import annotations

import ast
import subprocess
from typing import Any

from gather_common import (
    ASTROQUERY,
    HERE,
    JWQL,
    JWST,
    ROOT,
    _line_of,
    line_has,
    provenance,
    show,
    write_toml,
)
from gather_docs import gather_docs
from gather_regtests import gather_regtests

# ------------------------------------------------------------- jwql names

JWQL_TEST = "jwql/tests/test_utils.py"
JWQL_CONSTANTS = "jwql/utils/constants.py"
# Lists of jwql/utils/constants.py that say which detectors and suffixes real files have.
JWQL_LISTS = ("DETECTOR_PER_INSTRUMENT", "GENERIC_SUFFIX_TYPES", "GUIDER_SUFFIX_TYPES",
              "TIME_SERIES_SUFFIX_TYPES", "NIRCAM_CORONAGRAPHY_SUFFIX_TYPES",
              "NIRISS_AMI_SUFFIX_TYPES", "WFSC_SUFFIX_TYPES")  # fmt: skip


def gather_jwql() -> None:
    tree = ast.parse(show(JWQL[0], JWQL_TEST))
    rows = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == (
            "FILENAME_PARSER_TEST_DATA"
        ):
            for case in node.value.elts:  # type: ignore[attr-defined]
                name = ast.literal_eval(case.elts[0])
                says = ast.literal_eval(case.elts[1])
                rows.append({"text": name, "source_line": case.lineno, "says": says})
    head = provenance(
        JWQL, [JWQL_TEST],
        "FILENAME_PARSER_TEST_DATA: real file names with the fields jwql's "
        "filename_parser must return (test_filename_parser). 'says' is jwql's "
        "expected dict, verbatim; None values are written as absent keys. The "
        "lower-case keys at the top are jwql's constants (detectors per instrument, "
        "suffix types it expects in file names), each with its line.",
    )  # fmt: skip
    for row in rows:  # TOML has no null: drop None values, say so above
        row["says"] = {k: v for k, v in row["says"].items() if v is not None}
    head["paths"].append(JWQL_CONSTANTS)
    constants = ast.parse(show(JWQL[0], JWQL_CONSTANTS))
    for node in constants.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") in JWQL_LISTS:
            name = node.targets[0].id  # type: ignore[attr-defined]
            head[name.lower()] = ast.literal_eval(node.value)
            head[name.lower() + "_line"] = node.lineno
    write_toml(HERE / "jwql" / "PROVENANCE.toml", head, {"name": rows})


# --------------------------------------------------------- jwst suffixes

SUFFIX_PY = "jwst/lib/suffix.py"


def gather_suffixes() -> None:
    namespace: dict[str, Any] = {"__name__": "jwst_lib_suffix"}
    exec(compile(show(JWST[0], SUFFIX_PY), SUFFIX_PY, "exec"), namespace)  # noqa: S102
    known = list(namespace["KNOW_SUFFIXES"])
    head = provenance(
        JWST, [SUFFIX_PY, "jwst/lib/tests/test_suffix.py"],
        "KNOW_SUFFIXES as jwst/lib/suffix.py computes it (combine_suffixes at import). "
        "test_suffix.py::test_suffix_removal says remove_suffix('file_' + s) gives "
        "('file', '_') for every s: each is a whole suffix after the last name field.",
    )  # fmt: skip
    head["know_suffixes"] = known
    head["known_line"] = line_has(JWST[0], SUFFIX_PY, 344, "KNOW_SUFFIXES = combine_suffixes()")
    write_toml(HERE / "jwst-suffix" / "PROVENANCE.toml", head, {})


# ------------------------------------------------------------ jwst header

HEADER_FITS = "jwst/lib/tests/data/add_wcs_default_acq1.fits"


def gather_header() -> None:
    """The primary header of a real FGS ACQ1 exposure, as 80-column cards (no data)."""
    path = ROOT / JWST[0].replace("/", "+") / "repo"
    raw = subprocess.run(
        ["git", "-C", str(path), "show", f"HEAD:{HEADER_FITS}"], capture_output=True, check=True
    ).stdout
    cards = []
    for start in range(0, len(raw), 80):
        card = raw[start : start + 80].decode("ascii")
        cards.append(card.rstrip())
        if card.startswith("END "):
            break
    values = {}
    for card in cards:
        if len(card) > 9 and card[8] == "=":
            values[card[:8].strip()] = card[10:].split("/")[0].strip().strip("'").strip()
    name = values["FILENAME"]
    out = HERE / "jwst-header"
    out.mkdir(parents=True, exist_ok=True)
    (out / name.replace(".fits", ".hdr")).write_text("\n".join(cards) + "\n")
    head = provenance(
        JWST, [HEADER_FITS],
        "The primary header of a real FGS exposure (program 01019, 2022-04-27) that jwst "
        "keeps as set_telescope_pointing test data under another file name; its FILENAME "
        "card names the original. Kept: the primary header's cards, one a line, trailing "
        "blanks dropped; left out: the SCI and ASDF extensions and all data.",
    )  # fmt: skip
    head["file"] = name.replace(".fits", ".hdr")
    head["says"] = {k: values[k] for k in ("FILENAME", "PROGRAM", "OBSERVTN", "VISIT",
                    "VISIT_ID", "EXP_TYPE", "DETECTOR", "INSTRUME", "DATE-END", "DATAMODL")}  # fmt: skip
    write_toml(out / "PROVENANCE.toml", head, {})


# ------------------------------------------------------------ astroquery

MASTQUERY = "docs/mast/mast_mastquery.rst"


def gather_astroquery() -> None:
    a = ASTROQUERY[0]
    text = show(a, MASTQUERY).splitlines()
    start = _line_of(a, MASTQUERY, "Mast.Jwst.Filtered.Nirspec")
    rows = []
    for number, line in enumerate(text[start:], start=start + 1):
        if line.strip().startswith("Length ="):
            break
        cells = line.split()
        if len(cells) == 4 and cells[0].startswith("jw"):
            rows.append({"text": cells[0], "source_line": number,
                         "says": {"targoopp": cells[1], "productLevel": cells[2],
                                  "duration": cells[3]}})  # fmt: skip
    out = HERE / "astroquery"
    out.mkdir(parents=True, exist_ok=True)
    head = provenance(
        ASTROQUERY, [MASTQUERY],
        "The documented output of Mast.mast_query('Mast.Jwst.Filtered.Nirspec', "
        "productLevel=['2a', '2b'], columns=['filename', 'targoopp', 'productLevel', "
        "'duration']): ten of its 25 rows are printed. MAST's productLevel per file.",
    )  # fmt: skip
    head["derived"] = (
        "nirspec_filtered_no_obsid.csv: a DERIVED input, not a MAST file: the ten printed "
        "rows with 'filename' renamed 'productFilename' (the product-list column name) and "
        "productLevel kept; there is no obsID, obs_id or parent_obsid column, as in the "
        "filtered-service response itself"
    )
    write_toml(out / "PROVENANCE.toml", head, {"name": rows})
    csv = ["productFilename,productLevel"] + [
        f"{r['text']},{r['says']['productLevel']}" for r in rows
    ]
    (out / "nirspec_filtered_no_obsid.csv").write_text("\n".join(csv) + "\n")


if __name__ == "__main__":
    gather_jwql()
    gather_suffixes()
    gather_docs()
    gather_regtests()
    gather_header()
    gather_astroquery()

"""A valid ``image3`` association of any number of members, for scale tests.

The biggest real mosaics list a few thousand members; ingest must still grow
linearly far beyond that. `write_mosaic_asn` writes one association whose
members follow the JWST exposure grammar
(``jw<program><obs><visit>_<group><seq><activity>_<exposure>_<detector>_cal.fits``):
``visits × exposures × detectors`` science members of one Level 3 product.
Only the association is written, so every member is a named, missing product.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["MOSAIC", "mosaic_document", "mosaic_members", "write_mosaic_asn"]

MOSAIC = "jw02999-o001_t001_nircam_clear-f200w"
_DETECTORS = ("nrca1", "nrca2", "nrca3", "nrca4", "nrcb1", "nrcb2", "nrcb3", "nrcb4")


def mosaic_members(visits: int, exposures: int, detectors: int = 4) -> list[str]:
    """Return the member file names, visit by visit, exposure by exposure.

    Raises
    ------
    ValueError
        A count below 1, more than 999 visits, 99,999 exposures or 8 detectors
        (what the file name grammar can spell).
    """
    if not (1 <= visits <= 999 and 1 <= exposures <= 99_999 and 1 <= detectors <= 8):
        msg = (f"visits {visits}, exposures {exposures}, detectors {detectors}: expected "
               "1-999 visits, 1-99999 exposures and 1-8 detectors")  # fmt: skip
        raise ValueError(msg)
    return [
        f"jw02999001{v:03d}_02101_{e:05d}_{d}_cal.fits"
        for v in range(1, visits + 1)
        for e in range(1, exposures + 1)
        for d in _DETECTORS[:detectors]
    ]


def mosaic_document(visits: int, exposures: int, detectors: int = 4) -> dict[str, Any]:
    """Return the association document (a dict ready for ``json.dumps``)."""
    members = [
        {"expname": name, "exptype": "science", "exposerr": "null",
         "asn_candidate": "[('o001', 'observation')]"}
        for name in mosaic_members(visits, exposures, detectors)
    ]  # fmt: skip
    return {
        "asn_type": "image3", "asn_rule": "candidate_Asn_Lv3Image", "version_id": "20240101t000000",
        "code_version": "1.16.0", "degraded_status": "No known degraded exposures in association.",
        "program": "02999", "constraints": "synthetic", "asn_id": "o001", "target": "t001",
        "asn_pool": "jw02999_20240101t000000_pool.csv",
        "products": [{"name": MOSAIC, "members": members}],
    }  # fmt: skip


def write_mosaic_asn(
    folder: Path, visits: int = 10, exposures: int = 125, detectors: int = 4
) -> Path:
    """Write the association of ``visits × exposures × detectors`` members into ``folder``.

    Returns
    -------
    Path
        ``folder/jw02999-o001_20240101t000000_image3_00001_asn.json``.
    """
    doc = mosaic_document(visits, exposures, detectors)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "jw02999-o001_20240101t000000_image3_00001_asn.json"
    # Compact: the reader bounds the bytes of a file, and whitespace only adds bytes.
    path.write_text(json.dumps(doc, separators=(",", ":")))
    return path

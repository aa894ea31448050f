"""The header values CRDS selects reference files by, as a catalog keeps them (pure).

A CRDS rules file (``.rmap``) selects on datamodel paths
(``META.INSTRUMENT.DETECTOR``, ``META.OBSERVATION.DATE``); a FITS header
gives them under their FITS keywords (``DETECTOR``, ``DATE-OBS``). The FITS
reader keeps the keywords below, the linker gathers them with ``CRDS_CTX``
and the ``R_*`` values into a `CrdsHeader`, the store writes it (table
``crds_headers``, migration 0006), and ``jwlink stale`` asks the CRDS
library which files a target context selects for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from jwlink.core.values import ByValues

__all__ = ["SELECTION_KEYWORDS", "CrdsHeader", "crds_header"]

# Every datamodel path a JWST rmap of contexts jwst_0000..jwst_0541 matches
# on (the ``parkey`` of each rmap, plus the instrument the pmap selects by),
# as FITS keywords by stdatamodels' core.schema.yaml (crds.jwst.schema.dm_to_fits).
# tests/test_stale.py recomputes the list from the CRDS cache in ../shared.
# A later context that matches on a keyword not kept here is reported as
# "cannot decide" naming that keyword, never guessed.
SELECTION_KEYWORDS: tuple[str, ...] = (
    "INSTRUME", "DETECTOR", "EXP_TYPE", "READPATT", "SUBARRAY", "FILTER", "PUPIL",
    "GRATING", "BAND", "CHANNEL", "CORONMSK", "MODULE", "LAMP",
    "SUBSIZE1", "SUBSIZE2", "SUBSTRT1", "SUBSTRT2", "TSOVISIT", "CAL_VER",
    "DATE-OBS", "TIME-OBS",
)  # fmt: skip
_CONTEXT = "CRDS_CTX"

Value = str | int | float | bool


@dataclass(frozen=True, slots=True)
class CrdsHeader(ByValues):
    """What one product's header says about its calibration references.

    ``context`` is ``CRDS_CTX`` (None when absent); ``parameters`` the
    `SELECTION_KEYWORDS` the header has, by FITS keyword; ``references``
    every ``R_*`` keyword with its value as written (``crds://<file>`` or
    ``N/A``).
    """

    name: str
    context: str | None
    parameters: Mapping[str, Value] = field(default_factory=dict)
    references: Mapping[str, str] = field(default_factory=dict)


def crds_header(
    name: str, keywords: Mapping[str, Value], references: Mapping[str, str]
) -> CrdsHeader | None:
    """Gather a header's CRDS context, selection parameters and reference files.

    Parameters
    ----------
    name : str
        The product the header belongs to.
    keywords : Mapping
        Primary-header keywords (FITS names).
    references : Mapping
        The header's ``R_*`` keywords.

    Returns
    -------
    CrdsHeader or None
        None when the header names no reference file and no context: there
        is nothing to compare a context's selection with.
    """
    context = keywords.get(_CONTEXT)
    if context is None and not references:
        return None
    parameters = {k: keywords[k] for k in SELECTION_KEYWORDS if k in keywords}
    return CrdsHeader(name, None if context is None else str(context), parameters, references)

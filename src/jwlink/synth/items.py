"""One file of the synthetic archive, before it is written or linked.

Both outputs consume the same `Item` stream: ``--files`` writes each item
to disk, ``--catalog-only`` turns it into the evidence the matching reader
would return. That is what keeps the two catalogs identical.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

from jwlink.core.model import obsid_for
from jwlink.naming.suffixes import classify
from jwlink.synth.headers import CAL_VER
from jwlink.synth.plan import Program

__all__ = ["Item", "estimated_size", "mast_row"]


@dataclass(slots=True)
class Item:
    """A file to make.

    ``kind`` selects the writer (``fits``, ``asn``, ``jpeg``, ``ecsv``,
    ``asdf``, ``pmap``); ``form``/``suffix``/``asn_type``/``image`` describe
    the name as `jwlink.naming` would (without parsing it again); ``owner``
    is the observation the MAST product list files it under (None: not in
    the product list); ``shared`` files live in the CRDS folder.
    """

    name: str
    kind: str
    form: str
    suffix: str | None
    owner: str | None
    header: dict[str, Any] | None = None
    refs: dict[str, str] | None = None
    hdrtab: tuple[str, ...] = ()
    doc: dict[str, Any] | None = None
    rows: list[tuple[str, float, float]] | None = None
    asn_type: str | None = None
    image: str | None = None
    filters: str | None = None
    shared: bool = False

    def classify(self) -> tuple[int | None, str]:
        """Return the MAST ``calib_level`` and ``productType`` of this file."""
        level, product_type = classify(self.form, self.suffix, self.asn_type, self.image)
        return (level.calib_level if level is not None else None), product_type.value


# Typical sizes in bytes of real products, by suffix (a 2048x2048 detector):
# the catalog-only path has no file to measure, so it lists these instead.
_SIZES = {
    "uncal": 83_000_000,
    "rate": 50_400_000,
    "rateints": 151_000_000,
    "cal": 117_000_000,
    "calints": 302_000_000,
    "crf": 117_000_000,
    "crfints": 302_000_000,
    "i2d": 420_000_000,
    "s2d": 9_100_000,
    "s3d": 64_000_000,
    "x1d": 420_000,
    "x1dints": 12_300_000,
    "segm": 96_000_000,
    "cat": 2_100_000,
    "phot": 190_000,
    "whtlt": 60_000,
    "c1d": 310_000,
    "psfstack": 2_400_000,
    "psfalign": 9_800_000,
    "psfsub": 2_400_000,
    "wfscmb": 50_400_000,
    "asn": 4_200,
    "msa": 360_000,
}
_DESCRIPTIONS = {
    "uncal": "exposure (L1b): Uncalibrated 4D exposure data",
    "rate": "exposure (L2a): Countrate 2D exposure",
    "rateints": "exposure (L2a): Countrate 3D exposure per integration",
    "cal": "exposure (L2b): Calibrated 2D exposure",
    "calints": "exposure (L2b): Calibrated 3D exposure per integration",
    "crf": "exposure (L2c): Outlier-flagged calibrated exposure",
    "crfints": "exposure (L2c): Outlier-flagged calibrated integrations",
    "i2d": "Rectified and combined 2D image",
    "s2d": "Rectified 2D spectrum",
    "s3d": "Spectral cube",
    "x1d": "Extracted 1D spectrum",
    "x1dints": "Extracted 1D spectra per integration",
    "c1d": "Combined 1D spectrum",
    "cat": "Source catalog",
    "segm": "Segmentation map",
    "phot": "Photometric time series",
    "whtlt": "White-light curve",
    "asn": "Association file",
    "msa": "MSA metadata file",
}


def estimated_size(item: Item) -> int:
    """Return a realistic, deterministic size in bytes for a file never written."""
    key = "asn" if item.kind == "asn" else "msa" if item.form == "msa" else item.suffix or ""
    base = _SIZES.get(key, 1_000_000)
    if item.kind == "jpeg":
        base = 4_000 if item.image == "thumbnail" else 96_000
    elif item.form == "guidestar":
        base = 6_300_000
    return base + zlib.crc32(item.name.encode()) % (base // 10 + 1)


def mast_row(item: Item, program: Program, dataproduct: str, size: int) -> dict[str, Any]:
    """Return the MAST product-list row (mast-api.md §2) of an owned item."""
    owner = item.owner or ""
    obsid = str(obsid_for(owner))
    calib_level, product_type = item.classify()
    subgroup = (
        "ASN"
        if item.kind == "asn"
        else "MSA"
        if item.form == "msa"
        else (
            f"GS-{item.name.split('_gs-')[1].split('_')[0].upper()}"
            if item.form == "guidestar"
            else (item.suffix or "").upper()
        )
    )
    description = _DESCRIPTIONS.get("asn" if item.kind == "asn" else item.suffix or "", "")
    if item.image is not None:
        description = f"{item.image.capitalize()} image"
    return {
        "obsID": obsid,
        "obs_collection": "JWST",
        "dataproduct_type": dataproduct,
        "obs_id": owner,
        "description": description,
        "type": "S" if product_type == "SCIENCE" else "A",
        "dataURI": f"mast:JWST/product/{item.name}",
        "productType": product_type,
        "productGroupDescription": "",
        "productSubGroupDescription": subgroup,
        "productDocumentationURL": "",
        "project": "CALJWST",
        "prvversion": _version(item.header or {}),
        "proposal_id": str(int(program.id)),
        "productFilename": item.name,
        "size": size,
        "parent_obsid": obsid,
        "dataRights": program.rights,
        "calib_level": calib_level if calib_level is not None else 1,
        "filters": item.filters or "",
        "t_obs_release": program.release,
    }


def _version(header: dict[str, Any]) -> str:
    # The header's own version where it has one, so that the product list and
    # the FITS header never disagree about a product's prvversion.
    return str(header.get("CAL_VER") or header.get("SDP_VER") or CAL_VER)

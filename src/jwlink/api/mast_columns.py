"""Column metadata of MAST's ``Mast.Caom.Cone`` and ``Mast.Caom.Products`` services.

astroquery reads the columns config once per service: to validate
``query_criteria`` keywords (an unknown name is refused client-side), to
decide which columns are continuous (``float`` types and ``treatNumeric``
columns send ``{"min", "max"}`` ranges) and for ``get_metadata``.
"""

from __future__ import annotations

from typing import Any

from jwlink.query.catalog import OBSERVATION_COLUMNS
from jwlink.query.productlist import MAST_COLUMNS

__all__ = ["COLUMN_CONFIGS", "PRODUCT_FIELDS", "fields", "observation_type", "product_type"]

# (type, label, description); types as MAST writes them (astroquery utils.parse_type).
_OBSERVATION_META: dict[str, tuple[str, str, str]] = {
    "intentType": ("string", "Observation Type", "science or calibration"),
    "obs_collection": ("string", "Mission", "Collection, JWST"),
    "provenance_name": ("string", "Provenance Name", "Pipeline that made the data"),
    "instrument_name": ("string", "Instrument", "Instrument/mode, e.g. NIRCAM/IMAGE"),
    "project": ("string", "Project", "Processing project"),
    "filters": ("string", "Filters", "Optical elements, ';'-separated"),
    "wavelength_region": ("string", "Waveband", "Wavelength region"),
    "target_name": ("string", "Target Name", "Target name"),
    "target_classification": ("string", "Target Classification", "Target type"),
    "obs_id": ("string", "Observation ID", "Mission observation id"),
    "s_ra": ("float", "RA", "Right ascension, degrees (ICRS)"),
    "s_dec": ("float", "Dec", "Declination, degrees (ICRS)"),
    "dataproduct_type": ("string", "Data Product Type", "image, spectrum, cube, timeseries"),
    "proposal_pi": ("string", "Principal Investigator", "PI of the program"),
    "calib_level": (
        "int",
        "Calib. Level",
        "0 = raw, 1 = uncalibrated, 2 = calibrated, 3 = science product",
    ),
    "t_min": ("float", "Start Time", "Exposure start, MJD"),
    "t_max": ("float", "End Time", "Exposure end, MJD"),
    "t_exptime": ("float", "Exposure Length", "Exposure time, seconds"),
    "em_min": ("float", "Min. Wavelength", "Minimum wavelength, nm"),
    "em_max": ("float", "Max. Wavelength", "Maximum wavelength, nm"),
    "obs_title": ("string", "Observation Title", "Program title"),
    "t_obs_release": ("string", "Release Date", "When the data become public"),
    "proposal_id": ("string", "Proposal ID", "Program number"),
    "proposal_type": ("string", "Proposal Type", "Program type"),
    "sequence_number": ("int", "Sequence Number", "Sequence number"),
    "s_region": ("string", "s_region", "Footprint (STC-S)"),
    "jpegURL": ("string", "jpegURL", "Preview image"),
    "dataURL": ("string", "dataURL", "Main product"),
    "dataRights": ("string", "Data Rights", "PUBLIC or EXCLUSIVE_ACCESS"),
    "mtFlag": ("boolean", "Moving Target", "Moving target"),
    "srcDen": ("float", "Number of Catalog Objects", "Source density"),
    "obsid": ("string", "Product Group ID", "Numeric id for get_product_list"),
    "objID": ("string", "Object ID", "Same as obsid"),
}
_POSITION_EXTRA = {"objID1": "string", "distance": "float"}

_PRODUCT_META: dict[str, tuple[str, str]] = {
    "obsID": ("string", "Product Group ID"),
    "obs_collection": ("string", "Mission"),
    "dataproduct_type": ("string", "Product Type"),
    "obs_id": ("string", "Observation ID"),
    "description": ("string", "Description"),
    "type": ("string", "Type"),
    "dataURI": ("string", "URI"),
    "productType": ("string", "Product Type"),
    "productGroupDescription": ("string", "Product Group"),
    "productSubGroupDescription": ("string", "Product Subgroup"),
    "productDocumentationURL": ("string", "Product Documentation"),
    "project": ("string", "Project"),
    "prvversion": ("string", "Provenance Version"),
    "proposal_id": ("string", "Proposal ID"),
    "productFilename": ("string", "Filename"),
    "size": ("int", "File Size"),
    "parent_obsid": ("string", "Parent Product Group ID"),
    "dataRights": ("string", "Data Rights"),
    "calib_level": ("int", "Calibration Level"),
    "filters": ("string", "Filters"),
    "sha256": ("string", "SHA-256"),
    "kind": ("string", "Linkage Kind"),
    "role": ("string", "Linkage Role"),
}
# jwlink's own product columns, sent after MAST's (astroquery keeps every field).
PRODUCT_FIELDS = (*MAST_COLUMNS, "sha256", "kind", "role")
assert set(_OBSERVATION_META) == set(OBSERVATION_COLUMNS)
assert set(_PRODUCT_META) == set(PRODUCT_FIELDS)


def observation_type(column: str) -> str:
    """MAST type of an observation column (``float`` columns are continuous)."""
    if column in _POSITION_EXTRA:
        return _POSITION_EXTRA[column]
    return _OBSERVATION_META[column][0]


def product_type(column: str) -> str:
    """MAST type of a product-list column."""
    return _PRODUCT_META[column][0]


def fields(columns: tuple[str, ...], typer: Any) -> list[dict[str, str]]:
    """Return the ``fields`` block of a Mashup response."""
    return [{"name": c, "type": typer(c)} for c in columns]


def _cone_config() -> dict[str, dict[str, Any]]:
    config = {}
    for column, (kind, label, description) in _OBSERVATION_META.items():
        entry: dict[str, Any] = {
            "text": label,
            "type": kind,
            "vot.datatype": kind,
            "vot.description": description,
        }
        if column == "filters":
            entry["separator"] = ";"
        if column == "calib_level":
            entry["example"] = "3"
        config[column] = entry
    return config


def _products_config() -> dict[str, dict[str, Any]]:
    return {
        column: {"text": label, "type": kind, "vot.datatype": kind, "vot.description": label}
        for column, (kind, label) in _PRODUCT_META.items()
    }


COLUMN_CONFIGS: dict[str, dict[str, dict[str, Any]]] = {
    "Mast.Caom.Cone": _cone_config(),
    "Mast.Caom.Filtered": _cone_config(),
    "Mast.Caom.Filtered.Position": _cone_config(),
    "Mast.Caom.Products": _products_config(),
}

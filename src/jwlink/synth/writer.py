"""``--files``: write items as real files (FITS, JSON, JPEG, ECSV, ASDF, CRDS context).

FITS files are written with astropy: the primary header the item carries,
its ``R_*`` keywords as ``crds://`` names, a tiny 4x4 ``SCI`` image, and for
Level 3 products an ``HDRTAB`` table whose FILENAME column lists the
members. Every byte depends only on the item, so a seed gives identical
files on every run.
"""

from __future__ import annotations

import json
import warnings
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.table import Table
from astropy.utils.exceptions import AstropyWarning

from jwlink.synth.headers import COMMENTS
from jwlink.synth.items import Item
from jwlink.synth.jpeg import jpeg_preview

__all__ = ["write_item", "write_table"]


def _pixels(name: str, shape: tuple[int, ...] = (4, 4)) -> np.ndarray:
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    return rng.normal(1.0, 0.05, size=shape).astype(np.float32)


def _fits(item: Item, path: Path) -> None:
    cards = [(key, value, COMMENTS.get(key, "")) for key, value in (item.header or {}).items()]
    cards += [
        (key, "N/A" if value == "N/A" else f"crds://{value}", "reference file name")
        for key, value in (item.refs or {}).items()
    ]
    hdus: list[Any] = [fits.PrimaryHDU(header=fits.Header(cards))]
    if item.form == "msa":
        hdus += _msa_tables(item.rows or [])
    else:
        hdus.append(fits.ImageHDU(_pixels(item.name), name="SCI"))
    if item.hdrtab:
        column = fits.Column(
            name="FILENAME", format=f"{max(map(len, item.hdrtab))}A", array=np.array(item.hdrtab)
        )
        hdus.append(fits.BinTableHDU.from_columns([column], name="HDRTAB"))
    with warnings.catch_warnings():
        # Long TITLE values become CONTINUE cards; astropy says so, harmlessly.
        warnings.simplefilter("ignore", AstropyWarning)
        fits.HDUList(hdus).writeto(path, overwrite=True)


def _msa_tables(sources: list[tuple[str, float, float]]) -> list[fits.BinTableHDU]:
    """SHUTTER_INFO and SOURCE_INFO of an MSA metadata file, one open slitlet per source."""
    ids = np.array([int(s[0][1:]) for s in sources], dtype=np.int32)
    n = len(sources)
    shutters = fits.BinTableHDU.from_columns(
        [
            fits.Column(name="slitlet_id", format="J", array=np.arange(1, n + 1, dtype=np.int32)),
            fits.Column(name="msa_metadata_id", format="J", array=np.ones(n, dtype=np.int32)),
            fits.Column(name="shutter_quadrant", format="J", array=(np.arange(n) % 4 + 1)),
            fits.Column(name="shutter_row", format="J", array=(np.arange(n) * 7 % 171 + 1)),
            fits.Column(name="shutter_column", format="J", array=(np.arange(n) * 13 % 365 + 1)),
            fits.Column(name="source_id", format="J", array=ids),
            fits.Column(name="background", format="1A", array=np.array(["N"] * n)),
            fits.Column(name="shutter_state", format="4A", array=np.array(["OPEN"] * n)),
        ],
        name="SHUTTER_INFO",
    )
    source_info = fits.BinTableHDU.from_columns(
        [
            fits.Column(name="program", format="J", array=np.zeros(n, dtype=np.int32)),
            fits.Column(name="source_id", format="J", array=ids),
            fits.Column(name="source_name", format="20A", array=np.array([s[0] for s in sources])),
            fits.Column(name="ra", format="D", array=np.array([s[1] for s in sources])),
            fits.Column(name="dec", format="D", array=np.array([s[2] for s in sources])),
        ],
        name="SOURCE_INFO",
    )
    return [shutters, source_info]


def _ecsv(item: Item, path: Path) -> None:
    rng = np.random.default_rng(zlib.crc32(item.name.encode()))
    n = 12
    if item.suffix == "cat":
        table = Table(
            {
                "label": np.arange(1, n + 1),
                "xcentroid": rng.uniform(0, 2048, n).round(3),
                "ycentroid": rng.uniform(0, 2048, n).round(3),
                "aper_total_flux": rng.lognormal(0, 1, n).round(6),
                "is_extended": rng.random(n) > 0.5,
            }
        )
    else:
        column = "aperture_sum" if item.suffix == "phot" else "whitelight_flux"
        table = Table(
            {
                "MJD": (61000.0 + np.arange(n) / 1440).round(8),
                column: (1.0 - 0.01 * (np.abs(np.arange(n) - n / 2) < 3)).round(6),
            }
        )
    table.meta["filename"] = item.name
    table.write(path, format="ascii.ecsv", overwrite=True)


_ASDF = """#ASDF 1.0.0
#ASDF_STANDARD 1.5.0
%YAML 1.1
%TAG ! tag:stsci.edu:asdf/
--- !core/asdf-1.1.0
asdf_library: !core/software-1.0.0 {{author: jwlink, name: jwlink synth, version: 0.1.0}}
meta:
  author: jwlink synth
  description: Synthetic {reftype} reference file
  filename: {name}
  instrument: {{name: {instrument}}}
  pedigree: INFLIGHT 2022-06-01 2022-12-31
  reftype: {reftype}
  telescope: JWST
  useafter: '2022-04-01T00:00:00'
...
"""
_PMAP = """header = {{
    'derived_from' : 'jwst_1302.pmap',
    'mapping' : 'PIPELINE',
    'name' : '{name}',
    'observatory' : 'JWST',
    'parkey' : (('META.INSTRUMENT.NAME',),),
}}

selector = {{
    'FGS' : 'jwst_fgs_0123.imap',
    'MIRI' : 'jwst_miri_0456.imap',
    'NIRCAM' : 'jwst_nircam_0389.imap',
    'NIRISS' : 'jwst_niriss_0301.imap',
    'NIRSPEC' : 'jwst_nirspec_0412.imap',
}}
"""


def write_item(item: Item, path: Path) -> int:
    """Write one item at ``path`` and return its size in bytes."""
    if item.kind == "fits":
        _fits(item, path)
    elif item.kind == "asn":
        path.write_text(json.dumps(item.doc, indent=4))
    elif item.kind == "engdb":
        path.write_text(json.dumps(item.doc))
    elif item.kind == "jpeg":
        side = 16 if item.image == "thumbnail" else 64
        path.write_bytes(jpeg_preview(item.name, side, side))
    elif item.kind == "ecsv":
        _ecsv(item, path)
    elif item.kind == "asdf":
        _, instrument, *words, _serial = item.name.rsplit(".", 1)[0].split("_")
        path.write_text(
            _ASDF.format(reftype="_".join(words), name=item.name, instrument=instrument.upper())
        )
    elif item.kind == "pmap":
        path.write_text(_PMAP.format(name=item.name))
    else:
        msg = f"unknown item kind {item.kind!r}"
        raise ValueError(msg)
    return path.stat().st_size


def write_table(rows: list[dict[str, Any]], columns: tuple[str, ...], path: Path) -> None:
    """Write a MAST product-list table as ECSV (astroquery's ``Table.write``)."""
    table = Table(rows=[[r[c] for c in columns] for r in rows], names=columns)
    table["size"].unit = "byte"
    table.write(path, format="ascii.ecsv", overwrite=True)

"""The pre-images an MSA metadata file names (``SOURCE_INFO`` ``PREIMAGE_ID``).

jwst's msa_metadata.rst: PREIMAGE_ID is "the name of a NIRCam mosaic used to
determine the source catalog, if one was used" (a PPS pre-image id such as
``95065001_000``). Only that table is read, with astropy.
"""

from __future__ import annotations

import os
import warnings

from astropy.io import fits

from jwlink.errors import HeaderError

__all__ = ["read_msa_preimages"]

_NO_ID = frozenset({"", "N/A", "NA", "NONE", "NULL", "UNKNOWN"})


def read_msa_preimages(path: str | os.PathLike[str]) -> tuple[str, ...]:
    """Return the distinct pre-image ids of an MSA metadata file's sources, sorted.

    Parameters
    ----------
    path : str or os.PathLike
        An ``_msa.fits`` file.

    Returns
    -------
    tuple of str
        Empty when the file has no ``SOURCE_INFO`` table or no ``PREIMAGE_ID``
        column (older files), or every source names none.

    Raises
    ------
    HeaderError
        The file cannot be read as FITS, or the column holds no text.
    """
    spath = os.fspath(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with fits.open(spath, memmap=False, lazy_load_hdus=True) as hdul:
                if "SOURCE_INFO" not in hdul:
                    return ()
                table = hdul["SOURCE_INFO"]
                names = {n.upper(): n for n in getattr(table, "columns", fits.ColDefs([])).names}
                if "PREIMAGE_ID" not in names:
                    return ()
                column = table.data.field(names["PREIMAGE_ID"])
                kind = column.dtype.kind
                values = [v.decode() if isinstance(v, bytes) else str(v) for v in column]
    except (OSError, ValueError, TypeError, KeyError) as err:
        raise HeaderError(spath, f"cannot read its SOURCE_INFO table: {err}") from err
    if kind not in "SU":
        msg = f"SOURCE_INFO column PREIMAGE_ID holds {column.dtype}, expected text"
        raise HeaderError(spath, msg)
    return tuple(sorted({v.strip() for v in values} - _NO_ID))

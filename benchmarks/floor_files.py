"""Files for the floors benchmark: big FITS files, a big association, and file floors.

- `write_big_files` writes FITS files of 50-500 MB whose headers are copied
  card for card from a real JWST exposure in ``../shared/data/exposures*``
  (synthetic cards when it is absent); the data array is zeros, left as a
  hole in a sparse file, so writing takes no time and reading costs what
  reading zeros from the page cache costs.
- `write_big_association` writes a valid Level 3 association with N science
  members spread over visits and detectors, keys as jwst writes them.
- `getheader_loop` and `sha256_all_cores` are the floors a folder ingest is
  compared with.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

SHARED = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data").resolve()
_BLOCK = 2880
_GROUP_BYTES = 2048 * 2048 * 2  # one full-frame group of int16 pixels


def _real_exposure() -> Path | None:
    for folder in sorted(SHARED.glob("exposures*")):
        for path in sorted(folder.glob("jw*_uncal.fits")):
            return path
    return None


def _layout(real: Path | None) -> tuple[Any, Any, bytes, str]:
    """Primary and SCI headers, the bytes of the HDUs after SCI, and where they came from."""
    from astropy.io import fits

    if real is None:
        primary = fits.Header()
        primary["SIMPLE"] = True
        primary["BITPIX"] = 8
        primary["NAXIS"] = 0
        primary["EXTEND"] = True
        for key, value in {
            "TELESCOP": "JWST",
            "INSTRUME": "NIRCAM",
            "DETECTOR": "NRCA2",
            "EXP_TYPE": "NRC_IMAGE",
            "PROGRAM": "01075",
            "OBSERVTN": "001",
            "VISIT": "001",
        }.items():
            primary[key] = value
        sci = fits.ImageHDU(name="SCI").header
        sci["BITPIX"] = 16
        return primary, sci, b"", "synthetic"
    with fits.open(real) as hdus:
        primary, sci = hdus[0].header.copy(), hdus[1].header.copy()
        info = hdus.fileinfo(1)
        tail_at = info["datLoc"] + info["datSpan"]
    return primary, sci, real.read_bytes()[tail_at:], str(real)


def write_big_files(
    folder: Path, count: int, min_mb: float = 50, max_mb: float = 500, seed: int = 5
) -> dict[str, Any]:
    """Write ``count`` sparse FITS files of ``min_mb``-``max_mb`` MB; return what was written."""
    folder.mkdir(parents=True, exist_ok=True)
    primary, sci, tail, source = _layout(_real_exposure())
    rnd = random.Random(seed)
    sizes = []
    for number in range(1, count + 1):
        groups = max(1, round(rnd.uniform(min_mb, max_mb) * 1e6 / _GROUP_BYTES))
        name = f"jw01075001001_03105_{number:05d}_nrca2_uncal.fits"
        primary["FILENAME"] = name
        primary["EXPOSURE"] = str(number)
        primary["NGROUPS"] = groups
        primary["NINTS"] = 1
        sci["NAXIS"] = 4
        for axis, length in enumerate((2048, 2048, groups, 1), start=1):
            sci[f"NAXIS{axis}"] = length
        data = groups * _GROUP_BYTES
        padded = -(-data // _BLOCK) * _BLOCK
        path = folder / name
        with path.open("wb") as out:
            out.write(primary.tostring().encode("ascii"))
            out.write(sci.tostring().encode("ascii"))
            out.seek(padded, os.SEEK_CUR)  # the data: a hole of zeros
            out.write(tail)
            out.truncate()
        sizes.append(path.stat().st_size)
    return {
        "files": count,
        "bytes": sum(sizes),
        "headers_from": source,
        "min_mb": min(sizes) / 1e6,
        "max_mb": max(sizes) / 1e6,
    }


def write_big_association(path: Path, members: int) -> dict[str, Any]:
    """Write a valid image3 association of ``members`` science members.

    Members are NIRCam short-wave calibrated exposures of program 01075,
    8 detectors x 25 exposures per visit, so 200,000 members span 1,000
    visits (visits 001-999 of observation 001, then observation 002).
    """
    listed = []
    for i in range(members):
        detector = ("nrca1", "nrca2", "nrca3", "nrca4", "nrcb1", "nrcb2", "nrcb3", "nrcb4")[i % 8]
        exposure = (i // 8) % 25 + 1
        visit = (i // 200) % 999 + 1
        observation = i // (200 * 999) + 1
        listed.append(
            {
                "expname": f"jw01075{observation:03d}{visit:03d}_02101_"
                f"{exposure:05d}_{detector}_cal.fits",
                "exptype": "science",
                "exposerr": "null",
                "asn_candidate": "[('c1000', 'mosaic')]",
            }
        )
    document = {
        "asn_type": "image3",
        "asn_rule": "candidate_Asn_Lv3Image",
        "version_id": "20250101t000000",
        "code_version": "3.0.0",
        "degraded_status": "No known degraded exposures in association.",
        "program": "01075",
        "constraints": "DMSAttrConstraint({'name': 'program', 'sources': ['program'], "
        "'value': '1075'})",
        "asn_id": "c1000",
        "target": "t001",
        "asn_pool": "jw01075_20250101t000000_pool.csv",
        "products": [{"name": "jw01075-c1000_t001_nircam_clear-f200w", "members": listed}],
    }
    path.write_text(json.dumps(document, indent=4))
    return {"members": members, "bytes": path.stat().st_size}


def getheader_loop(paths: Sequence[Path]) -> float:
    """Seconds for a bare ``astropy.io.fits.getheader`` of every path."""
    from astropy.io import fits

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in paths:
            fits.getheader(path)
    return time.perf_counter() - start


_PIECE = 64 << 20


def _hash(piece: tuple[Path, int, int]) -> int:
    path, offset, length = piece
    digest, left = hashlib.sha256(), length
    with path.open("rb") as handle:
        handle.seek(offset)
        while left > 0 and (chunk := handle.read(min(1 << 20, left))):
            digest.update(chunk)
            left -= len(chunk)
    return length - left


def sha256_all_cores(paths: Sequence[Path], repeat: int = 3) -> dict[str, Any]:
    """The machine's SHA-256 rate over the bytes of ``paths``, one worker process per core.

    Files are cut into pieces of 64 MB hashed independently, so that one big
    file does not leave a core idle: the figure is the machine's throughput,
    the most a hashing ingest could reach. Best of ``repeat`` runs (the first
    also brings the files into the page cache); the pool's start is not timed.
    """
    workers = os.cpu_count() or 1
    pieces = [
        (path, offset, min(_PIECE, size - offset))
        for path in paths
        for size in [path.stat().st_size]
        for offset in range(0, max(size, 1), _PIECE)
    ]
    best = math.inf
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(abs, range(workers)))  # start the workers first
        for _ in range(repeat):
            start = time.perf_counter()
            total = sum(pool.map(_hash, pieces, chunksize=max(1, len(pieces) // (workers * 8))))
            best = min(best, time.perf_counter() - start)
    return {"workers": workers, "bytes": total, "seconds": best, "mb_per_s": total / 1e6 / best}

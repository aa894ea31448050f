"""jwlink stale benchmark: the stale check of many exposures against a real CRDS context.

Run:  python benchmarks/stale.py [--exposures 100000] [--crds-path ../shared/data/crds]
                                 [--context jwst_0541.pmap] [--backend sqlite] [--out FILE]

A fresh catalog gets ``--exposures`` NIRISS imaging ``_cal`` products whose
kept headers (``crds_headers``) carry real selection parameters (readout
pattern, subarray, pupil, an observation time anywhere in 2016-2019) and the
reference files ``jwst_0303.pmap`` selected for the real header
``exposures_nopsf/exp_0.fits``; every 20 exposures compose one Level 3
product. `jwlink.stale.check` then runs once: the CRDS library selects per
distinct set of parameters (the time counts by its UseAfter interval), so
the cost is the number of distinct selections, not of exposures. The time of
one uncached selection is measured too, to show what caching saves. Nothing
here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from jwlink.core.crdsparams import CrdsHeader
from jwlink.core.linker.products import product_for
from jwlink.core.model import Batch, Kind, Link
from jwlink.stale import check
from jwlink.stale.selection import ContextSelector, CrdsCache, crds_reftype
from jwlink.store import open_store

ROOT = Path(__file__).resolve().parents[1]
# R_* of the real header exposures_nopsf/exp_0.fits (CRDS_CTX = jwst_0303.pmap).
REFERENCES = {
    "R_AREA": "crds://jwst_niriss_area_0011.fits", "R_DARK": "crds://jwst_niriss_dark_0044.fits",
    "R_FLAT": "crds://jwst_niriss_flat_0073.fits", "R_GAIN": "crds://jwst_niriss_gain_0002.fits",
    "R_LINEAR": "crds://jwst_niriss_linearity_0006.fits",
    "R_MASK": "crds://jwst_niriss_mask_0005.fits",
    "R_PHOTOM": "crds://jwst_niriss_photom_0025.fits",
    "R_READNO": "crds://jwst_niriss_readnoise_0001.fits",
    "R_SATURA": "crds://jwst_niriss_saturation_0008.fits",
    "R_SUPERB": "crds://jwst_niriss_superbias_0029.fits",
    "R_DISTOR": "crds://jwst_niriss_distortion_0006.asdf", "R_FILOFF": "N/A", "R_WAVRAN": "N/A",
}  # fmt: skip
SUBARRAYS = {"FULL": (2048, 1, 1), "SUB256": (256, 1793, 1793), "SUB128": (128, 1921, 1921)}
PUPILS = ("F090W", "F115W", "F140M", "F150W", "F158M", "F200W")
PER_L3 = 20


def header(number: int, rng: random.Random) -> tuple[str, CrdsHeader]:
    """Return the product name and kept header of one synthetic exposure."""
    program, exposure = 10000 + number // 100_000, number % 100_000 + 1
    observation = 1 + (number % 100_000) // PER_L3
    name = f"jw{program:05d}{observation % 1000:03d}001_02101_{exposure:05d}_nis_cal.fits"
    subarray = rng.choice(list(SUBARRAYS))
    size, start, _ = SUBARRAYS[subarray]
    day = rng.uniform(0, 4 * 365)
    when = time.gmtime(1451606400 + day * 86400)  # from 2016-01-01
    parameters: dict[str, str | int] = {
        "INSTRUME": "NIRISS", "DETECTOR": "NIS", "EXP_TYPE": "NIS_IMAGE",
        "READPATT": rng.choice(("NIS", "NISRAPID")), "SUBARRAY": subarray,
        "FILTER": "CLEAR", "PUPIL": rng.choice(PUPILS),
        "SUBSIZE1": size, "SUBSIZE2": size, "SUBSTRT1": start, "SUBSTRT2": start,
        "DATE-OBS": time.strftime("%Y-%m-%d", when), "TIME-OBS": time.strftime("%H:%M:%S", when),
    }  # fmt: skip
    return name, CrdsHeader(name, "jwst_0303.pmap", parameters, REFERENCES)


def fill(url: str, exposures: int, seed: int) -> float:
    """Write the catalog; return the seconds it took."""
    rng = random.Random(seed)
    started = time.perf_counter()
    store = open_store(url)
    try:
        for first in range(0, exposures, 5000):
            batch = Batch(source="bench")
            for number in range(first, min(first + 5000, exposures)):
                name, kept = header(number, rng)
                batch.products.append(product_for(name))
                batch.crds[name] = kept
                l3 = f"jw{name[2:7]}-o{name[7:10]}_t001_niriss_clear_i2d.fits"
                if number % PER_L3 == 0:
                    batch.products.append(product_for(l3))
                batch.links.append(Link(name, l3, Kind.COMPOSITION, "science", "bench"))
            store.write(batch)
    finally:
        store.close()
    return time.perf_counter() - started


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Fill a catalog, time the stale check and one uncached selection."""
    cache = CrdsCache(args.crds_path)
    with tempfile.TemporaryDirectory() as tmp:
        url = str(Path(tmp) / "stale.db")
        filled = fill(url, args.exposures, args.seed)
        store = open_store(url, readonly=True)
        try:
            selector = cache.selector(args.context)
            started = time.perf_counter()
            report = check(store, selector)
            seconds = time.perf_counter() - started
        finally:
            store.close()
    # One selection without jwlink's cache (crds keeps its rules loaded): the
    # mean over fresh headers, each with every reftype the headers name.
    rng, reftypes = random.Random(args.seed + 1), sorted({crds_reftype(k) for k in REFERENCES})
    probe = cache.selector(args.context)
    started = time.perf_counter()
    for number in range(20):
        kept = header(number, rng)[1]
        ContextSelector(cache, probe.name, probe.pmap).select(kept.parameters, reftypes)
    one = (time.perf_counter() - started) / 20
    return {
        "exposures": args.exposures, "context": args.context, "fill_seconds": round(filled, 1),
        "checked": report.checked, "stale": len(report.products),
        "to_reprocess": len(report.impact.products), "distinct_selections": report.selections,
        "check_seconds": round(seconds, 2),
        "microseconds_per_exposure": round(1e6 * seconds / max(report.checked, 1), 1),
        "one_uncached_selection_seconds": round(one, 3),
        "uncached_estimate_seconds": round(one * report.checked, 0),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exposures", type=int, default=100_000)
    parser.add_argument(
        "--crds-path", default=os.environ.get("CRDS_PATH", str(ROOT.parent / "shared/data/crds"))
    )
    parser.add_argument("--context", default="jwst_0541.pmap")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="benchmarks/results-stale.json")
    args = parser.parse_args(argv)
    result = run(args)
    result["machine"] = {"python": sys.version.split()[0], "platform": platform.platform(),
                         "cpus": os.cpu_count()}  # fmt: skip
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))  # noqa: T201 - the report is the output
    return 0


if __name__ == "__main__":
    sys.exit(main())

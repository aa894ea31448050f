"""Engineering Database series over a visit, as the service returns them.

One JSON response per mnemonic (`jwlink.readers.engdb`'s first layout), for
the range of the visit, with the service's bracketing values: the sample
just before the range asked for and the one just after. The pointing
quaternions ``SA_ZATTEST1..4`` are what jwst's ``set_telescope_pointing``
reads for every exposure; the values here are a fixed attitude of the visit
(deterministic, so the same seed gives byte-identical files).
"""

from __future__ import annotations

import math
import zlib
from typing import Any

from jwlink.core.linker.engineering import series_name
from jwlink.core.model import EngineeringSeries
from jwlink.synth.items import Item
from jwlink.synth.plan import Visit

__all__ = ["CADENCE_SECONDS", "MNEMONICS", "engineering_items"]

MNEMONICS = ("SA_ZATTEST1", "SA_ZATTEST2", "SA_ZATTEST3", "SA_ZATTEST4")
CADENCE_SECONDS = 64.0  # the real series sample at 0.256 s; a demo needs fewer points
_UNIX_EPOCH_MJD = 40587.0
_MS_PER_DAY = 86_400_000


def _ms(mjd: float) -> int:
    return round((mjd - _UNIX_EPOCH_MJD) * _MS_PER_DAY)


def _date(ms: int) -> str:
    return f"/Date({ms:013d}+0000)/"


def _quaternion(visit: Visit) -> tuple[float, float, float, float]:
    crc = zlib.crc32(visit.visit_id.encode())
    angles = [(crc >> shift) % 360 * math.pi / 180 for shift in (0, 9, 18)]
    q = (math.sin(angles[0]), math.cos(angles[1]), math.sin(angles[2]), 0.5)
    norm = math.sqrt(sum(v * v for v in q))
    return tuple(round(v / norm, 9) for v in q)  # type: ignore[return-value]


def engineering_items(visit: Visit) -> list[Item]:
    """Return one Engineering Database response item per mnemonic, covering the visit.

    Samples fall every `CADENCE_SECONDS` on a grid that does not start at the
    visit, so the first and last samples lie outside its range: the
    bracketing values. Items have ``kind`` ``engdb`` and ``doc`` the JSON;
    their name is the product name jwlink gives the series.
    """
    start, end = _ms(visit.start), _ms(visit.end)
    step = round(CADENCE_SECONDS * 1000)
    # The grid point just before the range asked for, and the one just after it.
    first = start - start % step
    last = end - end % step + step
    times = list(range(first, last + 1, step))
    items = []
    for mnemonic, value in zip(MNEMONICS, _quaternion(visit), strict=True):
        doc: dict[str, Any] = {
            "TlmMnemonic": mnemonic,
            "ReqSTime": _date(start),
            "ReqETime": _date(end),
            "AllPoints": 1,
            "Count": len(times),
            "Data": [{"ObsTime": _date(t), "EUValue": value} for t in times],
        }
        mjds = tuple(_UNIX_EPOCH_MJD + t / _MS_PER_DAY for t in times)
        requested = (_UNIX_EPOCH_MJD + start / _MS_PER_DAY, _UNIX_EPOCH_MJD + end / _MS_PER_DAY)
        series = EngineeringSeries("", mnemonic, mjds, requested)
        items.append(Item(series_name(series, "json"), "engdb", "engdb", None, None, doc=doc))
    return items

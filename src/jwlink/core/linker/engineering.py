"""Engineering series, exposure and guider time windows, pre-images (pure).

Time windows are what the catalog joins on to link by time (the join itself
is a catalog query: `jwlink.store.windows`):

* an exposure's ``EXPSTART``..``EXPEND`` (MJD, UTC), as ``science`` when its
  EXP_TYPE is a science one, else ``exposure``;
* a guider exposure's guiding window: ``GSSTRTTM``..``GSENDTIM``, widened by
  the guider data's own span ``DATASTRT``..``DATAEND`` where they reach
  further (jwst-data.md §6: guide-star products of the visit "within
  GSSTRTTM–GSENDTIM / DATASTRT–DATAEND");
* an Engineering Database series from its first sample to its last, the
  bracketing values the service adds before and after the range asked for
  included (and the range asked for, when the file says it).

``PREIMAGE`` (the PPS pre-image id, ``<ppppp><ooo>_<nnn>``) makes the
pre-image a ``preimage`` link: ``prerequisite`` when it was taken in the
product's own program, ``contributing`` (an external pre-image) otherwise.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from jwlink.core.linker.headers import reference_name
from jwlink.core.linker.products import exposure_intent, program_of
from jwlink.core.model import (
    Batch,
    EngineeringSeries,
    FoundFile,
    HeaderEvidence,
    Kind,
    Level,
    Link,
    Product,
    ProductType,
    TimeWindow,
    WindowRole,
)

__all__ = [
    "GUIDER_EXP_TYPES",
    "PREIMAGE_PREFIX",
    "engineering_role",
    "header_windows",
    "link_engineering",
    "mjd_from_iso",
    "msa_preimage_links",
    "preimage_links",
    "series_name",
]

GUIDER_EXP_TYPES = frozenset(
    "FGS_ACQ1 FGS_ACQ2 FGS_FINEGUIDE FGS_ID-IMAGE FGS_ID-STACK FGS_TRACK".split()
)
_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?")
_UNIX_EPOCH_MJD = 40587.0
# A pre-image named by its PPS id is the product ``preimage_<id>``: a name, no file.
PREIMAGE_PREFIX = "preimage_"
_NOT_AN_ID = frozenset({"", "N/A", "NA", "NONE", "NULL", "UNKNOWN", "0"})


def engineering_role(mnemonic: str) -> str:
    """Return the link role of an engineering series: ``engineering:<MNEMONIC>``."""
    return f"engineering:{mnemonic.upper()}"


def mjd_from_iso(value: object) -> float | None:
    """Return the MJD (UTC) of a header time ``YYYY-MM-DD[ T]hh:mm:ss[.f]``, else None.

    Examples
    --------
    >>> round(mjd_from_iso("2022-05-22 18:05:27.9110000"), 6)
    59721.753795
    """
    match = _ISO.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction = float(f"0.{match.group(7)}") if match.group(7) else 0.0
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None
    return _UNIX_EPOCH_MJD + (moment.timestamp() + fraction) / 86400.0


def _mjd(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value == value else None  # NaN is no time


def _stamp(mjd: float) -> str:
    moment = datetime.fromtimestamp((mjd - _UNIX_EPOCH_MJD) * 86400.0, tz=UTC)
    return moment.strftime("%Y%m%dT%H%M%S")


def _span(series: EngineeringSeries) -> tuple[float, float]:
    points = [*series.times, *(series.requested or ())]
    return min(points), max(points)


def series_name(series: EngineeringSeries, extension: str) -> str:
    """Return the product name of a series: the MAST service's own file URI.

    ``<MNEMONIC>-<start>-<end>.<extension>`` (``YYYYmmddTHHMMSS``, UTC), the
    range asked for when the file says it, else the span of its samples:
    one product per mnemonic and time range.
    """
    start, end = series.requested or _span(series)
    return f"{series.mnemonic}-{_stamp(start)}-{_stamp(end)}.{extension.lower().lstrip('.')}"


def link_engineering(
    series: EngineeringSeries, extension: str, found: FoundFile | None = None
) -> Batch:
    """Derive the engineering product of one series file and its time window.

    Parameters
    ----------
    series : EngineeringSeries
        What the file says (`jwlink.readers.engdb`).
    extension : str
        The file's extension (``json``, ``ecsv``, ``csv``): part of the name.
    found : FoundFile, optional
        The file on disk, if it was seen (the product is named by
        `series_name`, not by the file).

    Returns
    -------
    Batch
        The ``ENGINEERING`` product, present at the file's location, and its
        ``engineering`` window labelled with the mnemonic.
    """
    name = series_name(series, extension)
    start, end = _span(series)
    product = Product(
        name=name,
        obs_id=None,
        level=None,
        product_type=ProductType.ENGINEERING,
        suffix="",
        extension=extension.lower().lstrip("."),
        size=found.size if found else None,
        sha256=found.sha256 if found else None,
        location=found.location if found else None,
        dataproduct_type="timeseries",
    )
    window = TimeWindow(name, WindowRole.ENGINEERING, start, end, label=series.mnemonic)
    source = found.location if found else series.path
    return Batch(source=source, products=[product], windows=[window])


def _visit(product: Product, keywords: dict[str, Any]) -> str | None:
    if product.visit_id:
        return product.visit_id
    visit = str(keywords.get("VISIT_ID", "")).strip()
    return f"jw{visit}" if len(visit) == 11 and visit.isdigit() else None


def header_windows(product: Product, keywords: dict[str, Any]) -> list[TimeWindow]:
    """Return the time window a product's primary header gives it (at most one).

    Parameters
    ----------
    product : Product
        The product the header describes.
    keywords : dict
        Its primary-header keywords.

    Returns
    -------
    list of TimeWindow
        A guider window for a guider exposure (``EXP_TYPE`` ``FGS_ACQ1``,
        ``FGS_ID-IMAGE``, ... ``FGS_FINEGUIDE``), a ``science`` or ``exposure``
        window for an exposure with ``EXPSTART``/``EXPEND``; none for Level 3
        products (not exposures) or headers without times.
    """
    exp_type = str(keywords.get("EXP_TYPE", "")).strip().upper()
    visit = _visit(product, keywords)
    if exp_type in GUIDER_EXP_TYPES:
        starts = [t for t in (mjd_from_iso(keywords.get("GSSTRTTM")),
                              _mjd(keywords.get("DATASTRT"))) if t is not None]  # fmt: skip
        ends = [t for t in (mjd_from_iso(keywords.get("GSENDTIM")),
                            _mjd(keywords.get("DATAEND"))) if t is not None]  # fmt: skip
        if not starts or not ends or max(ends) < min(starts):
            return []
        return [TimeWindow(product.name, WindowRole.GUIDER, min(starts), max(ends), visit)]
    if product.level is Level.L3:
        return []
    start, end = _mjd(keywords.get("EXPSTART")), _mjd(keywords.get("EXPEND"))
    if start is None or end is None or end < start:
        return []
    science = exposure_intent(exp_type.lower()) == "science"
    role = WindowRole.SCIENCE if science else WindowRole.EXPOSURE
    return [TimeWindow(product.name, role, start, end, visit)]


def _preimage_link(value: object, target: str, program: str | None, evidence: str) -> Link | None:
    text = str(value).strip() if isinstance(value, str | int) else ""
    if text.upper() in _NOT_AN_ID:
        return None
    if "." in text:
        source = reference_name(text)
    else:
        source = PREIMAGE_PREFIX + re.sub(r"[^A-Za-z0-9_-]", "_", text)
    if source is None or source == target:
        return None
    in_program = program is not None and text.startswith(program)
    kind = Kind.PREREQUISITE if in_program else Kind.CONTRIBUTING
    return Link(source, target, kind, "preimage", evidence)


def preimage_links(product: Product, keywords: dict[str, Any]) -> list[Link]:
    """Return the link from the pre-image a header's ``PREIMAGE`` names to the product.

    The pre-image is the product ``preimage_<id>`` (a PPS id names no file),
    or the file itself when the value is a file name. Taken in the product's
    own program (the id starts with its 5-digit program number): a
    ``prerequisite``; otherwise an external pre-image: ``contributing``.
    """
    program = product.program or program_of(keywords.get("PROGRAM"))
    evidence = f"header:{product.name}:PREIMAGE"
    link = _preimage_link(keywords.get("PREIMAGE"), product.name, program, evidence)
    return [link] if link is not None else []


def msa_preimage_links(header: HeaderEvidence, preimages: tuple[str, ...]) -> Batch:
    """Return the links from the pre-images an MSA metadata file's sources name to it.

    Parameters
    ----------
    header : HeaderEvidence
        The MSA file's primary header (its name and ``PROGRAM``).
    preimages : tuple of str
        The ``PREIMAGE_ID`` values of its ``SOURCE_INFO`` table.

    Returns
    -------
    Batch
        One ``preimage`` link per id, by the rule of `preimage_links`.
    """
    batch = Batch(source=header.path)
    program = program_of(header.keywords.get("PROGRAM"))
    evidence = f"msa:{header.filename}:SOURCE_INFO.PREIMAGE_ID"
    for value in preimages:
        link = _preimage_link(value, header.filename, program, evidence)
        if link is not None:
            batch.links.append(link)
    return batch

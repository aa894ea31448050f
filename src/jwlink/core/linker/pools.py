"""Association pools -> exposure products, their observations and target-acquisition links.

A pool of a million rows is linked a part of `ROWS_PER_PART` rows at a time,
so its rows never all live in memory at once. Every rule is per row but one:
target-acquisition rows support the other rows of the same program and
observation, wherever in the file they are. So the acquisitions are collected
first (`pool_acquisitions`, a pass that keeps only them), and each part then
links its rows to the acquisitions of their observation (`link_pool_parts`);
the parts, together, hold exactly the rows of linking the pool whole
(`link_pool`), in whatever order the file lists its rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import islice

from jwlink.core.linker.products import observation_from_columns, product_of, program_of
from jwlink.core.model import Batch, Kind, Level, Link, PoolExposure
from jwlink.naming import FileName, Form, describe

__all__ = [
    "ROWS_PER_PART",
    "Acquisition",
    "exposure_obs_id",
    "link_pool",
    "link_pool_parts",
    "pool_acquisitions",
]

# Rows per part: the memory of a part (its products, observations and links,
# then the store's rows of them) is what an ingest holds of a pool at a time.
ROWS_PER_PART = 5000


@dataclass(frozen=True, slots=True)
class Acquisition:
    """What the other rows of its observation need of one target-acquisition row."""

    filename: str
    role: str
    evidence: str


# (PROGRAM, OBS_NUM without leading zeros) -> the observation's acquisitions, in file order.
Acquisitions = dict[tuple[str, str], list[Acquisition]]


def _observation_key(columns: dict[str, str]) -> tuple[str, str]:
    return columns.get("program", ""), columns.get("obs_num", "").lstrip("0")


def pool_acquisitions(rows: Iterable[PoolExposure]) -> Acquisitions:
    """Return the target-acquisition rows of a pool, by program and observation.

    The first of the two passes over a pool: all a part needs to know of the
    rest of the file. A pool holds a few acquisitions per observation.

    Parameters
    ----------
    rows : iterable of PoolExposure
        The pool's rows (read once).

    Returns
    -------
    dict
        ``(program, obs_num)`` -> the acquisitions of that observation.
    """
    found: Acquisitions = {}
    for row in rows:
        if _is_acquisition(row.columns):
            ta = Acquisition(
                row.filename,
                _prerequisite_role(row.columns),
                f"pool:{row.pool}:line {row.line}",
            )
            found.setdefault(_observation_key(row.columns), []).append(ta)
    return found


def link_pool_parts(
    rows: Iterable[PoolExposure], acquisitions: Acquisitions, per_part: int = ROWS_PER_PART
) -> Iterator[Batch]:
    """Derive the rows of an association pool in parts of ``per_part`` pool rows.

    Every row becomes an L1b product of an exposure observation carrying the
    pool's metadata. Each row that is no acquisition is supported by the
    acquisitions of its program and observation (``acquisitions``, from
    `pool_acquisitions` over the same rows): a prerequisite link from each.

    Parameters
    ----------
    rows : iterable of PoolExposure
        The pool's rows, read lazily (the second pass).
    acquisitions : dict
        `pool_acquisitions` of the same rows.
    per_part : int
        Pool rows per part.

    Yields
    ------
    Batch
        Products, observations and prerequisite links of ``per_part`` rows.
    """
    if per_part < 1:
        msg = f"per_part must be at least 1, not {per_part}"
        raise ValueError(msg)
    it = iter(rows)
    while chunk := list(islice(it, per_part)):
        batch = Batch(source=chunk[0].pool)
        for row in chunk:
            _link_row(batch, row)
            if _is_acquisition(row.columns):
                continue
            for ta in acquisitions.get(_observation_key(row.columns), ()):
                batch.links.append(
                    Link(ta.filename, row.filename, Kind.PREREQUISITE, ta.role, ta.evidence)
                )
        yield batch


def link_pool(rows: list[PoolExposure]) -> Batch:
    """Derive rows from the exposures of one association pool, all at once.

    Target-acquisition exposures support the science exposures of the same
    program and observation (prerequisite); a confirmation image
    (``*_TACONFIRM``, ``NRS_CONFIRM``) with the role ``confirmation``, the
    others ``target_acquisition``. The union of `link_pool_parts`.

    Parameters
    ----------
    rows : list of PoolExposure
        The pool's rows, in file order.

    Returns
    -------
    Batch
        Products, observations and prerequisite links.
    """
    batch = Batch(source=rows[0].pool if rows else "")
    for part in link_pool_parts(rows, pool_acquisitions(rows)):
        batch.extend(part)
    return batch


def _link_row(batch: Batch, row: PoolExposure) -> None:
    """Add a row's product and exposure observation to ``batch``."""
    product = product_of(describe(row.filename), program=program_of(row.columns.get("program")))
    if product.level is None:
        # A pool row is an exposure's Level 1b file even when its name (a
        # 2015-layout "..._MIRIM_image" without suffix) does not say so.
        product = replace(product, level=Level.L1B)
    if product.obs_id is None:
        # ... and its exposure is the row's own columns when its name is
        # of an older layout the grammar does not read.
        product = replace(product, obs_id=exposure_obs_id(row.columns))
    batch.products.append(product)
    obs = observation_from_columns(product, row.columns)
    if obs is not None:
        batch.observations.append(obs)


def exposure_obs_id(columns: dict[str, str]) -> str | None:
    """Return the exposure observation id a pool row's columns spell, or None.

    ``jw<PROGRAM><OBS_NUM><VISIT>_<VISITGRP><SEQ_ID><ACT_ID>_<EXPOSURE>_<detector>``
    (file_naming.rst), for rows whose file name is of an earlier layout
    (``jw93060001001_01101_00001_MIRIM_image_uncal.fits`` of a 2015 pool):
    the detector as the pool writes it, in lower case.

    Examples
    --------
    >>> exposure_obs_id({"program": "93060", "obs_num": "1", "visit": "1", "visitgrp": "1",
    ...                  "seq_id": "1", "act_id": "1", "exposure": "1", "detector": "MIRIM"})
    'jw93060001001_01101_00001_mirim'
    """
    try:
        numbers = [int(columns[k]) for k in ("program", "obs_num", "visit", "visitgrp",
                                             "seq_id", "exposure")]  # fmt: skip
    except (KeyError, ValueError):
        return None
    program, obs, visit, group, seq, exposure = numbers
    act = columns.get("act_id", "").strip().lower().zfill(2)
    detector = columns.get("detector", "").strip().lower()
    limits = (program < 10**5, obs < 10**3, visit < 10**3, group < 10**2, seq < 10,
              exposure < 10**5)  # fmt: skip
    if not (all(limits) and min(numbers) >= 0 and len(act) == 2 and act.isalnum()
            and detector.isascii() and detector.isalnum()):  # fmt: skip
        return None
    exposure_name = FileName(
        Form.EXPOSURE, program=f"{program:05d}", observation=f"{obs:03d}", visit=f"{visit:03d}",
        visit_group=f"{group:02d}", seq_id=str(seq), activity=act, exposure=f"{exposure:05d}",
        detector=detector,
    )  # fmt: skip
    return exposure_name.stem


_ACQ_EXP_TYPES = frozenset(
    "mir_tacq mir_taconfirm nis_tacq nis_taconfirm nrc_tacq nrc_taconfirm nrs_confirm "
    "nrs_msata nrs_tacq nrs_taconfirm nrs_taslit nrs_wata nrs_verify".split()
)


def _prerequisite_role(columns: dict[str, str]) -> str:
    """Return the prerequisite role of an acquisition exposure's pool row.

    ``confirmation`` for a confirmation image (taken after the acquisition),
    else ``target_acquisition``: jwst associations' ACQ_EXP_TYPES hold both.
    """
    exp_type = columns.get("exp_type", "").lower()
    confirms = exp_type.endswith("_taconfirm") or exp_type == "nrs_confirm"
    return "confirmation" if confirms else "target_acquisition"


def _is_acquisition(columns: dict[str, str]) -> bool:
    return (
        columns.get("exp_type", "").lower() in _ACQ_EXP_TYPES
        or columns.get("pntgtype", "").lower() == "target_acquisition"
    )

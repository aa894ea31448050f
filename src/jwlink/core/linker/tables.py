"""Association pools and MAST product-list tables -> products and observations."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from jwlink.core.linker.products import (
    add_info,
    add_product,
    observation_from_columns,
    product_of,
    program_of,
)
from jwlink.core.model import (
    Batch,
    Kind,
    Level,
    Link,
    ListedProduct,
    Member,
    PoolExposure,
    ProductType,
)
from jwlink.naming import FileName, Form, describe

__all__ = ["exposure_obs_id", "link_listed", "link_pool"]


def link_pool(rows: list[PoolExposure]) -> Batch:
    """Derive rows from the exposures of one association pool.

    Every row becomes an L1b product of an exposure observation carrying the
    pool's metadata. Target-acquisition exposures support the science
    exposures of the same program and observation (prerequisite); a
    confirmation image (``*_TACONFIRM``, ``NRS_CONFIRM``) with the role
    ``confirmation``, the others ``target_acquisition``.

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
    by_obs: dict[tuple[str, str], list[PoolExposure]] = {}
    for row in rows:
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
        key = (row.columns.get("program", ""), row.columns.get("obs_num", "").lstrip("0"))
        by_obs.setdefault(key, []).append(row)
    for group in by_obs.values():
        acquisitions = [r for r in group if _is_acquisition(r.columns)]
        for ta in acquisitions:
            for sci in group:
                if sci in acquisitions:
                    continue
                evidence = f"pool:{ta.pool}:line {ta.line}"
                role = _prerequisite_role(ta.columns)
                batch.links.append(
                    Link(ta.filename, sci.filename, Kind.PREREQUISITE, role, evidence)
                )
    return batch


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


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


_MJD_EPOCH = datetime(1858, 11, 17, tzinfo=UTC)


def _release(value: Any) -> str | None:
    """Return a ``t_obs_release`` as ISO text: MAST gives an MJD, exports may give a date."""
    text = _text(value)
    if text is None:
        return None
    try:
        mjd = float(text)
    except ValueError:
        return text
    if not 0 < mjd < 200_000:  # not an MJD: kept as written (and read as exclusive)
        return text
    return (_MJD_EPOCH + timedelta(days=mjd)).strftime("%Y-%m-%dT%H:%M:%S")


def _product_type(value: Any) -> ProductType | None:
    try:
        return ProductType(str(value).upper())
    except ValueError:
        return None


def link_listed(rows: list[ListedProduct]) -> Batch:
    """Derive rows from a MAST product list, download manifest, script or cloud listing.

    Each row names one file. Its observation is the row's ``obs_id`` when the
    table has one, else the one its name implies (none for shared files): a
    table never moves a file into another row's observation. Rows whose
    ``parent_obsid`` differs from their ``obsID`` were listed for a parent
    (Level 3) observation: the parent's ``obs_id`` is learned from the rows it
    owns, and the owner is recorded as its member. Without both columns
    (a trimmed export, a manifest) no membership is derived.

    Parameters
    ----------
    rows : list of ListedProduct
        The table's rows.

    Returns
    -------
    Batch
        Products with size, data rights, version and type as MAST lists them.
    """
    batch = Batch(source=rows[0].source if rows else "")
    # Only real ids: a table without obsID would map every row to None, and
    # parent_obsid None would then name the last row's observation (issue 11).
    owner_of: dict[str, str] = {}
    for row in rows:
        obsid, obs_id = _text(row.columns.get("obsID")), _text(row.columns.get("obs_id"))
        if obsid is not None and obs_id is not None:
            owner_of.setdefault(obsid, obs_id)
    for row in rows:
        cols = row.columns
        info = describe(str(cols["productFilename"]))
        add_info(batch, info)
        # MAST's calib_level says the level where the name does not; 2 alone
        # does not say 2a or 2b, so it stays for the list to derive.
        level = info.level
        if level is None:
            level = _LISTED_LEVELS.get(_int(cols.get("calib_level")) or 0)
        # product_of keeps the name's values where these are None.
        base = product_of(
            info,
            level=level,
            product_type=_product_type(cols.get("productType")),
            obs_id=_text(cols.get("obs_id")),
            size=_int(cols.get("size")),
            prvversion=_text(cols.get("prvversion")),
            data_rights=_text(cols.get("dataRights")),
            release_date=_release(cols.get("t_obs_release")),
            filters=_text(cols.get("filters")),
            dataproduct_type=_text(cols.get("dataproduct_type")),
            program=program_of(cols.get("proposal_id")),
        )
        add_product(batch, base, info.form)
        parent_id = _text(cols.get("parent_obsid"))
        parent = owner_of.get(parent_id) if parent_id is not None else None
        if parent and base.obs_id and parent != base.obs_id:
            batch.members.append(
                Member(parent, base.obs_id, "member", f"table:{row.source}:line {row.line}")
            )
    return batch


_LISTED_LEVELS = {1: Level.L1B, 3: Level.L3}

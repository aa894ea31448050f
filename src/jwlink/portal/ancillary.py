"""A product page's engineering data and guider exposures, apart from its other links.

An exposure may take a contributing link from dozens of Engineering Database
series (role ``engineering:<MNEMONIC>``) and a guide-star link from each file
of each guider exposure of its visit (role ``guide_star``, by two rules). In
the table of direct links they bury the science chain; here they are drawn
grouped: series by mnemonic, guider files by guider exposure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from jwlink.portal.render import Safe
from jwlink.portal.views import path_segment

__all__ = ["is_ancillary_link", "engineering_section", "guider_section"]

_ENGINEERING = "engineering"
_GUIDE_STAR = "guide_star"
# A series is named as the MAST service names its files: <MNEMONIC>-<start>-<end>.<ext>.
_SERIES = re.compile(r"^.+-(\d{8}T\d{6})-(\d{8}T\d{6})\.[a-z]+$", re.IGNORECASE)
# A file of a guider exposure: its name up to the pipeline suffix, after "_" or "-"
# (jw<visit>_gs-acq1_<time>_cal.fits, jw<visit>_gs-id_1_image-cal.fits).
_STEM = re.compile(r"^(?P<stem>.+)[_-][a-z0-9]+\.[a-z0-9.]+$", re.IGNORECASE)


def _is_engineering(link: Mapping[str, Any]) -> bool:
    role = str(link.get("role") or "")
    return role == _ENGINEERING or role.startswith(_ENGINEERING + ":")


def is_ancillary_link(link: Mapping[str, Any]) -> bool:
    """Say whether this module draws an incoming link: an engineering series or a guider file."""
    return _is_engineering(link) or link.get("role") == _GUIDE_STAR


def _product(name: str, base: str, text: str | None = None) -> str:
    href = f"{base}/products/{path_segment(name)}"
    return f"<a href='{href}' title='{escape(name)}'>{escape(text or name)}</a>"


def _span(name: str) -> str:
    match = _SERIES.match(name)
    if match is None:
        return name
    start, end = (f"{t[:4]}-{t[4:6]}-{t[6:11]}:{t[11:13]}:{t[13:]}" for t in match.groups())
    return f"{start} – {end}"


def _section(ident: str, title: str, count: int, note: str, head: str, rows: list[str]) -> Safe:
    return Safe(
        f"<section aria-labelledby='{ident}-title' id='{ident}'>"
        f"<h2 id='{ident}-title'>{escape(title)} <span class='badge'>{count}</span></h2>"
        f"<p class='muted'>{escape(note)}</p><div class='table-wrap'>"
        f"<table class='data' id='{ident}-table'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _evidence(links: Sequence[Mapping[str, Any]]) -> str:
    seen = sorted({str(k.get("evidence") or "") for k in links} - {""})
    return ", ".join(escape(e) for e in seen)


def engineering_section(links: Sequence[Mapping[str, Any]], base: str) -> Safe:
    """Return the product's engineering series, one row per mnemonic (empty when none).

    Parameters
    ----------
    links : sequence of dict
        The product's incoming links (``source``, ``kind``, ``role``, ``evidence``).
    base : str
        The portal's root path.
    """
    by_mnemonic: dict[str, list[Mapping[str, Any]]] = {}
    for link in links:
        if _is_engineering(link):
            role = str(link.get("role") or "")
            mnemonic = role.split(":", 1)[1] if ":" in role else "(not named)"
            by_mnemonic.setdefault(mnemonic, []).append(link)
    if not by_mnemonic:
        return Safe("")
    rows = []
    for mnemonic in sorted(by_mnemonic):
        group = sorted(by_mnemonic[mnemonic], key=lambda k: str(k["source"]))
        series = "<br>".join(
            _product(str(k["source"]), base, _span(str(k["source"]))) for k in group
        )
        rows.append(
            f"<tr data-mnemonic='{escape(mnemonic)}'><th scope='row'><code>{escape(mnemonic)}"
            f"</code></th><td class='num'>{len(group)}</td><td>{series}</td>"
            f"<td class='muted'>{_evidence(group)}</td></tr>"
        )
    head = (
        "<th scope='col'>Mnemonic</th><th scope='col'>Files</th>"
        "<th scope='col'>Time range (UTC)</th><th scope='col'>Evidence</th>"
    )
    note = (
        "Engineering Database series whose samples (with the bracketing values before "
        "and after) overlap this exposure's EXPSTART–EXPEND: contributing / engineering."
    )
    count = sum(len(g) for g in by_mnemonic.values())
    return _section("engineering", "Engineering data", count, note, head, rows)


def guider_section(links: Sequence[Mapping[str, Any]], base: str) -> Safe:
    """Return the guider exposures linked to the product, one row per exposure (empty when none).

    Each row lists the exposure's files and how they were linked (``linked``
    by the guiding window, ``aggregation`` by the visit).
    """
    by_stem: dict[str, list[Mapping[str, Any]]] = {}
    for link in links:
        if link.get("role") == _GUIDE_STAR:
            name = str(link["source"])
            match = _STEM.match(name)
            by_stem.setdefault(match.group("stem") if match else name, []).append(link)
    if not by_stem:
        return Safe("")
    rows = []
    for stem in sorted(by_stem):
        group = by_stem[stem]
        files = sorted({str(k["source"]) for k in group})
        shown = "<br>".join(_product(f, base) for f in files)
        kinds = " ".join(
            f"<span class='kind kind-{escape(k)}'>{escape(k)}</span>"
            for k in sorted({str(x["kind"]) for x in group})
        )
        rows.append(
            f"<tr data-guider='{escape(stem)}'><th scope='row'>{escape(stem)}</th>"
            f"<td>{shown}</td><td>{kinds}</td><td class='muted'>{_evidence(group)}</td></tr>"
        )
    head = (
        "<th scope='col'>Guider exposure</th><th scope='col'>Files</th>"
        "<th scope='col'>Kind</th><th scope='col'>Evidence</th>"
    )
    note = (
        "Guide-star exposures of this visit: linked when the exposure falls in their guiding "
        "window (GSSTRTTM–GSENDTIM), aggregated with the visit by name."
    )
    return _section("guiders", "Guider exposures", len(by_stem), note, head, rows)

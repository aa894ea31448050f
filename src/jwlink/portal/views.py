"""HTML fragments built from API documents: metadata lists, member and link tables.

Pure functions from the dicts the native API returns to `Safe` HTML; every
value is escaped here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import quote

from jwlink.api.access import is_public
from jwlink.portal.render import Safe

__all__ = [
    "OBSERVATION_FIELDS",
    "PRODUCT_FIELDS",
    "link_table",
    "meta_list",
    "member_table",
    "rights_badge",
    "stale_badge",
    "mjd_to_iso",
    "options",
    "path_segment",
    "suggestion_list",
]

OBSERVATION_FIELDS: tuple[tuple[str, str], ...] = (
    ("program", "Program"), ("calib_level", "Level"), ("instrument_name", "Instrument"),
    ("filters", "Filters"), ("target_name", "Target"), ("exp_type", "Exposure type"),
    ("detector", "Detector"), ("intent_type", "Intent"), ("dataproduct_type", "Data product"),
    ("s_ra", "RA (deg)"), ("s_dec", "Dec (deg)"), ("t_min", "Start"), ("t_max", "End"),
    ("t_exptime", "Exposure time (s)"), ("data_rights", "Data rights"),
    ("release_date", "Release date"), ("obsid", "obsid"), ("visit_id", "Visit"),
)  # fmt: skip
PRODUCT_FIELDS: tuple[tuple[str, str], ...] = (
    ("obs_id", "Observation"), ("level", "Level"), ("product_type", "Type"),
    ("suffix", "Suffix"), ("extension", "Extension"), ("program", "Program"),
    ("filters", "Filters"), ("size", "Size (bytes)"), ("sha256", "SHA-256"),
    ("present", "Present"), ("data_rights", "Data rights"), ("release_date", "Release date"),
    ("prvversion", "Pipeline version"), ("dataproduct_type", "Data product"),
)  # fmt: skip
_TIMES = ("t_min", "t_max")
_MJD_EPOCH = datetime(1858, 11, 17, tzinfo=UTC)


def path_segment(text: str) -> str:
    """Percent-encode a name for one URL path segment (braces, slashes and all)."""
    return quote(text, safe="")


def mjd_to_iso(mjd: float) -> str:
    """Return an MJD as an ISO date-time in UTC, to the second."""
    when = _MJD_EPOCH + timedelta(days=mjd)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _value(key: str, value: Any, base: str) -> str:
    if value is None or value == "":
        return '<span class="muted">—</span>'
    if key in _TIMES and isinstance(value, int | float):
        return f"{value:.6f} <span class='muted'>({mjd_to_iso(value)})</span>"
    if key == "obs_id":
        return f'<a href="{base}/observations/{path_segment(str(value))}">{escape(str(value))}</a>'
    if key == "sha256":
        return f"<code class='sum'>{escape(str(value))}</code>"
    if isinstance(value, bool):
        return "yes" if value else '<span class="missing">missing</span>'
    return escape(str(value))


def meta_list(doc: Mapping[str, Any], fields: Iterable[tuple[str, str]], base: str) -> Safe:
    """Return ``<dt>``/``<dd>`` pairs for the given fields of a document."""
    parts = [
        f"<div><dt>{escape(label)}</dt><dd data-field='{escape(key)}'>"
        f"{_value(key, doc.get(key), base)}</dd></div>"
        for key, label in fields
    ]
    return Safe("".join(parts))


def _summary(members: Sequence[Mapping[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for m in members:
        kind = str(m.get("exptype") or "unknown")
        counts[kind] = counts.get(kind, 0) + 1
    order = sorted(counts, key=lambda k: (-counts[k], k))
    return ", ".join(f"{counts[k]} {escape(k.replace('_', ' '))}" for k in order)


def member_table(members: Sequence[Mapping[str, Any]], base: str, shown: int = 50) -> Safe:
    """Return the member exposures of a Level 3 observation, summarised by exposure type.

    The table (first ``shown`` rows) sits in a closed ``<details>``: the
    products come first, the members one line under the metadata.
    """
    if not members:
        return Safe("")
    evidence = {str(m.get("evidence") or "") for m in members}
    common = (
        f" <span class='muted'>(all from {escape(next(iter(evidence)))})</span>"
        if len(evidence) == 1 and "" not in evidence
        else ""
    )
    rows = "".join(
        f"<tr><td><a href='{base}/observations/{path_segment(m['obs_id'])}'>"
        f"{escape(m['obs_id'])}</a></td><td>{escape(str(m.get('exptype') or ''))}</td>"
        f"<td class='muted'>{escape(str(m.get('evidence') or ''))}</td></tr>"
        for m in members[:shown]
    )
    more = ""
    if len(members) > shown:
        more = (
            f"<p><button type='button' id='members-all' data-total='{len(members)}'>"
            f"Show all {len(members)} members</button></p>"
        )
    return Safe(
        "<details class='members' id='members'><summary id='members-title'>"
        f"<strong>{len(members)} member exposures</strong>: {_summary(members)}{common}"
        " <span class='muted'>— show the table</span></summary>"
        "<div class='table-wrap'><table class='data' id='member-table'>"
        "<thead><tr><th scope='col'>Exposure observation</th><th scope='col'>Exposure type</th>"
        f"<th scope='col'>Evidence</th></tr></thead><tbody>{rows}</tbody></table></div>{more}"
        "</details>"
    )


def rights_badge(rights: str | None, release: str | None) -> Safe:
    """Return the data-rights line of a page: public, or exclusive until its release date."""
    value = str(rights or "").upper()
    if not value:
        return Safe("<span class='rights unknown' id='rights'>Data rights not recorded</span>")
    if value == "PUBLIC":
        when = f" (released {escape(str(release))})" if release else ""
        return Safe(f"<span class='rights public' id='rights'>Public{when}</span>")
    label = escape(value.lower().replace("_", " "))
    if is_public(value, release):
        # Exclusive rights end at the release date: the files are served to
        # anyone now, so the page must not say they are still locked.
        text = f"Public since {escape(str(release))} (was {label})"
        return Safe(f"<span class='rights public' id='rights'>{text}</span>")
    until = f" until {escape(str(release))}" if release else " (no release date recorded)"
    return Safe(f"<span class='rights exclusive' id='rights'>{label.capitalize()}{until}</span>")


def stale_badge(stale: object) -> Safe:
    """Return the stale badge of a product page: only when the server said the product is stale.

    ``stale`` is the product's flag, present when the server has a target CRDS
    context (``jwlink serve --crds-context``); ``True`` draws the badge.
    """
    if stale is not True:
        return Safe("")
    return Safe(
        "<span class='badge stale' id='stale' title=\"Stale: the server's target CRDS "
        "context selects other reference files for this product's header\">stale: "
        "reprocess</span>"
    )


def link_table(
    links: Mapping[str, Sequence[Mapping[str, Any]]],
    base: str,
    apart: Callable[[Mapping[str, Any]], bool] | None = None,
) -> Safe:
    """Return the table of a product's direct links, inputs first.

    Incoming links for which ``apart`` is true are left to a section of
    their own (`jwlink.portal.ancillary`: engineering series, guider files).
    """
    rows = []
    for direction, other_key, label in (("in", "source", "from"), ("out", "target", "to")):
        for link in links.get(direction, []):
            if direction == "in" and apart is not None and apart(link):
                continue
            other = str(link[other_key])
            rows.append(
                f"<tr><td>{label}</td><td><a href='{base}/products/{path_segment(other)}'>"
                f"{escape(other)}</a></td><td><span class='kind kind-{escape(link['kind'])}'>"
                f"{escape(link['kind'])}</span></td><td>{escape(str(link.get('role') or ''))}</td>"
                f"<td class='muted'>{escape(str(link.get('evidence') or ''))}</td></tr>"
            )
    if not rows:
        return Safe("<p class='muted'>No links.</p>")
    return Safe(
        "<div class='table-wrap'><table class='data' id='link-table'><thead><tr>"
        "<th scope='col'>Direction</th><th scope='col'>Product</th><th scope='col'>Kind</th>"
        "<th scope='col'>Role</th><th scope='col'>Evidence</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def suggestion_list(names: Sequence[str], base: str) -> Safe:
    """Return the close matches of a name nothing answers to, each a link to its lineage page.

    The lineage page takes products and observations alike.
    """
    if not names:
        return Safe("")
    items = "".join(
        f"<li><a href='{base}/lineage/{path_segment(n)}'>{escape(n)}</a></li>" for n in names
    )
    return Safe(f"<p>Close matches:</p><ul class='suggestions'>{items}</ul>")


def options(choices: Iterable[tuple[str, str]], selected: str) -> Safe:
    """Return ``<option>`` elements, marking the one whose value is ``selected``."""
    return Safe("".join(
        f"<option value='{escape(value)}'{' selected' if value == selected else ''}>"
        f"{escape(label)}</option>"
        for value, label in choices
    ))  # fmt: skip

"""Every name a user holds, turned into the catalog key it stands for.

People hold names in many forms: a file name, a path to the file
(``./x/y_cal.fits``), a MAST ``dataURI`` (``mast:JWST/product/<file>``), a
CRDS URI as a header's ``R_*`` keyword writes it (``crds://<file>``), a
numeric MAST ``obsid``, an obs_id typed in upper case or pasted with spaces
around it. `resolve` accepts them all, in one place, for every surface (CLI,
native API, MAST protocol, DataLink, portal, downloads).

A name nothing answers to raises `NotFound` naming the catalog searched and
up to five close matches. The candidates come from bounded index range
seeks around the name (its neighbours in each key's sort order), never from
reading a whole table, so a miss costs the same on a million-product catalog.
"""

from __future__ import annotations

import difflib
import re
from urllib.parse import urlsplit, urlunsplit

from jwlink.errors import NotFound
from jwlink.store import SqlStore

__all__ = [
    "catalog_label",
    "forms",
    "last_component",
    "not_found",
    "obsid_of",
    "resolve",
    "suggest",
]

# Path separators: whatever precedes the last one is a folder or a URI scheme
# and authority (``mast:JWST/product/``, ``crds://``, ``s3://bucket/...``).
_SEPARATORS = re.compile(r"[\\/]")
# MAST obsids are positive 64-bit integers.
_MAX_OBSID_DIGITS = 18
# The keys a name may be; each lookup is one primary-key (or unique) seek.
_LOOKUPS = (
    ("product", "SELECT name FROM products WHERE name = ?"),
    ("observation", "SELECT obs_id FROM observations WHERE obs_id = ?"),
    ("observation", "SELECT obs_id FROM aliases WHERE alias = ?"),
)
# Neighbours of a name in each key's sort order: two bounded index range seeks per table.
_NEIGHBOURS = (
    "SELECT name FROM products WHERE name >= ? ORDER BY name LIMIT 12",
    "SELECT name FROM products WHERE name < ? ORDER BY name DESC LIMIT 12",
    "SELECT obs_id FROM observations WHERE obs_id >= ? ORDER BY obs_id LIMIT 12",
    "SELECT obs_id FROM observations WHERE obs_id < ? ORDER BY obs_id DESC LIMIT 12",
    "SELECT alias FROM aliases WHERE alias >= ? ORDER BY alias LIMIT 12",
    "SELECT alias FROM aliases WHERE alias < ? ORDER BY alias DESC LIMIT 12",
)
MAX_SUGGESTIONS = 5
# A password given as a query parameter of a PostgreSQL URL.
_QUERY_PASSWORD = re.compile(r"((?:^|&)password=)[^&]*", re.IGNORECASE)


def forms(name: str) -> list[str]:
    """Return the catalog keys a name may stand for, the most literal first.

    The name as given (without surrounding blanks); its last path component
    (a path, a ``mast:`` or ``crds://`` URI); that in lower case (JWST file
    names and obs_ids are lower case). Empty and dot components are dropped.

    Examples
    --------
    >>> forms(" mast:JWST/product/JW01409-O001_T001_NIRCAM_CLEAR-F200W_I2D.FITS ")[-1]
    'jw01409-o001_t001_nircam_clear-f200w_i2d.fits'
    """
    text = name.strip()
    base = last_component(text)
    found: list[str] = []
    for form in (text, base, base.lower()):
        if form and form not in (".", "..") and form not in found:
            found.append(form)
    return found


def last_component(name: str) -> str:
    """Return what follows a name's last slash or backslash (all of it if none), trimmed."""
    return _SEPARATORS.split(name.strip())[-1].strip()


def obsid_of(name: str) -> int | None:
    """Return the MAST integer obsid a name spells, or None if it is not one."""
    text = name.strip()
    if text.isascii() and text.isdigit() and len(text) <= _MAX_OBSID_DIGITS:
        return int(text)
    return None


def _lookup(store: SqlStore, name: str) -> tuple[str, str] | None:
    for form in forms(name):
        for what, sql in _LOOKUPS:
            rows = store.execute(sql, (form,))
            if rows:
                return what, str(rows[0][0])
    number = obsid_of(name)
    if number is not None:
        rows = store.execute("SELECT obs_id FROM observations WHERE obsid = ?", (number,))
        if rows:
            return "observation", str(rows[0][0])
    return None


def resolve(store: SqlStore, name: str) -> tuple[str, str]:
    """Say what a name is: ``("product", file name)`` or ``("observation", obs_id)``.

    Parameters
    ----------
    store : SqlStore
        The catalog.
    name : str
        A product file name, a path to the file, a ``mast:JWST/product/<file>``
        or ``crds://<file>`` URI, an obs_id, an association product name
        (placeholders included), or a numeric MAST obsid; blanks around it
        and upper case are forgiven.

    Returns
    -------
    tuple of str
        What the name is and its catalog key.

    Raises
    ------
    NotFound
        Nothing answers to the name; the error names the catalog searched and
        carries up to five close matches.
    """
    found = _lookup(store, name)
    if found is None:
        raise not_found(store, name)
    return found


def not_found(store: SqlStore, name: str) -> NotFound:
    """Return the `NotFound` error for a name: the catalog searched and close matches."""
    return NotFound(name, catalog=catalog_label(store.url), suggestions=suggest(store, name))


def _common_prefix(a: str, b: str) -> int:
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    return size


def _neighbours(store: SqlStore, key: str) -> set[str]:
    found: set[str] = set()
    for sql in _NEIGHBOURS:
        found.update(str(r[0]) for r in store.execute(sql, (key,)))
    return found


def suggest(store: SqlStore, name: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Return up to ``limit`` catalog names close to a name nothing answers to.

    Candidates are the name's neighbours in the sort order of product names,
    obs_ids and association names (a typo late in a name lands beside the
    right one), then the neighbours of the name mended where it parts from
    them: the character there dropped, swapped with the next, replaced by or
    preceded by the neighbours' character, or the rest cut off (a typo early
    in a name). Every probe is a bounded index seek; difflib ranks the
    candidates and only fairly close ones are kept.
    """
    texts = forms(name)
    if not texts:
        return []
    key = texts[-1]
    candidates = _neighbours(store, key)
    split = max((_common_prefix(key, c.lower()) for c in candidates), default=0)
    head, tail = key[:split], key[split:]
    probes = {head, head + tail[1:]}  # the typo cut off; the character dropped
    if len(tail) > 1:
        probes.add(head + tail[1] + tail[0] + tail[2:])  # two characters swapped
    # The characters the closest names have where this one parts from them:
    # put in place of the typo, or before it (a character left out).
    nearest = sorted(c.lower() for c in candidates if _common_prefix(key, c.lower()) == split)
    for char in sorted({c[split] for c in nearest if len(c) > split})[:3]:
        probes |= {head + char + tail[1:], head + char + tail}
    for probe in sorted(probes - {key, ""}):
        candidates |= _neighbours(store, probe)
    by_lower: dict[str, str] = {}
    for candidate in sorted(candidates):
        by_lower.setdefault(candidate.lower(), candidate)
    close = difflib.get_close_matches(key, list(by_lower), n=limit, cutoff=0.75)
    return [by_lower[c] for c in close]


def catalog_label(url: str) -> str:
    """Return a catalog URL or path fit to print: any password is hidden.

    Examples
    --------
    >>> catalog_label("postgresql://jw:s3cret@db.example/jwlink")
    'postgresql://jw:***@db.example/jwlink'
    >>> catalog_label("postgresql://db.example/jwlink?user=jw&password=s3cret")
    'postgresql://db.example/jwlink?user=jw&password=***'
    """
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if parts.password is not None:
        user = parts.username or ""
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port is not None else ""
        parts = parts._replace(netloc=f"{user}:***@{host}{port}")
    query = _QUERY_PASSWORD.sub(r"\1***", parts.query)
    return urlunsplit(parts._replace(query=query))

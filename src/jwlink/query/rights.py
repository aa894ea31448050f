"""An observation's data rights and release date, as its products decide them, in SQL.

Downloads decide per file: a product's own rights, else its observation's,
else its program's (`jwlink.query.selection.files_by_name`); an exclusive
file is refused until its release date has passed. An observation is
``EXCLUSIVE_ACCESS`` exactly while one of its files would be refused:

A. one of its products is itself exclusive and not yet released (a product
   without a date of its own takes the observation's);
B. the observation's own rights are exclusive and unreleased, and one of its
   products has no rights of its own (or it has no products at all);
C. neither it nor one of its products says anything, and its program has an
   exclusive product not yet released (pools, placeholder products).

Its release date (MAST's ``t_obs_release``) is the latest of its exclusive
products' (none while one of them has no date: no one can say when it opens);
for a public observation with no exclusive product, the latest of its
products' dates, else the observation's own. Computed when asked, not stored: a release date
passes with no ingest to notice it. Every subquery is an index seek: the
partial indexes of migrations 0003 (by program) and 0004 (by observation)
hold only exclusive products, and "a product without rights" reads the
observation's own few products by ``products_obs_id``. A page of
observations costs a few seeks per row, never a scan of all products.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["EXCLUSIVE_RIGHTS", "RELEASE_SQL", "RIGHTS_SQL", "now_params"]

EXCLUSIVE_RIGHTS = ("EXCLUSIVE_ACCESS", "RESTRICTED", "PROPRIETARY")
_P_EXCLUSIVE = "UPPER(p.data_rights) IN ('EXCLUSIVE_ACCESS', 'RESTRICTED', 'PROPRIETARY')"
_Q_EXCLUSIVE = "UPPER(q.data_rights) IN ('EXCLUSIVE_ACCESS', 'RESTRICTED', 'PROPRIETARY')"
_O_EXCLUSIVE = (
    "UPPER(observations.data_rights) IN ('EXCLUSIVE_ACCESS', 'RESTRICTED', 'PROPRIETARY')"
)
_OWN = "p.obs_id = observations.obs_id"
# Existence is "(SELECT 1 ... LIMIT 1) = 1", not EXISTS: PostgreSQL may turn an
# EXISTS into one hashed pass over all products; a LIMIT keeps it a seek per row.
_OWN_UNRELEASED = "(observations.release_date IS NULL OR observations.release_date > ?)"
# A: the observation's own exclusive products not yet released (one '?' each: now).
_A_UNRELEASED = (
    f"FROM products p WHERE {_OWN} AND {_P_EXCLUSIVE} AND (p.release_date > ? OR "
    f"(p.release_date IS NULL AND {_OWN_UNRELEASED}))"
)
_HAS_BARE = f"(SELECT 1 FROM products p WHERE {_OWN} AND p.data_rights IS NULL LIMIT 1) = 1"
_HAS_NONE = f"(SELECT 1 FROM products p WHERE {_OWN} LIMIT 1) IS NULL"
# B: the observation's own exclusive rights reach files that carry none.
_B = f"({_O_EXCLUSIVE} AND {_OWN_UNRELEASED} AND ({_HAS_BARE} OR {_HAS_NONE}))"
# C: the program's exclusive rights reach files that nothing else describes.
_PROGRAM_UNRELEASED = (
    f"FROM products q WHERE q.program = observations.program AND {_Q_EXCLUSIVE} "
    "AND (q.release_date IS NULL OR q.release_date > ?)"
)
_C_APPLIES = f"(observations.data_rights IS NULL AND {_HAS_BARE})"

RIGHTS_SQL = (
    f"COALESCE((SELECT UPPER(p.data_rights) {_A_UNRELEASED} LIMIT 1), "
    f"CASE WHEN {_B} THEN UPPER(observations.data_rights) END, "
    f"CASE WHEN {_C_APPLIES} THEN (SELECT UPPER(q.data_rights) {_PROGRAM_UNRELEASED} LIMIT 1) "
    "END, 'PUBLIC')"
)
"""The observation's ``dataRights``: four ``?``, each the current time (`now_params`)."""

_A_LATEST = (
    f"CASE WHEN (SELECT 1 FROM products p WHERE {_OWN} AND {_P_EXCLUSIVE} "
    "AND COALESCE(p.release_date, observations.release_date) IS NULL LIMIT 1) = 1 THEN NULL "
    "ELSE (SELECT MAX(COALESCE(p.release_date, observations.release_date)) FROM products p "
    f"WHERE {_OWN} AND {_P_EXCLUSIVE}) END"
)
_PROGRAM_LATEST = (
    "CASE WHEN (SELECT 1 FROM products q WHERE q.program = observations.program "
    f"AND {_Q_EXCLUSIVE} AND q.release_date IS NULL LIMIT 1) = 1 THEN NULL "
    "ELSE (SELECT MAX(q.release_date) FROM products q WHERE q.program = observations.program "
    f"AND {_Q_EXCLUSIVE}) END"
)
RELEASE_SQL = (
    f"CASE WHEN (SELECT 1 {_A_UNRELEASED} LIMIT 1) = 1 THEN {_A_LATEST} "
    f"WHEN {_B} THEN observations.release_date "
    f"WHEN {_C_APPLIES} AND (SELECT 1 {_PROGRAM_UNRELEASED} LIMIT 1) = 1 THEN {_PROGRAM_LATEST} "
    f"WHEN (SELECT 1 FROM products p WHERE {_OWN} AND {_P_EXCLUSIVE} LIMIT 1) = 1 "
    f"THEN {_A_LATEST} "
    f"ELSE COALESCE((SELECT MAX(p.release_date) FROM products p WHERE {_OWN}), "
    "observations.release_date) END"
)
"""The observation's release date (``t_obs_release``): four ``?``, each the current time."""

# How many '?' each expression holds (all of them the current time).
RIGHTS_PARAMS = RIGHTS_SQL.count("?")
RELEASE_PARAMS = RELEASE_SQL.count("?")


def now_params(count: int, now: datetime | None = None) -> list[str]:
    """Return ``count`` copies of the current UTC time as ISO text (the expressions' ``?``).

    Release dates are ISO dates or date-times; ISO text compares in time order
    (a date alone is its midnight, as `jwlink.api.access.is_public` reads it).
    """
    when = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return [when] * count

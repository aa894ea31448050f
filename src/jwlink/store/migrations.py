"""The catalog's schema as named migrations, applied in order, each once (`SqlStore.migrate`)."""

from __future__ import annotations

from importlib import resources

from jwlink.core.reftypes import REFTYPES

__all__ = ["CREATE_MIGRATIONS", "MIGRATIONS"]


def _stem_roles_sql() -> str:
    """Return SQL that renames roles by keyword stem to roles by reftype.

    Catalogs ingested before roles said the reftype hold
    ``reference:superb`` where they now hold ``reference:superbias``; this is
    the store's migration for them. A link already held under both roles
    keeps one row.
    """
    statements = []
    for keyword, reftype in sorted(REFTYPES.items()):
        stem = keyword.removeprefix("R_").lower()
        if stem == reftype:
            continue
        old, new = f"'reference:{stem}'", f"'reference:{reftype}'"
        statements.append(
            f"UPDATE links SET role = {new} WHERE role = {old} AND NOT EXISTS ("
            f"SELECT 1 FROM links AS same WHERE same.source = links.source AND "
            f"same.target = links.target AND same.kind = links.kind AND same.role = {new});\n"
            f"DELETE FROM links WHERE role = {old};\n"
        )
    return "".join(statements)


# Named migrations, applied in order, each once.
MIGRATIONS: tuple[tuple[str, str], ...] = (
    ("0001_initial", resources.files("jwlink.store").joinpath("schema.sql").read_text()),
    # Visits whose guide-star links are still to be derived. Each file's
    # transaction queues its visits, the end of an ingest drains the queue:
    # an ingest killed in between leaves the work queued for the next run
    # (which may find every file unchanged and read none of them).
    ("0002_guide_star_queue", "CREATE TABLE guide_star_queue (visit_id TEXT PRIMARY KEY)"),
    # A file with no rights of its own takes its program's (queries.program_rights):
    # only the program's exclusive products need reading, not all of them.
    (
        "0003_program_rights",
        "CREATE INDEX products_program_exclusive ON products (program, release_date, data_rights) "
        "WHERE UPPER(data_rights) IN ('EXCLUSIVE_ACCESS', 'RESTRICTED', 'PROPRIETARY')",
    ),
    # An observation's rights follow its products' (jwlink.query.rights): its
    # exclusive products are one index seek, read from the index alone.
    (
        "0004_observation_rights",
        "CREATE INDEX products_obs_exclusive ON products (obs_id, release_date, data_rights) "
        "WHERE UPPER(data_rights) IN ('EXCLUSIVE_ACCESS', 'RESTRICTED', 'PROPRIETARY')",
    ),
    # Reference roles say the CRDS reftype (reference:superbias), no longer
    # the R_* keyword's stem (reference:superb): catalogs made before follow.
    ("0005_reference_roles_by_reftype", _stem_roles_sql()),
    # Per product whose header names its reference files: CRDS_CTX, the
    # keywords CRDS selects by (jwlink.core.crdsparams) and the R_* values,
    # JSON text; `jwlink stale` asks a target context what it selects for
    # each distinct set of parameters. N/A values are kept: a context that
    # now selects a file where the header says N/A has changed it too.
    (
        "0006_crds_headers",
        "CREATE TABLE crds_headers (name TEXT PRIMARY KEY, context TEXT, "
        "parameters TEXT NOT NULL, reference_files TEXT NOT NULL)",
    ),
    # Time windows (MJD) of exposures, guider exposures and Engineering
    # Database series, and the queue of those still to link by time
    # (jwlink.store.windows): each file's transaction writes and queues its
    # windows, the end of an ingest drains the queue, as for guide stars.
    (
        "0007_time_windows",
        "CREATE TABLE windows (name TEXT NOT NULL, role TEXT NOT NULL, "
        "t_start DOUBLE PRECISION NOT NULL, t_end DOUBLE PRECISION NOT NULL, "
        "span DOUBLE PRECISION NOT NULL, visit_id TEXT, label TEXT, PRIMARY KEY (name, role));"
        "CREATE INDEX windows_start ON windows (role, t_start);"
        "CREATE INDEX windows_span ON windows (role, span);"
        "CREATE INDEX windows_visit ON windows (visit_id, role, t_start);"
        "CREATE TABLE window_queue (name TEXT NOT NULL, role TEXT NOT NULL, "
        "PRIMARY KEY (name, role))",
    ),
    # A program's product list is paged by observation (query.questions):
    # its rows per observation are counted from the index alone. The index
    # on program alone is this one's prefix, so it goes (one index to keep
    # up at ingest, as before).
    (
        "0008_program_observations",
        "CREATE INDEX products_program_obs ON products (program, obs_id);"
        "DROP INDEX products_program",
    ),
    # Each observation's product list, its files in order by their best path
    # (jwlink.store.listings), and the queue of lists to recompute. A catalog
    # made before has every list queued: read live until its next ingest.
    (
        "0009_listings",
        "CREATE TABLE listings (obs_id TEXT NOT NULL, position INTEGER NOT NULL, "
        "name TEXT NOT NULL, via TEXT, kind TEXT, role TEXT, rank INTEGER NOT NULL, "
        "PRIMARY KEY (obs_id, position));"
        "CREATE TABLE listing_queue (obs_id TEXT PRIMARY KEY);"
        "INSERT INTO listing_queue (obs_id) SELECT obs_id FROM observations "
        "UNION SELECT obs_id FROM products WHERE obs_id IS NOT NULL",
    ),
    # Each input's size and modification time (ns) when it was read, so a
    # file changed since is never served, bundled or listed under its old
    # checksum (jwlink.api.freshness). Inputs read before have NULLs: their
    # files are re-hashed before they are served, as a changed file is.
    (
        "0010_input_stat",
        "ALTER TABLE inputs ADD COLUMN size BIGINT;ALTER TABLE inputs ADD COLUMN mtime_ns BIGINT",
    ),
    # Each kept row's MRP decision, so the MRP page of a kept list is a range
    # of the partial index (jwlink.store.listings), and the digest of the
    # policy that decided. Rows kept before say FALSE, and no policy is
    # recorded: their flags are not read (their MRP pages decide each row,
    # as before) until the next refresh queues every list again and
    # records the policy. Their lists, which do not depend on the policy,
    # are still read from the index meanwhile.
    (
        "0011_listing_mrp",
        "ALTER TABLE listings ADD COLUMN mrp BOOLEAN NOT NULL DEFAULT FALSE;"
        "CREATE INDEX listings_mrp ON listings (obs_id, position) WHERE mrp;"
        "CREATE TABLE listing_policy (name TEXT PRIMARY KEY, fingerprint TEXT NOT NULL)",
    ),
    # How many products of each program each observation owns, kept with
    # the lists (the same queue, the same refresh), so that a program's page
    # finds the observations it overlaps without counting every product of
    # the program (jwlink.query.programpage). Counted here from the
    # products, so the counts are exact whether or not lists are queued.
    (
        "0012_program_counts",
        "CREATE TABLE program_counts (obs_id TEXT NOT NULL, program TEXT NOT NULL, "
        "products BIGINT NOT NULL, PRIMARY KEY (obs_id, program));"
        "CREATE INDEX program_counts_program ON program_counts (program, obs_id, products);"
        "INSERT INTO program_counts (obs_id, program, products) "
        "SELECT obs_id, program, COUNT(*) FROM products "
        "WHERE obs_id IS NOT NULL AND program IS NOT NULL GROUP BY obs_id, program",
    ),
)
CREATE_MIGRATIONS = (
    "CREATE TABLE IF NOT EXISTS jwlink_migrations (name TEXT PRIMARY KEY, applied TEXT)"
)

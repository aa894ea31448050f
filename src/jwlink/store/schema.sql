-- jwlink catalog schema, migration 0001_initial.
-- Portable SQL: runs unchanged on SQLite (>= 3.35) and PostgreSQL (>= 13).
-- Names are the keys: a product is its file name, an observation its mission
-- obs_id. Ingest is keyed by those names, so independent workers can ingest
-- overlapping inputs and converge on the same catalog.

CREATE TABLE observations (
    obs_id           TEXT PRIMARY KEY,
    obsid            BIGINT NOT NULL UNIQUE,
    obs_collection   TEXT NOT NULL DEFAULT 'JWST',
    calib_level      INTEGER NOT NULL,
    program          TEXT,
    instrument_name  TEXT,
    filters          TEXT,
    target_name      TEXT,
    exp_type         TEXT,
    detector         TEXT,
    visit_id         TEXT,
    intent_type      TEXT,
    dataproduct_type TEXT,
    s_ra             DOUBLE PRECISION,
    s_dec            DOUBLE PRECISION,
    t_min            DOUBLE PRECISION,
    t_max            DOUBLE PRECISION,
    t_exptime        DOUBLE PRECISION,
    is_association   INTEGER NOT NULL DEFAULT 0,
    data_rights      TEXT,
    release_date     TEXT
);
CREATE INDEX observations_program ON observations (program);

CREATE TABLE products (
    name             TEXT PRIMARY KEY,
    obs_id           TEXT,
    level            TEXT,
    calib_level      INTEGER,
    product_type     TEXT NOT NULL,
    suffix           TEXT NOT NULL,
    extension        TEXT NOT NULL,
    program          TEXT,
    visit_id         TEXT,
    filters          TEXT,
    size             BIGINT,
    sha256           TEXT,
    location         TEXT,
    prvversion       TEXT,
    data_rights      TEXT,
    release_date     TEXT,
    dataproduct_type TEXT
);
CREATE INDEX products_obs_id ON products (obs_id);
CREATE INDEX products_visit_id ON products (visit_id);
CREATE INDEX products_program ON products (program);

CREATE TABLE associations (
    name         TEXT PRIMARY KEY,
    asn_type     TEXT,
    asn_rule     TEXT,
    asn_id       TEXT,
    pool         TEXT,
    program      TEXT,
    target       TEXT,
    version_id   TEXT,
    code_version TEXT
);

-- Each association's members as it lists them, and the products it makes:
-- what completeness checks compare a folder against.
CREATE TABLE asn_members (
    association TEXT NOT NULL,
    product     TEXT NOT NULL,
    expname     TEXT NOT NULL,
    exptype     TEXT NOT NULL,
    PRIMARY KEY (association, product, expname, exptype)
);
CREATE INDEX asn_members_expname ON asn_members (expname);

CREATE TABLE asn_outputs (
    association TEXT NOT NULL,
    product     TEXT NOT NULL,
    name        TEXT NOT NULL,
    PRIMARY KEY (association, product, name)
);
CREATE INDEX asn_outputs_name ON asn_outputs (name);

-- An association's product name exactly as written (placeholders included)
-- resolves to the observation it defines.
CREATE TABLE aliases (
    alias  TEXT PRIMARY KEY,
    obs_id TEXT NOT NULL
);

-- Typed edges source -> target. One row per (source, target, kind, role):
-- the first evidence that derived an edge is kept.
CREATE TABLE links (
    source   TEXT NOT NULL,
    target   TEXT NOT NULL,
    kind     TEXT NOT NULL,
    role     TEXT NOT NULL,
    evidence TEXT NOT NULL,
    PRIMARY KEY (source, target, kind, role)
);
-- The primary key serves downward walks; this index serves upward walks.
CREATE INDEX links_target ON links (target, source);

CREATE TABLE members (
    obs_id        TEXT NOT NULL,
    member_obs_id TEXT NOT NULL,
    exptype       TEXT NOT NULL,
    evidence      TEXT NOT NULL,
    PRIMARY KEY (obs_id, member_obs_id, exptype)
);
CREATE INDEX members_member ON members (member_obs_id);

-- Primary-header keywords kept from FITS files (JSON text), for explanations.
CREATE TABLE headers (
    name     TEXT PRIMARY KEY,
    keywords TEXT NOT NULL
);

-- Every input file ingested, so a re-run can skip what did not change.
-- Migration 0010_input_stat adds size BIGINT and mtime_ns BIGINT (the file's
-- size and modification time when read; NULL for files read before).
CREATE TABLE inputs (
    path        TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    reader      TEXT NOT NULL,
    products    INTEGER NOT NULL,
    links       INTEGER NOT NULL
);

-- Accounts, tokens, the audit log and the columns sync needs for access checks.
-- Keep in step with ../postgres/0002_accounts_sync.sql.

-- Accounts (账号). `role` is model::sync::RoleKind's key; `county` is set for county and cross
-- accounts, `enterprise_id` for enterprise accounts (checked by the CLI through model::sync::Role).
CREATE TABLE users (
    username      TEXT PRIMARY KEY NOT NULL,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,               -- argon2id PHC string
    role          TEXT NOT NULL CHECK (role IN ('city', 'county', 'cross', 'enterprise')),
    county        TEXT,
    enterprise_id TEXT,
    created_at    INTEGER NOT NULL             -- ms since the Unix epoch
) STRICT;

-- Bearer tokens. Only the SHA-256 of a token is stored: a copy of the database signs nobody in.
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,      -- lower-case hex SHA-256 of the token
    username   TEXT NOT NULL REFERENCES users (username),
    device_id  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
) STRICT;
CREATE INDEX tokens_username ON tokens (username);

-- Who did what, when, from which device. Append-only: the triggers refuse edits and deletes.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    username  TEXT NOT NULL,
    device_id TEXT NOT NULL,
    action    TEXT NOT NULL,                   -- login, logout, insert, update, delete, photo
    record_id TEXT,
    kind      TEXT,
    rev       INTEGER,
    detail    TEXT NOT NULL DEFAULT '{}'       -- JSON
) STRICT;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Where each record belongs (model::sync::RecordScope), computed when it is written, so a pull
-- filters by index instead of reading every body. A hazard's county is its enterprise's.
ALTER TABLE records ADD COLUMN county TEXT;
ALTER TABLE records ADD COLUMN enterprise_id TEXT;
ALTER TABLE records ADD COLUMN stage_key TEXT;
CREATE INDEX records_county_rev ON records (county, rev);
CREATE INDEX records_enterprise_rev ON records (enterprise_id, rev);

-- Which records refer to which photo (model::sync::photo_refs), for GET /api/photos/{sha256}.
CREATE TABLE photo_refs (
    sha256    TEXT NOT NULL,
    record_id TEXT NOT NULL REFERENCES records (id),
    PRIMARY KEY (sha256, record_id)
) STRICT;
CREATE INDEX photo_refs_record ON photo_refs (record_id);

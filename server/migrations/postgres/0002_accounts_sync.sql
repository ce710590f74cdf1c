-- Accounts, tokens, the audit log and the columns sync needs for access checks.
-- Keep in step with ../sqlite/0002_accounts_sync.sql.

-- Accounts (账号). `role` is model::sync::RoleKind's key; `county` is set for county and cross
-- accounts, `enterprise_id` for enterprise accounts (checked by the CLI through model::sync::Role).
CREATE TABLE users (
    username      TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,               -- argon2id PHC string
    role          TEXT NOT NULL CHECK (role IN ('city', 'county', 'cross', 'enterprise')),
    county        TEXT,
    enterprise_id TEXT,
    created_at    BIGINT NOT NULL              -- ms since the Unix epoch
);

-- Bearer tokens. Only the SHA-256 of a token is stored: a copy of the database signs nobody in.
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,               -- lower-case hex SHA-256 of the token
    username   TEXT NOT NULL REFERENCES users (username),
    device_id  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked    BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX tokens_username ON tokens (username);

-- Who did what, when, from which device. Append-only: the trigger refuses edits and deletes.
CREATE TABLE audit_log (
    id        BIGSERIAL PRIMARY KEY,
    at        BIGINT NOT NULL,
    username  TEXT NOT NULL,
    device_id TEXT NOT NULL,
    action    TEXT NOT NULL,                   -- login, logout, insert, update, delete, photo
    record_id TEXT,
    kind      TEXT,
    rev       BIGINT,
    detail    TEXT NOT NULL DEFAULT '{}'       -- JSON
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

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
);
CREATE INDEX photo_refs_record ON photo_refs (record_id);

-- First schema: the skeleton issue 4's sync grows into. Keep in step with
-- ../sqlite/0001_init.sql (same tables, columns and meaning; dialect may differ).
-- `id` and `body` stay TEXT (not UUID/JSONB) so the same Rust types bind on both backends;
-- a later PostgreSQL-only migration can add JSONB indexes if queries inside bodies are needed.

-- Facts about this database. `instance_id` is written on first start (src/db.rs); a client that
-- sees it change knows the change sequence restarted and drops its pull cursor.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The global change sequence, one row. Every write transaction bumps it as its first statement
-- (db::NEXT_CHANGE_SEQ): the row lock is held to commit, so numbers become visible in commit
-- order. (A SEQUENCE would not do: nextval() is handed out in start order, not commit order.)
CREATE TABLE change_seq (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO change_seq (id, value) VALUES (1, 0);

-- Synced records: the latest version of each. A write stores the new change number in `rev`,
-- so `WHERE rev > cursor ORDER BY rev` is the pull feed and `rev` is unique.
CREATE TABLE records (
    id         TEXT PRIMARY KEY,               -- UUIDv7 made on the device
    kind       TEXT NOT NULL,                  -- record type, named by the model crate
    rev        BIGINT NOT NULL UNIQUE,         -- change_seq value of the last write
    body       TEXT NOT NULL,                  -- the record as JSON
    deleted    BOOLEAN NOT NULL DEFAULT FALSE, -- tombstone; never hard-deleted
    updated_at BIGINT NOT NULL                 -- server time of the last write, ms since the Unix epoch
);

-- First schema: the skeleton issue 4's sync grows into. Keep in step with
-- ../postgres/0001_init.sql (same tables, columns and meaning; dialect may differ).
-- STRICT tables: SQLite then enforces the declared types like PostgreSQL does.

-- Facts about this database. `instance_id` is written on first start (src/db.rs); a client that
-- sees it change knows the change sequence restarted and drops its pull cursor.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

-- The global change sequence, one row. Every write transaction bumps it as its first statement
-- (db::NEXT_CHANGE_SEQ), which serialises writers so numbers become visible in commit order.
CREATE TABLE change_seq (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
) STRICT;
INSERT INTO change_seq (id, value) VALUES (1, 0);

-- Synced records: the latest version of each. A write stores the new change number in `rev`,
-- so `WHERE rev > cursor ORDER BY rev` is the pull feed and `rev` is unique.
CREATE TABLE records (
    id         TEXT PRIMARY KEY NOT NULL,      -- UUIDv7 made on the device
    kind       TEXT NOT NULL,                  -- record type, named by the model crate
    rev        INTEGER NOT NULL UNIQUE,        -- change_seq value of the last write
    body       TEXT NOT NULL,                  -- the record as JSON
    deleted    INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)), -- tombstone; never hard-deleted
    updated_at INTEGER NOT NULL                -- server time of the last write, ms since the Unix epoch
) STRICT;

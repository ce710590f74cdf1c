-- Failed logins (and wrong old passwords on /api/account/password) per (lower-cased username,
-- client IP), in the database rather than in one server's memory, so several servers on one
-- database share one limit (src/auth.rs LoginLimiter). A row per attempt: the sliding window is
-- `at > now - LOGIN_WINDOW`; a success deletes the key's rows; stale rows are pruned a few at a
-- time on each new attempt, so a flood of made-up names cannot grow the table without bound.
-- Concurrent attempts on one key are serialised by a transaction-scoped advisory lock on the
-- key's hash (src/auth.rs), not by a constraint here.
-- Keep in step with ../sqlite/0006_login_failures.sql.
CREATE TABLE login_failures (
    id       BIGSERIAL PRIMARY KEY,            -- lets the bounded prune name its rows
    username TEXT NOT NULL,                    -- lower-cased
    ip       TEXT NOT NULL,                    -- client IP, '' when unknown
    at       BIGINT NOT NULL                   -- ms since the Unix epoch (server clock)
);
CREATE INDEX login_failures_key ON login_failures (username, ip, at);
CREATE INDEX login_failures_at ON login_failures (at);

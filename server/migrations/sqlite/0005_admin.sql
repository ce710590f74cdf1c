-- Office administration (issue 11): administrators, disabled accounts, one-time passwords,
-- why a token was revoked, and the devices each account signs in and syncs from.
-- Keep in step with ../postgres/0005_admin.sql.

-- May manage accounts (model::admin). Every 市级 account existing before this migration
-- becomes one, so a running city keeps someone who can manage.
ALTER TABLE users ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1));
-- A disabled account can neither sign in nor use a token it still holds.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));
-- Set with an administrator's one-time password; every API but /me, /logout and
-- /account/password answers 403 until the owner picks a new password.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0
    CHECK (must_change_password IN (0, 1));
UPDATE users SET is_admin = 1 WHERE role = 'city';

-- Why a token was revoked: 'logout' | 'admin' (an administrator signed the device out) |
-- 'disabled' (the account was disabled) | 'password' (the password changed). NULL = not revoked,
-- or revoked before this migration.
ALTER TABLE tokens ADD COLUMN revoke_reason TEXT;
CREATE INDEX tokens_username_device ON tokens (username, device_id);

-- The devices an account used: written at login and on every successful pull.
CREATE TABLE devices (
    username     TEXT NOT NULL REFERENCES users (username),
    device_id    TEXT NOT NULL,
    first_seen   INTEGER NOT NULL,             -- ms since the Unix epoch
    last_seen    INTEGER NOT NULL,
    last_sync_at INTEGER,                      -- last successful pull
    pending      INTEGER,                      -- changes waiting on the device (X-Pending-Changes)
    user_agent   TEXT,
    PRIMARY KEY (username, device_id)
) STRICT;

-- Who stored each photo and when (src/photos.rs). A photo no record references (no row in
-- photo_refs) is an orphan: an account may hold only so many (Config::max_orphan_photos), and
-- orphans older than Config::orphan_photo_days are deleted with their row here.
-- Keep in step with ../sqlite/0004_photo_uploads.sql.
CREATE TABLE photo_uploads (
    sha256      TEXT PRIMARY KEY,              -- the file photos/ab/<sha256>
    username    TEXT NOT NULL REFERENCES users (username), -- the first account to upload it
    uploaded_at BIGINT NOT NULL                -- ms since the Unix epoch
);
CREATE INDEX photo_uploads_username ON photo_uploads (username);

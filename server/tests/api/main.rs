//! Black-box tests of the server through `yinhuan_server::app` (no socket): each test gets a
//! fresh database and a fresh `dist/`. PostgreSQL tests run when a server is reachable.

mod admin;
mod api_errors;
mod auth;
mod backup;
mod check;
mod database;
mod db_copy;
mod headers;
mod health;
mod helpers;
mod office_records;
mod photo_batch;
mod photo_store;
mod photo_uploads_at_once;
mod photos;
mod pull_cache;
mod push_batch;
mod reports;
mod roster;
mod static_files;
mod sync;
mod tls;
mod trust;

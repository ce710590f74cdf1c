//! Database: SQLite by default, PostgreSQL when `DATABASE_URL=postgres://…`.
//!
//! # Why an enum of native pools and not `sqlx::AnyPool`
//! Checked against sqlx 0.9.0's source:
//! - The `Any` bridge for SQLite only maps NULL/INTEGER/REAL/TEXT/BLOB columns; a `BOOLEAN`
//!   column is a decode error, and no date/uuid/json type crosses it. Issue 4's records have
//!   tombstone flags and timestamps; we want the drivers' real types.
//! - `AnyConnectOptions` keeps only the URL, and a SQLite URL cannot express WAL, `synchronous`,
//!   `busy_timeout` or `foreign_keys`. With the native `SqliteConnectOptions` they are typed
//!   settings applied to every pooled connection.
//! - Sync correctness (a global change sequence assigned in commit order, DESIGN.md) needs
//!   per-backend locking details; native transactions let us say exactly what runs.
//!
//! The SQL *text* stays shared: both drivers accept `$1` placeholders, `ON CONFLICT … DO UPDATE`
//! and `RETURNING`, so a query is written once and [`with_pool!`] compiles it against each
//! native pool. Migrations live in one directory per backend (`migrations/sqlite`,
//! `migrations/postgres`) so each can use its dialect's best DDL (SQLite `STRICT` tables,
//! PostgreSQL `BOOLEAN`); the two directories must hold the same versions with the same
//! meaning, which a test checks, and the integration tests run the same behaviour on both.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::config::Config;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The name reported by `/api/health`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A connection pool to one of the supported backends. Cheap to clone.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the native pool of whichever backend `$db` is, so one
/// piece of query code is compiled for both drivers:
///
/// ```no_run
/// # async fn ping(db: &yinhuan_server::Db) -> Result<(), sqlx::Error> {
/// let done = yinhuan_server::with_pool!(db, pool => {
///     sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
/// });
/// done
/// # }
/// ```
#[macro_export]
macro_rules! with_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Why the database could not be opened; shown to the operator at start-up.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("无法创建数据目录 {path}：{source}")]
    CreateDataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("不支持的 DATABASE_URL（应以 postgres:// 或 sqlite: 开头，或不设置以使用默认的 SQLite 文件）")]
    UnsupportedUrl,
    #[error("DATABASE_URL 无效：{0}")]
    InvalidUrl(#[source] sqlx::Error),
    #[error("无法连接数据库：{0}")]
    Connect(#[source] sqlx::Error),
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] MigrateError),
    #[error("数据库操作失败：{0}")]
    Query(#[from] sqlx::Error),
    /// Opening the photo store failed (it opens with the database, in `AppState::open`).
    #[error("{0}")]
    PhotoStore(String),
}

/// The statement that takes the next number of the global change sequence.
///
/// Issue 4's write transactions must run it as their FIRST statement: it takes the write lock
/// right away (SQLite: the database write lock, before any read snapshot exists, so the
/// `busy_timeout` wait applies instead of a `SQLITE_BUSY` on lock upgrade; PostgreSQL: the row
/// lock on `change_seq`, held until commit). Writers are thereby serialised, so sequence
/// numbers become visible in commit order and a pull cursor can never skip a late commit.
/// A rolled-back transaction gives its number back.
pub const NEXT_CHANGE_SEQ: &str =
    "UPDATE change_seq SET value = value + 1 WHERE id = 1 RETURNING value";

impl Db {
    /// Connects to the configured database (creating the SQLite file and the data directory
    /// when needed), applies pending migrations and records this database's instance id.
    pub async fn open(config: &Config) -> Result<Db, DbError> {
        let db = Db::connect(config).await?;
        db.migrate().await?;
        db.ensure_instance_id().await?;
        Ok(db)
    }

    /// Connects without migrating.
    pub async fn connect(config: &Config) -> Result<Db, DbError> {
        match config.database_url.as_deref() {
            None => {
                create_dir(&config.data_dir)?;
                connect_sqlite(SqliteConnectOptions::new().filename(config.sqlite_path())).await
            }
            Some(url) if url.starts_with("sqlite:") => {
                let options = SqliteConnectOptions::from_str(url).map_err(DbError::InvalidUrl)?;
                connect_sqlite(options).await
            }
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                let options = PgConnectOptions::from_str(url).map_err(DbError::InvalidUrl)?;
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .map_err(DbError::Connect)?;
                Ok(Db::Postgres(pool))
            }
            Some(_) => Err(DbError::UnsupportedUrl),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the migrations of this backend that have not run yet. Idempotent; on
    /// PostgreSQL sqlx holds an advisory lock, so two servers starting at once are safe.
    pub async fn migrate(&self) -> Result<(), MigrateError> {
        match self {
            Db::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        }
    }

    /// One real round trip to the database.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        with_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// The random id this database got when it was first opened. A client that sees it change
    /// knows the server's change sequence started over, so its saved pull cursor is void.
    pub async fn instance_id(&self) -> Result<String, sqlx::Error> {
        let sql = "SELECT value FROM meta WHERE key = 'instance_id'";
        with_pool!(self, pool => sqlx::query_scalar(sql).fetch_one(pool).await)
    }

    /// Closes the pool; for SQLite this also checkpoints the WAL into the main file.
    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }

    async fn ensure_instance_id(&self) -> Result<(), sqlx::Error> {
        let sql = "INSERT INTO meta (key, value) VALUES ('instance_id', $1) \
                   ON CONFLICT (key) DO NOTHING";
        let id = uuid::Uuid::now_v7().to_string();
        with_pool!(self, pool => sqlx::query(sql).bind(&id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }
}

fn create_dir(path: &Path) -> Result<(), DbError> {
    std::fs::create_dir_all(path).map_err(|source| DbError::CreateDataDir {
        path: path.display().to_string(),
        source,
    })
}

async fn connect_sqlite(options: SqliteConnectOptions) -> Result<Db, DbError> {
    let options = options
        .create_if_missing(true)
        // WAL: readers (pulls) never block the writer (pushes) and vice versa.
        .journal_mode(SqliteJournalMode::Wal)
        // FULL, not NORMAL: a push we acknowledged makes the device mark its record clean, so
        // the commit must survive a power cut, not only a crash of this process.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        // Writers queue behind the one write lock; wait for it rather than fail.
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .map_err(DbError::Connect)?;
    Ok(Db::Sqlite(pool))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    fn versions(dir: &str) -> BTreeSet<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        std::fs::read_dir(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn both_backends_have_the_same_migration_files() {
        let sqlite = versions("migrations/sqlite");
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, versions("migrations/postgres"));
    }
}

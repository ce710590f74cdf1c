//! Backup and restore: `yinhuan-server backup`, `yinhuan-server restore` and the daily backup
//! of `serve --backup-dir` (deployment: `docs/deploy.md`).
//!
//! # Layout of a backup directory
//! ```text
//! DIR/latest                      the name of the newest complete snapshot
//! DIR/20250611-023000/yinhuan.db  a consistent copy of the SQLite database
//! DIR/20250611-023000/manifest.json
//! DIR/photos/ab/<sha256>          the photos, shared by every snapshot
//! ```
//! A snapshot is built in `DIR/.partial-…` and renamed into place only when its database, its
//! photos and its manifest are on disk, so a backup cut off halfway leaves no snapshot that looks
//! complete (the next backup removes the leftovers). Photos are content-addressed (file name =
//! SHA-256 of the bytes, as in `<data>/photos`), so a second backup copies only the photos the
//! backup lacks; each is written to `DIR/photos/tmp/` while its hash is computed, checked
//! against its name, synced and renamed, so a cut copy leaves no half file under a real name.
//!
//! # Consistency while the server runs
//! SQLite: `VACUUM INTO` copies the database inside one read transaction, so the copy is the
//! database as of one commit, whatever pushes run meanwhile (WAL: readers never block the
//! writer). The manifest's figures (records, change_seq, migration version) are read back from
//! the copy itself, not from the live database. Photos are listed *after* the copy was taken, so
//! every photo uploaded before it is in the backup (a record may still name a photo a phone had
//! not uploaded yet; restore counts those).
//!
//! PostgreSQL: the records are backed up by `pg_dump` (its own consistent snapshot); `backup
//! --photos-only` copies the photos the same way and writes a manifest without a database.
//!
//! # Restore
//! [`restore`] writes into a new sibling directory, verifies the database file's SHA-256, its
//! record count and change_seq against the manifest and every photo's SHA-256 against its
//! name, and only then renames the directory to the target. On any failure the temporary
//! directory is removed, so the target is never half restored.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use model::date::Date;
use model::validation::is_sha256_hex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

use crate::auth::now_ms;
use crate::config::Config;
use crate::db::{Backend, Db};
use crate::with_pool;

/// The snapshot's description, `DIR/<snapshot>/manifest.json`.
pub const MANIFEST_FILE: &str = "manifest.json";
/// `DIR/latest`: the name of the newest complete snapshot, one line.
pub const LATEST_FILE: &str = "latest";
/// `DIR/photos`: the photos of every snapshot, by hash.
pub const PHOTOS_DIR: &str = "photos";
/// Version of the manifest's format; a restore refuses a newer one.
pub const FORMAT: u32 = 1;
/// Snapshots `serve --backup-dir` keeps unless `--backup-keep` says otherwise.
pub const DEFAULT_KEEP: u32 = 14;
/// When `serve --backup-dir` backs up unless `--backup-at` says otherwise (Beijing time).
pub const DEFAULT_AT: TimeOfDay = TimeOfDay {
    hour: 2,
    minute: 30,
};
/// `<data>/tls`: the certificate files `tls init` writes (src/tls).
pub const TLS_DIR: &str = "tls";
/// Leftovers of a cut backup (partial snapshots, temp photo files) and photos no snapshot
/// references are removed only once they are this old, so a backup running at the same time
/// (a manual one during the scheduled one) never loses a file it is about to list.
const GRACE: Duration = Duration::from_secs(24 * 3600);
const PARTIAL_PREFIX: &str = ".partial-";
const BEIJING_OFFSET_S: i64 = 8 * 3600;

/// The newest migration this binary knows (a restore refuses a backup from a newer server).
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// What a snapshot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotKind {
    /// The SQLite database and the photos.
    Full,
    /// Only the photos (PostgreSQL: the records are in a `pg_dump`).
    PhotosOnly,
}

/// `manifest.json`: what a snapshot holds and what a restore must find in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub kind: SnapshotKind,
    /// Beijing time, `2025-06-11 02:30:00 +08:00`.
    pub created_at: String,
    /// Unix milliseconds.
    pub created_at_ms: i64,
    /// The `yinhuan-server` version that wrote it.
    pub server_version: String,
    /// `sqlite` or `postgres`: the database backed up (`postgres` only with `PhotosOnly`).
    pub backend: String,
    /// The instance id of the database backed up (a restore gives the copy a new one).
    pub instance_id: String,
    /// The newest migration applied to the database (the schema version).
    pub migration_version: i64,
    /// Rows in `records`, tombstones included (every one of them is pulled by devices).
    pub records: i64,
    /// Of which tombstones.
    pub deleted_records: i64,
    /// The global change sequence: the highest `rev` in the snapshot.
    pub change_seq: i64,
    /// The database file, for a full snapshot.
    pub database: Option<DatabaseFile>,
    pub photo_count: u64,
    pub photo_bytes: u64,
    /// Every photo of the snapshot, by hash (the file `DIR/photos/ab/<sha256>`).
    pub photos: Vec<PhotoEntry>,
    /// The files of `<data>/tls` (`tls init`'s local CA and server certificate, or none),
    /// copied to `DIR/<snapshot>/tls/`: a restored server keeps its certificate, so no phone
    /// has to install a new CA. The CA's private key is among them: keep the backup disk as
    /// safe as the server.
    #[serde(default)]
    pub tls: Vec<DataFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseFile {
    /// The file name inside the snapshot directory.
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

/// A small file of the data directory kept in the snapshot itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFile {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoEntry {
    pub sha256: String,
    pub bytes: u64,
}

/// Why a backup or restore failed; every message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "数据库是 PostgreSQL：记录请用 PostgreSQL 自带的 pg_dump 备份，照片用本命令加 --photos-only 备份，例如：\n  \
         pg_dump --no-owner --file=/var/backups/yinhuan/yinhuan-$(date +%Y%m%d).sql \"$DATABASE_URL\"\n  \
         yinhuan-server backup --photos-only --to /var/backups/yinhuan --data /var/lib/yinhuan\n\
         恢复步骤见 docs/deploy.md“备份与恢复”。"
    )]
    PostgresNeedsPgDump,
    #[error("找不到数据库文件 {0}：请用 --data 指定服务器的数据目录（按 deploy/ 安装时为 /var/lib/yinhuan）。")]
    NoDatabase(PathBuf),
    #[error("{action} {path} 失败：{source}。请确认磁盘已挂载、空间足够，且运行本命令的账号有读写权限。")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("路径 {0} 含有无法处理的字符，请换一个只含常见字符的目录。")]
    BadPath(PathBuf),
    #[error("读写数据库失败：{0}")]
    Database(#[from] sqlx::Error),
    #[error("数据库 {path} 未通过完整性检查（{detail}）。{advice}")]
    Integrity {
        path: PathBuf,
        detail: String,
        advice: &'static str,
    },
    #[error(
        "在 {0} 中找不到备份（应有 latest 文件，或带 manifest.json 的快照目录）。\
         请用 --from 指向执行 backup --to 时用的目录，或其中的某个快照目录。"
    )]
    NoBackup(PathBuf),
    #[error("备份清单 {path} 无法读取（{detail}）：这份备份不完整或已损坏，请改用另一份（--from 备份目录/快照名）。")]
    BadManifest { path: PathBuf, detail: String },
    #[error(
        "这份备份来自较新版本的服务器（{what}），本程序无法恢复：请用与备份时相同或更新版本的 yinhuan-server 恢复。"
    )]
    TooNew { what: String },
    #[error(
        "目标目录 {0} 不是空的：恢复只写入新的或空的目录，以免覆盖现有数据。\
         请换一个新目录（例如 {0}-restored），或先把现有目录移走。"
    )]
    TargetNotEmpty(PathBuf),
    #[error(
        "备份中的数据库文件 {path} 已损坏（大小或 SHA-256 与清单不符）。\
         请改用另一份备份：ls 备份目录，再用 --from 备份目录/快照名 恢复。"
    )]
    DatabaseDamaged { path: PathBuf },
    #[error("备份中的文件 {path} 已损坏（大小或 SHA-256 与清单不符）。请改用另一份备份（--from 备份目录/快照名）。")]
    DataFileDamaged { path: PathBuf },
    #[error(
        "备份中的数据库与清单不符：{what}清单记载 {expected}，数据库中实际为 {found}。\
         这份备份不可信，请改用另一份（--from 备份目录/快照名）。"
    )]
    CountMismatch {
        what: &'static str,
        expected: i64,
        found: i64,
    },
    #[error("{}", photo_problems(.damaged, .missing))]
    PhotosBad {
        /// (sha256, file in the backup) whose bytes do not hash to the name.
        damaged: Vec<(String, PathBuf)>,
        /// (sha256, file expected in the backup) that is not there.
        missing: Vec<(String, PathBuf)>,
    },
    #[error(
        "这份备份只含照片（数据库为 PostgreSQL，记录在 pg_dump 的备份里）。请先用 psql 或 pg_restore \
         把记录恢复到一个新的 PostgreSQL 数据库，再设置 DATABASE_URL=postgres://… 指向它，重新运行本命令\
         （步骤见 docs/deploy.md“备份与恢复”）。"
    )]
    PhotosOnlyNeedsPostgres,
    #[error("{source}\n{}", aborted_tail(.target, .leftover))]
    Aborted {
        source: Box<Error>,
        target: PathBuf,
        /// The temporary directory that could not be removed, if any.
        leftover: Option<PathBuf>,
    },
}

fn photo_problems(damaged: &[(String, PathBuf)], missing: &[(String, PathBuf)]) -> String {
    const SHOWN: usize = 20;
    let mut s = String::new();
    if !damaged.is_empty() {
        s += &format!(
            "备份中有 {} 张照片已损坏（内容与文件名的 SHA-256 不符）：\n",
            damaged.len()
        );
        for (sha, path) in damaged.iter().take(SHOWN) {
            s += &format!("  照片 {sha}（{}）\n", path.display());
        }
        if damaged.len() > SHOWN {
            s += &format!("  ……另有 {} 张\n", damaged.len() - SHOWN);
        }
    }
    if !missing.is_empty() {
        s += &format!("备份中缺少清单记载的 {} 张照片：\n", missing.len());
        for (sha, path) in missing.iter().take(SHOWN) {
            s += &format!("  照片 {sha}（应在 {}）\n", path.display());
        }
        if missing.len() > SHOWN {
            s += &format!("  ……另有 {} 张\n", missing.len() - SHOWN);
        }
    }
    s += "恢复已停止。若原服务器的数据目录还在，可把 <数据目录>/photos/前两位/<照片编号> 复制到备份的同一位置后重新恢复；\
          否则请改用另一个备份目录（例如另一块硬盘上的备份）。";
    s
}

fn aborted_tail(target: &Path, leftover: &Option<PathBuf>) -> String {
    match leftover {
        None => format!(
            "未恢复任何内容：{} 没有被创建（或仍是原来的空目录），临时文件已删除。",
            target.display()
        ),
        Some(dir) => format!(
            "未恢复任何内容：{} 没有被创建，但临时目录 {} 未能删除，请手动删除它。",
            target.display(),
            dir.display()
        ),
    }
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> Error + 'a {
    move |source| Error::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

// ---------------------------------------------------------------------------------------------
// Time: snapshot names and the schedule are in Beijing time (UTC+8 all year).

/// A time of day, Beijing time (`--backup-at 02:30`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeOfDay {
    pub hour: u8,
    pub minute: u8,
}

impl FromStr for TimeOfDay {
    type Err = ();

    /// `H:MM` or `HH:MM`, 00:00–23:59.
    fn from_str(s: &str) -> Result<Self, ()> {
        let (h, m) = s.trim().split_once(':').ok_or(())?;
        let ok = |t: &str, max: u8| -> Result<u8, ()> {
            if t.is_empty() || t.len() > 2 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(());
            }
            t.parse::<u8>().ok().filter(|v| *v <= max).ok_or(())
        };
        if m.len() != 2 {
            return Err(());
        }
        Ok(TimeOfDay {
            hour: ok(h, 23)?,
            minute: ok(m, 59)?,
        })
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// (Beijing date, seconds since Beijing midnight) of a unix-millisecond time.
fn beijing(ms: i64) -> (Date, i64) {
    let s = ms.div_euclid(1000) + BEIJING_OFFSET_S;
    (Date::from_days(s.div_euclid(86_400)), s.rem_euclid(86_400))
}

/// `20250611-023000`: the name of a snapshot taken at `ms`.
pub fn snapshot_name(ms: i64) -> String {
    let (d, s) = beijing(ms);
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        d.year(),
        d.month(),
        d.day(),
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// `2025-06-11 02:30:00 +08:00`.
pub fn beijing_time_text(ms: i64) -> String {
    let (d, s) = beijing(ms);
    format!(
        "{d} {:02}:{:02}:{:02} +08:00",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// A directory name [`snapshot_name`] makes (with a `-2`, `-3`… suffix when two backups
/// started in the same second).
pub fn is_snapshot_name(name: &str) -> bool {
    let b = name.as_bytes();
    let digits = |r: &[u8]| !r.is_empty() && r.iter().all(u8::is_ascii_digit);
    b.len() >= 15
        && digits(&b[..8])
        && b[8] == b'-'
        && digits(&b[9..15])
        && (b.len() == 15 || (b[15] == b'-' && digits(&b[16..])))
}

/// How long from `now_ms` until the next `at` (Beijing time); never zero, at most a day.
pub fn until_next(now_ms: i64, at: TimeOfDay) -> Duration {
    let (_, now_s) = beijing(now_ms);
    let now_in_day_ms = now_s * 1000 + now_ms.rem_euclid(1000);
    let at_ms = (i64::from(at.hour) * 3600 + i64::from(at.minute) * 60) * 1000;
    let mut wait = at_ms - now_in_day_ms;
    if wait <= 0 {
        wait += 86_400_000;
    }
    Duration::from_millis(wait as u64)
}

// ---------------------------------------------------------------------------------------------
// Backup.

/// What [`backup`] made.
#[derive(Debug, Clone)]
pub struct BackupReport {
    /// `DIR/<snapshot name>`.
    pub snapshot: PathBuf,
    pub manifest: Manifest,
    /// Photos copied by this backup (the others were already in `DIR/photos`).
    pub copied_photos: u64,
    pub copied_bytes: u64,
    /// Photos in the data directory whose bytes do not hash to their name: not backed up.
    pub damaged_in_store: Vec<String>,
}

/// Facts read from one database.
struct Facts {
    instance_id: String,
    migration_version: i64,
    records: i64,
    deleted_records: i64,
    change_seq: i64,
}

async fn facts_of(db: &Db) -> Result<Facts, sqlx::Error> {
    let scalar = |sql: &'static str| async move {
        with_pool!(db, pool => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await)
    };
    let instance_id = with_pool!(db, pool => {
        sqlx::query_scalar::<_, String>("SELECT value FROM meta WHERE key = 'instance_id'")
            .fetch_optional(pool)
            .await
    })?
    .unwrap_or_default();
    Ok(Facts {
        instance_id,
        migration_version: scalar(
            "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success",
        )
        .await?,
        records: scalar("SELECT COUNT(*) FROM records").await?,
        deleted_records: scalar("SELECT COUNT(*) FROM records WHERE deleted").await?,
        change_seq: scalar("SELECT value FROM change_seq WHERE id = 1").await?,
    })
}

/// Opens a SQLite file that is not served (a snapshot or a restored copy): one connection,
/// rollback journal (so the file stays one self-contained file), never created.
async fn open_file(path: &Path) -> Result<Db, Error> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .journal_mode(SqliteJournalMode::Delete)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    Ok(Db::Sqlite(pool))
}

/// `PRAGMA quick_check` must answer `ok`.
async fn quick_check(db: &Db, path: &Path, advice: &'static str) -> Result<(), Error> {
    let Db::Sqlite(pool) = db else {
        return Ok(());
    };
    let rows: Vec<String> = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_all(pool)
        .await?;
    if rows.len() == 1 && rows[0] == "ok" {
        Ok(())
    } else {
        Err(Error::Integrity {
            path: path.to_owned(),
            detail: rows.into_iter().take(3).collect::<Vec<_>>().join("；"),
            advice,
        })
    }
}

/// Backs up the database of `db` (SQLite; unless `photos_only`) and the photos of `config`
/// into `to`, as a new snapshot. Safe while the server serves from the same database.
pub async fn backup(
    db: &Db,
    config: &Config,
    to: &Path,
    photos_only: bool,
) -> Result<BackupReport, Error> {
    if !photos_only && db.backend() == Backend::Postgres {
        return Err(Error::PostgresNeedsPgDump);
    }
    fs::create_dir_all(to).map_err(io_err("创建备份目录", to))?;
    clean_leftovers(to);
    let started = now_ms();
    let staging = to.join(format!(
        "{PARTIAL_PREFIX}{}-{}",
        snapshot_name(started),
        random_hex()
    ));
    fs::create_dir(&staging).map_err(io_err("创建临时目录", &staging))?;
    let made = fill_snapshot(db, config, to, &staging, started, photos_only).await;
    let made = match made {
        Ok(made) => made,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    let (manifest, copy) = made;
    let snapshot = match publish(to, &staging, started) {
        Ok(path) => path,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    Ok(BackupReport {
        snapshot,
        manifest,
        copied_photos: copy.copied,
        copied_bytes: copy.copied_bytes,
        damaged_in_store: copy.damaged,
    })
}

async fn fill_snapshot(
    db: &Db,
    config: &Config,
    to: &Path,
    staging: &Path,
    started: i64,
    photos_only: bool,
) -> Result<(Manifest, PhotoCopy), Error> {
    let (facts, database) = match db {
        Db::Sqlite(pool) if !photos_only => {
            let file = staging.join(Config::SQLITE_FILE);
            let text = file.to_str().ok_or_else(|| Error::BadPath(file.clone()))?;
            // One read transaction: the copy is the database as of one commit.
            sqlx::query("VACUUM INTO $1")
                .bind(text)
                .execute(pool)
                .await?;
            let copy = open_file(&file).await?;
            let checked = quick_check(&copy, &file, "请检查磁盘后重新备份。").await;
            let facts = match checked {
                Ok(()) => facts_of(&copy).await.map_err(Error::from),
                Err(e) => Err(e),
            };
            copy.close().await;
            let facts = facts?;
            let (bytes, sha256) = blocking({
                let file = file.clone();
                move || hash_and_sync(&file)
            })
            .await?;
            let database = DatabaseFile {
                file: Config::SQLITE_FILE.to_owned(),
                bytes,
                sha256,
            };
            (facts, Some(database))
        }
        _ => (facts_of(db).await?, None),
    };
    // After the database copy: every photo uploaded before it is listed.
    let copy = blocking({
        let (src, dst) = (config.photos_dir(), to.join(PHOTOS_DIR));
        move || copy_photos(&src, &dst)
    })
    .await?;
    let tls = blocking({
        let (src, dst) = (config.data_dir.join(TLS_DIR), staging.join(TLS_DIR));
        move || copy_small_files(&src, &dst, None)
    })
    .await?;
    let manifest = Manifest {
        format: FORMAT,
        kind: if database.is_some() {
            SnapshotKind::Full
        } else {
            SnapshotKind::PhotosOnly
        },
        created_at: beijing_time_text(started),
        created_at_ms: started,
        server_version: env!("CARGO_PKG_VERSION").to_owned(),
        backend: db.backend().as_str().to_owned(),
        instance_id: facts.instance_id,
        migration_version: facts.migration_version,
        records: facts.records,
        deleted_records: facts.deleted_records,
        change_seq: facts.change_seq,
        database,
        photo_count: copy.entries.len() as u64,
        photo_bytes: copy.entries.iter().map(|p| p.bytes).sum(),
        photos: copy.entries.clone(),
        tls,
    };
    let path = staging.join(MANIFEST_FILE);
    let json = serde_json::to_vec_pretty(&manifest).expect("manifest serialises");
    write_synced(&path, &json)?;
    sync_dir(staging);
    Ok((manifest, copy))
}

/// Renames the finished staging directory to its snapshot name and points `latest` at it.
fn publish(to: &Path, staging: &Path, started: i64) -> Result<PathBuf, Error> {
    let base = snapshot_name(started);
    let mut n = 1;
    let target = loop {
        let name = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let target = to.join(&name);
        if !target.exists() {
            match fs::rename(staging, &target) {
                Ok(()) => break target,
                // Another backup took the name in between (a non-empty directory).
                Err(_) if target.exists() && n < 100 => {}
                Err(e) => return Err(io_err("保存快照", &target)(e)),
            }
        }
        n += 1;
        if n > 100 {
            return Err(io_err("保存快照", &target)(io::Error::from(
                io::ErrorKind::AlreadyExists,
            )));
        }
    };
    sync_dir(to);
    let name = target
        .file_name()
        .expect("snapshot has a name")
        .to_string_lossy()
        .into_owned();
    // Only ever forward: a slower backup that started earlier does not move `latest` back.
    let newest = list_snapshots(to)
        .ok()
        .and_then(|s| s.last().cloned())
        .unwrap_or_else(|| name.clone());
    let tmp = to.join(format!(".{LATEST_FILE}.{}", random_hex()));
    write_synced(&tmp, format!("{newest}\n").as_bytes())?;
    let latest = to.join(LATEST_FILE);
    fs::rename(&tmp, &latest).map_err(io_err("更新", &latest))?;
    sync_dir(to);
    Ok(target)
}

/// Removes what a cut backup left behind (only when older than [`GRACE`]: a backup running
/// right now keeps its files).
fn clean_leftovers(to: &Path) {
    let old = |p: &Path| {
        fs::metadata(p)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > GRACE)
    };
    if let Ok(entries) = fs::read_dir(to) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = e.path();
            if name.starts_with(PARTIAL_PREFIX) && old(&path) {
                let _ = fs::remove_dir_all(&path);
            } else if name.starts_with(&format!(".{LATEST_FILE}.")) && old(&path) {
                let _ = fs::remove_file(&path);
            }
        }
    }
    if let Ok(entries) = fs::read_dir(to.join(PHOTOS_DIR).join("tmp")) {
        for e in entries.flatten() {
            if old(&e.path()) {
                let _ = fs::remove_file(e.path());
            }
        }
    }
}

/// The photos one backup listed and what it copied.
#[derive(Debug, Default)]
struct PhotoCopy {
    entries: Vec<PhotoEntry>,
    copied: u64,
    copied_bytes: u64,
    damaged: Vec<String>,
}

/// Copies every photo of the store `src` that `dst` lacks (same name and size = present).
fn copy_photos(src: &Path, dst: &Path) -> Result<PhotoCopy, Error> {
    let mut out = PhotoCopy::default();
    let mut touched = BTreeSet::new();
    for (sha, path) in list_store(src)? {
        let Ok(meta) = fs::metadata(&path) else {
            continue; // deleted meanwhile (orphan cleanup): not in this snapshot
        };
        let target = photo_path(dst, &sha);
        if fs::metadata(&target).is_ok_and(|m| m.is_file() && m.len() == meta.len()) {
            // Fresh mtime: a prune running meanwhile must not take a photo this snapshot lists.
            let _ = File::options()
                .write(true)
                .open(&target)
                .and_then(|f| f.set_modified(SystemTime::now()));
            out.entries.push(PhotoEntry {
                sha256: sha,
                bytes: meta.len(),
            });
            continue;
        }
        match copy_verified(&path, &sha, &dst.join("tmp"), &target)? {
            Copied::Done(bytes) => {
                out.copied += 1;
                out.copied_bytes += bytes;
                touched.insert(target.parent().expect("photo path").to_owned());
                out.entries.push(PhotoEntry { sha256: sha, bytes });
            }
            Copied::Vanished => {}
            Copied::Mismatch => out.damaged.push(sha),
        }
    }
    for dir in &touched {
        sync_dir(dir);
    }
    sync_dir(dst);
    out.entries.sort_by(|a, b| a.sha256.cmp(&b.sha256));
    Ok(out)
}

/// Every `(sha256, path)` of a photo store laid out as `ab/<sha256>`.
fn list_store(root: &Path) -> Result<Vec<(String, PathBuf)>, Error> {
    let mut out = Vec::new();
    let shelves = match fs::read_dir(root) {
        Ok(d) => d,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io_err("读取照片目录", root)(e)),
    };
    for shelf in shelves {
        let shelf = shelf.map_err(io_err("读取照片目录", root))?;
        let name = shelf.file_name().to_string_lossy().into_owned();
        if name.len() != 2 || !shelf.path().is_dir() {
            continue;
        }
        let files = fs::read_dir(shelf.path()).map_err(io_err("读取照片目录", &shelf.path()))?;
        for f in files.flatten() {
            let sha = f.file_name().to_string_lossy().into_owned();
            if is_sha256_hex(&sha) && sha.starts_with(&name) {
                out.push((sha, f.path()));
            }
        }
    }
    Ok(out)
}

/// `root/ab/<sha256>`.
fn photo_path(root: &Path, sha256: &str) -> PathBuf {
    root.join(&sha256[..2]).join(sha256)
}

enum Copied {
    Done(u64),
    /// The source is gone.
    Vanished,
    /// The source's bytes do not hash to `sha256`: nothing was written.
    Mismatch,
}

/// Removes a temp file unless it was renamed into place.
struct TempFile(Option<PathBuf>);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
        }
    }
}

/// Copies `src` to `target` through a temp file in `tmp_dir`, hashing on the way: only bytes
/// that hash to `sha256` are synced and renamed into place.
fn copy_verified(src: &Path, sha256: &str, tmp_dir: &Path, target: &Path) -> Result<Copied, Error> {
    let mut input = match File::open(src) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Copied::Vanished),
        Err(e) => return Err(io_err("读取照片", src)(e)),
    };
    fs::create_dir_all(tmp_dir).map_err(io_err("创建临时目录", tmp_dir))?;
    let tmp_path = tmp_dir.join(format!("{sha256}.{}.part", random_hex()));
    let mut tmp = TempFile(Some(tmp_path.clone()));
    let mut out = File::create(&tmp_path).map_err(io_err("写入", &tmp_path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = input.read(&mut buf).map_err(io_err("读取照片", src))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])
            .map_err(io_err("写入", &tmp_path))?;
        bytes += n as u64;
    }
    if hex::encode(hasher.finalize()) != sha256 {
        return Ok(Copied::Mismatch);
    }
    out.sync_all().map_err(io_err("写入", &tmp_path))?;
    drop(out);
    let parent = target.parent().expect("photo path has a parent");
    fs::create_dir_all(parent).map_err(io_err("创建目录", parent))?;
    fs::rename(&tmp_path, target).map_err(io_err("保存照片", target))?;
    tmp.0 = None;
    Ok(Copied::Done(bytes))
}

/// Copies the regular files of `src` (not its sub-directories) into the new directory `dst`
/// (mode 0700, each file's permission bits kept), returning what was copied; nothing when
/// `src` does not exist. With `expected`, only those files, each checked against its entry.
fn copy_small_files(
    src: &Path,
    dst: &Path,
    expected: Option<&[DataFile]>,
) -> Result<Vec<DataFile>, Error> {
    let names: Vec<String> = match expected {
        Some(list) => list.iter().map(|f| f.name.clone()).collect(),
        None => match fs::read_dir(src) {
            Ok(entries) => entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io_err("读取", src)(e)),
        },
    };
    if names.is_empty() {
        return Ok(Vec::new());
    }
    fs::create_dir_all(dst).map_err(io_err("创建目录", dst))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dst, fs::Permissions::from_mode(0o700))
            .map_err(io_err("设置权限", dst))?;
    }
    let mut out = Vec::new();
    for name in names {
        if name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(Error::BadPath(src.join(&name)));
        }
        let (from, to) = (src.join(&name), dst.join(&name));
        let (bytes, sha256) = copy_hashed(&from, &to)?;
        let perms = fs::metadata(&from)
            .map_err(io_err("读取", &from))?
            .permissions();
        fs::set_permissions(&to, perms).map_err(io_err("设置权限", &to))?;
        let file = DataFile {
            name,
            bytes,
            sha256,
        };
        if let Some(list) = expected {
            if !list.contains(&file) {
                return Err(Error::DataFileDamaged { path: from });
            }
        }
        out.push(file);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    sync_dir(dst);
    Ok(out)
}

/// Size and SHA-256 of a file, after syncing it to disk.
fn hash_and_sync(path: &Path) -> Result<(u64, String), Error> {
    let mut f = File::options()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io_err("读取", path))?;
    f.sync_all().map_err(io_err("写入", path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(io_err("读取", path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((bytes, hex::encode(hasher.finalize())))
}

/// Copies `src` to `dst` (a new file), returning its size and SHA-256; synced.
fn copy_hashed(src: &Path, dst: &Path) -> Result<(u64, String), Error> {
    let mut input = File::open(src).map_err(io_err("读取", src))?;
    let mut out = File::create_new(dst).map_err(io_err("写入", dst))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = input.read(&mut buf).map_err(io_err("读取", src))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(io_err("写入", dst))?;
        bytes += n as u64;
    }
    out.sync_all().map_err(io_err("写入", dst))?;
    Ok((bytes, hex::encode(hasher.finalize())))
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut f = File::create(path).map_err(io_err("写入", path))?;
    f.write_all(bytes).map_err(io_err("写入", path))?;
    f.sync_all().map_err(io_err("写入", path))
}

/// Makes a rename or a new file in `dir` durable (best effort: not every file system can).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

fn random_hex() -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).expect("OS random numbers");
    hex::encode(b)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

// ---------------------------------------------------------------------------------------------
// Snapshots in a backup directory, and retention.

/// The complete snapshots in `to` (directories with a manifest), oldest first.
pub fn list_snapshots(to: &Path) -> Result<Vec<String>, Error> {
    let entries = match fs::read_dir(to) {
        Ok(d) => d,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err("读取备份目录", to)(e)),
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_snapshot_name(n) && to.join(n).join(MANIFEST_FILE).is_file())
        .collect();
    // Same-second suffixes sort after their base by the numeric suffix.
    names.sort_by_key(|n| {
        let (base, suffix) = n.split_at(15);
        let k: u64 = suffix.trim_start_matches('-').parse().unwrap_or(1);
        (base.to_owned(), k)
    });
    Ok(names)
}

/// Reads `snapshot/manifest.json`.
pub fn read_manifest(snapshot: &Path) -> Result<Manifest, Error> {
    let path = snapshot.join(MANIFEST_FILE);
    let bad = |detail: String| Error::BadManifest {
        path: path.clone(),
        detail,
    };
    let text = fs::read(&path).map_err(|e| bad(e.to_string()))?;
    let manifest: Manifest = serde_json::from_slice(&text).map_err(|e| bad(e.to_string()))?;
    if manifest.format > FORMAT {
        return Err(Error::TooNew {
            what: format!("清单格式 {}", manifest.format),
        });
    }
    if manifest.photos.iter().any(|p| !is_sha256_hex(&p.sha256)) {
        return Err(bad("照片编号不是 SHA-256".to_owned()));
    }
    Ok(manifest)
}

/// What [`prune`] removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pruned {
    pub snapshots: Vec<String>,
    pub photos: u64,
    pub photo_bytes: u64,
    /// Photos were not pruned because a kept snapshot's manifest could not be read.
    pub photos_kept_because: Option<String>,
}

/// Keeps the newest `keep` snapshots of `to` (at least one) and removes the older ones, then
/// the photos no kept snapshot lists (only those older than a day: a backup running right now
/// may be about to list a photo it found already present, and it refreshes that file's time).
pub fn prune(to: &Path, keep: u32) -> Result<Pruned, Error> {
    let mut pruned = Pruned::default();
    let snapshots = list_snapshots(to)?;
    let keep = (keep.max(1) as usize).min(snapshots.len());
    let (old, kept) = snapshots.split_at(snapshots.len() - keep);
    for name in old {
        let path = to.join(name);
        fs::remove_dir_all(&path).map_err(io_err("删除旧快照", &path))?;
        pruned.snapshots.push(name.clone());
    }
    let mut referenced = HashSet::new();
    for name in kept {
        match read_manifest(&to.join(name)) {
            Ok(m) => referenced.extend(m.photos.into_iter().map(|p| p.sha256)),
            Err(e) => {
                // Careful: without every kept snapshot's list, no photo is provably unused.
                pruned.photos_kept_because = Some(e.to_string());
                return Ok(pruned);
            }
        }
    }
    let photos = to.join(PHOTOS_DIR);
    let now = SystemTime::now();
    for (sha, path) in list_store(&photos)? {
        if referenced.contains(&sha) {
            continue;
        }
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        let old_enough = meta
            .modified()
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > GRACE);
        if old_enough && fs::remove_file(&path).is_ok() {
            pruned.photos += 1;
            pruned.photo_bytes += meta.len();
        }
    }
    Ok(pruned)
}

// ---------------------------------------------------------------------------------------------
// The daily backup of `serve --backup-dir`.

/// `serve --backup-dir DIR --backup-keep N --backup-at HH:MM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub dir: PathBuf,
    pub keep: u32,
    pub at: TimeOfDay,
}

/// One scheduled run: a backup (photos only on PostgreSQL), then the retention.
pub async fn run_scheduled(
    db: &Db,
    config: &Config,
    schedule: &Schedule,
) -> Result<(BackupReport, Pruned), Error> {
    let photos_only = db.backend() == Backend::Postgres;
    let report = backup(db, config, &schedule.dir, photos_only).await?;
    let pruned = blocking({
        let (dir, keep) = (schedule.dir.clone(), schedule.keep);
        move || prune(&dir, keep)
    })
    .await?;
    Ok((report, pruned))
}

/// Runs [`run_scheduled`] every day at `schedule.at` (Beijing time) while the server runs.
/// The wall clock is read again every ten minutes, so a suspended machine or a clock set by
/// hand does not shift the time of day.
pub fn spawn_scheduled(db: Db, config: Config, schedule: Schedule) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let due = now_ms() + until_next(now_ms(), schedule.at).as_millis() as i64;
            loop {
                let left = due - now_ms();
                if left <= 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(left.min(600_000) as u64)).await;
            }
            match run_scheduled(&db, &config, &schedule).await {
                Ok((r, p)) => {
                    tracing::info!(
                        snapshot = %r.snapshot.display(),
                        records = r.manifest.records,
                        change_seq = r.manifest.change_seq,
                        photos = r.manifest.photo_count,
                        copied_photos = r.copied_photos,
                        copied_bytes = r.copied_bytes,
                        pruned_snapshots = p.snapshots.len(),
                        pruned_photos = p.photos,
                        "定时备份完成"
                    );
                    if !r.damaged_in_store.is_empty() {
                        tracing::error!(
                            photos = ?r.damaged_in_store,
                            "数据目录中有照片已损坏（内容与 SHA-256 文件名不符），未能备份"
                        );
                    }
                    if let Some(why) = p.photos_kept_because {
                        tracing::warn!(reason = %why, "未清理备份中的旧照片");
                    }
                    if r.manifest.kind == SnapshotKind::PhotosOnly {
                        tracing::warn!(
                            "PostgreSQL：定时备份只含照片，记录请用 pg_dump 备份（docs/deploy.md）"
                        );
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, dir = %schedule.dir.display(), "定时备份失败")
                }
            }
        }
    })
}

/// `serve`: starts the daily backup when `config.backup` is set, saying so on stdout; a backup
/// directory that cannot be written is reported now (the server still starts: a missing
/// backup disk must not stop the inspectors' sync).
pub fn start_scheduled(db: &Db, config: &Config) -> Option<tokio::task::JoinHandle<()>> {
    let schedule = config.backup.clone()?;
    let mut out = format!(
        "每天 {}（北京时间）自动备份到 {}，保留最近 {} 份。\n",
        schedule.at,
        schedule.dir.display(),
        schedule.keep
    );
    if db.backend() == Backend::Postgres {
        out += "数据库为 PostgreSQL：定时备份只含照片，记录请另用 pg_dump 备份（见 docs/deploy.md）。\n";
    }
    let probe = schedule.dir.join(format!(".probe-{}", random_hex()));
    let writable = fs::create_dir_all(&schedule.dir)
        .and_then(|()| write_synced(&probe, b"").map_err(io::Error::other))
        .map(|()| {
            let _ = fs::remove_file(&probe);
        });
    if let Err(e) = writable {
        tracing::error!(dir = %schedule.dir.display(), error = %e, "备份目录无法写入");
        out += &format!(
            "警告：备份目录 {} 现在无法写入（{e}）。请确认磁盘已挂载且服务账号有写权限\
             （systemd 部署时还要把它加入 ReadWritePaths）；到时仍会重试。\n",
            schedule.dir.display()
        );
    }
    let _ = write!(io::stdout(), "{out}");
    Some(spawn_scheduled(db.clone(), config.clone(), schedule))
}

// ---------------------------------------------------------------------------------------------
// Restore.

/// What [`restore`] restored.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    /// The snapshot restored from.
    pub snapshot: PathBuf,
    pub manifest: Manifest,
    /// The restored data directory.
    pub target: PathBuf,
    /// Records and change_seq of the restored database (PostgreSQL: as found in it).
    pub records: i64,
    pub deleted_records: i64,
    pub change_seq: i64,
    pub photos: u64,
    pub photo_bytes: u64,
    /// The restored database's new instance id.
    pub instance_id: String,
    /// Photos records refer to that are not in the backup (not uploaded when it was taken).
    pub referenced_missing: u64,
}

/// Finds the snapshot `from` names: a snapshot directory itself, or a backup directory (its
/// `latest`, else its newest snapshot). Returns (snapshot directory, photo store).
pub fn resolve(from: &Path) -> Result<(PathBuf, PathBuf), Error> {
    let from = fs::canonicalize(from).map_err(|_| Error::NoBackup(from.to_owned()))?;
    if from.join(MANIFEST_FILE).is_file() {
        let root = from.parent().unwrap_or(&from).to_owned();
        return Ok((from.clone(), root.join(PHOTOS_DIR)));
    }
    let latest = fs::read_to_string(from.join(LATEST_FILE))
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|n| is_snapshot_name(n) && from.join(n).join(MANIFEST_FILE).is_file());
    let name = match latest {
        Some(n) => n,
        None => list_snapshots(&from)?
            .pop()
            .ok_or_else(|| Error::NoBackup(from.clone()))?,
    };
    Ok((from.join(name), from.join(PHOTOS_DIR)))
}

/// Restores the snapshot `from` names into the new (or empty) directory `target`.
///
/// A full snapshot becomes `target/yinhuan.db` + `target/photos`; a photos-only snapshot (the
/// PostgreSQL case) needs `database_url`: the database the operator restored from `pg_dump`,
/// which then gets its new instance id here.
pub async fn restore(
    from: &Path,
    target: &Path,
    database_url: Option<&str>,
) -> Result<RestoreReport, Error> {
    let (snapshot, photo_store) = resolve(from)?;
    let manifest = read_manifest(&snapshot)?;
    let postgres_url = database_url.filter(|u| u.starts_with("postgres"));
    if manifest.kind == SnapshotKind::PhotosOnly && postgres_url.is_none() {
        return Err(Error::PhotosOnlyNeedsPostgres);
    }
    if manifest.kind == SnapshotKind::Full {
        let known = SQLITE_MIGRATIONS
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0);
        if manifest.migration_version > known {
            return Err(Error::TooNew {
                what: format!(
                    "数据库迁移版本 {}，本程序只认识到 {known}",
                    manifest.migration_version
                ),
            });
        }
    }
    match fs::read_dir(target) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::TargetNotEmpty(target.to_owned()));
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => {
            return Err(Error::TargetNotEmpty(target.to_owned()))
        }
        Err(e) => return Err(io_err("读取目标目录", target)(e)),
    }
    let name = target
        .file_name()
        .ok_or_else(|| Error::BadPath(target.to_owned()))?
        .to_string_lossy()
        .into_owned();
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io_err("创建目录", &parent))?;
    // A sibling, so the final rename stays on one file system.
    let staging = parent.join(format!(".{name}.restoring-{}", random_hex()));
    fs::create_dir(&staging).map_err(io_err("创建临时目录", &staging))?;

    // A full snapshot carries its own database; DATABASE_URL plays no part in it.
    let postgres_url = postgres_url.filter(|_| manifest.kind == SnapshotKind::PhotosOnly);
    let filled = fill_restore(&snapshot, &photo_store, &manifest, &staging, postgres_url).await;
    let placed = filled.and_then(|report| {
        if target.exists() {
            // Empty (checked above): rename cannot replace a directory on every system.
            fs::remove_dir(target).map_err(io_err("替换空目录", target))?;
        }
        fs::rename(&staging, target).map_err(io_err("保存恢复结果到", target))?;
        sync_dir(&parent);
        Ok(report)
    });
    match placed {
        Ok(mut report) => {
            report.snapshot = snapshot;
            report.target = target.to_owned();
            Ok(report)
        }
        Err(e) => {
            let leftover = match fs::remove_dir_all(&staging) {
                Ok(()) => None,
                Err(err) if err.kind() == io::ErrorKind::NotFound => None,
                Err(_) => Some(staging),
            };
            Err(Error::Aborted {
                source: Box::new(e),
                target: target.to_owned(),
                leftover,
            })
        }
    }
}

async fn fill_restore(
    snapshot: &Path,
    photo_store: &Path,
    manifest: &Manifest,
    staging: &Path,
    postgres_url: Option<&str>,
) -> Result<RestoreReport, Error> {
    // Why a NEW instance id. The restored change_seq is the backup's, lower than what the
    // server had reached before it was lost. A device that pulled after the backup holds a
    // cursor past it; with the old id it would keep that cursor and ask for `rev > cursor`,
    // while the restored server hands out the numbers after its own change_seq again: every
    // record written after the restore with a rev at or below that cursor would never reach
    // that device. A new id tells every device the database was replaced (docs/sync.md): it
    // drops its cursor and pulls from 0, so it gets every record the restored server has.
    // (Its own unsynced edits stay on the device and are pushed as usual.)
    let instance_id = uuid::Uuid::now_v7().to_string();
    let (records, deleted_records, change_seq, refs) = match postgres_url {
        None => restore_sqlite(snapshot, manifest, staging, &instance_id).await?,
        Some(url) => renew_postgres(url, &instance_id).await?,
    };
    let photos = blocking({
        let (store, staging) = (photo_store.to_owned(), staging.to_owned());
        let list = manifest.photos.clone();
        move || restore_photos(&store, &list, &staging.join(PHOTOS_DIR))
    })
    .await?;
    blocking({
        let (src, dst) = (snapshot.join(TLS_DIR), staging.join(TLS_DIR));
        let list = manifest.tls.clone();
        move || copy_small_files(&src, &dst, Some(&list))
    })
    .await?;
    let in_backup: HashSet<&str> = manifest.photos.iter().map(|p| p.sha256.as_str()).collect();
    let referenced_missing = refs
        .iter()
        .filter(|sha| !in_backup.contains(sha.as_str()))
        .count() as u64;
    Ok(RestoreReport {
        snapshot: PathBuf::new(),
        manifest: manifest.clone(),
        target: PathBuf::new(),
        records,
        deleted_records,
        change_seq,
        photos: photos.0,
        photo_bytes: photos.1,
        instance_id,
        referenced_missing,
    })
}

/// (records, deleted, change_seq, referenced photos)
type Restored = (i64, i64, i64, Vec<String>);

const SELECT_REFERENCED: &str = "SELECT DISTINCT sha256 FROM photo_refs";
const SET_INSTANCE_ID: &str = "UPDATE meta SET value = $1 WHERE key = 'instance_id'";

async fn restore_sqlite(
    snapshot: &Path,
    manifest: &Manifest,
    staging: &Path,
    instance_id: &str,
) -> Result<Restored, Error> {
    let Some(file) = &manifest.database else {
        return Err(Error::BadManifest {
            path: snapshot.join(MANIFEST_FILE),
            detail: "完整快照缺少数据库文件的记载".to_owned(),
        });
    };
    if file.file.contains(['/', '\\']) || file.file.starts_with('.') {
        return Err(Error::BadManifest {
            path: snapshot.join(MANIFEST_FILE),
            detail: format!("数据库文件名“{}”无效", file.file),
        });
    }
    let src = snapshot.join(&file.file);
    if !src.is_file() {
        return Err(Error::DatabaseDamaged { path: src });
    }
    let dst = staging.join(Config::SQLITE_FILE);
    let (bytes, sha) = blocking({
        let (src, dst) = (src.clone(), dst.clone());
        move || copy_hashed(&src, &dst)
    })
    .await?;
    if bytes != file.bytes || sha != file.sha256 {
        return Err(Error::DatabaseDamaged { path: src });
    }
    let db = open_file(&dst).await?;
    let result = async {
        quick_check(&db, &src, "请改用另一份备份。").await?;
        let facts = facts_of(&db).await?;
        for (what, expected, found) in [
            ("记录数：", manifest.records, facts.records),
            (
                "变更序号 change_seq：",
                manifest.change_seq,
                facts.change_seq,
            ),
        ] {
            if expected != found {
                return Err(Error::CountMismatch {
                    what,
                    expected,
                    found,
                });
            }
        }
        let Db::Sqlite(pool) = &db else {
            unreachable!("open_file opens SQLite")
        };
        sqlx::query(SET_INSTANCE_ID)
            .bind(instance_id)
            .execute(pool)
            .await?;
        let refs: Vec<String> = sqlx::query_scalar(SELECT_REFERENCED)
            .fetch_all(pool)
            .await?;
        Ok((facts.records, facts.deleted_records, facts.change_seq, refs))
    }
    .await;
    db.close().await;
    let restored = result?;
    blocking(move || hash_and_sync(&dst).map(|_| ())).await?;
    Ok(restored)
}

/// The PostgreSQL database restored from `pg_dump`: read its figures and give it a new
/// instance id (see [`fill_restore`]).
async fn renew_postgres(url: &str, instance_id: &str) -> Result<Restored, Error> {
    let mut config = Config::new("dist", ".");
    config.database_url = Some(url.to_owned());
    let db = Db::connect(&config).await.map_err(|e| match e {
        crate::DbError::Connect(e) | crate::DbError::InvalidUrl(e) | crate::DbError::Query(e) => {
            Error::Database(e)
        }
        other => Error::Database(sqlx::Error::Configuration(other.to_string().into())),
    })?;
    let result = async {
        let facts = facts_of(&db).await?;
        with_pool!(&db, pool => sqlx::query(SET_INSTANCE_ID)
            .bind(instance_id)
            .execute(pool)
            .await
            .map(|_| ()))?;
        let refs: Vec<String> =
            with_pool!(&db, pool => sqlx::query_scalar(SELECT_REFERENCED).fetch_all(pool).await)?;
        Ok::<_, sqlx::Error>((facts.records, facts.deleted_records, facts.change_seq, refs))
    }
    .await;
    db.close().await;
    Ok(result?)
}

/// Copies every listed photo from `store` into `dst`, verifying its hash; all problems are
/// collected, then reported together. Returns (photos, bytes).
fn restore_photos(store: &Path, list: &[PhotoEntry], dst: &Path) -> Result<(u64, u64), Error> {
    let (mut damaged, mut missing) = (Vec::new(), Vec::new());
    let mut bytes = 0;
    let tmp = dst.join("tmp");
    let mut shelves = BTreeSet::new();
    for p in list {
        let src = photo_path(store, &p.sha256);
        match copy_verified(&src, &p.sha256, &tmp, &photo_path(dst, &p.sha256))? {
            Copied::Done(n) => {
                bytes += n;
                shelves.insert(p.sha256[..2].to_owned());
            }
            Copied::Vanished => missing.push((p.sha256.clone(), src)),
            Copied::Mismatch => damaged.push((p.sha256.clone(), src)),
        }
    }
    if !damaged.is_empty() || !missing.is_empty() {
        return Err(Error::PhotosBad { damaged, missing });
    }
    let _ = fs::remove_dir(&tmp);
    for s in shelves {
        sync_dir(&dst.join(s));
    }
    sync_dir(dst);
    Ok((list.len() as u64, bytes))
}

// ---------------------------------------------------------------------------------------------
// The subcommands' output (stdout, Chinese) and exit codes.

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// `yinhuan-server backup`: exit 0 when the snapshot is complete, 1 when it failed or when
/// some photo of the data directory is damaged (the snapshot is still usable).
pub async fn run_backup(
    config: &Config,
    to: &Path,
    photos_only: bool,
    keep: Option<u32>,
) -> ExitCode {
    let is_postgres = config
        .database_url
        .as_deref()
        .is_some_and(|u| u.starts_with("postgres"));
    if is_postgres && !photos_only {
        eprintln!("备份未进行。{}", Error::PostgresNeedsPgDump);
        return ExitCode::FAILURE;
    }
    if config.database_url.is_none() && !config.sqlite_path().is_file() {
        eprintln!("备份失败：{}", Error::NoDatabase(config.sqlite_path()));
        return ExitCode::FAILURE;
    }
    // Connect only: a backup never migrates the database it copies.
    let db = match Db::connect(config).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("备份失败：{e}");
            return ExitCode::FAILURE;
        }
    };
    let made = backup(&db, config, to, photos_only).await;
    db.close().await;
    let report = match made {
        Ok(r) => r,
        Err(e) => {
            eprintln!("备份失败：{e}");
            return ExitCode::FAILURE;
        }
    };
    let m = &report.manifest;
    let mut out = String::new();
    let already = m.photo_count - report.copied_photos;
    match &m.database {
        Some(db) => {
            out += &format!("备份完成：{}\n", report.snapshot.display());
            out += &format!(
                "  记录 {} 条（其中已删除 {} 条），变更序号 change_seq {}，数据库迁移版本 {}\n",
                m.records, m.deleted_records, m.change_seq, m.migration_version
            );
            out += &format!("  数据库文件 {}：{}\n", db.file, mb(db.bytes));
        }
        None => {
            out += &format!("照片备份完成：{}\n", report.snapshot.display());
            out += &format!(
                "  本备份不含记录（数据库为 {}，当时有记录 {} 条，change_seq {}）：记录请用 pg_dump 备份，见 docs/deploy.md。\n",
                m.backend, m.records, m.change_seq
            );
        }
    }
    out += &format!(
        "  照片 {} 张，共 {}；本次新复制 {} 张（{}），其余 {already} 张已在备份中\n",
        m.photo_count,
        mb(m.photo_bytes),
        report.copied_photos,
        mb(report.copied_bytes)
    );
    if !m.tls.is_empty() {
        out += &format!(
            "  证书文件 {} 个（tls/，含本地根证书的私钥：请像保管服务器一样保管备份盘）\n",
            m.tls.len()
        );
    }
    out += &format!(
        "  清单：{}\n",
        report.snapshot.join(MANIFEST_FILE).display()
    );
    let mut code = ExitCode::SUCCESS;
    if let Some(keep) = keep {
        match prune(to, keep) {
            Ok(p) => {
                out += &format!(
                    "  只保留最近 {keep} 份：删除旧备份 {} 份、不再被引用的照片 {} 张（{}）\n",
                    p.snapshots.len(),
                    p.photos,
                    mb(p.photo_bytes)
                );
                if let Some(why) = p.photos_kept_because {
                    out += &format!("  未清理旧照片：{why}\n");
                }
            }
            Err(e) => {
                out += &format!("  清理旧备份失败：{e}\n");
                code = ExitCode::FAILURE;
            }
        }
    }
    out += &match m.kind {
        SnapshotKind::Full => format!(
            "恢复：yinhuan-server restore --from {} --data <新的空目录>\n",
            to.display()
        ),
        SnapshotKind::PhotosOnly => format!(
            "恢复：先用 psql 把 pg_dump 的备份导入新数据库，再让 DATABASE_URL 指向它，运行 \
             yinhuan-server restore --from {} --data <新的空目录>（见 docs/deploy.md）\n",
            to.display()
        ),
    };
    let _ = write!(io::stdout(), "{out}");
    if !report.damaged_in_store.is_empty() {
        let mut err = format!(
            "注意：数据目录中有 {} 张照片已损坏（内容与文件名的 SHA-256 不符），未能备份：\n",
            report.damaged_in_store.len()
        );
        for sha in &report.damaged_in_store {
            err += &format!(
                "  照片 {sha}（{}）\n",
                photo_path(&config.photos_dir(), sha).display()
            );
        }
        err += "请检查磁盘（硬盘可能有坏道）；这些照片若还在拍摄它们的手机上，删除损坏的文件后手机下次同步会重新上传。";
        eprintln!("{err}");
        code = ExitCode::FAILURE;
    }
    code
}

/// `yinhuan-server restore`: exit 0 only when everything was restored and verified.
pub async fn run_restore(from: &Path, target: &Path, database_url: Option<&str>) -> ExitCode {
    let report = match restore(from, target, database_url).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("恢复失败：{e}");
            return ExitCode::FAILURE;
        }
    };
    let m = &report.manifest;
    let mut out = format!(
        "恢复完成：{}\n  来自备份 {}（备份时间 {}）\n",
        report.target.display(),
        report.snapshot.display(),
        m.created_at
    );
    match m.kind {
        SnapshotKind::Full => {
            out += &format!(
                "  记录 {} 条（其中已删除 {} 条），与备份清单一致；变更序号 change_seq {}\n",
                report.records, report.deleted_records, report.change_seq
            );
        }
        SnapshotKind::PhotosOnly => {
            out += &format!(
                "  PostgreSQL 数据库（DATABASE_URL）中有记录 {} 条（其中已删除 {} 条），change_seq {}；\
                 照片备份时数据库有记录 {} 条\n",
                report.records, report.deleted_records, report.change_seq, m.records
            );
        }
    }
    out += &format!(
        "  照片 {} 张，共 {}，每张的 SHA-256 都已核对无误\n",
        report.photos,
        mb(report.photo_bytes)
    );
    if !m.tls.is_empty() {
        out += &format!(
            "  证书文件 {} 个（tls/）：手机无需重新安装根证书；新服务器的地址若不同，运行 tls renew --host 新地址\n",
            m.tls.len()
        );
    }
    if report.referenced_missing > 0 {
        out += &format!(
            "  另有 {} 张照片被记录引用但不在备份中（备份时尚未从手机上传到服务器）\n",
            report.referenced_missing
        );
    }
    out += &format!(
        "  新的实例编号 {}：各手机下次同步时会从头重新下载全部记录\n",
        report.instance_id
    );
    match m.kind {
        SnapshotKind::Full => {
            out += &format!(
                "启动：yinhuan-server serve --data {}\n",
                report.target.display()
            );
            if database_url.is_some() {
                out += "注意：当前设置了 DATABASE_URL，serve 会连接该数据库而不是恢复出的 SQLite 文件；\
                        启动前请取消 DATABASE_URL（systemd 部署时检查 EnvironmentFile）。\n";
            }
        }
        SnapshotKind::PhotosOnly => {
            out += &format!(
                "启动：保持 DATABASE_URL 指向恢复出的数据库，运行 yinhuan-server serve --data {}\n",
                report.target.display()
            );
        }
    }
    let _ = write!(io::stdout(), "{out}");
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_names_are_beijing_time() {
        // 2025-06-10T18:30:05Z is 2025-06-11 02:30:05 in Beijing.
        let ms = 1_749_580_205_000;
        assert_eq!(snapshot_name(ms), "20250611-023005");
        assert_eq!(beijing_time_text(ms), "2025-06-11 02:30:05 +08:00");
        assert!(is_snapshot_name("20250611-023005"));
        assert!(is_snapshot_name("20250611-023005-2"));
        assert!(!is_snapshot_name("20250611-023005-"));
        assert!(!is_snapshot_name("photos"));
        assert!(!is_snapshot_name(".partial-20250611-023005-ab"));
    }

    #[test]
    fn the_next_run_is_later_today_or_tomorrow() {
        let at = TimeOfDay::from_str("02:30").unwrap();
        // 02:30:05 Beijing: just missed, so tomorrow.
        let ms = 1_749_580_205_000;
        assert_eq!(until_next(ms, at), Duration::from_secs(86_400 - 5));
        // 01:30:00 Beijing: in an hour.
        assert_eq!(until_next(ms - 3_605_000, at), Duration::from_secs(3600));
        // Exactly at the time: the next day, never zero.
        assert_eq!(until_next(ms - 5_000, at), Duration::from_secs(86_400));
    }

    #[test]
    fn times_of_day_are_hh_mm() {
        assert_eq!(
            TimeOfDay::from_str("2:30"),
            Ok(TimeOfDay {
                hour: 2,
                minute: 30
            })
        );
        assert_eq!(TimeOfDay::from_str("23:59").unwrap().to_string(), "23:59");
        for bad in ["24:00", "02:60", "0230", "2:3", "-1:30", "02:30:00", ""] {
            assert!(TimeOfDay::from_str(bad).is_err(), "{bad}");
        }
    }
}

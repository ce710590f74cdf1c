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

mod files;
mod remote;
mod report;
mod restore;
mod schedule;
mod snapshot;

use files::*;
pub use report::*;
pub use restore::*;
pub use schedule::*;
pub use snapshot::*;

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
pub(super) const GRACE: Duration = Duration::from_secs(24 * 3600);
pub(super) const PARTIAL_PREFIX: &str = ".partial-";
pub(super) const BEIJING_OFFSET_S: i64 = 8 * 3600;

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
    #[error("读取照片存储失败（{0}）。请确认对象存储可以访问（AWS_ENDPOINT_URL 与密钥），再重新运行备份。")]
    PhotoStore(String),
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

pub(super) fn photo_problems(
    damaged: &[(String, PathBuf)],
    missing: &[(String, PathBuf)],
) -> String {
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

pub(super) fn aborted_tail(target: &Path, leftover: &Option<PathBuf>) -> String {
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

pub(super) fn io_err<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> Error + 'a {
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
pub(super) fn beijing(ms: i64) -> (Date, i64) {
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

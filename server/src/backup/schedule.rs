//! The daily backup of `serve --backup-dir`.

use super::*;

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

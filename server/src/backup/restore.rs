//! `restore`: into a new sibling directory, verified, then renamed to the target.

use super::*;

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

pub(super) async fn fill_restore(
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
pub(super) type Restored = (i64, i64, i64, Vec<String>);

pub(super) const SELECT_REFERENCED: &str = "SELECT DISTINCT sha256 FROM photo_refs";
pub(super) const SET_INSTANCE_ID: &str = "UPDATE meta SET value = $1 WHERE key = 'instance_id'";

pub(super) async fn restore_sqlite(
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
pub(super) async fn renew_postgres(url: &str, instance_id: &str) -> Result<Restored, Error> {
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
pub(super) fn restore_photos(
    store: &Path,
    list: &[PhotoEntry],
    dst: &Path,
) -> Result<(u64, u64), Error> {
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

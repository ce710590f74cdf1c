//! Taking a snapshot (`backup`), and the snapshots of a backup directory with their retention.

use super::*;

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
pub(super) struct Facts {
    pub(super) instance_id: String,
    pub(super) migration_version: i64,
    pub(super) records: i64,
    pub(super) deleted_records: i64,
    pub(super) change_seq: i64,
}

pub(super) async fn facts_of(db: &Db) -> Result<Facts, sqlx::Error> {
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
pub(super) async fn open_file(path: &Path) -> Result<Db, Error> {
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
pub(super) async fn quick_check(db: &Db, path: &Path, advice: &'static str) -> Result<(), Error> {
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

pub(super) async fn fill_snapshot(
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
    let copy = match config.photo_location() {
        crate::photos::PhotoLocation::Local(src) => {
            blocking({
                let dst = to.join(PHOTOS_DIR);
                move || copy_photos(&src, &dst)
            })
            .await?
        }
        elsewhere => {
            let store = crate::photos::PhotoStore::open(&elsewhere, &config.data_dir)
                .map_err(Error::PhotoStore)?;
            super::remote::copy_photos_from_store(&store, &to.join(PHOTOS_DIR)).await?
        }
    };
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
pub(super) fn publish(to: &Path, staging: &Path, started: i64) -> Result<PathBuf, Error> {
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
pub(super) fn clean_leftovers(to: &Path) {
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

//! Backup and restore (src/backup.rs): the restore drill of issue 9 — serve, push records and
//! photos, back up while pushes continue, back up again (only new photos copied), restore to a
//! new directory, serve it and pull as a fresh device; a damaged backup is refused by name;
//! PostgreSQL through `pg_dump` / `psql` plus `backup --photos-only`.
//!
//! The commands run as the real binary (`yinhuan-server backup|restore`), in another process
//! than the serving app, as an operator would run them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use model::sync::Role;
use sqlx::sqlite::SqliteConnectOptions;
use yinhuan_server::auth::sha256_hex;
use yinhuan_server::backup::{self, Manifest, SnapshotKind};
use yinhuan_server::Db;

use crate::helpers::{
    body_bytes, enterprise_change, hazard_change, inspection_for, new_id, spawn_app, spawn_app_in,
    spawn_app_on_postgres, valid_jpeg, ScratchPostgres, TestApp, XINFU,
};

/// Runs `yinhuan-server` with a clean environment (plus `env`).
fn cli(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yinhuan-server"));
    cmd.env_clear().args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run yinhuan-server")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Uploads a photo as the app does (PUT with its SHA-256).
async fn upload(app: &TestApp, token: &str, bytes: &[u8]) {
    let sha = sha256_hex(bytes);
    let req = Request::put(format!("/api/photos/{sha}"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "image/jpeg")
        .body(Body::from(bytes.to_vec()))
        .unwrap();
    let status = app.request(req).await.status();
    assert!(status.is_success(), "upload {sha}: {status}");
}

/// One hazard of `enterprise` with photo `valid_jpeg(n)`: the record first, then the photo,
/// as the app sends them.
async fn push_hazard_with_photo(app: &TestApp, token: &str, enterprise: uuid::Uuid, n: u8) {
    let photo = valid_jpeg(n);
    let sha = sha256_hex(&photo);
    let change = hazard_change(
        new_id(),
        enterprise,
        0,
        &format!("隐患 {n}：护栏缺失"),
        "open",
        &[&sha],
    );
    let outcomes = app.push(token, vec![change]).await;
    assert_eq!(outcomes[0]["status"], "applied", "{}", outcomes[0]);
    upload(app, token, &photo).await;
}

/// An enterprise, its inspection and `photos` hazards with one photo each (0..photos).
async fn seed(app: &TestApp, token: &str, photos: u8) -> uuid::Uuid {
    let enterprise = new_id();
    let outcomes = app
        .push(
            token,
            vec![
                enterprise_change(enterprise, XINFU, 0, "忻州市某钢铁有限公司"),
                inspection_for(enterprise),
            ],
        )
        .await;
    assert!(outcomes.iter().all(|o| o["status"] == "applied"));
    for n in 0..photos {
        push_hazard_with_photo(app, token, enterprise, n).await;
    }
    enterprise
}

async fn change_seq(app: &TestApp) -> i64 {
    app.count("SELECT value FROM change_seq WHERE id = 1").await
}

/// id → (rev, deleted, body) of every record a fresh device pulls.
async fn pulled(app: &TestApp, token: &str) -> BTreeMap<String, (i64, bool, serde_json::Value)> {
    app.pull_all(token)
        .await
        .into_iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                (
                    c["rev"].as_i64().unwrap(),
                    c["deleted"].as_bool().unwrap(),
                    c["body"].clone(),
                ),
            )
        })
        .collect()
}

/// Every photo the records name.
fn referenced_photos(
    records: &BTreeMap<String, (i64, bool, serde_json::Value)>,
) -> BTreeSet<String> {
    records
        .values()
        .filter_map(|(_, _, body)| body["photos"].as_array())
        .flatten()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

/// Fetches a photo as a device does and checks its bytes hash to its name.
async fn fetch_photo(app: &TestApp, token: &str, sha: &str) -> Vec<u8> {
    let res = app.get_auth(&format!("/api/photos/{sha}"), token).await;
    assert_eq!(res.status(), StatusCode::OK, "photo {sha}");
    let bytes = body_bytes(res).await;
    assert_eq!(sha256_hex(&bytes), sha, "photo served with other bytes");
    bytes
}

fn manifest_of(snapshot: &Path) -> Manifest {
    backup::read_manifest(snapshot).expect("manifest")
}

fn latest(dir: &Path) -> PathBuf {
    let name = std::fs::read_to_string(dir.join("latest")).unwrap();
    dir.join(name.trim())
}

/// The snapshot's own figures, read from its database file, and the check of every body.
async fn check_snapshot(snapshot: &Path, manifest: &Manifest) {
    let options = SqliteConnectOptions::new()
        .filename(snapshot.join("yinhuan.db"))
        .read_only(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let db = Db::Sqlite(pool);
    let records: i64 = yinhuan_server::with_pool!(&db, pool =>
        sqlx::query_scalar("SELECT COUNT(*) FROM records").fetch_one(pool).await)
    .unwrap();
    let (seq, max_rev): (i64, i64) = yinhuan_server::with_pool!(&db, pool =>
        sqlx::query_as("SELECT (SELECT value FROM change_seq), (SELECT COALESCE(MAX(rev), 0) FROM records)")
            .fetch_one(pool).await)
    .unwrap();
    assert_eq!(records, manifest.records, "record count vs manifest");
    assert_eq!(seq, manifest.change_seq, "change_seq vs manifest");
    assert_eq!(
        max_rev, seq,
        "every committed rev is in the snapshot, none beyond"
    );
    // Every stored body parses and passes the model, as `yinhuan-server check` judges them.
    let report = yinhuan_server::check::check(&db).await.unwrap();
    assert_eq!(report.checked as i64, manifest.records);
    assert!(report.is_clean(), "{:?}", report.findings);
    db.close().await;
    // Every listed photo is in the shared store and hashes to its name.
    let store = snapshot.parent().unwrap().join("photos");
    for photo in &manifest.photos {
        let bytes = std::fs::read(store.join(&photo.sha256[..2]).join(&photo.sha256)).unwrap();
        assert_eq!(bytes.len() as u64, photo.bytes);
        assert_eq!(sha256_hex(&bytes), photo.sha256);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_drill_back_up_while_pushing_restore_and_pull_everything() {
    let app = Arc::new(spawn_app().await);
    let token = app.user("shi", Role::City).await;
    let enterprise = seed(&app, &token, 10).await;
    let data = app.state.config.data_dir.clone();
    let backups = tempfile::tempdir().unwrap();
    let dir = backups.path().join("yinhuan-backup");
    let seq_before = change_seq(&app).await;

    // Pushes (a hazard, then its photo) keep coming while the backup runs.
    let done = Arc::new(AtomicUsize::new(0));
    let stop_after = Arc::new(AtomicUsize::new(usize::MAX));
    let pusher = tokio::spawn({
        let (app, token) = (app.clone(), token.clone());
        let (done, stop_after) = (done.clone(), stop_after.clone());
        async move {
            for n in 10..200u8 {
                if done.load(Ordering::SeqCst) >= stop_after.load(Ordering::SeqCst) {
                    break;
                }
                push_hazard_with_photo(&app, &token, enterprise, n).await;
                done.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    while done.load(Ordering::SeqCst) < 3 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let started = Instant::now();
    let first = tokio::task::spawn_blocking({
        let (dir, data) = (dir.clone(), data.clone());
        move || cli(&["backup", "--to", p(&dir), "--data", p(&data)], &[])
    })
    .await
    .unwrap();
    let first_took = started.elapsed();
    let first_out = ok(&first);
    // Three more pushes after the backup, then stop.
    stop_after.store(done.load(Ordering::SeqCst) + 3, Ordering::SeqCst);
    pusher.await.unwrap();
    let seq_after = change_seq(&app).await;

    let snap1 = latest(&dir);
    let m1 = manifest_of(&snap1);
    assert_eq!(m1.kind, SnapshotKind::Full);
    assert!(
        seq_before < m1.change_seq && m1.change_seq < seq_after,
        "the snapshot was taken between pushes: {seq_before} < {} < {seq_after}",
        m1.change_seq
    );
    assert!(
        first_out.contains(&format!("记录 {} 条", m1.records)),
        "{first_out}"
    );
    check_snapshot(&snap1, &m1).await;
    // Every photo stored before the backup began is in it.
    for n in 0..10u8 {
        let sha = sha256_hex(&valid_jpeg(n));
        assert!(
            m1.photos.iter().any(|p| p.sha256 == sha),
            "photo {n} missing"
        );
    }

    // The second backup copies only the photos the backup lacks.
    let second = ok(&cli(&["backup", "--to", p(&dir), "--data", p(&data)], &[]));
    let snap2 = latest(&dir);
    assert_ne!(snap1, snap2);
    let m2 = manifest_of(&snap2);
    check_snapshot(&snap2, &m2).await;
    let total_photos = 10 + done.load(Ordering::SeqCst) as u64;
    assert_eq!(m2.photo_count, total_photos);
    let copied = m2.photo_count - m1.photo_count;
    assert!(
        second.contains(&format!("本次新复制 {copied} 张")),
        "{second}"
    );
    assert_eq!(m2.change_seq, seq_after);
    assert_eq!(backup::list_snapshots(&dir).unwrap().len(), 2);
    eprintln!(
        "backup while pushing: {} records, {} photos in {:?}; second backup copied {copied} photos",
        m1.records, m1.photo_count, first_took
    );

    // Restore the newest snapshot into a new directory and serve it.
    let target = tempfile::tempdir().unwrap();
    let restored_out = ok(&cli(
        &["restore", "--from", p(&dir), "--data", p(target.path())],
        &[],
    ));
    assert!(
        restored_out.contains(&format!("记录 {} 条", m2.records))
            && restored_out.contains(&format!("照片 {} 张", m2.photo_count))
            && restored_out.contains(&format!("change_seq {}", m2.change_seq)),
        "{restored_out}"
    );
    let restored = spawn_app_in(target, None).await;
    let fresh = restored.login("shi").await;
    let original = pulled(&app, &token).await;
    let got = pulled(&restored, &fresh).await;
    assert_eq!(got.len() as i64, m2.records);
    assert_eq!(got, original, "a fresh device pulls every record as it was");
    // Every photo the records name is served, with its hash verified.
    let photos = referenced_photos(&got);
    assert_eq!(photos.len() as u64, total_photos);
    for sha in &photos {
        fetch_photo(&restored, &fresh, sha).await;
    }
    // A new instance id: devices drop their cursor and pull from 0.
    let old_id = app.pull(&token, 0, 1).await["instance_id"].clone();
    let new_id = restored.pull(&fresh, 0, 1).await["instance_id"].clone();
    assert_ne!(old_id, new_id);
    // The restored server takes new pushes after the restored change_seq.
    let outcomes = restored
        .push(
            &fresh,
            vec![enterprise_change(uuid::Uuid::now_v7(), XINFU, 0, "新企业")],
        )
        .await;
    assert_eq!(outcomes[0]["rev"].as_i64().unwrap(), m2.change_seq + 1);

    // The first snapshot, named explicitly, restores to its own consistent state.
    let older = tempfile::tempdir().unwrap();
    let older_target = older.path().join("restored-first");
    ok(&cli(
        &["restore", "--from", p(&snap1), "--data", p(&older_target)],
        &[],
    ));
    let older_app = spawn_app_in(move_into_tempdir(&older_target), None).await;
    let t = older_app.login("shi").await;
    let first_records = pulled(&older_app, &t).await;
    assert_eq!(first_records.len() as i64, m1.records);
    for sha in referenced_photos(&first_records) {
        if m1.photos.iter().any(|p| p.sha256 == sha) {
            fetch_photo(&older_app, &t, &sha).await;
        }
    }
}

/// A `TempDir` owning an existing directory (tempfile has no "adopt"): moves it into a new one.
fn move_into_tempdir(dir: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::remove_dir(tmp.path()).unwrap();
    std::fs::rename(dir, tmp.path()).unwrap();
    tmp
}

/// A backup of a small served app: (app, token, backup dir, its newest snapshot).
async fn backed_up(photos: u8) -> (TestApp, String, tempfile::TempDir, PathBuf) {
    let app = spawn_app().await;
    let token = app.user("shi", Role::City).await;
    seed(&app, &token, photos).await;
    let dir = tempfile::tempdir().unwrap();
    ok(&cli(
        &[
            "backup",
            "--to",
            p(dir.path()),
            "--data",
            p(&app.state.config.data_dir),
        ],
        &[],
    ));
    let snap = latest(dir.path());
    (app, token, dir, snap)
}

/// Entries of `dir` (names), to show nothing was left behind.
fn entries(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_or_missing_photo_is_named_and_the_restore_stops() {
    let (_app, _token, dir, snap) = backed_up(4).await;
    let m = manifest_of(&snap);
    let store = dir.path().join("photos");
    let damaged = &m.photos[1].sha256;
    let path = store.join(&damaged[..2]).join(damaged);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[100] ^= 0x40; // one flipped bit
    std::fs::write(&path, &bytes).unwrap();
    let gone = &m.photos[3].sha256;
    std::fs::remove_file(store.join(&gone[..2]).join(gone)).unwrap();

    let parent = tempfile::tempdir().unwrap();
    let target = parent.path().join("restored");
    let out = cli(
        &["restore", "--from", p(dir.path()), "--data", p(&target)],
        &[],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(damaged.as_str()) && stderr.contains("已损坏"),
        "{stderr}"
    );
    assert!(
        stderr.contains(gone.as_str()) && stderr.contains("缺少"),
        "{stderr}"
    );
    assert!(stderr.contains("恢复已停止"), "{stderr}");
    assert!(stderr.contains("未恢复任何内容"), "{stderr}");
    assert!(!target.exists(), "no half-restored directory");
    assert!(
        entries(parent.path()).is_empty(),
        "no temporary directory left"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_database_or_manifest_stops_the_restore() {
    let (_app, _token, dir, snap) = backed_up(1).await;
    let parent = tempfile::tempdir().unwrap();
    let target = parent.path().join("restored");
    let restore = || cli(&["restore", "--from", p(&snap), "--data", p(&target)], &[]);

    // A manifest whose record count does not match its database.
    let manifest_path = snap.join("manifest.json");
    let original = std::fs::read_to_string(&manifest_path).unwrap();
    let mut m: serde_json::Value = serde_json::from_str(&original).unwrap();
    m["records"] = serde_json::json!(m["records"].as_i64().unwrap() + 1);
    std::fs::write(&manifest_path, m.to_string()).unwrap();
    let out = restore();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("记录数") && stderr.contains("不符"),
        "{stderr}"
    );
    assert!(!target.exists() && entries(parent.path()).is_empty());
    std::fs::write(&manifest_path, original).unwrap();

    // A database file that is not the one the manifest describes.
    let db = snap.join("yinhuan.db");
    let mut bytes = std::fs::read(&db).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&db, bytes).unwrap();
    let out = restore();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("数据库文件") && stderr.contains("已损坏"),
        "{stderr}"
    );
    assert!(!target.exists() && entries(parent.path()).is_empty());
    drop(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_a_non_empty_target_and_a_missing_backup() {
    let (_app, _token, dir, _snap) = backed_up(1).await;
    let target = tempfile::tempdir().unwrap();
    std::fs::write(target.path().join("yinhuan.db"), b"the live database").unwrap();
    let out = cli(
        &[
            "restore",
            "--from",
            p(dir.path()),
            "--data",
            p(target.path()),
        ],
        &[],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("不是空的"), "{stderr}");
    assert_eq!(
        std::fs::read(target.path().join("yinhuan.db")).unwrap(),
        b"the live database"
    );
    assert_eq!(entries(target.path()).len(), 1);

    let empty = tempfile::tempdir().unwrap();
    let out = cli(
        &[
            "restore",
            "--from",
            p(empty.path()),
            "--data",
            p(&empty.path().join("x")),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("找不到备份"));
    // The target must be named: never DATA_DIR.
    let out = cli(
        &["restore", "--from", p(dir.path())],
        &[("DATA_DIR", p(target.path()))],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--data"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_keeps_the_newest_snapshots_and_the_photos_they_list() {
    let (app, token, dir, _snap) = backed_up(3).await;
    let data = app.state.config.data_dir.clone();
    let run = || {
        ok(&cli(
            &["backup", "--to", p(dir.path()), "--data", p(&data)],
            &[],
        ))
    };
    // A photo only the first snapshot has (the server's orphan cleanup removed it since).
    let only_first = sha256_hex(&valid_jpeg(0));
    std::fs::remove_file(
        app.state
            .config
            .photos_dir()
            .join(&only_first[..2])
            .join(&only_first),
    )
    .unwrap();
    run();
    let enterprise = new_id();
    app.push(
        &token,
        vec![
            enterprise_change(enterprise, XINFU, 0, "另一家企业"),
            inspection_for(enterprise),
        ],
    )
    .await;
    push_hazard_with_photo(&app, &token, enterprise, 50).await;
    run();
    let names = backup::list_snapshots(dir.path()).unwrap();
    assert_eq!(names.len(), 3);
    let store = dir.path().join("photos");
    let file = |sha: &str| store.join(&sha[..2]).join(sha);
    // Recently copied photos are never pruned (a backup running meanwhile may list them).
    let pruned = backup::prune(dir.path(), 2).unwrap();
    assert_eq!(pruned.snapshots, vec![names[0].clone()]);
    assert_eq!(pruned.photos, 0);
    assert!(file(&only_first).exists());
    // A day later the photo no kept snapshot lists goes; the others stay.
    let two_days_ago = SystemTime::now() - Duration::from_secs(2 * 24 * 3600);
    for entry in walk(&store) {
        std::fs::File::options()
            .write(true)
            .open(&entry)
            .unwrap()
            .set_modified(two_days_ago)
            .unwrap();
    }
    let pruned = backup::prune(dir.path(), 2).unwrap();
    assert!(pruned.snapshots.is_empty());
    assert_eq!(pruned.photos, 1);
    assert!(!file(&only_first).exists());
    let kept = manifest_of(&dir.path().join(&names[1]));
    for photo in &kept.photos {
        assert!(file(&photo.sha256).exists());
    }
    assert_eq!(
        walk(&store).len() as u64,
        manifest_of(&latest(dir.path())).photo_count
    );
    // `backup --keep 1` prunes after backing up.
    let out = ok(&cli(
        &[
            "backup",
            "--to",
            p(dir.path()),
            "--data",
            p(&data),
            "--keep",
            "1",
        ],
        &[],
    ));
    assert!(out.contains("删除旧备份 2 份"), "{out}");
    assert_eq!(backup::list_snapshots(dir.path()).unwrap().len(), 1);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                if path.file_name().unwrap() != "tmp" {
                    stack.push(path);
                }
            } else {
                out.push(path);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduled_backup_backs_up_and_prunes() {
    let (app, _token, _dir, _snap) = backed_up(2).await;
    let dir = tempfile::tempdir().unwrap();
    let schedule = backup::Schedule {
        dir: dir.path().to_owned(),
        keep: 2,
        at: backup::DEFAULT_AT,
    };
    for _ in 0..3 {
        let (report, _) = backup::run_scheduled(&app.state.db, &app.state.config, &schedule)
            .await
            .unwrap();
        assert_eq!(report.manifest.photo_count, 2);
    }
    assert_eq!(backup::list_snapshots(dir.path()).unwrap().len(), 2);
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// PostgreSQL: `backup` refuses and says to use `pg_dump`; `pg_dump` + `psql` into a fresh
/// database plus `backup --photos-only` / `restore` give a server with the same records and
/// photos.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_pg_dump_and_the_photo_backup_restore_the_same_records() {
    let Some(app) = spawn_app_on_postgres().await else {
        return;
    };
    if !have("pg_dump") || !have("psql") {
        eprintln!("pg_dump / psql not found: skipping the PostgreSQL restore drill (apt-get install postgresql-client)");
        return;
    }
    let token = app.user("shi", Role::City).await;
    seed(&app, &token, 5).await;
    let url = app.database_url().unwrap();
    let data = app.state.config.data_dir.clone();
    let dir = tempfile::tempdir().unwrap();
    let env = [("DATABASE_URL", url.as_str())];

    let refused = cli(&["backup", "--to", p(dir.path()), "--data", p(&data)], &env);
    let stderr = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr.contains("pg_dump") && stderr.contains("--photos-only"),
        "{stderr}"
    );
    let out = ok(&cli(
        &[
            "backup",
            "--photos-only",
            "--to",
            p(dir.path()),
            "--data",
            p(&data),
        ],
        &env,
    ));
    assert!(out.contains("照片 5 张"), "{out}");
    let m = manifest_of(&latest(dir.path()));
    assert_eq!(
        (m.kind, m.database.is_none()),
        (SnapshotKind::PhotosOnly, true)
    );

    // The records: pg_dump of the serving database, psql into a fresh one (docs/deploy.md).
    // libpq refuses sqlx's own URL parameters (statement-cache-capacity …).
    let libpq = |url: &str| url.split('?').next().unwrap().to_owned();
    let dump = dir.path().join("yinhuan.sql");
    let status = Command::new("pg_dump")
        .args(["--no-owner", "--file", p(&dump), &libpq(&url)])
        .status()
        .unwrap();
    assert!(status.success(), "pg_dump");
    let scratch = ScratchPostgres::create()
        .await
        .expect("PostgreSQL reachable");
    let status = Command::new("psql")
        .args([
            "--quiet",
            "--set",
            "ON_ERROR_STOP=1",
            "--file",
            p(&dump),
            &libpq(scratch.url()),
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "psql");

    // The photos: restore needs the restored database (it gets a new instance id there).
    let target = tempfile::tempdir().unwrap();
    let refused = cli(
        &[
            "restore",
            "--from",
            p(dir.path()),
            "--data",
            p(target.path()),
        ],
        &[],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("DATABASE_URL"));
    let out = ok(&cli(
        &[
            "restore",
            "--from",
            p(dir.path()),
            "--data",
            p(target.path()),
        ],
        &[("DATABASE_URL", scratch.url())],
    ));
    assert!(out.contains("照片 5 张"), "{out}");

    let restored = spawn_app_in(target, Some(scratch.url().to_owned())).await;
    let fresh = restored.login("shi").await;
    let original = pulled(&app, &token).await;
    let got = pulled(&restored, &fresh).await;
    assert_eq!(got.len(), 7);
    assert_eq!(got, original);
    for sha in referenced_photos(&got) {
        fetch_photo(&restored, &fresh, &sha).await;
    }
    assert_ne!(
        app.pull(&token, 0, 1).await["instance_id"],
        restored.pull(&fresh, 0, 1).await["instance_id"]
    );
}

/// `<data>/tls` (tls init's CA and server certificate) goes into the snapshot and comes back
/// with its permissions, so the restored server keeps its certificate; a changed file stops
/// the restore.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_travel_with_the_backup() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    let data = app.state.config.data_dir.clone();
    let tls = data.join("tls");
    std::fs::create_dir(&tls).unwrap();
    std::fs::write(tls.join("ca.pem"), "-----BEGIN CERTIFICATE-----\n").unwrap();
    std::fs::write(tls.join("ca.key"), "-----BEGIN PRIVATE KEY-----\n").unwrap();
    std::fs::set_permissions(tls.join("ca.key"), std::fs::Permissions::from_mode(0o600)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&cli(
        &["backup", "--to", p(dir.path()), "--data", p(&data)],
        &[],
    ));
    assert!(out.contains("证书文件 2 个"), "{out}");
    let snap = latest(dir.path());
    assert_eq!(manifest_of(&snap).tls.len(), 2);

    let parent = tempfile::tempdir().unwrap();
    let target = parent.path().join("restored");
    ok(&cli(
        &["restore", "--from", p(dir.path()), "--data", p(&target)],
        &[],
    ));
    for name in ["ca.pem", "ca.key"] {
        assert_eq!(
            std::fs::read(target.join("tls").join(name)).unwrap(),
            std::fs::read(tls.join(name)).unwrap()
        );
    }
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&target.join("tls/ca.key")), 0o600);
    assert_eq!(mode(&target.join("tls")), 0o700);

    std::fs::write(snap.join("tls/ca.key"), "another key").unwrap();
    let again = parent.path().join("again");
    let out = cli(
        &["restore", "--from", p(dir.path()), "--data", p(&again)],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("ca.key"),
        "{}",
        text(&out.stderr)
    );
    assert!(!again.exists());
}

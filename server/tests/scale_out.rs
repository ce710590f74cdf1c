//! Scale-out, end to end: two real `yinhuan-server` processes on two ports sharing one
//! PostgreSQL database and one S3 bucket (s3s-fs from `scripts/ensure-s3`), driven over HTTP by
//! simulated devices speaking the sync protocol as the PWA does (login with a device id, push
//! batches, pull with a cursor, photos by SHA-256).
//!
//! - records and photos cross over both ways (A through server 1, B through server 2);
//! - server 1 is SIGKILLed with a push and a photo upload in flight, and device A finishes
//!   through server 2 with nothing lost or doubled;
//! - pushes through both servers while devices pull in a loop: every device ends with exactly
//!   the server's set and saw every rev once.
//!
//! PostgreSQL: `TEST_DATABASE_URL` or the local server (as in tests/api/helpers.rs). S3:
//! `TEST_S3_ENDPOINT` (default http://127.0.0.1:9900), bucket yinhuan-test, the test keys of
//! `scripts/ensure-s3`. Either unreachable: the test says so loudly and passes, unless
//! `REQUIRE_POSTGRES` / `REQUIRE_S3` is set, then it fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::{ObjectStore, ObjectStoreExt};
use serde_json::{json, Value};
use sqlx::postgres::PgPoolOptions;
use tempfile::TempDir;
use uuid::Uuid;
use yinhuan_server::auth::sha256_hex;

const BIN: &str = env!("CARGO_BIN_EXE_yinhuan-server");
const BUCKET: &str = "yinhuan-test";

/// The test S3 server's keys and region: s3s-fs's fixed test keys (scripts/ensure-s3) unless
/// `TEST_S3_ACCESS_KEY` / `TEST_S3_SECRET_KEY` / `TEST_S3_REGION` name another server's
/// (scripts/garage-once runs this suite against Garage).
fn s3_setting(var: &str, default: &str) -> String {
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}
fn s3_access_key() -> String {
    s3_setting("TEST_S3_ACCESS_KEY", "yinhuan-test")
}
fn s3_secret_key() -> String {
    s3_setting("TEST_S3_SECRET_KEY", "yinhuan-test-secret-key")
}
fn s3_region() -> String {
    s3_setting("TEST_S3_REGION", "us-east-1")
}
const USER: &str = "shi_scale";
const PASSWORD: &str = "scale-out-password";
const XINFU: &str = "140902";

// ---------------------------------------------------------------------------------------------
// 1. Records and photos cross over both ways.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_and_photos_cross_over_between_two_servers() {
    let Some(cluster) = Cluster::start(2).await else {
        return;
    };
    let (one, two) = (&cluster.servers[0], &cluster.servers[1]);
    let a = Device::login(one, "dev-scale-a").await;
    let b = Device::login(two, "dev-scale-b").await;

    // A through server 1, B through server 2: a photo each, then the hazard using it.
    let photo_a = jpeg(1, 40_000);
    let photo_b = jpeg(2, 40_000);
    let (sha_a, sha_b) = (sha256_hex(&photo_a), sha256_hex(&photo_b));
    assert_eq!(a.put_photo(one, &photo_a).await, 201);
    assert_eq!(b.put_photo(two, &photo_b).await, 201);
    let block_a = hazard_block(&sha_a);
    let block_b = hazard_block(&sha_b);
    assert_all_applied(&a.push(one, &block_a).await);
    assert_all_applied(&b.push(two, &block_b).await);

    // B, through server 2, gets A's records and A's photo; A, through server 1, B's.
    for (device, server, theirs, their_photo, sha) in [
        (&b, two, &block_a, &photo_a, &sha_a),
        (&a, one, &block_b, &photo_b, &sha_b),
    ] {
        let held = device.pull_all(server).await;
        for change in theirs.iter() {
            let id = change["id"].as_str().unwrap();
            let record = held
                .get(id)
                .unwrap_or_else(|| panic!("{} did not get record {id}", device.id));
            assert_eq!(record["kind"], change["kind"]);
        }
        assert_eq!(held.len(), block_a.len() + block_b.len());
        assert_eq!(device.missing(server, &[sha]).await, json!([]));
        let got = device.get_photo(server, sha).await;
        assert_eq!(got.as_deref(), Some(&their_photo[..]), "photo {sha}");
    }
    // A second upload of the same bytes through the other server is a no-op.
    assert_eq!(b.put_photo(two, &photo_a).await, 200);
    cluster.assert_bucket_holds(&[&photo_a, &photo_b]).await;
}

// ---------------------------------------------------------------------------------------------
// 2. Server 1 dies (SIGKILL) mid-push and mid-upload; device A finishes through server 2.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_push_loses_and_doubles_nothing() {
    let Some(mut cluster) = Cluster::start(2).await else {
        return;
    };
    let a = Arc::new(Device::login(&cluster.servers[0], "dev-scale-a").await);
    let photo = jpeg(3, 3_000_000);
    let sha = sha256_hex(&photo);
    // The hazard using the photo comes first, then enough enterprises that the pushes are still
    // going when the server dies: 12 batches of the server's maximum (200).
    let mut changes = hazard_block(&sha);
    changes.extend((0..12 * 200 - changes.len()).map(|i| enterprise(Uuid::now_v7(), i)));
    let batches: Vec<Vec<Value>> = changes.chunks(200).map(<[Value]>::to_vec).collect();
    let one = cluster.servers[0].base.clone();

    // Pushes back to back through server 1, keeping every acknowledged outcome.
    let acked: Arc<Mutex<Vec<Vec<Value>>>> = Arc::default();
    let pusher = {
        let (a, acked, batches, one) = (a.clone(), acked.clone(), batches.clone(), one.clone());
        tokio::spawn(async move {
            for batch in &batches {
                match a.try_push(&one, batch).await {
                    Ok(outcomes) => acked.lock().unwrap().push(outcomes),
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })
    };
    // A photo upload through server 1 that sends half its bytes and then waits.
    let sent = Arc::new(AtomicUsize::new(0));
    let resume = Arc::new(tokio::sync::Notify::new());
    let upload = {
        let (a, photo, sent, resume) = (a.clone(), photo.clone(), sent.clone(), resume.clone());
        tokio::spawn(async move { a.put_photo_stalling(&one, photo, sent, resume).await })
    };
    wait_until("two pushes acknowledged and half the photo sent", || {
        acked.lock().unwrap().len() >= 2 && sent.load(Ordering::SeqCst) >= photo.len() / 2
    })
    .await;

    cluster.servers[0].kill();
    resume.notify_one();

    let pushed = pusher.await.unwrap();
    assert!(pushed.is_err(), "every push finished before the kill");
    let uploaded = tokio::time::timeout(Duration::from_secs(30), upload)
        .await
        .expect("the upload to the killed server ends")
        .unwrap();
    assert!(uploaded.is_err(), "the upload finished before the kill");
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    let done = acked.len();
    assert!(done < batches.len());

    // Device A retries everything not acknowledged (the batch in flight included, same change
    // ids) and, as a client that lost its last answer would, the last acknowledged batch too.
    let two = &cluster.servers[1];
    let mut revs: BTreeMap<String, i64> = BTreeMap::new();
    for (batch, outcomes) in batches.iter().zip(&acked) {
        for (change, outcome) in batch.iter().zip(outcomes) {
            assert_eq!(outcome["status"], "applied", "{outcome}");
            revs.insert(id_of(change), outcome["rev"].as_i64().unwrap());
        }
    }
    let repeat = a.push(two, &batches[done - 1]).await;
    for (change, outcome) in batches[done - 1].iter().zip(&repeat) {
        assert_eq!(outcome["status"], "applied", "{outcome}");
        assert_eq!(
            outcome["rev"].as_i64(),
            Some(revs[&id_of(change)]),
            "a repeated change keeps its rev"
        );
    }
    for batch in &batches[done..] {
        let outcomes = a.push(two, batch).await;
        for (change, outcome) in batch.iter().zip(&outcomes) {
            assert_eq!(outcome["status"], "applied", "{outcome}");
            revs.insert(id_of(change), outcome["rev"].as_i64().unwrap());
        }
    }
    let status = a.put_photo(two, &photo).await;
    assert!(status == 201 || status == 200, "retried upload: {status}");

    // Every change stored once, with the rev its acknowledgement gave; revs 1..=N, no gap.
    let n = changes.len();
    let held = a.pull_all(two).await;
    assert_eq!(held.len(), n);
    for change in &changes {
        let id = id_of(change);
        assert_eq!(held[&id]["rev"].as_i64(), Some(revs[&id]), "record {id}");
    }
    let stored: BTreeSet<i64> = revs.values().copied().collect();
    assert_eq!(stored, (1..=n as i64).collect::<BTreeSet<_>>());
    let rows = cluster.query_i64("SELECT COUNT(*) FROM records").await;
    assert_eq!(rows, n as i64);
    assert_eq!(
        cluster
            .query_i64("SELECT value FROM change_seq WHERE id = 1")
            .await,
        n as i64
    );

    // The photo: whole and right, through server 2, and the only object in the bucket.
    assert_eq!(a.missing(two, &[&sha]).await, json!([]));
    assert_eq!(a.get_photo(two, &sha).await.as_deref(), Some(&photo[..]));
    cluster.assert_bucket_holds(&[&photo]).await;
}

// ---------------------------------------------------------------------------------------------
// 3. Pushes through both servers while devices pull in a loop.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_pushes_through_both_servers_reach_every_puller_exactly() {
    let Some(cluster) = Cluster::start(2).await else {
        return;
    };
    let bases: Vec<String> = cluster.servers.iter().map(|s| s.base.clone()).collect();
    const WRITERS: usize = 2;
    const BATCHES: usize = 12;
    const BATCH: usize = 40;
    const READERS: usize = 4;

    let writers_done = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    // Writer w pushes through server w: both servers write at once.
    for (w, server) in cluster.servers.iter().enumerate().take(WRITERS) {
        let device = Device::login(server, &format!("dev-scale-w{w}")).await;
        let base = server.base.clone();
        writers.push(tokio::spawn(async move {
            let mut acked = BTreeMap::new();
            for b in 0..BATCHES {
                let batch: Vec<Value> = (0..BATCH)
                    .map(|i| enterprise(Uuid::now_v7(), w * 10_000 + b * BATCH + i))
                    .collect();
                let outcomes = device.try_push(&base, &batch).await.expect("push");
                for (change, outcome) in batch.iter().zip(&outcomes) {
                    assert_eq!(outcome["status"], "applied", "{outcome}");
                    acked.insert(id_of(change), outcome["rev"].as_i64().unwrap());
                }
            }
            acked
        }));
    }
    let mut readers = Vec::new();
    for r in 0..READERS {
        let device = Device::login(&cluster.servers[r % 2], &format!("dev-scale-r{r}")).await;
        let (bases, writers_done) = (bases.clone(), writers_done.clone());
        // Pages of different sizes, so page ends fall everywhere.
        let limit = 13 + 17 * r;
        readers.push(tokio::spawn(async move {
            let mut cursor = 0i64;
            let mut received: Vec<i64> = Vec::new();
            let mut held: BTreeMap<String, i64> = BTreeMap::new();
            let mut turn = r;
            // Pages with changes received while the writers were still pushing.
            let mut pages_meanwhile = 0usize;
            loop {
                let last_pass = writers_done.load(Ordering::SeqCst);
                loop {
                    // As behind a load balancer: each pull goes to the other server.
                    let base = &bases[turn % bases.len()];
                    turn += 1;
                    let page = device.pull(base, cursor, limit).await;
                    let mut previous = cursor;
                    let changes = page["changes"].as_array().unwrap();
                    if !last_pass && !changes.is_empty() {
                        pages_meanwhile += 1;
                    }
                    for change in changes {
                        let rev = change["rev"].as_i64().unwrap();
                        assert!(rev > previous, "{}: rev {rev} after {previous}", device.id);
                        previous = rev;
                        received.push(rev);
                        held.insert(change["id"].as_str().unwrap().to_owned(), rev);
                    }
                    let next = page["cursor"].as_i64().unwrap();
                    assert!(next >= previous, "cursor {next} behind rev {previous}");
                    cursor = next;
                    if !page["more"].as_bool().unwrap() {
                        break;
                    }
                }
                if last_pass {
                    return (device.id.clone(), received, held, pages_meanwhile);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }
    let mut pushed: BTreeMap<String, i64> = BTreeMap::new();
    for writer in writers {
        pushed.extend(writer.await.unwrap());
    }
    writers_done.store(true, Ordering::SeqCst);

    let n = WRITERS * BATCHES * BATCH;
    assert_eq!(pushed.len(), n);
    let server: BTreeMap<String, i64> = cluster.records().await;
    assert_eq!(
        server, pushed,
        "the server holds every acknowledged change once"
    );
    let every_rev: Vec<i64> = (1..=n as i64).collect();
    for reader in readers {
        let (id, mut received, held, pages_meanwhile) = reader.await.unwrap();
        // Else the pushes and the pulls did not overlap and this test proved little.
        assert!(
            pages_meanwhile > 0,
            "{id} pulled nothing while the writers pushed"
        );
        assert_eq!(held, server, "{id} holds exactly the server's set");
        received.sort_unstable();
        // Creations only: every rev 1..=n is a record; none skipped, none seen twice.
        assert_eq!(received, every_rev, "{id}: revs received");
    }
}

// ---------------------------------------------------------------------------------------------
// The cluster: PostgreSQL database, bucket prefix, server processes.

struct Cluster {
    servers: Vec<Server>,
    pg: PgTestDatabase,
    s3: S3Prefix,
    _dist: TempDir,
}

impl Cluster {
    /// `n` servers on one fresh database and one fresh bucket prefix, with the account [`USER`];
    /// `None` when PostgreSQL or S3 is unreachable and not required.
    async fn start(n: usize) -> Option<Cluster> {
        // reqwest and object_store use rustls without a built-in provider (as the server does).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let pg = PgTestDatabase::create("yinhuan_scale").await?;
        let s3 = S3Prefix::create().await?;
        let dist = tempfile::tempdir().unwrap();
        std::fs::write(
            dist.path().join("index.html"),
            "<!doctype html><title>隐患排查</title>",
        )
        .unwrap();
        let data = tempfile::tempdir().unwrap();
        let out = Command::new(BIN)
            .args([
                "user",
                "add",
                USER,
                "--role",
                "city",
                "--password",
                PASSWORD,
            ])
            .arg("--data")
            .arg(data.path())
            .env("DATABASE_URL", &pg.url)
            .output()
            .expect("run yinhuan-server user add");
        assert!(
            out.status.success(),
            "user add: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut servers = Vec::new();
        for i in 0..n {
            servers.push(Server::spawn(i + 1, &pg.url, &s3, dist.path()));
        }
        for server in &mut servers {
            server.wait_healthy().await;
        }
        Some(Cluster {
            servers,
            pg,
            s3,
            _dist: dist,
        })
    }

    async fn pool(&self) -> sqlx::PgPool {
        PgPoolOptions::new()
            .max_connections(1)
            .connect(&self.pg.url)
            .await
            .expect("connect to the test database")
    }

    async fn query_i64(&self, sql: &'static str) -> i64 {
        let pool = self.pool().await;
        let value: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        value
    }

    /// Every stored record: id → rev.
    async fn records(&self) -> BTreeMap<String, i64> {
        let pool = self.pool().await;
        let rows: Vec<(String, i64)> = sqlx::query_as("SELECT id, rev FROM records")
            .fetch_all(&pool)
            .await
            .unwrap();
        pool.close().await;
        rows.into_iter().collect()
    }

    /// The bucket prefix holds exactly these photos (one object each, nothing half-written),
    /// under keys ending in their SHA-256, with their bytes.
    async fn assert_bucket_holds(&self, photos: &[&[u8]]) {
        let objects = self.s3.objects().await;
        let expected: BTreeMap<String, &[u8]> =
            photos.iter().map(|p| (sha256_hex(p), *p)).collect();
        let keys: Vec<&String> = objects.keys().collect();
        assert_eq!(
            objects.len(),
            expected.len(),
            "objects in the bucket: {keys:?}"
        );
        for (key, bytes) in &objects {
            let sha = key.rsplit('/').next().unwrap();
            let want = expected
                .get(sha)
                .unwrap_or_else(|| panic!("unexpected object {key}"));
            assert_eq!(bytes.as_slice(), *want, "object {key}");
        }
    }
}

/// One `yinhuan-server serve` process; SIGKILLed when dropped.
struct Server {
    child: Child,
    base: String,
    log: PathBuf,
    _data: TempDir,
}

impl Server {
    fn spawn(number: usize, database_url: &str, s3: &S3Prefix, dist: &std::path::Path) -> Server {
        let data = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = data.path().join(format!("server{number}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let mut cmd = Command::new(BIN);
        cmd.arg("serve")
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .arg("--data")
            .arg(data.path())
            .arg("--dist")
            .arg(dist)
            .args(["--photos", &s3.url()])
            .env("DATABASE_URL", database_url)
            .env("AWS_ENDPOINT_URL", &s3.endpoint)
            .env("AWS_REGION", s3_region())
            .env("AWS_ACCESS_KEY_ID", s3_access_key())
            .env("AWS_SECRET_ACCESS_KEY", s3_secret_key())
            .env("AWS_ALLOW_HTTP", "true")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file);
        // The flags above decide; no setting of the caller's may.
        for var in [
            "PHOTOS",
            "ADDR",
            "LISTEN",
            "DIST_DIR",
            "DATA_DIR",
            "TLS_CERT",
            "TLS_KEY",
            "HTTP_REDIRECT",
            "BEHIND_PROXY",
            "BACKUP_DIR",
        ] {
            cmd.env_remove(var);
        }
        let child = cmd.spawn().expect("spawn yinhuan-server serve");
        Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
            _data: data,
        }
    }

    async fn wait_healthy(&mut self) {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("server exited ({status}):\n{}", self.log_text());
            }
            let health = client.get(format!("{}/api/health", self.base)).send().await;
            if health.is_ok_and(|r| r.status() == 200) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "server not healthy after 60 s:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL: no graceful shutdown, no flush, as a crash or `kill -9`.
    fn kill(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!("--- log of {} ---\n{}", self.base, self.log_text());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A device: a token (tokens live in the database, so any server takes them) and a device id.

struct Device {
    id: String,
    token: String,
    http: reqwest::Client,
}

impl Device {
    async fn login(server: &Server, device_id: &str) -> Device {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        let res = http
            .post(format!("{}/api/login", server.base))
            .header("content-type", "application/json")
            .body(
                serde_json::to_vec(
                    &json!({"username": USER, "password": PASSWORD, "device_id": device_id}),
                )
                .unwrap(),
            )
            .send()
            .await
            .expect("login");
        assert_eq!(res.status(), 200, "login through {}", server.base);
        let body: Value = json_of(res).await;
        Device {
            id: device_id.to_owned(),
            token: body["token"].as_str().unwrap().to_owned(),
            http,
        }
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        req.bearer_auth(&self.token)
    }

    /// One push; the outcomes in request order. Transport errors are returned (the server may
    /// have been killed); any answer but 200 fails the test.
    async fn try_push(&self, base: &str, changes: &[Value]) -> Result<Vec<Value>, reqwest::Error> {
        let res = self
            .auth(self.http.post(format!("{base}/api/sync/push")))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&json!({"device_id": self.id, "changes": changes})).unwrap())
            .send()
            .await?;
        assert_eq!(res.status(), 200, "push through {base}");
        let body: Value =
            serde_json::from_slice(&res.bytes().await?).expect("a push answer is JSON");
        Ok(body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["outcome"].clone())
            .collect())
    }

    async fn push(&self, server: &Server, changes: &[Value]) -> Vec<Value> {
        self.try_push(&server.base, changes)
            .await
            .unwrap_or_else(|e| panic!("push through {}: {e}", server.base))
    }

    async fn pull(&self, base: &str, cursor: i64, limit: usize) -> Value {
        let res = self
            .auth(self.http.get(format!(
                "{base}/api/sync/pull?cursor={cursor}&limit={limit}"
            )))
            .send()
            .await
            .unwrap_or_else(|e| panic!("pull through {base}: {e}"));
        assert_eq!(res.status(), 200, "pull through {base}");
        json_of(res).await
    }

    /// Everything from cursor 0: id → record.
    async fn pull_all(&self, server: &Server) -> BTreeMap<String, Value> {
        let mut held = BTreeMap::new();
        let mut cursor = 0;
        loop {
            let page = self.pull(&server.base, cursor, 200).await;
            for change in page["changes"].as_array().unwrap() {
                let id = change["id"].as_str().unwrap().to_owned();
                assert!(held.insert(id, change.clone()).is_none(), "a record twice");
            }
            cursor = page["cursor"].as_i64().unwrap();
            if !page["more"].as_bool().unwrap() {
                return held;
            }
        }
    }

    /// PUT /api/photos/{sha256}; the status.
    async fn put_photo(&self, server: &Server, bytes: &[u8]) -> u16 {
        let sha = sha256_hex(bytes);
        let res = self
            .auth(self.http.put(format!("{}/api/photos/{sha}", server.base)))
            .header("content-type", "image/jpeg")
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap_or_else(|e| panic!("upload through {}: {e}", server.base));
        let status = res.status().as_u16();
        let body: Value = json_of(res).await;
        assert!(status == 200 || status == 201, "upload: {status} {body}");
        assert_eq!(body["sha256"], sha);
        assert_eq!(body["bytes"], bytes.len());
        status
    }

    /// An upload that sends the first half of the photo, waits for `resume`, then sends the
    /// rest: the server is killed while the body is in flight. `sent` counts bytes handed over.
    async fn put_photo_stalling(
        &self,
        base: &str,
        photo: Vec<u8>,
        sent: Arc<AtomicUsize>,
        resume: Arc<tokio::sync::Notify>,
    ) -> Result<reqwest::StatusCode, reqwest::Error> {
        let sha = sha256_hex(&photo);
        let len = photo.len();
        let half = len / 2;
        let chunks: Vec<Vec<u8>> = photo.chunks(64 * 1024).map(<[u8]>::to_vec).collect();
        let stream = futures_util::stream::iter(chunks).then(move |chunk| {
            let (sent, resume) = (sent.clone(), resume.clone());
            async move {
                if sent.load(Ordering::SeqCst) >= half {
                    resume.notified().await;
                }
                sent.fetch_add(chunk.len(), Ordering::SeqCst);
                Ok::<_, std::io::Error>(chunk)
            }
        });
        let res = self
            .auth(self.http.put(format!("{base}/api/photos/{sha}")))
            .header("content-type", "image/jpeg")
            .header("content-length", len)
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await?;
        Ok(res.status())
    }

    async fn get_photo(&self, server: &Server, sha: &str) -> Option<Vec<u8>> {
        let res = self
            .auth(self.http.get(format!("{}/api/photos/{sha}", server.base)))
            .send()
            .await
            .unwrap();
        if res.status() != 200 {
            eprintln!("GET photo {sha}: {}", res.status());
            return None;
        }
        let bytes = res.bytes().await.unwrap().to_vec();
        assert_eq!(sha256_hex(&bytes), sha);
        Some(bytes)
    }

    async fn missing(&self, server: &Server, hashes: &[&str]) -> Value {
        let res = self
            .auth(self.http.post(format!("{}/api/photos/check", server.base)))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&json!({ "hashes": hashes })).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        json_of(res).await["missing"].clone()
    }
}

async fn json_of(res: reqwest::Response) -> Value {
    let bytes = res.bytes().await.expect("response body");
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
}

async fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn assert_all_applied(outcomes: &[Value]) {
    for outcome in outcomes {
        assert_eq!(outcome["status"], "applied", "{outcome}");
    }
}

fn id_of(change: &Value) -> String {
    change["id"].as_str().unwrap().to_owned()
}

// ---------------------------------------------------------------------------------------------
// Records and photos as the PWA sends them.

fn meta(id: Uuid) -> Value {
    json!({
        "id": id, "rev": 0, "base_rev": 0, "created_at": 1_733_000_000_000_i64,
        "updated_at": 1_733_000_000_000_i64, "deleted": false, "dirty": true,
        "device_id": "dev-scale", "updated_by": "张三"
    })
}

fn enterprise(id: Uuid, n: usize) -> Value {
    json!({
        "id": id, "kind": "enterprise", "base_rev": 0, "deleted": false,
        "body": {
            "meta": meta(id), "name": format!("忻州市第{n}机械厂"), "credit_code": null,
            "county": XINFU, "zone": null, "industry": "metallurgy", "tags": [], "scale": "sme"
        }
    })
}

/// A new enterprise, an inspection of it and a hazard found there with the photo `sha`.
fn hazard_block(sha: &str) -> Vec<Value> {
    let (e, i, h) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    vec![
        enterprise(e, 0),
        json!({
            "id": i, "kind": "inspection", "base_rev": 0, "deleted": false,
            "body": {
                "meta": meta(i), "campaign_id": "xz-2024-216", "enterprise_id": e,
                "stage": "city_county.county", "unit": "忻府区应急局", "inspectors": ["张三"],
                "date": "2024-12-10", "modules": ["s2.leader"], "cross_pair": null
            }
        }),
        json!({
            "id": h, "kind": "hazard", "base_rev": 0, "deleted": false,
            "body": {
                "meta": meta(h), "inspection_id": i, "enterprise_id": e, "seq": 1,
                "found_on": "2024-12-10", "description": "护栏缺失", "photos": [sha],
                "basis": {"free_text": "GB 30871"}, "kind": "general", "state": "open",
                "completed_on": null, "reviews": []
            }
        }),
    ]
}

/// A real 8×8 grey baseline JPEG (the server checks the structure) of about `size` bytes: the
/// padding is comment segments of bytes drawn from `seed`, so each seed is another photo.
fn jpeg(seed: u64, size: usize) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    b.extend_from_slice(b"\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00");
    b.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x43, 0x00]);
    b.extend_from_slice(&[1; 64]);
    b.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00,
    ]);
    for class in [0x00, 0x10] {
        b.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x14, class, 0x01]);
        b.extend_from_slice(&[0; 15]);
        b.push(0x00);
    }
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    while b.len() + 20 < size {
        let n = (size - b.len() - 20).clamp(1, 60_000);
        b.extend_from_slice(&[0xFF, 0xFE]);
        b.extend_from_slice(&(n as u16 + 2).to_be_bytes());
        for _ in 0..n {
            // xorshift64: cheap bytes that do not compress.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            b.push(state as u8);
        }
    }
    b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    b.push(0x3F);
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: a fresh database per test, dropped at the end (shared with tests/api/helpers.rs).

#[path = "support/pg.rs"]
mod pg;
use pg::PgTestDatabase;

// ---------------------------------------------------------------------------------------------
// S3: a fresh prefix of the test bucket per test, emptied at the end.

struct S3Prefix {
    endpoint: String,
    prefix: String,
    store: AmazonS3,
}

impl S3Prefix {
    async fn create() -> Option<Self> {
        let endpoint = std::env::var("TEST_S3_ENDPOINT")
            .ok()
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| "http://127.0.0.1:9900".into());
        let store = AmazonS3Builder::new()
            .with_endpoint(&endpoint)
            .with_region(s3_region())
            .with_bucket_name(BUCKET)
            .with_access_key_id(s3_access_key())
            .with_secret_access_key(s3_secret_key())
            .with_allow_http(true)
            .with_retry(object_store::RetryConfig {
                max_retries: 0,
                ..Default::default()
            })
            .build()
            .expect("S3 client");
        let prefix = format!("scale-out/{}", Uuid::now_v7().simple());
        // A signed listing: only an S3 server with our keys and bucket answers it.
        let probe = tokio::time::timeout(
            Duration::from_secs(5),
            store
                .list(Some(&object_store::path::Path::from(prefix.as_str())))
                .next(),
        )
        .await;
        if let Err(e) = probe
            .as_ref()
            .map_err(|_| "timed out".to_owned())
            .and_then(|r| match r {
                Some(Err(e)) => Err(e.to_string()),
                _ => Ok(()),
            })
        {
            if std::env::var_os("REQUIRE_S3").is_some() {
                panic!("REQUIRE_S3 is set but the S3 server at {endpoint} (bucket {BUCKET}) does not answer: {e} (scripts/ensure-s3)");
            }
            eprintln!("######## S3 server at {endpoint} (bucket {BUCKET}) not reachable ({e}): SKIPPING this scale-out test (scripts/ensure-s3; set REQUIRE_S3=1 to make this an error) ########");
            return None;
        }
        Some(S3Prefix {
            endpoint,
            prefix,
            store,
        })
    }

    fn url(&self) -> String {
        format!("s3://{BUCKET}/{}", self.prefix)
    }

    /// Every object under the prefix: key → bytes.
    async fn objects(&self) -> BTreeMap<String, Vec<u8>> {
        let prefix = object_store::path::Path::from(self.prefix.as_str());
        let metas: Vec<_> = self
            .store
            .list(Some(&prefix))
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .map(|m| m.expect("list the bucket"))
            .collect();
        let mut out = BTreeMap::new();
        for meta in metas {
            let bytes = self
                .store
                .get(&meta.location)
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            out.insert(meta.location.to_string(), bytes.to_vec());
        }
        out
    }
}

impl Drop for S3Prefix {
    fn drop(&mut self) {
        let (store, prefix) = (self.store.clone(), self.prefix.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let prefix = object_store::path::Path::from(prefix.as_str());
                let keys: Vec<_> = store.list(Some(&prefix)).collect().await;
                for meta in keys.into_iter().flatten() {
                    store.delete(&meta.location).await.ok();
                }
            });
        })
        .join()
        .ok();
    }
}

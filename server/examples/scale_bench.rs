//! Scale-out benchmarks for `scripts/bench-scale`, printed as one table of figures and goals.
//!
//! The servers under test are the release `yinhuan-server` binary run as separate processes
//! (`serve --addr … --data … --photos …`, `DATABASE_URL` a fresh PostgreSQL database per
//! cluster), as they would run behind a load balancer; this process is only the devices.
//! Everything shares this machine's cores: the servers, PostgreSQL, the S3 server and the
//! devices. A second server therefore adds no CPU here; what the figures show is what a second
//! process costs or saves with the same cores, and that nothing breaks.
//!
//! 1. Push throughput: `BENCH_PUSH_CLIENTS` devices (default 16) push `BENCH_RECORDS` records
//!    (default 10000; per enterprise the enterprise, 2 inspections and 47 hazards, as
//!    sync_bench does) in batches of `BENCH_PUSH_BATCH` (default 25, the PWA's), all through
//!    one server, then split over two servers (device i → server i mod 2). A fresh database per
//!    run; runs two, one, one, two so a drift in the shared machine's load falls on both.
//! 2. Pull fan-out: two servers on a database holding `BENCH_PULL_RECORDS` records (default
//!    1000: 1,000 devices × 5 pages is already 5,000 requests a run on 2 cores);
//!    `BENCH_DEVICES` devices (default 1000), each with its own token, start at one instant
//!    and pull everything from cursor 0 in pages of 200 (the PWA's `PULL_PAGE`), asking for br
//!    like a browser, all through the first server, then split over both (device i → server
//!    i mod 2); runs one, two, two, one. Request and whole-pull (connect included) p50/p99,
//!    errors (must be 0).
//! 3. Photo uploads: `BENCH_PHOTOS` JPEGs (default 200) of `BENCH_PHOTO_KB` kB (default 300),
//!    `BENCH_PHOTO_INFLIGHT` uploads at once (default 8), through one server storing them in a
//!    local directory and one storing them in S3 (s3s-fs, `scripts/ensure-s3`); runs local,
//!    S3, S3, local, new photos each run. Every photo must be stored (201) and then found by
//!    `POST /api/photos/check`.
//!
//! Environment besides the above: `YINHUAN_SERVER_BIN` (default: the `yinhuan-server` next to
//! this example's directory, i.e. target/release), `TEST_DATABASE_URL` (as the tests),
//! `TEST_S3_ENDPOINT` (default http://127.0.0.1:9900), `TMPDIR` (data directories). The
//! devices need `ulimit -n` above `BENCH_DEVICES` (scripts/bench-scale raises it).

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{env_usize, ms, percentile, sample_changes, verdict, Table, BLOCK};
use futures_util::StreamExt;
use model::sync::Change;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::{ObjectStore, ObjectStoreExt};
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};
use tempfile::TempDir;
use tokio::sync::Barrier;
use uuid::Uuid;
use yinhuan_server::auth::{self, sha256_hex};
use yinhuan_server::{Config, Db};

// The tests' PostgreSQL lookup (`reachable_admin`); the bench makes its own databases.
#[allow(dead_code)]
#[path = "../tests/support/pg.rs"]
mod pg;
use pg::reachable_admin;

const USERNAME: &str = "bench";
const PASSWORD: &str = "bench-password";
const BUCKET: &str = "yinhuan-test";
const S3_ACCESS_KEY: &str = "yinhuan-test";
const S3_SECRET_KEY: &str = "yinhuan-test-secret-key";
/// The PWA's pull page (`src/sync/engine.rs` `PULL_PAGE`).
const PULL_PAGE: usize = 200;
/// Two-server runs alternate with one-server runs so a load drift weighs on both.
const PUSH_RUNS: [usize; 4] = [2, 1, 1, 2];
const PULL_RUNS: [usize; 4] = [1, 2, 2, 1];
const PHOTO_RUNS: [Store; 4] = [Store::Local, Store::S3, Store::S3, Store::Local];

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Opts {
    records: usize,
    pull_records: usize,
    push_clients: usize,
    push_batch: usize,
    devices: usize,
    photos: usize,
    photo_bytes: usize,
    photo_inflight: usize,
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let opts = Opts {
        records: env_usize("BENCH_RECORDS", 10_000),
        pull_records: env_usize("BENCH_PULL_RECORDS", 1000),
        push_clients: env_usize("BENCH_PUSH_CLIENTS", 16),
        push_batch: env_usize("BENCH_PUSH_BATCH", 25).clamp(1, model::sync::MAX_PUSH_CHANGES),
        devices: env_usize("BENCH_DEVICES", 1000),
        photos: env_usize("BENCH_PHOTOS", 200),
        photo_bytes: env_usize("BENCH_PHOTO_KB", 300) * 1000,
        photo_inflight: env_usize("BENCH_PHOTO_INFLIGHT", 8).max(1),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("client")
        .build()
        .expect("runtime");
    let started = Instant::now();
    let env = rt.block_on(Env::open());
    let mut table = Table::default();
    let mut failed = false;

    // 1. Push: a fresh cluster and database per run.
    let mut push: BTreeMap<usize, Vec<PushRun>> = BTreeMap::new();
    for &servers in &PUSH_RUNS {
        let cluster = rt.block_on(env.cluster(servers, Store::Local));
        let run = rt
            .block_on(push_run(&cluster, &opts, opts.records))
            .expect("push run");
        eprintln!(
            "push through {servers} server(s): {:.0} rec/s",
            opts.records as f64 / run.elapsed.as_secs_f64()
        );
        push.entry(servers).or_default().push(run);
        rt.block_on(cluster.stop());
    }
    // 2. Pull fan-out: two servers on a database holding `pull_records` records; the
    // one-server runs use the first of them.
    let cluster = rt.block_on(env.cluster(2, Store::Local));
    let filled = rt
        .block_on(push_run(&cluster, &opts, opts.pull_records))
        .expect("records to pull");
    assert_eq!(filled.not_applied, 0, "records to pull not stored");
    let tokens = rt
        .block_on(device_tokens(&cluster, opts.devices))
        .expect("device tokens");
    let mut pull: BTreeMap<usize, PullRun> = BTreeMap::new();
    for &servers in &PULL_RUNS {
        let bases = &cluster.bases()[..servers];
        let run = rt
            .block_on(pull_fan_out(bases, &tokens, opts.pull_records))
            .expect("pull run");
        eprintln!(
            "pull through {servers} server(s): whole p99 {} ms, {} errors",
            ms(percentile(&run.whole, 0.99)),
            run.errors
        );
        pull.entry(servers).or_default().merge(run);
    }
    rt.block_on(cluster.stop());
    // 3. Photo uploads, local directory vs S3.
    let mut photos: BTreeMap<Store, Vec<PhotoRun>> = BTreeMap::new();
    for (k, &store) in PHOTO_RUNS.iter().enumerate() {
        let cluster = rt.block_on(env.cluster(1, store));
        let run = rt
            .block_on(photo_run(&cluster, &opts, k as u64))
            .expect("photo run");
        eprintln!(
            "photos to {}: {:.1} photos/s",
            store.name(),
            run.stored as f64 / run.elapsed.as_secs_f64()
        );
        photos.entry(store).or_default().push(run);
        rt.block_on(cluster.stop());
    }

    let build = if cfg!(debug_assertions) {
        "DEBUG build: figures not representative, use --release"
    } else {
        "release build"
    };
    println!(
        "scale_bench: yinhuan-server processes on PostgreSQL (one fresh database per cluster) and \
         s3s-fs at {}, {} CPUs shared by all, {build}",
        env.s3_endpoint,
        std::thread::available_parallelism().map_or(0, |p| p.get()),
    );
    failed |= push_rows(&mut table, &push, &opts);
    failed |= pull_rows(&mut table, &pull, &opts);
    failed |= photo_rows(&mut table, &photos, &opts);
    table.print();
    println!("total run time {:.0} s", started.elapsed().as_secs_f64());
    drop(env);
    if failed {
        std::process::exit(1);
    }
}

// ---------------------------------------------------------------------------------------------
// The environment: the binary, PostgreSQL, S3, server clusters

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Store {
    Local,
    S3,
}

impl Store {
    fn name(self) -> &'static str {
        match self {
            Store::Local => "local directory",
            Store::S3 => "S3 (s3s-fs)",
        }
    }
}

struct Env {
    bin: PathBuf,
    admin: PgConnectOptions,
    s3_endpoint: String,
    s3: AmazonS3,
    /// Every bucket prefix used, emptied at the end.
    prefix: String,
    root: TempDir,
}

impl Env {
    async fn open() -> Env {
        let bin = std::env::var_os("YINHUAN_SERVER_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                // target/<profile>/examples/scale_bench → target/<profile>/yinhuan-server
                let exe = std::env::current_exe().expect("current exe");
                exe.parent()
                    .and_then(Path::parent)
                    .expect("target dir")
                    .join("yinhuan-server")
            });
        assert!(
            bin.exists(),
            "{} not found: build it (cargo build --release -p yinhuan-server) or set YINHUAN_SERVER_BIN",
            bin.display()
        );
        let admin = reachable_admin().await.unwrap_or_else(|| {
            panic!("no PostgreSQL server reachable (TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test): run scripts/ensure-postgres")
        });
        let s3_endpoint = std::env::var("TEST_S3_ENDPOINT")
            .ok()
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| "http://127.0.0.1:9900".into());
        let s3 = AmazonS3Builder::new()
            .with_endpoint(&s3_endpoint)
            .with_region("us-east-1")
            .with_bucket_name(BUCKET)
            .with_access_key_id(S3_ACCESS_KEY)
            .with_secret_access_key(S3_SECRET_KEY)
            .with_allow_http(true)
            .build()
            .expect("S3 client");
        let prefix = format!("bench/{}", Uuid::now_v7().simple());
        if let Some(Err(e)) = s3
            .list(Some(&object_store::path::Path::from(prefix.as_str())))
            .next()
            .await
        {
            panic!("S3 server at {s3_endpoint} (bucket {BUCKET}) does not answer: {e} (run scripts/ensure-s3)");
        }
        Env {
            bin,
            admin,
            s3_endpoint,
            s3,
            prefix,
            root: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// `servers` server processes on a fresh database with the account [`USERNAME`].
    async fn cluster(&self, servers: usize, store: Store) -> Cluster {
        let name = format!("yinhuan_bench_{}", Uuid::now_v7().simple());
        let mut conn = self.admin.connect().await.expect("admin connection");
        sqlx::raw_sql(AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#)))
            .execute(&mut conn)
            .await
            .expect("create database");
        conn.close().await.ok();
        let url = self
            .admin
            .clone()
            .database(&name)
            .to_url_lossy()
            .to_string();
        let dir = tempfile::tempdir_in(self.root.path()).expect("cluster dir");
        let dist = dir.path().join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(
            dist.join("index.html"),
            "<!doctype html><title>隐患排查</title>",
        )
        .unwrap();
        let out = Command::new(&self.bin)
            .args([
                "user",
                "add",
                USERNAME,
                "--role",
                "city",
                "--password",
                PASSWORD,
            ])
            .arg("--data")
            .arg(dir.path().join("cli"))
            .env("DATABASE_URL", &url)
            .output()
            .expect("run yinhuan-server user add");
        assert!(
            out.status.success(),
            "user add: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let photos = match store {
            Store::Local => None,
            Store::S3 => Some(format!(
                "s3://{BUCKET}/{}/{}",
                self.prefix,
                Uuid::now_v7().simple()
            )),
        };
        let mut procs = Vec::new();
        for i in 0..servers {
            procs.push(self.spawn(i, &url, photos.as_deref(), dir.path()));
        }
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        for (child, base, log) in &mut procs {
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                if let Some(status) = child.try_wait().unwrap() {
                    panic!(
                        "server exited ({status}):\n{}",
                        std::fs::read_to_string(&*log).unwrap_or_default()
                    );
                }
                let health = http.get(format!("{base}/api/health")).send().await;
                if health.is_ok_and(|r| r.status() == 200) {
                    break;
                }
                assert!(Instant::now() < deadline, "server {base} not healthy");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Cluster {
            procs,
            admin: self.admin.clone(),
            name,
            url,
            _dir: dir,
        }
    }

    fn spawn(
        &self,
        i: usize,
        url: &str,
        photos: Option<&str>,
        dir: &Path,
    ) -> (Child, String, PathBuf) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let data = dir.join(format!("data{i}"));
        std::fs::create_dir_all(&data).unwrap();
        let log = dir.join(format!("server{i}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let mut cmd = Command::new(&self.bin);
        cmd.arg("serve")
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .arg("--data")
            .arg(&data)
            .arg("--dist")
            .arg(dir.join("dist"))
            // The photo runs upload photos no record uses yet.
            .args(["--max-orphan-photos", "1000000"])
            .env("DATABASE_URL", url)
            .env("AWS_ENDPOINT_URL", &self.s3_endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", S3_ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", S3_SECRET_KEY)
            .env("AWS_ALLOW_HTTP", "true")
            .env("RUST_LOG", "warn")
            .env_remove("PHOTOS")
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file);
        if let Some(photos) = photos {
            cmd.args(["--photos", photos]);
        }
        let child = cmd.spawn().expect("spawn yinhuan-server serve");
        (child, format!("http://127.0.0.1:{port}"), log)
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let (store, prefix) = (self.s3.clone(), self.prefix.clone());
        // Drop runs outside the runtime: a small one of its own to empty the bench's prefix.
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
    }
}

struct Cluster {
    procs: Vec<(Child, String, PathBuf)>,
    admin: PgConnectOptions,
    name: String,
    url: String,
    _dir: TempDir,
}

impl Cluster {
    fn bases(&self) -> Vec<String> {
        self.procs.iter().map(|p| p.1.clone()).collect()
    }

    async fn stop(mut self) {
        for (child, _, _) in &mut self.procs {
            child.kill().ok();
            child.wait().ok();
        }
        let mut conn = self.admin.connect().await.expect("admin connection");
        let sql = format!(r#"DROP DATABASE IF EXISTS "{}" WITH (FORCE)"#, self.name);
        if let Err(e) = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut conn).await {
            eprintln!("could not drop database {}: {e}", self.name);
        }
    }

    async fn db(&self) -> Db {
        let mut config = Config::new("dist", "data");
        config.database_url = Some(self.url.clone());
        Db::connect(&config).await.expect("connect to the database")
    }

    async fn count(&self, sql: &'static str) -> i64 {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect(&self.url)
            .await
            .expect("connect");
        let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        n
    }
}

/// Tokens for `n` devices of [`USERNAME`], written as a login writes them (one argon2 check per
/// device would take minutes on 2 cores and is not what is measured).
async fn device_tokens(cluster: &Cluster, n: usize) -> Result<Vec<String>, BoxError> {
    let db = cluster.db().await;
    let mut tokens = Vec::with_capacity(n);
    for d in 0..n {
        tokens.push(
            auth::issue_token(&db, USERNAME, &format!("bench-device-{d:04}"))
                .await?
                .0,
        );
    }
    db.close().await;
    Ok(tokens)
}

fn http_client(connections: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(connections)
        .timeout(Duration::from_secs(300))
        .build()
        .expect("HTTP client")
}

// ---------------------------------------------------------------------------------------------
// 1. Push throughput

struct PushRun {
    elapsed: Duration,
    /// Changes whose outcome was not `applied`, plus records missing from the database.
    not_applied: usize,
}

/// `records` records pushed by `opts.push_clients` devices, split over the cluster's servers.
async fn push_run(cluster: &Cluster, opts: &Opts, records: usize) -> Result<PushRun, BoxError> {
    let bases = cluster.bases();
    let changes = sample_changes(records);
    // Whole enterprise blocks per device, round robin, so each device pushes an enterprise
    // before its inspections and hazards.
    let mut queues: Vec<Vec<Change>> = vec![Vec::new(); opts.push_clients];
    for (k, block) in changes.chunks(BLOCK).enumerate() {
        queues[k % opts.push_clients].extend_from_slice(block);
    }
    let db = cluster.db().await;
    let mut tokens = Vec::new();
    for c in 0..opts.push_clients {
        tokens.push(
            auth::issue_token(&db, USERNAME, &format!("bench-pusher-{c:02}"))
                .await?
                .0,
        );
    }
    db.close().await;
    let http = http_client(opts.push_clients);
    let barrier = Arc::new(Barrier::new(opts.push_clients + 1));
    let mut tasks = Vec::new();
    for (c, (queue, token)) in queues.into_iter().zip(tokens).enumerate() {
        let base = bases[c % bases.len()].clone();
        let (http, barrier, batch) = (http.clone(), barrier.clone(), opts.push_batch);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut not_applied = 0usize;
            for chunk in queue.chunks(batch) {
                let res = http
                    .post(format!("{base}/api/sync/push"))
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(
                        serde_json::to_vec(
                            &json!({"device_id": format!("bench-pusher-{c:02}"), "changes": chunk}),
                        )
                        .unwrap(),
                    )
                    .send()
                    .await?;
                if res.status() != 200 {
                    return Err(format!("push: {}", res.status()).into());
                }
                let body: Value = serde_json::from_slice(&res.bytes().await?)?;
                not_applied += body["results"].as_array().map_or(chunk.len(), |r| {
                    r.iter()
                        .filter(|r| r["outcome"]["status"] != "applied")
                        .count()
                });
            }
            Ok::<_, BoxError>(not_applied)
        }));
    }
    barrier.wait().await;
    let start = Instant::now();
    let mut not_applied = 0;
    for task in tasks {
        not_applied += task.await??;
    }
    let elapsed = start.elapsed();
    let stored = cluster.count("SELECT COUNT(*) FROM records").await as usize;
    let seq = cluster
        .count("SELECT value FROM change_seq WHERE id = 1")
        .await as usize;
    not_applied += records.saturating_sub(stored);
    if stored != records || seq != records {
        eprintln!("stored {stored} records, change_seq {seq}, pushed {records}");
        not_applied = not_applied.max(1);
    }
    Ok(PushRun {
        elapsed,
        not_applied,
    })
}

fn push_rows(table: &mut Table, runs: &BTreeMap<usize, Vec<PushRun>>, opts: &Opts) -> bool {
    let rate = |servers: usize| {
        let r = &runs[&servers];
        let secs: f64 = r.iter().map(|r| r.elapsed.as_secs_f64()).sum();
        (opts.records * r.len()) as f64 / secs
    };
    table.row(
        &format!(
            "push: {} records, {} devices, batches of {}",
            opts.records, opts.push_clients, opts.push_batch
        ),
        format!("{} runs", PUSH_RUNS.len()),
        "two, one, one, two servers; fresh database each".into(),
    );
    let (one, two) = (rate(1), rate(2));
    table.row(
        "  through one server",
        format!("{one:.0} rec/s"),
        "report".into(),
    );
    table.row(
        "  through two servers (devices split)",
        format!("{two:.0} rec/s"),
        format!(
            "{:.2} × one server (writes serialise on change_seq; same 2 cores)",
            two / one
        ),
    );
    let lost: usize = runs.values().flatten().map(|r| r.not_applied).sum();
    table.row(
        "  changes not applied or not stored",
        lost.to_string(),
        format!("= 0 {}", verdict(lost == 0)),
    );
    lost > 0
}

// ---------------------------------------------------------------------------------------------
// 2. Pull fan-out

#[derive(Default)]
struct PullRun {
    latencies: Vec<Duration>,
    whole: Vec<Duration>,
    errors: usize,
    wall: Duration,
}

impl PullRun {
    fn merge(&mut self, other: PullRun) {
        self.latencies.extend(other.latencies);
        self.whole.extend(other.whole);
        self.errors += other.errors;
        self.wall += other.wall;
    }
}

async fn pull_fan_out(
    bases: &[String],
    tokens: &[String],
    expect: usize,
) -> Result<PullRun, BoxError> {
    // One client: its pool opens a connection per device in flight (keep-alive after that).
    let http = http_client(tokens.len());
    let barrier = Arc::new(Barrier::new(tokens.len() + 1));
    let mut tasks = Vec::with_capacity(tokens.len());
    for (d, token) in tokens.iter().enumerate() {
        let base = bases[d % bases.len()].clone();
        let (http, barrier, token) = (http.clone(), barrier.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let start = Instant::now();
            let mut latencies = Vec::new();
            let result = pull_everything(&http, &base, &token, &mut latencies).await;
            (result, latencies, start.elapsed())
        }));
    }
    barrier.wait().await;
    let start = Instant::now();
    let mut run = PullRun::default();
    for task in tasks {
        let (result, latencies, whole) = task.await?;
        run.latencies.extend(latencies);
        match result {
            Ok(n) if n == expect => run.whole.push(whole),
            Ok(n) => {
                eprintln!("a device pulled {n} records, not {expect}");
                run.errors += 1;
            }
            Err(e) => {
                if run.errors == 0 {
                    eprintln!("a device failed: {e}");
                }
                run.errors += 1;
            }
        }
    }
    run.wall = start.elapsed();
    Ok(run)
}

/// The PWA's pull loop from cursor 0; the number of records received.
async fn pull_everything(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    latencies: &mut Vec<Duration>,
) -> Result<usize, BoxError> {
    let mut cursor = 0i64;
    let mut records = 0;
    loop {
        let t = Instant::now();
        let res = http
            .get(format!(
                "{base}/api/sync/pull?cursor={cursor}&limit={PULL_PAGE}"
            ))
            .bearer_auth(token)
            .header("accept-encoding", "br")
            .send()
            .await?;
        let status = res.status();
        let br = res
            .headers()
            .get("content-encoding")
            .is_some_and(|v| v == "br");
        let raw = res.bytes().await?;
        latencies.push(t.elapsed());
        if status != 200 {
            return Err(format!("pull: {status}").into());
        }
        let json = if br {
            let mut out = Vec::new();
            brotli_decompressor::Decompressor::new(&raw[..], 4096).read_to_end(&mut out)?;
            out
        } else {
            raw.to_vec()
        };
        let page: Value = serde_json::from_slice(&json)?;
        records += page["changes"].as_array().map_or(0, Vec::len);
        cursor = page["cursor"].as_i64().ok_or("no cursor")?;
        if !page["more"].as_bool().ok_or("no more")? {
            return Ok(records);
        }
    }
}

fn pull_rows(table: &mut Table, runs: &BTreeMap<usize, PullRun>, opts: &Opts) -> bool {
    table.row(
        &format!(
            "pull: {} devices × all {} records, pages of {PULL_PAGE}, br",
            opts.devices, opts.pull_records
        ),
        format!("{} runs", PULL_RUNS.len()),
        "one, two, two, one servers; all start at once, connect included".into(),
    );
    let mut errors = 0;
    for (servers, run) in runs {
        let name = if *servers == 1 {
            "one server"
        } else {
            "two servers"
        };
        table.row(
            &format!("  {name}: request p50 / p99"),
            format!(
                "{} / {} ms",
                ms(percentile(&run.latencies, 0.50)),
                ms(percentile(&run.latencies, 0.99))
            ),
            format!(
                "report (max {} ms, {:.0} req/s)",
                ms(percentile(&run.latencies, 1.0)),
                run.latencies.len() as f64 / run.wall.as_secs_f64()
            ),
        );
        table.row(
            &format!("  {name}: whole pull p50 / p99"),
            format!(
                "{} / {} ms",
                ms(percentile(&run.whole, 0.50)),
                ms(percentile(&run.whole, 0.99))
            ),
            format!("report (max {} ms)", ms(percentile(&run.whole, 1.0))),
        );
        table.row(
            &format!("  {name}: errors"),
            run.errors.to_string(),
            format!("= 0 {}", verdict(run.errors == 0)),
        );
        errors += run.errors;
    }
    if let (Some(one), Some(two)) = (runs.get(&1), runs.get(&2)) {
        table.row(
            "  two / one server whole pull p99",
            format!(
                "{:.2} ×",
                percentile(&two.whole, 0.99).as_secs_f64()
                    / percentile(&one.whole, 0.99).as_secs_f64()
            ),
            "report (same 2 cores for both)".into(),
        );
    }
    errors > 0
}

// ---------------------------------------------------------------------------------------------
// 3. Photo uploads

struct PhotoRun {
    elapsed: Duration,
    stored: usize,
    bytes: usize,
    errors: usize,
}

async fn photo_run(cluster: &Cluster, opts: &Opts, run: u64) -> Result<PhotoRun, BoxError> {
    let base = cluster.bases()[0].clone();
    let db = cluster.db().await;
    let token = auth::issue_token(&db, USERNAME, "bench-camera").await?.0;
    db.close().await;
    // Distinct photos per run: a second upload of the same bytes would be a no-op.
    let photos: Vec<Arc<Vec<u8>>> = (0..opts.photos)
        .map(|p| Arc::new(jpeg(run * 1_000_000 + p as u64, opts.photo_bytes)))
        .collect();
    let bytes: usize = photos.iter().map(|p| p.len()).sum();
    let http = http_client(opts.photo_inflight);
    let start = Instant::now();
    let results: Vec<Result<u16, String>> = futures_util::stream::iter(photos.iter().cloned())
        .map(|photo| {
            let (http, base, token) = (http.clone(), base.clone(), token.clone());
            async move {
                let sha = sha256_hex(&photo);
                let res = http
                    .put(format!("{base}/api/photos/{sha}"))
                    .bearer_auth(&token)
                    .header("content-type", "image/jpeg")
                    .body(photo.to_vec())
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(res.status().as_u16())
            }
        })
        .buffer_unordered(opts.photo_inflight)
        .collect()
        .await;
    let elapsed = start.elapsed();
    let mut errors = 0;
    let mut stored = 0;
    for r in results {
        match r {
            Ok(201) => stored += 1,
            other => {
                if errors == 0 {
                    eprintln!("an upload failed: {other:?}");
                }
                errors += 1;
            }
        }
    }
    // Every photo is there now, as the server sees it.
    let hashes: Vec<String> = photos.iter().map(|p| sha256_hex(p)).collect();
    for chunk in hashes.chunks(model::sync::MAX_PHOTO_CHECK) {
        let res = http
            .post(format!("{base}/api/photos/check"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&json!({ "hashes": chunk })).unwrap())
            .send()
            .await?;
        let body: Value = serde_json::from_slice(&res.bytes().await?)?;
        let missing = body["missing"].as_array().map_or(chunk.len(), Vec::len);
        if missing > 0 {
            eprintln!("{missing} photos missing after upload");
        }
        errors += missing;
    }
    Ok(PhotoRun {
        elapsed,
        stored,
        bytes,
        errors,
    })
}

fn photo_rows(table: &mut Table, runs: &BTreeMap<Store, Vec<PhotoRun>>, opts: &Opts) -> bool {
    table.row(
        &format!(
            "photo upload: {} JPEGs of {} kB, {} in flight, one server",
            opts.photos,
            opts.photo_bytes / 1000,
            opts.photo_inflight
        ),
        format!("{} runs", PHOTO_RUNS.len()),
        "local, S3, S3, local; new photos each run".into(),
    );
    let mut rates = BTreeMap::new();
    let mut errors = 0;
    for (store, r) in runs {
        let secs: f64 = r.iter().map(|r| r.elapsed.as_secs_f64()).sum();
        let stored: usize = r.iter().map(|r| r.stored).sum();
        let bytes: usize = r.iter().map(|r| r.bytes).sum();
        let e: usize = r.iter().map(|r| r.errors).sum();
        rates.insert(*store, stored as f64 / secs);
        table.row(
            &format!("  {}", store.name()),
            format!("{:.1} photos/s", stored as f64 / secs),
            format!("report ({:.1} MB/s; errors {e})", bytes as f64 / 1e6 / secs),
        );
        errors += e;
    }
    if let (Some(local), Some(s3)) = (rates.get(&Store::Local), rates.get(&Store::S3)) {
        table.row(
            "  S3 / local directory",
            format!("{:.2} ×", s3 / local),
            "report".into(),
        );
    }
    table.row(
        "  uploads not stored or not found after",
        errors.to_string(),
        format!("= 0 {}", verdict(errors == 0)),
    );
    errors > 0
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
            // xorshift64: bytes that do not compress, like a photo's.
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
// Records (as sync_bench makes them)

// ---------------------------------------------------------------------------------------------
// Figures

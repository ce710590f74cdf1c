//! Sync benchmarks for `scripts/bench-server`, printed as one table of figures and goals:
//!
//! 1. Push throughput: the real server (this crate's `app` on a fresh SQLite data dir, served
//!    over loopback TCP exactly as `main.rs` serves it) receives N hazard-like records from one
//!    sequential client in batches of 25 (the PWA's `PUSH_BATCH`) and of 200 (the server's
//!    maximum). In the same run, taking turns with the pushes 1000 records at a time, the same
//!    records are written by a raw sqlx loop, one transaction per record, into a table shaped
//!    like `records`, on a pool opened by the server's own `Db::connect` (so the PRAGMAs are
//!    the server's: WAL, synchronous=FULL, …). Goal: the server reaches at least 30 % of the
//!    raw rate. `records::apply_change` called in-process is timed as well, to split the
//!    server's cost into database work and HTTP + JSON.
//! 2. Pull fan-out: D devices (default 200), each with its own token and keep-alive connection,
//!    start at the same instant and pull everything from cursor 0 in pages of 200 (the PWA's
//!    `PULL_PAGE`), asking for br/gzip like a browser. Per-request and whole-pull latency
//!    percentiles and the error count (must be 0).
//!
//! Environment: `BENCH_RECORDS` (default 10000), `BENCH_DEVICES` (default 200),
//! `BENCH_ACCEPT_ENCODING` (default as a browser; `gzip` or `identity` to price compression),
//! `TMPDIR` (where the databases go; the figures depend on that disk's fsync).
//!
//! Build it in release (`cargo run --release -p yinhuan-server --example sync_bench`): the
//! server under test is then the release build of this crate, in this process.

use std::future::Future;
use std::io::Read;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HeaderValue, ACCEPT_ENCODING, AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use model::date::Date;
use model::enterprise::{Enterprise, Industry, RiskTag, Scale};
use model::hazard::{Basis, Hazard, HazardKind, HazardState, Rectification};
use model::inspection::Inspection;
use model::money::Money;
use model::record::RecordMeta;
use model::stage::{Level, Stage};
use model::sync::{
    stored_body, Change, LoginResponse, PushOutcome, PushRequest, PushResponse, RecordScope, Role,
    RoleKind, UserInfo,
};
use serde::de::IgnoredAny;
use serde::Deserialize;
use sqlx::sqlite::SqlitePool;
use tempfile::TempDir;
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio::sync::{oneshot, Barrier};
use uuid::Uuid;
use yinhuan_server::auth::{self, AuthUser, NewUser};
use yinhuan_server::{app, records, AppState, Config, Db};

const USERNAME: &str = "bench";
const PASSWORD: &str = "bench-password";
/// The PWA's batch size (`src/sync/engine.rs` `PUSH_BATCH`) and the server's maximum.
const PUSH_BATCHES: [usize; 2] = [25, model::sync::MAX_PUSH_CHANGES];
/// The PWA's pull page (`src/sync/engine.rs` `PULL_PAGE`).
const PULL_PAGE: usize = 200;
/// What Chrome sends, minus zstd (which the server does not offer): the server answers br.
/// `BENCH_ACCEPT_ENCODING` overrides it (`gzip`, `identity`) to see what compression costs.
const BROWSER_ACCEPT_ENCODING: &str = "gzip, deflate, br";

fn accept_encoding() -> &'static str {
    static VALUE: OnceLock<String> = OnceLock::new();
    VALUE.get_or_init(|| {
        std::env::var("BENCH_ACCEPT_ENCODING").unwrap_or_else(|_| BROWSER_ACCEPT_ENCODING.into())
    })
}
/// Records per enterprise block: the enterprise, 2 inspections and 47 hazards.
const BLOCK: usize = 50;
const GOAL_RATIO: f64 = 0.30;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn env_usize(key: &str, default: usize) -> usize {
    match std::env::var(key) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{key} must be a number, not {v:?}")),
        Err(_) => default,
    }
}

fn main() {
    let n = env_usize("BENCH_RECORDS", 10_000);
    let devices = env_usize("BENCH_DEVICES", 200);
    let root = tempfile::tempdir().expect("temp dir");
    // The client gets a runtime of its own, apart from each server's, so the 200 device tasks
    // do not share the server's run queue (as with a separate process); both compete for the
    // same cores either way.
    let client = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("client")
        .build()
        .expect("client runtime");
    let changes = sample_changes(n);
    let mut table = Table::default();
    let mut failed = false;
    let started = Instant::now();

    // A fresh server and database per batch size. Started here, outside the client's runtime:
    // `Server::start` blocks on the server's own.
    let mut servers: Vec<Server> = PUSH_BATCHES
        .iter()
        .map(|_| Server::start(root.path()))
        .collect();
    let push = client
        .block_on(compare_pushes(root.path(), &servers, &changes))
        .expect("push comparison");
    // The last server, holding all N records, serves the pull fan-out.
    let pull_server = servers.pop().expect("a server");
    servers.into_iter().for_each(Server::stop);
    let pull = client
        .block_on(pull_fan_out(&pull_server, devices, n))
        .expect("pull fan-out");
    pull_server.stop();

    let build = if cfg!(debug_assertions) {
        "DEBUG build: figures not representative, use --release"
    } else {
        "release build"
    };
    println!(
        "sync_bench: {n} records, {devices} devices, SQLite (WAL, synchronous=FULL) under {}, \
         {} CPUs, {build}",
        root.path().display(),
        std::thread::available_parallelism().map_or(0, |p| p.get()),
    );
    let raw_rate = rate(n, push.raw);
    table.row(
        "raw sqlx INSERT, 1 transaction per record",
        format!("{raw_rate:.0} rec/s"),
        format!("baseline (all four interleaved, {ROUND} records a turn)"),
    );
    table.row(
        "records::apply_change in-process (no HTTP)",
        format!("{:.0} rec/s", rate(n, push.in_process)),
        format!(
            "({:.0} % of raw, diagnostic)",
            100.0 * rate(n, push.in_process) / raw_rate
        ),
    );
    for run in &push.http {
        let batch = run.batch;
        let ratio = rate(n, run.elapsed) / raw_rate;
        let ok = ratio >= GOAL_RATIO && run.not_applied == 0;
        failed |= run.not_applied > 0;
        table.row(
            &format!("push over HTTP, batches of {batch}"),
            format!("{:.0} rec/s", rate(n, run.elapsed)),
            format!(
                "≥ {:.0} % of raw: {:.0} % {}",
                GOAL_RATIO * 100.0,
                ratio * 100.0,
                verdict(ok)
            ),
        );
        if run.not_applied > 0 {
            table.row(
                "  changes not applied",
                run.not_applied.to_string(),
                "0 FAIL".into(),
            );
        }
    }
    table.row(
        "login (one argon2id verification)",
        format!("{} ms", push.login.as_millis()),
        String::new(),
    );
    let requests = pull.latencies.len();
    table.row(
        &format!("pull: {devices} devices × all {n} records, pages of {PULL_PAGE}"),
        format!("{requests} requests"),
        format!("{:.0} req/s", requests as f64 / pull.wall.as_secs_f64()),
    );
    table.row(
        "  request latency p50 / p99",
        format!(
            "{} / {} ms",
            ms(percentile(&pull.latencies, 0.50)),
            ms(percentile(&pull.latencies, 0.99))
        ),
        format!(
            "p99 reported (max {} ms)",
            ms(percentile(&pull.latencies, 1.0))
        ),
    );
    table.row(
        "  whole pull per device p50 / p99",
        format!(
            "{} / {} ms",
            ms(percentile(&pull.whole, 0.50)),
            ms(percentile(&pull.whole, 0.99))
        ),
        format!("p99 reported (max {} ms)", ms(percentile(&pull.whole, 1.0))),
    );
    table.row(
        &format!("  one full pull on the wire ({}) / as JSON", pull.encoding),
        format!(
            "{:.0} / {:.0} kB",
            pull.wire_bytes as f64 / 1e3,
            pull.json_bytes as f64 / 1e3
        ),
        String::new(),
    );
    table.row(
        "  errors (non-200, transport, short pull)",
        pull.errors.to_string(),
        format!("= 0 {}", verdict(pull.errors == 0)),
    );
    failed |= pull.errors > 0;
    table.print();
    println!("total run time {:.0} s", started.elapsed().as_secs_f64());
    // `exit` skips destructors: remove the databases first.
    drop(root);
    if failed {
        std::process::exit(1);
    }
}

fn rate(n: usize, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64()
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "MISS"
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// Nearest-rank percentile of unsorted samples; `p = 1.0` is the maximum.
fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Rows in the layout of `scripts/bench` (tests/e2e/bench/run.mjs).
#[derive(Default)]
struct Table {
    rows: Vec<(String, String, String)>,
}

impl Table {
    fn row(&mut self, name: &str, value: String, goal: String) {
        self.rows.push((name.to_owned(), value, goal));
    }

    fn print(&self) {
        let w = self
            .rows
            .iter()
            .map(|r| r.0.chars().count())
            .max()
            .unwrap_or(0)
            + 2;
        let v = self
            .rows
            .iter()
            .map(|r| r.1.chars().count())
            .max()
            .unwrap_or(0)
            + 2;
        println!("{:w$}{:v$}goal", "benchmark", "value");
        for (name, value, goal) in &self.rows {
            println!("{name:w$}{value:v$}{goal}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Records

/// `n` changes as a field device would push them: per enterprise, the enterprise first (pushes
/// need it before its records, docs/sync.md), then 2 inspections and 47 hazards, each hazard
/// with 3 photos, a 判定依据 and an 整改 plan. Counties rotate over Xinzhou's 14.
fn sample_changes(n: usize) -> Vec<Change> {
    let counties = model::county::County::all();
    let now = 1_733_800_000_000;
    let meta = || RecordMeta::new(Uuid::now_v7(), now, "bench-device-0001", "张三");
    let date = |d: u8| Date::new(2024, 12, d).expect("valid date");
    let descriptions = [
        "除尘器未设置泄爆装置，车间地面及设备表面积尘严重，未按规定清扫",
        "煤气柜区域未设置固定式一氧化碳检测报警装置，现场作业人员未配备便携式报警仪",
        "高炉炉前平台护栏缺失一段约3米，下方为铁水沟，存在高处坠落风险",
        "有限空间作业未执行先通风、再检测、后作业要求，作业审批票未填写气体检测数据",
        "铝液深井铸造区域未设置紧急排放和应急储存设施，铸造机冷却水未设置断水报警",
    ];
    let mut out = Vec::with_capacity(n);
    let mut block = 0usize;
    while out.len() < n {
        let county = counties[block % counties.len()].code;
        let e_meta = meta();
        let enterprise = Enterprise {
            meta: e_meta.clone(),
            name: format!("忻州市第{block}钢铁有限公司"),
            credit_code: Some(format!("91140900MA0K{block:06}")),
            credit_code_confirmed: true,
            county: county.to_owned(),
            zone: None,
            industry: Industry::Metallurgy,
            tags: vec![
                RiskTag::Steel,
                RiskTag::CombustibleDust,
                RiskTag::ConfinedSpace,
            ],
            scale: Scale::Sme,
            pairing: None,
            leader: "王建国".to_owned(),
            phone: "0350-3031234".to_owned(),
            address: format!("忻州市忻府区工业园区{block}号"),
            self_inspection_plan_on: Some(date(1)),
        };
        out.push(change(e_meta.id, "enterprise", &enterprise));
        let inspections: Vec<Inspection> = [Stage::CityCounty(Level::County), Stage::Cross]
            .into_iter()
            .map(|stage| {
                let mut i = Inspection::new(meta(), "xz-2024-216", &enterprise, stage, date(10));
                i.unit = "忻府区应急管理局".to_owned();
                i.inspectors = vec!["张三".to_owned(), "李四".to_owned()];
                if stage == Stage::Cross {
                    // A 交叉检查 names its 附件3 pair (the model requires it).
                    i.cross_pair = Some(model::campaign::CrossPair {
                        inspector: counties[(block + 1) % counties.len()],
                        inspected: counties[block % counties.len()],
                    });
                }
                i
            })
            .collect();
        for i in &inspections {
            out.push(change(i.meta.id, "inspection", i));
        }
        for seq in 1..=(BLOCK - 1 - inspections.len()) {
            let inspection = &inspections[seq % inspections.len()];
            let mut h = Hazard::new(meta(), inspection, seq as u32);
            let k = out.len();
            h.description = format!("第{seq}处：{}", descriptions[k % descriptions.len()]);
            h.evidence_text = "现场照片3张，见附件".to_owned();
            h.photos = (0..3).map(|p| format!("{:064x}", k * 3 + p)).collect();
            h.basis = Basis::FreeText(
                "《工贸企业粉尘防爆安全规定》（应急管理部令第6号）第十条".to_owned(),
            );
            if k % 20 == 0 {
                h.kind = HazardKind::Major;
                h.supervising_unit = Some("忻州市应急管理局".to_owned());
            }
            h.remark = "企业已签字确认".to_owned();
            h.rectification = Rectification {
                responsible_unit: "炼铁厂设备科".to_owned(),
                responsible_person: "赵六".to_owned(),
                measures: "加装泄爆片并建立每班清扫制度，清扫记录存档备查".to_owned(),
                funds: Some(Money::from_yuan(50_000)),
                deadline: Some(date(31)),
                contingency_plan: "整改期间停用该除尘系统，设置警戒区".to_owned(),
                ..Rectification::default()
            };
            h.state = HazardState::Open;
            out.push(change(h.meta.id, "hazard", &h));
        }
        block += 1;
    }
    out.truncate(n);
    out
}

fn change(id: Uuid, kind: &str, record: &impl serde::Serialize) -> Change {
    Change {
        id,
        kind: kind.to_owned(),
        base_rev: 0,
        deleted: false,
        body: serde_json::to_value(record).expect("record serialises"),
    }
}

// ---------------------------------------------------------------------------------------------
// Baselines without HTTP

fn fresh_config(root: &Path) -> (Config, TempDir, TempDir) {
    let dist = tempfile::tempdir_in(root).expect("dist dir");
    let data = tempfile::tempdir_in(root).expect("data dir");
    (Config::new(dist.path(), data.path()), dist, data)
}

/// Same columns, constraints and indexes as `records` after migrations 0001 and 0002.
const RAW_SCHEMA: &str = "CREATE TABLE records (
    id TEXT PRIMARY KEY NOT NULL, kind TEXT NOT NULL, rev INTEGER NOT NULL UNIQUE,
    body TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    updated_at INTEGER NOT NULL, county TEXT, enterprise_id TEXT, stage_key TEXT
) STRICT;
CREATE INDEX records_county_rev ON records (county, rev);
CREATE INDEX records_enterprise_rev ON records (enterprise_id, rev);";
const RAW_INSERT: &str = "INSERT INTO records \
     (id, kind, rev, body, deleted, updated_at, county, enterprise_id, stage_key) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// The floor of what any server could do with one transaction per record: a plain INSERT of
/// the final row, everything else (JSON, scope) computed before the clock starts.
struct RawSink {
    pool: SqlitePool,
    /// (id, kind, rev, stored body, scope) per change.
    rows: Vec<(String, String, i64, String, RecordScope)>,
    _dirs: (TempDir, TempDir),
}

impl RawSink {
    async fn open(root: &Path, changes: &[Change]) -> Result<RawSink, BoxError> {
        let (config, dist, data) = fresh_config(root);
        // `connect`, not `open`: the server's pool and PRAGMAs, without its migrations.
        let Db::Sqlite(pool) = Db::connect(&config).await? else {
            unreachable!("no DATABASE_URL in this config")
        };
        sqlx::raw_sql(RAW_SCHEMA).execute(&pool).await?;
        let mut county_of = std::collections::HashMap::new();
        let rows = changes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let rev = i as i64 + 1;
                // The scope the server derives: an enterprise's own county, else its enterprise's.
                let record = model::accept::parse(&c.kind, &c.body).expect("bench records parse");
                let enterprise_id = record.enterprise_id();
                let county = match &record {
                    model::accept::AnyRecord::Enterprise(e) => {
                        county_of.insert(c.id, e.county.clone());
                        Some(e.county.clone())
                    }
                    _ => county_of.get(&enterprise_id).cloned(),
                };
                let scope = RecordScope {
                    county,
                    enterprise_id: Some(enterprise_id),
                    stage_key: None,
                };
                let body = stored_body(c.body.clone(), rev).to_string();
                (c.id.to_string(), c.kind.clone(), rev, body, scope)
            })
            .collect();
        Ok(RawSink {
            pool,
            rows,
            _dirs: (dist, data),
        })
    }

    async fn insert(&self, range: Range<usize>) -> Result<Duration, BoxError> {
        let start = Instant::now();
        for (id, kind, rev, body, scope) in &self.rows[range] {
            let mut tx = self.pool.begin().await?;
            sqlx::query(RAW_INSERT)
                .bind(id)
                .bind(kind)
                .bind(*rev)
                .bind(body)
                .bind(false)
                .bind(auth::now_ms())
                .bind(&scope.county)
                .bind(scope.enterprise_id.map(|e| e.to_string()))
                .bind(&scope.stage_key)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(start.elapsed())
    }
}

/// The server's own per-change write path on a migrated database, minus HTTP and request JSON.
struct InProcess {
    db: Db,
    user: AuthUser,
    _dirs: (TempDir, TempDir),
}

impl InProcess {
    async fn open(root: &Path) -> Result<InProcess, BoxError> {
        let (config, dist, data) = fresh_config(root);
        let db = Db::open(&config).await?;
        let user = AuthUser {
            info: UserInfo {
                username: USERNAME.to_owned(),
                display_name: USERNAME.to_owned(),
                role: RoleKind::City,
                county: None,
                enterprise_id: None,
            },
            role: Role::City,
            device_id: "bench-in-process".to_owned(),
            token_hash: String::new(),
        };
        Ok(InProcess {
            db,
            user,
            _dirs: (dist, data),
        })
    }

    async fn apply(&self, changes: &[Change]) -> Result<Duration, BoxError> {
        let start = Instant::now();
        for change in changes {
            let outcome = records::apply_change(&self.db, &self.user, "bench-in-process", change)
                .await
                .map_err(|e| format!("apply_change: {e}"))?;
            if !matches!(outcome, PushOutcome::Applied { .. }) {
                return Err(format!("change {} not applied: {outcome:?}", change.id).into());
            }
        }
        Ok(start.elapsed())
    }
}

// ---------------------------------------------------------------------------------------------
// The server under test

/// The app on a fresh data dir, served on 127.0.0.1 by a runtime of its own, the way
/// `main.rs` serves it (connect info for the login limiter, graceful shutdown). Logging stays
/// off as in the tests: the binary's default filter (`info,tower_http=info`) prints nothing per
/// successful request anyway, TraceLayer's request events being DEBUG.
struct Server {
    addr: SocketAddr,
    state: AppState,
    runtime: Runtime,
    shutdown: oneshot::Sender<()>,
    served: tokio::task::JoinHandle<std::io::Result<()>>,
    _dist: TempDir,
    _data: TempDir,
}

impl Server {
    fn start(root: &Path) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("server")
            .build()
            .expect("server runtime");
        let (config, dist, data) = fresh_config(root);
        let (state, listener) = runtime.block_on(async {
            let state = AppState::open(config).await.expect("open app state");
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            (state, listener)
        });
        let addr = listener.local_addr().expect("local addr");
        let (shutdown, stopped) = oneshot::channel::<()>();
        let service = app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let served = runtime.spawn(async move {
            axum::serve(listener, service)
                .with_graceful_shutdown(async {
                    stopped.await.ok();
                })
                .await
        });
        Server {
            addr,
            state,
            runtime,
            shutdown,
            served,
            _dist: dist,
            _data: data,
        }
    }

    /// Runs `task` on the server's runtime (where its pool lives) and waits for it from any.
    async fn run<F>(&self, task: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.runtime.spawn(task).await.expect("server task")
    }

    /// Stops serving and closes the pool (checkpointing the WAL) before the files go.
    fn stop(self) {
        let Server {
            state,
            runtime,
            shutdown,
            served,
            ..
        } = self;
        shutdown.send(()).ok();
        runtime.block_on(async {
            served.await.ok();
            state.db.close().await;
        });
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP client

/// One keep-alive HTTP/1.1 connection, as a browser tab keeps to its server.
struct Client {
    send: SendRequest<Full<Bytes>>,
    host: HeaderValue,
}

struct Reply {
    status: StatusCode,
    encoding: Option<HeaderValue>,
    /// The body as received (compressed, if the server compressed it).
    raw: Bytes,
}

impl Reply {
    /// The body decompressed: outside [`Client::call`], so latencies measure the server and the
    /// transfer, not this client's decoding.
    fn json(&self) -> Result<Vec<u8>, BoxError> {
        decode(self.encoding.as_ref(), &self.raw)
    }
}

impl Client {
    async fn connect(addr: SocketAddr) -> Result<Client, BoxError> {
        let stream = TcpStream::connect(addr).await?;
        // Browsers disable Nagle too; without it a request written in two parts could wait
        // for a delayed ACK.
        stream.set_nodelay(true)?;
        let (send, connection) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            connection.await.ok();
        });
        Ok(Client {
            send,
            host: HeaderValue::from_str(&addr.to_string())?,
        })
    }

    async fn call(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        json: Option<Bytes>,
    ) -> Result<Reply, BoxError> {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, self.host.clone())
            .header(ACCEPT_ENCODING, accept_encoding());
        if let Some(t) = token {
            req = req.header(AUTHORIZATION, format!("Bearer {t}"));
        }
        if json.is_some() {
            req = req.header(CONTENT_TYPE, "application/json");
        }
        let req = req.body(Full::new(json.unwrap_or_default()))?;
        self.send.ready().await?;
        let res = self.send.send_request(req).await?;
        let status = res.status();
        let encoding = res.headers().get(CONTENT_ENCODING).cloned();
        let raw = res.into_body().collect().await?.to_bytes();
        Ok(Reply {
            status,
            encoding,
            raw,
        })
    }
}

fn decode(encoding: Option<&HeaderValue>, raw: &[u8]) -> Result<Vec<u8>, BoxError> {
    let mut out = Vec::with_capacity(raw.len() * 4);
    match encoding.map(HeaderValue::as_bytes) {
        None => out.extend_from_slice(raw),
        Some(b"br") => {
            brotli_decompressor::Decompressor::new(raw, 64 * 1024).read_to_end(&mut out)?;
        }
        Some(b"gzip") => {
            flate2::read::GzDecoder::new(raw).read_to_end(&mut out)?;
        }
        Some(b"deflate") => {
            flate2::read::ZlibDecoder::new(raw).read_to_end(&mut out)?;
        }
        Some(other) => {
            return Err(format!("unexpected encoding {}", String::from_utf8_lossy(other)).into())
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// 1. Push

/// Records per turn in [`compare_pushes`]: a multiple of both batch sizes and of [`BLOCK`].
const ROUND: usize = 1000;

struct PushFigures {
    raw: Duration,
    in_process: Duration,
    http: Vec<HttpPush>,
    /// The first HTTP login.
    login: Duration,
}

struct HttpPush {
    batch: usize,
    elapsed: Duration,
    not_applied: usize,
}

/// Writes the same records four ways, each into its own fresh database: raw INSERTs,
/// `apply_change` in-process, and HTTP pushes to each of `servers` (batches of 25 and 200).
/// They take turns, [`ROUND`] records at a time, the order rotating each round: run one after
/// the other, the ratio swung between 33 % and 85 % from run to run, because a shared VM
/// disk's fsync time drifts by 2x within minutes; interleaved, all four see the same disk.
async fn compare_pushes(
    root: &Path,
    servers: &[Server],
    changes: &[Change],
) -> Result<PushFigures, BoxError> {
    let raw = RawSink::open(root, changes).await?;
    let in_process = InProcess::open(root).await?;
    let mut pushers = Vec::new();
    for (server, batch) in servers.iter().zip(PUSH_BATCHES) {
        pushers.push(Pusher::sign_in(server, batch).await?);
    }
    let ways = 2 + pushers.len();
    let mut spent = vec![Duration::ZERO; ways];
    let mut not_applied = vec![0; pushers.len()];
    for (round, start) in (0..changes.len()).step_by(ROUND).enumerate() {
        let range = start..(start + ROUND).min(changes.len());
        for turn in 0..ways {
            let way = (round + turn) % ways;
            spent[way] += match way {
                0 => raw.insert(range.clone()).await?,
                1 => in_process.apply(&changes[range.clone()]).await?,
                p => {
                    let (elapsed, missing) = pushers[p - 2].push(&changes[range.clone()]).await?;
                    not_applied[p - 2] += missing;
                    elapsed
                }
            };
        }
    }
    raw.pool.close().await;
    in_process.db.close().await;
    Ok(PushFigures {
        raw: spent[0],
        in_process: spent[1],
        http: pushers
            .iter()
            .enumerate()
            .map(|(i, p)| HttpPush {
                batch: p.batch,
                elapsed: spent[i + 2],
                not_applied: not_applied[i],
            })
            .collect(),
        login: pushers.first().map_or(Duration::ZERO, |p| p.login),
    })
}

/// One device pushing to one server over one keep-alive connection.
struct Pusher {
    client: Client,
    token: String,
    device_id: String,
    batch: usize,
    login: Duration,
}

impl Pusher {
    /// Creates the 市级 account (as `user add` does) and signs in over HTTP.
    async fn sign_in(server: &Server, batch: usize) -> Result<Pusher, BoxError> {
        let db = server.state.db.clone();
        server
            .run(async move {
                let user = NewUser {
                    username: USERNAME.to_owned(),
                    display_name: "基准测试".to_owned(),
                    role: Role::City,
                    assignment: None,
                };
                auth::create_user(&db, &user, PASSWORD).await
            })
            .await?;
        let device_id = format!("bench-push-{batch}");
        let mut client = Client::connect(server.addr).await?;
        let login_body = serde_json::json!({
            "username": USERNAME, "password": PASSWORD, "device_id": device_id,
        });
        let t = Instant::now();
        let reply = client
            .call(
                Method::POST,
                "/api/login",
                None,
                Some(serde_json::to_vec(&login_body)?.into()),
            )
            .await?;
        let login = t.elapsed();
        if reply.status != StatusCode::OK {
            return Err(format!("login: {}", reply.status).into());
        }
        let token = serde_json::from_slice::<LoginResponse>(&reply.json()?)?.token;
        Ok(Pusher {
            client,
            token,
            device_id,
            batch,
            login,
        })
    }

    /// Pushes `changes` in batches, one request after the other; returns the time taken and how
    /// many were not applied. Request bodies are serialised before the clock starts and the
    /// responses checked after it stops: only the server's time is measured.
    async fn push(&mut self, changes: &[Change]) -> Result<(Duration, usize), BoxError> {
        let bodies: Vec<Bytes> = changes
            .chunks(self.batch)
            .map(|chunk| {
                let req = PushRequest {
                    device_id: self.device_id.clone(),
                    changes: chunk.to_vec(),
                };
                serde_json::to_vec(&req).map(Bytes::from)
            })
            .collect::<Result<_, _>>()?;
        let mut replies = Vec::with_capacity(bodies.len());
        let start = Instant::now();
        for body in bodies {
            let reply = self
                .client
                .call(
                    Method::POST,
                    "/api/sync/push",
                    Some(&self.token),
                    Some(body),
                )
                .await?;
            replies.push(reply);
        }
        let elapsed = start.elapsed();

        let mut applied = 0;
        for reply in replies {
            let body = reply.json()?;
            if reply.status != StatusCode::OK {
                let text = String::from_utf8_lossy(&body);
                return Err(format!("push: {} {text}", reply.status).into());
            }
            let res: PushResponse = serde_json::from_slice(&body)?;
            applied += res
                .results
                .iter()
                .filter(|r| matches!(r.outcome, PushOutcome::Applied { .. }))
                .count();
        }
        Ok((elapsed, changes.len() - applied))
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Pull fan-out

#[derive(Default)]
struct PullRun {
    /// Every request's time from send to last body byte.
    latencies: Vec<Duration>,
    /// Each device's time from its first request to caught up.
    whole: Vec<Duration>,
    errors: usize,
    wall: Duration,
    /// Bytes of one device's full pull, compressed and as JSON.
    wire_bytes: usize,
    json_bytes: usize,
    /// The Content-Encoding the server chose.
    encoding: String,
}

/// Only what the loop needs; the records are skipped over, not built.
#[derive(Deserialize)]
struct Page {
    changes: Vec<IgnoredAny>,
    cursor: i64,
    more: bool,
}

struct DeviceRun {
    latencies: Vec<Duration>,
    whole: Duration,
    records: usize,
    wire_bytes: usize,
    json_bytes: usize,
    encoding: String,
}

async fn pull_fan_out(server: &Server, devices: usize, expect: usize) -> Result<PullRun, BoxError> {
    // Devices that signed in long ago: a token each, issued the way login issues it (without
    // 200 argon2 verifications, which would measure login rather than pull).
    let db = server.state.db.clone();
    let tokens = server
        .run(async move {
            let mut tokens = Vec::with_capacity(devices);
            for d in 0..devices {
                let device = format!("bench-device-{d:04}");
                tokens.push(auth::issue_token(&db, USERNAME, &device).await?.0);
            }
            Ok::<_, yinhuan_server::AppError>(tokens)
        })
        .await
        .map_err(|e| format!("issue tokens: {e}"))?;

    // Everyone connects first, then all start at the same instant.
    let barrier = Arc::new(Barrier::new(devices + 1));
    let mut tasks = Vec::with_capacity(devices);
    for token in tokens {
        let barrier = barrier.clone();
        let addr = server.addr;
        tasks.push(tokio::spawn(async move {
            let client = Client::connect(addr).await;
            barrier.wait().await;
            pull_everything(client?, &token).await
        }));
    }
    barrier.wait().await;
    let start = Instant::now();
    let mut run = PullRun::default();
    for task in tasks {
        match task.await? {
            Ok(device) if device.records == expect => {
                run.latencies.extend(device.latencies);
                run.whole.push(device.whole);
                run.wire_bytes = device.wire_bytes;
                run.encoding = device.encoding;
                run.json_bytes = device.json_bytes;
            }
            Ok(device) => {
                eprintln!("a device pulled {} records, not {expect}", device.records);
                run.errors += 1;
            }
            Err(e) => {
                eprintln!("a device failed: {e}");
                run.errors += 1;
            }
        }
    }
    run.wall = start.elapsed();
    Ok(run)
}

/// The PWA's pull loop: from cursor 0, page after page, until `more` is false.
async fn pull_everything(mut client: Client, token: &str) -> Result<DeviceRun, BoxError> {
    let mut run = DeviceRun {
        latencies: Vec::new(),
        whole: Duration::ZERO,
        records: 0,
        wire_bytes: 0,
        json_bytes: 0,
        encoding: String::new(),
    };
    let mut cursor = 0;
    let start = Instant::now();
    loop {
        let path = format!("/api/sync/pull?cursor={cursor}&limit={PULL_PAGE}");
        let t = Instant::now();
        let reply = client.call(Method::GET, &path, Some(token), None).await?;
        run.latencies.push(t.elapsed());
        if reply.status != StatusCode::OK {
            return Err(format!("pull: {}", reply.status).into());
        }
        let body = reply.json()?;
        run.wire_bytes += reply.raw.len();
        run.encoding = reply.encoding.as_ref().map_or("identity".into(), |e| {
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        });
        run.json_bytes += body.len();
        let page: Page = serde_json::from_slice(&body)?;
        run.records += page.changes.len();
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    run.whole = start.elapsed();
    Ok(run)
}

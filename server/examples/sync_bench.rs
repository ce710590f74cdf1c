//! Sync benchmarks for `scripts/bench-server`, printed as one table of figures and goals:
//!
//! 1. Push throughput: the real server (this crate's `app` on a fresh SQLite data dir, served
//!    over loopback TCP exactly as `main.rs` serves it) receives N hazard-like records from one
//!    sequential client in batches of 25 (the PWA's `PUSH_BATCH`) and of 200 (the server's
//!    maximum). In the same run, taking turns with the pushes 1000 records at a time, the same
//!    records are written by a raw sqlx loop, one transaction per record, into a table shaped
//!    like `records`, on a pool opened by the server's own `Db::connect` (so the PRAGMAs are
//!    the server's: WAL, synchronous=FULL, …). Goal (issue 12): the server reaches at least
//!    100 % of the raw rate. `records::apply_change` called in-process is timed as well, to split the
//!    server's cost into database work and HTTP + JSON.
//! 2. Pull fan-out: D devices (default 1000), each with its own token and keep-alive
//!    connection, start at the same instant and pull everything from cursor 0 in pages of 200
//!    (the PWA's `PULL_PAGE`), asking for br/gzip like a browser. Per-request and whole-pull
//!    latency percentiles, the server's and the client's CPU time per request and the error
//!    count. Goal (issue 12): 1,000 devices, request p99 ≤ 1 s, 0 errors.
//! 3. Pull over HTTPS vs plain HTTP: a server of its own holding `BENCH_TLS_RECORDS` records
//!    (default 1000) serves the same app twice, over plain HTTP and over HTTPS exactly as
//!    `serve` does (`https_app` behind the server's own `TlsListener`, with a CA and a server
//!    certificate for 127.0.0.1/localhost made by `tls::cert::init`, as `tls init` makes them).
//!    `BENCH_TLS_DEVICES` devices (default 200) pull everything at once, as in 2 but connecting after the start signal (TCP
//!    connect and, over HTTPS, a full handshake count in the whole pull, as when phones start a
//!    sync together). Four runs alternating HTTP, HTTPS, HTTPS, HTTP so that a drift in the
//!    shared machine's load falls on both: request p50/p99, whole-pull p99, the HTTPS/HTTP
//!    ratios, the server threads' CPU time per request, errors (must be 0).
//! 4. TLS handshake rate: `BENCH_HANDSHAKE_CLIENTS` clients (default 32) each open a new
//!    connection, GET /api/health, close, and again, for 4 × 2.5 s alternating plain TCP and
//!    TLS (full handshakes: the client keeps no session to resume). Connections per second, the
//!    server's CPU time per connection, errors (must be 0).
//!
//! Environment: `BENCH_RECORDS` (default 10000), `BENCH_DEVICES` (default 1000),
//! `BENCH_TLS_DEVICES` (default 200),
//! `BENCH_ACCEPT_ENCODING` (default as a browser; `gzip` or `identity` to price compression),
//! `BENCH_TLS_RECORDS` (default 1000, at most `BENCH_RECORDS`), `BENCH_HANDSHAKE_CLIENTS`
//! (default 32), `TMPDIR` (where the databases go; the figures depend on that disk's fsync).
//!
//! Build it in release (`cargo run --release -p yinhuan-server --example sync_bench`): the
//! server under test is then the release build of this crate, in this process.

mod common;

use std::future::Future;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::serve::ListenerExt;
use common::{env_usize, ms, percentile, sample_changes, verdict, Table};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HeaderValue, ACCEPT_ENCODING, AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use model::sync::{
    stored_body, Change, LoginResponse, PushOutcome, PushRequest, PushResponse, RecordScope, Role,
    RoleKind, UserInfo,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde::de::IgnoredAny;
use serde::Deserialize;
use sqlx::sqlite::SqlitePool;
use tempfile::TempDir;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio::sync::{oneshot, Barrier};
use tokio_rustls::TlsConnector;
use yinhuan_server::auth::{self, AuthUser, NewUser};
use yinhuan_server::tls::listener::{self as tls_listener, ReloadingCert, TlsListener};
use yinhuan_server::tls::{self, CertSource, Host};
use yinhuan_server::{app, https_app, records, AppState, Config, Db};

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

/// Issue 12: a push (one transaction per request) at least as fast as the raw loop (one per record).
const GOAL_RATIO: f64 = 1.0;
/// Issue 12: this many devices pulling at once…
const GOAL_PULL_DEVICES: usize = 1000;
/// …see a request p99 within this.
const GOAL_PULL_P99: Duration = Duration::from_secs(1);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() {
    let n = env_usize("BENCH_RECORDS", 10_000);
    let devices = env_usize("BENCH_DEVICES", GOAL_PULL_DEVICES);
    let tls_devices = env_usize("BENCH_TLS_DEVICES", 200);
    let tls_records = env_usize("BENCH_TLS_RECORDS", 1000).min(n);
    let handshake_clients = env_usize("BENCH_HANDSHAKE_CLIENTS", 32);
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
    let (pull, pull_cpu) = client.block_on(async {
        let tokens = device_tokens(&pull_server, devices)
            .await
            .expect("device tokens");
        let endpoint = Endpoint::plain(pull_server.addr);
        let (run, cpu) = with_cpu(pull_fan_out(&endpoint, tokens, n, Connect::BeforeStart)).await;
        (run.expect("pull fan-out"), cpu)
    });
    pull_server.stop();

    // 3 and 4: one more server, alone on the machine's cores like the pull server was, serving
    // the same app over plain HTTP and over HTTPS.
    let mut tls_server = Server::start(root.path());
    let https = tls_server.serve_https(root.path());
    let plain = Endpoint::plain(tls_server.addr);
    let versus = client
        .block_on(pull_http_vs_https(
            &tls_server,
            &plain,
            &https,
            tls_devices,
            &changes[..tls_records],
        ))
        .expect("pull over HTTPS vs HTTP");
    let handshakes = client
        .block_on(connection_rates(&plain, &https, handshake_clients))
        .expect("handshake rate");
    tls_server.stop();

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
    let p99 = percentile(&pull.latencies, 0.99);
    let max = ms(percentile(&pull.latencies, 1.0));
    let goal = format!("≤ {} ms", GOAL_PULL_P99.as_millis());
    table.row(
        "  request latency p50 / p99",
        format!("{} / {} ms", ms(percentile(&pull.latencies, 0.50)), ms(p99)),
        if devices == GOAL_PULL_DEVICES {
            let ok = p99 <= GOAL_PULL_P99 && pull.errors == 0;
            format!("p99 {goal} with 0 errors: {} (max {max} ms)", verdict(ok))
        } else {
            format!("goal p99 {goal} is for {GOAL_PULL_DEVICES} devices (max {max} ms)")
        },
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
    if let Some(cpu) = &pull_cpu {
        let (server, client) = cpu.per(requests);
        table.row(
            "  CPU per request server / client",
            format!("{:.2} / {:.2} ms", server / 1e3, client / 1e3),
            "(diagnostic; the client's is the phones' share)".into(),
        );
    }
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
    failed |= versus_rows(&mut table, &versus, tls_devices, tls_records);
    failed |= handshake_rows(&mut table, &handshakes, handshake_clients);
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

// ---------------------------------------------------------------------------------------------
// Records

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
                let enterprise_id = record
                    .enterprise_id()
                    .expect("bench records are field records");
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
                is_admin: false,
                must_change_password: false,
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
    /// The same app over HTTPS beside the plain listener, once [`Server::serve_https`] ran.
    https: Option<Https>,
    _dist: TempDir,
    _data: TempDir,
}

struct Https {
    shutdown: oneshot::Sender<()>,
    served: tokio::task::JoinHandle<std::io::Result<()>>,
    /// `ca.pem`, `ca.key`, `server.pem`, `server.key`: removed once the server stopped.
    certs: TempDir,
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
            https: None,
            _dist: dist,
            _data: data,
        }
    }

    /// Serves the same state over HTTPS too, as `serve` does when `<data>/tls/` holds a
    /// certificate: `tls init`'s CA and server certificate (for 127.0.0.1 and localhost, made
    /// by the server's own `tls::cert::init`, into a directory of their own), loaded by
    /// `ReloadingCert`, rustls configured by `server_config`, handshakes run by `TlsListener`,
    /// `https_app` behind it. Returns the address with a client trusting only that CA.
    fn serve_https(&mut self, root: &Path) -> Endpoint {
        let certs = tempfile::tempdir_in(root).expect("tls dir");
        let hosts = [
            Host::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            Host::Dns("localhost".to_owned()),
        ];
        let issued = tls::cert::init(certs.path(), &hosts, false).expect("tls init");
        let cert = ReloadingCert::load(CertSource {
            cert: issued.files.server_cert(),
            key: issued.files.server_key(),
            local_ca: true,
        })
        .expect("load the server certificate");
        let config = tls_listener::server_config(cert).expect("rustls server config");
        let connector = tls_connector(&issued.files.ca_cert()).expect("rustls client config");
        // `TlsListener::new` spawns its accept loop: on the server's runtime.
        let listener = self.runtime.block_on(async {
            let tcp = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            TlsListener::new(tcp, config).expect("tls listener")
        });
        let addr = axum::serve::Listener::local_addr(&listener).expect("local addr");
        let (shutdown, stopped) = oneshot::channel::<()>();
        let service =
            https_app(self.state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let served = self.runtime.spawn(async move {
            // Connect info for a custom listener, as main.rs does.
            axum::serve(listener.tap_io(|_| ()), service)
                .with_graceful_shutdown(async {
                    stopped.await.ok();
                })
                .await
        });
        self.https = Some(Https {
            shutdown,
            served,
            certs,
        });
        Endpoint {
            addr,
            tls: Some(connector),
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
            https,
            ..
        } = self;
        shutdown.send(()).ok();
        let https = https.map(|h| {
            h.shutdown.send(()).ok();
            (h.served, h.certs)
        });
        runtime.block_on(async {
            served.await.ok();
            if let Some((served, _certs)) = https {
                served.await.ok();
            }
            state.db.close().await;
        });
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP client

/// Where a client connects: plain HTTP, or HTTPS trusting the bench's own CA.
#[derive(Clone)]
struct Endpoint {
    addr: SocketAddr,
    tls: Option<TlsConnector>,
}

impl Endpoint {
    fn plain(addr: SocketAddr) -> Endpoint {
        Endpoint { addr, tls: None }
    }
}

/// A client as a phone that installed the office CA: that CA its only root, TLS 1.2/1.3 on
/// ring like the server, HTTP/1.1. No session cache: every connection is a full handshake.
fn tls_connector(ca_pem: &Path) -> Result<TlsConnector, BoxError> {
    let pem = std::fs::read(ca_pem)?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        roots.add(cert?)?;
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.resumption = rustls::client::Resumption::disabled();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// One keep-alive HTTP/1.1 connection, as a browser tab keeps to its server.
struct Client {
    send: SendRequest<Full<Bytes>>,
    host: HeaderValue,
    /// Over HTTPS: the negotiated protocol, cipher suite and key exchange.
    tls: Option<String>,
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
    async fn connect(endpoint: &Endpoint) -> Result<Client, BoxError> {
        let addr = endpoint.addr;
        let stream = TcpStream::connect(addr).await?;
        // Browsers disable Nagle too; without it a request written in two parts could wait
        // for a delayed ACK.
        stream.set_nodelay(true)?;
        let (send, tls) = match &endpoint.tls {
            None => (http1_handshake(stream).await?, None),
            Some(connector) => {
                let stream = connector
                    .connect(ServerName::from(addr.ip()), stream)
                    .await?;
                let tls = describe_tls(stream.get_ref().1);
                (http1_handshake(stream).await?, Some(tls))
            }
        };
        Ok(Client {
            send,
            host: HeaderValue::from_str(&addr.to_string())?,
            tls,
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

async fn http1_handshake<S>(stream: S) -> Result<SendRequest<Full<Bytes>>, BoxError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (send, connection) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        connection.await.ok();
    });
    Ok(send)
}

/// "TLSv1_3 TLS13_AES_256_GCM_SHA384 X25519".
fn describe_tls(conn: &rustls::ClientConnection) -> String {
    let version = conn
        .protocol_version()
        .map_or("?".into(), |v| format!("{v:?}"));
    let suite = conn
        .negotiated_cipher_suite()
        .map_or("?".into(), |s| format!("{:?}", s.suite()));
    let group = conn
        .negotiated_key_exchange_group()
        .map_or("?".into(), |g| format!("{:?}", g.name()));
    format!("{version} {suite} {group}")
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

/// Records per turn in [`compare_pushes`]: a multiple of both batch sizes and of [`common::BLOCK`].
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
        let mut client = Client::connect(&Endpoint::plain(server.addr)).await?;
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

/// Tokens for `devices` devices that signed in long ago, issued the way login issues them
/// (without 200 argon2 verifications, which would measure login rather than pull).
async fn device_tokens(server: &Server, devices: usize) -> Result<Vec<String>, BoxError> {
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
    Ok(tokens)
}

/// When the devices open their connections.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Connect {
    /// Everyone connects first, then all start pulling at the same instant: the whole pull
    /// leaves the connection out.
    BeforeStart,
    /// All start at the same instant by connecting: the TCP connect and, over HTTPS, the
    /// handshake are part of the whole pull.
    AfterStart,
}

async fn pull_fan_out(
    endpoint: &Endpoint,
    tokens: Vec<String>,
    expect: usize,
    connect: Connect,
) -> Result<PullRun, BoxError> {
    let devices = tokens.len();
    let barrier = Arc::new(Barrier::new(devices + 1));
    let mut tasks = Vec::with_capacity(devices);
    for token in tokens {
        let barrier = barrier.clone();
        let endpoint = endpoint.clone();
        tasks.push(tokio::spawn(async move {
            let early = match connect {
                Connect::BeforeStart => Some(Client::connect(&endpoint).await),
                Connect::AfterStart => None,
            };
            barrier.wait().await;
            let start = Instant::now();
            let client = match early {
                Some(client) => client?,
                None => Client::connect(&endpoint).await?,
            };
            let mut device = pull_everything(client, &token).await?;
            device.whole = start.elapsed();
            Ok::<_, BoxError>(device)
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

/// The PWA's pull loop: from cursor 0, page after page, until `more` is false. The caller
/// times the whole pull.
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
    Ok(run)
}

impl PullRun {
    /// Adds another run's samples (runs of the same pull, so the byte counts are the same).
    fn merge(&mut self, other: PullRun) {
        self.latencies.extend(other.latencies);
        self.whole.extend(other.whole);
        self.errors += other.errors;
        self.wall += other.wall;
        self.wire_bytes = other.wire_bytes;
        self.json_bytes = other.json_bytes;
        self.encoding = other.encoding;
    }
}

// ---------------------------------------------------------------------------------------------
// Server CPU time

/// The server's threads: its runtime's (workers and blocking pool) and the SQLite
/// connections' (sqlx runs each connection on a thread of its own). The client's runtime
/// threads are named `client`.
const SERVER_THREADS: [&str; 2] = ["server", "sqlx-sqlite"];

/// On-CPU time so far of this process's threads whose names start with one of `prefixes`,
/// from the scheduler's statistics in /proc (Linux). Unlike wall time it barely moves when
/// other processes take the machine's cores. `None` where there is no /proc schedstat.
fn threads_cpu(prefixes: &[&str]) -> Option<Duration> {
    let mut nanos: u64 = 0;
    for entry in std::fs::read_dir("/proc/self/task").ok()? {
        let Ok(dir) = entry.map(|e| e.path()) else {
            continue;
        };
        // A thread may end between the listing and the reads: skip it.
        let Ok(name) = std::fs::read_to_string(dir.join("comm")) else {
            continue;
        };
        if !prefixes.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(dir.join("schedstat")) else {
            continue;
        };
        nanos += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(nanos))
}

/// CPU time of the server's threads and of the client's (the 200 devices' share, which
/// phones would bear).
#[derive(Clone, Copy, Default)]
struct Cpu {
    server: Duration,
    client: Duration,
}

impl Cpu {
    fn now() -> Option<Cpu> {
        Some(Cpu {
            server: threads_cpu(&SERVER_THREADS)?,
            client: threads_cpu(&["client"])?,
        })
    }

    /// Per unit of work, in µs: (server, client).
    fn per(&self, units: usize) -> (f64, f64) {
        let per = |d: Duration| d.as_secs_f64() * 1e6 / units.max(1) as f64;
        (per(self.server), per(self.client))
    }
}

/// `task`'s output and the CPU time spent while it ran.
async fn with_cpu<T>(task: impl Future<Output = T>) -> (T, Option<Cpu>) {
    let before = Cpu::now();
    let out = task.await;
    let after = Cpu::now();
    let spent = before.zip(after).map(|(b, a)| Cpu {
        server: a.server.saturating_sub(b.server),
        client: a.client.saturating_sub(b.client),
    });
    (out, spent)
}

/// Adds `more` to `total`; `None` (no /proc) spoils the sum.
fn add_cpu(total: &mut Option<Cpu>, more: Option<Cpu>) {
    *total = total.zip(more).map(|(a, b)| Cpu {
        server: a.server + b.server,
        client: a.client + b.client,
    });
}

// ---------------------------------------------------------------------------------------------
// 3. Pull over HTTPS vs plain HTTP

/// Which protocol each run of [`pull_http_vs_https`] and [`connection_rates`] uses, in order:
/// ABBA, so that a load drifting over the runs weighs on both alike.
const ALTERNATION: [bool; 4] = [false, true, true, false];

struct Versus {
    /// What the HTTPS connections negotiated.
    tls: String,
    http: PullRun,
    https: PullRun,
    /// CPU time over all runs of each protocol.
    http_cpu: Option<Cpu>,
    https_cpu: Option<Cpu>,
}

/// `changes` pushed to `server` (over plain HTTP, batches of 200), then `devices` devices pull
/// all of them at once, connecting at the start signal, four times: HTTP, HTTPS, HTTPS, HTTP.
async fn pull_http_vs_https(
    server: &Server,
    plain: &Endpoint,
    https: &Endpoint,
    devices: usize,
    changes: &[Change],
) -> Result<Versus, BoxError> {
    let mut pusher = Pusher::sign_in(server, model::sync::MAX_PUSH_CHANGES).await?;
    let (_, not_applied) = pusher.push(changes).await?;
    drop(pusher);
    if not_applied > 0 {
        return Err(format!("{not_applied} changes not applied").into());
    }
    // One connection first: the certificate must verify before 200 devices try it.
    let tls = Client::connect(https).await?.tls.unwrap_or_default();
    let tokens = device_tokens(server, devices).await?;
    let mut versus = Versus {
        tls,
        http: PullRun::default(),
        https: PullRun::default(),
        http_cpu: Some(Cpu::default()),
        https_cpu: Some(Cpu::default()),
    };
    for over_tls in ALTERNATION {
        let endpoint = if over_tls { https } else { plain };
        let fan_out = pull_fan_out(endpoint, tokens.clone(), changes.len(), Connect::AfterStart);
        let (run, cpu) = with_cpu(fan_out).await;
        let (total, total_cpu) = if over_tls {
            (&mut versus.https, &mut versus.https_cpu)
        } else {
            (&mut versus.http, &mut versus.http_cpu)
        };
        total.merge(run?);
        add_cpu(total_cpu, cpu);
    }
    Ok(versus)
}

/// The rows of part 3; true when a device failed.
fn versus_rows(table: &mut Table, v: &Versus, devices: usize, records: usize) -> bool {
    let runs = ALTERNATION.len() / 2;
    table.row(
        &format!("pull HTTP vs HTTPS: {devices} devices × all {records} records"),
        format!("{runs} + {runs} runs"),
        "own server; connect at start; HTTP, HTTPS, HTTPS, HTTP".into(),
    );
    let (version, params) = v.tls.split_once(' ').unwrap_or((&v.tls, ""));
    table.row(
        "  HTTPS negotiated",
        version.to_owned(),
        format!("{params}; ECDSA P-256 certificate by tls::cert::init"),
    );
    for (name, run) in [("HTTP ", &v.http), ("HTTPS", &v.https)] {
        table.row(
            &format!("  {name} request latency p50 / p99"),
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
            &format!("  {name} whole pull p50 / p99 (with connect)"),
            format!(
                "{} / {} ms",
                ms(percentile(&run.whole, 0.50)),
                ms(percentile(&run.whole, 0.99))
            ),
            format!("report (max {} ms)", ms(percentile(&run.whole, 1.0))),
        );
    }
    let ratio = |f: fn(&PullRun) -> &[Duration]| {
        percentile(f(&v.https), 0.99).as_secs_f64() / percentile(f(&v.http), 0.99).as_secs_f64()
    };
    table.row(
        "  HTTPS / HTTP request p99",
        format!("{:.2} ×", ratio(|r| &r.latencies)),
        "report".into(),
    );
    table.row(
        "  HTTPS / HTTP whole pull p99",
        format!("{:.2} ×", ratio(|r| &r.whole)),
        "report".into(),
    );
    if let (Some(http), Some(https)) = (v.http_cpu, v.https_cpu) {
        let (http_server, http_client) = http.per(v.http.latencies.len());
        let (https_server, https_client) = https.per(v.https.latencies.len());
        table.row(
            "  server CPU per request HTTP / HTTPS",
            format!("{:.2} / {:.2} ms", http_server / 1e3, https_server / 1e3),
            format!(
                "HTTPS / HTTP {:.2} × (diagnostic)",
                https_server / http_server
            ),
        );
        table.row(
            "  client CPU per request HTTP / HTTPS",
            format!("{:.2} / {:.2} ms", http_client / 1e3, https_client / 1e3),
            format!(
                "HTTPS / HTTP {:.2} × (diagnostic; the phones' share)",
                https_client / http_client
            ),
        );
    }
    let errors = v.http.errors + v.https.errors;
    table.row(
        "  errors HTTP / HTTPS",
        format!("{} / {}", v.http.errors, v.https.errors),
        format!("= 0 {}", verdict(errors == 0)),
    );
    errors > 0
}

// ---------------------------------------------------------------------------------------------
// 4. TLS handshake rate

/// Length of each of the four phases of [`connection_rates`].
const RATE_PHASE: Duration = Duration::from_millis(2500);

#[derive(Default)]
struct Rate {
    /// Time from connect to the end of the health answer, per connection.
    latencies: Vec<Duration>,
    errors: usize,
    wall: Duration,
    cpu: Option<Cpu>,
}

impl Rate {
    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }

    /// Server and client CPU time per connection, in µs.
    fn cpu_per_connection(&self) -> Option<(f64, f64)> {
        self.cpu.map(|cpu| cpu.per(self.latencies.len()))
    }
}

struct Handshakes {
    plain: Rate,
    tls: Rate,
}

/// `clients` clients each connecting, asking /api/health and closing, again and again, for
/// [`RATE_PHASE`] per run: plain, TLS, TLS, plain.
async fn connection_rates(
    plain: &Endpoint,
    https: &Endpoint,
    clients: usize,
) -> Result<Handshakes, BoxError> {
    let fresh = || Rate {
        cpu: Some(Cpu::default()),
        ..Rate::default()
    };
    let mut h = Handshakes {
        plain: fresh(),
        tls: fresh(),
    };
    for over_tls in ALTERNATION {
        let endpoint = if over_tls { https } else { plain };
        let (phase, cpu) = with_cpu(connection_phase(endpoint, clients)).await;
        let phase = phase?;
        let total = if over_tls { &mut h.tls } else { &mut h.plain };
        total.latencies.extend(phase.latencies);
        total.errors += phase.errors;
        total.wall += phase.wall;
        add_cpu(&mut total.cpu, cpu);
    }
    Ok(h)
}

async fn connection_phase(endpoint: &Endpoint, clients: usize) -> Result<Rate, BoxError> {
    let start = Instant::now();
    let deadline = start + RATE_PHASE;
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let endpoint = endpoint.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            while Instant::now() < deadline {
                let t = Instant::now();
                match one_connection(&endpoint).await {
                    Ok(()) => latencies.push(t.elapsed()),
                    Err(e) => {
                        if errors == 0 {
                            eprintln!("a connection failed: {e}");
                        }
                        errors += 1;
                        // A refused connection fails at once: do not spin on it.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let mut rate = Rate::default();
    for task in tasks {
        let (latencies, errors) = task.await?;
        rate.latencies.extend(latencies);
        rate.errors += errors;
    }
    // The last connections end a little after the deadline: they count, and so does their time.
    rate.wall = start.elapsed();
    Ok(rate)
}

/// A new connection (over HTTPS with a full handshake), one GET /api/health, closed.
async fn one_connection(endpoint: &Endpoint) -> Result<(), BoxError> {
    let mut client = Client::connect(endpoint).await?;
    let reply = client.call(Method::GET, "/api/health", None, None).await?;
    if reply.status != StatusCode::OK {
        return Err(format!("health: {}", reply.status).into());
    }
    Ok(())
}

/// The rows of part 4; true when a connection failed.
fn handshake_rows(table: &mut Table, h: &Handshakes, clients: usize) -> bool {
    let runs = ALTERNATION.len() / 2;
    table.row(
        &format!("new connections: {clients} clients, each + GET /api/health"),
        format!("{runs} × {:.1} s each", RATE_PHASE.as_secs_f64()),
        "plain, TLS, TLS, plain".into(),
    );
    for (name, rate) in [
        ("  plain TCP", &h.plain),
        ("  TLS, full handshake (no resumption)", &h.tls),
    ] {
        table.row(
            name,
            format!("{:.0} conn/s", rate.per_second()),
            format!(
                "report (p50 / p99 {} / {} ms)",
                ms(percentile(&rate.latencies, 0.50)),
                ms(percentile(&rate.latencies, 0.99))
            ),
        );
    }
    table.row(
        "  TLS / plain connection rate",
        format!("{:.2} ×", h.tls.per_second() / h.plain.per_second()),
        "report".into(),
    );
    if let (Some(plain), Some(tls)) = (h.plain.cpu_per_connection(), h.tls.cpu_per_connection()) {
        table.row(
            "  server CPU per connection plain / TLS",
            format!("{:.0} / {:.0} µs", plain.0, tls.0),
            format!(
                "≈ {:.0} TLS conn/s per core (diagnostic)",
                1e6 / tls.0.max(1.0)
            ),
        );
        table.row(
            "  client CPU per connection plain / TLS",
            format!("{:.0} / {:.0} µs", plain.1, tls.1),
            "(diagnostic; the phones' share)".into(),
        );
    }
    let errors = h.plain.errors + h.tls.errors;
    table.row(
        "  errors plain / TLS",
        format!("{} / {}", h.plain.errors, h.tls.errors),
        format!("= 0 {}", verdict(errors == 0)),
    );
    errors > 0
}

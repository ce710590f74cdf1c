//! `spawn_app()` and friends: a fresh temp `dist/` and database per test.

use std::path::Path;

use axum::body::Body;
use axum::http::{Request, Response};
use axum::Router;
use http_body_util::BodyExt;
use tempfile::TempDir;
use tower::ServiceExt;
use yinhuan_server::{app, AppState, Backend, Config};

pub const WASM: &str = "/yinhuan-app-3f2a9c1d0e4b5a6f_bg.wasm";
pub const JS: &str = "/yinhuan-app-3f2a9c1d0e4b5a6f.js";
pub const CSS: &str = "/style-0123456789abcdef.css";
pub const INDEX_HTML: &str = "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<title>隐患排查</title></head><body>隐患排查</body></html>\n";

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// Kept so the temp directories live as long as the app.
    _dist: TempDir,
    _data: TempDir,
    /// The PostgreSQL database to drop when the test ends, if any.
    pg: Option<PgTestDatabase>,
}

/// A test app on SQLite with a built-looking `dist/`.
pub async fn spawn_app() -> TestApp {
    let (dist, data) = dirs(true);
    let config = Config::new(dist.path(), data.path());
    build(config, dist, data, None).await
}

/// Like [`spawn_app`] but `dist/` has no `index.html` (the PWA was never built).
pub async fn spawn_app_without_pwa() -> TestApp {
    let (dist, data) = dirs(false);
    let config = Config::new(dist.path(), data.path());
    build(config, dist, data, None).await
}

/// A test app on SQLite whose photos are kept in the store `make` opens (given the data dir):
/// the photo store suite's S3 and memory backends.
pub async fn spawn_app_with_photos(
    make: impl FnOnce(&Path) -> yinhuan_server::photos::PhotoStore,
) -> TestApp {
    let (dist, data) = dirs(true);
    let config = Config::new(dist.path(), data.path());
    let mut state = AppState::open(config).await.expect("open app state");
    state.photos = make(data.path());
    TestApp {
        router: app(state.clone()),
        state,
        _dist: dist,
        _data: data,
        pg: None,
    }
}

/// A test app on a fresh PostgreSQL database, or `None` (after saying so) when no server is
/// reachable. With `REQUIRE_POSTGRES` set, an unreachable server fails the test instead.
pub async fn spawn_app_on_postgres() -> Option<TestApp> {
    let pg = PgTestDatabase::create("yinhuan_test").await?;
    let (dist, data) = dirs(true);
    let mut config = Config::new(dist.path(), data.path());
    config.database_url = Some(pg.url.clone());
    Some(build(config, dist, data, Some(pg)).await)
}

/// A test app on `backend`; `None` only for an unreachable PostgreSQL (see above).
pub async fn spawn_app_on(backend: Backend) -> Option<TestApp> {
    match backend {
        Backend::Sqlite => Some(spawn_app().await),
        Backend::Postgres => spawn_app_on_postgres().await,
    }
}

async fn build(
    config: Config,
    dist: TempDir,
    data: TempDir,
    pg: Option<PgTestDatabase>,
) -> TestApp {
    let state = AppState::open(config).await.expect("open app state");
    TestApp {
        router: app(state.clone()),
        state,
        _dist: dist,
        _data: data,
        pg,
    }
}

impl TestApp {
    pub async fn get(&self, uri: &str) -> Response<Body> {
        self.request(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    pub async fn request(&self, req: Request<Body>) -> Response<Body> {
        self.router.clone().oneshot(req).await.expect("infallible")
    }

    /// A second `AppState` on the same database, as a restarted server would open it.
    pub async fn reopen(&self) -> AppState {
        AppState::open((*self.state.config).clone())
            .await
            .expect("reopen")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The database first, as before the other fields.
        drop(self.pg.take());
    }
}

pub async fn body_bytes(res: Response<Body>) -> Vec<u8> {
    res.into_body().collect().await.unwrap().to_bytes().to_vec()
}

pub async fn body_json(res: Response<Body>) -> serde_json::Value {
    let bytes = body_bytes(res).await;
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
}

pub fn header<'a>(res: &'a Response<Body>, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

fn dirs(with_pwa: bool) -> (TempDir, TempDir) {
    let dist = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    if with_pwa {
        write_fake_pwa(dist.path());
    }
    (dist, data)
}

/// Files shaped like Trunk's output, big and repetitive enough to be worth compressing.
fn write_fake_pwa(dir: &Path) {
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    wasm.extend(std::iter::repeat_n(0u8, 4096));
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(dir.join(name.trim_start_matches('/')), bytes).unwrap()
    };
    write("/index.html", INDEX_HTML.as_bytes());
    write(WASM, &wasm);
    write(
        JS,
        "export function start() { console.log('隐患排查'); }\n"
            .repeat(50)
            .as_bytes(),
    );
    write(
        CSS,
        "body { font-family: sans-serif; }\n".repeat(50).as_bytes(),
    );
    write(
        "/sw.js",
        b"self.addEventListener('install', () => self.skipWaiting());\n",
    );
    write(
        "/manifest.webmanifest",
        r#"{"name":"隐患排查","short_name":"隐患排查","start_url":"/","display":"standalone"}"#
            .as_bytes(),
    );
}

#[path = "../support/pg.rs"]
mod pg;
use pg::PgTestDatabase;

// ---------------------------------------------------------------------------------------------
// Accounts, JSON calls and record fixtures for the sync tests.

/// Runs one async test body on SQLite and on PostgreSQL (skipped when unreachable, see
/// [`spawn_app_on_postgres`]): `both_backends!(a_test, another);` for `async fn a_test(Backend)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(yinhuan_server::Backend::Sqlite).await
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(yinhuan_server::Backend::Postgres).await
                }
            )*
        }
    };
}

pub const PASSWORD: &str = "correct-horse";
pub const XINFU: &str = "140902";
pub const DINGXIANG: &str = "140921";

impl TestApp {
    pub async fn add_user(&self, username: &str, role: model::sync::Role) {
        self.add_user_with(username, role, None).await;
    }

    /// An account with a 检查期 (交叉检查组).
    pub async fn add_user_with(
        &self,
        username: &str,
        role: model::sync::Role,
        assignment: Option<model::assignment::Assignment>,
    ) {
        let user = yinhuan_server::auth::NewUser {
            username: username.to_owned(),
            display_name: format!("{username} 的名字"),
            role,
            assignment,
        };
        yinhuan_server::auth::create_user(&self.state.db, &user, PASSWORD)
            .await
            .expect("create user");
    }

    /// Creates the account and signs in; returns the bearer token.
    pub async fn user(&self, username: &str, role: model::sync::Role) -> String {
        self.add_user(username, role).await;
        self.login(username).await
    }

    pub async fn login(&self, username: &str) -> String {
        let res = self
            .post_json(
                "/api/login",
                None,
                serde_json::json!({"username": username, "password": PASSWORD, "device_id": "dev-test"}),
            )
            .await;
        assert_eq!(res.status(), axum::http::StatusCode::OK);
        body_json(res).await["token"].as_str().unwrap().to_owned()
    }

    pub async fn post_json(
        &self,
        uri: &str,
        token: Option<&str>,
        body: serde_json::Value,
    ) -> Response<Body> {
        let mut req = Request::post(uri).header("content-type", "application/json");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        self.request(req.body(Body::from(body.to_string())).unwrap())
            .await
    }

    pub async fn get_auth(&self, uri: &str, token: &str) -> Response<Body> {
        let req = Request::get(uri)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        self.request(req).await
    }

    /// Pushes changes and returns the outcomes (each `{"status": …}`), asserting a 200.
    pub async fn push(
        &self,
        token: &str,
        changes: Vec<serde_json::Value>,
    ) -> Vec<serde_json::Value> {
        let res = self
            .post_json(
                "/api/sync/push",
                Some(token),
                serde_json::json!({"device_id": "dev-test", "changes": changes}),
            )
            .await;
        assert_eq!(res.status(), axum::http::StatusCode::OK);
        let body = body_json(res).await;
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["outcome"].clone())
            .collect()
    }

    pub async fn pull(&self, token: &str, cursor: i64, limit: usize) -> serde_json::Value {
        let res = self
            .get_auth(
                &format!("/api/sync/pull?cursor={cursor}&limit={limit}"),
                token,
            )
            .await;
        assert_eq!(res.status(), axum::http::StatusCode::OK);
        body_json(res).await
    }

    /// Every record the user can pull, following the pages to the end.
    pub async fn pull_all(&self, token: &str) -> Vec<serde_json::Value> {
        let mut cursor = 0;
        let mut out = Vec::new();
        loop {
            let page = self.pull(token, cursor, 50).await;
            out.extend(page["changes"].as_array().unwrap().iter().cloned());
            cursor = page["cursor"].as_i64().unwrap();
            if !page["more"].as_bool().unwrap() {
                return out;
            }
        }
    }

    pub async fn count(&self, sql: &str) -> i64 {
        // Tests' own statements (some built with an id in them), never user input.
        yinhuan_server::with_pool!(&self.state.db, pool =>
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await)
        .unwrap()
    }

    /// Stores a record straight in the database, as an old client, a hand edit or a bug may have
    /// left it: the push checks never see it. `county` overrides what the body says.
    pub async fn store_raw(&self, kind: &str, id: uuid::Uuid, body: &str, county: Option<&str>) {
        let value: serde_json::Value =
            serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
        let text = |key: &str| {
            value
                .get(key)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let county = county.map(str::to_owned).or(text("county"));
        let enterprise = match kind {
            "enterprise" => Some(id.to_string()),
            _ => text("enterprise_id"),
        };
        let stage = text("stage");
        yinhuan_server::with_pool!(&self.state.db, pool => {
            let rev: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(rev), 0) + 1 FROM records")
                .fetch_one(pool)
                .await
                .unwrap();
            sqlx::query(
                "INSERT INTO records (id, kind, rev, body, deleted, updated_at, county, \
                 enterprise_id, stage_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id.to_string())
            .bind(kind)
            .bind(rev)
            .bind(body)
            .bind(false)
            .bind(1_736_000_000_000_i64)
            .bind(county)
            .bind(enterprise)
            .bind(stage)
            .execute(pool)
            .await
            .unwrap();
        });
    }

    /// Runs one statement directly on the database (to set up a state the API cannot reach).
    pub async fn execute(&self, sql: &str) {
        yinhuan_server::with_pool!(&self.state.db, pool =>
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await.map(|r| r.rows_affected()))
        .unwrap();
    }
}

pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

fn meta(id: uuid::Uuid, base_rev: i64) -> serde_json::Value {
    serde_json::json!({
        "id": id, "rev": base_rev, "base_rev": base_rev, "created_at": 1_733_000_000_000_i64,
        "updated_at": 1_733_000_000_000_i64, "deleted": false, "dirty": true,
        "device_id": "dev-test", "updated_by": "tester"
    })
}

/// A change carrying an enterprise in `county`.
pub fn enterprise_change(
    id: uuid::Uuid,
    county: &str,
    base_rev: i64,
    name: &str,
) -> serde_json::Value {
    serde_json::json!({
        "id": id, "kind": "enterprise", "base_rev": base_rev, "deleted": false,
        "body": {
            "meta": meta(id, base_rev), "name": name, "credit_code": null, "county": county,
            "zone": null, "industry": "metallurgy", "tags": [], "scale": "sme"
        }
    })
}

/// The inspection [`hazard_change`] files a hazard of `enterprise` under (push it first, with
/// [`inspection_for`]): the server takes a hazard's scope from its stored inspection.
pub fn inspection_of(enterprise: uuid::Uuid) -> uuid::Uuid {
    uuid::Uuid::from_u128(enterprise.as_u128() ^ 0x5eed)
}

/// The 县级 inspection of `enterprise` that [`hazard_change`] refers to.
pub fn inspection_for(enterprise: uuid::Uuid) -> serde_json::Value {
    inspection_change(inspection_of(enterprise), enterprise, "city_county.county")
}

/// A change carrying a hazard of `enterprise`, in `state`, with `photos`.
pub fn hazard_change(
    id: uuid::Uuid,
    enterprise: uuid::Uuid,
    base_rev: i64,
    description: &str,
    state: &str,
    photos: &[&str],
) -> serde_json::Value {
    serde_json::json!({
        "id": id, "kind": "hazard", "base_rev": base_rev, "deleted": false,
        "body": {
            "meta": meta(id, base_rev), "inspection_id": inspection_of(enterprise),
            "enterprise_id": enterprise,
            "seq": 1, "found_on": "2024-12-10", "description": description, "photos": photos,
            "basis": {"free_text": "GB 30871"}, "kind": "general", "state": state,
            // What the model requires of a hazard in a later state.
            "completed_on": (state == "awaiting_review" || state == "closed").then_some("2024-12-20"),
            "reviews": if state == "closed" {
                serde_json::json!([{"reviewer": "李四", "date": "2024-12-21", "passed": true}])
            } else {
                serde_json::json!([])
            }
        }
    })
}

/// A change carrying an inspection of `enterprise` at `stage`.
pub fn inspection_change(id: uuid::Uuid, enterprise: uuid::Uuid, stage: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "kind": "inspection", "base_rev": 0, "deleted": false,
        "body": {
            "meta": meta(id, 0), "campaign_id": "xz-2024-216", "enterprise_id": enterprise,
            "stage": stage, "unit": "忻府区应急局", "inspectors": ["张三"], "date": "2024-12-10",
            "modules": ["s2.leader"],
            // A 交叉检查 names its 附件3 pair (定襄 inspects 忻府 here).
            "cross_pair": (stage == "cross").then(|| serde_json::json!({
                "inspector": "140921", "inspected": "140902"
            }))
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Photos: real, minimal images (the server checks their structure).

/// A real 8×8 grey baseline JPEG (decodable: one quantisation table, one-code Huffman tables,
/// a single block with DC 0 and an end-of-block), padded by a comment holding `n` so each
/// `n` is a different photo of about 5 kB.
pub fn valid_jpeg(n: u8) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    b.extend_from_slice(b"\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00");
    b.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x43, 0x00]);
    b.extend_from_slice(&[1; 64]);
    // SOF0: 8 bits, 8 lines, 8 samples per line, one component (id 1, 1×1, table 0).
    b.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00,
    ]);
    // DC and AC tables: one code of length 1 ("0") for symbol 0 (DC difference 0 / EOB).
    for class in [0x00, 0x10] {
        b.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x14, class, 0x01]);
        b.extend_from_slice(&[0; 15]);
        b.push(0x00);
    }
    let comment = vec![n; 4900];
    b.extend_from_slice(&[0xFF, 0xFE]);
    b.extend_from_slice(&(comment.len() as u16 + 2).to_be_bytes());
    b.extend_from_slice(&comment);
    b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    // Bits "0" (DC 0) and "0" (EOB), padded with ones.
    b.push(0x3F);
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

/// A real 1×1 grey PNG (pixel value `n`) as canvas.toBlob makes signatures: IHDR, one IDAT
/// (zlib, stored block), IEND, each with its CRC.
pub fn valid_png(n: u8) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = model::image_check::crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    let pixels = [0u8, n]; // filter type 0, one grey sample
    let (a, b) = pixels.iter().fold((1u32, 0u32), |(a, b), &x| {
        ((a + u32::from(x)) % 65521, (b + a + u32::from(x)) % 65521)
    });
    let mut zlib = vec![0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF];
    zlib.extend_from_slice(&pixels);
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

impl TestApp {
    /// The same app (database, directories) with its configuration changed.
    pub fn reconfigure(mut self, change: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = (*self.state.config).clone();
        change(&mut config);
        self.state.config = std::sync::Arc::new(config);
        self.router = app(self.state.clone());
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Backup and restore (tests/api/backup.rs): an app over a given data directory or database.

/// A test app serving the data directory `data` (e.g. one `restore` wrote) with a fresh
/// built-looking `dist/`; `database_url` as `DATABASE_URL` (None: the SQLite file in `data`).
pub async fn spawn_app_in(data: TempDir, database_url: Option<String>) -> TestApp {
    let (dist, _unused) = dirs(true);
    let mut config = Config::new(dist.path(), data.path());
    config.database_url = database_url;
    build(config, dist, data, None).await
}

/// An empty database on the test PostgreSQL server, dropped with this value; `None` (after
/// saying so) when no server is reachable, as for [`spawn_app_on_postgres`].
pub struct ScratchPostgres(PgTestDatabase);

impl ScratchPostgres {
    pub async fn create() -> Option<Self> {
        PgTestDatabase::create("yinhuan_test").await.map(Self)
    }

    pub fn url(&self) -> &str {
        &self.0.url
    }
}

impl TestApp {
    /// The `DATABASE_URL` of a PostgreSQL test app, `None` on SQLite.
    pub fn database_url(&self) -> Option<String> {
        self.state.config.database_url.clone()
    }
}

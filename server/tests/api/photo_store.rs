//! The photo store, one suite over its three backends: a local directory, memory, and a real
//! S3 server (`scripts/ensure-s3` starts s3s-fs on loopback; `REQUIRE_S3` makes its absence a
//! failure instead of a skip). Then the HTTP API on S3, and `photos migrate` local → S3.

use std::path::Path;
use std::time::Duration;

use axum::body::Body;
use axum::http::StatusCode;
use bytes::Bytes;
use futures_util::StreamExt;
use model::sync::{Role, MAX_PHOTO_BYTES};
use object_store::aws::AmazonS3Builder;
use serde_json::json;
use tempfile::TempDir;
use yinhuan_server::auth::sha256_hex;
use yinhuan_server::photos::{self, PhotoLocation, PhotoStore};
use yinhuan_server::AppError;

use crate::helpers::{
    body_bytes, body_json, enterprise_change, hazard_change, inspection_change, new_id,
    spawn_app_with_photos, valid_jpeg, XINFU,
};

#[derive(Clone, Copy, Debug)]
enum Kind {
    Local,
    Memory,
    S3,
}

/// The test S3 server's builder, or `None` (after saying so) when it is unreachable and
/// `REQUIRE_S3` is unset.
pub fn s3_builder() -> Option<AmazonS3Builder> {
    let endpoint =
        std::env::var("TEST_S3_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:9900".into());
    let host = endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let reachable = host
        .parse::<std::net::SocketAddr>()
        .ok()
        .is_some_and(|a| std::net::TcpStream::connect_timeout(&a, Duration::from_secs(2)).is_ok());
    if !reachable {
        if std::env::var_os("REQUIRE_S3").is_some() {
            panic!("REQUIRE_S3 is set but no S3 server answers at {endpoint} (scripts/ensure-s3 starts one)");
        }
        eprintln!("S3 server not reachable at {endpoint}: skipping this S3 test (set REQUIRE_S3=1 to make this an error)");
        return None;
    }
    Some(
        AmazonS3Builder::new()
            .with_endpoint(endpoint)
            .with_allow_http(true)
            // s3s-fs's fixed test keys (scripts/ensure-s3), unless another server's are given
            // (scripts/garage-once runs this suite against Garage).
            .with_region(setting("TEST_S3_REGION", "us-east-1"))
            .with_access_key_id(setting("TEST_S3_ACCESS_KEY", "yinhuan-test"))
            .with_secret_access_key(setting("TEST_S3_SECRET_KEY", "yinhuan-test-secret-key")),
    )
}

pub const TEST_BUCKET: &str = "yinhuan-test";

fn setting(var: &str, default: &str) -> String {
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// A unique prefix per test, so tests share the bucket without seeing each other.
fn unique_prefix() -> String {
    format!("t-{}", uuid::Uuid::now_v7().simple())
}

/// A store of `kind` with its data dir, or `None` for an unreachable S3 (see above).
fn store(kind: Kind) -> Option<(PhotoStore, TempDir)> {
    let data = tempfile::tempdir().unwrap();
    let store = match kind {
        Kind::Local => PhotoStore::open(
            &PhotoLocation::Local(data.path().join("photos")),
            data.path(),
        ),
        Kind::Memory => PhotoStore::open(&PhotoLocation::Memory, data.path()),
        Kind::S3 => PhotoStore::open_s3(s3_builder()?, TEST_BUCKET, &unique_prefix(), data.path()),
    }
    .unwrap();
    Some((store, data))
}

async fn receive(store: &PhotoStore, sha: &str, body: Body) -> Result<photos::Stored, AppError> {
    receive_as(store, "inspector", sha, body).await
}

async fn receive_as(
    store: &PhotoStore,
    uploader: &str,
    sha: &str,
    body: Body,
) -> Result<photos::Stored, AppError> {
    photos::receive(store, uploader, sha, body, MAX_PHOTO_BYTES, None).await
}

async fn listed(store: &PhotoStore) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = store
        .list()
        .map(|r| {
            let p = r.unwrap();
            (p.sha256, p.bytes)
        })
        .collect()
        .await;
    out.sort();
    out
}

fn spool_files(store: &PhotoStore) -> usize {
    std::fs::read_dir(store.spool_dir())
        .map(|d| d.count())
        .unwrap_or(0)
}

/// A valid JPEG of about `size` bytes: `valid_jpeg` with comment segments before the scan.
fn big_jpeg(n: u8, size: usize) -> Vec<u8> {
    let small = valid_jpeg(n);
    let sos = small
        .windows(2)
        .position(|w| w == [0xFF, 0xDA])
        .expect("SOS");
    let mut out = small[..sos].to_vec();
    while out.len() < size {
        let len: usize = 65_000;
        out.extend_from_slice(&[0xFF, 0xFE]);
        out.extend_from_slice(&(len as u16 + 2).to_be_bytes());
        out.extend(std::iter::repeat_n(n.wrapping_add(out.len() as u8), len));
    }
    out.extend_from_slice(&small[sos..]);
    out
}

async fn a_photo_is_stored_once_and_a_second_upload_is_a_no_op(kind: Kind) {
    let Some((store, _data)) = store(kind) else {
        return;
    };
    let bytes = valid_jpeg(7);
    let sha = sha256_hex(&bytes);
    assert_eq!(store.size_of(&sha).await.unwrap(), None);
    let first = receive(&store, &sha, Body::from(bytes.clone()))
        .await
        .unwrap();
    assert!(first.created);
    assert_eq!(first.bytes, bytes.len() as u64);
    let again = receive(&store, &sha, Body::from(bytes.clone()))
        .await
        .unwrap();
    assert!(!again.created, "{kind:?}: the second upload must not write");
    assert_eq!(store.read_all(&sha).await.unwrap().unwrap(), bytes);
    assert_eq!(listed(&store).await, vec![(sha, bytes.len() as u64)]);
    assert_eq!(spool_files(&store), 0, "{kind:?}: spool left behind");
}

async fn bytes_that_do_not_hash_to_their_name_are_refused_and_not_stored(kind: Kind) {
    let Some((store, _data)) = store(kind) else {
        return;
    };
    let bytes = valid_jpeg(8);
    let wrong = sha256_hex(b"something else");
    let err = receive(&store, &wrong, Body::from(bytes))
        .await
        .unwrap_err();
    assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(store.size_of(&wrong).await.unwrap(), None);
    assert!(listed(&store).await.is_empty());
    assert_eq!(spool_files(&store), 0);
}

async fn a_truncated_upload_stores_nothing(kind: Kind) {
    let Some((store, _data)) = store(kind) else {
        return;
    };
    let bytes = valid_jpeg(9);
    let sha = sha256_hex(&bytes);
    // The connection breaks halfway: the body stream ends in an error.
    let half = Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
    let cut = futures_util::stream::iter(vec![
        Ok::<Bytes, std::io::Error>(half),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "cut",
        )),
    ]);
    let err = receive(&store, &sha, Body::from_stream(cut))
        .await
        .unwrap_err();
    assert_eq!(err.status(), StatusCode::BAD_REQUEST);
    // The body simply ends early: the hash does not match.
    let short = receive(&store, &sha, Body::from(bytes[..bytes.len() - 10].to_vec()))
        .await
        .unwrap_err();
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(store.size_of(&sha).await.unwrap(), None);
    assert!(listed(&store).await.is_empty());
    assert_eq!(spool_files(&store), 0);
}

async fn concurrent_uploads_of_the_same_photo_store_it_once(kind: Kind) {
    let Some((store, _data)) = store(kind) else {
        return;
    };
    let bytes = valid_jpeg(10);
    let sha = sha256_hex(&bytes);
    let uploads = (0..8).map(|_| {
        let (store, sha, bytes) = (store.clone(), sha.clone(), bytes.clone());
        tokio::spawn(async move { receive(&store, &sha, Body::from(bytes)).await })
    });
    let results = futures_util::future::join_all(uploads).await;
    let created = results
        .into_iter()
        .map(|r| r.unwrap().expect("every upload succeeds"))
        .filter(|s| s.created)
        .count();
    assert!(created >= 1);
    if !matches!(kind, Kind::S3) {
        // Local (hard link) and memory refuse a second create; an S3 server without
        // conditional writes may let two identical PUTs both succeed, which is harmless.
        assert_eq!(created, 1, "{kind:?}");
    }
    assert_eq!(store.read_all(&sha).await.unwrap().unwrap(), bytes);
    assert_eq!(listed(&store).await, vec![(sha, bytes.len() as u64)]);
    assert_eq!(spool_files(&store), 0);
}

async fn a_large_photo_goes_up_in_parts_and_streams_back(kind: Kind) {
    let Some((store, _data)) = store(kind) else {
        return;
    };
    // Over SINGLE_PUT_MAX: the multipart path, in parts of that size.
    let bytes = big_jpeg(11, 9 * 1024 * 1024 + 123);
    assert!(bytes.len() as u64 > photos::store::SINGLE_PUT_MAX);
    let sha = sha256_hex(&bytes);
    let stored = receive(&store, &sha, Body::from(bytes.clone()))
        .await
        .unwrap();
    assert!(stored.created);
    let (size, mut stream) = store.read(&sha).await.unwrap().unwrap();
    assert_eq!(size, bytes.len() as u64);
    let mut back = Vec::new();
    let mut chunks = 0;
    while let Some(chunk) = stream.next().await {
        back.extend_from_slice(&chunk.unwrap());
        chunks += 1;
    }
    assert_eq!(back.len(), bytes.len());
    assert!(back == bytes, "{kind:?}: bytes differ");
    if !matches!(kind, Kind::Memory) {
        assert!(
            chunks > 1,
            "{kind:?}: a 9 MB read should stream in chunks, got {chunks}"
        );
    }
}

async fn a_missing_photo_is_none_and_deleting_it_is_harmless(kind: Kind) {
    let Some((store, _data)) = store(kind) else {
        return;
    };
    let sha = sha256_hex(b"never stored");
    assert_eq!(store.size_of(&sha).await.unwrap(), None);
    assert!(store.read(&sha).await.unwrap().is_none());
    assert!(store.read_all(&sha).await.unwrap().is_none());
    store.delete(&sha).await.unwrap();
    store.probe().await.unwrap();
}

async fn migrate_copies_verifies_and_resumes(kind: Kind) {
    let Some((target, _tdata)) = store(kind) else {
        return;
    };
    let (source, _sdata) = store(Kind::Local).unwrap();
    let photos: Vec<Vec<u8>> = (20..26).map(valid_jpeg).collect();
    for p in &photos {
        receive(&source, &sha256_hex(p), Body::from(p.clone()))
            .await
            .unwrap();
    }
    // One already there (a run cut off after it), and one damaged in the source.
    target
        .put_bytes(&sha256_hex(&photos[0]), Bytes::from(photos[0].clone()))
        .await
        .unwrap();
    let damaged_sha = sha256_hex(&photos[5]);
    let damaged_path = source
        .local_dir()
        .unwrap()
        .join(&damaged_sha[..2])
        .join(&damaged_sha);
    std::fs::write(&damaged_path, b"bit rot").unwrap();

    let first = photos::migrate::migrate(&source, &target, |_| {})
        .await
        .unwrap();
    assert_eq!(first.listed, 6);
    assert_eq!(first.copied, 4);
    assert_eq!(first.present, 1);
    assert_eq!(first.damaged, vec![damaged_sha.clone()]);
    for p in &photos[..5] {
        assert_eq!(
            &target.read_all(&sha256_hex(p)).await.unwrap().unwrap()[..],
            &p[..]
        );
    }
    assert_eq!(target.size_of(&damaged_sha).await.unwrap(), None);
    // Run again: everything is verified in place, nothing copied.
    let again = photos::migrate::migrate(&source, &target, |_| {})
        .await
        .unwrap();
    assert_eq!((again.copied, again.present), (0, 5));
}

macro_rules! every_backend {
    ($($name:ident),* $(,)?) => {
        mod local {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name(super::Kind::Local).await }
            )*
        }
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name(super::Kind::Memory).await }
            )*
        }
        mod s3 {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() { super::$name(super::Kind::S3).await }
            )*
        }
    };
}

every_backend!(
    a_photo_is_stored_once_and_a_second_upload_is_a_no_op,
    bytes_that_do_not_hash_to_their_name_are_refused_and_not_stored,
    a_truncated_upload_stores_nothing,
    concurrent_uploads_of_the_same_photo_store_it_once,
    a_large_photo_goes_up_in_parts_and_streams_back,
    a_missing_photo_is_none_and_deleting_it_is_harmless,
    migrate_copies_verifies_and_resumes,
);

/// Uploads whose bodies announce no size each reserve the most a photo may be: beyond
/// `ACCOUNT_UPLOAD_MEMORY`, one account's next uploads wait before reading a byte, while
/// another account's upload goes through at once (one account's many slow uploads take neither
/// the server's memory nor the others' turn); every one finishes once the others do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_beyond_an_accounts_memory_budget_wait_their_turn_and_others_do_not() {
    let (store, _data) = store(Kind::Memory).unwrap();
    // A name of its own: the budget is per account and process-wide.
    let greedy = format!("greedy-{}", uuid::Uuid::now_v7().simple());
    let at_once = (photos::ACCOUNT_UPLOAD_MEMORY as u64 / MAX_PHOTO_BYTES) as usize;
    let n = at_once + 3;
    let reading = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
    let uploads: Vec<_> = (0..n)
        .map(|i| {
            let bytes = valid_jpeg(100 + i as u8);
            let sha = sha256_hex(&bytes);
            let (store, reading, gate) = (store.clone(), reading.clone(), gate.clone());
            let greedy = greedy.clone();
            // A body that sends nothing until the gate opens, and counts when it is first read.
            let body = futures_util::stream::once(async move {
                reading.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                gate.acquire().await.unwrap().forget();
                Ok::<Bytes, std::io::Error>(Bytes::from(bytes))
            });
            tokio::spawn(
                async move { receive_as(&store, &greedy, &sha, Body::from_stream(body)).await },
            )
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        reading.load(std::sync::atomic::Ordering::SeqCst),
        at_once,
        "one account's uploads read at once"
    );
    // Meanwhile another account's photo is stored at once.
    let other = valid_jpeg(99);
    let other_sha = sha256_hex(&other);
    let stored = tokio::time::timeout(
        Duration::from_secs(10),
        receive_as(&store, "someone-else", &other_sha, Body::from(other)),
    )
    .await
    .expect("another account does not wait for the first one's uploads")
    .expect("and its photo is stored");
    assert!(stored.created);
    gate.add_permits(n);
    for upload in uploads {
        tokio::time::timeout(Duration::from_secs(30), upload)
            .await
            .expect("every upload finishes")
            .unwrap()
            .expect("every upload is stored");
    }
    assert_eq!(reading.load(std::sync::atomic::Ordering::SeqCst), n);
    assert_eq!(listed(&store).await.len(), n + 1);
}

/// An object store that is down: requests end in a few seconds with a 503 the app retries
/// later (not minutes of retries), and the upload leaves nothing behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_object_store_is_a_quick_503() {
    // A port nothing listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = tempfile::tempdir().unwrap();
    let builder = AmazonS3Builder::new()
        .with_endpoint(format!("http://127.0.0.1:{port}"))
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id("k")
        .with_secret_access_key("s");
    let store = PhotoStore::open_s3(builder, TEST_BUCKET, "down", data.path()).unwrap();
    let started = std::time::Instant::now();
    let err = store.size_of(&sha256_hex(b"x")).await.unwrap_err();
    assert_eq!(err.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(err.code(), "photo_store_unavailable");
    let bytes = valid_jpeg(40);
    let err = receive(&store, &sha256_hex(&bytes), Body::from(bytes))
        .await
        .unwrap_err();
    assert_eq!(err.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < photos::store::STORE_RETRY_TIMEOUT * 2 + Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(spool_files(&store), 0);
}

/// Two servers (two app states on one database) and one bucket: a photo uploaded through one
/// is served by the other, and the orphan cleanup of either sees it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_bucket_share_photos_over_http() {
    let Some(builder) = s3_builder() else {
        return;
    };
    let prefix = unique_prefix();
    let make =
        |data: &Path| PhotoStore::open_s3(builder.clone(), TEST_BUCKET, &prefix, data).unwrap();
    let one = spawn_app_with_photos(make).await;
    let two_state = {
        let mut s = one.reopen().await;
        s.photos = make(&one.state.config.data_dir);
        s
    };
    let two = yinhuan_server::app(two_state.clone());
    let token = one.user("demo", Role::City).await;

    let bytes = valid_jpeg(30);
    let sha = sha256_hex(&bytes);
    let put = axum::http::Request::put(format!("/api/photos/{sha}"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "image/jpeg")
        .body(Body::from(bytes.clone()))
        .unwrap();
    assert_eq!(one.request(put).await.status(), StatusCode::CREATED);
    // A hazard using it, so it may be served.
    let (e, inspection) = (new_id(), new_id());
    let mut hazard = hazard_change(new_id(), e, 0, "护栏缺失", "open", &[&sha]);
    hazard["body"]["inspection_id"] = json!(inspection);
    let outcomes = one
        .push(
            &token,
            vec![
                enterprise_change(e, XINFU, 0, "照片测试厂"),
                inspection_change(inspection, e, "city_county.county"),
                hazard,
            ],
        )
        .await;
    assert_eq!(outcomes[2]["status"], "applied", "{outcomes:?}");

    use tower::ServiceExt;
    let check = axum::http::Request::post("/api/photos/check")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(json!({ "hashes": [sha] }).to_string()))
        .unwrap();
    let res = two.clone().oneshot(check).await.unwrap();
    assert_eq!(body_json(res).await["missing"], json!([]));
    let get = axum::http::Request::get(format!("/api/photos/{sha}"))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let res = two.clone().oneshot(get).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(
        res.headers()["content-length"],
        bytes.len().to_string().as_str()
    );
    assert_eq!(body_bytes(res).await, bytes);

    // Referenced: the cleanup of server two keeps it even when "old".
    let cleaned = photos::clean_orphans(&two_state.db, &two_state.photos, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(cleaned.photos, 0);
    assert!(two_state.photos.size_of(&sha).await.unwrap().is_some());
}

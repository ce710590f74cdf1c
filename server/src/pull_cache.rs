//! Encoded pull pages, shared by every request that asks for the same page.
//!
//! Why: many devices of one scope pull the same pages (a county's phones after a campaign
//! starts, every device of the city office); building a page (the SQL, its JSON, gzip) cost
//! each of them the same CPU again, and with 200 devices at once that was what the requests
//! queued behind.
//!
//! # Exact
//! The key is everything a page depends on (`records::pull`): the database's instance id and
//! the committed change number `high`, read by the request in one statement, the role (its
//! scope), the county filter, the cursor, the limit and the encoding. Records are written only
//! by transactions that take a new change number, so a write anywhere — through this server or
//! any other on the same database — is followed by requests that read a higher `high` and miss;
//! pages under an older `high` are dropped then, and one built for an older `high` after that
//! is served to its own request but not kept. Two accounts share a page only when their roles
//! are equal (same scope). One request builds a missing page while the others asking for it
//! wait for it (1,000 devices starting at cursor 0 build page one once).
//!
//! # Bounded
//! At most [`PAGE_BUDGET`] bytes of pages (encoded), the oldest first out.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io::Write as _;
use std::sync::{Arc, Mutex};

use axum::http::header::ACCEPT_ENCODING;
use axum::http::HeaderMap;
use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;
use model::sync::Role;
use tokio::sync::OnceCell;

use crate::error::AppError;

/// Bytes of encoded pages kept (about 1,500 gzip pages of 200 records).
pub const PAGE_BUDGET: usize = 64 << 20;

/// Everything one page depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub instance_id: String,
    pub high: i64,
    pub role: Role,
    pub county: Option<String>,
    pub cursor: i64,
    pub limit: usize,
    pub gzip: bool,
}

/// A page as sent: the JSON, gzip-compressed when `gzip` is in its key.
#[derive(Debug, Clone)]
pub struct EncodedPage {
    pub body: Bytes,
    /// The page's `more` (the device pulls again at once).
    pub more: bool,
}

type Cell = Arc<OnceCell<EncodedPage>>;

#[derive(Debug)]
pub struct PullCache {
    budget: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// The newest (instance id, high) asked for: only its pages are kept.
    current: Option<(String, i64)>,
    pages: HashMap<PageKey, Cell>,
    /// Built pages, oldest first, with their sizes (for the budget).
    built: VecDeque<(PageKey, Cell, usize)>,
    bytes: usize,
}

impl Default for PullCache {
    fn default() -> Self {
        PullCache::with_budget(PAGE_BUDGET)
    }
}

impl PullCache {
    pub fn with_budget(budget: usize) -> Self {
        PullCache {
            budget,
            inner: Mutex::default(),
        }
    }

    /// The page for `key`: kept, being built by another request (then waits for it), or
    /// built now by `build`. An error is returned to this request only; the next one builds.
    pub async fn get_or_build<F>(&self, key: PageKey, build: F) -> Result<EncodedPage, AppError>
    where
        F: Future<Output = Result<EncodedPage, AppError>>,
    {
        let cell = {
            let mut inner = self.inner.lock().expect("pull cache lock");
            inner
                .admit(&key)
                .then(|| inner.pages.entry(key.clone()).or_default().clone())
        };
        let Some(cell) = cell else {
            return build.await;
        };
        let mut built_here = false;
        let page = cell
            .get_or_try_init(|| {
                built_here = true;
                build
            })
            .await?
            .clone();
        if built_here {
            let mut inner = self.inner.lock().expect("pull cache lock");
            // Not if the pages were dropped meanwhile (a newer `high`): then it is not kept.
            if inner.pages.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
                let size = page.body.len();
                inner.built.push_back((key, cell, size));
                inner.bytes += size;
                while inner.bytes > self.budget {
                    let Some((old, old_cell, size)) = inner.built.pop_front() else {
                        break;
                    };
                    inner.bytes -= size;
                    if inner
                        .pages
                        .get(&old)
                        .is_some_and(|c| Arc::ptr_eq(c, &old_cell))
                    {
                        inner.pages.remove(&old);
                    }
                }
            }
        }
        Ok(page)
    }

    /// Bytes of pages kept (for tests and logs).
    pub fn bytes(&self) -> usize {
        self.inner.lock().expect("pull cache lock").bytes
    }
}

impl Inner {
    /// Whether a page under `key`'s (instance, high) may be kept. A newer `high` (or another
    /// database) drops every page kept; an older one is not kept.
    fn admit(&mut self, key: &PageKey) -> bool {
        match &self.current {
            Some((instance, high)) if *instance == key.instance_id => {
                if key.high < *high {
                    return false;
                }
                if key.high == *high {
                    return true;
                }
            }
            _ => {}
        }
        self.current = Some((key.instance_id.clone(), key.high));
        self.pages.clear();
        self.built.clear();
        self.bytes = 0;
        true
    }
}

/// Whether the answer goes gzip-compressed: the client lists `gzip` (or `*`, without naming
/// gzip) with a non-zero q-value. The API's compression layer chose gzip in exactly those
/// cases (it offers no other encoding); otherwise the JSON goes as it is and the layers do
/// what they do for any answer.
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    for entry in headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut parts = entry.split(';');
        let name = parts.next().unwrap_or("").trim();
        let q_positive = parts
            .find_map(|p| {
                let p = p.trim();
                let q = p.strip_prefix("q=").or_else(|| p.strip_prefix("Q="))?;
                Some(q.trim().parse::<f32>().is_ok_and(|q| q > 0.0))
            })
            .unwrap_or(true);
        if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(gzip.unwrap_or(false) || q_positive);
        } else if name == "*" {
            any = Some(any.unwrap_or(false) || q_positive);
        }
    }
    gzip.or(any).unwrap_or(false)
}

/// gzip at the level the API's compression layer used (flate2's default, 6): the same bytes on
/// the wire as before, now computed once per page instead of once per request.
pub fn gzip(json: &[u8]) -> Bytes {
    let mut encoder = GzEncoder::new(Vec::with_capacity(json.len() / 4), Compression::default());
    encoder.write_all(json).expect("writing to memory");
    Bytes::from(encoder.finish().expect("writing to memory"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use std::io::Read as _;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn key(high: i64, cursor: i64) -> PageKey {
        PageKey {
            instance_id: "i".into(),
            high,
            role: Role::County("140902".into()),
            county: None,
            cursor,
            limit: 200,
            gzip: true,
        }
    }

    fn page(text: &str) -> EncodedPage {
        EncodedPage {
            body: Bytes::from(text.to_owned()),
            more: false,
        }
    }

    async fn get(cache: &PullCache, key: PageKey, text: &str, builds: &AtomicUsize) -> String {
        let built = cache
            .get_or_build(key, async {
                builds.fetch_add(1, Ordering::SeqCst);
                Ok(page(text))
            })
            .await
            .unwrap();
        String::from_utf8(built.body.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_page_is_built_once_until_high_moves() {
        let cache = PullCache::default();
        let builds = AtomicUsize::new(0);
        assert_eq!(get(&cache, key(5, 0), "a", &builds).await, "a");
        assert_eq!(get(&cache, key(5, 0), "b", &builds).await, "a");
        assert_eq!(builds.load(Ordering::SeqCst), 1);
        // Another role, cursor, limit or encoding is another page.
        let mut other = key(5, 0);
        other.role = Role::County("140921".into());
        assert_eq!(get(&cache, other, "c", &builds).await, "c");
        let mut other = key(5, 0);
        other.gzip = false;
        assert_eq!(get(&cache, other, "d", &builds).await, "d");
        assert_eq!(get(&cache, key(5, 1), "e", &builds).await, "e");
        // A write moved high: built again; the older pages are gone.
        assert_eq!(get(&cache, key(6, 0), "f", &builds).await, "f");
        assert_eq!(cache.bytes(), 1);
        // A request that read the older high is answered but its page not kept.
        assert_eq!(get(&cache, key(5, 0), "g", &builds).await, "g");
        assert_eq!(get(&cache, key(5, 0), "h", &builds).await, "h");
        assert_eq!(cache.bytes(), 1);
        // Another database (restored): everything dropped.
        let mut restored = key(6, 0);
        restored.instance_id = "j".into();
        assert_eq!(get(&cache, restored, "i", &builds).await, "i");
        assert_eq!(get(&cache, key(6, 0), "k", &builds).await, "k");
        assert_eq!(builds.load(Ordering::SeqCst), 9);
    }

    #[tokio::test]
    async fn concurrent_requests_wait_for_one_build() {
        let cache = Arc::new(PullCache::default());
        let builds = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = tokio::sync::watch::channel(false);
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (cache, builds, mut rx) = (cache.clone(), builds.clone(), rx.clone());
                tokio::spawn(async move {
                    let page = cache
                        .get_or_build(key(1, 0), async move {
                            builds.fetch_add(1, Ordering::SeqCst);
                            rx.wait_for(|go| *go).await.unwrap();
                            Ok(page("x"))
                        })
                        .await
                        .unwrap();
                    page.body
                })
            })
            .collect();
        tokio::task::yield_now().await;
        tx.send(true).unwrap();
        for t in tasks {
            assert_eq!(t.await.unwrap(), "x");
        }
        assert_eq!(builds.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_build_is_not_kept_and_the_budget_holds() {
        let cache = PullCache::with_budget(3);
        let failed = cache
            .get_or_build(key(1, 0), async { Err(AppError::Internal("x".into())) })
            .await;
        assert!(failed.is_err());
        let builds = AtomicUsize::new(0);
        assert_eq!(get(&cache, key(1, 0), "ab", &builds).await, "ab");
        assert_eq!(get(&cache, key(1, 1), "cd", &builds).await, "cd");
        // Over 3 bytes: the oldest page went.
        assert_eq!(cache.bytes(), 2);
        assert_eq!(get(&cache, key(1, 1), "zz", &builds).await, "cd");
        assert_eq!(get(&cache, key(1, 0), "ef", &builds).await, "ef");
        assert_eq!(builds.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn gzip_only_when_the_client_accepts_it() {
        let accepts = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            accepts_gzip(&h)
        };
        assert!(accepts("gzip, deflate, br"));
        assert!(accepts("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts("*"));
        assert!(!accepts("gzip;q=0, *"));
        assert!(!accepts("br"));
        assert!(!accepts("identity"));
        assert!(!accepts("*;q=0"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn gzip_decodes_to_the_json() {
        let json = br#"{"changes":[],"cursor":0,"more":false,"instance_id":"x"}"#.repeat(50);
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&gzip(&json)[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, json);
    }
}

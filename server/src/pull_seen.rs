//! Recording pulls in the `devices` row (`admin::devices::synced`): when each device last
//! synced and how many changes it said were waiting, for the 管理 screens.
//!
//! Why not one write per pull request, as before: one device pulling 10,000 records in 50 pages
//! made 50 write transactions (each a commit with fsync, all queued behind the one SQLite write
//! lock, their waits holding pool connections the reads needed), and 1,000 devices at once
//! 50,000; they were the slowest requests of such a run. Now:
//! - a pull's last page (`more: false`, the sync run is through) is always recorded, and so is
//!   a page whose waiting count differs from what this server last recorded for the device or
//!   that comes [`INTERVAL`] after it (or after this server first saw the pull); the pages in
//!   between are not. A finished pull leaves the row it left before; a long one is seen at
//!   least every [`INTERVAL`].
//! - the records of requests arriving together are written in one transaction (group commit):
//!   the request that finds no write running writes everything queued, the others wait for
//!   theirs. Each request still answers only after its row is committed (or fails with it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::admin::devices::{self, Synced};
use crate::db::Db;
use crate::error::AppError;

/// Longest time a pull in progress goes unrecorded.
pub const INTERVAL: Duration = Duration::from_secs(30);
/// Devices remembered before the ones older than [`INTERVAL`] are forgotten.
const PRUNE_AT: usize = 10_000;

/// (username, device id) → since when this server's record of the device's pulls is due,
/// with the count it last recorded.
type Seen = HashMap<(String, String), (Instant, Option<i64>)>;
type Waiting = Vec<(Synced, oneshot::Sender<Result<(), String>>)>;

#[derive(Debug, Default)]
pub struct PullSeen {
    seen: Mutex<Seen>,
    /// Records waiting for the next transaction, each with its request's answer.
    queue: Mutex<Waiting>,
    /// Held while a batch is written.
    writing: Arc<tokio::sync::Mutex<()>>,
}

impl PullSeen {
    /// Records a pull page of `pull`'s device when [`must_write`](Self::must_write) says so,
    /// in one transaction with the other requests' arriving meanwhile.
    pub async fn record(&self, db: &Db, pull: Synced, last_page: bool) -> Result<(), AppError> {
        if !self.must_write(&pull.username, &pull.device_id, pull.pending, last_page) {
            return Ok(());
        }
        let (tx, rx) = oneshot::channel();
        self.queue.lock().expect("pull_seen queue").push((pull, tx));
        let writing = self.writing.clone().lock_owned().await;
        let batch = std::mem::take(&mut *self.queue.lock().expect("pull_seen queue"));
        // Empty: an earlier writer took this request's record too.
        if !batch.is_empty() {
            let db = db.clone();
            // A task of its own: a request cancelled meanwhile (its client gone) must not
            // cancel the write the others' answers wait for.
            tokio::spawn(async move {
                let _writing = writing;
                let (mut pulls, answers): (Vec<Synced>, Vec<_>) = batch.into_iter().unzip();
                // One lock order for every batch (PostgreSQL: two servers' batches touching
                // the same rows cannot deadlock); stable, so a device's later pull stays last.
                pulls.sort_by(|a, b| (&a.username, &a.device_id).cmp(&(&b.username, &b.device_id)));
                let result = devices::synced(&db, &pulls)
                    .await
                    .map_err(|e| e.to_string());
                for answer in answers {
                    answer.send(result.clone()).ok();
                }
            });
        }
        rx.await
            .map_err(|_| AppError::Internal("device record dropped".into()))?
            .map_err(|e| AppError::Internal(format!("recording the pull: {e}")))
    }

    /// Whether this pull page must write the device's row (see the module doc). When it says
    /// so the write is taken as done (a failed write fails the request; the device pulls
    /// again).
    pub fn must_write(
        &self,
        username: &str,
        device_id: &str,
        pending: Option<i64>,
        last_page: bool,
    ) -> bool {
        self.must_write_at(username, device_id, pending, last_page, Instant::now())
    }

    fn must_write_at(
        &self,
        username: &str,
        device_id: &str,
        pending: Option<i64>,
        last_page: bool,
        now: Instant,
    ) -> bool {
        let mut seen = self.seen.lock().expect("pull_seen lock");
        if seen.len() >= PRUNE_AT {
            seen.retain(|_, (at, _)| now.duration_since(*at) < INTERVAL);
        }
        let key = (username.to_owned(), device_id.to_owned());
        match seen.get(&key) {
            Some((at, p)) if *p == pending && now.duration_since(*at) < INTERVAL && !last_page => {
                false
            }
            // First seen: due within INTERVAL unless it ends first.
            None if !last_page => {
                seen.insert(key, (now, pending));
                false
            }
            _ => {
                seen.insert(key, (now, pending));
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_changed_and_late_pages_are_written() {
        let seen = PullSeen::default();
        assert!(
            !seen.must_write("li", "phone-1", Some(3), false),
            "first page"
        );
        assert!(
            !seen.must_write("li", "phone-1", Some(3), false),
            "a page in between"
        );
        assert!(
            seen.must_write("li", "phone-1", Some(3), true),
            "the last page"
        );
        assert!(
            seen.must_write("li", "phone-1", Some(3), true),
            "every last page"
        );
        assert!(
            seen.must_write("li", "phone-2", Some(3), true),
            "another device"
        );
        assert!(
            seen.must_write("wang", "phone-1", Some(3), true),
            "another account"
        );
        assert!(
            seen.must_write("li", "phone-1", Some(2), false),
            "the count changed"
        );
        assert!(
            seen.must_write("li", "phone-1", None, false),
            "the count unknown"
        );
        assert!(!seen.must_write("li", "phone-1", None, false));
        let later = Instant::now() + INTERVAL;
        assert!(
            seen.must_write_at("li", "phone-1", None, false, later),
            "long after"
        );
        assert!(!seen.must_write_at("li", "phone-1", None, false, later));
        let start = Instant::now();
        assert!(!seen.must_write_at("li", "phone-3", None, false, start));
        assert!(
            seen.must_write_at("li", "phone-3", None, false, start + INTERVAL),
            "a long pull"
        );
    }
}

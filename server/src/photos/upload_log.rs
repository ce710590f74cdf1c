//! Who stored a photo (`photo_uploads`) and its audit line, committed for several uploads at once.
//!
//! Why: every stored photo used to commit twice (its upload row, then its audit line), and
//! commits are serialised by the database (with SQLite's `synchronous=FULL`, one WAL fsync
//! each). With four uploads in flight the photos waited for one another's commits: 300 photos
//! made 600 commits in a row. Now an upload hands its two rows to this log and waits for them to
//! be committed; the uploads that arrive while a commit is running go into the next one (group
//! commit). Nothing is acknowledged earlier than before: the PUT answers only after the commit
//! that holds its rows, and a failed commit fails every upload in it (500, the app retries).
//!
//! The commit runs in its own task, so an upload whose client went away (its handler future
//! dropped) never leaves the others waiting.

use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::auth::now_ms;
use crate::db::Db;
use crate::error::AppError;
use crate::with_pool;

/// One stored photo to log.
#[derive(Debug, Clone)]
pub struct Upload {
    pub sha256: String,
    pub username: String,
    pub device_id: String,
    /// The audit line's detail (`auth::audit`'s, action `photo`).
    pub detail: serde_json::Value,
}

type Done = oneshot::Sender<Result<(), String>>;

#[derive(Default)]
struct Queue {
    waiting: Vec<(Upload, i64, Done)>,
    /// A task is committing; it takes whatever is waiting when its commit ends.
    writing: bool,
}

/// Shared by every request of a server (`AppState::upload_log`).
#[derive(Default)]
pub struct UploadLog {
    queue: Mutex<Queue>,
}

impl std::fmt::Debug for UploadLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UploadLog")
    }
}

/// Sets `writing` back should a commit task panic, so later uploads start a new one.
struct Unstick(Arc<UploadLog>);

impl Drop for Unstick {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Ok(mut q) = self.0.queue.lock() {
                q.writing = false;
            }
        }
    }
}

impl UploadLog {
    /// Records `upload` (its `photo_uploads` row, first upload of the bytes wins, and its audit
    /// line) and returns once they are committed.
    pub async fn record(self: &Arc<Self>, db: &Db, upload: Upload) -> Result<(), AppError> {
        let (done, committed) = oneshot::channel();
        let start = {
            let mut q = self.queue.lock().expect("upload log lock");
            // The time of the upload, not of the commit that logs it.
            q.waiting.push((upload, now_ms(), done));
            !std::mem::replace(&mut q.writing, true)
        };
        if start {
            tokio::spawn(Arc::clone(self).drain(db.clone()));
        }
        match committed.await {
            Ok(result) => result.map_err(AppError::Internal),
            Err(_) => Err(AppError::Internal(
                "照片记录未能保存（服务器内部错误），请稍后重试。".to_owned(),
            )),
        }
    }

    /// Commits what is waiting, again and again, until nothing is.
    async fn drain(self: Arc<Self>, db: Db) {
        let _unstick = Unstick(Arc::clone(&self));
        loop {
            let batch = {
                let mut q = self.queue.lock().expect("upload log lock");
                if q.waiting.is_empty() {
                    q.writing = false;
                    return;
                }
                std::mem::take(&mut q.waiting)
            };
            let result = commit(&db, &batch).await.map_err(|e| {
                tracing::error!(error = %e, photos = batch.len(), "photo upload log commit failed");
                e.to_string()
            });
            for (_, _, done) in batch {
                let _ = done.send(result.clone());
            }
        }
    }
}

async fn commit(db: &Db, batch: &[(Upload, i64, Done)]) -> Result<(), AppError> {
    with_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        for (u, at, _) in batch {
            sqlx::query(super::RECORD_UPLOAD)
                .bind(&u.sha256)
                .bind(&u.username)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            sqlx::query(crate::auth::AUDIT)
                .bind(at)
                .bind(&u.username)
                .bind(&u.device_id)
                .bind("photo")
                .bind(u.detail.to_string())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    });
    Ok(())
}

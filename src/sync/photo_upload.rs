//! The photo phase of a sync run: the photos the server lacks, several at a time while the link
//! is fast, one at a time on a weak one. When many photos wait on a fast link, several travel
//! in one request (`POST /api/photos/batch`): a request per photo cost more than its bytes
//! (the browser's fetch, the service worker, the server's bookkeeping). Each photo of a batch is
//! still answered on its own; a server or proxy that takes no batches gets single PUTs.
//!
//! A photo is 已上传 only once the server acknowledged it. The acknowledgements are written to
//! the store in batches, while the next photos are on the wire: one small transaction per photo
//! (and one more marking it 上传中 before its PUT) cost a third of the upload time of a
//! 300-photo sync on a fast link. A batch not yet written when the run is cut off only means
//! the next run asks the server (`/api/photos/check`), finds those photos there and marks them
//! without sending them again; nothing is marked early. A photo in flight stays 本机 in the
//! store (the run itself shows 上传照片 n/m); 上传中 rows are only those of older app versions.

use futures::future::LocalBoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};
use leptos::prelude::*;
use std::collections::{BTreeSet, HashSet, VecDeque};

use model::sync::{PhotoCheck, PhotoMissing};
use serde_json::Value;
use web_sys::Blob;

use super::api::{self, ApiError};
use super::status::SyncStatus;
use crate::photo::UploadState;
use crate::store::photos::PhotoState;
use crate::store::sync_rows::{self, RawRow};
use crate::store::{self, StoreError};

/// Photos not yet acknowledged: 本机, and 上传中 left behind by an older version's run that was
/// cut off; the server's check says which of those it already has.
pub(crate) async fn pending_photos(db: &rexie::Rexie) -> Result<Vec<PhotoState>, ApiError> {
    let mut out = store::photos::list_by_upload_state(db, UploadState::Local).await?;
    out.extend(store::photos::list_by_upload_state(db, UploadState::Uploading).await?);
    Ok(out)
}

/// Photo uploads in flight at most: enough to keep a good link busy while the server verifies
/// and stores the previous photos, few enough not to starve the pull that follows. (Measured
/// in Chromium on loopback: 300 photos of 200 kB take 1.6 s two at a time, 1.2 s four at a
/// time, 1.1 s eight at a time.)
pub const MAX_PHOTO_UPLOADS: usize = 4;
/// A photo answered this fast lets one more upload run beside the others.
const FAST_PHOTO_MS: i64 = 1_500;
/// Most photos in one request, and most bytes (a request cut off loses at most this much
/// work; on a fast link it is well under a second).
pub const MAX_PHOTOS_PER_REQUEST: usize = 8;
const BATCH_BYTES: f64 = 2.0 * 1024.0 * 1024.0;
/// A run with fewer photos to send than this sends them one by one: a handful of photos gains
/// nothing measurable from sharing requests, and a photo per request is acknowledged as soon as
/// it arrives.
const BATCH_FROM: usize = 32;
/// A photo answered this slowly means a weak link: back to one at a time, so each photo
/// finishes (and is kept as 已上传) as soon as the link allows instead of all crawling together.
const SLOW_PHOTO_MS: i64 = 6_000;

/// How many photo uploads run at once, learnt from how fast the server answers them. It starts at
/// one: the first photo probes the link (and the server: a 429 costs one upload, not four). The
/// measured answer time works on every browser; `navigator.connection` (effectiveType,
/// downlink) exists only in Chromium, not on iPhones, and reports a guess about the radio, not
/// this server's link (a county LAN behind a busy uplink looks "4g").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadGauge {
    limit: usize,
}

impl Default for UploadGauge {
    fn default() -> Self {
        UploadGauge { limit: 1 }
    }
}

impl UploadGauge {
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Photos the next request should carry when `waiting` of the run's `total` photos wait:
    /// one until the link has proven fast (all slots in use) and for a run of few photos;
    /// otherwise the waiting photos spread over the slots, at most [`MAX_PHOTOS_PER_REQUEST`]
    /// to a request (so the last ones still keep every slot busy).
    pub fn per_request(&self, waiting: usize, total: usize) -> usize {
        if self.limit < MAX_PHOTO_UPLOADS || total < BATCH_FROM {
            return 1;
        }
        waiting
            .div_ceil(self.limit)
            .clamp(1, MAX_PHOTOS_PER_REQUEST)
    }

    /// The server answered one upload (accepted or refused) after `ms` milliseconds.
    pub fn answered(&mut self, ms: i64) {
        if ms >= SLOW_PHOTO_MS {
            self.limit = 1;
        } else if ms < FAST_PHOTO_MS {
            self.limit = (self.limit + 1).min(MAX_PHOTO_UPLOADS);
        }
    }
}

/// One photo sent and what the server said about it.
struct Attempt {
    sha: String,
    answer: Result<(), ApiError>,
    bytes: f64,
}

/// Photos read from the store ahead of their upload, in one transaction: a slot that frees
/// starts its next PUT at once instead of waiting for a read of its own (300 reads one after
/// the other sat on the upload's path).
const READ_AHEAD: usize = 8;

/// What finished in the upload loop: a request (one photo or several, with the time it took),
/// a batch the server did not take (to send again one by one), the write of acknowledgements,
/// or the read of the next photos (`None`: the photo is no longer on this device).
enum Done {
    Upload(Vec<Attempt>, i64),
    Unbatched(Vec<(String, Blob)>),
    Marked(Result<(), StoreError>),
    Read(Result<Vec<(String, Option<Blob>)>, StoreError>),
}

/// The photo phase's progress not yet shown on the sync page. Shown at most every
/// [`Progress::EVERY_MS`]: redrawing the page for each photo (twice: its start, its answer)
/// cost 0.2–0.3 s of a 300-photo sync's 2.5 s; ten redraws a second still read as live.
#[derive(Default)]
struct Progress {
    step: Option<String>,
    uploaded: u32,
    bytes: f64,
    shown_at: i64,
}

impl Progress {
    const EVERY_MS: i64 = 100;

    /// Puts what changed into `status`, if `now` or enough time has passed since last time.
    fn show(&mut self, status: RwSignal<SyncStatus>, now: bool) {
        let at = crate::browser::now_ms();
        if self.step.is_none() && self.uploaded == 0 {
            return;
        }
        if !now && at - self.shown_at < Self::EVERY_MS {
            return;
        }
        self.shown_at = at;
        let (step, n, bytes) = (self.step.take(), self.uploaded, self.bytes);
        (self.uploaded, self.bytes) = (0, 0.0);
        status.update(|s| {
            if step.is_some() {
                s.step = step;
            }
            s.pending_photos = s.pending_photos.saturating_sub(n);
            s.pending_photo_bytes = (s.pending_photo_bytes - bytes).max(0.0);
            s.uploaded_photos += n;
        });
    }
}

/// Sends one photo; the caller records the answer.
async fn upload_one(token: &str, sha: String, blob: Blob) -> Done {
    let started = crate::browser::now_ms();
    let answer = api::put_blob(&format!("/api/photos/{sha}"), token, &blob).await;
    let ms = crate::browser::now_ms() - started;
    let bytes = f64::from(blob.size() as u32);
    Done::Upload(vec![Attempt { sha, answer, bytes }], ms)
}

/// Sends several photos in one request. The server answers each on its own; a whole refusal
/// of the batch by a server or proxy that does not take batches (an older server's 404, a
/// proxy's body limit 413, …) gives the photos back to be sent one by one.
async fn upload_group(token: &str, group: Vec<(String, Blob)>) -> Done {
    let started = crate::browser::now_ms();
    let result = api::post_photo_batch(token, &group).await;
    let ms = crate::browser::now_ms() - started;
    let answers = match result {
        Ok(result) => result.photos,
        Err(ApiError::Server {
            status: 400 | 404 | 405 | 411 | 413 | 415 | 422,
            ..
        }) => return Done::Unbatched(group),
        // Whatever ended the request (no network, signed out, server error) is each photo's.
        Err(e) => {
            let attempts = group
                .into_iter()
                .map(|(sha, blob)| Attempt {
                    sha,
                    answer: Err(e.clone()),
                    bytes: f64::from(blob.size() as u32),
                })
                .collect();
            return Done::Upload(attempts, ms);
        }
    };
    let attempts = group
        .into_iter()
        .map(|(sha, blob)| {
            let answer = match answers.iter().find(|a| a.sha256 == sha) {
                Some(a) if a.stored() => Ok(()),
                Some(a) => Err(ApiError::Server {
                    status: a.status,
                    code: a.code.clone().unwrap_or_else(|| a.status.to_string()),
                    message: a.message.clone().unwrap_or_else(|| {
                        format!("服务器返回错误 {}，稍后会自动重试。", a.status)
                    }),
                }),
                // Not acknowledged: not marked, and the next run asks the server again.
                None => Err(ApiError::Other("服务器的应答缺少一张照片".into())),
            };
            Attempt {
                sha,
                answer,
                bytes: f64::from(blob.size() as u32),
            }
        })
        .collect();
    Done::Upload(attempts, ms)
}

/// The server answered this photo (stored it or refused it on its own): the request went
/// through, so its time says how fast the link is.
fn answered(answer: &Result<(), ApiError>) -> bool {
    matches!(
        answer,
        Ok(())
            | Err(ApiError::Server {
                status: 413 | 415 | 422,
                ..
            })
    )
}

/// Takes up to `n` photos from the front of `ready` for one request, at most [`BATCH_BYTES`]
/// together unless a single photo is bigger.
fn take_group(ready: &mut VecDeque<(String, Blob)>, n: usize) -> Vec<(String, Blob)> {
    let mut group = Vec::new();
    let mut bytes = 0.0;
    while group.len() < n {
        let Some((_, blob)) = ready.front() else {
            break;
        };
        let size = blob.size();
        if !group.is_empty() && bytes + size > BATCH_BYTES {
            break;
        }
        bytes += size;
        group.extend(ready.pop_front());
    }
    group
}

/// The next photos to send, read in one transaction.
async fn read_next(
    db: &rexie::Rexie,
    hashes: Vec<String>,
) -> Result<Vec<(String, Option<Blob>)>, StoreError> {
    let photos = store::photos::get_photos(db, &hashes).await?;
    Ok(hashes
        .into_iter()
        .zip(photos)
        .map(|(sha, photo)| (sha, photo.map(|(_, blob)| blob)))
        .collect())
}

/// Marks `hashes` 已上传 in one transaction.
async fn mark_uploaded(db: &rexie::Rexie, hashes: Vec<String>) -> Result<(), StoreError> {
    store::photos::set_upload_states(db, &hashes, UploadState::Uploaded).await
}

/// Uploads the photos the server lacks, up to [`UploadGauge::limit`] at a time. A photo the
/// server refuses (damaged, cut off, not a JPEG/PNG, too big: 413/415/422) stays 本机, and the
/// others go on; the orphan limit (429) starts no further upload in this run. Either refusal is
/// returned as `Ok(Some(_))`: `run_once` pulls, then reports it, so the sync page shows it without
/// keeping other devices' updates out. A network error (or any other failure) starts no further
/// upload, lets the ones in flight finish — each is 已上传 only if the server acknowledged it —
/// and ends the run with that error, after the acknowledgements received are written.
pub async fn upload_photos(
    db: &rexie::Rexie,
    token: &str,
    status: RwSignal<SyncStatus>,
) -> Result<Option<ApiError>, ApiError> {
    let waiting = photos_of_waiting_records(db).await?;
    upload_photos_of(db, token, status, waiting).await
}

/// [`upload_photos`], the photos of the records still waiting to be pushed being known already
/// (the push of this run has just answered for each record: the rows it did not store). Reading
/// them from the store would wait for the push's acknowledgements being written.
pub async fn upload_photos_of(
    db: &rexie::Rexie,
    token: &str,
    status: RwSignal<SyncStatus>,
    waiting: BTreeSet<String>,
) -> Result<Option<ApiError>, ApiError> {
    let pending = pending_photos(db).await?;
    let mut hashes: Vec<String> = pending.iter().map(|p| p.sha256.clone()).collect();
    let mut seen: HashSet<String> = hashes.iter().cloned().collect();
    for sha in waiting {
        if !seen.contains(&sha) && store::photos::has_photo(db, &sha).await? {
            seen.insert(sha.clone());
            hashes.push(sha);
        }
    }
    if hashes.is_empty() {
        return Ok(None);
    }
    let check: PhotoMissing =
        api::post_json("/api/photos/check", Some(token), &PhotoCheck { hashes }).await?;
    let total = check.missing.len();
    let missing: HashSet<&String> = check.missing.iter().collect();
    // The server already has these bytes (another device, an earlier cut upload).
    let present: Vec<String> = pending
        .iter()
        .filter(|p| !missing.contains(&p.sha256))
        .map(|p| p.sha256.clone())
        .collect();
    store::photos::set_upload_states(db, &present, UploadState::Uploaded).await?;

    let mut gauge = UploadGauge::default();
    let mut in_flight: FuturesUnordered<LocalBoxFuture<'_, Done>> = FuturesUnordered::new();
    let mut queue = check.missing.into_iter();
    // Cleared when the server or a proxy on the way does not take a batch: one by one then.
    let mut batches = true;
    let mut ready: VecDeque<(String, Blob)> = VecDeque::new();
    let mut reading = false;
    let mut uploading = 0;
    // Acknowledged, not yet written; and whether a write is running (one at a time, so the
    // batches land in order and each waits for nothing but the store).
    let mut acked: Vec<String> = Vec::new();
    let mut marking = false;
    let mut started = 0;
    let mut refused = 0;
    let mut first_refusal = None;
    let mut limit = None;
    let mut failed = None;
    let mut store_failed = None;
    let mut shown = Progress::default();
    loop {
        let going = limit.is_none() && failed.is_none() && store_failed.is_none();
        let per_request = if batches {
            gauge.per_request(ready.len() + queue.len(), total)
        } else {
            1
        };
        while going && uploading < gauge.limit() {
            // A request waits for the photos being read rather than leave with fewer than its
            // share, unless the link would otherwise sit idle.
            if ready.len() < per_request && reading && uploading > 0 {
                break;
            }
            let mut group = take_group(&mut ready, per_request);
            if group.is_empty() {
                break;
            }
            started += group.len();
            uploading += 1;
            shown.step = Some(format!("上传照片 {started}/{total}…"));
            in_flight.push(if group.len() == 1 {
                let (sha, blob) = group.remove(0);
                Box::pin(upload_one(token, sha, blob))
            } else {
                Box::pin(upload_group(token, group))
            });
        }
        // Enough read ahead for every slot's next request.
        let wanted = (per_request * gauge.limit()).max(MAX_PHOTO_UPLOADS);
        if going && !reading && ready.len() < wanted {
            let next: Vec<String> = queue.by_ref().take(wanted.max(READ_AHEAD)).collect();
            if !next.is_empty() {
                reading = true;
                in_flight.push(Box::pin(
                    async move { Done::Read(read_next(db, next).await) },
                ));
            }
        }
        if !marking && !acked.is_empty() && store_failed.is_none() {
            marking = true;
            let batch = std::mem::take(&mut acked);
            in_flight.push(Box::pin(async move {
                Done::Marked(mark_uploaded(db, batch).await)
            }));
        }
        shown.show(status, false);
        let Some(done) = in_flight.next().await else {
            break;
        };
        let attempts = match done {
            Done::Marked(result) => {
                marking = false;
                if let Err(e) = result {
                    // A store error ends the run: no new upload, and the acknowledgements
                    // not written are found on the server by the next run.
                    store_failed.get_or_insert(e);
                }
                continue;
            }
            Done::Read(result) => {
                reading = false;
                match result {
                    // A photo deleted meanwhile (its hazard discarded) is simply not sent.
                    Ok(photos) => ready.extend(
                        photos
                            .into_iter()
                            .filter_map(|(sha, blob)| Some((sha, blob?))),
                    ),
                    // Like a cut link: no new upload, the acknowledgements received are written.
                    Err(e) => {
                        failed.get_or_insert(e.into());
                    }
                }
                continue;
            }
            Done::Unbatched(group) => {
                uploading -= 1;
                started -= group.len();
                batches = false;
                for photo in group.into_iter().rev() {
                    ready.push_front(photo);
                }
                continue;
            }
            Done::Upload(attempts, ms) => {
                uploading -= 1;
                // The link's speed, from a request the server answered.
                if attempts.iter().any(|a| answered(&a.answer)) {
                    gauge.answered(ms);
                }
                attempts
            }
        };
        for attempt in attempts {
            match attempt.answer {
                Ok(()) => {
                    acked.push(attempt.sha);
                    // Counted in memory (the run ends with a full recount): recounting the store
                    // after every photo cost more than the upload itself on a 300-photo sync.
                    shown.uploaded += 1;
                    shown.bytes += attempt.bytes;
                }
                Err(
                    e @ ApiError::Server {
                        status: 413 | 415 | 422,
                        ..
                    },
                ) => {
                    refused += 1;
                    first_refusal.get_or_insert(e);
                }
                Err(e @ ApiError::Server { status: 429, .. }) => {
                    limit.get_or_insert(e);
                }
                Err(e) => {
                    failed.get_or_insert(e);
                }
            }
        }
    }
    shown.show(status, true);
    if let Some(e) = store_failed {
        return Err(e.into());
    }
    // The last acknowledgements, whatever ended the run.
    if !acked.is_empty() {
        mark_uploaded(db, acked).await?;
    }
    if let Some(e) = failed {
        return Err(e);
    }
    if let Some(ApiError::Server { message, .. }) = &mut first_refusal {
        *message = format!("{refused} 张照片未被服务器接受，仍保留在本机：{message}");
    }
    Ok(limit.or(first_refusal))
}

/// Photos of records still waiting to be pushed (refused, or in conflict). Marked 已上传 here,
/// they may have been deleted by the server as orphans meanwhile (no stored record referred to
/// them), so they are checked again and re-sent when missing: the record must find them.
async fn photos_of_waiting_records(db: &rexie::Rexie) -> Result<BTreeSet<String>, ApiError> {
    Ok(photos_of(&sync_rows::dirty_rows(db, None).await?))
}

/// The photos `rows` use (a row that is not JSON uses none).
pub(crate) fn photos_of<'a>(rows: impl IntoIterator<Item = &'a RawRow>) -> BTreeSet<String> {
    rows.into_iter()
        .filter_map(|row| serde_json::from_str::<Value>(&row.body).ok())
        .flat_map(|body| model::sync::photo_refs(&body))
        .collect()
}

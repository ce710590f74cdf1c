//! One sync run: push what changed here, upload missing photos (several at a time while the
//! link is fast), pull until caught up. Every step is idempotent and saves its progress, so a cut connection, a closed tab or
//! a killed server only means the next run continues where this one stopped.

use futures::future::{Either, LocalBoxFuture};
use leptos::prelude::*;
use std::collections::{BTreeSet, HashMap};

use model::sync::{
    same_content, Change, PullResponse, PushOutcome as Outcome, PushRequest, PushResponse,
    ServerRecord,
};
use serde_json::Value;

use super::api::{self, ApiError};
use super::photo_upload::pending_photos;
// The photo phase lives in its own module; its API stays reachable here.
use super::photo_upload::{photos_of, upload_photos_of};
pub use super::photo_upload::{
    upload_photos, UploadGauge, MAX_PHOTOS_PER_REQUEST, MAX_PHOTO_UPLOADS,
};
use super::status::SyncStatus;
use crate::photo::UploadState;
use crate::store::sync_rows::{self, RawRow};
use crate::store::{self, StoreError};

/// Changes per push request: small enough for a weak 2G/3G link to finish in one try.
const PUSH_BATCH: u32 = 25;
/// A batch that came back this fast doubles the next one, up to the server's limit: a weak link
/// keeps small batches (each one a retry unit), office wifi gets few round trips.
const FAST_BATCH_MS: i64 = 1_500;
const BATCH_BYTES: usize = model::sync::MAX_PUSH_BYTES / 2;
const PULL_PAGE: u32 = 200;

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Other(e.to_string())
    }
}

fn parse(text: &str) -> Result<Value, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError::Other(format!("本机记录无法读取：{e}")))
}

fn meta_i64(body: &Value, key: &str) -> i64 {
    body.get("meta")
        .and_then(|m| m.get(key))
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

/// Sets the sync fields of a record body's `meta`.
fn set_meta(body: &mut Value, rev: i64, base_rev: i64, dirty: bool) {
    if let Some(m) = body.get_mut("meta").and_then(Value::as_object_mut) {
        m.insert("rev".into(), rev.into());
        m.insert("base_rev".into(), base_rev.into());
        m.insert("dirty".into(), dirty.into());
    }
}

pub async fn run_once(status: RwSignal<SyncStatus>) -> Result<(), ApiError> {
    let session = super::session::current().ok_or(ApiError::Unauthorized)?;
    if session.user.must_change_password {
        // The server refuses every sync until the administrator's one-time password is
        // replaced; saying so here spares a round trip and names the place to do it.
        return Err(ApiError::Server {
            status: 403,
            code: "must_change_password".into(),
            message: MUST_CHANGE_PASSWORD.into(),
        });
    }
    let token = session.token.as_str();
    let db = store::db().await?;
    // The queue's counts, which the run keeps up in memory; the rows read go out first. The
    // records needing attention are recounted at the end only: that reads every sync entry
    // (≈ 40 ms per 1,000 records), and what the run refuses changes it anyway.
    let queued = count_queue(&db, status).await?;

    let result = async {
        status.update(|s| s.step = Some("上传记录…".into()));
        // The photos go once every record waiting has been answered by the server (so none
        // arrives before its record), while the acknowledgements are still being written.
        let (all_sent, sent) = futures::channel::oneshot::channel();
        let photos = async {
            let Ok(waiting) = sent.await else {
                // The push failed before: its error ends the run.
                return Ok(None);
            };
            status.update(|s| s.step = Some("上传照片…".into()));
            upload_photos_of(&db, token, status, waiting).await
        };
        let (pushed, refused) =
            futures::future::join(push_all(&db, token, status, queued, all_sent), photos).await;
        let pushed = pushed?;
        // A photo the server refused does not keep other devices' updates out: the pull runs,
        // then the refusal becomes the run's error for the sync page.
        let refused = refused?;
        status.update(|s| s.step = Some("下载更新…".into()));
        // What is still waiting after the push, so an administrator can see a device that
        // holds unsent work (管理 → 账号 → 设备).
        let waiting = status.with_untracked(|s| s.pending_records + s.pending_photos);
        pull_all(&db, token, waiting, &pushed).await?;
        refused.map_or(Ok(()), Err)
    }
    .await;
    // Recounted from the store whether the run finished or was cut off: during the run the
    // counts were only kept up in memory.
    let counted = refresh_counts(&db, status).await;
    status.update(|s| s.step = None);
    result.and(counted)
}

/// Recounts the queue and the records needing attention for the badge and the sync page.
pub async fn refresh_counts(
    db: &rexie::Rexie,
    status: RwSignal<SyncStatus>,
) -> Result<(), ApiError> {
    let entries = sync_rows::all_entries(db).await?;
    let attention = entries
        .iter()
        .filter(|e| e.conflicts.is_some() || e.error.is_some())
        .count();
    count_queue(db, status).await?;
    status.update(|s| s.needs_attention = attention as u32);
    Ok(())
}

/// Recounts what waits to be sent (records, photos) and the photos sent; returns the records
/// waiting, as read.
async fn count_queue(
    db: &rexie::Rexie,
    status: RwSignal<SyncStatus>,
) -> Result<Vec<RawRow>, ApiError> {
    let dirty = sync_rows::dirty_rows(db, None).await?;
    let photos = pending_photos(db).await?;
    let uploaded = store::photos::count_by_upload_state(db, UploadState::Uploaded).await?;
    status.update(|s| {
        s.pending_records = dirty.len() as u32;
        s.pending_photos = photos.len() as u32;
        s.pending_photo_bytes = photos.iter().map(|p| f64::from(p.bytes)).sum();
        s.uploaded_photos = uploaded;
    });
    Ok(dirty)
}

/// Sends the records waiting: first `queued` (the dirty rows as just read), then, pass after
/// pass, what is still dirty. Says on `all_sent` when the server has answered for every row of
/// `queued` (before their acknowledgements are all written; dropped unsent if the push fails
/// before), with the photos of those it did not store. Returns the rev the server gave each
/// record it stored (the last, for a record sent twice), as written to the store.
async fn push_all(
    db: &rexie::Rexie,
    token: &str,
    status: RwSignal<SyncStatus>,
    queued: Vec<RawRow>,
    all_sent: futures::channel::oneshot::Sender<BTreeSet<String>>,
) -> Result<HashMap<String, i64>, ApiError> {
    let mut all_sent = Some(all_sent);
    let device_id = crate::settings::device_id();
    let mut pushed = HashMap::new();
    // Rows the user must look at are skipped; each pass sends only what is still dirty.
    let mut skipped = std::collections::HashSet::new();
    let mut queued = Some(queued);
    // Each pass reads the dirty rows once and sends them in batches; a row edited again while
    // its batch was in flight stays dirty (mark_pushed) and goes out in the next pass. Reading
    // the queue once per pass, not once per batch, keeps a 1,000-record sync linear.
    loop {
        let rows = match queued.take() {
            Some(rows) => rows,
            None => sync_rows::dirty_rows(db, None).await?,
        };
        let mut all: Vec<RawRow> = rows
            .into_iter()
            .filter(|r| !skipped.contains(&r.id))
            .collect();
        // References first (enterprise → inspection → hazard, penalty), as the server applies
        // them: a hazard never arrives in an earlier batch than its new inspection.
        all.sort_by_key(|r| model::accept::apply_order(&r.kind));
        if all.is_empty() {
            if let Some(tx) = all_sent.take() {
                let _ = tx.send(BTreeSet::new());
            }
            return Ok(pushed);
        }
        // The first pass's rows, to tell the photo phase which of them the server did not store.
        let first_pass = all_sent.is_some().then(|| all.clone());
        let mut stored = std::collections::HashSet::new();
        // The pass's sync entries in one read, with its rows: a read per batch sat between the
        // batches, behind the previous batch's acknowledgements (a read transaction waits for
        // the write transactions opened before it).
        let ids: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
        let entries = sync_rows::entries(db, &ids).await?;
        let total = all.len();
        let mut batches = all.into_iter().zip(entries).peekable();
        let mut done = 0;
        let mut size = PUSH_BATCH as usize;
        // Acknowledgements not yet written, and the write under way: they are written one
        // batch after the other while the next batches travel, and all of them before the
        // queue is read again (an acknowledged row must not be sent twice).
        let mut unwritten: Vec<(RawRow, i64)> = Vec::new();
        let mut writing: Option<LocalBoxFuture<'_, Result<Acked, ApiError>>> = None;
        while batches.peek().is_some() {
            // Also bounded by bytes, well under the server's 2 MB request limit.
            let mut rows = Vec::new();
            let mut bytes = 0;
            while let Some(row) = batches.next_if(|(r, _)| {
                rows.len() < size && (rows.is_empty() || bytes + r.body.len() < BATCH_BYTES)
            }) {
                bytes += row.0.body.len();
                rows.push(row);
            }
            done += rows.len();
            status.update(|s| s.step = Some(format!("上传记录 {done}/{total}…")));
            let started = crate::browser::now_ms();
            let send = push_batch(db, token, &device_id, rows, &mut skipped);
            futures::pin_mut!(send);
            let sent = loop {
                if writing.is_none() && !unwritten.is_empty() {
                    writing = Some(Box::pin(write_acks(db, std::mem::take(&mut unwritten))));
                }
                let Some(write) = writing.take() else {
                    break send.await;
                };
                match futures::future::select(send.as_mut(), write).await {
                    Either::Left((sent, write)) => {
                        writing = Some(write);
                        break sent;
                    }
                    Either::Right((written, _)) => count_acked(written?, status, &mut pushed),
                }
            };
            let sent = match sent {
                Ok(sent) => sent,
                Err(e) => {
                    // What the server acknowledged before stays acknowledged: those writes
                    // finish first, or the next run would send those records again.
                    finish_writes(db, writing, unwritten, status, &mut pushed).await?;
                    return Err(e);
                }
            };
            stored.extend(sent.iter().map(|(row, _)| row.id.clone()));
            unwritten.extend(sent);
            if crate::browser::now_ms() - started < FAST_BATCH_MS {
                size = (size * 2).min(model::sync::MAX_PUSH_CHANGES);
            }
        }
        if let (Some(tx), Some(rows)) = (all_sent.take(), first_pass) {
            let _ = tx.send(photos_of(rows.iter().filter(|r| !stored.contains(&r.id))));
        }
        finish_writes(db, writing, unwritten, status, &mut pushed).await?;
    }
}

/// The records whose acknowledgements were written, with their revs.
type Acked = Vec<(String, i64)>;

/// Waits for the acknowledgements being written, then writes those still waiting.
async fn finish_writes(
    db: &rexie::Rexie,
    writing: Option<LocalBoxFuture<'_, Result<Acked, ApiError>>>,
    unwritten: Vec<(RawRow, i64)>,
    status: RwSignal<SyncStatus>,
    pushed: &mut HashMap<String, i64>,
) -> Result<(), ApiError> {
    if let Some(write) = writing {
        count_acked(write.await?, status, pushed);
    }
    count_acked(write_acks(db, unwritten).await?, status, pushed);
    Ok(())
}

/// Records a batch's acknowledgements (see [`mark_pushed_all`]): all of them in one
/// transaction (one commit instead of one per record), or none and the next run sends them
/// again, which the server answers from what it already stored.
async fn write_acks(db: &rexie::Rexie, acked: Vec<(RawRow, i64)>) -> Result<Acked, ApiError> {
    if acked.is_empty() {
        return Ok(Vec::new());
    }
    mark_pushed_all(db, &acked).await?;
    Ok(acked.into_iter().map(|(row, rev)| (row.id, rev)).collect())
}

/// Counts written acknowledgements off the queue; `pushed` learns each record's rev.
fn count_acked(acked: Acked, status: RwSignal<SyncStatus>, pushed: &mut HashMap<String, i64>) {
    // Progress only: the full recount (conflicts, errors) runs once at the end of the run;
    // recounting after every batch read every sync entry each time.
    let n = acked.len() as u32;
    pushed.extend(acked);
    status.update(|s| s.pending_records = s.pending_records.saturating_sub(n));
}

/// Sends one batch and records each outcome but the acceptances: the rows the server applied,
/// with their revs, are returned for [`write_acks`].
async fn push_batch(
    db: &rexie::Rexie,
    token: &str,
    device_id: &str,
    rows: Vec<(RawRow, Option<sync_rows::SyncEntry>)>,
    skipped: &mut std::collections::HashSet<String>,
) -> Result<Vec<(RawRow, i64)>, ApiError> {
    {
        let mut changes = Vec::new();
        let mut sendable = Vec::new();
        for (row, entry) in rows {
            let entry = entry.unwrap_or_default();
            if entry.blocks_push(&row) {
                skipped.insert(row.id.clone());
                continue;
            }
            // A row that is not JSON cannot be sent; it is skipped (the lists name it as
            // unreadable), never failing the other rows' sync.
            let Ok(body) = parse(&row.body) else {
                skipped.insert(row.id.clone());
                continue;
            };
            let Ok(id) = row.id.parse() else {
                skipped.insert(row.id.clone());
                continue;
            };
            changes.push(Change {
                id,
                kind: row.kind.clone(),
                base_rev: meta_i64(&body, "base_rev"),
                deleted: body
                    .get("meta")
                    .and_then(|m| m.get("deleted"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                body,
            });
            sendable.push(row);
        }
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        let resp: PushResponse = api::post_json(
            "/api/sync/push",
            Some(token),
            &PushRequest {
                device_id: device_id.to_owned(),
                changes,
            },
        )
        .await?;
        let mut applied = Vec::new();
        for result in resp.results {
            let id = result.id.to_string();
            let Some(sent) = sendable.iter().find(|r| r.id == id) else {
                continue;
            };
            match result.outcome {
                Outcome::Applied { rev } => applied.push((sent.clone(), rev)),
                Outcome::Conflict {
                    server_rev,
                    server_body,
                    ..
                } => {
                    merge_in(db, &id, server_rev, server_body).await?;
                    if sync_rows::entry(db, &id)
                        .await?
                        .is_some_and(|e| e.conflicts.is_some())
                    {
                        skipped.insert(id);
                    }
                }
                Outcome::Rejected { code, message } => {
                    // A record sent before its enterprise or inspection reached the server is
                    // retried on the next run by itself; any other refusal waits for an edit.
                    let updated_at = if model::sync::is_retryable_refusal(&code) {
                        -1
                    } else {
                        sent.updated_at
                    };
                    sync_rows::update(db, &id, move |_, mut e| {
                        e.error = Some(message);
                        e.refused_at_update = updated_at;
                        Ok((None, Some(e)))
                    })
                    .await?;
                    skipped.insert(id);
                }
            }
        }
        Ok(applied)
    }
}

/// The server accepted `sent` at `rev`. The row is marked clean only if it was not edited
/// again while the push was in flight; otherwise it stays dirty, now based on `rev`.
pub async fn mark_pushed(db: &rexie::Rexie, sent: &RawRow, rev: i64) -> Result<(), ApiError> {
    mark_pushed_all(db, &[(sent.clone(), rev)]).await
}

/// [`mark_pushed`] for every row of a push batch, in one transaction.
pub async fn mark_pushed_all(db: &rexie::Rexie, acked: &[(RawRow, i64)]) -> Result<(), ApiError> {
    let mut items = Vec::with_capacity(acked.len());
    for (sent, rev) in acked {
        let rev = *rev;
        let mut body = parse(&sent.body)?;
        set_meta(&mut body, rev, rev, false);
        let acked_text = body.to_string();
        let sent = sent.clone();
        let id = sent.id.clone();
        items.push((
            id,
            move |row: Option<RawRow>, mut entry: sync_rows::SyncEntry| {
                entry.base = Some(acked_text.clone());
                entry.error = None;
                let Some(mut row) = row else {
                    return Ok((None, Some(entry)));
                };
                if row.updated_at == sent.updated_at && row.body == sent.body {
                    row.body = acked_text;
                    row.dirty = false;
                } else {
                    let mut current: Value = serde_json::from_str(&row.body)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    set_meta(&mut current, rev, rev, true);
                    row.body = current.to_string();
                }
                Ok((Some(row), Some(entry)))
            },
        ));
    }
    sync_rows::update_each(db, items).await?;
    Ok(())
}

/// The server has another version: merge field by field against the base. A clean merge is
/// queued for the next push; overlapping edits wait for the user in the conflict view.
pub async fn merge_in(
    db: &rexie::Rexie,
    id: &str,
    server_rev: i64,
    mut server_body: Value,
) -> Result<(), ApiError> {
    set_meta(&mut server_body, server_rev, server_rev, false);
    let server_text = server_body.to_string();
    sync_rows::update(db, id, move |row, mut entry| {
        let Some(mut row) = row else {
            return Ok((None, Some(entry)));
        };
        // A conflict already waits for the user and the server has nothing newer: merging
        // again would compare against the wrong base and could silently drop the other side.
        if entry.conflicts.is_some() && server_rev <= entry.server_rev {
            return Ok((None, None));
        }
        // A local row that is not JSON cannot be merged; it stays as it is (the unreadable
        // notice names it, its export keeps it) and never fails the pull of everything else.
        let Ok(local) = serde_json::from_str::<Value>(&row.body) else {
            return Ok((None, None));
        };
        // Without a base (never synced from here), the server version serves as the base:
        // every local field that differs then counts as a local edit.
        let base: Value = match &entry.base {
            Some(b) => serde_json::from_str(b).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            None => server_body.clone(),
        };
        let outcome = model::merge::merge(&base, &local, &server_body);
        let mut merged = outcome.merged.clone();
        set_meta(&mut merged, server_rev, server_rev, true);
        if outcome.is_clean() {
            // Rebased onto the server's version: that is the new base.
            entry.base = Some(server_text.clone());
            entry.server = None;
            entry.conflicts = None;
            row.body = merged.to_string();
            row.dirty = true;
        } else {
            // The base stays: a newer server version before the user chooses is merged
            // against the same base, so neither side's edits are lost.
            entry.server = Some(server_text.clone());
            entry.server_rev = server_rev;
            entry.conflicts = Some(
                serde_json::to_string(&outcome).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            );
        }
        Ok((Some(row), Some(entry)))
    })
    .await?;
    Ok(())
}

/// Meta key of the ids still to be confirmed against a restored server (see [`begin_reconcile`]).
const RECONCILE: &str = "reconcile_ids";

/// Said when the account still has the administrator's one-time password.
pub const MUST_CHANGE_PASSWORD: &str =
    "这是管理员设置的临时密码，请先在“同步”页修改密码，然后才能同步。";

/// Pulls every change after the cursor. `pushed`: what this run's push stored, at which rev
/// (see [`push_all`]).
async fn pull_all(
    db: &rexie::Rexie,
    token: &str,
    waiting: u32,
    pushed: &HashMap<String, i64>,
) -> Result<(), ApiError> {
    let waiting = waiting.to_string();
    let mut cursor: i64 = sync_rows::meta_get(db, "pull_cursor")
        .await?
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let known_instance = sync_rows::meta_get(db, "server_instance").await?;
    // A reconciliation cut off by a lost connection goes on where it stopped.
    let mut reconcile: Option<BTreeSet<String>> = sync_rows::meta_get(db, RECONCILE)
        .await?
        .and_then(|t| serde_json::from_str(&t).ok());
    let mut limit = PULL_PAGE as usize;
    loop {
        let started = crate::browser::now_ms();
        let page: PullResponse = api::get_json_with(
            &format!("/api/sync/pull?cursor={cursor}&limit={limit}"),
            Some(token),
            &[("X-Pending-Changes", waiting.as_str())],
        )
        .await?;
        // Like push batches: a page that came back fast doubles the next one, up to the
        // server's limit; a weak link keeps pages of 200 (a cut one is fetched again).
        if crate::browser::now_ms() - started < FAST_BATCH_MS {
            limit = (limit * 2).min(model::sync::MAX_PULL_LIMIT);
        }
        if known_instance
            .as_deref()
            .is_some_and(|k| k != page.instance_id)
            && cursor != 0
        {
            // The server's database was recreated or restored from a backup: its sequence
            // restarted, so pull from zero, and check every record this device holds as synced
            // against what the server now has.
            cursor = 0;
            reconcile = Some(begin_reconcile(db).await?);
            sync_rows::meta_put(db, "server_instance", &page.instance_id).await?;
            continue;
        }
        let recs = page
            .changes
            .into_iter()
            .filter_map(|rec| {
                let id = rec.id.to_string();
                let unconfirmed = reconcile.as_mut().is_some_and(|ids| ids.remove(&id));
                // This run's own changes coming back: the store already has each at this rev,
                // its acknowledgement written before the pull (an edit made since is based on
                // it, and merging would rebase it onto the version it is based on). Taking
                // them would only read every row and sync entry again. A record to confirm
                // after the server lost data is still checked.
                if !unconfirmed && pushed.get(&id) == Some(&rec.rev) {
                    return None;
                }
                Some((rec, unconfirmed))
            })
            .collect();
        apply_server_records(db, recs).await?;
        cursor = page.cursor;
        // Saved after every page, in one transaction: a cut connection resumes here, not from
        // the start.
        let cursor_text = cursor.to_string();
        let mut saved = vec![
            ("pull_cursor", cursor_text.as_str()),
            ("server_instance", page.instance_id.as_str()),
        ];
        let reconcile_text = match &reconcile {
            Some(ids) => {
                Some(serde_json::to_string(ids).map_err(|e| ApiError::Other(e.to_string()))?)
            }
            None => None,
        };
        if let Some(text) = &reconcile_text {
            saved.push((RECONCILE, text.as_str()));
        }
        sync_rows::meta_put_all(db, &saved).await?;
        if !page.more {
            if let Some(ids) = reconcile.take() {
                finish_reconcile(db, ids).await?;
            }
            return Ok(());
        }
    }
}

/// The ids of every record this device holds as synced: after the server lost its data (a
/// restore from an older backup), each must be confirmed by the re-pull or sent again.
pub async fn begin_reconcile(db: &rexie::Rexie) -> Result<BTreeSet<String>, ApiError> {
    let ids: BTreeSet<String> = sync_rows::all_rows(db)
        .await?
        .into_iter()
        .filter(|r| !r.dirty)
        .map(|r| r.id)
        .collect();
    let text = serde_json::to_string(&ids).map_err(|e| ApiError::Other(e.to_string()))?;
    sync_rows::meta_put(db, RECONCILE, &text).await?;
    Ok(ids)
}

/// Records the re-pulled server never sent: written after its backup, so lost there. They are
/// queued again as new to the server (their photos are re-checked with them), never dropped.
pub async fn finish_reconcile(db: &rexie::Rexie, ids: BTreeSet<String>) -> Result<(), ApiError> {
    for id in ids {
        sync_rows::update(db, &id, |row, mut entry| {
            let Some(mut row) = row.filter(|r| !r.dirty) else {
                return Ok((None, None));
            };
            let Ok(mut body) = serde_json::from_str::<Value>(&row.body) else {
                return Ok((None, None));
            };
            set_meta(&mut body, 0, 0, true);
            row.body = body.to_string();
            row.dirty = true;
            entry.base = None;
            Ok((Some(row), Some(entry)))
        })
        .await?;
    }
    sync_rows::meta_delete(db, RECONCILE).await?;
    Ok(())
}

/// Takes one pulled record. `unconfirmed`: the device held it as synced with a server that has
/// since been restored; a local version the server lacks is queued to be sent again.
pub async fn apply_server_record(
    db: &rexie::Rexie,
    rec: ServerRecord,
    unconfirmed: bool,
) -> Result<(), ApiError> {
    apply_server_records(db, vec![(rec, unconfirmed)]).await
}

/// [`apply_server_record`] for a whole pulled page: every record read and written in ONE
/// transaction (one commit per page instead of one per record: 1,000 pulled records cost
/// 1,000 transactions before), then the few that need a merge with a local edit, each in its
/// own, as before.
pub async fn apply_server_records(
    db: &rexie::Rexie,
    recs: Vec<(ServerRecord, bool)>,
) -> Result<(), ApiError> {
    let to_merge = std::cell::RefCell::new(Vec::new());
    let items: Vec<_> = recs
        .into_iter()
        .map(|(rec, unconfirmed)| {
            let id = rec.id.to_string();
            let to_merge = &to_merge;
            let step = move |row: Option<RawRow>, entry: sync_rows::SyncEntry| {
                take_server_record(rec, unconfirmed, row, entry, to_merge)
            };
            (id, step)
        })
        .collect();
    sync_rows::update_each(db, items).await?;
    for (id, rev, body) in to_merge.into_inner() {
        merge_in(db, &id, rev, body).await?;
    }
    Ok(())
}

/// What one pulled record does to the local row and its sync entry (see
/// [`apply_server_record`]); a row edited here is left for [`merge_in`] via `to_merge`.
fn take_server_record(
    rec: ServerRecord,
    unconfirmed: bool,
    row: Option<RawRow>,
    mut entry: sync_rows::SyncEntry,
    to_merge: &std::cell::RefCell<Vec<(String, i64, Value)>>,
) -> Result<(Option<RawRow>, Option<sync_rows::SyncEntry>), StoreError> {
    let id = rec.id.to_string();
    let mut body = rec.body;
    set_meta(&mut body, rec.rev, rec.rev, false);
    let text = body.to_string();
    let updated_at = meta_i64(&body, "updated_at");
    match row {
        // Not on this device, or unchanged here: take the server's version.
        None => {
            entry.base = Some(text.clone());
            let row = RawRow {
                id,
                kind: rec.kind,
                dirty: false,
                updated_at,
                body: text,
            };
            Ok((Some(row), Some(entry)))
        }
        Some(row) if !row.dirty => {
            let local = serde_json::from_str::<Value>(&row.body).ok();
            let local_rev = local.as_ref().map_or(0, |b| meta_i64(b, "rev"));
            if unconfirmed {
                if let Some(mut local) = local.filter(|l| !same_content(l, &body)) {
                    if local_rev >= rec.rev {
                        // Written here after the server's backup: the server lost it. Send it
                        // again on top of the version the server has.
                        set_meta(&mut local, rec.rev, rec.rev, true);
                        entry.base = Some(text);
                        let row = RawRow {
                            body: local.to_string(),
                            dirty: true,
                            ..row
                        };
                        return Ok((Some(row), Some(entry)));
                    }
                }
            }
            if local_rev >= rec.rev {
                return Ok((None, None));
            }
            entry.base = Some(text.clone());
            let row = RawRow {
                body: text,
                updated_at,
                ..row
            };
            Ok((Some(row), Some(entry)))
        }
        Some(_) => {
            to_merge.borrow_mut().push((id, rec.rev, body));
            Ok((None, None))
        }
    }
}

//! `photos migrate --to s3://…`: copies every photo of one store into another (a city moving
//! from `<data>/photos` to object storage), verifying every hash on both sides.
//!
//! Resumable by construction: a photo the target already holds is read back and hashed, and
//! copied again only if its bytes are wrong, so a run cut off anywhere is simply run again. The
//! source is never changed; the operator removes it after switching `serve --photos` over.

use futures_util::{StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};

use super::store::{Listed, PhotoStore};
use crate::error::AppError;

/// Photos copied at once: object stores reward a few requests in flight.
const IN_FLIGHT: usize = 8;

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// Photos in the source.
    pub listed: u64,
    /// Copied by this run (then read back from the target and verified).
    pub copied: u64,
    pub copied_bytes: u64,
    /// Already in the target with the right bytes.
    pub present: u64,
    /// In the target with wrong bytes, replaced by this run.
    pub repaired: u64,
    /// Source photos whose bytes do not hash to their name: not copied.
    pub damaged: Vec<String>,
    /// Gone from the source between the listing and the read (orphan cleanup).
    pub vanished: u64,
}

enum Outcome {
    Copied(u64),
    Present,
    Repaired,
    Damaged(String),
    Vanished,
}

/// Copies every photo of `from` into `to`. `progress` is called after each photo with the
/// running totals (for a progress line).
pub async fn migrate(
    from: &PhotoStore,
    to: &PhotoStore,
    mut progress: impl FnMut(&Migrated),
) -> Result<Migrated, AppError> {
    let mut totals = Migrated::default();
    let mut outcomes = from
        .list()
        .map_ok(|photo| copy_one(from, to, photo))
        .try_buffer_unordered(IN_FLIGHT);
    while let Some(outcome) = outcomes.next().await {
        totals.listed += 1;
        match outcome? {
            Outcome::Copied(bytes) => {
                totals.copied += 1;
                totals.copied_bytes += bytes;
            }
            Outcome::Present => totals.present += 1,
            Outcome::Repaired => totals.repaired += 1,
            Outcome::Damaged(sha) => totals.damaged.push(sha),
            Outcome::Vanished => totals.vanished += 1,
        }
        progress(&totals);
    }
    totals.damaged.sort();
    Ok(totals)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn copy_one(from: &PhotoStore, to: &PhotoStore, photo: Listed) -> Result<Outcome, AppError> {
    let sha = photo.sha256;
    if photo.bytes > model::sync::MAX_PHOTO_BYTES {
        // Nothing the server stored is this big: not a photo of ours.
        return Ok(Outcome::Damaged(sha));
    }
    let Some(bytes) = from.read_all(&sha).await? else {
        return Ok(Outcome::Vanished);
    };
    if sha256_hex(&bytes) != sha {
        return Ok(Outcome::Damaged(sha));
    }
    let mut wrong_in_target = false;
    if let Some(existing) = to.read_all(&sha).await? {
        if sha256_hex(&existing) == sha {
            return Ok(Outcome::Present);
        }
        wrong_in_target = true;
    }
    let len = bytes.len() as u64;
    if wrong_in_target {
        to.replace(&sha, bytes).await?;
    } else {
        to.put_bytes(&sha, bytes).await?;
    }
    // Read back: the receipt of a migration is the target's own bytes.
    match to.read_all(&sha).await? {
        Some(back) if sha256_hex(&back) == sha => {}
        _ => {
            return Err(AppError::Internal(format!(
                "photo {sha} did not read back intact from the target store"
            )))
        }
    }
    Ok(if wrong_in_target {
        Outcome::Repaired
    } else {
        Outcome::Copied(len)
    })
}

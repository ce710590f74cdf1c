//! Several photos in one request: `POST /api/photos/batch`.
//!
//! A sync with hundreds of photos on a good link paid more per request than per byte (one
//! `PUT /api/photos/{sha256}` each: the browser's fetch, the service worker, the server's
//! authentication and bookkeeping). The batch carries up to [`MAX_BATCH_PHOTOS`] photos; each is
//! still checked, stored and answered on its own, exactly as its own PUT would be, so one damaged
//! photo is refused alone and the others are kept. The app sends single PUTs on a weak link and
//! when only a few photos wait; a server without this endpoint (404) gets single PUTs too.
//!
//! The body is one line of JSON (the [`BatchManifest`]: hash, size and type of each photo, in
//! order) ending in `\n`, then the photos' bytes one after the other. The sizes say where each
//! photo ends; a body whose length does not add up was cut off or made by hand and is refused
//! whole, before anything is stored.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::validation::is_sha256_hex;

/// Most photos in one batch.
pub const MAX_BATCH_PHOTOS: usize = 16;
/// Most photo bytes in one batch (the manifest line aside). A photo bigger than this travels
/// alone in its own PUT.
pub const MAX_BATCH_BYTES: u64 = 8 * 1024 * 1024;
/// Longest manifest line the server reads before giving up.
pub const MAX_MANIFEST_BYTES: usize = 16 * 1024;
/// The batch body's media type.
pub const BATCH_CONTENT_TYPE: &str = "application/vnd.yinhuan.photo-batch";

/// One photo of a batch, in the order its bytes follow the manifest line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchPhoto {
    pub sha256: String,
    pub bytes: u64,
    /// As the `Content-Type` of a single PUT: `image/jpeg`, `image/png`, or empty / generic
    /// when the device does not know (the bytes decide).
    #[serde(default)]
    pub content_type: String,
}

/// The first line of a batch body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchManifest {
    pub photos: Vec<BatchPhoto>,
}

/// The server's answer for one photo of a batch: the status its own PUT would have had (201
/// stored, 200 already there, 413/415/422 refused, 429 orphan limit, 5xx failed), and the
/// message of a refusal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchAnswer {
    pub sha256: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl BatchAnswer {
    /// The server holds these bytes now (only then may the device mark the photo 已上传).
    pub fn stored(&self) -> bool {
        matches!(self.status, 200 | 201)
    }
}

/// The answer to a batch: one [`BatchAnswer`] per photo, in the manifest's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchResult {
    pub photos: Vec<BatchAnswer>,
}

/// Why a batch body is refused whole (nothing of it is stored).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("照片批次缺少清单行，请更新应用后重新同步。")]
    NoManifest,
    /// With the parser's words, for the server's log (not for the phone's screen).
    #[error("照片批次的清单无法读取，请更新应用后重新同步。")]
    BadManifest(String),
    #[error("照片批次是空的，请更新应用后重新同步。")]
    Empty,
    #[error("一批最多 {MAX_BATCH_PHOTOS} 张照片，请更新应用后重新同步。")]
    TooMany,
    #[error("照片批次的大小超过上限，请更新应用后重新同步。")]
    TooBig,
    #[error("照片编号应为 64 位小写十六进制的 SHA-256 值，请更新应用后重试。")]
    BadHash,
    #[error("同一张照片在一批中出现了两次，请更新应用后重新同步。")]
    Duplicate,
    #[error("照片批次不完整（应有 {expected} 字节照片内容，收到 {got} 字节），可能在传输中中断，请重新同步。")]
    Length { expected: u64, got: u64 },
}

/// The manifest line a device puts before the photos' bytes (JSON and `\n`).
pub fn manifest_line(photos: &[BatchPhoto]) -> String {
    let manifest = BatchManifest {
        photos: photos.to_vec(),
    };
    let mut line = serde_json::to_string(&manifest).expect("a manifest serialises");
    line.push('\n');
    line
}

/// Checks a manifest on its own: count, hashes, sizes, no photo twice. Returns the photo
/// bytes the body must carry after the manifest line.
pub fn check_manifest(manifest: &BatchManifest) -> Result<u64, BatchError> {
    let photos = &manifest.photos;
    if photos.is_empty() {
        return Err(BatchError::Empty);
    }
    if photos.len() > MAX_BATCH_PHOTOS {
        return Err(BatchError::TooMany);
    }
    let mut total: u64 = 0;
    for (i, p) in photos.iter().enumerate() {
        if !is_sha256_hex(&p.sha256) {
            return Err(BatchError::BadHash);
        }
        if photos[..i].iter().any(|q| q.sha256 == p.sha256) {
            return Err(BatchError::Duplicate);
        }
        total = total.saturating_add(p.bytes);
    }
    if total > MAX_BATCH_BYTES {
        return Err(BatchError::TooBig);
    }
    Ok(total)
}

/// Splits a whole batch body into its manifest and where each photo's bytes are in it, in
/// order (ranges, so the caller can hand out each photo without copying it).
pub fn split(body: &[u8]) -> Result<(BatchManifest, Vec<Range<usize>>), BatchError> {
    let head = &body[..body.len().min(MAX_MANIFEST_BYTES)];
    let end = head
        .iter()
        .position(|&b| b == b'\n')
        .ok_or(BatchError::NoManifest)?;
    let manifest: BatchManifest =
        serde_json::from_slice(&body[..end]).map_err(|e| BatchError::BadManifest(e.to_string()))?;
    let expected = check_manifest(&manifest)?;
    let got = (body.len() - end - 1) as u64;
    if got != expected {
        return Err(BatchError::Length { expected, got });
    }
    // The sizes add up to the body's length, so each range lies inside it.
    let mut at = end + 1;
    let ranges = manifest
        .photos
        .iter()
        .map(|p| {
            let range = at..at + p.bytes as usize;
            at = range.end;
            range
        })
        .collect();
    Ok((manifest, ranges))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(n: u8, bytes: u64) -> BatchPhoto {
        BatchPhoto {
            sha256: format!("{:064x}", n),
            bytes,
            content_type: "image/jpeg".into(),
        }
    }

    fn body(photos: &[BatchPhoto], data: &[&[u8]]) -> Vec<u8> {
        let mut out = manifest_line(photos).into_bytes();
        for d in data {
            out.extend_from_slice(d);
        }
        out
    }

    #[test]
    fn a_body_splits_into_its_photos_in_order() {
        let photos = [photo(1, 3), photo(2, 0), photo(3, 2)];
        let b = body(&photos, &[b"abc", b"", b"de"]);
        let (m, ranges) = split(&b).unwrap();
        assert_eq!(m.photos, photos);
        let parts: Vec<&[u8]> = ranges.into_iter().map(|r| &b[r]).collect();
        assert_eq!(parts, vec![&b"abc"[..], &b""[..], &b"de"[..]]);
    }

    #[test]
    fn a_cut_or_padded_body_is_refused_whole() {
        let photos = [photo(1, 3), photo(2, 2)];
        let cut = body(&photos, &[b"abc", b"d"]);
        assert_eq!(
            split(&cut).unwrap_err(),
            BatchError::Length {
                expected: 5,
                got: 4
            }
        );
        let long = body(&photos, &[b"abc", b"def"]);
        assert!(matches!(split(&long), Err(BatchError::Length { .. })));
        let msg = split(&cut).unwrap_err().to_string();
        assert!(msg.contains("不完整"), "{msg}");
    }

    #[test]
    fn malformed_manifests_are_refused_with_a_reason() {
        assert_eq!(
            split(b"no newline at all").unwrap_err(),
            BatchError::NoManifest
        );
        assert!(matches!(
            split(b"{not json\n"),
            Err(BatchError::BadManifest(_))
        ));
        assert_eq!(split(b"{\"photos\":[]}\n").unwrap_err(), BatchError::Empty);
        let mut bad = photo(1, 1);
        bad.sha256 = "ABC".into();
        assert_eq!(
            split(&body(&[bad], &[b"x"])).unwrap_err(),
            BatchError::BadHash
        );
        let twice = [photo(1, 1), photo(1, 1)];
        assert_eq!(
            split(&body(&twice, &[b"x", b"x"])).unwrap_err(),
            BatchError::Duplicate
        );
        let many: Vec<BatchPhoto> = (0..=MAX_BATCH_PHOTOS as u8).map(|n| photo(n, 0)).collect();
        assert_eq!(split(&body(&many, &[])).unwrap_err(), BatchError::TooMany);
        // A manifest line longer than the server reads is not looked for beyond it.
        let mut long = vec![b' '; MAX_MANIFEST_BYTES];
        long.extend_from_slice(b"\n");
        assert_eq!(split(&long).unwrap_err(), BatchError::NoManifest);
    }

    #[test]
    fn sizes_cannot_overflow_or_exceed_the_batch_limit() {
        let huge = [photo(1, u64::MAX), photo(2, u64::MAX)];
        assert_eq!(split(&body(&huge, &[])).unwrap_err(), BatchError::TooBig);
        let over = [photo(1, MAX_BATCH_BYTES), photo(2, 1)];
        assert_eq!(split(&body(&over, &[])).unwrap_err(), BatchError::TooBig);
        // The batch limit is below the single-photo limit, so no photo in a batch can be over
        // the single-photo limit.
        const { assert!(MAX_BATCH_BYTES < crate::sync::MAX_PHOTO_BYTES) };
    }

    #[test]
    fn answers_say_which_photos_are_stored() {
        let a = |status| BatchAnswer {
            sha256: "x".into(),
            status,
            code: None,
            message: None,
        };
        assert!(a(201).stored() && a(200).stored());
        assert!(!a(415).stored() && !a(422).stored() && !a(429).stored() && !a(500).stored());
    }
}

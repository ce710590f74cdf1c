//! The photo store: content-addressed files `photos/ab/<sha256>` under the data directory.
//!
//! An upload streams into `photos/tmp/` while its SHA-256 and size are computed; only a body
//! that is complete, within the size limit, hashes to the name it was sent under and starts
//! with JPEG/PNG/WebP magic bytes is synced to disk and renamed into place. Rename is atomic,
//! so a reader sees the whole photo or none, and a cut connection leaves nothing behind (the
//! temp file is removed when the upload's future is dropped, whatever the reason).

use std::path::{Path, PathBuf};

use axum::body::Body;
use futures_util::StreamExt;
use model::validation::is_sha256_hex;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::error::AppError;

/// An image type we accept, told by its first bytes.
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// `photos/ab/abcdef…` for a validated hash.
pub fn path_of(dir: &Path, sha256: &str) -> PathBuf {
    dir.join(&sha256[..2]).join(sha256)
}

/// A 400 unless `s` is a lower-case hex SHA-256.
pub fn check_hash(s: &str) -> Result<(), AppError> {
    if is_sha256_hex(s) {
        Ok(())
    } else {
        Err(AppError::BadRequest(
            "照片编号应为 64 位小写十六进制的 SHA-256 值，请更新应用后重试。".to_owned(),
        ))
    }
}

/// Removes the temp file unless it was renamed into place.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// What an upload stored.
pub struct Stored {
    pub bytes: u64,
    pub content_type: &'static str,
}

/// Streams `body` into the store under `sha256`, verifying everything before the rename.
pub async fn store(dir: &Path, sha256: &str, body: Body, max: u64) -> Result<Stored, AppError> {
    let tmp_dir = dir.join("tmp");
    tokio::fs::create_dir_all(&tmp_dir).await?;
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| AppError::Internal(format!("getrandom: {e}")))?;
    let mut temp = TempFile {
        path: tmp_dir.join(format!("{sha256}.{}.part", hex::encode(nonce))),
        keep: false,
    };
    let mut file = tokio::fs::File::create(&temp.path).await?;
    let mut hasher = Sha256::new();
    let mut head = Vec::with_capacity(12);
    let mut bytes: u64 = 0;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            tracing::info!(error = %e, "photo upload cut off");
            AppError::BadRequest("照片上传中断，请重试。".to_owned())
        })?;
        bytes += chunk.len() as u64;
        if bytes > max {
            return Err(too_big(max));
        }
        if head.len() < 12 {
            let take = (12 - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await?;
    }
    if hex::encode(hasher.finalize()) != sha256 {
        return Err(AppError::Unprocessable(
            "照片内容与编号（SHA-256）不符，可能在传输中损坏，请重新上传。".to_owned(),
        ));
    }
    let Some(content_type) = sniff(&head) else {
        return Err(AppError::UnsupportedMediaType(
            "只接受 JPEG、PNG 或 WebP 格式的照片。".to_owned(),
        ));
    };
    // The receipt tells the phone it may stop caring about this photo: it must be on disk.
    file.sync_all().await?;
    drop(file);
    let target = path_of(dir, sha256);
    let parent = target.parent().expect("hash path has a parent");
    tokio::fs::create_dir_all(parent).await?;
    tokio::fs::rename(&temp.path, &target).await?;
    temp.keep = true;
    if let Ok(d) = tokio::fs::File::open(parent).await {
        let _ = d.sync_all().await;
    }
    Ok(Stored {
        bytes,
        content_type,
    })
}

pub fn too_big(max: u64) -> AppError {
    AppError::PayloadTooLarge(format!(
        "照片过大（上限 {} MB），请在应用中压缩后重试。",
        max / (1024 * 1024)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_types_are_told_by_magic_bytes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some("image/png"));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b""), None);
    }
}

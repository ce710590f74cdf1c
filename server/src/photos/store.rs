//! Where photos are kept: a local directory (the default), S3-compatible object storage, or
//! memory (tests), all behind `object_store`, so the three backends have one set of semantics
//! and one test suite.
//!
//! Keys are content addressed, `ab/<sha256>` (under the bucket prefix on S3), the same layout
//! `<data>/photos` has always had, so an existing store is read as it is.
//!
//! **Uploads** are read into memory while their hash is computed and the image checked
//! (`super::receive`); only then are they published here:
//! - local: written to the spool, `<photos>/tmp` on the same file system, fsynced, then a hard
//!   link that fails when the name exists (create-only, no second copy of the bytes), fsynced;
//! - S3 / memory: a `PUT` with `If-None-Match: *` (create-only) for photos up to
//!   [`SINGLE_PUT_MAX`], else a multipart upload in parts of that size; a name already stored
//!   is looked up first and not written again. (`<data>/spool/photos` is only cleaned: older
//!   versions spooled there.) A store that ignores or does not implement conditional writes
//!   may let two uploads racing each other both write: the same verified bytes, because the name
//!   is the hash, so that is harmless.
//!
//! Memory per request stays bounded: the upload itself, at most `MAX_PHOTO_BYTES`, which the
//! structure check reads whole in any case. Reads stream from the store.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path as Key;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, RetryConfig};

use crate::error::AppError;

/// Photos up to this size go up in one `PUT`; larger ones as multipart in parts of this size
/// (S3's smallest part is 5 MiB).
pub const SINGLE_PUT_MAX: u64 = 8 * 1024 * 1024;

/// How long one store request may keep retrying before the client gets a 503.
pub const STORE_RETRY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// What `--photos` / `PHOTOS` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PhotoLocation {
    /// A directory on this machine (default `<data>/photos`).
    Local(PathBuf),
    /// `s3://bucket/prefix`: endpoint, region and keys from the `AWS_*` environment.
    S3 { bucket: String, prefix: String },
    /// Memory, for tests: gone when the process ends.
    Memory,
}

impl PhotoLocation {
    /// `s3://bucket[/prefix]`, `memory:`, or a directory path.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("--photos 不能为空：给出照片目录，或 s3://存储桶/前缀。".to_owned());
        }
        if s == "memory:" {
            return Ok(Self::Memory);
        }
        let Some(rest) = s.strip_prefix("s3://") else {
            if s.contains("://") {
                return Err(format!(
                    "不支持的照片存储地址“{s}”：只能是本机目录，或 s3://存储桶/前缀（S3 兼容的对象存储）。"
                ));
            }
            return Ok(Self::Local(PathBuf::from(s)));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !bucket_ok {
            return Err(format!(
                "存储桶名“{bucket}”不合规：应为 3–63 个小写字母、数字、连字符或点，例如 s3://yinhuan-photos/xinzhou。"
            ));
        }
        let prefix = prefix.trim_matches('/');
        if prefix
            .split('/')
            .any(|p| p == "." || p == ".." || (p.is_empty() && !prefix.is_empty()))
        {
            return Err(format!("前缀“{prefix}”不合规：不能含空段、. 或 ..。"));
        }
        Ok(Self::S3 {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        })
    }
}

impl std::fmt::Display for PhotoLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Local(dir) => write!(f, "{}", dir.display()),
            Self::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            Self::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
            Self::Memory => f.write_str("memory:"),
        }
    }
}

/// One stored photo, as a listing sees it.
#[derive(Clone, Debug)]
pub struct Listed {
    pub sha256: String,
    pub bytes: u64,
    /// Milliseconds since the epoch.
    pub modified_ms: i64,
}

/// The photo store of a server. Cheap to clone.
#[derive(Clone, Debug)]
pub struct PhotoStore {
    objects: Arc<dyn ObjectStore>,
    /// Where uploads are received before they are published.
    spool: PathBuf,
    /// `Some(dir)` for the local backend: publishing is a link inside it.
    local_root: Option<PathBuf>,
    location: PhotoLocation,
}

impl PhotoStore {
    /// Opens (creating a local directory if needed) the store at `location`. Makes no network
    /// call: an unreachable S3 endpoint shows at the first request (and in `check`).
    pub fn open(location: &PhotoLocation, data_dir: &Path) -> Result<Self, String> {
        match location {
            PhotoLocation::Local(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("无法创建照片目录 {}：{e}", dir.display()))?;
                let fs = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| format!("无法打开照片目录 {}：{e}", dir.display()))?
                    .with_fsync(true);
                Ok(Self {
                    objects: Arc::new(fs),
                    spool: dir.join("tmp"),
                    local_root: Some(dir.clone()),
                    location: location.clone(),
                })
            }
            // Path-style unless AWS_VIRTUAL_HOSTED_STYLE_REQUEST says otherwise: MinIO, Garage
            // and Ceph are addressed as endpoint/bucket/key.
            PhotoLocation::S3 { bucket, prefix } => {
                Self::open_s3(AmazonS3Builder::from_env(), bucket, prefix, data_dir)
            }
            PhotoLocation::Memory => Ok(Self {
                objects: Arc::new(InMemory::new()),
                spool: data_dir.join("spool").join("photos"),
                local_root: None,
                location: location.clone(),
            }),
        }
    }

    /// An S3 store from an explicit builder (tests; `open` reads the `AWS_*` environment).
    pub fn open_s3(
        builder: AmazonS3Builder,
        bucket: &str,
        prefix: &str,
        data_dir: &Path,
    ) -> Result<Self, String> {
        // reqwest is built without a crypto provider (see Cargo.toml): ring, as for the
        // server's own TLS. Already installed is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // object_store retries for up to 3 minutes by default: a phone's upload or a pull of
        // photos would hang that long on a store that is down. A few quick retries, then a 503
        // the app retries on its next sync.
        let retry = RetryConfig {
            max_retries: 3,
            retry_timeout: STORE_RETRY_TIMEOUT,
            ..RetryConfig::default()
        };
        let s3 = builder
            .with_bucket_name(bucket)
            .with_retry(retry)
            .build()
            .map_err(|e| {
                format!(
                    "S3 照片存储配置有误（{e}）。请设置 AWS_ENDPOINT_URL、AWS_REGION、\
                 AWS_ACCESS_KEY_ID、AWS_SECRET_ACCESS_KEY；http 地址还需 AWS_ALLOW_HTTP=true。"
                )
            })?;
        let objects: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(PrefixStore::new(s3, prefix))
        };
        Ok(Self {
            objects,
            spool: data_dir.join("spool").join("photos"),
            local_root: None,
            location: PhotoLocation::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.to_owned(),
            },
        })
    }

    pub fn location(&self) -> &PhotoLocation {
        &self.location
    }

    /// The local directory of a local store.
    pub fn local_dir(&self) -> Option<&Path> {
        self.local_root.as_deref()
    }

    /// Where a local store writes a photo before linking it into place (older versions also
    /// spooled uploads in progress here); cleaned of what a crash left.
    pub fn spool_dir(&self) -> &Path {
        &self.spool
    }

    fn key(sha256: &str) -> Key {
        Key::from(format!("{}/{sha256}", &sha256[..2]))
    }

    /// The stored size of a photo, `None` when it is not stored.
    pub async fn size_of(&self, sha256: &str) -> Result<Option<u64>, AppError> {
        match self.objects.head(&Self::key(sha256)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// A stored photo's bytes, streamed, and its size; `None` when it is not stored.
    pub async fn read(
        &self,
        sha256: &str,
    ) -> Result<Option<(u64, BoxStream<'static, Result<Bytes, std::io::Error>>)>, AppError> {
        match self.objects.get(&Self::key(sha256)).await {
            Ok(got) => {
                let size = got.meta.size;
                let stream = got.into_stream().map_err(std::io::Error::other).boxed();
                Ok(Some((size, stream)))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// A stored photo's bytes in memory (at most `MAX_PHOTO_BYTES` for anything the server
    /// stored): for the structure check of a photo stored earlier.
    pub async fn read_all(&self, sha256: &str) -> Result<Option<Bytes>, AppError> {
        let Some((size, mut stream)) = self.read(sha256).await? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(Some(out.into()))
    }

    /// Publishes a complete, verified photo under `sha256`, durably. `Ok(false)` when the name
    /// already held the photo (create-only: the stored bytes are the same, by their name).
    pub async fn publish(&self, sha256: &str, data: Bytes) -> Result<bool, AppError> {
        let key = Self::key(sha256);
        if let Some(root) = &self.local_root {
            // The spool is `<root>/tmp`, on the same file system. Written, synced and linked
            // into place in one blocking task: one hand-off per photo. Should the request be
            // dropped meanwhile, the task still finishes, and the photo is simply stored.
            let to = root.join(&sha256[..2]).join(sha256);
            let mut nonce = [0u8; 8];
            getrandom::fill(&mut nonce)
                .map_err(|e| AppError::Internal(format!("getrandom: {e}")))?;
            let spooled = self
                .spool
                .join(format!("{sha256}.{}.part", hex::encode(nonce)));
            let root = root.clone();
            return tokio::task::spawn_blocking(move || {
                let written =
                    write_synced(&spooled, &data).and_then(|()| link_durably(&root, &spooled, &to));
                if written.is_err() {
                    let _ = std::fs::remove_file(&spooled);
                }
                written
            })
            .await
            .map_err(|e| AppError::Internal(format!("photo publish task: {e}")))?
            .map_err(|e| {
                tracing::error!(error = %e, "photo store failed");
                store_unavailable()
            });
        }
        let bytes = data;
        if bytes.len() as u64 <= SINGLE_PUT_MAX {
            self.put_create(&key, bytes).await
        } else {
            self.put_multipart(&key, bytes).await?;
            Ok(true)
        }
    }

    /// Stores bytes already verified to hash to `sha256`, create-only (`photos migrate`).
    pub async fn put_bytes(&self, sha256: &str, bytes: Bytes) -> Result<bool, AppError> {
        self.put_create(&Self::key(sha256), bytes).await
    }

    /// Overwrites what is stored under `sha256` with bytes verified to hash to it: only for
    /// repairing an object whose bytes are wrong.
    pub async fn replace(&self, sha256: &str, bytes: Bytes) -> Result<(), AppError> {
        self.objects
            .put(&Self::key(sha256), PutPayload::from_bytes(bytes))
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn put_create(&self, key: &Key, bytes: Bytes) -> Result<bool, AppError> {
        // Not all S3 servers honour `If-None-Match: *` (Garage 2.5 overwrites): a look first
        // keeps a second upload of the same photo a no-op on every store; the conditional PUT
        // then narrows the race between two uploads arriving at once.
        match self.objects.head(key).await {
            Ok(_) => return Ok(false),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(unavailable(e)),
        }
        let create = PutOptions::from(PutMode::Create);
        match self
            .objects
            .put_opts(key, PutPayload::from_bytes(bytes.clone()), create)
            .await
        {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(object_store::Error::NotImplemented { .. }) => {
                self.objects
                    .put(key, PutPayload::from_bytes(bytes))
                    .await
                    .map_err(unavailable)?;
                Ok(true)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    /// A large photo in parts of [`SINGLE_PUT_MAX`] (slices of the one buffer, not copies).
    async fn put_multipart(&self, key: &Key, bytes: Bytes) -> Result<(), AppError> {
        let mut upload = self.objects.put_multipart(key).await.map_err(unavailable)?;
        let part = usize::try_from(SINGLE_PUT_MAX).expect("part size fits");
        for start in (0..bytes.len()).step_by(part) {
            let chunk = bytes.slice(start..(start + part).min(bytes.len()));
            if let Err(e) = upload.put_part(PutPayload::from(chunk)).await {
                let _ = upload.abort().await;
                return Err(unavailable(e));
            }
        }
        upload.complete().await.map_err(unavailable)?;
        Ok(())
    }

    /// Every stored photo (names that are not a hash under its shelf, such as the local
    /// spool, are skipped).
    pub fn list(&self) -> BoxStream<'static, Result<Listed, AppError>> {
        self.objects
            .list(None)
            .filter_map(|item| async move {
                match item {
                    Ok(meta) => {
                        let mut parts = meta.location.parts();
                        let shelf = parts.next()?;
                        let name = parts.next()?;
                        let sha = name.as_ref();
                        let ok = parts.next().is_none()
                            && model::validation::is_sha256_hex(sha)
                            && sha.starts_with(shelf.as_ref());
                        ok.then(|| {
                            Ok(Listed {
                                sha256: sha.to_owned(),
                                bytes: meta.size,
                                modified_ms: meta.last_modified.timestamp_millis(),
                            })
                        })
                    }
                    Err(e) => Some(Err(unavailable(e))),
                }
            })
            .boxed()
    }

    /// Deletes a photo; one already gone is not an error.
    pub async fn delete(&self, sha256: &str) -> Result<(), AppError> {
        match self.objects.delete(&Self::key(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// A round trip to the store (`check`, and startup): lists at most one key.
    pub async fn probe(&self) -> Result<(), String> {
        match self.objects.list(None).next().await {
            None | Some(Ok(_)) => Ok(()),
            Some(Err(e)) => Err(e.to_string()),
        }
    }
}

/// `data` as a new file at `path`, on disk before this returns.
fn write_synced(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::File::create_new(path)?;
    file.write_all(data)?;
    file.sync_all()
}

/// Publishes a synced spool file of the local store as `to` (`<root>/ab/<sha256>`),
/// create-only: a hard link, which fails when the name exists (`Ok(false)`: the same bytes,
/// by their name, stored by another upload), then an fsync of the shelf directory, which makes
/// the new name durable. The spool name is then removed without fsyncing the spool directory
/// (object_store's `rename_if_not_exists` did, one more fsync per photo): should a crash bring
/// it back, it is a second name of a complete, published photo, which the spool cleanup
/// (`clean_orphans`) removes, never a partial photo.
fn link_durably(root: &Path, from: &Path, to: &Path) -> std::io::Result<bool> {
    let shelf = to.parent().expect("a photo path has a shelf");
    if !shelf.is_dir() {
        std::fs::create_dir_all(shelf)?;
        // The new shelf's own entry in the root.
        std::fs::File::open(root)?.sync_all()?;
    }
    match std::fs::hard_link(from, to) {
        Ok(()) => {
            std::fs::File::open(shelf)?.sync_all()?;
            let _ = std::fs::remove_file(from);
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = std::fs::remove_file(from);
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// A failure of the store itself (S3 unreachable, refused, local disk error): a 503 the app
/// retries later, keeping its photo; the details go to the log.
pub fn unavailable(e: object_store::Error) -> AppError {
    tracing::error!(error = %e, "photo store failed");
    store_unavailable()
}

fn store_unavailable() -> AppError {
    AppError::Refused {
        status: axum::http::StatusCode::SERVICE_UNAVAILABLE,
        code: "photo_store_unavailable",
        message: "照片存储暂时不可用，请稍后重试；照片仍保存在本机。".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse() {
        assert_eq!(
            PhotoLocation::parse("s3://yinhuan-photos/xinzhou/2024").unwrap(),
            PhotoLocation::S3 {
                bucket: "yinhuan-photos".into(),
                prefix: "xinzhou/2024".into()
            }
        );
        assert_eq!(
            PhotoLocation::parse("s3://bucket").unwrap(),
            PhotoLocation::S3 {
                bucket: "bucket".into(),
                prefix: String::new()
            }
        );
        assert_eq!(
            PhotoLocation::parse("/var/lib/yinhuan/photos").unwrap(),
            PhotoLocation::Local("/var/lib/yinhuan/photos".into())
        );
        assert_eq!(
            PhotoLocation::parse("memory:").unwrap(),
            PhotoLocation::Memory
        );
        for bad in [
            "",
            "s3://",
            "s3://UPPER",
            "s3://a",
            "gs://b/c",
            "s3://ok-bucket/a//b",
            "s3://ok-bucket/../x",
        ] {
            assert!(PhotoLocation::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            PhotoLocation::parse("s3://b-1/p/").unwrap().to_string(),
            "s3://b-1/p"
        );
    }
}

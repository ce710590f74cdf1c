//! Backing up photos kept in object storage: the same `DIR/photos/ab/<sha256>` layout as a
//! local store's backup, downloaded instead of copied, hashed on the way, synced and renamed
//! into place, so both stores give backups that `restore` reads alike.

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use super::*;
use crate::photos::PhotoStore;

/// Copies every photo of `store` that `dst` lacks (same name and size = present).
pub(super) async fn copy_photos_from_store(
    store: &PhotoStore,
    dst: &Path,
) -> Result<PhotoCopy, Error> {
    let mut out = PhotoCopy::default();
    let mut touched = BTreeSet::new();
    let tmp_dir = dst.join("tmp");
    let mut listing = store.list();
    while let Some(photo) = listing.next().await {
        let photo = photo.map_err(store_err)?;
        let target = photo_path(dst, &photo.sha256);
        if fs::metadata(&target).is_ok_and(|m| m.is_file() && m.len() == photo.bytes) {
            // Fresh mtime: a prune running meanwhile must not take a photo this snapshot lists.
            let _ = File::options()
                .write(true)
                .open(&target)
                .and_then(|f| f.set_modified(SystemTime::now()));
            out.entries.push(PhotoEntry {
                sha256: photo.sha256,
                bytes: photo.bytes,
            });
            continue;
        }
        let Some((_, mut bytes)) = store.read(&photo.sha256).await.map_err(store_err)? else {
            continue; // deleted meanwhile (orphan cleanup): not in this snapshot
        };
        fs::create_dir_all(&tmp_dir).map_err(io_err("创建临时目录", &tmp_dir))?;
        let tmp_path = tmp_dir.join(format!("{}.{}.part", photo.sha256, random_hex()));
        let mut tmp = TempFile(Some(tmp_path.clone()));
        let mut file = tokio::fs::File::create(&tmp_path)
            .await
            .map_err(io_err("写入", &tmp_path))?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = bytes.next().await {
            let chunk = chunk.map_err(io_err("下载照片", &target))?;
            hasher.update(&chunk);
            size += chunk.len() as u64;
            file.write_all(&chunk)
                .await
                .map_err(io_err("写入", &tmp_path))?;
        }
        if hex::encode(hasher.finalize()) != photo.sha256 {
            out.damaged.push(photo.sha256);
            continue;
        }
        file.sync_all().await.map_err(io_err("写入", &tmp_path))?;
        drop(file);
        let parent = target.parent().expect("photo path has a parent");
        fs::create_dir_all(parent).map_err(io_err("创建目录", parent))?;
        fs::rename(&tmp_path, &target).map_err(io_err("保存照片", &target))?;
        tmp.0 = None;
        touched.insert(parent.to_owned());
        out.copied += 1;
        out.copied_bytes += size;
        out.entries.push(PhotoEntry {
            sha256: photo.sha256,
            bytes: size,
        });
    }
    for dir in &touched {
        sync_dir(dir);
    }
    sync_dir(dst);
    out.entries.sort_by(|a, b| a.sha256.cmp(&b.sha256));
    Ok(out)
}

fn store_err(e: crate::error::AppError) -> Error {
    Error::PhotoStore(e.to_string())
}

//! Copying photos and small files into a backup or a restore: hashed on the way, synced,
//! renamed into place, so a cut copy leaves no half file under a real name.

use super::*;

/// The photos one backup listed and what it copied.
#[derive(Debug, Default)]
pub(super) struct PhotoCopy {
    pub(super) entries: Vec<PhotoEntry>,
    pub(super) copied: u64,
    pub(super) copied_bytes: u64,
    pub(super) damaged: Vec<String>,
}

/// Copies every photo of the store `src` that `dst` lacks (same name and size = present).
pub(super) fn copy_photos(src: &Path, dst: &Path) -> Result<PhotoCopy, Error> {
    let mut out = PhotoCopy::default();
    let mut touched = BTreeSet::new();
    for (sha, path) in list_store(src)? {
        let Ok(meta) = fs::metadata(&path) else {
            continue; // deleted meanwhile (orphan cleanup): not in this snapshot
        };
        let target = photo_path(dst, &sha);
        if fs::metadata(&target).is_ok_and(|m| m.is_file() && m.len() == meta.len()) {
            // Fresh mtime: a prune running meanwhile must not take a photo this snapshot lists.
            let _ = File::options()
                .write(true)
                .open(&target)
                .and_then(|f| f.set_modified(SystemTime::now()));
            out.entries.push(PhotoEntry {
                sha256: sha,
                bytes: meta.len(),
            });
            continue;
        }
        match copy_verified(&path, &sha, &dst.join("tmp"), &target)? {
            Copied::Done(bytes) => {
                out.copied += 1;
                out.copied_bytes += bytes;
                touched.insert(target.parent().expect("photo path").to_owned());
                out.entries.push(PhotoEntry { sha256: sha, bytes });
            }
            Copied::Vanished => {}
            Copied::Mismatch => out.damaged.push(sha),
        }
    }
    for dir in &touched {
        sync_dir(dir);
    }
    sync_dir(dst);
    out.entries.sort_by(|a, b| a.sha256.cmp(&b.sha256));
    Ok(out)
}

/// Every `(sha256, path)` of a photo store laid out as `ab/<sha256>`.
pub(super) fn list_store(root: &Path) -> Result<Vec<(String, PathBuf)>, Error> {
    let mut out = Vec::new();
    let shelves = match fs::read_dir(root) {
        Ok(d) => d,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io_err("读取照片目录", root)(e)),
    };
    for shelf in shelves {
        let shelf = shelf.map_err(io_err("读取照片目录", root))?;
        let name = shelf.file_name().to_string_lossy().into_owned();
        if name.len() != 2 || !shelf.path().is_dir() {
            continue;
        }
        let files = fs::read_dir(shelf.path()).map_err(io_err("读取照片目录", &shelf.path()))?;
        for f in files.flatten() {
            let sha = f.file_name().to_string_lossy().into_owned();
            if is_sha256_hex(&sha) && sha.starts_with(&name) {
                out.push((sha, f.path()));
            }
        }
    }
    Ok(out)
}

/// `root/ab/<sha256>`.
pub(super) fn photo_path(root: &Path, sha256: &str) -> PathBuf {
    root.join(&sha256[..2]).join(sha256)
}

pub(super) enum Copied {
    Done(u64),
    /// The source is gone.
    Vanished,
    /// The source's bytes do not hash to `sha256`: nothing was written.
    Mismatch,
}

/// Removes a temp file unless it was renamed into place.
pub(super) struct TempFile(pub(super) Option<PathBuf>);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
        }
    }
}

/// Copies `src` to `target` through a temp file in `tmp_dir`, hashing on the way: only bytes
/// that hash to `sha256` are synced and renamed into place.
pub(super) fn copy_verified(
    src: &Path,
    sha256: &str,
    tmp_dir: &Path,
    target: &Path,
) -> Result<Copied, Error> {
    let mut input = match File::open(src) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Copied::Vanished),
        Err(e) => return Err(io_err("读取照片", src)(e)),
    };
    fs::create_dir_all(tmp_dir).map_err(io_err("创建临时目录", tmp_dir))?;
    let tmp_path = tmp_dir.join(format!("{sha256}.{}.part", random_hex()));
    let mut tmp = TempFile(Some(tmp_path.clone()));
    let mut out = File::create(&tmp_path).map_err(io_err("写入", &tmp_path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = input.read(&mut buf).map_err(io_err("读取照片", src))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])
            .map_err(io_err("写入", &tmp_path))?;
        bytes += n as u64;
    }
    if hex::encode(hasher.finalize()) != sha256 {
        return Ok(Copied::Mismatch);
    }
    out.sync_all().map_err(io_err("写入", &tmp_path))?;
    drop(out);
    let parent = target.parent().expect("photo path has a parent");
    fs::create_dir_all(parent).map_err(io_err("创建目录", parent))?;
    fs::rename(&tmp_path, target).map_err(io_err("保存照片", target))?;
    tmp.0 = None;
    Ok(Copied::Done(bytes))
}

/// Copies the regular files of `src` (not its sub-directories) into the new directory `dst`
/// (mode 0700, each file's permission bits kept), returning what was copied; nothing when
/// `src` does not exist. With `expected`, only those files, each checked against its entry.
pub(super) fn copy_small_files(
    src: &Path,
    dst: &Path,
    expected: Option<&[DataFile]>,
) -> Result<Vec<DataFile>, Error> {
    let names: Vec<String> = match expected {
        Some(list) => list.iter().map(|f| f.name.clone()).collect(),
        None => match fs::read_dir(src) {
            Ok(entries) => entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io_err("读取", src)(e)),
        },
    };
    if names.is_empty() {
        return Ok(Vec::new());
    }
    fs::create_dir_all(dst).map_err(io_err("创建目录", dst))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dst, fs::Permissions::from_mode(0o700))
            .map_err(io_err("设置权限", dst))?;
    }
    let mut out = Vec::new();
    for name in names {
        if name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(Error::BadPath(src.join(&name)));
        }
        let (from, to) = (src.join(&name), dst.join(&name));
        let (bytes, sha256) = copy_hashed(&from, &to)?;
        let perms = fs::metadata(&from)
            .map_err(io_err("读取", &from))?
            .permissions();
        fs::set_permissions(&to, perms).map_err(io_err("设置权限", &to))?;
        let file = DataFile {
            name,
            bytes,
            sha256,
        };
        if let Some(list) = expected {
            if !list.contains(&file) {
                return Err(Error::DataFileDamaged { path: from });
            }
        }
        out.push(file);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    sync_dir(dst);
    Ok(out)
}

/// Size and SHA-256 of a file, after syncing it to disk.
pub(super) fn hash_and_sync(path: &Path) -> Result<(u64, String), Error> {
    let mut f = File::options()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io_err("读取", path))?;
    f.sync_all().map_err(io_err("写入", path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(io_err("读取", path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((bytes, hex::encode(hasher.finalize())))
}

/// Copies `src` to `dst` (a new file), returning its size and SHA-256; synced.
pub(super) fn copy_hashed(src: &Path, dst: &Path) -> Result<(u64, String), Error> {
    let mut input = File::open(src).map_err(io_err("读取", src))?;
    let mut out = File::create_new(dst).map_err(io_err("写入", dst))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = input.read(&mut buf).map_err(io_err("读取", src))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(io_err("写入", dst))?;
        bytes += n as u64;
    }
    out.sync_all().map_err(io_err("写入", dst))?;
    Ok((bytes, hex::encode(hasher.finalize())))
}

pub(super) fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut f = File::create(path).map_err(io_err("写入", path))?;
    f.write_all(bytes).map_err(io_err("写入", path))?;
    f.sync_all().map_err(io_err("写入", path))
}

/// Makes a rename or a new file in `dir` durable (best effort: not every file system can).
pub(super) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

pub(super) fn random_hex() -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).expect("OS random numbers");
    hex::encode(b)
}

pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

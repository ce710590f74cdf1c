//! Runtime configuration, filled by `cli` from flags and environment variables.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the server listens, what it serves and where it keeps its data.
#[derive(Clone)]
pub struct Config {
    /// Socket address to listen on (`--addr`, `ADDR`).
    pub addr: SocketAddr,
    /// The PWA built by Trunk (`--dist`, `DIST_DIR`).
    pub dist_dir: PathBuf,
    /// Database file (when SQLite) and the photo store (`--data`, `DATA_DIR`).
    pub data_dir: PathBuf,
    /// `DATABASE_URL`: `postgres://…` or `sqlite:…`. `None` means the SQLite file
    /// [`Config::sqlite_path`], which is what a single county office needs.
    pub database_url: Option<String>,
    /// Most photos one account may have stored that no record references
    /// (`--max-orphan-photos`, `MAX_ORPHAN_PHOTOS`); one more upload is a 429.
    pub max_orphan_photos: u32,
    /// Photos no record references are deleted this many days after their upload
    /// (`--orphan-photo-days`, `ORPHAN_PHOTO_DAYS`; at least 1).
    pub orphan_photo_days: u32,
}

impl Config {
    pub const DEFAULT_ADDR: &'static str = "127.0.0.1:8080";
    pub const DEFAULT_DIST_DIR: &'static str = "dist";
    pub const DEFAULT_DATA_DIR: &'static str = "./data";
    /// File name of the default SQLite database inside `data_dir`.
    pub const SQLITE_FILE: &'static str = "yinhuan.db";
    pub const DEFAULT_MAX_ORPHAN_PHOTOS: u32 = 500;
    pub const DEFAULT_ORPHAN_PHOTO_DAYS: u32 = 7;

    /// Defaults for everything but the two directories; tests use this with temp dirs.
    pub fn new(dist_dir: impl Into<PathBuf>, data_dir: impl Into<PathBuf>) -> Self {
        Self {
            addr: Self::DEFAULT_ADDR
                .parse()
                .expect("default address is valid"),
            dist_dir: dist_dir.into(),
            data_dir: data_dir.into(),
            database_url: None,
            max_orphan_photos: Self::DEFAULT_MAX_ORPHAN_PHOTOS,
            orphan_photo_days: Self::DEFAULT_ORPHAN_PHOTO_DAYS,
        }
    }

    /// The SQLite file used when no `DATABASE_URL` is given.
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join(Self::SQLITE_FILE)
    }

    /// The photo store: `<data_dir>/photos`.
    pub fn photos_dir(&self) -> PathBuf {
        self.data_dir.join("photos")
    }

    /// How long a photo no record references is kept.
    pub fn orphan_photo_max_age(&self) -> Duration {
        Duration::from_secs(u64::from(self.orphan_photo_days) * 24 * 3600)
    }

    /// `index.html` of the built PWA.
    pub fn index_html(&self) -> PathBuf {
        index_html(&self.dist_dir)
    }
}

pub(crate) fn index_html(dist_dir: &Path) -> PathBuf {
    dist_dir.join("index.html")
}

// Hand-written so that a password inside DATABASE_URL never reaches a log line.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("dist_dir", &self.dist_dir)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_ref().map(|_| "<set, hidden>"),
            )
            .field("max_orphan_photos", &self.max_orphan_photos)
            .field("orphan_photo_days", &self.orphan_photo_days)
            .finish()
    }
}

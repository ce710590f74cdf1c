//! Runtime configuration, filled by `cli` from flags and environment variables.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the server listens, what it serves and where it keeps its data.
#[derive(Clone)]
pub struct Config {
    /// Plain-http address of the whole app (`--addr`, `ADDR`). Served when no certificate is
    /// configured; with one, only when given explicitly ([`Config::addr_set`]).
    pub addr: SocketAddr,
    /// Whether `--addr` / `ADDR` was given.
    pub addr_set: bool,
    /// `--listen`, `LISTEN`: where the app is served, https when a certificate is configured
    /// (default [`Config::DEFAULT_HTTPS_LISTEN`]), else plain http.
    pub listen: Option<SocketAddr>,
    /// `--tls-cert` / `--tls-key` (`TLS_CERT`, `TLS_KEY`): a certificate the office already has.
    /// Without them `<data>/tls/server.pem` + `server.key` (from `tls init`) are used if present.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// The plain-http port that redirects to https and serves the onboarding page.
    pub http_redirect: HttpRedirect,
    /// `--behind-proxy`, `BEHIND_PROXY`: the reverse proxy whose `X-Forwarded-For` /
    /// `X-Forwarded-Proto` are believed, for connections from that address only.
    pub behind_proxy: Option<IpAddr>,
    /// The PWA built by scripts/build-pwa (`--dist`, `DIST_DIR`).
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
    /// `--photos`, `PHOTOS`: where photos are kept (`None`: the directory `<data>/photos`).
    pub photos: Option<crate::photos::PhotoLocation>,
    /// `--backup-dir` / `--backup-keep` / `--backup-at`: the daily backup `serve` runs
    /// (`None`: no scheduled backup).
    pub backup: Option<crate::backup::Schedule>,
}

impl Config {
    pub const DEFAULT_ADDR: &'static str = "127.0.0.1:8080";
    /// HTTPS on every interface: the phones on the office network.
    pub const DEFAULT_HTTPS_LISTEN: &'static str = "0.0.0.0:8443";
    /// With a `tls init` certificate: plain http that redirects and serves onboarding.
    pub const DEFAULT_HTTP_REDIRECT: &'static str = "0.0.0.0:8080";
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
            addr_set: false,
            listen: None,
            tls_cert: None,
            tls_key: None,
            http_redirect: HttpRedirect::Default,
            behind_proxy: None,
            dist_dir: dist_dir.into(),
            data_dir: data_dir.into(),
            database_url: None,
            max_orphan_photos: Self::DEFAULT_MAX_ORPHAN_PHOTOS,
            orphan_photo_days: Self::DEFAULT_ORPHAN_PHOTO_DAYS,
            photos: None,
            backup: None,
        }
    }

    /// The SQLite file used when no `DATABASE_URL` is given.
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join(Self::SQLITE_FILE)
    }

    /// The local photo directory: the one `--photos` names, else `<data_dir>/photos` (also
    /// what `photos migrate` reads when the store is elsewhere).
    pub fn photos_dir(&self) -> PathBuf {
        match &self.photos {
            Some(crate::photos::PhotoLocation::Local(dir)) => dir.clone(),
            _ => self.data_dir.join("photos"),
        }
    }

    /// Where photos are kept.
    pub fn photo_location(&self) -> crate::photos::PhotoLocation {
        match &self.photos {
            Some(location) => location.clone(),
            None => crate::photos::PhotoLocation::Local(self.photos_dir()),
        }
    }

    /// How long a photo no record references is kept.
    pub fn orphan_photo_max_age(&self) -> Duration {
        Duration::from_secs(u64::from(self.orphan_photo_days) * 24 * 3600)
    }

    /// `index.html` of the built PWA.
    pub fn index_html(&self) -> PathBuf {
        index_html(&self.dist_dir)
    }

    /// The port https is served on, `None` when no certificate is configured.
    pub fn https_port(&self) -> Option<u16> {
        crate::tls::CertSource::from_config(self)?;
        Some(self.https_listen().port())
    }

    fn https_listen(&self) -> SocketAddr {
        self.listen.unwrap_or_else(|| {
            Self::DEFAULT_HTTPS_LISTEN
                .parse()
                .expect("default address is valid")
        })
    }

    /// What `serve` listens on, given whether a certificate is configured.
    pub fn listeners(&self, tls: Option<&crate::tls::CertSource>) -> Result<Listeners, String> {
        let Some(source) = tls else {
            if let HttpRedirect::At(_) = self.http_redirect {
                return Err(
                    "--http-redirect 只在启用 HTTPS 时可用：先运行 yinhuan-server tls init \
                            --host <本机局域网 IP>，或给出 --tls-cert 与 --tls-key。"
                        .to_owned(),
                );
            }
            let mut plain: Vec<SocketAddr> = self.listen.into_iter().collect();
            if self.addr_set || plain.is_empty() {
                plain.push(self.addr);
            }
            plain.dedup();
            return Ok(Listeners {
                https: None,
                redirect: None,
                plain,
            });
        };
        let redirect = match self.http_redirect {
            HttpRedirect::At(addr) => Some(addr),
            HttpRedirect::Off => None,
            HttpRedirect::Default if source.local_ca => Some(
                Self::DEFAULT_HTTP_REDIRECT
                    .parse()
                    .expect("default address is valid"),
            ),
            HttpRedirect::Default => None,
        };
        Ok(Listeners {
            https: Some(self.https_listen()),
            redirect,
            plain: if self.addr_set {
                vec![self.addr]
            } else {
                Vec::new()
            },
        })
    }
}

/// `--http-redirect ADDR|off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpRedirect {
    /// `0.0.0.0:8080` with a `tls init` certificate, none with `--tls-cert`.
    Default,
    Off,
    At(SocketAddr),
}

/// The sockets `serve` opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listeners {
    /// The whole app over https (HSTS).
    pub https: Option<SocketAddr>,
    /// Plain http: redirects to https, except the onboarding page and the CA download.
    pub redirect: Option<SocketAddr>,
    /// The whole app over plain http (no certificate, or `--addr` given with one).
    pub plain: Vec<SocketAddr>,
}

pub(crate) fn index_html(dist_dir: &Path) -> PathBuf {
    dist_dir.join("index.html")
}

// Hand-written so that a password inside DATABASE_URL never reaches a log line.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("addr_set", &self.addr_set)
            .field("listen", &self.listen)
            .field("tls_cert", &self.tls_cert)
            .field("tls_key", &self.tls_key)
            .field("http_redirect", &self.http_redirect)
            .field("behind_proxy", &self.behind_proxy)
            .field("dist_dir", &self.dist_dir)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_ref().map(|_| "<set, hidden>"),
            )
            .field("max_orphan_photos", &self.max_orphan_photos)
            .field("orphan_photo_days", &self.orphan_photo_days)
            // A location holds no secret: S3 keys come from the environment.
            .field("photos", &self.photo_location().to_string())
            .field("backup", &self.backup)
            .finish()
    }
}

//! rustls behind `axum::serve`.
//!
//! [`TlsListener`] implements `axum::serve::Listener`: a task accepts TCP connections and runs
//! each handshake in its own task (a slow or silent client never holds up the others), and
//! `accept()` hands axum only finished TLS streams. So `axum::serve` keeps doing what it does
//! for plain http: connect info, HTTP/1.1 keep-alive, graceful shutdown.
//!
//! [`ReloadingCert`] re-reads the certificate when its file changes (checked every minute), so
//! `tls renew` or a replaced office certificate takes effect without a restart; and it warns in
//! the log, in Chinese, when the certificate expires within 30 days.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{AlertDescription, ServerConfig};
use time::OffsetDateTime;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinHandle;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use super::cert::{self, CertInfo};
use super::{CertSource, TlsError};

/// A handshake not finished by then is dropped.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Most handshakes in progress at once; more connections wait in the kernel's backlog.
const MAX_HANDSHAKES: usize = 256;
/// How often the certificate file is checked for a change.
pub const RELOAD_EVERY: Duration = Duration::from_secs(60);
/// The log warns this many days before the certificate expires.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// The served certificate, swapped when its files change.
#[derive(Debug)]
pub struct ReloadingCert {
    source: CertSource,
    current: RwLock<Loaded>,
}

#[derive(Debug, Clone)]
struct Loaded {
    key: Arc<CertifiedKey>,
    info: CertInfo,
    stamp: Option<(SystemTime, SystemTime)>,
}

impl ResolvesServerCert for ReloadingCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.read().key)
    }
}

impl ReloadingCert {
    /// Loads the certificate and key; an unusable pair is an error now, not at the first
    /// handshake.
    pub fn load(source: CertSource) -> Result<Arc<Self>, TlsError> {
        let loaded = load(&source)?;
        Ok(Arc::new(Self {
            source,
            current: RwLock::new(loaded),
        }))
    }

    fn read(&self) -> Loaded {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// What the served certificate says (names, expiry).
    pub fn info(&self) -> CertInfo {
        self.read().info
    }

    pub fn source(&self) -> &CertSource {
        &self.source
    }

    /// Re-reads the files when they changed since the last load. `Ok(true)` when a new
    /// certificate is now served; on error the old one stays.
    pub fn reload_if_changed(&self) -> Result<bool, TlsError> {
        let stamp = stamp(&self.source);
        if stamp.is_some() && stamp == self.read().stamp {
            return Ok(false);
        }
        let loaded = load(&self.source)?;
        let changed = loaded.info.fingerprint != self.read().info.fingerprint;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = loaded;
        Ok(changed)
    }

    /// The Chinese warning for the log when the certificate expires within
    /// [`EXPIRY_WARNING_DAYS`], else `None`.
    pub fn expiry_warning(&self, now: OffsetDateTime) -> Option<String> {
        expiry_warning(&self.read().info, &self.source, now)
    }

    /// Every [`RELOAD_EVERY`]: reload on change; once a day (and now): the expiry warning.
    pub fn spawn_watch(self: &Arc<Self>) -> JoinHandle<()> {
        let me = Arc::clone(self);
        tokio::spawn(async move {
            let mut ticks: u64 = 0;
            let per_day = (24 * 3600) / RELOAD_EVERY.as_secs().max(1);
            loop {
                if ticks.is_multiple_of(per_day) {
                    if let Some(w) = me.expiry_warning(OffsetDateTime::now_utc()) {
                        tracing::warn!("{w}");
                    }
                }
                tokio::time::sleep(RELOAD_EVERY).await;
                ticks += 1;
                match me.reload_if_changed() {
                    Ok(true) => {
                        let info = me.info();
                        tracing::info!(
                            "已换用新的服务器证书（{}，有效期至 {}）",
                            info.hosts
                                .iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join("、"),
                            date(info.not_after)
                        );
                        ticks = 0;
                    }
                    Ok(false) => {}
                    Err(e) => tracing::warn!("新的证书文件无法使用，继续使用原证书：{e}"),
                }
            }
        })
    }
}

fn stamp(source: &CertSource) -> Option<(SystemTime, SystemTime)> {
    let m = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    Some((m(&source.cert)?, m(&source.key)?))
}

fn load(source: &CertSource) -> Result<Loaded, TlsError> {
    let stamp = stamp(source);
    let bad = |path: &std::path::Path, reason: String| TlsError::Bad {
        path: path.to_owned(),
        reason,
    };
    let pem = std::fs::read(&source.cert).map_err(|e| TlsError::Io {
        path: source.cert.clone(),
        source: e,
    })?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|e| bad(&source.cert, format!("PEM 格式有误：{e}")))?;
    let Some(leaf) = chain.first() else {
        return Err(bad(
            &source.cert,
            "文件中没有证书（BEGIN CERTIFICATE）".to_owned(),
        ));
    };
    let info = cert::inspect_der(leaf).map_err(|r| bad(&source.cert, r))?;
    let key_pem = std::fs::read(&source.key).map_err(|e| TlsError::Io {
        path: source.key.clone(),
        source: e,
    })?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        bad(
            &source.key,
            format!("没有可用的 PEM 私钥（PKCS#8、PKCS#1 或 SEC1）：{e}"),
        )
    })?;
    let signing = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|e| bad(&source.key, format!("不支持的私钥类型：{e}")))?;
    let certified = CertifiedKey::new(chain, signing);
    certified.keys_match().map_err(|_| {
        bad(
            &source.key,
            format!("私钥与证书 {} 不配对", source.cert.display()),
        )
    })?;
    Ok(Loaded {
        key: Arc::new(certified),
        info,
        stamp,
    })
}

fn expiry_warning(info: &CertInfo, source: &CertSource, now: OffsetDateTime) -> Option<String> {
    let days = info.days_left(now);
    if days > EXPIRY_WARNING_DAYS {
        return None;
    }
    let what = if days < 0 {
        format!(
            "服务器证书已于 {} 过期，手机和浏览器将拒绝连接",
            date(info.not_after)
        )
    } else {
        format!(
            "服务器证书将于 {} 到期（还剩 {days} 天）",
            date(info.not_after)
        )
    };
    let todo = if source.local_ca {
        let data = source
            .cert
            .parent()
            .and_then(|tls| tls.parent())
            .map(|d| d.display().to_string())
            .unwrap_or_else(|| ".".to_owned());
        format!(
            "请运行 yinhuan-server tls renew --data {data}：新证书由同一根证书签发，\
             手机无需重新安装，服务会在一分钟内自动换用"
        )
    } else {
        format!(
            "请向证书签发单位申请新证书，替换 {} 和 {}，服务会在一分钟内自动换用",
            source.cert.display(),
            source.key.display()
        )
    };
    Some(format!("{what}。{todo}。"))
}

/// `YYYY-MM-DD` (UTC).
pub fn date(t: OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

/// rustls configured with the ring provider, TLS 1.2 and 1.3, HTTP/1.1.
pub fn server_config(cert: Arc<ReloadingCert>) -> Result<Arc<ServerConfig>, TlsError> {
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(cert);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Finished TLS connections for `axum::serve`.
pub struct TlsListener {
    local_addr: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    acceptor: JoinHandle<()>,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>) -> io::Result<Self> {
        let local_addr = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(MAX_HANDSHAKES);
        let tls = TlsAcceptor::from(config);
        let acceptor = tokio::spawn(accept_loop(tcp, tls, tx));
        Ok(Self {
            local_addr,
            ready,
            acceptor,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept task ended (it only does on a panic): accept nothing more.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}

async fn accept_loop(
    tcp: TcpListener,
    tls: TlsAcceptor,
    ready: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let slots = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    loop {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let (stream, peer) = match tcp.accept().await {
            Ok(conn) => conn,
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                // Out of file descriptors and the like: wait instead of spinning.
                tracing::error!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let (tls, ready) = (tls.clone(), ready.clone());
        tokio::spawn(async move {
            let result = tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(stream)).await;
            drop(slot);
            match result {
                Ok(Ok(stream)) => {
                    let _ = ready.send((stream, peer)).await;
                }
                Ok(Err(e)) => log_handshake_error(peer, &e),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// A device that does not trust the certificate says so with an alert: tell the office what
/// to do about it; anything else (scanners, plain http sent to the https port) is debug noise.
fn log_handshake_error(peer: SocketAddr, e: &io::Error) {
    let alert = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .and_then(|e| match e {
            rustls::Error::AlertReceived(a) => Some(*a),
            _ => None,
        });
    match alert {
        Some(
            AlertDescription::UnknownCA
            | AlertDescription::BadCertificate
            | AlertDescription::CertificateUnknown,
        ) => tracing::info!(
            "设备 {} 不信任本服务器的证书：请在该设备上打开服务启动时显示的 …/onboarding 页面，\
             按说明安装根证书",
            peer.ip()
        ),
        _ => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
    }
}

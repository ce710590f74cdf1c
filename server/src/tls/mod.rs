//! HTTPS for a county office with one PC and no IT department.
//!
//! - [`cert`]: `tls init` makes a local CA and a server certificate in `<data>/tls/`,
//!   `tls renew` re-issues the server certificate from the same CA.
//! - [`listener`]: rustls (ring provider) behind `axum::serve`, a certificate that is re-read
//!   when its file changes, and the expiry warning.
//! - [`qr`]: the https address as a QR code, in the terminal and on the onboarding page.
//! - Here: where the files are, which certificate `serve` uses, the machine's LAN addresses
//!   and the URLs phones should open.

pub mod cert;
pub mod listener;
pub mod qr;

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

pub use cert::{CertInfo, Host, Issued};

use crate::config::Config;

/// Sub-directory of the data directory that `tls init` writes.
pub const TLS_DIR: &str = "tls";

/// The four files of a local CA setup.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub dir: PathBuf,
}

impl TlsFiles {
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join(TLS_DIR),
        }
    }

    pub fn ca_cert(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// The CA's private key: mode 0600, never served.
    pub fn ca_key(&self) -> PathBuf {
        self.dir.join("ca.key")
    }

    pub fn server_cert(&self) -> PathBuf {
        self.dir.join("server.pem")
    }

    pub fn server_key(&self) -> PathBuf {
        self.dir.join("server.key")
    }

    fn all(&self) -> [PathBuf; 4] {
        [
            self.ca_cert(),
            self.ca_key(),
            self.server_cert(),
            self.server_key(),
        ]
    }

    fn create_dir(&self) -> Result<(), TlsError> {
        let io = |source| TlsError::Io {
            path: self.dir.clone(),
            source,
        };
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))
                .map_err(io)?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error(
        "{} 已存在，未做任何改动。重新生成根证书后，每部手机都要重新安装；\
         只是证书快到期或本机地址变了，请用 yinhuan-server tls renew（可加 --host 新地址）。\
         确需重新生成全部证书时加 --force。",
        .0.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join("、")
    )]
    Exists(Vec<PathBuf>),
    #[error(
        "{} 中没有本地根证书（ca.pem 与 ca.key）：请先运行 \
         yinhuan-server tls init --host <本机局域网 IP>。",
        .0.display()
    )]
    NoLocalCa(PathBuf),
    #[error("读写 {} 失败：{source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{} 不是可用的证书或私钥：{reason}", path.display())]
    Bad { path: PathBuf, reason: String },
    #[error(
        "“{0}”不是有效的 IP 地址或主机名：只写地址本身，例如 192.168.1.20 或 yinhuan.lan，\
         不带 http:// 和端口。"
    )]
    BadHost(String),
    #[error("生成证书失败：{0}")]
    Generate(#[from] rcgen::Error),
    #[error("无法取得随机数：{0}")]
    Random(String),
    #[error("TLS 设置有误：{0}")]
    Rustls(#[from] rustls::Error),
}

/// The certificate `serve` presents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSource {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// Made by `tls init` (renewable with `tls renew`, its CA offered on the onboarding page);
    /// `false` for a certificate the office brought (`--tls-cert`).
    pub local_ca: bool,
}

impl CertSource {
    /// `--tls-cert`/`--tls-key` when given, else `<data>/tls/server.pem` + `server.key` when
    /// both exist, else none (plain http).
    pub fn from_config(config: &Config) -> Option<CertSource> {
        if let (Some(cert), Some(key)) = (&config.tls_cert, &config.tls_key) {
            return Some(CertSource {
                cert: cert.clone(),
                key: key.clone(),
                local_ca: false,
            });
        }
        let files = TlsFiles::in_data_dir(&config.data_dir);
        (files.server_cert().is_file() && files.server_key().is_file()).then(|| CertSource {
            cert: files.server_cert(),
            key: files.server_key(),
            local_ca: true,
        })
    }
}

/// The local CA certificate phones install: only when the served certificate is the one
/// `tls init` made. `None` for a site with its own certificate or none at all.
#[derive(Debug, Clone)]
pub struct LocalCa {
    /// The certificate alone, re-encoded from its DER: nothing else in `ca.pem` is ever served.
    pub pem: String,
    pub der: Vec<u8>,
    pub fingerprint: String,
    pub subject: String,
}

impl LocalCa {
    pub fn load(config: &Config) -> Option<LocalCa> {
        if config.tls_cert.is_some() {
            return None;
        }
        let path = TlsFiles::in_data_dir(&config.data_dir).ca_cert();
        let pem = std::fs::read(&path).ok()?;
        let loaded = cert::first_certificate(&path, &pem).and_then(|der| {
            cert::inspect_der(&der)
                .map(|info| (der, info))
                .map_err(|reason| TlsError::Bad {
                    path: path.clone(),
                    reason,
                })
        });
        match loaded {
            Ok((der, info)) if info.is_ca => Some(LocalCa {
                pem: pem_encode(&der),
                der: der.to_vec(),
                fingerprint: info.fingerprint,
                subject: info.subject,
            }),
            Ok(_) => {
                tracing::warn!(path = %path.display(), "ca.pem 不是根证书，不提供下载");
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "无法读取本地根证书，不提供下载");
                None
            }
        }
    }
}

fn pem_encode(der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// The machine's name (for the CA's name and the default hosts of `tls init`).
pub fn hostname() -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// The machine's IPv4 addresses on its networks (no loopback, link-local or container
/// bridges), private ranges first: what a phone on the office network can reach.
pub fn lan_addresses() -> Vec<IpAddr> {
    let Ok(interfaces) = if_addrs::get_if_addrs() else {
        return Vec::new();
    };
    let virtual_nic = |name: &str| {
        ["docker", "br-", "veth", "virbr", "cni", "flannel", "lxc"]
            .iter()
            .any(|p| name.starts_with(p))
    };
    let mut addrs: Vec<IpAddr> = interfaces
        .iter()
        .filter(|i| !i.is_loopback() && !virtual_nic(&i.name))
        .filter_map(|i| match i.ip() {
            IpAddr::V4(v4) if !v4.is_link_local() && !v4.is_unspecified() => Some(IpAddr::V4(v4)),
            _ => None,
        })
        .collect();
    addrs.sort_by_key(|ip| match ip {
        IpAddr::V4(v4) => !v4.is_private(),
        IpAddr::V6(_) => true,
    });
    addrs.dedup();
    addrs
}

/// `https://host[:port]/`, the port left out when it is 443.
pub fn https_url(host: &str, port: u16) -> String {
    match port {
        443 => format!("https://{host}/"),
        _ => format!("https://{host}:{port}/"),
    }
}

/// The https addresses to give phones: each LAN address (or the one address listened on),
/// then the certificate's other names; with, for each, whether the certificate covers it.
pub fn public_urls(listen: SocketAddr, cert_hosts: &[Host], lan: &[IpAddr]) -> Vec<(String, bool)> {
    let mut hosts: Vec<Host> = if listen.ip().is_unspecified() {
        lan.iter().map(|ip| Host::Ip(*ip)).collect()
    } else {
        vec![Host::Ip(listen.ip())]
    };
    for h in cert_hosts {
        if matches!(h, Host::Dns(_)) && !h.is_loopback() && !hosts.contains(h) {
            hosts.push(h.clone());
        }
    }
    hosts
        .iter()
        .map(|h| {
            (
                https_url(&h.url_host(), listen.port()),
                cert_hosts.contains(h),
            )
        })
        .collect()
}

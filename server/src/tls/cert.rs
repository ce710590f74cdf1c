//! `tls init` and `tls renew`: a local CA and the server certificate it signs, in `<data>/tls/`.
//!
//! - `ca.pem` / `ca.key`: the root a phone installs once. 10 years, `basicConstraints` CA:TRUE
//!   (critical, path length 0: it can sign server certificates only), `keyUsage`
//!   keyCertSign + cRLSign. The key is mode 0600 and never leaves the server: the onboarding
//!   routes serve `ca.pem` re-encoded from its certificate block only.
//! - `server.pem` / `server.key`: what HTTPS presents. Every host as a SAN (IP addresses as IP
//!   SANs, names as DNS SANs, always also `localhost` and 127.0.0.1), `extendedKeyUsage`
//!   serverAuth, a validity phones accept (≤ 825 days, Apple's limit).
//! - Nothing is overwritten without `--force`; renewal re-issues the server certificate from the
//!   same CA with the same names, so phones need nothing new.

use std::fmt;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use x509_parser::extensions::GeneralName;

use super::{TlsError, TlsFiles};

/// Validity of the local CA.
pub const CA_VALIDITY_DAYS: i64 = 3650;
/// The whole validity period of a server certificate, back-dating included. Apple's platforms
/// refuse more than 825 days; a margin keeps clocks and rounding out of it.
pub const SERVER_VALIDITY_DAYS: i64 = 820;
/// Certificates start a day early: a phone whose clock is a little behind must not see a
/// certificate "not yet valid".
const BACKDATE_DAYS: i64 = 1;

/// A name the server certificate is valid for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    Ip(IpAddr),
    Dns(String),
}

impl Host {
    /// An IP address or a DNS name as typed after `--host` (`192.168.1.20`, `yinhuan.lan`,
    /// `[fd00::1]`). Names are lower-cased; URLs and ports are refused with a hint.
    pub fn parse(input: &str) -> Result<Host, TlsError> {
        let s = input.trim();
        let bad = || TlsError::BadHost(input.to_owned());
        let unbracketed = s
            .strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .unwrap_or(s);
        if let Ok(ip) = unbracketed.parse::<IpAddr>() {
            return Ok(Host::Ip(ip.to_canonical()));
        }
        let name = s.trim_end_matches('.').to_ascii_lowercase();
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        // A name made only of digits and dots is a mistyped IPv4 address, not a host name.
        let numeric = name.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        if name.is_empty() || name.len() > 253 || numeric || !name.split('.').all(label_ok) {
            return Err(bad());
        }
        Ok(Host::Dns(name))
    }

    fn san(&self) -> Result<SanType, TlsError> {
        Ok(match self {
            Host::Ip(ip) => SanType::IpAddress(*ip),
            Host::Dns(name) => SanType::DnsName(name.clone().try_into()?),
        })
    }

    /// As it goes into a URL: IPv6 in brackets.
    pub fn url_host(&self) -> String {
        match self {
            Host::Ip(IpAddr::V6(ip)) => format!("[{ip}]"),
            other => other.to_string(),
        }
    }

    pub fn is_loopback(&self) -> bool {
        match self {
            Host::Ip(ip) => ip.is_loopback(),
            Host::Dns(name) => name == "localhost",
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Ip(ip) => write!(f, "{ip}"),
            Host::Dns(name) => f.write_str(name),
        }
    }
}

/// What `tls init` / `tls renew` made.
#[derive(Debug)]
pub struct Issued {
    pub files: TlsFiles,
    /// The server certificate's names, in order.
    pub hosts: Vec<Host>,
    /// SHA-256 of the CA certificate, as phones show it.
    pub ca_fingerprint: String,
    pub ca_subject: String,
    pub server_not_after: OffsetDateTime,
}

/// What a certificate says about itself (the parts serve, renew and the tests need).
#[derive(Debug, Clone)]
pub struct CertInfo {
    pub subject: String,
    pub hosts: Vec<Host>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub is_ca: bool,
    /// SHA-256 of the DER, colon-separated upper-case hex.
    pub fingerprint: String,
}

impl CertInfo {
    /// Whole days left before `not_after` (negative once expired).
    pub fn days_left(&self, now: OffsetDateTime) -> i64 {
        (self.not_after - now).whole_days()
    }
}

/// `tls init`: a new CA and a server certificate for `hosts` (plus `localhost` and
/// 127.0.0.1). Refuses to touch existing files unless `force`.
pub fn init(data_dir: &Path, hosts: &[Host], force: bool) -> Result<Issued, TlsError> {
    let files = TlsFiles::in_data_dir(data_dir);
    let existing: Vec<PathBuf> = files.all().into_iter().filter(|p| p.exists()).collect();
    if !existing.is_empty() && !force {
        return Err(TlsError::Exists(existing));
    }
    files.create_dir()?;
    let now = OffsetDateTime::now_utc();

    let ca_key = KeyPair::generate()?;
    let ca_params = ca_params(now)?;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let ca_subject = common_name(&ca_params.distinguished_name);
    let issuer = Issuer::new(ca_params, &ca_key);
    let hosts = with_defaults(hosts);
    let server = issue_server(&issuer, &hosts, now)?;

    write_file(&files.ca_key(), ca_key.serialize_pem().as_bytes(), true)?;
    write_file(&files.ca_cert(), ca_cert.pem().as_bytes(), false)?;
    write_file(&files.server_key(), server.key_pem.as_bytes(), true)?;
    write_file(&files.server_cert(), server.cert_pem.as_bytes(), false)?;
    Ok(Issued {
        files,
        hosts,
        ca_fingerprint: fingerprint(ca_cert.der()),
        ca_subject,
        server_not_after: server.not_after,
    })
}

/// `tls renew`: a new server certificate (and key) from the existing CA, for the names the
/// current one has plus `extra_hosts`. The CA is only read.
pub fn renew(data_dir: &Path, extra_hosts: &[Host]) -> Result<Issued, TlsError> {
    let files = TlsFiles::in_data_dir(data_dir);
    let (ca_path, key_path) = (files.ca_cert(), files.ca_key());
    if !ca_path.is_file() || !key_path.is_file() {
        return Err(TlsError::NoLocalCa(files.dir.clone()));
    }
    let ca_pem = read_text(&ca_path)?;
    let ca_key = KeyPair::from_pem(&read_text(&key_path)?).map_err(|e| TlsError::Bad {
        path: key_path.clone(),
        reason: e.to_string(),
    })?;
    let ca_der = first_certificate(&ca_path, ca_pem.as_bytes())?;
    let ca = inspect_der(&ca_der).map_err(|reason| TlsError::Bad {
        path: ca_path.clone(),
        reason,
    })?;
    if !ca.is_ca || !key_matches(&ca_der, &ca_key) {
        return Err(TlsError::Bad {
            path: ca_path,
            reason: "不是与 ca.key 配对的根证书".to_owned(),
        });
    }
    let issuer = Issuer::from_ca_cert_der(&ca_der, &ca_key)?;

    let mut hosts = match files.server_cert().is_file() {
        true => inspect_file(&files.server_cert())?.hosts,
        false => Vec::new(),
    };
    hosts.extend(extra_hosts.iter().cloned());
    let hosts = with_defaults(&hosts);
    let server = issue_server(&issuer, &hosts, OffsetDateTime::now_utc())?;
    // Key first: a running server reloads when the certificate changes, and the pair must match.
    write_file(&files.server_key(), server.key_pem.as_bytes(), true)?;
    write_file(&files.server_cert(), server.cert_pem.as_bytes(), false)?;
    Ok(Issued {
        files,
        hosts,
        ca_fingerprint: ca.fingerprint,
        ca_subject: ca.subject,
        server_not_after: server.not_after,
    })
}

/// The requested hosts, then `localhost` and 127.0.0.1, without repeats.
fn with_defaults(hosts: &[Host]) -> Vec<Host> {
    let mut all: Vec<Host> = Vec::new();
    let defaults = [
        Host::Dns("localhost".to_owned()),
        Host::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST)),
    ];
    for h in hosts.iter().chain(defaults.iter()) {
        if !all.contains(h) {
            all.push(h.clone());
        }
    }
    all
}

fn ca_params(now: OffsetDateTime) -> Result<CertificateParams, TlsError> {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    let machine = super::hostname().unwrap_or_else(|| "本机".to_owned());
    dn.push(
        DnType::CommonName,
        format!("隐患排查 本地根证书 ({machine})"),
    );
    dn.push(DnType::OrganizationName, "隐患排查");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = now - Duration::days(BACKDATE_DAYS);
    params.not_after = now + Duration::days(CA_VALIDITY_DAYS);
    params.serial_number = Some(random_serial()?);
    Ok(params)
}

struct ServerCert {
    cert_pem: String,
    key_pem: String,
    not_after: OffsetDateTime,
}

fn issue_server(
    issuer: &Issuer<'_, &KeyPair>,
    hosts: &[Host],
    now: OffsetDateTime,
) -> Result<ServerCert, TlsError> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    let first = hosts
        .iter()
        .find(|h| !h.is_loopback())
        .or(hosts.first())
        .map(Host::to_string)
        .unwrap_or_else(|| "localhost".to_owned());
    dn.push(DnType::CommonName, first);
    dn.push(DnType::OrganizationName, "隐患排查");
    params.distinguished_name = dn;
    params.subject_alt_names = hosts.iter().map(Host::san).collect::<Result<_, _>>()?;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = now - Duration::days(BACKDATE_DAYS);
    params.not_after = params.not_before + Duration::days(SERVER_VALIDITY_DAYS);
    params.serial_number = Some(random_serial()?);
    let cert = params.signed_by(&key, issuer)?;
    Ok(ServerCert {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        not_after: params.not_after,
    })
}

/// 16 random bytes, positive and without a leading zero byte.
fn random_serial() -> Result<SerialNumber, TlsError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| TlsError::Random(e.to_string()))?;
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    Ok(SerialNumber::from_slice(&bytes))
}

fn common_name(dn: &DistinguishedName) -> String {
    match dn.get(&DnType::CommonName) {
        Some(rcgen::DnValue::Utf8String(s)) => s.clone(),
        _ => String::new(),
    }
}

/// Whether `key` is the private half of the certificate's public key.
fn key_matches(cert_der: &[u8], key: &KeyPair) -> bool {
    match x509_parser::parse_x509_certificate(cert_der) {
        Ok((_, cert)) => cert.public_key().subject_public_key.data.as_ref() == key.public_key_raw(),
        Err(_) => false,
    }
}

/// SHA-256 of a DER certificate as phones show it: `AB:CD:…`.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The first `CERTIFICATE` block of a PEM file, as DER. Anything else in the file (a private
/// key pasted into it by mistake) is ignored.
pub fn first_certificate(path: &Path, pem: &[u8]) -> Result<CertificateDer<'static>, TlsError> {
    CertificateDer::pem_slice_iter(pem)
        .next()
        .and_then(Result::ok)
        .ok_or_else(|| TlsError::Bad {
            path: path.to_owned(),
            reason: "文件中没有 PEM 格式的证书（BEGIN CERTIFICATE）".to_owned(),
        })
}

/// The first certificate in a PEM file.
pub fn inspect_file(path: &Path) -> Result<CertInfo, TlsError> {
    let pem = std::fs::read(path).map_err(|source| TlsError::Io {
        path: path.to_owned(),
        source,
    })?;
    let der = first_certificate(path, &pem)?;
    inspect_der(&der).map_err(|reason| TlsError::Bad {
        path: path.to_owned(),
        reason,
    })
}

pub fn inspect_der(der: &[u8]) -> Result<CertInfo, String> {
    let (_, cert) =
        x509_parser::parse_x509_certificate(der).map_err(|e| format!("无法解析证书：{e}"))?;
    let mut hosts = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(n) => hosts.push(Host::Dns(n.to_ascii_lowercase())),
                GeneralName::IPAddress(b) => match b.len() {
                    4 => hosts.push(Host::Ip(IpAddr::from(<[u8; 4]>::try_from(*b).unwrap()))),
                    16 => hosts.push(Host::Ip(IpAddr::from(<[u8; 16]>::try_from(*b).unwrap()))),
                    _ => {}
                },
                _ => {}
            }
        }
    }
    let subject = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| cert.subject().to_string());
    Ok(CertInfo {
        subject,
        hosts,
        not_before: cert.validity().not_before.to_datetime(),
        not_after: cert.validity().not_after.to_datetime(),
        is_ca: cert.is_ca(),
        fingerprint: fingerprint(der),
    })
}

fn read_text(path: &Path) -> Result<String, TlsError> {
    std::fs::read_to_string(path).map_err(|source| TlsError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Writes through a temporary file and a rename, so a reader (the running server reloading
/// its certificate) never sees half a file. Private keys are created with mode 0600.
fn write_file(path: &Path, bytes: &[u8], private: bool) -> Result<(), TlsError> {
    let io = |source| TlsError::Io {
        path: path.to_owned(),
        source,
    };
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(&tmp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(io)
}

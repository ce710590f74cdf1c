//! HTTPS: `tls init` / `tls renew` (certificates parsed back and checked the way a phone
//! would), a real TLS handshake against the listener `serve` uses, the plain-http redirect port,
//! the onboarding routes (never a key), which sockets `serve` opens, and `--behind-proxy`.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode};
use axum::serve::ListenerExt;
use axum::Router;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::json;
use tempfile::TempDir;
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};
use yinhuan_server::config::{HttpRedirect, Listeners};
use yinhuan_server::tls::cert::{self, SERVER_VALIDITY_DAYS};
use yinhuan_server::tls::listener::{server_config, ReloadingCert, TlsListener};
use yinhuan_server::tls::{CertSource, Host, TlsError, TlsFiles};
use yinhuan_server::{app, https_app, redirect_app, AppState, Config};

use crate::helpers::{body_bytes, header};

fn hosts(names: &[&str]) -> Vec<Host> {
    names.iter().map(|h| Host::parse(h).unwrap()).collect()
}

fn der_of(path: &Path) -> Vec<u8> {
    let pem = std::fs::read(path).unwrap();
    CertificateDer::pem_slice_iter(&pem)
        .next()
        .expect("a certificate")
        .unwrap()
        .to_vec()
}

fn sans(cert: &X509Certificate<'_>) -> Vec<String> {
    let san = cert.subject_alternative_name().unwrap().expect("SAN");
    san.value
        .general_names
        .iter()
        .map(|n| match n {
            GeneralName::DNSName(d) => format!("DNS:{d}"),
            GeneralName::IPAddress(b) if b.len() == 4 => {
                format!("IP:{}", IpAddr::from(<[u8; 4]>::try_from(*b).unwrap()))
            }
            other => format!("{other:?}"),
        })
        .collect()
}

/// A test app whose data dir the test prepares (e.g. with `tls init`).
struct Site {
    state: AppState,
    data: TempDir,
    _dist: TempDir,
}

impl Site {
    async fn new(prepare: impl FnOnce(&Path, &mut Config)) -> Site {
        let (dist, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        std::fs::write(
            dist.path().join("index.html"),
            "<!doctype html><title>隐患排查</title>",
        )
        .unwrap();
        let mut config = Config::new(dist.path(), data.path());
        prepare(data.path(), &mut config);
        let state = AppState::open(config).await.unwrap();
        Site {
            state,
            data,
            _dist: dist,
        }
    }

    async fn with_local_ca() -> Site {
        Site::new(|data, _| {
            cert::init(data, &hosts(&["192.168.1.20", "yinhuan.lan"]), false).unwrap();
        })
        .await
    }

    fn files(&self) -> TlsFiles {
        TlsFiles::in_data_dir(self.data.path())
    }
}

async fn call(router: &Router, req: Request<Body>) -> Response<Body> {
    router.clone().oneshot(req).await.unwrap()
}

fn get(uri: &str, host: &str) -> Request<Body> {
    Request::get(uri)
        .header("host", host)
        .body(Body::empty())
        .unwrap()
}

#[test]
fn tls_init_makes_a_ca_and_a_server_certificate_for_every_host() {
    let data = tempfile::tempdir().unwrap();
    let issued = cert::init(data.path(), &hosts(&["192.168.1.20", "Yinhuan.LAN"]), false).unwrap();
    let files = TlsFiles::in_data_dir(data.path());
    assert_eq!(files.dir, data.path().join("tls"));

    let ca_der = der_of(&files.ca_cert());
    let (_, ca) = X509Certificate::from_der(&ca_der).unwrap();
    let bc = ca.basic_constraints().unwrap().expect("basicConstraints");
    assert!(bc.critical && bc.value.ca, "CA:TRUE, critical");
    let ku = ca.key_usage().unwrap().expect("keyUsage").value;
    assert!(ku.key_cert_sign() && ku.crl_sign());
    let cn = ca
        .subject()
        .iter_common_name()
        .next()
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    assert!(cn.starts_with("隐患排查 本地根证书 ("), "{cn}");
    assert_eq!(issued.ca_subject, cn);
    let ca_days = (ca.validity().not_after.to_datetime() - ca.validity().not_before.to_datetime())
        .whole_days();
    assert!((3650..=3700).contains(&ca_days), "{ca_days}");
    assert_eq!(issued.ca_fingerprint, cert::fingerprint(&ca_der));
    assert_eq!(issued.ca_fingerprint.len(), 32 * 3 - 1);

    let server_der = der_of(&files.server_cert());
    let (_, server) = X509Certificate::from_der(&server_der).unwrap();
    assert_eq!(
        sans(&server),
        [
            "IP:192.168.1.20",
            "DNS:yinhuan.lan",
            "DNS:localhost",
            "IP:127.0.0.1"
        ]
    );
    assert!(!server.is_ca());
    let eku = server
        .extended_key_usage()
        .unwrap()
        .expect("extendedKeyUsage");
    assert!(eku.value.server_auth);
    let validity = server.validity();
    let days = (validity.not_after.to_datetime() - validity.not_before.to_datetime()).whole_days();
    assert!(days <= 825, "phones refuse more than 825 days: {days}");
    assert_eq!(days, SERVER_VALIDITY_DAYS);
    assert!(validity.not_before.to_datetime() < OffsetDateTime::now_utc());
    assert_eq!(server.issuer(), ca.subject());
    server
        .verify_signature(Some(ca.public_key()))
        .expect("signed by the CA");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&files.ca_key()), 0o600);
        assert_eq!(mode(&files.server_key()), 0o600);
        assert_eq!(mode(&files.dir), 0o700);
    }
}

#[test]
fn tls_init_never_overwrites_without_force() {
    let data = tempfile::tempdir().unwrap();
    let first = cert::init(data.path(), &hosts(&["10.0.0.2"]), false).unwrap();
    let files = TlsFiles::in_data_dir(data.path());
    let before: Vec<Vec<u8>> = [files.ca_cert(), files.ca_key(), files.server_cert()]
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();

    let err = cert::init(data.path(), &hosts(&["10.0.0.3"]), false).unwrap_err();
    assert!(
        matches!(&err, TlsError::Exists(paths) if paths.len() == 4),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("--force") && message.contains("tls renew"),
        "{message}"
    );
    let after: Vec<Vec<u8>> = [files.ca_cert(), files.ca_key(), files.server_cert()]
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert_eq!(before, after, "nothing touched");

    // One file left over is enough to refuse.
    std::fs::remove_file(files.ca_cert()).unwrap();
    std::fs::remove_file(files.server_cert()).unwrap();
    std::fs::remove_file(files.server_key()).unwrap();
    assert!(matches!(
        cert::init(data.path(), &[], false),
        Err(TlsError::Exists(paths)) if paths == [files.ca_key()]
    ));

    let forced = cert::init(data.path(), &hosts(&["10.0.0.3"]), true).unwrap();
    assert_ne!(forced.ca_fingerprint, first.ca_fingerprint, "a new CA");
    assert!(forced.hosts.contains(&Host::parse("10.0.0.3").unwrap()));
}

#[test]
fn renewal_keeps_the_ca_and_the_names() {
    let data = tempfile::tempdir().unwrap();
    let first = cert::init(data.path(), &hosts(&["192.168.1.20", "yinhuan.lan"]), false).unwrap();
    let files = TlsFiles::in_data_dir(data.path());
    let ca_pem = std::fs::read(files.ca_cert()).unwrap();
    let ca_key = std::fs::read(files.ca_key()).unwrap();
    let old_server = der_of(&files.server_cert());
    let old_key = std::fs::read(files.server_key()).unwrap();

    let renewed = cert::renew(data.path(), &[]).unwrap();
    assert_eq!(
        std::fs::read(files.ca_cert()).unwrap(),
        ca_pem,
        "CA untouched"
    );
    assert_eq!(std::fs::read(files.ca_key()).unwrap(), ca_key);
    assert_eq!(renewed.ca_fingerprint, first.ca_fingerprint);
    assert_eq!(renewed.hosts, first.hosts);
    let new_server = der_of(&files.server_cert());
    assert_ne!(new_server, old_server);
    assert_ne!(
        std::fs::read(files.server_key()).unwrap(),
        old_key,
        "a new key"
    );
    let (_, old) = X509Certificate::from_der(&old_server).unwrap();
    let (_, new) = X509Certificate::from_der(&new_server).unwrap();
    assert_eq!(sans(&new), sans(&old));
    assert_ne!(new.serial, old.serial);
    let ca_der = der_of(&files.ca_cert());
    let (_, ca) = X509Certificate::from_der(&ca_der).unwrap();
    new.verify_signature(Some(ca.public_key()))
        .expect("signed by the same CA");
    assert_eq!(new.issuer(), ca.subject());

    // A new address is added; the old names stay.
    let more = cert::renew(data.path(), &hosts(&["10.1.2.3"])).unwrap();
    assert_eq!(more.hosts.len(), first.hosts.len() + 1);
    let (_, widened) = X509Certificate::from_der(&der_of(&files.server_cert()))
        .map(|(r, c)| (r.len(), sans(&c)))
        .unwrap();
    assert!(widened.contains(&"IP:10.1.2.3".to_owned()));
    assert!(widened.contains(&"DNS:yinhuan.lan".to_owned()));
    assert_eq!(std::fs::read(files.ca_cert()).unwrap(), ca_pem);
}

#[test]
fn renewal_without_a_local_ca_says_to_run_init() {
    let data = tempfile::tempdir().unwrap();
    let err = cert::renew(data.path(), &[]).unwrap_err();
    assert!(matches!(err, TlsError::NoLocalCa(_)));
    assert!(err.to_string().contains("tls init"), "{err}");
}

#[test]
fn hosts_are_addresses_or_names_never_urls() {
    assert_eq!(
        Host::parse(" 192.168.1.20 ").unwrap(),
        Host::Ip("192.168.1.20".parse().unwrap())
    );
    assert_eq!(
        Host::parse("[fd00::1]").unwrap(),
        Host::Ip("fd00::1".parse().unwrap())
    );
    assert_eq!(
        Host::parse("YinHuan.lan.").unwrap(),
        Host::Dns("yinhuan.lan".into())
    );
    for bad in [
        "https://yinhuan.lan",
        "192.168.1.20:8443",
        "1.2.3",
        "a b",
        "-x.lan",
        "",
    ] {
        let err = Host::parse(bad).unwrap_err();
        assert!(err.to_string().contains("不带 http://"), "{bad}: {err}");
    }
}

/// Serves `router` with the listener `serve` uses, on 127.0.0.1:0.
async fn serve_tls(
    router: Router,
    source: CertSource,
) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let cert = ReloadingCert::load(source).unwrap();
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let listener = TlsListener::new(tcp, server_config(cert).unwrap())
        .unwrap()
        .tap_io(|_| ());
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    (addr, task)
}

/// One HTTP/1.1 GET over TLS, trusting only `ca_der`; the raw response or the TLS error.
async fn https_get(
    addr: SocketAddr,
    ca_der: &[u8],
    name: &str,
    path: &str,
) -> Result<String, std::io::Error> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(ca_der.to_vec())).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let server_name = ServerName::try_from(name.to_owned()).unwrap();
    let mut tls = connector.connect(server_name, tcp).await?;
    tls.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await?;
    let mut response = Vec::new();
    tls.read_to_end(&mut response).await?;
    Ok(String::from_utf8_lossy(&response).into_owned())
}

#[tokio::test]
async fn a_client_trusting_the_local_ca_gets_https_with_hsts_for_every_name() {
    let site = Site::with_local_ca().await;
    let source = CertSource::from_config(&site.state.config).expect("tls init's files");
    assert!(source.local_ca);
    let (addr, task) = serve_tls(https_app(site.state.clone()), source).await;
    let ca = der_of(&site.files().ca_cert());

    // yinhuan.lan and 127.0.0.1 are in the certificate; the connection goes to 127.0.0.1.
    for name in ["yinhuan.lan", "localhost", "127.0.0.1"] {
        let res = https_get(addr, &ca, name, "/api/health").await.unwrap();
        assert!(res.starts_with("HTTP/1.1 200"), "{name}: {res}");
        let lower = res.to_ascii_lowercase();
        assert!(
            lower.contains("strict-transport-security: max-age=31536000"),
            "{res}"
        );
        assert!(lower.contains("content-security-policy: default-src 'self'"));
    }

    // A name the certificate does not carry, or a client that does not trust the CA: refused.
    assert!(https_get(addr, &ca, "other.lan", "/").await.is_err());
    let elsewhere = tempfile::tempdir().unwrap();
    let stranger = cert::init(elsewhere.path(), &hosts(&["yinhuan.lan"]), false).unwrap();
    let stranger_ca = der_of(&stranger.files.ca_cert());
    assert!(https_get(addr, &stranger_ca, "yinhuan.lan", "/")
        .await
        .is_err());
    task.abort();
}

#[tokio::test]
async fn the_served_certificate_is_swapped_after_renewal_without_a_restart() {
    let site = Site::with_local_ca().await;
    let source = CertSource::from_config(&site.state.config).unwrap();
    let cert = ReloadingCert::load(source).unwrap();
    let before = cert.info();
    assert!(!cert.reload_if_changed().unwrap(), "nothing changed yet");

    cert::renew(site.data.path(), &hosts(&["10.9.8.7"])).unwrap();
    assert!(cert.reload_if_changed().unwrap());
    let after = cert.info();
    assert_ne!(after.fingerprint, before.fingerprint);
    assert!(after.hosts.contains(&Host::parse("10.9.8.7").unwrap()));

    // Expiry: nothing to say today; 30 days before the end, a warning saying what to run.
    let now = OffsetDateTime::now_utc();
    assert_eq!(cert.expiry_warning(now), None);
    let late = after.not_after - time::Duration::days(10);
    let warning = cert.expiry_warning(late).expect("a warning");
    assert!(
        warning.contains("还剩 9 天") || warning.contains("还剩 10 天"),
        "{warning}"
    );
    assert!(warning.contains("tls renew"), "{warning}");
    let expired = cert
        .expiry_warning(after.not_after + time::Duration::days(1))
        .unwrap();
    assert!(expired.contains("已于"), "{expired}");
}

#[tokio::test]
async fn an_office_certificate_is_served_as_given_and_a_broken_pair_is_refused() {
    let office = tempfile::tempdir().unwrap();
    let issued = cert::init(office.path(), &hosts(&["yinhuan.example.gov.cn"]), false).unwrap();
    let site = Site::new(|_, config| {
        config.tls_cert = Some(issued.files.server_cert());
        config.tls_key = Some(issued.files.server_key());
    })
    .await;
    let source = CertSource::from_config(&site.state.config).unwrap();
    assert!(!source.local_ca);
    assert_eq!(source.cert, issued.files.server_cert());

    // The key of another certificate: refused at start, with the file named.
    let other = tempfile::tempdir().unwrap();
    let wrong = cert::init(other.path(), &[], false).unwrap();
    let err = ReloadingCert::load(CertSource {
        cert: issued.files.server_cert(),
        key: wrong.files.server_key(),
        local_ca: false,
    })
    .unwrap_err();
    assert!(err.to_string().contains("不配对"), "{err}");
    let err = ReloadingCert::load(CertSource {
        cert: issued.files.server_key(),
        key: issued.files.server_key(),
        local_ca: false,
    })
    .unwrap_err();
    assert!(err.to_string().contains("没有证书"), "{err}");
}

#[tokio::test]
async fn the_plain_port_redirects_to_https_except_onboarding() {
    let site = Site::with_local_ca().await;
    let router = redirect_app(site.state.clone());

    let res = call(&router, get("/jiancha/42?tab=2", "yinhuan.lan:8080")).await;
    assert_eq!(res.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        header(&res, "location"),
        "https://yinhuan.lan:8443/jiancha/42?tab=2"
    );
    assert_eq!(header(&res, "strict-transport-security"), "", "not on http");
    assert!(header(&res, "content-security-policy").starts_with("default-src 'self'"));
    let res = call(
        &router,
        Request::post("/api/login")
            .header("host", "192.168.1.20:8080")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        header(&res, "location"),
        "https://192.168.1.20:8443/api/login"
    );

    for uri in [
        "/onboarding",
        "/onboarding/ca.crt",
        "/onboarding/ca.pem",
        "/onboarding/onboarding.css",
        "/onboarding/onboarding.js",
    ] {
        let res = call(&router, get(uri, "192.168.1.20:8080")).await;
        assert_eq!(res.status(), StatusCode::OK, "{uri}");
        assert_eq!(header(&res, "x-content-type-options"), "nosniff", "{uri}");
    }
    // A host that is not a host name gets no redirect to somewhere made up.
    let res = call(&router, get("/", "evil.lan\"><script>")).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn onboarding_shows_the_https_address_its_qr_code_and_the_ca_fingerprint() {
    let site = Site::with_local_ca().await;
    let router = app(site.state.clone());
    let fingerprint = cert::fingerprint(&der_of(&site.files().ca_cert()));

    let res = call(&router, get("/onboarding", "yinhuan.lan:8080")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), "text/html; charset=utf-8");
    let html = String::from_utf8(body_bytes(res).await).unwrap();
    assert!(
        html.contains("https://yinhuan.lan:8443/"),
        "the request's host, https port"
    );
    assert!(html.contains(&fingerprint));
    assert!(html.contains("<svg"), "QR code");
    assert!(html.contains("href=\"/onboarding/ca.crt\""));
    assert!(html.contains("href=\"/onboarding/ca.pem\""));
    assert!(!html.contains("{{"), "every placeholder filled");

    // On the server itself (localhost) the page shows an address a phone can reach.
    let res = call(&router, get("/onboarding", "localhost:8080")).await;
    let html = String::from_utf8(body_bytes(res).await).unwrap();
    match yinhuan_server::tls::lan_addresses().first() {
        Some(ip) => assert!(html.contains(&format!("https://{ip}:8443/")), "{html}"),
        None => assert!(html.contains("https://localhost:8443/")),
    }
}

#[tokio::test]
async fn the_ca_is_downloadable_as_der_and_pem_and_no_key_ever_is() {
    let site = Site::with_local_ca().await;
    let files = site.files();
    let ca_der = der_of(&files.ca_cert());
    // A key pasted into ca.pem by mistake must not be served either.
    let mut pem = std::fs::read_to_string(files.ca_cert()).unwrap();
    pem.push_str(&std::fs::read_to_string(files.ca_key()).unwrap());
    std::fs::write(files.ca_cert(), &pem).unwrap();
    let router = app(site.state.clone());

    let res = call(&router, get("/onboarding/ca.crt", "yinhuan.lan")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), "application/x-x509-ca-cert");
    assert!(header(&res, "content-disposition").contains("yinhuan-ca.crt"));
    assert_eq!(body_bytes(res).await, ca_der);

    let res = call(&router, get("/onboarding/ca.pem", "yinhuan.lan")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), "application/x-pem-file");
    let served = body_bytes(res).await;
    let text = String::from_utf8(served.clone()).unwrap();
    assert!(text.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(!text.contains("PRIVATE KEY"));
    assert_eq!(
        CertificateDer::pem_slice_iter(&served)
            .map(|c| c.unwrap().to_vec())
            .collect::<Vec<_>>(),
        [ca_der]
    );

    // No route hands out a key: not the CA's, not the server's.
    let keys: Vec<Vec<u8>> = [files.ca_key(), files.server_key()]
        .iter()
        .map(|p| {
            rustls::pki_types::PrivateKeyDer::from_pem_file(p)
                .unwrap()
                .secret_der()
                .to_vec()
        })
        .collect();
    for uri in [
        "/onboarding",
        "/onboarding/ca.crt",
        "/onboarding/ca.pem",
        "/onboarding/ca.key",
        "/onboarding/server.key",
        "/tls/ca.key",
        "/ca.key",
        "/onboarding/../tls/ca.key",
    ] {
        let res = call(&router, get(uri, "yinhuan.lan")).await;
        let body = body_bytes(res).await;
        assert!(
            !String::from_utf8_lossy(&body).contains("PRIVATE KEY"),
            "{uri}"
        );
        for key in &keys {
            assert!(
                !body.windows(key.len()).any(|w| w == key.as_slice()),
                "{uri}"
            );
        }
    }
}

#[tokio::test]
async fn without_a_local_ca_the_downloads_are_a_404_in_chinese() {
    // No certificate at all: no CA, and the page says https is not on yet.
    let plain = Site::new(|_, _| {}).await;
    let router = app(plain.state.clone());
    for uri in ["/onboarding/ca.crt", "/onboarding/ca.pem"] {
        let res = call(&router, get(uri, "yinhuan.lan")).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{uri}");
        let text = String::from_utf8(body_bytes(res).await).unwrap();
        assert!(text.contains("本服务器没有本地根证书"), "{text}");
    }
    let res = call(&router, get("/onboarding", "yinhuan.lan")).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let text = String::from_utf8(body_bytes(res).await).unwrap();
    assert!(text.contains("tls init"));

    // The office's own certificate: its `tls/` leftovers are not offered.
    let office = tempfile::tempdir().unwrap();
    let issued = cert::init(office.path(), &[], false).unwrap();
    let own = Site::new(|data, config| {
        cert::init(data, &[], false).unwrap();
        config.tls_cert = Some(issued.files.server_cert());
        config.tls_key = Some(issued.files.server_key());
    })
    .await;
    let res = call(&app(own.state.clone()), get("/onboarding/ca.crt", "x.lan")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[test]
fn serve_opens_plain_http_without_a_certificate_and_https_with_one() {
    let data = tempfile::tempdir().unwrap();
    let mut config = Config::new("dist", data.path());
    let addr = |s: &str| s.parse::<SocketAddr>().unwrap();

    // As today: plain http on --addr's default.
    assert_eq!(
        config.listeners(None).unwrap(),
        Listeners {
            https: None,
            redirect: None,
            plain: vec![addr("127.0.0.1:8080")],
        }
    );
    config.http_redirect = HttpRedirect::At(addr("0.0.0.0:8080"));
    let err = config.listeners(None).unwrap_err();
    assert!(err.contains("tls init"), "{err}");
    config.http_redirect = HttpRedirect::Default;
    config.listen = Some(addr("0.0.0.0:9000"));
    assert_eq!(
        config.listeners(None).unwrap().plain,
        [addr("0.0.0.0:9000")]
    );
    config.listen = None;

    // tls init's certificate: https on every interface, a redirect port, no plain app.
    cert::init(data.path(), &[], false).unwrap();
    let source = CertSource::from_config(&config).unwrap();
    assert_eq!(
        config.listeners(Some(&source)).unwrap(),
        Listeners {
            https: Some(addr("0.0.0.0:8443")),
            redirect: Some(addr("0.0.0.0:8080")),
            plain: vec![],
        }
    );
    assert_eq!(config.https_port(), Some(8443));
    // An explicit --addr adds the plain app (e.g. 127.0.0.1 for a local script).
    config.addr = addr("127.0.0.1:18080");
    config.addr_set = true;
    config.listen = Some(addr("127.0.0.1:18443"));
    config.http_redirect = HttpRedirect::Off;
    assert_eq!(
        config.listeners(Some(&source)).unwrap(),
        Listeners {
            https: Some(addr("127.0.0.1:18443")),
            redirect: None,
            plain: vec![addr("127.0.0.1:18080")],
        }
    );
    assert_eq!(config.https_port(), Some(18443));

    // The office's own certificate: no redirect port unless asked for.
    let mut own = Config::new("dist", tempfile::tempdir().unwrap().path());
    own.tls_cert = Some("/etc/ssl/yh.pem".into());
    own.tls_key = Some("/etc/ssl/yh.key".into());
    let source = CertSource::from_config(&own).unwrap();
    assert!(!source.local_ca);
    assert_eq!(own.listeners(Some(&source)).unwrap().redirect, None);
    own.http_redirect = HttpRedirect::At(addr("0.0.0.0:80"));
    assert_eq!(
        own.listeners(Some(&source)).unwrap().redirect,
        Some(addr("0.0.0.0:80"))
    );
}

/// A login attempt from `peer` with an `X-Forwarded-For` header.
fn login_from(peer: &str, forwarded_for: Option<&str>) -> Request<Body> {
    let mut req = Request::post("/api/login")
        .header("content-type", "application/json")
        .header("host", "yinhuan.lan");
    if let Some(xff) = forwarded_for {
        req = req.header("x-forwarded-for", xff);
    }
    let mut req = req
        .body(Body::from(
            json!({"username": "zhang", "password": "wrong-password"}).to_string(),
        ))
        .unwrap();
    let peer: SocketAddr = format!("{peer}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(peer));
    req
}

#[tokio::test]
async fn a_spoofed_forwarded_for_does_not_change_the_login_limiter_key() {
    const PROXY: &str = "10.0.0.1";
    let site = Site::new(|_, config| config.behind_proxy = Some(PROXY.parse().unwrap())).await;
    let router = app(site.state.clone());

    // Not the proxy: each attempt claims another client; all count against the real peer.
    for i in 0..5 {
        let xff = format!("203.0.113.{i}");
        let res = call(&router, login_from("10.0.0.9", Some(&xff))).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = call(&router, login_from("10.0.0.9", Some("198.51.100.77"))).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = call(&router, login_from("10.0.0.9", None)).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);

    // The proxy: the client it appended is the key (a client-sent first entry is not).
    for _ in 0..5 {
        let res = call(&router, login_from(PROXY, Some("1.2.3.4, 192.168.1.50"))).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = call(&router, login_from(PROXY, Some("192.168.1.50"))).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = call(&router, login_from(PROXY, Some("192.168.1.51"))).await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "another client behind the proxy"
    );
}

#[tokio::test]
async fn without_behind_proxy_forwarded_headers_are_ignored() {
    let site = Site::new(|_, _| {}).await;
    let router = app(site.state.clone());
    for i in 0..5 {
        let xff = format!("203.0.113.{i}");
        let res = call(&router, login_from("10.0.0.1", Some(&xff))).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = call(&router, login_from("10.0.0.1", Some("203.0.113.99"))).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);

    // Nor does X-Forwarded-Proto earn HSTS.
    let mut req = get("/api/health", "yinhuan.lan");
    req.headers_mut()
        .insert("x-forwarded-proto", "https".parse().unwrap());
    req.extensions_mut()
        .insert(ConnectInfo("10.0.0.1:40000".parse::<SocketAddr>().unwrap()));
    let res = call(&router, req).await;
    assert_eq!(header(&res, "strict-transport-security"), "");
}

#[tokio::test]
async fn behind_the_proxy_forwarded_https_gets_hsts_and_the_proxy_address_on_onboarding() {
    let site = Site::new(|_, config| config.behind_proxy = Some("10.0.0.1".parse().unwrap())).await;
    let router = app(site.state.clone());
    let request = |peer: &str, uri: &str| {
        let mut req = get(uri, "yinhuan.example.gov.cn");
        req.headers_mut()
            .insert("x-forwarded-proto", "https".parse().unwrap());
        req.extensions_mut().insert(ConnectInfo(
            format!("{peer}:40000").parse::<SocketAddr>().unwrap(),
        ));
        req
    };
    let res = call(&router, request("10.0.0.1", "/api/health")).await;
    assert_eq!(
        header(&res, "strict-transport-security"),
        "max-age=31536000"
    );
    let res = call(&router, request("10.0.0.2", "/api/health")).await;
    assert_eq!(header(&res, "strict-transport-security"), "");

    let res = call(&router, request("10.0.0.1", "/onboarding")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = String::from_utf8(body_bytes(res).await).unwrap();
    assert!(
        html.contains("https://yinhuan.example.gov.cn/"),
        "no port: the proxy's 443"
    );
}

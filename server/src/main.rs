//! `yinhuan-server`: parse the command line, then run the chosen command.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use axum::serve::ListenerExt;
use axum::Router;
use model::sync::Role;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use yinhuan_server::auth::{self, NewUser};
use yinhuan_server::cli::{self, Command};
use yinhuan_server::tls::listener::{self as tls_listener, ReloadingCert, TlsListener};
use yinhuan_server::tls::{self, CertSource, Host, LocalCa};
use yinhuan_server::{app, https_app, photos, redirect_app, telemetry, AppState, Config, Db};

/// How often `serve` deletes old photos no record references.
const ORPHAN_CLEANUP_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

#[tokio::main]
async fn main() -> ExitCode {
    let command = match cli::parse(std::env::args().skip(1), |key| std::env::var(key).ok()) {
        Ok(command) => command,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Help => {
            // Not println!: `yinhuan-server help | head` must not panic on a closed pipe.
            let _ = writeln!(std::io::stdout(), "{}", cli::USAGE);
            ExitCode::SUCCESS
        }
        Command::UserAdd {
            config,
            user,
            password,
            admin,
        } => match user_add(config, user, password, admin).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("创建账号失败：{e}");
                ExitCode::FAILURE
            }
        },
        Command::UserChange {
            config,
            username,
            change,
        } => match user_change(config, &username, change).await {
            Ok(message) => {
                println!("{message}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("操作失败：{e}");
                ExitCode::FAILURE
            }
        },
        Command::Check { config } => yinhuan_server::check::run(&config).await,
        Command::Backup {
            config,
            to,
            photos_only,
            keep,
        } => yinhuan_server::backup::run_backup(&config, &to, photos_only, keep).await,
        Command::Restore {
            from,
            data,
            database_url,
        } => yinhuan_server::backup::run_restore(&from, &data, database_url.as_deref()).await,
        Command::DbCopy { config, to } => yinhuan_server::db_copy::run(&config, &to).await,
        Command::PhotosMigrate { config, to } => match migrate_photos(config, to).await {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(e) => {
                eprintln!("迁移照片失败：{e}\n已复制的照片保留在目标处；排除问题后重新运行同一命令即可继续。");
                ExitCode::FAILURE
            }
        },
        Command::CleanOrphans { config } => match clean_orphans(config).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("清理照片失败：{e}");
                ExitCode::FAILURE
            }
        },
        Command::TlsInit {
            config,
            hosts,
            force,
        } => report_tls(tls_init(&config, hosts, force), &config),
        Command::TlsRenew { config, hosts } => report_tls(
            tls::cert::renew(&config.data_dir, &hosts).map(|i| (i, false)),
            &config,
        ),
        Command::Serve { config, demo } => {
            telemetry::init();
            match serve(config, demo).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("启动失败：{e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

async fn user_add(
    config: Config,
    user: NewUser,
    password: Option<String>,
    admin: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let password = match password {
        Some(p) => p,
        None => {
            eprintln!(
                "请输入账号 {} 的密码（至少 8 位），回车结束：",
                user.username
            );
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let db = Db::open(&config).await?;
    let flags = auth::AccountFlags {
        is_admin: admin,
        must_change_password: false,
    };
    let created = auth::create_user_with(&db, &user, &password, flags).await;
    db.close().await;
    created?;
    let scope = match (user.role.county(), user.role.enterprise_id()) {
        (Some(c), _) => format!("，县（市、区）代码 {c}"),
        (_, Some(e)) => format!("，企业 {e}"),
        _ => String::new(),
    };
    println!(
        "已创建账号 {}（{}，{}{}{}），数据库：{}。",
        user.username,
        user.display_name,
        user.role.kind().label(),
        scope,
        if admin { "，管理员" } else { "" },
        db.backend().as_str()
    );
    Ok(())
}

/// `user set-admin|disable|enable|reset-password`.
async fn user_change(
    config: Config,
    username: &str,
    change: yinhuan_server::admin::cli::UserChange,
) -> Result<String, Box<dyn std::error::Error>> {
    let db = Db::open(&config).await?;
    let done = yinhuan_server::admin::cli::run(&db, username, change).await;
    db.close().await;
    Ok(done?)
}

/// `photos migrate --to …`: `Ok(false)` when some source photos were damaged (not copied).
async fn migrate_photos(
    config: Config,
    to: photos::PhotoLocation,
) -> Result<bool, Box<dyn std::error::Error>> {
    let from_location = config.photo_location();
    if from_location == to {
        return Err(format!("目标与当前照片位置相同（{to}），无需迁移。").into());
    }
    let from = photos::PhotoStore::open(&from_location, &config.data_dir)?;
    let target = photos::PhotoStore::open(&to, &config.data_dir)?;
    target
        .probe()
        .await
        .map_err(|e| format!("无法访问目标照片存储 {to}：{e}"))?;
    println!("正在把照片从 {from_location} 复制到 {to}（逐张校验 SHA-256）…");
    let started = std::time::Instant::now();
    let done = photos::migrate::migrate(&from, &target, |t| {
        if t.listed % 1000 == 0 {
            println!(
                "  已处理 {} 张（复制 {}，已在目标 {}）",
                t.listed, t.copied, t.present
            );
        }
    })
    .await?;
    println!(
        "完成：共 {} 张，本次复制 {} 张（{:.1} MB），目标已有且校验一致 {} 张，修复 {} 张，\
         处理中被清理 {} 张，用时 {:.1} 秒。",
        done.listed,
        done.copied,
        done.copied_bytes as f64 / (1024.0 * 1024.0),
        done.present,
        done.repaired,
        done.vanished,
        started.elapsed().as_secs_f64()
    );
    if done.damaged.is_empty() {
        println!("全部校验通过。下一步：以 --photos {to}（或 PHOTOS={to}）重启各服务器；确认无误后再删除原照片目录。");
        Ok(true)
    } else {
        println!(
            "有 {} 张原照片内容与编号不符，未复制（请从备份恢复后重新运行）：",
            done.damaged.len()
        );
        for sha in &done.damaged {
            println!("  {sha}");
        }
        Ok(false)
    }
}

/// `photos clean-orphans`: what the running server does every hour, once, now.
async fn clean_orphans(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let db = Db::open(&config).await?;
    let store = photos::PhotoStore::open(&config.photo_location(), &config.data_dir)?;
    let cleaned = photos::clean_orphans(&db, &store, config.orphan_photo_max_age()).await;
    db.close().await;
    let cleaned = cleaned?;
    println!(
        "已删除 {} 张上传超过 {} 天且没有任何记录引用的照片，共 {:.1} MB。",
        cleaned.photos,
        config.orphan_photo_days,
        cleaned.bytes as f64 / (1024.0 * 1024.0)
    );
    Ok(())
}

/// `--demo`: the demo 市级 account, created only when asked and only if missing.
const DEMO_USER: &str = "demo";
const DEMO_PASSWORD: &str = "demo1234";

async fn ensure_accounts(db: &Db, demo: bool) -> Result<(), Box<dyn std::error::Error>> {
    if demo {
        let user = NewUser {
            username: DEMO_USER.to_owned(),
            display_name: "演示账号".to_owned(),
            role: Role::City,
            assignment: None,
        };
        // An administrator, so the demo shows the 管理 screens too.
        let flags = auth::AccountFlags {
            is_admin: true,
            must_change_password: false,
        };
        match auth::create_user_with(db, &user, DEMO_PASSWORD, flags).await {
            Ok(()) => println!(
                "已创建演示账号：{DEMO_USER} / {DEMO_PASSWORD}（市级，可查看全部数据；正式使用前请勿保留）"
            ),
            Err(auth::UserError::Exists(_)) => {
                println!("演示账号 {DEMO_USER} 已存在，未改动其密码。")
            }
            Err(e) => return Err(e.into()),
        }
    }
    if auth::count_users(db).await? == 0 {
        println!(
            "尚无任何账号，应用无法登录同步。创建第一个账号（密码从标准输入读取）：\n  \
             yinhuan-server user add admin --role city --name 管理员 --admin\n\
             或用 yinhuan-server serve --demo 创建演示账号 demo / demo1234。"
        );
    }
    Ok(())
}

/// `tls init`: with no `--host`, this machine's LAN addresses and its name.
fn tls_init(
    config: &Config,
    mut hosts: Vec<Host>,
    force: bool,
) -> Result<(tls::Issued, bool), tls::TlsError> {
    let guessed = hosts.is_empty();
    if guessed {
        hosts = tls::lan_addresses().into_iter().map(Host::Ip).collect();
        if let Some(Ok(name)) = tls::hostname().map(|n| Host::parse(&n)) {
            hosts.push(name);
        }
    }
    tls::cert::init(&config.data_dir, &hosts, force).map(|i| (i, guessed))
}

fn report_tls(result: Result<(tls::Issued, bool), tls::TlsError>, config: &Config) -> ExitCode {
    let (issued, guessed) = match result {
        Ok(ok) => ok,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let names = issued
        .hosts
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("、");
    let data = config.data_dir.display();
    let mut out = format!(
        "证书已写入 {}：\n  \
         根证书：{}（ca.pem；私钥 ca.key 只留在本机，切勿拷贝或发给任何人）\n  \
         根证书 SHA-256 指纹：{}\n  \
         服务器证书适用于：{names}\n  \
         服务器证书有效期至：{}（到期前运行 yinhuan-server tls renew --data {data}，手机无需重新安装）\n",
        issued.files.dir.display(),
        issued.ca_subject,
        issued.ca_fingerprint,
        tls_listener::date(issued.server_not_after),
    );
    if guessed {
        out.push_str(
            "  （未给出 --host，已使用本机当前的局域网地址和主机名；地址变了用 \
             yinhuan-server tls renew --host 新地址 加入。）\n",
        );
    }
    out.push_str(&format!(
        "下一步：启动服务（scripts/run，或 yinhuan-server serve --data {data}），\
         再在每部手机上打开启动时显示的 http://…/onboarding 页面安装根证书。"
    ));
    let _ = writeln!(std::io::stdout(), "{out}");
    ExitCode::SUCCESS
}

async fn serve(config: Config, demo: bool) -> Result<(), Box<dyn std::error::Error>> {
    tracing::info!(?config, "starting");
    if !config.index_html().is_file() {
        tracing::warn!(
            dist = %config.dist_dir.display(),
            "尚未构建前端：请先运行 scripts/run（或用 --dist 指向已构建的目录）"
        );
    }
    let source = CertSource::from_config(&config);
    let plan = config.listeners(source.as_ref())?;
    // An unusable certificate stops the start here, with the file named.
    let cert = source.map(ReloadingCert::load).transpose()?;
    let orphan_age = config.orphan_photo_max_age();
    let state = AppState::open(config).await?;
    let db = state.db.clone();
    tracing::info!(db = db.backend().as_str(), "database ready");
    ensure_accounts(&db, demo).await?;
    // An unreachable object store is told at the start, not at the first upload; the server
    // still starts (records sync without photos, and the store may come back).
    match state.photos.probe().await {
        Ok(()) => tracing::info!(photos = %state.photos.location(), "photo store ready"),
        Err(e) => {
            tracing::error!(photos = %state.photos.location(), error = %e, "照片存储无法访问")
        }
    }
    photos::spawn_orphan_cleanup(
        db.clone(),
        state.photos.clone(),
        orphan_age,
        ORPHAN_CLEANUP_EVERY,
    );
    yinhuan_server::backup::start_scheduled(&db, &state.config);

    // Every socket is bound before anything is served: a port in use fails the start.
    let shutdown = CancellationToken::new();
    let mut servers = JoinSet::new();
    let mut bound = Bound::default();
    if let (Some(addr), Some(cert)) = (plan.https, &cert) {
        let tcp = bind(addr).await?;
        bound.https = Some(tcp.local_addr()?);
        let tls = TlsListener::new(tcp, tls_listener::server_config(cert.clone())?)?
            // Connect info (the login limiter's client address) for a custom listener.
            .tap_io(|_| ());
        let router = https_app(state.clone());
        let stop = shutdown.clone();
        servers.spawn(async move {
            axum::serve(
                tls,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(stop.cancelled_owned())
            .await
        });
        cert.spawn_watch();
    }
    if let Some(addr) = plan.redirect {
        let tcp = bind(addr).await?;
        bound.redirect = Some(tcp.local_addr()?);
        spawn_plain(&mut servers, tcp, redirect_app(state.clone()), &shutdown);
    }
    for addr in plan.plain {
        let tcp = bind(addr).await?;
        bound.plain.push(tcp.local_addr()?);
        spawn_plain(&mut servers, tcp, app(state.clone()), &shutdown);
    }
    let local_ca = LocalCa::load(&state.config);
    print_start(&bound, cert.as_deref(), local_ca.as_ref(), &state.config);

    let failed = tokio::select! {
        () = shutdown_signal() => None,
        Some(ended) = servers.join_next() => Some(ended),
    };
    shutdown.cancel();
    let mut result: Result<(), Box<dyn std::error::Error>> = Ok(());
    if let Some(ended) = failed {
        // A server only ends by itself on an error.
        let e = flatten(ended)
            .err()
            .unwrap_or_else(|| "监听端口意外关闭".into());
        tracing::error!("服务意外停止：{e}");
        result = Err(e);
    }
    while let Some(ended) = servers.join_next().await {
        if let Err(e) = flatten(ended) {
            tracing::error!("服务意外停止：{e}");
            result = Err(e);
        }
    }
    // Closing the pool lets SQLite checkpoint its WAL into the main file.
    db.close().await;
    tracing::info!("stopped");
    result
}

fn flatten(
    ended: Result<std::io::Result<()>, tokio::task::JoinError>,
) -> Result<(), Box<dyn std::error::Error>> {
    Ok(ended??)
}

fn spawn_plain(
    servers: &mut JoinSet<std::io::Result<()>>,
    tcp: TcpListener,
    router: Router,
    shutdown: &CancellationToken,
) {
    let stop = shutdown.clone();
    servers.spawn(async move {
        // No Nagle, as on the HTTPS listener: a small write after another (a response's
        // tail) must not wait up to 40 ms for the client's delayed ACK.
        let tcp = tcp.tap_io(|stream| {
            let _ = stream.set_nodelay(true);
        });
        // Connect info gives the login rate limit the client's IP.
        axum::serve(
            tcp,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(stop.cancelled_owned())
        .await
    });
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, String> {
    TcpListener::bind(addr).await.map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                "端口已被占用：换一个端口（--listen、--http-redirect、--addr），\
                 或用 --http-redirect off 不开 http 跳转端口"
            }
            std::io::ErrorKind::PermissionDenied => {
                "1024 以下的端口需要管理员权限：换一个端口，或按 deploy/ 中的说明授予权限"
            }
            _ => "请检查地址是否属于本机",
        };
        format!("无法监听 {addr}：{e}（{hint}）")
    })
}

/// The addresses actually listened on (port 0 resolved).
#[derive(Default)]
struct Bound {
    https: Option<SocketAddr>,
    redirect: Option<SocketAddr>,
    plain: Vec<SocketAddr>,
}

/// What the office needs to see at start (stdout, Chinese): the addresses phones open, the
/// onboarding page, the CA fingerprint and a QR code of the first https address.
fn print_start(bound: &Bound, cert: Option<&ReloadingCert>, ca: Option<&LocalCa>, config: &Config) {
    let lan = tls::lan_addresses();
    let mut out = String::new();
    let Some(https) = bound.https else {
        for addr in &bound.plain {
            out.push_str(&format!("隐患排查服务已启动：http://{addr}\n"));
        }
        let host = lan
            .first()
            .map(ToString::to_string)
            .unwrap_or_else(|| "本机局域网IP".to_owned());
        out.push_str(&format!(
            "提示：手机只能通过 HTTPS 使用本应用（离线、拍照、照片指纹都需要）。要让手机通过局域网使用，\
             先在本机运行\n  yinhuan-server tls init --data {} --host {host}\n然后重新启动服务。\n",
            config.data_dir.display()
        ));
        let _ = write!(std::io::stdout(), "{out}");
        return;
    };
    let cert_hosts = cert.map(|c| c.info().hosts).unwrap_or_default();
    let urls = tls::public_urls(https, &cert_hosts, &lan);
    out.push_str("隐患排查服务已启动（HTTPS）。手机和其他电脑打开：\n");
    for (url, covered) in &urls {
        match covered {
            true => out.push_str(&format!("  {url}\n")),
            false => out.push_str(&format!(
                "  {url}  （证书不含这个地址：运行 yinhuan-server tls renew --data {} --host {} 后一分钟内生效）\n",
                config.data_dir.display(),
                url.trim_start_matches("https://").rsplit_once(':').map_or("", |(h, _)| h)
            )),
        }
    }
    out.push_str(&format!(
        "  本机打开：{}\n",
        tls::https_url("localhost", https.port())
    ));
    for addr in &bound.plain {
        out.push_str(&format!(
            "  另在 http://{addr} 提供（仅 http，不要在局域网上使用）\n"
        ));
    }
    let first_host = urls
        .first()
        .and_then(|(u, _)| u.trim_start_matches("https://").rsplit_once(':'))
        .map(|(h, _)| h.to_owned())
        .unwrap_or_else(|| "localhost".to_owned());
    if let Some(ca) = ca {
        let onboarding = match bound.redirect {
            Some(r) => format!("http://{first_host}:{}/onboarding", r.port()),
            None => format!(
                "{}onboarding（浏览器会提示证书不受信任，先在该页下载根证书）",
                tls::https_url(&first_host, https.port())
            ),
        };
        out.push_str(&format!(
            "手机第一次使用：先打开 {onboarding} 安装根证书（每部手机一次）。\n\
             根证书 SHA-256 指纹（安装时核对）：\n  {}\n",
            ca.fingerprint
        ));
    } else if let Some(r) = bound.redirect {
        out.push_str(&format!(
            "http://{first_host}:{}/ 会自动转到 HTTPS 地址。\n",
            r.port()
        ));
    }
    if let Some((url, _)) = urls.first() {
        out.push_str(&format!("安装根证书后，用手机扫描二维码打开 {url}：\n"));
        out.push_str(&tls::qr::terminal(url));
        out.push('\n');
    }
    if let Some(w) = cert.and_then(|c| c.expiry_warning(time::OffsetDateTime::now_utc())) {
        out.push_str(&format!("注意：{w}\n"));
    }
    let _ = write!(std::io::stdout(), "{out}");
}

/// Resolves on Ctrl-C or SIGTERM (what `docker stop` and systemd send); in-flight requests
/// then finish before the process exits.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

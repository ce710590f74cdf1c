//! `yinhuan-server`: parse the command line, then run the chosen command.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use model::sync::Role;
use tokio::net::TcpListener;
use yinhuan_server::auth::{self, NewUser};
use yinhuan_server::cli::{self, Command};
use yinhuan_server::{app, photos, telemetry, AppState, Config, Db};

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
        } => match user_add(config, user, password).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("创建账号失败：{e}");
                ExitCode::FAILURE
            }
        },
        Command::Check { config } => yinhuan_server::check::run(&config).await,
        Command::CleanOrphans { config } => match clean_orphans(config).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("清理照片失败：{e}");
                ExitCode::FAILURE
            }
        },
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
    let created = auth::create_user(&db, &user, &password).await;
    db.close().await;
    created?;
    let scope = match (user.role.county(), user.role.enterprise_id()) {
        (Some(c), _) => format!("，县（市、区）代码 {c}"),
        (_, Some(e)) => format!("，企业 {e}"),
        _ => String::new(),
    };
    println!(
        "已创建账号 {}（{}，{}{}），数据库：{}。",
        user.username,
        user.display_name,
        user.role.kind().label(),
        scope,
        db.backend().as_str()
    );
    Ok(())
}

/// `photos clean-orphans`: what the running server does every hour, once, now.
async fn clean_orphans(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let db = Db::open(&config).await?;
    let cleaned =
        photos::clean_orphans(&db, &config.photos_dir(), config.orphan_photo_max_age()).await;
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
        match auth::create_user(db, &user, DEMO_PASSWORD).await {
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
             yinhuan-server user add admin --role city --name 管理员\n\
             或用 yinhuan-server serve --demo 创建演示账号 demo / demo1234。"
        );
    }
    Ok(())
}

async fn serve(config: Config, demo: bool) -> Result<(), Box<dyn std::error::Error>> {
    tracing::info!(?config, "starting");
    if !config.index_html().is_file() {
        tracing::warn!(
            dist = %config.dist_dir.display(),
            "尚未构建前端：请先运行 scripts/run（或用 --dist 指向已构建的目录）"
        );
    }
    let addr = config.addr;
    let (photos_dir, orphan_age) = (config.photos_dir(), config.orphan_photo_max_age());
    let state = AppState::open(config).await?;
    let db = state.db.clone();
    tracing::info!(db = db.backend().as_str(), "database ready");
    ensure_accounts(&db, demo).await?;
    photos::spawn_orphan_cleanup(db.clone(), photos_dir, orphan_age, ORPHAN_CLEANUP_EVERY);

    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| format!("无法监听 {addr}：{e}（端口被占用？可用 --addr 换一个）"))?;
    println!("隐患排查服务已启动：http://{}", listener.local_addr()?);

    // Connect info gives the login rate limit the client's IP.
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    // Closing the pool lets SQLite checkpoint its WAL into the main file.
    db.close().await;
    tracing::info!("stopped");
    Ok(())
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

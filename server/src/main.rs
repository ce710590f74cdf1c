//! `yinhuan-server`: parse the command line, then run the chosen command.

use std::io::Write;
use std::process::ExitCode;

use tokio::net::TcpListener;
use yinhuan_server::cli::{self, Command};
use yinhuan_server::{app, telemetry, AppState, Config};

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
        Command::Serve(config) => {
            telemetry::init();
            match serve(config).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("启动失败：{e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    tracing::info!(?config, "starting");
    if !config.index_html().is_file() {
        tracing::warn!(
            dist = %config.dist_dir.display(),
            "尚未构建前端：请先运行 scripts/run（或用 --dist 指向已构建的目录）"
        );
    }
    let addr = config.addr;
    let state = AppState::open(config).await?;
    let db = state.db.clone();
    tracing::info!(db = db.backend().as_str(), "database ready");

    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| format!("无法监听 {addr}：{e}（端口被占用？可用 --addr 换一个）"))?;
    println!("隐患排查服务已启动：http://{}", listener.local_addr()?);

    axum::serve(listener, app(state))
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

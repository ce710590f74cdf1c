//! Command line: `yinhuan-server serve [--addr A] [--dist D] [--data D]`.
//!
//! Hand-rolled: one subcommand and three flags do not justify a parser dependency. A flag wins
//! over its environment variable, which wins over the default. New subcommands (issue 4's
//! `user add`) are one more arm in [`Command`] and in [`parse`].

use std::net::SocketAddr;

use crate::config::Config;

pub const USAGE: &str = "\
隐患排查服务器 yinhuan-server

用法:
  yinhuan-server serve [--addr 地址:端口] [--dist 前端目录] [--data 数据目录]
  yinhuan-server help

选项 (括号内为对应的环境变量与默认值):
  --addr   监听地址 (ADDR, 默认 127.0.0.1:8080)
  --dist   已构建的前端目录 (DIST_DIR, 默认 dist)
  --data   数据目录, 存放 SQLite 数据库与照片 (DATA_DIR, 默认 ./data)

环境变量:
  DATABASE_URL   不设置时使用 <数据目录>/yinhuan.db (SQLite);
                 设为 postgres://用户@主机/库 则使用 PostgreSQL
  RUST_LOG       日志级别, 默认 info,tower_http=info

不带参数运行等同于 serve。";

#[derive(Debug)]
pub enum Command {
    Serve(Config),
    Help,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CliError {
    #[error("未知的子命令“{0}”。运行 yinhuan-server help 查看用法。")]
    UnknownCommand(String),
    #[error("未知的选项“{0}”。运行 yinhuan-server help 查看用法。")]
    UnknownFlag(String),
    #[error("选项 {0} 缺少取值。")]
    MissingValue(&'static str),
    #[error("监听地址“{0}”无效，应形如 127.0.0.1:8080。")]
    BadAddr(String),
}

/// Parses the arguments after the program name; `env` looks up environment variables
/// (injected so tests do not touch the process environment).
pub fn parse<I, E>(args: I, env: E) -> Result<Command, CliError>
where
    I: IntoIterator<Item = String>,
    E: Fn(&str) -> Option<String>,
{
    let mut args = args.into_iter();
    match args.next().as_deref() {
        None | Some("serve") => parse_serve(args, env).map(Command::Serve),
        Some("help" | "--help" | "-h") => Ok(Command::Help),
        Some(other) => Err(CliError::UnknownCommand(other.to_owned())),
    }
}

fn parse_serve<I, E>(mut args: I, env: E) -> Result<Config, CliError>
where
    I: Iterator<Item = String>,
    E: Fn(&str) -> Option<String>,
{
    // Empty environment variables count as unset: `DATABASE_URL= scripts/run` must mean SQLite.
    let env = |key: &str| env(key).filter(|v| !v.trim().is_empty());
    let mut addr = env("ADDR");
    let mut dist = env("DIST_DIR");
    let mut data = env("DATA_DIR");

    while let Some(flag) = args.next() {
        let (name, inline) = match flag.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (flag.clone(), None),
        };
        let slot = match name.as_str() {
            "--addr" => (&mut addr, "--addr"),
            "--dist" => (&mut dist, "--dist"),
            "--data" => (&mut data, "--data"),
            _ => return Err(CliError::UnknownFlag(flag)),
        };
        let value = match inline {
            Some(v) => v,
            None => args.next().ok_or(CliError::MissingValue(slot.1))?,
        };
        *slot.0 = Some(value);
    }

    let addr_text = addr.unwrap_or_else(|| Config::DEFAULT_ADDR.to_owned());
    let addr: SocketAddr = addr_text
        .parse()
        .map_err(|_| CliError::BadAddr(addr_text.clone()))?;
    let mut config = Config::new(
        dist.unwrap_or_else(|| Config::DEFAULT_DIST_DIR.to_owned()),
        data.unwrap_or_else(|| Config::DEFAULT_DATA_DIR.to_owned()),
    );
    config.addr = addr;
    config.database_url = env("DATABASE_URL");
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::path::Path;

    fn run(args: &[&str], env: &[(&str, &str)]) -> Result<Command, CliError> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        parse(args.iter().map(|s| s.to_string()), |k| env.get(k).cloned())
    }

    fn serve(args: &[&str], env: &[(&str, &str)]) -> Config {
        match run(args, env) {
            Ok(Command::Serve(config)) => config,
            other => panic!("expected serve, got {other:?}"),
        }
    }

    #[test]
    fn no_arguments_serve_with_the_defaults() {
        let config = serve(&[], &[]);
        assert_eq!(config.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.dist_dir, Path::new("dist"));
        assert_eq!(config.data_dir, Path::new("./data"));
        assert_eq!(config.database_url, None);
        assert_eq!(config.sqlite_path(), Path::new("./data/yinhuan.db"));
    }

    #[test]
    fn flags_win_over_environment_variables() {
        let env = [
            ("ADDR", "0.0.0.0:9000"),
            ("DIST_DIR", "/srv/dist"),
            ("DATA_DIR", "/var/lib/yh"),
            ("DATABASE_URL", "postgres://u@h/db"),
        ];
        let from_env = serve(&["serve"], &env);
        assert_eq!(from_env.addr.to_string(), "0.0.0.0:9000");
        assert_eq!(from_env.dist_dir, Path::new("/srv/dist"));
        assert_eq!(from_env.database_url.as_deref(), Some("postgres://u@h/db"));

        let from_flags = serve(
            &["serve", "--addr", "127.0.0.1:1", "--dist=d", "--data", "x"],
            &env,
        );
        assert_eq!(from_flags.addr.to_string(), "127.0.0.1:1");
        assert_eq!(from_flags.dist_dir, Path::new("d"));
        assert_eq!(from_flags.data_dir, Path::new("x"));
    }

    #[test]
    fn an_empty_database_url_means_sqlite() {
        assert_eq!(serve(&[], &[("DATABASE_URL", "")]).database_url, None);
    }

    #[test]
    fn mistakes_are_reported_in_chinese() {
        assert_eq!(
            run(&["serve", "--port", "1"], &[]).unwrap_err(),
            CliError::UnknownFlag("--port".into())
        );
        assert_eq!(
            run(&["serve", "--addr"], &[]).unwrap_err(),
            CliError::MissingValue("--addr")
        );
        assert_eq!(
            run(&["serve", "--addr", "8080"], &[]).unwrap_err(),
            CliError::BadAddr("8080".into())
        );
        assert_eq!(
            run(&["start"], &[]).unwrap_err(),
            CliError::UnknownCommand("start".into())
        );
        assert!(matches!(run(&["--help"], &[]), Ok(Command::Help)));
    }
}

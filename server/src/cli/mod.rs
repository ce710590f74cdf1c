//! Command line: `serve` (the default), `user add` and `check`.
//!
//! Hand-rolled: two subcommands and a handful of flags do not justify a parser dependency. A
//! flag wins over its environment variable, which wins over the default.

use std::net::SocketAddr;

use model::assignment::{Assignment, AssignmentError};
use model::date::Date;
use model::sync::{Role, RoleError, RoleKind};
use uuid::Uuid;

use crate::admin::cli::UserChange;
use crate::auth::NewUser;
use crate::config::{Config, HttpRedirect};

pub const USAGE: &str = "\
隐患排查服务器 yinhuan-server

用法:
  yinhuan-server serve [--addr 地址:端口] [--dist 前端目录] [--data 数据目录] [--demo]
                 [--photos 照片目录|s3://存储桶/前缀]
                 [--max-orphan-photos 张数] [--orphan-photo-days 天数]
                 [--listen 地址:端口] [--tls-cert 证书.pem --tls-key 私钥.pem]
                 [--http-redirect 地址:端口|off] [--behind-proxy 代理IP]
                 [--backup-dir 备份目录 [--backup-keep 份数] [--backup-at 时:分]]
  yinhuan-server tls init [--host IP或主机名]... [--data 数据目录] [--force]
  yinhuan-server tls renew [--host IP或主机名]... [--data 数据目录]
  yinhuan-server user add <账号> --role city|county|cross|enterprise
                 [--county 县代码] [--enterprise 企业编号] [--name 姓名] [--admin]
                 [--from 开始日期 --until 结束日期] [--password 密码] [--data 数据目录]
  yinhuan-server user set-admin <账号> on|off [--data 数据目录]
  yinhuan-server user disable|enable|reset-password <账号> [--data 数据目录]
  yinhuan-server check [--data 数据目录]
  yinhuan-server photos clean-orphans [--older-than-days 天数] [--data 数据目录] [--photos 位置]
  yinhuan-server photos migrate --to s3://存储桶/前缀 [--data 数据目录] [--photos 原位置]
  yinhuan-server backup --to 备份目录 [--data 数据目录] [--photos 位置] [--photos-only] [--keep 份数]
  yinhuan-server restore --from 备份目录[/快照名] --data 新的空目录
  yinhuan-server db copy --to postgres://用户@主机:端口/库名 [--data 数据目录]
  yinhuan-server help

serve 选项 (括号内为对应的环境变量与默认值):
  --addr   监听地址 (ADDR, 默认 127.0.0.1:8080)
  --dist   已构建的前端目录 (DIST_DIR, 默认 dist)
  --data   数据目录, 存放 SQLite 数据库与照片 (DATA_DIR, 默认 ./data)
  --photos 照片存放位置 (PHOTOS, 默认 数据目录/photos): 本机目录, 或 S3 兼容对象存储
           s3://存储桶/前缀 (MinIO、Garage、Ceph、云 OSS)。S3 的地址与密钥取自环境变量
           AWS_ENDPOINT_URL、AWS_REGION、AWS_ACCESS_KEY_ID、AWS_SECRET_ACCESS_KEY;
           http 地址另需 AWS_ALLOW_HTTP=true。多台服务器共用一个 PostgreSQL 时必须用 S3
  --demo   若尚无 demo 账号, 创建演示用市级账号 demo / demo1234 (仅用于演示, 勿用于正式环境)
  --listen        提供应用的地址 (LISTEN)。有证书时为 HTTPS, 默认 0.0.0.0:8443 (本机所有网卡);
                  没有证书时为 http, 默认同 --addr。有证书时 --addr 只在明确给出时另开一个 http 端口
  --tls-cert/--tls-key  单位已有的证书链与私钥 (PEM; TLS_CERT, TLS_KEY)。不给出时, 若数据目录下
                  有 tls/server.pem 与 tls/server.key (由 tls init 生成) 则自动使用
  --http-redirect 另开一个 http 端口, 把所有请求转到 HTTPS 地址, 但照常提供手机安装页
                  /onboarding 和根证书下载 (HTTP_REDIRECT)。使用 tls init 的证书时默认
                  0.0.0.0:8080; off 表示不开
  --behind-proxy  由 nginx/Caddy 等反向代理终止 HTTPS 时, 代理的 IP (BEHIND_PROXY)。只有来自该
                  地址的连接, 其 X-Forwarded-For / X-Forwarded-Proto 才被采信 (登录限制按真实
                  客户端地址计算); 其他连接的这两个请求头一律忽略
  --max-orphan-photos  每个账号最多可存放多少张尚无记录引用的照片; 达到后拒绝上传新照片,
                       直到同步了引用它们的记录 (MAX_ORPHAN_PHOTOS, 默认 500)
  --orphan-photo-days  尚无记录引用的照片在上传多少天后删除; 服务运行时每小时清理一次
                       (ORPHAN_PHOTO_DAYS, 默认 7, 至少 1)。被任何记录 (含已删除的记录) 引用的照片永不删除
  --backup-dir   每天定时备份到该目录, 最好在另一块硬盘上 (BACKUP_DIR; 不给出则不定时备份)。
                 PostgreSQL 时只备份照片, 记录另用 pg_dump 备份
  --backup-keep  只保留最近多少份定时备份, 更早的连同不再被任何备份引用的照片一起删除
                 (BACKUP_KEEP, 默认 14)
  --backup-at    每天几点备份, 北京时间 (BACKUP_AT, 默认 02:30)

user add 创建账号 (账号名: 2-32 个字母、数字、_ . -; 密码至少 8 位):
  --role        city 市级 | county 县级 | cross 交叉检查组 | enterprise 企业
  --county      县级账号的所属县, 或交叉检查组的受检县, GB/T 2260 代码 (如 140902 忻府区)
  --enterprise  企业账号所属企业的编号 (UUID)
  --from/--until 交叉检查组的检查期 (含首尾两天, 北京时间, 如 2025-03-03 与 2025-03-31);
                交叉检查组必填, 检查期外该账号不能登录、查看或修改任何记录
  --name        显示的姓名 (默认同账号名)
  --admin       设为管理员: 市级管理员可在应用的“管理”页管理全部账号; 县级管理员管理本县的
                检查员和本县企业的账号
  --password    密码; 不给出时从标准输入读取第一行
                (例: printf '%s\\n' \"$PW\" | yinhuan-server user add ...), 避免密码留在命令历史里
  例: yinhuan-server user add xinfu_li --role county --county 140902 --name 李四

user set-admin 设置或取消管理员; user disable 停用账号 (其所有设备随即退出登录); user enable 重新启用;
  user reset-password 生成一次性临时密码并显示 (该账号所有设备退出登录, 首次登录后须修改密码)。
  最后一个可用的市级管理员不能停用或取消管理员。各项操作记入审计日志 (操作者记为 console)。

tls init 在 <数据目录>/tls/ 生成本地根证书 (ca.pem, 私钥 ca.key 只留在本机) 和由它签发的服务器证书
  (server.pem, server.key), serve 启动时自动使用。每部手机安装一次根证书 (见 /onboarding 页面)。
  --host   手机访问本服务器用的 IP 或主机名, 可重复; 不给出时使用本机当前的全部局域网 IP 和主机名。
           总会加上 localhost 与 127.0.0.1
  --force  覆盖已有的证书 (之后每部手机都要重新安装根证书)
  例: yinhuan-server tls init --host 192.168.1.20 --host yinhuan.lan

tls renew 用同一根证书重新签发服务器证书 (名称不变, 可用 --host 增加新地址), 手机无需重新安装;
  运行中的服务一分钟内自动换用新证书。服务器证书有效期约 2 年 3 个月, 到期前 30 天起日志会提醒。

photos clean-orphans 立即删除上传已超过指定天数、且没有任何记录引用的照片:
  --older-than-days  天数 (ORPHAN_PHOTO_DAYS, 默认 7, 至少 1)

backup 备份数据库和照片, 服务运行中也可以执行 (SQLite 取同一时刻的一致快照; 照片按 SHA-256 增量复制,
  第二次起只复制新照片)。写入 备份目录/<日期-时间>/ (yinhuan.db 与清单 manifest.json) 和各份共用的
  备份目录/photos/, 备份目录/latest 记着最新一份:
  --to           备份目录 (最好在另一块硬盘或移动硬盘上)
  --photos-only  只备份照片 (数据库为 PostgreSQL 时必须加; 记录用 pg_dump 备份, 见 docs/deploy.md)
  --keep         备份后只保留最近多少份

restore 把一份备份恢复到新的空目录: 核对数据库文件、记录数和每张照片的 SHA-256, 任何一项不符即停止,
  不留下半成品。恢复出的数据库有新的实例编号, 各手机下次同步时会重新下载全部记录:
  --from  备份目录 (恢复最新一份) 或其中某个快照目录
  --data  新的空目录 (必须明确给出); 之后用 yinhuan-server serve --data 该目录 启动
  PostgreSQL: 先用 psql 把 pg_dump 的备份恢复到新数据库, 再设置 DATABASE_URL 指向它并运行 restore
  恢复照片 (见 docs/deploy.md)

db copy 把正在使用的 SQLite 数据库 (DATABASE_URL=sqlite:… 或 <数据目录>/yinhuan.db) 整库复制到
  PostgreSQL, 每条记录的 rev、变更序号、实例编号、账号、登录令牌、审计日志等完全不变, 各手机
  不用重新登录, 也不用重新下载。先停止服务 (之后写入的数据不会被复制), 再:
  --to    新建的空 PostgreSQL 库 (例: createdb -h 127.0.0.1 -U postgres yinhuan_city 后用
          postgres://postgres@127.0.0.1:5432/yinhuan_city); 已有账号或记录的库一律拒绝, 不做修改
  在一个事务中复制, 逐表核对行数与内容、最大 rev 与变更序号, 不一致则撤销。源 SQLite 文件中的数据不被改动。
  之后设置 DATABASE_URL 为该地址, 用同一个 --data 目录启动 serve (照片仍在其中)

check 检查数据库中的每条记录 (只读, 不做任何修改):
  逐条列出无法读取或未通过检查的记录 (记录编号、类型、所在县、问题), 最后给出合计;
  全部正常时退出码为 0, 否则为 1。报表中提示“另有 N 条记录无法读取”时运行它, 详见 docs/check.md。

环境变量:
  DATABASE_URL   不设置时使用 <数据目录>/yinhuan.db (SQLite);
                 设为 postgres://用户@主机/库 则使用 PostgreSQL
  RUST_LOG       日志级别, 默认 info,tower_http=info

不带参数运行等同于 serve。";

#[derive(Debug)]
pub enum Command {
    Serve {
        config: Config,
        /// `--demo`: create the demo account if missing.
        demo: bool,
    },
    UserAdd {
        config: Config,
        user: NewUser,
        /// `--password`; `None` means read it from stdin.
        password: Option<String>,
        /// `--admin`.
        admin: bool,
    },
    /// `user set-admin|disable|enable|reset-password <账号>`.
    UserChange {
        config: Config,
        username: String,
        change: UserChange,
    },
    /// `check`: list the stored records the model refuses.
    Check {
        config: Config,
    },
    /// `tls init`: a local CA and a server certificate in `<data>/tls/`.
    TlsInit {
        config: Config,
        /// `--host`, each checked; empty means "this machine's LAN addresses and name".
        hosts: Vec<crate::tls::Host>,
        force: bool,
    },
    /// `tls renew`: a new server certificate from the same CA, same names plus `hosts`.
    TlsRenew {
        config: Config,
        hosts: Vec<crate::tls::Host>,
    },
    /// `photos clean-orphans`: delete the photos no record references that were uploaded
    /// more than `config.orphan_photo_days` ago.
    CleanOrphans {
        config: Config,
    },
    /// `photos migrate --to LOCATION`: copy every photo of the configured store into another,
    /// verifying each hash; resumable.
    PhotosMigrate {
        config: Config,
        to: crate::photos::PhotoLocation,
    },
    /// `backup`: a snapshot of the database (SQLite) and the photos into `to`.
    Backup {
        config: Config,
        to: std::path::PathBuf,
        /// `--photos-only` (PostgreSQL: the records go through `pg_dump`).
        photos_only: bool,
        /// `--keep N`: prune to the newest N snapshots afterwards.
        keep: Option<u32>,
    },
    /// `restore`: a snapshot into a new data directory.
    Restore {
        from: std::path::PathBuf,
        data: std::path::PathBuf,
        /// `DATABASE_URL`: the PostgreSQL database restored from `pg_dump` (photos-only backups).
        database_url: Option<String>,
    },
    /// `db copy --to postgres://…`: the configured SQLite database into an empty PostgreSQL
    /// one, every row as it was (src/db_copy.rs).
    DbCopy {
        config: Config,
        to: String,
    },
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
    #[error("请给出账号名：yinhuan-server user add <账号> --role ...")]
    MissingUsername,
    #[error("请给出账号名，例如 yinhuan-server user {0} xinfu_li。")]
    MissingTarget(String),
    #[error("请写明 on（设为管理员）或 off（取消管理员），例如 yinhuan-server user set-admin xinfu_li on。")]
    BadOnOff,
    #[error("请用 --role 指定角色：city（市级）、county（县级）、cross（交叉检查组）或 enterprise（企业）。")]
    MissingRole,
    #[error("角色“{0}”无效，应为 city、county、cross 或 enterprise。")]
    BadRole(String),
    #[error("企业编号“{0}”无效，应为 UUID（在应用的企业页面可以看到）。")]
    BadEnterprise(String),
    #[error("{0}")]
    Role(#[from] RoleError),
    #[error("{0}")]
    Assignment(#[from] AssignmentError),
    #[error("日期“{0}”无效，应形如 2025-03-31。")]
    BadDate(String),
    #[error("只有交叉检查组（--role cross）账号有检查期，请去掉 --from / --until。")]
    AssignmentNotCross,
    #[error("{0}")]
    BadHost(String),
    #[error("{0}")]
    BadPhotos(String),
    #[error("请用 --to 给出目标位置，例如 yinhuan-server photos migrate --to s3://yinhuan-photos/xinzhou。")]
    MissingTo,
    #[error("db copy 的目标“{0}”不是 PostgreSQL 地址，应形如 postgres://postgres@127.0.0.1:5432/yinhuan_city。")]
    DbCopyTarget(String),
    #[error("{0} 的取值“{1}”无效，应为 IP 地址，例如 127.0.0.1。")]
    BadIp(&'static str, String),
    #[error("--tls-cert 与 --tls-key 要一起给出（证书链与它的私钥，PEM 格式）。")]
    TlsPairIncomplete,
    #[error("时间“{0}”无效，应为北京时间的 时:分，例如 02:30。")]
    BadTime(String),
    #[error("--backup-keep / --backup-at（或 BACKUP_KEEP / BACKUP_AT）要与 --backup-dir 一起使用：请给出定时备份的目录。")]
    BackupDirMissing,
    #[error("{name} 的取值“{value}”无效，应为不小于 {min} 的整数。")]
    BadNumber {
        name: &'static str,
        value: String,
        min: u32,
    },
}

/// Flags shared by the subcommands; each subcommand accepts a subset.
#[derive(Default)]
struct Flags {
    addr: Option<String>,
    dist: Option<String>,
    data: Option<String>,
    demo: bool,
    admin: bool,
    role: Option<String>,
    county: Option<String>,
    enterprise: Option<String>,
    name: Option<String>,
    password: Option<String>,
    from: Option<String>,
    until: Option<String>,
    max_orphan_photos: Option<String>,
    orphan_photo_days: Option<String>,
    listen: Option<String>,
    tls_cert: Option<String>,
    tls_key: Option<String>,
    http_redirect: Option<String>,
    behind_proxy: Option<String>,
    photos: Option<String>,
    to: Option<String>,
    /// `--host`, repeatable.
    hosts: Vec<String>,
    force: bool,
    positional: Vec<String>,
}

fn parse_flags<I>(mut args: I, allowed: &[&'static str]) -> Result<Flags, CliError>
where
    I: Iterator<Item = String>,
{
    let mut flags = Flags::default();
    while let Some(arg) = args.next() {
        if !arg.starts_with("--") {
            flags.positional.push(arg);
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (arg.clone(), None),
        };
        let Some(&flag) = allowed.iter().find(|f| **f == name) else {
            return Err(CliError::UnknownFlag(arg));
        };
        if flag == "--demo" {
            flags.demo = true;
            continue;
        }
        if flag == "--force" {
            flags.force = true;
            continue;
        }
        if flag == "--admin" {
            flags.admin = true;
            continue;
        }
        let value = match inline {
            Some(v) => v,
            None => args.next().ok_or(CliError::MissingValue(flag))?,
        };
        if flag == "--host" {
            flags.hosts.push(value);
            continue;
        }
        let slot = match flag {
            "--addr" => &mut flags.addr,
            "--dist" => &mut flags.dist,
            "--data" => &mut flags.data,
            "--role" => &mut flags.role,
            "--county" => &mut flags.county,
            "--enterprise" => &mut flags.enterprise,
            "--name" => &mut flags.name,
            "--from" => &mut flags.from,
            "--until" => &mut flags.until,
            "--max-orphan-photos" => &mut flags.max_orphan_photos,
            "--orphan-photo-days" | "--older-than-days" => &mut flags.orphan_photo_days,
            "--listen" => &mut flags.listen,
            "--tls-cert" => &mut flags.tls_cert,
            "--tls-key" => &mut flags.tls_key,
            "--http-redirect" => &mut flags.http_redirect,
            "--behind-proxy" => &mut flags.behind_proxy,
            "--photos" => &mut flags.photos,
            "--to" => &mut flags.to,
            _ => &mut flags.password,
        };
        *slot = Some(value);
    }
    Ok(flags)
}

/// Parses the arguments after the program name; `env` looks up environment variables
/// (injected so tests do not touch the process environment).
pub fn parse<I, E>(args: I, env: E) -> Result<Command, CliError>
where
    I: IntoIterator<Item = String>,
    E: Fn(&str) -> Option<String>,
{
    // Empty environment variables count as unset: `DATABASE_URL= scripts/run` must mean SQLite.
    let env = |key: &str| env(key).filter(|v| !v.trim().is_empty());
    let mut args = args.into_iter();
    match args.next().as_deref() {
        None | Some("serve") => {
            let (args, backup_flags) =
                own_flags(args, &["--backup-dir", "--backup-keep", "--backup-at"], &[])?;
            let flags = parse_flags(
                args,
                &[
                    "--addr",
                    "--dist",
                    "--data",
                    "--demo",
                    "--max-orphan-photos",
                    "--orphan-photo-days",
                    "--listen",
                    "--tls-cert",
                    "--tls-key",
                    "--http-redirect",
                    "--behind-proxy",
                    "--photos",
                ],
            )?;
            if let Some(extra) = flags.positional.first() {
                return Err(CliError::UnknownFlag(extra.clone()));
            }
            let demo = flags.demo;
            let mut config = config(flags, &env)?;
            config.backup = backup_schedule(&backup_flags, &env)?;
            Ok(Command::Serve { config, demo })
        }
        Some("user") => match args.next().as_deref() {
            Some("add") => parse_user_add(args, &env),
            Some(sub @ ("set-admin" | "disable" | "enable" | "reset-password")) => {
                parse_user_change(sub, args, &env)
            }
            Some(other) => Err(CliError::UnknownCommand(format!("user {other}"))),
            None => Err(CliError::UnknownCommand("user".to_owned())),
        },
        Some("check") => {
            let flags = parse_flags(args, &["--data"])?;
            if let Some(extra) = flags.positional.first() {
                return Err(CliError::UnknownFlag(extra.clone()));
            }
            Ok(Command::Check {
                config: config(flags, &env)?,
            })
        }
        Some("tls") => match args.next().as_deref() {
            Some(sub @ ("init" | "renew")) => {
                let init = sub == "init";
                let allowed: &[&'static str] = match init {
                    true => &["--host", "--data", "--force"],
                    false => &["--host", "--data"],
                };
                let mut flags = parse_flags(args, allowed)?;
                if let Some(extra) = flags.positional.first() {
                    return Err(CliError::UnknownFlag(extra.clone()));
                }
                let hosts = std::mem::take(&mut flags.hosts)
                    .iter()
                    .map(|h| crate::tls::Host::parse(h))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| CliError::BadHost(e.to_string()))?;
                let force = flags.force;
                let config = config(flags, &env)?;
                Ok(match init {
                    true => Command::TlsInit {
                        config,
                        hosts,
                        force,
                    },
                    false => Command::TlsRenew { config, hosts },
                })
            }
            Some(other) => Err(CliError::UnknownCommand(format!("tls {other}"))),
            None => Err(CliError::UnknownCommand("tls".to_owned())),
        },
        Some("photos") => match args.next().as_deref() {
            Some("clean-orphans") => {
                let flags = parse_flags(args, &["--older-than-days", "--data", "--photos"])?;
                if let Some(extra) = flags.positional.first() {
                    return Err(CliError::UnknownFlag(extra.clone()));
                }
                Ok(Command::CleanOrphans {
                    config: config(flags, &env)?,
                })
            }
            Some("migrate") => {
                let mut flags = parse_flags(args, &["--to", "--data", "--photos"])?;
                if let Some(extra) = flags.positional.first() {
                    return Err(CliError::UnknownFlag(extra.clone()));
                }
                let to = flags.to.take().ok_or(CliError::MissingTo)?;
                let to = crate::photos::PhotoLocation::parse(&to).map_err(CliError::BadPhotos)?;
                Ok(Command::PhotosMigrate {
                    config: config(flags, &env)?,
                    to,
                })
            }
            Some(other) => Err(CliError::UnknownCommand(format!("photos {other}"))),
            None => Err(CliError::UnknownCommand("photos".to_owned())),
        },
        Some("backup") => parse_backup(args, &env),
        Some("restore") => parse_restore(args, &env),
        Some("db") => match args.next().as_deref() {
            Some("copy") => parse_db_copy(args, &env),
            Some(other) => Err(CliError::UnknownCommand(format!("db {other}"))),
            None => Err(CliError::UnknownCommand("db".to_owned())),
        },
        Some("help" | "--help" | "-h") => Ok(Command::Help),
        Some(other) => Err(CliError::UnknownCommand(other.to_owned())),
    }
}

fn parse_user_add<I>(args: I, env: &dyn Fn(&str) -> Option<String>) -> Result<Command, CliError>
where
    I: Iterator<Item = String>,
{
    let mut flags = parse_flags(
        args,
        &[
            "--role",
            "--county",
            "--enterprise",
            "--name",
            "--password",
            "--data",
            "--from",
            "--until",
            "--admin",
        ],
    )?;
    let mut positional = std::mem::take(&mut flags.positional).into_iter();
    let username = positional.next().ok_or(CliError::MissingUsername)?;
    if let Some(extra) = positional.next() {
        return Err(CliError::UnknownFlag(extra));
    }
    let role_key = flags.role.take().ok_or(CliError::MissingRole)?;
    let kind = RoleKind::from_key(&role_key).ok_or(CliError::BadRole(role_key))?;
    let enterprise = match flags.enterprise.take() {
        Some(e) => Some(Uuid::parse_str(&e).map_err(|_| CliError::BadEnterprise(e))?),
        None => None,
    };
    let role = Role::from_parts(kind, flags.county.as_deref(), enterprise)?;
    let date = |d: String| Date::parse(&d).map_err(|_| CliError::BadDate(d));
    let assignment = match (flags.from.take().map(date), flags.until.take().map(date)) {
        (None, None) if kind == RoleKind::Cross => return Err(AssignmentError::Missing.into()),
        (None, None) => None,
        _ if kind != RoleKind::Cross => return Err(CliError::AssignmentNotCross),
        (Some(from), Some(until)) => Some(Assignment::new(from?, until?)?),
        _ => return Err(AssignmentError::Missing.into()),
    };
    let display_name = flags.name.take().unwrap_or_else(|| username.clone());
    let password = flags.password.take();
    let admin = flags.admin;
    Ok(Command::UserAdd {
        admin,
        config: config(flags, env)?,
        user: NewUser {
            username,
            display_name,
            role,
            assignment,
        },
        password,
    })
}

/// `user set-admin <账号> on|off`, `user disable|enable|reset-password <账号>`.
fn parse_user_change<I>(
    sub: &str,
    args: I,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Command, CliError>
where
    I: Iterator<Item = String>,
{
    let mut flags = parse_flags(args, &["--data"])?;
    let mut positional = std::mem::take(&mut flags.positional).into_iter();
    let username = positional
        .next()
        .ok_or_else(|| CliError::MissingTarget(sub.to_owned()))?;
    let change = match sub {
        "set-admin" => match positional.next().as_deref() {
            Some("on") => UserChange::Admin(true),
            Some("off") => UserChange::Admin(false),
            _ => return Err(CliError::BadOnOff),
        },
        "disable" => UserChange::Disable,
        "enable" => UserChange::Enable,
        _ => UserChange::ResetPassword,
    };
    if let Some(extra) = positional.next() {
        return Err(CliError::UnknownFlag(extra));
    }
    Ok(Command::UserChange {
        config: config(flags, env)?,
        username,
        change,
    })
}

fn config(flags: Flags, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, CliError> {
    let addr_given = flags.addr.or_else(|| env("ADDR"));
    let addr_set = addr_given.is_some();
    let addr_text = addr_given.unwrap_or_else(|| Config::DEFAULT_ADDR.to_owned());
    let addr: SocketAddr = addr_text
        .parse()
        .map_err(|_| CliError::BadAddr(addr_text.clone()))?;
    let mut config = Config::new(
        flags
            .dist
            .or_else(|| env("DIST_DIR"))
            .unwrap_or_else(|| Config::DEFAULT_DIST_DIR.to_owned()),
        flags
            .data
            .or_else(|| env("DATA_DIR"))
            .unwrap_or_else(|| Config::DEFAULT_DATA_DIR.to_owned()),
    );
    config.addr = addr;
    config.addr_set = addr_set;
    config.listen = match flags.listen.or_else(|| env("LISTEN")) {
        Some(text) => Some(text.parse().map_err(|_| CliError::BadAddr(text))?),
        None => None,
    };
    config.tls_cert = flags.tls_cert.or_else(|| env("TLS_CERT")).map(Into::into);
    config.tls_key = flags.tls_key.or_else(|| env("TLS_KEY")).map(Into::into);
    if config.tls_cert.is_some() != config.tls_key.is_some() {
        return Err(CliError::TlsPairIncomplete);
    }
    config.http_redirect = match flags.http_redirect.or_else(|| env("HTTP_REDIRECT")) {
        None => HttpRedirect::Default,
        Some(off) if matches!(off.trim(), "off" | "no" | "none") => HttpRedirect::Off,
        Some(text) => HttpRedirect::At(text.parse().map_err(|_| CliError::BadAddr(text))?),
    };
    config.behind_proxy = match flags.behind_proxy.or_else(|| env("BEHIND_PROXY")) {
        Some(text) => Some(
            text.trim()
                .parse::<std::net::IpAddr>()
                .map_err(|_| CliError::BadIp("--behind-proxy", text))?
                .to_canonical(),
        ),
        None => None,
    };
    config.database_url = env("DATABASE_URL");
    config.photos = match flags.photos.or_else(|| env("PHOTOS")) {
        Some(text) => {
            Some(crate::photos::PhotoLocation::parse(&text).map_err(CliError::BadPhotos)?)
        }
        None => None,
    };
    config.max_orphan_photos = number(
        flags.max_orphan_photos,
        "--max-orphan-photos",
        "MAX_ORPHAN_PHOTOS",
        env,
        0,
    )?
    .unwrap_or(Config::DEFAULT_MAX_ORPHAN_PHOTOS);
    // `photos clean-orphans --older-than-days` fills the same slot.
    config.orphan_photo_days = number(
        flags.orphan_photo_days,
        "天数（--orphan-photo-days / --older-than-days）",
        "ORPHAN_PHOTO_DAYS",
        env,
        1,
    )?
    .unwrap_or(Config::DEFAULT_ORPHAN_PHOTO_DAYS);
    Ok(config)
}

/// A whole number of at least `min` from a flag, else from its environment variable; `None`
/// when neither is given.
fn number(
    flag: Option<String>,
    flag_name: &'static str,
    env_key: &'static str,
    env: &dyn Fn(&str) -> Option<String>,
    min: u32,
) -> Result<Option<u32>, CliError> {
    let (name, value) = match (flag, env(env_key)) {
        (Some(v), _) => (flag_name, v),
        (None, Some(v)) => (env_key, v),
        (None, None) => return Ok(None),
    };
    match value.trim().parse::<u32>() {
        Ok(n) if n >= min => Ok(Some(n)),
        _ => Err(CliError::BadNumber { name, value, min }),
    }
}

// ---------------------------------------------------------------------------------------------
// backup / restore and serve's daily backup (src/backup.rs).

/// (flag, value) pairs in command-line order; a switch has an empty value.
type OwnFlags = Vec<(&'static str, String)>;

/// Takes the flags in `own` (with a value) and `switches` (without) out of `args`; the rest
/// is returned in order for [`parse_flags`].
fn own_flags<I>(
    args: I,
    own: &[&'static str],
    switches: &[&'static str],
) -> Result<(std::vec::IntoIter<String>, OwnFlags), CliError>
where
    I: Iterator<Item = String>,
{
    let (mut rest, mut found) = (Vec::new(), Vec::new());
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (arg.as_str(), None),
        };
        if let Some(&flag) = switches.iter().find(|f| **f == name) {
            found.push((flag, String::new()));
        } else if let Some(&flag) = own.iter().find(|f| **f == name) {
            let value = match inline {
                Some(v) => v,
                None => args.next().ok_or(CliError::MissingValue(flag))?,
            };
            found.push((flag, value));
        } else {
            rest.push(arg);
        }
    }
    Ok((rest.into_iter(), found))
}

fn flag_value(found: &[(&'static str, String)], flag: &str) -> Option<String> {
    found
        .iter()
        .rev()
        .find(|(f, _)| *f == flag)
        .map(|(_, v)| v.clone())
}

/// `serve --backup-dir DIR [--backup-keep N] [--backup-at HH:MM]` (or `BACKUP_DIR`, …).
fn backup_schedule(
    found: &[(&'static str, String)],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<crate::backup::Schedule>, CliError> {
    let dir = flag_value(found, "--backup-dir").or_else(|| env("BACKUP_DIR"));
    let keep = number(
        flag_value(found, "--backup-keep"),
        "--backup-keep",
        "BACKUP_KEEP",
        env,
        1,
    )?;
    let at = match flag_value(found, "--backup-at").or_else(|| env("BACKUP_AT")) {
        Some(text) => Some(text.parse().map_err(|()| CliError::BadTime(text))?),
        None => None,
    };
    let Some(dir) = dir else {
        if keep.is_some() || at.is_some() {
            return Err(CliError::BackupDirMissing);
        }
        return Ok(None);
    };
    Ok(Some(crate::backup::Schedule {
        dir: dir.into(),
        keep: keep.unwrap_or(crate::backup::DEFAULT_KEEP),
        at: at.unwrap_or(crate::backup::DEFAULT_AT),
    }))
}

/// `backup --to DIR [--data DIR] [--photos-only] [--keep N]`.
fn parse_backup<I>(args: I, env: &dyn Fn(&str) -> Option<String>) -> Result<Command, CliError>
where
    I: Iterator<Item = String>,
{
    let (rest, found) = own_flags(args, &["--to", "--keep"], &["--photos-only"])?;
    let flags = parse_flags(rest, &["--data", "--photos"])?;
    if let Some(extra) = flags.positional.first() {
        return Err(CliError::UnknownFlag(extra.clone()));
    }
    let to = flag_value(&found, "--to").ok_or(CliError::MissingValue("--to"))?;
    let keep = number(flag_value(&found, "--keep"), "--keep", "-", &|_| None, 1)?;
    Ok(Command::Backup {
        config: config(flags, env)?,
        to: to.into(),
        photos_only: found.iter().any(|(f, _)| *f == "--photos-only"),
        keep,
    })
}

/// `restore --from DIR --data NEWDIR`: `--data` only from the command line (never `DATA_DIR`:
/// the target is named on purpose).
fn parse_restore<I>(args: I, env: &dyn Fn(&str) -> Option<String>) -> Result<Command, CliError>
where
    I: Iterator<Item = String>,
{
    let (rest, found) = own_flags(args, &["--from", "--data"], &[])?;
    let flags = parse_flags(rest, &[])?;
    if let Some(extra) = flags.positional.first() {
        return Err(CliError::UnknownFlag(extra.clone()));
    }
    Ok(Command::Restore {
        from: flag_value(&found, "--from")
            .ok_or(CliError::MissingValue("--from"))?
            .into(),
        data: flag_value(&found, "--data")
            .ok_or(CliError::MissingValue("--data"))?
            .into(),
        database_url: env("DATABASE_URL"),
    })
}

/// `db copy --to postgres://… [--data DIR]`: the source is the configured database.
fn parse_db_copy<I>(args: I, env: &dyn Fn(&str) -> Option<String>) -> Result<Command, CliError>
where
    I: Iterator<Item = String>,
{
    let (rest, found) = own_flags(args, &["--to"], &[])?;
    let flags = parse_flags(rest, &["--data"])?;
    if let Some(extra) = flags.positional.first() {
        return Err(CliError::UnknownFlag(extra.clone()));
    }
    let to = flag_value(&found, "--to").ok_or(CliError::MissingValue("--to"))?;
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        return Err(CliError::DbCopyTarget(to));
    }
    Ok(Command::DbCopy {
        config: config(flags, env)?,
        to,
    })
}

#[cfg(test)]
mod tests;

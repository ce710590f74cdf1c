//! The subcommands' output (stdout, Chinese) and exit codes.

use super::*;

// ---------------------------------------------------------------------------------------------
// The subcommands' output (stdout, Chinese) and exit codes.

pub(super) fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// `yinhuan-server backup`: exit 0 when the snapshot is complete, 1 when it failed or when
/// some photo of the data directory is damaged (the snapshot is still usable).
pub async fn run_backup(
    config: &Config,
    to: &Path,
    photos_only: bool,
    keep: Option<u32>,
) -> ExitCode {
    let is_postgres = config
        .database_url
        .as_deref()
        .is_some_and(|u| u.starts_with("postgres"));
    if is_postgres && !photos_only {
        eprintln!("备份未进行。{}", Error::PostgresNeedsPgDump);
        return ExitCode::FAILURE;
    }
    if config.database_url.is_none() && !config.sqlite_path().is_file() {
        eprintln!("备份失败：{}", Error::NoDatabase(config.sqlite_path()));
        return ExitCode::FAILURE;
    }
    // Connect only: a backup never migrates the database it copies.
    let db = match Db::connect(config).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("备份失败：{e}");
            return ExitCode::FAILURE;
        }
    };
    let made = backup(&db, config, to, photos_only).await;
    db.close().await;
    let report = match made {
        Ok(r) => r,
        Err(e) => {
            eprintln!("备份失败：{e}");
            return ExitCode::FAILURE;
        }
    };
    let m = &report.manifest;
    let mut out = String::new();
    let already = m.photo_count - report.copied_photos;
    match &m.database {
        Some(db) => {
            out += &format!("备份完成：{}\n", report.snapshot.display());
            out += &format!(
                "  记录 {} 条（其中已删除 {} 条），变更序号 change_seq {}，数据库迁移版本 {}\n",
                m.records, m.deleted_records, m.change_seq, m.migration_version
            );
            out += &format!("  数据库文件 {}：{}\n", db.file, mb(db.bytes));
        }
        None => {
            out += &format!("照片备份完成：{}\n", report.snapshot.display());
            out += &format!(
                "  本备份不含记录（数据库为 {}，当时有记录 {} 条，change_seq {}）：记录请用 pg_dump 备份，见 docs/deploy.md。\n",
                m.backend, m.records, m.change_seq
            );
        }
    }
    out += &format!(
        "  照片 {} 张，共 {}；本次新复制 {} 张（{}），其余 {already} 张已在备份中\n",
        m.photo_count,
        mb(m.photo_bytes),
        report.copied_photos,
        mb(report.copied_bytes)
    );
    if !m.tls.is_empty() {
        out += &format!(
            "  证书文件 {} 个（tls/，含本地根证书的私钥：请像保管服务器一样保管备份盘）\n",
            m.tls.len()
        );
    }
    out += &format!(
        "  清单：{}\n",
        report.snapshot.join(MANIFEST_FILE).display()
    );
    let mut code = ExitCode::SUCCESS;
    if let Some(keep) = keep {
        match prune(to, keep) {
            Ok(p) => {
                out += &format!(
                    "  只保留最近 {keep} 份：删除旧备份 {} 份、不再被引用的照片 {} 张（{}）\n",
                    p.snapshots.len(),
                    p.photos,
                    mb(p.photo_bytes)
                );
                if let Some(why) = p.photos_kept_because {
                    out += &format!("  未清理旧照片：{why}\n");
                }
            }
            Err(e) => {
                out += &format!("  清理旧备份失败：{e}\n");
                code = ExitCode::FAILURE;
            }
        }
    }
    out += &match m.kind {
        SnapshotKind::Full => format!(
            "恢复：yinhuan-server restore --from {} --data <新的空目录>\n",
            to.display()
        ),
        SnapshotKind::PhotosOnly => format!(
            "恢复：先用 psql 把 pg_dump 的备份导入新数据库，再让 DATABASE_URL 指向它，运行 \
             yinhuan-server restore --from {} --data <新的空目录>（见 docs/deploy.md）\n",
            to.display()
        ),
    };
    let _ = write!(io::stdout(), "{out}");
    if !report.damaged_in_store.is_empty() {
        let mut err = format!(
            "注意：数据目录中有 {} 张照片已损坏（内容与文件名的 SHA-256 不符），未能备份：\n",
            report.damaged_in_store.len()
        );
        for sha in &report.damaged_in_store {
            err += &format!(
                "  照片 {sha}（{}）\n",
                photo_path(&config.photos_dir(), sha).display()
            );
        }
        err += "请检查磁盘（硬盘可能有坏道）；这些照片若还在拍摄它们的手机上，删除损坏的文件后手机下次同步会重新上传。";
        eprintln!("{err}");
        code = ExitCode::FAILURE;
    }
    code
}

/// `yinhuan-server restore`: exit 0 only when everything was restored and verified.
pub async fn run_restore(from: &Path, target: &Path, database_url: Option<&str>) -> ExitCode {
    let report = match restore(from, target, database_url).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("恢复失败：{e}");
            return ExitCode::FAILURE;
        }
    };
    let m = &report.manifest;
    let mut out = format!(
        "恢复完成：{}\n  来自备份 {}（备份时间 {}）\n",
        report.target.display(),
        report.snapshot.display(),
        m.created_at
    );
    match m.kind {
        SnapshotKind::Full => {
            out += &format!(
                "  记录 {} 条（其中已删除 {} 条），与备份清单一致；变更序号 change_seq {}\n",
                report.records, report.deleted_records, report.change_seq
            );
        }
        SnapshotKind::PhotosOnly => {
            out += &format!(
                "  PostgreSQL 数据库（DATABASE_URL）中有记录 {} 条（其中已删除 {} 条），change_seq {}；\
                 照片备份时数据库有记录 {} 条\n",
                report.records, report.deleted_records, report.change_seq, m.records
            );
        }
    }
    out += &format!(
        "  照片 {} 张，共 {}，每张的 SHA-256 都已核对无误\n",
        report.photos,
        mb(report.photo_bytes)
    );
    if !m.tls.is_empty() {
        out += &format!(
            "  证书文件 {} 个（tls/）：手机无需重新安装根证书；新服务器的地址若不同，运行 tls renew --host 新地址\n",
            m.tls.len()
        );
    }
    if report.referenced_missing > 0 {
        out += &format!(
            "  另有 {} 张照片被记录引用但不在备份中（备份时尚未从手机上传到服务器）\n",
            report.referenced_missing
        );
    }
    out += &format!(
        "  新的实例编号 {}：各手机下次同步时会从头重新下载全部记录\n",
        report.instance_id
    );
    match m.kind {
        SnapshotKind::Full => {
            out += &format!(
                "启动：yinhuan-server serve --data {}\n",
                report.target.display()
            );
            if database_url.is_some() {
                out += "注意：当前设置了 DATABASE_URL，serve 会连接该数据库而不是恢复出的 SQLite 文件；\
                        启动前请取消 DATABASE_URL（systemd 部署时检查 EnvironmentFile）。\n";
            }
        }
        SnapshotKind::PhotosOnly => {
            out += &format!(
                "启动：保持 DATABASE_URL 指向恢复出的数据库，运行 yinhuan-server serve --data {}\n",
                report.target.display()
            );
        }
    }
    let _ = write!(io::stdout(), "{out}");
    ExitCode::SUCCESS
}

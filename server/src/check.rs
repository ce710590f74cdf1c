//! `yinhuan-server check`: reads every stored record back through the model and lists those it
//! refuses, so an administrator finds what the reports had to leave out (see
//! `docs/check.md`).
//!
//! A record is refused when its body is not JSON, does not parse as the model type of its kind,
//! or fails the checks a push must pass ([`model::accept::accept`]: the PWA forms' own
//! `validate()`, or only the size bounds for a tombstone). Advisory warnings do not count.
//! Read-only: nothing is changed.

use std::io::Write;
use std::process::ExitCode;

use model::county::County;
use serde_json::Value;

use crate::config::Config;
use crate::db::Db;
use crate::reports::load::kind_label;
use crate::with_pool;

/// Records read per query: the whole table never sits in memory at once.
const PAGE: i64 = 500;

/// (id, kind, rev, body, deleted, county)
type Row = (String, String, i64, String, bool, Option<String>);

const SELECT_PAGE: &str = "SELECT id, kind, rev, body, deleted, county FROM records \
     WHERE rev > $1 ORDER BY rev LIMIT $2";

/// One stored record the model refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub id: String,
    pub kind: String,
    /// The `county` column (GB/T 2260 code), empty when the record never got one.
    pub county: Option<String>,
    pub deleted: bool,
    /// Stable English code, e.g. `invalid_record`, `invalid_json`.
    pub code: String,
    /// Chinese, naming the field: what is wrong.
    pub reason: String,
}

impl Finding {
    /// One line of the listing: id, kind, county and reason, tab-separated (easy to `grep` or
    /// paste into a spreadsheet).
    pub fn line(&self) -> String {
        let county = match self.county.as_deref().map(str::trim) {
            Some(code) if !code.is_empty() => match County::by_code(code) {
                Some(c) => format!("{}（{code}）", c.name),
                None => format!("未知县（{code}）"),
            },
            _ => "未知县".to_owned(),
        };
        let deleted = if self.deleted { "（已删除）" } else { "" };
        format!(
            "{}\t{}{deleted}\t{county}\t{}",
            self.id,
            kind_label(&self.kind),
            self.reason
        )
    }
}

/// What [`check`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Records read.
    pub checked: usize,
    /// The refused ones, in write order (oldest change first).
    pub findings: Vec<Finding>,
}

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// The closing line, e.g. `共检查 3 条记录，其中 2 条有问题。`
    pub fn summary(&self) -> String {
        if self.is_clean() {
            format!("共检查 {} 条记录，全部可以读取并通过检查。", self.checked)
        } else {
            format!(
                "共检查 {} 条记录，其中 {} 条有问题（无法读取的记录不计入报表）。\
                 请在应用中打开这些记录改正后重新同步（或按记录编号更正数据库中的内容），\
                 再运行 yinhuan-server check 确认。",
                self.checked,
                self.findings.len()
            )
        }
    }
}

/// Reads every stored record (tombstones included) and returns those the model refuses.
pub async fn check(db: &Db) -> Result<CheckReport, sqlx::Error> {
    let mut report = CheckReport::default();
    let mut after = 0_i64;
    loop {
        let rows: Vec<Row> = with_pool!(db, pool => {
            sqlx::query_as(SELECT_PAGE).bind(after).bind(PAGE).fetch_all(pool).await
        })?;
        let Some(last) = rows.last() else {
            return Ok(report);
        };
        after = last.2;
        for (id, kind, _, body, deleted, county) in rows {
            report.checked += 1;
            if let Err((code, reason)) = judge(&kind, &body, deleted) {
                report.findings.push(Finding {
                    id,
                    kind,
                    county,
                    deleted,
                    code,
                    reason,
                });
            }
        }
    }
}

/// Whether one stored body is fit, as a push of it would be judged now.
fn judge(kind: &str, body: &str, deleted: bool) -> Result<(), (String, String)> {
    let value: Value = serde_json::from_str(body).map_err(|e| {
        (
            "invalid_json".to_owned(),
            format!("记录内容不是有效的 JSON（{e}），应用和报表都无法读取。"),
        )
    })?;
    model::accept::accept(kind, &value, deleted)
        .map(|_| ())
        .map_err(|r| (r.code.to_owned(), r.message))
}

/// The subcommand: opens the configured database, prints one line per refused record and a
/// summary. Exit status 0 when every record is fine, 1 otherwise (or when the database cannot
/// be read).
pub async fn run(config: &Config) -> ExitCode {
    if config.database_url.is_none() && !config.sqlite_path().is_file() {
        eprintln!(
            "找不到数据库文件 {}：请用 --data 指定服务器的数据目录，或设置 DATABASE_URL。",
            config.sqlite_path().display()
        );
        return ExitCode::FAILURE;
    }
    let db = match Db::open(config).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("检查失败：{e}");
            return ExitCode::FAILURE;
        }
    };
    let result = check(&db).await;
    db.close().await;
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            eprintln!("检查失败：读取记录时出错（{e}），请确认数据库可用后重试。");
            return ExitCode::FAILURE;
        }
    };
    // Not println!: `yinhuan-server check | head` must not panic on a closed pipe.
    let mut out = std::io::stdout().lock();
    if !report.is_clean() {
        let _ = writeln!(out, "记录编号\t类型\t所在县\t问题");
    }
    for f in &report.findings {
        let _ = writeln!(out, "{}", f.line());
    }
    let _ = writeln!(out, "{}", report.summary());
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_names_the_record_its_county_and_the_reason() {
        let f = Finding {
            id: "0193".into(),
            kind: "hazard".into(),
            county: Some("140902".into()),
            deleted: false,
            code: "invalid_record".into(),
            reason: "“序号”格式不对。".into(),
        };
        assert_eq!(f.line(), "0193\t隐患\t忻府区（140902）\t“序号”格式不对。");
        let g = Finding {
            county: None,
            deleted: true,
            ..f
        };
        assert_eq!(g.line(), "0193\t隐患（已删除）\t未知县\t“序号”格式不对。");
    }

    #[test]
    fn a_body_that_is_not_json_is_refused_with_its_own_code() {
        let (code, reason) = judge("hazard", "{not json", false).unwrap_err();
        assert_eq!(code, "invalid_json");
        assert!(reason.starts_with("记录内容不是有效的 JSON"), "{reason}");
    }
}

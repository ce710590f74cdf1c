//! 附件1 冶金工贸行业隐患排查整治专项行动周调度统计表 as .xlsx: the eight rows in the seed's
//! order, rows 2–5 as the model's filled-in sentences.
//!
//! Rows 1, 6, 7, 8 are the county's own words ([`WeeklyNarrative`]). The PWA keeps them per
//! week on the device and sends them with the download (`POST`); where a text is empty (or a
//! plain `GET`) the cell shows the seed's 要点 in grey, for the office to fill in.

use model::annex::{WeeklyNarrative, WeeklyReport, WEEKLY_HEADERS, WEEKLY_NOTE};

use super::load::{unreadable_notice, Unreadable};
use super::styles::{workbook, Cell, Form};
use super::{scope_key, xlsx_error, Xlsx};
use crate::error::AppError;

/// 序号 / 类别 / 要点 / 备注: the sentences of 要点 get almost all of the page.
const WIDTHS: [f64; 4] = [6.0, 14.0, 90.0, 26.0];

pub fn write(report: &WeeklyReport, unreadable: &[Unreadable]) -> Result<Xlsx, AppError> {
    let notice = unreadable_notice(unreadable);
    let date = report.report_date();
    let empty = String::new();
    let form = Form {
        annex: "附件1",
        title: &report.title,
        unit: &report.unit,
        date,
        headers: &WEEKLY_HEADERS,
        widths: &WIDTHS,
        // 序号, 类别
        centered: &[0, 1],
        note: WEEKLY_NOTE,
        empty: &empty,
        notice: notice.as_deref(),
    };
    let rows: Vec<Vec<Cell>> = report
        .rows()
        .into_iter()
        .map(|r| {
            let content = match prompt(r.seq) {
                Some(p) if r.content.trim().is_empty() => Cell::placeholder(p),
                _ => Cell::text(r.content),
            };
            vec![
                Cell::text(r.seq.to_string()),
                Cell::text(r.category),
                content,
                Cell::text(r.note),
            ]
        })
        .collect();
    Ok(Xlsx {
        filename: format!("附件1周调度统计表_{}_{}.xlsx", report.unit, date),
        ascii_filename: format!("annex1_{}_{}.xlsx", scope_key(report.scope), date),
        bytes: workbook(&form, &rows).map_err(xlsx_error)?,
    })
}

/// The seed's 要点 of a text row (1, 6, 7, 8); `None` for the counted rows 2–5.
fn prompt(seq: u8) -> Option<&'static str> {
    let i = match seq {
        1 => 0,
        6 => 1,
        7 => 2,
        8 => 3,
        _ => return None,
    };
    Some(WeeklyNarrative::PROMPTS[i])
}

//! 附件2 冶金工贸行业隐患排查整治专项行动重大事故隐患台账 as .xlsx: one row per 重大事故隐患,
//! the model's 13 cells in the seed's column order.
//!
//! A file for a past 填报时间 is that day's ledger, not today's: the model leaves out hazards
//! found later and writes each row's 整改完成情况 from the state the hazard had at the end of
//! that day (`Hazard::state_on`, from its 办理记录), the same rule the PWA's 报表 screen and
//! 附件1's 已整改 counts use.

use model::annex::{MajorHazardLedger, LEDGER_HEADERS, LEDGER_NOTE};

use super::load::{unreadable_notice, Unreadable};
use super::styles::{workbook, Cell, Form};
use super::{scope_key, xlsx_error, Xlsx};
use crate::error::AppError;

/// Widths in the seed's column order. The two long texts (明细, 整改措施) get the room; the
/// rest fit their usual contents (a company name, `2025年3月14日`) on one or two lines.
const WIDTHS: [f64; 13] = [
    5.0,  // 序号
    18.0, // 企业名称
    11.0, // 所在市(县、区)
    7.0,  // 行业类别
    9.0,  // 检查环节
    14.0, // 检查单位
    11.0, // 检查时间
    30.0, // 重大隐患明细
    32.0, // 整改措施
    12.0, // 挂牌督办单位
    20.0, // 行政处罚情况
    18.0, // 整改完成情况
    10.0, // 备注
];

pub fn write(ledger: &MajorHazardLedger, unreadable: &[Unreadable]) -> Result<Xlsx, AppError> {
    let notice = unreadable_notice(unreadable);
    let empty = format!(
        "截至{}，{}无重大事故隐患。",
        ledger.date.to_chinese(),
        ledger.unit
    );
    let form = Form {
        annex: "附件2",
        title: &ledger.title,
        unit: &ledger.unit,
        date: ledger.date,
        headers: &LEDGER_HEADERS,
        widths: &WIDTHS,
        // 序号, 行业类别, 检查环节, 检查时间
        centered: &[0, 3, 4, 6],
        note: LEDGER_NOTE,
        empty: &empty,
        notice: notice.as_deref(),
    };
    let rows: Vec<Vec<Cell>> = ledger
        .rows
        .iter()
        .map(|r| r.cells.iter().map(Cell::text).collect())
        .collect();
    Ok(Xlsx {
        filename: format!("附件2重大事故隐患台账_{}_{}.xlsx", ledger.unit, ledger.date),
        ascii_filename: format!("annex2_{}_{}.xlsx", scope_key(ledger.scope), ledger.date),
        bytes: workbook(&form, &rows).map_err(xlsx_error)?,
    })
}

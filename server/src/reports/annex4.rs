//! 附件4 冶金工贸行业隐患排查整治专项行动县级交叉检查隐患情况汇总表 as .xlsx: one row per
//! enterprise a 交叉检查 pair inspected, as the 受检县 reports it back.

use model::annex::{CrossSummary, CROSS_SUMMARY_HEADERS, CROSS_SUMMARY_NOTE};

use super::load::{unreadable_notice, Unreadable};
use super::styles::{workbook, Cell, Form};
use super::{xlsx_error, Xlsx};
use crate::error::AppError;

/// Widths in the seed's column order; the counts are narrow, the three texts get the room.
const WIDTHS: [f64; 12] = [
    5.0,  // 序号
    20.0, // 企业名称
    11.0, // 所在县(市、区)
    7.0,  // 行业
    16.0, // 检查单位
    12.0, // 检查时间
    8.0,  // 一般隐患(条)
    9.0,  // 重大事故隐患(条)
    22.0, // 采取的行政处罚措施
    22.0, // 行政情况
    20.0, // 整改完成情况
    10.0, // 备注
];

pub fn write(summary: &CrossSummary, unreadable: &[Unreadable]) -> Result<Xlsx, AppError> {
    let notice = unreadable_notice(unreadable);
    let empty = format!(
        "截至{}，{}对{}的交叉检查尚无检查记录。",
        summary.date.to_chinese(),
        summary.pair.inspector.name,
        summary.pair.inspected.name
    );
    let form = Form {
        annex: "附件4",
        title: &summary.title,
        unit: &summary.unit,
        date: summary.date,
        headers: &CROSS_SUMMARY_HEADERS,
        widths: &WIDTHS,
        // 序号, 行业, 检查时间, the two counts
        centered: &[0, 3, 5, 6, 7],
        note: CROSS_SUMMARY_NOTE,
        empty: &empty,
        notice: notice.as_deref(),
    };
    let rows: Vec<Vec<Cell>> = summary
        .rows
        .iter()
        .map(|r| r.cells.iter().map(Cell::text).collect())
        .collect();
    let (from, to) = (summary.pair.inspector, summary.pair.inspected);
    Ok(Xlsx {
        filename: format!(
            "附件4交叉检查隐患情况汇总表_{}检查{}_{}.xlsx",
            from.name, to.name, summary.date
        ),
        ascii_filename: format!("annex4_{}-{}_{}.xlsx", from.code, to.code, summary.date),
        bytes: workbook(&form, &rows).map_err(xlsx_error)?,
    })
}

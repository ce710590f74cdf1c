//! 附件3 冶金工贸行业隐患排查整治专项行动县级交叉检查工作安排表 as .xlsx: the campaign's
//! fourteen 检查方 → 受检方 pairs, the same for every account that may see reports.

use model::annex::{CrossArrangement, ARRANGEMENT_HEADERS, ARRANGEMENT_TITLE};
use model::date::Date;

use super::styles::{workbook, Cell, Form};
use super::{xlsx_error, Xlsx};
use crate::error::AppError;

const WIDTHS: [f64; 4] = [8.0, 18.0, 18.0, 36.0];

pub fn write(arrangement: &CrossArrangement, date: Date) -> Result<Xlsx, AppError> {
    let empty = "本专项行动未安排县级交叉检查。".to_owned();
    let form = Form {
        annex: "附件3",
        title: ARRANGEMENT_TITLE,
        unit: "忻州市应急管理局",
        date,
        headers: &ARRANGEMENT_HEADERS,
        widths: &WIDTHS,
        centered: &[0, 1, 2],
        note: &arrangement.note,
        empty: &empty,
        // Computed from the campaign alone: no stored record to miss.
        notice: None,
    };
    let rows: Vec<Vec<Cell>> = arrangement
        .rows
        .iter()
        .map(|r| {
            vec![
                Cell::text(r.seq.to_string()),
                Cell::text(r.inspector),
                Cell::text(r.inspected),
                Cell::text(r.note.as_str()),
            ]
        })
        .collect();
    Ok(Xlsx {
        filename: format!("附件3县级交叉检查工作安排表_{date}.xlsx"),
        ascii_filename: format!("annex3_{date}.xlsx"),
        bytes: workbook(&form, &rows).map_err(xlsx_error)?,
    })
}

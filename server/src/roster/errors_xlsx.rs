//! The error report: one line per refused row, 行号 / 列 / 问题, then the row's own cells
//! under the file's own header, so the clerk can fix the rows and paste them back.

use std::collections::BTreeMap;

use model::roster::RowError;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use crate::reports::styles::fit_cell;
use crate::reports::Xlsx;

/// `rows` are the file's rows as read (index = sheet row − 1); `header_row` its header's index.
pub fn write(
    file_name: &str,
    rows: &[Vec<String>],
    header_row: Option<usize>,
    errors: &[RowError],
) -> Result<Xlsx, XlsxError> {
    let mut book = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xFCE4D6))
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let sheet = book.add_worksheet();
    sheet.set_name("导入问题")?;
    sheet.set_column_width(0, 8)?;
    sheet.set_column_width(1, 18)?;
    sheet.set_column_width(2, 60)?;
    for (j, h) in ["行号", "列", "问题"].into_iter().enumerate() {
        sheet.write_string_with_format(0, j as u16, h, &head)?;
    }
    let original = header_row.and_then(|h| rows.get(h));
    for (j, h) in original.into_iter().flatten().enumerate() {
        sheet.write_string_with_format(0, 3 + j as u16, fit_cell(h), &head)?;
        sheet.set_column_width(3 + j as u16, 16)?;
    }
    let mut by_row: BTreeMap<usize, Vec<&RowError>> = BTreeMap::new();
    for e in errors {
        by_row.entry(e.row).or_default().push(e);
    }
    for (i, (row, errs)) in by_row.into_iter().enumerate() {
        let r = 1 + i as u32;
        let mut columns: Vec<&str> = Vec::new();
        for e in &errs {
            if !columns.contains(&e.column.as_str()) {
                columns.push(&e.column);
            }
        }
        let problems: Vec<String> = errs
            .iter()
            .map(|e| format!("{}：{}", e.column, e.message))
            .collect();
        sheet.write_number(r, 0, row as f64)?;
        sheet.write_string_with_format(r, 1, columns.join("、"), &wrap)?;
        sheet.write_string_with_format(r, 2, fit_cell(&problems.join("\n")), &wrap)?;
        for (j, cell) in rows.get(row - 1).into_iter().flatten().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(r, 3 + j as u16, fit_cell(cell))?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    let stem = file_name
        .rsplit_once('.')
        .map(|(s, _)| s)
        .unwrap_or(file_name)
        .trim();
    let stem = if stem.is_empty() {
        "企业名单"
    } else {
        stem
    };
    Ok(Xlsx {
        filename: format!("{stem}_导入问题.xlsx"),
        ascii_filename: "roster_errors.xlsx".to_owned(),
        bytes: book.save_to_buffer()?,
    })
}

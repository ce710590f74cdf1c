//! The uploaded file as rows of cell texts: .xlsx (and .xls) through calamine, .csv through
//! `model::roster::decode_csv`. Row `i` of the result is sheet row `i + 1`, as Excel numbers it.

use std::io::Cursor;

use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use calamine::{open_workbook_auto_from_rs, Data, Range, Reader};
use model::roster::{decode_csv, HEADER_SEARCH_ROWS, MAX_ROWS};

use crate::error::AppError;
use crate::reports::XLSX_CONTENT_TYPE;

/// Largest upload (a 5,000-row roster is well under 1 MB as .xlsx).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// Rows (blank ones included) a sheet may span before it is refused unread: blank rows between
/// entries are skipped, but a sheet reaching far below its data is not a roster.
const MAX_SHEET_ROWS: usize = MAX_ROWS * 4 + HEADER_SEARCH_ROWS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// .xlsx, also .xls (calamine reads both).
    Workbook,
    Csv,
}

/// The kind of the upload: by the file name's extension first (Windows browsers send .csv
/// files as `application/vnd.ms-excel`), then by `Content-Type`, then by the first bytes.
pub fn kind_of(
    name: Option<&str>,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<FileKind, AppError> {
    let ext = name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.trim().to_ascii_lowercase());
    match ext.as_deref() {
        Some("xlsx" | "xls" | "xlsm") => return Ok(FileKind::Workbook),
        Some("csv") => return Ok(FileKind::Csv),
        _ => {}
    }
    let ct = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    match ct.as_str() {
        XLSX_CONTENT_TYPE | "application/vnd.ms-excel" => return Ok(FileKind::Workbook),
        "text/csv" | "application/csv" | "text/comma-separated-values" => return Ok(FileKind::Csv),
        _ => {}
    }
    // A zip (xlsx) or OLE (xls) container sent without a usable type or name.
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Ok(FileKind::Workbook);
    }
    Err(AppError::UnsupportedMediaType(
        "只能导入 Excel 表格（.xlsx）或 CSV 文件（.csv）。请在 Excel 或 WPS 中另存为这两种格式之一，或下载导入模板填写。"
            .to_owned(),
    ))
}

/// The first sheet's rows (workbook) or the file's rows (CSV).
pub fn rows(kind: FileKind, bytes: &[u8]) -> Result<Vec<Vec<String>>, AppError> {
    if bytes.is_empty() {
        return Err(AppError::Unprocessable(
            "上传的文件是空的，请选择填好的企业名单文件。".to_owned(),
        ));
    }
    match kind {
        FileKind::Csv => decode_csv(bytes).map_err(|e| AppError::Unprocessable(e.to_string())),
        FileKind::Workbook => workbook_rows(bytes),
    }
}

fn workbook_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, AppError> {
    let corrupt = || {
        AppError::Unprocessable(
            "文件无法作为 Excel 表格打开（可能已损坏，或并非 .xlsx 文件）。请在 Excel 或 WPS 中打开它，另存为 .xlsx 后重新上传。"
                .to_owned(),
        )
    };
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|_| corrupt())?;
    let range = match book.worksheet_range_at(0) {
        Some(Ok(range)) => range,
        Some(Err(_)) => return Err(corrupt()),
        None => {
            return Err(AppError::Unprocessable(
                "文件中没有工作表，请在第一个工作表中填写企业名单。".to_owned(),
            ))
        }
    };
    sheet_rows(&range)
}

/// The range as texts, padded so that index `i` is sheet row `i + 1` and column `j` column `j + 1`
/// (calamine's range starts at the first used cell).
fn sheet_rows(range: &Range<Data>) -> Result<Vec<Vec<String>>, AppError> {
    let Some((row0, col0)) = range.start() else {
        return Ok(Vec::new());
    };
    let (row0, col0) = (row0 as usize, col0 as usize);
    if row0 + range.height() > MAX_SHEET_ROWS {
        return Err(AppError::Unprocessable(format!(
            "第一个工作表有 {} 行，一次最多导入 {MAX_ROWS} 行企业，请删去多余的行或分成几个文件导入。",
            row0 + range.height()
        )));
    }
    let mut out = vec![Vec::new(); row0];
    for row in range.rows() {
        let mut cells = vec![String::new(); col0];
        cells.extend(row.iter().map(cell_text));
        out.push(cells);
    }
    Ok(out)
}

/// A cell as the clerk sees it: whole numbers without `.0` (phone numbers, codes typed as
/// numbers), dates as `YYYY-MM-DD`.
pub fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::Error(e) => e.to_string(),
    }
}

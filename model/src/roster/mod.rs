//! 企业名单导入: a county's roster (.xlsx or .csv, already read into rows of cell texts) checked
//! row by row with the model's own rules, then planned against the enterprises the server holds.
//!
//! - [`parse_rows`]: finds the header by name, reads every row into a [`RosterRow`] or names
//!   what is wrong with it ([`RowError`]: row, column, Chinese message), and catches a
//!   统一社会信用代码 given twice in the file.
//! - [`plan`]: matches rows to existing enterprises by 统一社会信用代码 and splits them into
//!   add / update (with the changed fields) / unchanged, refusing rows outside the account's
//!   scope. The same file planned again after committing it gives only `unchanged`.
//! - [`ImportPlan::changes`]: the plan as sync changes, written through the push's path.
//! - [`decode_csv`]: UTF-8 or GBK/GB18030 bytes into rows (RFC 4180 quoting).
//!
//! A blank cell never clears what an enterprise already has (a roster is often less complete
//! than what inspectors recorded); a column missing from the file leaves that field alone.

mod columns;
mod csv;
mod parse;
mod plan;
pub mod values;

#[cfg(test)]
mod tests;

use crate::enterprise::{Industry, RiskTag, Scale};
use serde::{Deserialize, Serialize};

pub use columns::{normalize_header, Column, HeaderMap, HEADER_SEARCH_ROWS};
pub use csv::{decode_csv, CsvError};
pub use parse::parse_rows;
pub use plan::{plan, FieldChange, ImportPlan, PlannedAdd, PlannedUpdate, Unchanged};

/// Most data rows one file may hold (a county's roster is a few hundred; the city's, a few
/// thousand). Beyond it the file is refused as a whole: split it.
pub const MAX_ROWS: usize = 5000;

/// `meta.device_id` of the records an import writes, so the 修改记录 shows where they came from.
pub const IMPORT_DEVICE_ID: &str = "roster-import";

/// One data row that passed every check: what it sets on the enterprise. `None` = the column
/// is missing or the cell blank: the existing value is kept (a new enterprise gets the default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterRow {
    /// 1-based sheet row, as Excel shows it.
    pub row_number: usize,
    pub name: String,
    /// Normalised (half-width, upper case, trimmed).
    pub credit_code: String,
    /// GB/T 2260 code.
    pub county: String,
    pub industry: Industry,
    pub scale: Scale,
    pub address: Option<String>,
    pub leader: Option<String>,
    pub phone: Option<String>,
    pub tags: Option<Vec<RiskTag>>,
    /// [`crate::Zone::id`].
    pub zone: Option<String>,
}

/// What is wrong with one cell (or one row): the clerk fixes the file and uploads it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// 1-based sheet row, as Excel shows it.
    pub row: usize,
    /// The column's header as the file writes it.
    pub column: String,
    /// Chinese; says what to write instead.
    pub message: String,
}

/// Every data row of a file, read and checked.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RosterParse {
    /// 0-based index of the header row in the sheet.
    pub header_row: usize,
    /// Non-blank data rows.
    pub total: usize,
    pub rows: Vec<RosterRow>,
    /// Sorted by row, then column.
    pub errors: Vec<RowError>,
    /// Advisory (an unusual phone number…): the row is imported all the same.
    pub warnings: Vec<RowError>,
    /// Rows whose only problem is a 统一社会信用代码 failing its check character: refused unless
    /// the enterprise is already stored with that code confirmed against its licence (the
    /// import cannot confirm it; see [`plan`]). Their error is in `errors` too.
    pub unverified: Vec<RosterRow>,
}

/// Why a whole file cannot be read as a roster.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterFileError {
    #[error("文件是空的，请在模板中填写企业后再上传。")]
    Empty,
    #[error(
        "没有找到表头行：前{0}行中没有“企业名称”“统一社会信用代码”等列名。请下载导入模板，按模板的列填写后再上传。"
    )]
    NoHeader(usize),
    #[error("文件缺少必填列：{}。请在表头行补上这些列（列名与模板一致），或下载导入模板重新填写。", .0.join("、"))]
    MissingColumns(Vec<&'static str>),
    #[error("文件有 {0} 行数据，一次最多导入 {max} 行，请分成几个文件分别导入。", max = MAX_ROWS)]
    TooManyRows(usize),
}

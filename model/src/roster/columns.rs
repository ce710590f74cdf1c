//! 模板列: the roster template's columns, and finding them in a file's header row by name.
//!
//! Clerks' own rosters rarely match the template exactly: headers are matched by name (a few
//! common synonyms, full- or half-width brackets, stray spaces or `*` marks), in any order;
//! other columns are ignored.

use crate::text::to_halfwidth;

/// One column of the roster. The order of [`Column::ALL`] is the template's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    Name,
    CreditCode,
    County,
    Industry,
    Scale,
    Address,
    Leader,
    Phone,
    Tags,
    Zone,
}

impl Column {
    pub const ALL: [Column; 10] = [
        Column::Name,
        Column::CreditCode,
        Column::County,
        Column::Industry,
        Column::Scale,
        Column::Address,
        Column::Leader,
        Column::Phone,
        Column::Tags,
        Column::Zone,
    ];

    /// The header as the template writes it.
    pub fn header(self) -> &'static str {
        match self {
            Column::Name => "企业名称",
            Column::CreditCode => "统一社会信用代码",
            Column::County => "所在县（市、区）",
            Column::Industry => "行业",
            Column::Scale => "规模",
            Column::Address => "地址",
            Column::Leader => "主要负责人",
            Column::Phone => "联系电话",
            Column::Tags => "风险标签",
            Column::Zone => "所在开发区",
        }
    }

    /// The [`crate::Enterprise`] field it fills (also the `field` of an update's changes).
    pub fn field(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::CreditCode => "credit_code",
            Column::County => "county",
            Column::Industry => "industry",
            Column::Scale => "scale",
            Column::Address => "address",
            Column::Leader => "leader",
            Column::Phone => "phone",
            Column::Tags => "tags",
            Column::Zone => "zone",
        }
    }

    /// The column filling `field`, if any.
    pub fn by_field(field: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.field() == field)
    }

    /// Columns every file must have: an enterprise cannot be made, or matched, without them.
    /// The 统一社会信用代码 is required because it is what a re-import matches on.
    pub fn required(self) -> bool {
        matches!(
            self,
            Column::Name | Column::CreditCode | Column::County | Column::Industry | Column::Scale
        )
    }

    /// Other headers clerks use for the same column (compared after [`normalize_header`]).
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Column::Name => &["企业名称", "单位名称", "企业名", "名称", "企业（单位）名称"],
            Column::CreditCode => &["统一社会信用代码", "社会信用代码", "信用代码", "统一代码"],
            Column::County => &[
                "所在县（市、区）",
                "县（市、区）",
                "所在县",
                "县区",
                "县市区",
                "所在县区",
                "所属县（市、区）",
                "所属县区",
                "县",
            ],
            Column::Industry => &["行业", "行业类别", "所属行业", "行业分类"],
            Column::Scale => &["规模", "企业规模", "规模类型"],
            Column::Address => &["地址", "企业地址", "详细地址", "经营地址", "注册地址"],
            Column::Leader => &[
                "主要负责人",
                "联系人",
                "负责人",
                "法定代表人",
                "主要负责人（法定代表人或实际控制人）",
            ],
            Column::Phone => &["联系电话", "电话", "联系方式", "手机", "手机号"],
            Column::Tags => &["风险标签", "风险类别", "重点风险", "风险类型"],
            Column::Zone => &["所在开发区", "开发区", "所属开发区", "园区"],
        }
    }

    /// The column a header cell names, if any.
    pub fn from_header(text: &str) -> Option<Column> {
        let h = normalize_header(text);
        if h.is_empty() {
            return None;
        }
        Column::ALL
            .into_iter()
            .find(|c| c.synonyms().iter().any(|s| normalize_header(s) == h))
    }
}

/// Half-width, no spaces or required-marks, so `所在县(市、区) *` matches `所在县（市、区）`.
pub fn normalize_header(text: &str) -> String {
    text.chars()
        .map(to_halfwidth)
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊' | '※'))
        .collect()
}

/// Where each column sits in one file, and the header text the file gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMap {
    /// 0-based index of the header row in the sheet.
    pub row_index: usize,
    columns: Vec<(Column, usize, String)>,
}

impl HeaderMap {
    /// The header row among the first rows: the first naming at least two columns.
    pub fn find(rows: &[Vec<String>]) -> Option<HeaderMap> {
        rows.iter()
            .take(HEADER_SEARCH_ROWS)
            .enumerate()
            .map(|(i, r)| HeaderMap::of_row(i, r))
            .find(|h| h.columns.len() >= 2)
    }

    fn of_row(row_index: usize, cells: &[String]) -> HeaderMap {
        let mut columns: Vec<(Column, usize, String)> = Vec::new();
        for (i, cell) in cells.iter().enumerate() {
            if let Some(c) = Column::from_header(cell) {
                // The first column of a name wins; a second one is ignored like any extra.
                if !columns.iter().any(|(k, _, _)| *k == c) {
                    columns.push((c, i, cell.trim().to_owned()));
                }
            }
        }
        HeaderMap { row_index, columns }
    }

    /// Required columns the file lacks, in template order.
    pub fn missing_required(&self) -> Vec<Column> {
        Column::ALL
            .into_iter()
            .filter(|c| c.required() && self.index(*c).is_none())
            .collect()
    }

    pub fn index(&self, column: Column) -> Option<usize> {
        self.columns
            .iter()
            .find(|(c, _, _)| *c == column)
            .map(|(_, i, _)| *i)
    }

    /// The header text as the file writes it, so an error names the column the clerk sees.
    pub fn text(&self, column: Column) -> String {
        self.columns
            .iter()
            .find(|(c, _, _)| *c == column)
            .map(|(_, _, t)| t.clone())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| column.header().to_owned())
    }

    /// The trimmed cell of `column` in `cells`; empty when the column or the cell is missing.
    pub fn cell<'a>(&self, cells: &'a [String], column: Column) -> &'a str {
        self.index(column)
            .and_then(|i| cells.get(i))
            .map(|s| s.trim())
            .unwrap_or("")
    }
}

/// A title or a note may sit above the header; it is looked for in this many first rows.
pub const HEADER_SEARCH_ROWS: usize = 10;

//! Reading a file's rows into [`RosterRow`]s, with every problem named per cell.

use std::collections::HashMap;

use crate::credit_code::CreditCode;
use crate::enterprise::{Enterprise, Industry, Scale};
use crate::record::RecordMeta;
use crate::text::non_blank;

use super::columns::{Column, HeaderMap, HEADER_SEARCH_ROWS};
use super::values;
use super::{RosterFileError, RosterParse, RosterRow, RowError, MAX_ROWS};

/// Reads `rows` (the first sheet, row `i` being sheet row `i + 1`) as a roster.
///
/// Blank rows are skipped. Each other row is either a [`RosterRow`] or one error per bad cell;
/// a row is also checked as a whole by [`Enterprise::validate`] (lengths, 开发区 under its
/// county), so the import refuses what the app's form refuses. A 统一社会信用代码 seen on an
/// earlier row makes the later row an error naming the first.
pub fn parse_rows(rows: &[Vec<String>]) -> Result<RosterParse, RosterFileError> {
    let is_blank = |r: &Vec<String>| r.iter().all(|c| c.trim().is_empty());
    if rows.iter().all(is_blank) {
        return Err(RosterFileError::Empty);
    }
    let header = HeaderMap::find(rows).ok_or(RosterFileError::NoHeader(HEADER_SEARCH_ROWS))?;
    let missing = header.missing_required();
    if !missing.is_empty() {
        return Err(RosterFileError::MissingColumns(
            missing.into_iter().map(Column::header).collect(),
        ));
    }
    let data: Vec<(usize, &Vec<String>)> = rows
        .iter()
        .enumerate()
        .skip(header.row_index + 1)
        .filter(|(_, r)| !is_blank(r))
        .map(|(i, r)| (i + 1, r))
        .collect();
    if data.len() > MAX_ROWS {
        return Err(RosterFileError::TooManyRows(data.len()));
    }
    let mut out = RosterParse {
        header_row: header.row_index,
        total: data.len(),
        ..RosterParse::default()
    };
    // Normalised code → the first row giving it.
    let mut first_row: HashMap<String, usize> = HashMap::new();
    for (row_number, cells) in data {
        let read = read_row(&header, row_number, cells);
        out.warnings.extend(read.warnings);
        let mut errors = read.errors;
        if let Some(code) = &read.code {
            match first_row.get(code) {
                Some(first) => errors.push(RowError {
                    row: row_number,
                    column: header.text(Column::CreditCode),
                    message: format!(
                        "与第 {first} 行的统一社会信用代码相同：同一企业只能填一行，请合并两行或删去其中一行"
                    ),
                }),
                None => {
                    first_row.insert(code.clone(), row_number);
                }
            }
        }
        match (read.row, errors.is_empty(), read.unverified) {
            (Some(row), true, None) => out.rows.push(row),
            (Some(row), true, Some(check)) => {
                out.errors.push(check);
                out.unverified.push(row);
            }
            (_, _, check) => {
                out.errors.extend(errors);
                out.errors.extend(check);
            }
        }
    }
    let order = |column: &str| {
        Column::ALL
            .iter()
            .position(|c| header.text(*c) == column)
            .unwrap_or(Column::ALL.len())
    };
    out.errors
        .sort_by_key(|e| (e.row, order(&e.column), e.message.clone()));
    Ok(out)
}

/// One row read: the row when every cell is usable, the problems otherwise.
struct ReadRow {
    row: Option<RosterRow>,
    /// The normalised credit code, when it parses (for the duplicate check).
    code: Option<String>,
    errors: Vec<RowError>,
    warnings: Vec<RowError>,
    /// The check-character error, kept apart: an enterprise stored with the code confirmed
    /// may still be matched (see `plan`).
    unverified: Option<RowError>,
}

fn read_row(header: &HeaderMap, row_number: usize, cells: &[String]) -> ReadRow {
    let mut errors = Vec::new();
    let error = |errors: &mut Vec<RowError>, column: Column, message: String| {
        errors.push(RowError {
            row: row_number,
            column: header.text(column),
            message,
        })
    };
    let cell = |c: Column| header.cell(cells, c);
    let optional = |c: Column| non_blank(cell(c)).map(str::to_owned);

    let name = cell(Column::Name).to_owned();
    if name.is_empty() {
        error(
            &mut errors,
            Column::Name,
            "企业名称为空，请填写与营业执照一致的企业名称".into(),
        );
    }
    let mut unverified = None;
    let code = match CreditCode::parse(cell(Column::CreditCode)) {
        Ok(code) => {
            if let Some(w) = code.check().warning() {
                unverified = Some(RowError {
                    row: row_number,
                    column: header.text(Column::CreditCode),
                    message: format!(
                        "{}。导入时无法勾选“已核对营业执照”：请对照营业执照改正代码；如代码确与执照一致，请在应用中录入该企业并勾选“已核对营业执照”，之后导入即可更新它",
                        w.split('。').next().unwrap_or(&w)
                    ),
                });
            }
            Some(code.as_str().to_owned())
        }
        Err(e) => {
            let hint = if cell(Column::CreditCode).is_empty() {
                "：导入按此代码识别企业，重复导入也不会重复添加"
            } else {
                ""
            };
            error(&mut errors, Column::CreditCode, format!("{e}{hint}"));
            None
        }
    };
    let required = |c: Column, errors: &mut Vec<RowError>| {
        let v = cell(c);
        if v.is_empty() {
            error(errors, c, format!("{}为空，请填写", c.header()));
        }
        v
    };
    let county_cell = required(Column::County, &mut errors);
    let industry_cell = required(Column::Industry, &mut errors);
    let scale_cell = required(Column::Scale, &mut errors);
    let county = checked(
        &mut errors,
        row_number,
        header.text(Column::County),
        county_cell,
        values::county(county_cell),
    );
    let industry = checked(
        &mut errors,
        row_number,
        header.text(Column::Industry),
        industry_cell,
        values::industry(industry_cell),
    );
    let scale = checked(
        &mut errors,
        row_number,
        header.text(Column::Scale),
        scale_cell,
        values::scale(scale_cell),
    );
    let tags_cell = cell(Column::Tags);
    let tags = checked(
        &mut errors,
        row_number,
        header.text(Column::Tags),
        tags_cell,
        values::tags(tags_cell),
    );
    let zone_cell = cell(Column::Zone);
    let zone = checked(
        &mut errors,
        row_number,
        header.text(Column::Zone),
        zone_cell,
        values::zone(zone_cell),
    );

    let row = RosterRow {
        row_number,
        name: name.clone(),
        credit_code: code.clone().unwrap_or_default(),
        county: county.map(|c| c.code.to_owned()).unwrap_or_default(),
        industry: industry.unwrap_or(Industry::Metallurgy),
        scale: scale.unwrap_or(Scale::Sme),
        address: optional(Column::Address),
        leader: optional(Column::Leader),
        phone: optional(Column::Phone),
        tags,
        zone: zone.map(|z| z.id.to_owned()),
    };
    // The whole row through the app's own validation, for what the cells alone do not show
    // (lengths, 开发区 under the county, phone format). Fields already named above, and the
    // credit code (checked above, with the import's own wording), are not named twice.
    let mut warnings = Vec::new();
    let already: Vec<String> = errors.iter().map(|e| e.column.clone()).collect();
    for issue in row.enterprise(placeholder_meta()).validate() {
        let Some(column) = Column::by_field(&issue.field) else {
            continue;
        };
        if column == Column::CreditCode || already.contains(&header.text(column)) {
            continue;
        }
        let target = if issue.is_error() {
            &mut errors
        } else if column == Column::Phone || column == Column::Tags {
            // Other warnings (主要负责人 not given…) are for the form, not a roster.
            &mut warnings
        } else {
            continue;
        };
        error(target, column, issue.message);
    }
    ReadRow {
        row: errors.is_empty().then_some(row),
        code,
        errors,
        warnings,
        unverified,
    }
}

/// The value of a filled cell, or `None` with its error noted (a blank cell is `None` alone).
fn checked<T>(
    errors: &mut Vec<RowError>,
    row: usize,
    column: String,
    cell: &str,
    value: Result<T, String>,
) -> Option<T> {
    if cell.is_empty() {
        return None;
    }
    value
        .map_err(|message| {
            errors.push(RowError {
                row,
                column,
                message,
            })
        })
        .ok()
}

/// Validation looks at fields only; the id and times of a row's trial enterprise do not matter.
fn placeholder_meta() -> RecordMeta {
    RecordMeta::new(uuid::Uuid::nil(), 0, super::IMPORT_DEVICE_ID, "")
}

impl RosterRow {
    /// A new enterprise holding this row (blank optional cells get the form's defaults).
    pub fn enterprise(&self, meta: RecordMeta) -> Enterprise {
        Enterprise {
            meta,
            name: self.name.clone(),
            credit_code: Some(self.credit_code.clone()).filter(|c| !c.is_empty()),
            credit_code_confirmed: false,
            county: self.county.clone(),
            zone: self.zone.clone(),
            industry: self.industry,
            tags: self.tags.clone().unwrap_or_default(),
            scale: self.scale,
            pairing: None,
            leader: self.leader.clone().unwrap_or_default(),
            phone: self.phone.clone().unwrap_or_default(),
            address: self.address.clone().unwrap_or_default(),
            self_inspection_plan_on: None,
        }
    }
}

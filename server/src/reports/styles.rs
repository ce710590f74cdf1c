//! The look shared by every annex: the seed's paper form (附件N label, big title, 填报单位 /
//! 填报时间 line, bordered table, 说明 under it), printed on A4 landscape one page wide.
//!
//! Nothing a stored record holds can make a workbook fail: every text goes through
//! [`fit_cell`] (Excel's 32,767-character cell limit), row heights stay within Excel's 409
//! points, and a table longer than a sheet is cut with a visible line saying so.

use std::borrow::Cow;

use model::date::Date;
use rust_xlsxwriter::{
    Color, DocProperties, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

/// 宋体 is what 公文 tables are set in and ships with every Chinese Windows/WPS; a viewer
/// without it falls back to its own CJK font, which only shifts line breaks a little.
const FONT: &str = "宋体";
/// Body text size. Row heights below are estimated for it.
const BODY_SIZE: f64 = 10.0;
/// Points per wrapped line at [`BODY_SIZE`] (宋体 needs a little more than 1.3 × the size).
const LINE_HEIGHT: f64 = 14.0;
/// Rows of the layout before the table header: label, title, unit line.
pub const HEADER_ROW: u32 = 3;

/// Longest text written into one cell, in UTF-16 code units (what Excel and rust_xlsxwriter
/// count; a CJK character is 1, an emoji 2). Excel's hard limit is 32,767 and rust_xlsxwriter
/// refuses a longer string, which used to turn one over-long 隐患描述 into a 500 for the
/// whole report. 32,000 keeps a margin below it; no real cell comes near (a 描述 is a few
/// hundred characters), and Excel shows only the first ~1,000 in the cell anyway.
pub const MAX_CELL_CHARS: usize = 32_000;

/// Appended to a cut text so nobody takes it for the whole; the record keeps its full text.
pub const TRUNCATED_MARKER: &str = "…（内容过长，已截断，全文见系统记录）";

/// Excel's tallest row, in points; a taller one makes Excel "repair" the file.
const MAX_ROW_HEIGHT: f64 = 409.0;

/// Excel's rows per sheet.
const MAX_SHEET_ROWS: u32 = 1_048_576;

/// Data rows that fit on one sheet with the layout around them: the rows above the table and
/// its header, and the 说明, unreadable-records and cut-table lines under it.
const MAX_DATA_ROWS: usize = (MAX_SHEET_ROWS - HEADER_ROW - 1 - 3) as usize;

/// The text as written into a cell: unchanged when it fits in [`MAX_CELL_CHARS`], else its
/// beginning followed by [`TRUNCATED_MARKER`], the whole within the limit. Every text the
/// report builders write goes through here.
pub fn fit_cell(text: &str) -> Cow<'_, str> {
    if text.encode_utf16().count() <= MAX_CELL_CHARS {
        return Cow::Borrowed(text);
    }
    let room = MAX_CELL_CHARS - TRUNCATED_MARKER.encode_utf16().count();
    let mut used = 0;
    // Whole chars only, so a surrogate pair is never split.
    let end = text
        .char_indices()
        .find(|(_, c)| {
            used += c.len_utf16();
            used > room
        })
        .map_or(text.len(), |(i, _)| i);
    let mut out = text[..end].trim_end().to_owned();
    out.push_str(TRUNCATED_MARKER);
    Cow::Owned(out)
}

/// One cell of a data row. A placeholder is the seed's prompt standing in for text the office
/// writes itself; it is grey so nobody mistakes it for a filled-in answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub placeholder: bool,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            placeholder: false,
        }
    }

    pub fn placeholder(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            placeholder: true,
        }
    }
}

/// What differs between the annexes; [`write_form`] does the rest.
#[derive(Debug)]
pub struct Form<'a> {
    /// Sheet tab and the small label above the title, e.g. `附件2`.
    pub annex: &'a str,
    pub title: &'a str,
    /// 填报单位
    pub unit: &'a str,
    /// 填报时间
    pub date: Date,
    pub headers: &'a [&'a str],
    /// Column widths in Excel character units (a CJK character is about 2).
    pub widths: &'a [f64],
    /// Columns whose cells are centred (序号, short codes); the rest read left to right.
    pub centered: &'a [usize],
    /// The seed's 说明, printed under the table.
    pub note: &'a str,
    /// The one line shown instead of data rows when there are none, so an empty table does
    /// not read like a form someone forgot to fill in.
    pub empty: &'a str,
    /// Printed in red under the 说明 when the report was computed without some stored records
    /// ([`super::load::unreadable_notice`]); `None` leaves the form as the seed's.
    pub notice: Option<&'a str>,
}

struct Styles {
    label: Format,
    title: Format,
    unit_left: Format,
    unit_right: Format,
    header: Format,
    text: Format,
    center: Format,
    placeholder: Format,
    note: Format,
    warning: Format,
}

impl Styles {
    fn new() -> Styles {
        let base = Format::new().set_font_name(FONT).set_font_size(BODY_SIZE);
        let cell = base
            .clone()
            .set_border(FormatBorder::Thin)
            .set_text_wrap()
            .set_align(FormatAlign::VerticalCenter);
        Styles {
            label: base.clone().set_font_size(12).set_bold(),
            title: base
                .clone()
                .set_font_size(18)
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            unit_left: base.clone().set_font_size(11).set_align(FormatAlign::Left),
            unit_right: base.clone().set_font_size(11).set_align(FormatAlign::Right),
            header: cell
                .clone()
                .set_font_size(11)
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_background_color(Color::RGB(0xF2F2F2)),
            text: cell.clone().set_align(FormatAlign::Left),
            center: cell.clone().set_align(FormatAlign::Center),
            placeholder: cell
                .set_align(FormatAlign::Left)
                .set_font_color(Color::RGB(0x808080)),
            note: base
                .clone()
                .set_text_wrap()
                .set_align(FormatAlign::Left)
                .set_align(FormatAlign::Top),
            warning: base
                .set_bold()
                .set_font_color(Color::RGB(0xC00000))
                .set_text_wrap()
                .set_align(FormatAlign::Left)
                .set_align(FormatAlign::Top),
        }
    }
}

/// Writes one annex as a one-sheet workbook and returns the file's bytes.
pub fn workbook(form: &Form, rows: &[Vec<Cell>]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_properties(&DocProperties::new().set_title(form.title));
    write_form(wb.add_worksheet(), form, rows)?;
    // In memory: the files are a few dozen KB and a download needs the bytes anyway.
    wb.save_to_buffer()
}

fn write_form(ws: &mut Worksheet, form: &Form, rows: &[Vec<Cell>]) -> Result<(), XlsxError> {
    let s = Styles::new();
    let last_col = col(form.headers.len() - 1);
    ws.set_name(form.annex)?;
    for (c, w) in form.widths.iter().enumerate() {
        ws.set_column_width(col(c), *w)?;
    }

    // 附件N / title / 填报单位 + 填报时间, as the seed prints them above the table.
    put(ws, 0, 0, form.annex, &s.label)?;
    merge(ws, 1, last_col, form.title, &s.title)?;
    ws.set_row_height(1, 36)?;
    let split = last_col / 2;
    let unit = format!("填报单位：{}", form.unit);
    span(ws, 2, (0, split), &unit, &s.unit_left)?;
    let date = format!("填报时间：{}", form.date.to_chinese());
    span(ws, 2, (split + 1, last_col), &date, &s.unit_right)?;
    ws.set_row_height(2, 22)?;

    for (c, h) in form.headers.iter().enumerate() {
        put(ws, HEADER_ROW, col(c), h, &s.header)?;
    }
    let header_cells: Vec<Cell> = form.headers.iter().map(|h| Cell::text(*h)).collect();
    ws.set_row_height(HEADER_ROW, row_height(&header_cells, form.widths).max(30.0))?;

    let total: f64 = form.widths.iter().sum();
    let mut r = HEADER_ROW + 1;
    if rows.is_empty() {
        // "No 重大事故隐患" must not read as the whole truth when records were left out.
        let empty = match form.notice {
            Some(_) => format!("{}（另有记录无法读取，见表下注意事项。）", form.empty),
            None => form.empty.to_owned(),
        };
        merge(ws, r, last_col, &empty, &s.center)?;
        ws.set_row_height(r, fit_height(lines(&empty, total)).max(24.0))?;
        r += 1;
    }
    let shown = &rows[..rows.len().min(MAX_DATA_ROWS)];
    for row in shown {
        for (c, cell) in row.iter().enumerate() {
            let f = if cell.placeholder {
                &s.placeholder
            } else if form.centered.contains(&c) {
                &s.center
            } else {
                &s.text
            };
            put(ws, r, col(c), &cell.text, f)?;
        }
        ws.set_row_height(r, row_height(row, form.widths))?;
        r += 1;
    }

    // 说明 right under the table, across its whole width.
    merge(ws, r, last_col, form.note, &s.note)?;
    ws.set_row_height(r, fit_height(lines(form.note, total)))?;
    r += 1;

    // What the table does not show, in red where nobody misses it.
    let cut = (rows.len() > shown.len()).then(|| {
        format!(
            "注意：本表共 {} 行，超出 Excel 单张工作表的行数上限，只列出前 {} 行。请按县（市、区）分别下载。",
            rows.len(),
            shown.len()
        )
    });
    for warning in [form.notice.map(str::to_owned), cut].into_iter().flatten() {
        merge(ws, r, last_col, &warning, &s.warning)?;
        ws.set_row_height(r, fit_height(lines(&warning, total)))?;
        r += 1;
    }

    page_setup(ws)
}

/// Writes one cell's text, cut to fit ([`fit_cell`]).
fn put(ws: &mut Worksheet, r: u32, c: u16, text: &str, f: &Format) -> Result<(), XlsxError> {
    ws.write_string_with_format(r, c, fit_cell(text).as_ref(), f)?;
    Ok(())
}

/// Writes a text across the whole table width of row `r`, cut to fit ([`fit_cell`]).
fn merge(
    ws: &mut Worksheet,
    r: u32,
    last_col: u16,
    text: &str,
    f: &Format,
) -> Result<(), XlsxError> {
    span(ws, r, (0, last_col), text, f)
}

/// Writes a text across columns `first..=last` of row `r` (one cell needs no merge, which
/// Excel would refuse), cut to fit ([`fit_cell`]).
fn span(
    ws: &mut Worksheet,
    r: u32,
    (first, last): (u16, u16),
    text: &str,
    f: &Format,
) -> Result<(), XlsxError> {
    if first >= last {
        return put(ws, r, first, text, f);
    }
    ws.merge_range(r, first, r, last, fit_cell(text).as_ref(), f)?;
    Ok(())
}

/// A4 landscape, one page wide and as many pages long as needed, the column headers repeated
/// on every page and frozen on screen, page numbers in the footer.
fn page_setup(ws: &mut Worksheet) -> Result<(), XlsxError> {
    ws.set_paper_size(9)
        .set_landscape()
        .set_print_fit_to_pages(1, 0)
        .set_print_center_horizontally(true)
        .set_margins(0.4, 0.4, 0.5, 0.6, 0.3, 0.3)
        .set_footer("&C第 &P 页，共 &N 页");
    ws.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
    ws.set_freeze_panes(HEADER_ROW + 1, 0)?;
    Ok(())
}

fn col(c: usize) -> u16 {
    // Annexes have at most 13 columns.
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// Height for a wrapped row. Viewers do not agree on auto-fitting rows of a generated file
/// (and none auto-fits merged cells), so the height is estimated from the text instead.
fn row_height(cells: &[Cell], widths: &[f64]) -> f64 {
    let most = cells
        .iter()
        .zip(widths)
        .map(|(c, w)| lines(&c.text, *w))
        .max()
        .unwrap_or(1);
    fit_height(most)
}

/// Points for `n` wrapped lines, at most Excel's tallest row (a longer text scrolls in it).
fn fit_height(n: usize) -> f64 {
    (n as f64 * LINE_HEIGHT + 6.0).min(MAX_ROW_HEIGHT)
}

/// Wrapped lines of `text` in a column `width` characters wide (CJK counts 2, ASCII 1).
fn lines(text: &str, width: f64) -> usize {
    let usable = (width - 1.0).max(1.0);
    text.split('\n')
        .map(|line| {
            let w: f64 = line.chars().map(char_width).sum();
            ((w / usable).ceil() as usize).max(1)
        })
        .sum()
}

fn char_width(c: char) -> f64 {
    if c.is_ascii() {
        1.1
    } else {
        2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_and_line_breaks_make_taller_rows() {
        assert_eq!(lines("短", 10.0), 1);
        assert_eq!(lines(&"隐".repeat(20), 11.0), 4);
        assert_eq!(lines("一\n二\n三", 30.0), 3);
        let one = row_height(&[Cell::text("短")], &[10.0]);
        let three = row_height(&[Cell::text("一\n二\n三")], &[10.0]);
        assert!(three > 2.0 * one, "{one} {three}");
    }

    #[test]
    fn a_text_that_fits_is_written_as_it_is() {
        let full = "隐".repeat(MAX_CELL_CHARS);
        assert!(matches!(fit_cell(&full), Cow::Borrowed(_)));
        assert_eq!(fit_cell("短"), "短");
    }

    #[test]
    fn a_long_text_is_cut_within_the_limit_with_the_marker() {
        let long = "隐患描述".repeat(10_000);
        let cut = fit_cell(&long);
        assert!(
            cut.ends_with(TRUNCATED_MARKER),
            "{}",
            &cut[cut.len() - 80..]
        );
        let units = cut.encode_utf16().count();
        assert!(
            units <= MAX_CELL_CHARS && units > MAX_CELL_CHARS - 30,
            "{units}"
        );
        assert!(long.starts_with(cut.trim_end_matches(TRUNCATED_MARKER)));
        // Emoji are two UTF-16 units: never split into half a pair, never over the limit.
        let emoji = "🔥".repeat(20_000);
        let cut = fit_cell(&emoji);
        assert!(cut.encode_utf16().count() <= MAX_CELL_CHARS);
        assert!(cut
            .trim_end_matches(TRUNCATED_MARKER)
            .chars()
            .all(|c| c == '🔥'));
    }

    #[test]
    fn no_stored_text_can_make_the_workbook_fail() {
        let form = Form {
            annex: "附件2",
            title: "标题",
            unit: "忻州市",
            date: Date::parse("2025-03-14").unwrap(),
            headers: &["序号", "明细"],
            widths: &[5.0, 30.0],
            centered: &[0],
            note: "说明：",
            empty: "无",
            notice: Some(&"注意：".repeat(20_000)),
        };
        let rows = vec![
            vec![Cell::text("1"), Cell::text("描".repeat(40_000))],
            vec![Cell::text("2"), Cell::text("\n".repeat(100_000))],
            vec![
                Cell::text("3"),
                Cell::text("控制字符\u{0}\u{1b}\u{FFFF}_x0041_<&>"),
            ],
            vec![Cell::text("4"), Cell::placeholder("🔥".repeat(20_000))],
        ];
        let bytes = workbook(&form, &rows).expect("a workbook");
        assert!(bytes.starts_with(b"PK"));
        assert_eq!(fit_height(1_000_000), MAX_ROW_HEIGHT);
        assert!(workbook(&form, &[]).is_ok());
    }
}

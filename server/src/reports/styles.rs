//! The look shared by every annex: the seed's paper form (附件N label, big title, 填报单位 /
//! 填报时间 line, bordered table, 说明 under it), printed on A4 landscape one page wide.

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
    ws.write_string_with_format(0, 0, form.annex, &s.label)?;
    ws.merge_range(1, 0, 1, last_col, form.title, &s.title)?;
    ws.set_row_height(1, 36)?;
    let split = last_col / 2;
    ws.merge_range(
        2,
        0,
        2,
        split,
        &format!("填报单位：{}", form.unit),
        &s.unit_left,
    )?;
    ws.merge_range(
        2,
        split + 1,
        2,
        last_col,
        &format!("填报时间：{}", form.date.to_chinese()),
        &s.unit_right,
    )?;
    ws.set_row_height(2, 22)?;

    for (c, h) in form.headers.iter().enumerate() {
        ws.write_string_with_format(HEADER_ROW, col(c), *h, &s.header)?;
    }
    let header_cells: Vec<Cell> = form.headers.iter().map(|h| Cell::text(*h)).collect();
    ws.set_row_height(HEADER_ROW, row_height(&header_cells, form.widths).max(30.0))?;

    let mut r = HEADER_ROW + 1;
    if rows.is_empty() {
        ws.merge_range(r, 0, r, last_col, form.empty, &s.center)?;
        ws.set_row_height(r, 24)?;
        r += 1;
    }
    for row in rows {
        for (c, cell) in row.iter().enumerate() {
            let f = if cell.placeholder {
                &s.placeholder
            } else if form.centered.contains(&c) {
                &s.center
            } else {
                &s.text
            };
            ws.write_string_with_format(r, col(c), &cell.text, f)?;
        }
        ws.set_row_height(r, row_height(row, form.widths))?;
        r += 1;
    }

    // 说明 right under the table, across its whole width.
    ws.merge_range(r, 0, r, last_col, form.note, &s.note)?;
    let total: f64 = form.widths.iter().sum();
    ws.set_row_height(r, lines(form.note, total) as f64 * LINE_HEIGHT + 6.0)?;

    page_setup(ws)
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
    most as f64 * LINE_HEIGHT + 6.0
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
}

//! `企业名单导入模板.xlsx`: the data sheet holds the header row only (so a filled template
//! imports with nothing to delete first); the allowed values and an example are on 填写说明.

use model::county::{County, Zone};
use model::enterprise::{Industry, RiskTag};
use model::roster::values::SCALES;
use model::roster::Column;
use rust_xlsxwriter::{
    Color, DataValidation, Format, FormatAlign, FormatBorder, Workbook, XlsxError,
};

use crate::reports::Xlsx;

/// The data sheet's name.
pub const DATA_SHEET: &str = "企业名单";
pub const HELP_SHEET: &str = "填写说明";

/// Rows the drop-down lists cover (the import takes at most 5,000 rows).
const LIST_ROWS: u32 = 5000;

pub fn write() -> Result<Xlsx, XlsxError> {
    let mut book = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_font_name("宋体")
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let required = header.clone().set_font_color(Color::RGB(0xC00000));
    let text = Format::new().set_num_format("@");

    let sheet = book.add_worksheet();
    sheet.set_name(DATA_SHEET)?;
    for (i, c) in Column::ALL.into_iter().enumerate() {
        let col = i as u16;
        let fmt = if c.required() { &required } else { &header };
        sheet.write_string_with_format(0, col, c.header(), fmt)?;
        sheet.set_column_width(col, width(c))?;
        // Codes and phone numbers typed as numbers lose digits (18 digits, a leading 0).
        if matches!(c, Column::CreditCode | Column::Phone) {
            sheet.set_column_format(col, &text)?;
        }
        if let Some(list) = choices(c) {
            let dv = DataValidation::new()
                .allow_list_strings(&list)?
                .ignore_blank(true)
                .set_error_message("请从下拉列表中选择，可选值见“填写说明”工作表")?;
            sheet.add_data_validation(1, col, LIST_ROWS, col, &dv)?;
        }
    }
    sheet.set_row_height(0, 24)?;
    sheet.set_freeze_panes(1, 0)?;

    let help = book.add_worksheet();
    help.set_name(HELP_SHEET)?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    help.set_column_width(0, 20)?;
    help.set_column_width(1, 90)?;
    help.write_string_with_format(0, 0, "企业名单导入模板 填写说明", &bold)?;
    let notes = [
        "在“企业名单”工作表第2行起每行填一家企业；不要改动第1行的列名（列的顺序可以调整，多出的列不会导入）。",
        "红色列名为必填项。统一社会信用代码用来识别企业：已在系统中的企业按代码更新，不在的新增；同一文件重复导入不会重复添加。",
        "选填项留空时，系统中已有的内容保持不变（不会被清空）。",
        "统一社会信用代码须与营业执照一致；校验位不符的代码无法导入，请先核对执照，确与执照一致的请在应用中录入并勾选“已核对营业执照”。",
        "县级账号只能导入本县（市、区）的企业；变更企业所在县须由市级账号办理。",
    ];
    for (i, n) in notes.iter().enumerate() {
        help.write_string_with_format(1 + i as u32, 0, format!("{}.", i + 1), &wrap)?;
        help.write_string_with_format(1 + i as u32, 1, *n, &wrap)?;
    }
    let mut row = 2 + notes.len() as u32;
    help.write_string_with_format(row, 0, "列名", &header)?;
    help.write_string_with_format(row, 1, "可填写的内容", &header)?;
    for c in Column::ALL {
        row += 1;
        let name = if c.required() {
            format!("{}（必填）", c.header())
        } else {
            c.header().to_owned()
        };
        help.write_string_with_format(row, 0, name, &wrap)?;
        help.write_string_with_format(row, 1, allowed(c), &wrap)?;
    }
    row += 2;
    help.write_string_with_format(row, 0, "示例（仅供参考，请勿照抄）", &bold)?;
    row += 1;
    for (i, (c, v)) in Column::ALL.into_iter().zip(EXAMPLE).enumerate() {
        help.write_string_with_format(row + i as u32, 0, c.header(), &wrap)?;
        help.write_string_with_format(row + i as u32, 1, v, &wrap)?;
    }
    Ok(Xlsx {
        filename: "企业名单导入模板.xlsx".to_owned(),
        ascii_filename: "roster_template.xlsx".to_owned(),
        bytes: book.save_to_buffer()?,
    })
}

/// An example row, on the 说明 sheet only (never imported).
const EXAMPLE: [&str; 10] = [
    "忻州市示例铸造有限公司",
    "91140902MA0XXXXXXX（按营业执照填写）",
    "忻府区",
    "冶金",
    "中小微",
    "忻州市忻府区示例路1号",
    "张三",
    "13800138000",
    "粉尘涉爆、有限空间",
    "",
];

fn width(c: Column) -> f64 {
    match c {
        Column::Name | Column::Address => 36.0,
        Column::CreditCode => 24.0,
        Column::Tags => 30.0,
        Column::County | Column::Zone => 20.0,
        Column::Phone | Column::Leader => 16.0,
        Column::Industry | Column::Scale => 10.0,
    }
}

/// The drop-down of a single-valued column.
fn choices(c: Column) -> Option<Vec<&'static str>> {
    match c {
        Column::County => Some(County::all().iter().map(|c| c.name).collect()),
        Column::Industry => Some(Industry::ALL.map(Industry::label).to_vec()),
        Column::Scale => Some(SCALES.map(|s| s.label()).to_vec()),
        Column::Zone => Some(Zone::all().iter().map(|z| z.name).collect()),
        _ => None,
    }
}

fn allowed(c: Column) -> String {
    let join = |v: Vec<&str>| v.join("、");
    match c {
        Column::Name => "与营业执照一致的企业全称".to_owned(),
        Column::CreditCode => "营业执照上的18位统一社会信用代码".to_owned(),
        Column::County => format!(
            "县名或6位区划代码：{}",
            County::all()
                .iter()
                .map(|c| format!("{}（{}）", c.name, c.code))
                .collect::<Vec<_>>()
                .join("、")
        ),
        Column::Industry => join(Industry::ALL.map(Industry::label).to_vec()),
        Column::Scale => format!(
            "{}（规上 含驻忻央企、市属企业；也可写“规模以上”）",
            join(SCALES.map(|s| s.label()).to_vec())
        ),
        Column::Address => "企业生产经营地址".to_owned(),
        Column::Leader => "主要负责人（法定代表人或实际控制人）姓名".to_owned(),
        Column::Phone => "手机号11位，座机写区号，如 0350-3087871".to_owned(),
        Column::Tags => format!(
            "可填多个，用“、”隔开：{}",
            join(RiskTag::ALL.map(RiskTag::label).to_vec())
        ),
        Column::Zone => format!(
            "不在开发区的留空；可填：{}",
            join(Zone::all().iter().map(|z| z.name).collect())
        ),
    }
}

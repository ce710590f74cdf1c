//! CSV as Excel and WPS save it: UTF-8 (with or without BOM), UTF-16 with BOM ("Unicode 文本"
//! saved as .csv), or GBK/GB18030 (the default "CSV（逗号分隔）" on Chinese Windows), with
//! RFC 4180 quoting: quoted commas, doubled quotes and line breaks inside quotes.

use encoding_rs::{Encoding, GB18030};

/// Why bytes cannot be read as a CSV roster.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("无法识别文件的文字编码（不是 UTF-8 或 GBK 文本）。请在 Excel/WPS 中另存为“CSV UTF-8（逗号分隔）”，或直接上传 .xlsx 文件。")]
    Encoding,
    #[error("第 {0} 行的引号没有闭合：含逗号或换行的单元格应整体用英文双引号括起，单元格里的引号写成两个（\"\"）。请在 Excel 中打开核对后重新保存。")]
    UnclosedQuote(usize),
}

/// Decodes and splits `bytes` into rows of cells. Row `i` is line `i + 1` as a spreadsheet
/// opening the file numbers it (a line break inside quotes stays within its row).
pub fn decode_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, CsvError> {
    split(&decode(bytes)?)
}

/// Valid UTF-8 is UTF-8; anything else is read as GB18030 (a superset of GBK and GB2312).
fn decode(bytes: &[u8]) -> Result<String, CsvError> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let (text, malformed) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return if malformed {
            Err(CsvError::Encoding)
        } else {
            Ok(text.into_owned())
        };
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            let (text, malformed) = GB18030.decode_without_bom_handling(bytes);
            if malformed {
                return Err(CsvError::Encoding);
            }
            text.into_owned()
        }
    };
    // A binary file (a renamed .xls, an image) decodes to text with NULs: not a CSV.
    if text.contains('\0') {
        return Err(CsvError::Encoding);
    }
    Ok(text)
}

/// RFC 4180, leniently: CRLF, LF or CR end a row; a quote inside an unquoted cell is literal.
fn split(text: &str) -> Result<Vec<Vec<String>>, CsvError> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut chars = text.chars().peekable();
    let mut in_quotes = false;
    // The row a quoted cell started on, for the unclosed-quote message.
    let mut quote_row = 0;
    let mut at_cell_start = true;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => in_quotes = false,
                _ => cell.push(c),
            }
            continue;
        }
        match c {
            '"' if at_cell_start => {
                in_quotes = true;
                quote_row = rows.len() + 1;
                at_cell_start = false;
            }
            ',' => {
                row.push(std::mem::take(&mut cell));
                at_cell_start = true;
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
                at_cell_start = true;
            }
            _ => {
                cell.push(c);
                at_cell_start = false;
            }
        }
    }
    if in_quotes {
        return Err(CsvError::UnclosedQuote(quote_row));
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    Ok(rows)
}

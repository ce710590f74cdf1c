//! 文本规整: small input clean-ups shared by the parsers.

/// Maps a full-width ASCII form (`０`–`９`, `Ａ`–`Ｚ`, `．`, `－`, the ideographic space) to its
/// half-width form. Chinese IMEs often type these, and the user cannot see the difference.
pub fn to_halfwidth(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// The trimmed text, or `None` when only whitespace: a blank field counts as not filled in.
pub fn non_blank(s: &str) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty()).then_some(t)
}

//! 统一社会信用代码 (GB 32100-2015): parsing and the two check characters.
//!
//! A failed check character is a warning, not a rejection: some early pilot-region codes are
//! legal yet fail it (`reference/uscc.md` §3), so a person must confirm instead.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The 31 characters allowed in a code (no I, O, Z, S, V); a character's value is its index.
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// `3^(i-1) mod 31` for positions 1–17.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// GB 11714 组织机构代码 weights for its first 8 characters.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// 统一社会信用代码: 18 characters, normalised to upper case; structure checked on parse.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

/// Hard errors: the text cannot be a credit code at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("请填写统一社会信用代码（营业执照上的18位代码）")]
    Empty,
    #[error("统一社会信用代码应为18位，当前为{0}位，请对照营业执照核对")]
    Length(usize),
    #[error("第{pos}位“{ch}”不是有效字符：代码只含数字和大写字母（不用I、O、Z、S、V），请核对")]
    InvalidChar { pos: usize, ch: char },
    #[error("第{pos}位“{ch}”有误：第3–8位是登记机关行政区划码，只能是数字，请核对")]
    RegionNotDigit { pos: usize, ch: char },
}

/// Result of the check-character tests: anything but `Valid` is a warning to confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum CreditCheck {
    Valid,
    /// 第18位校验码不符 (GB 32100).
    CheckCharMismatch {
        expected: char,
        found: char,
    },
    /// 第17位（组织机构代码校验位）不符 (GB 11714); only reported when position 18 passes.
    OrgCodeMismatch {
        expected: char,
        found: char,
    },
}

impl CreditCheck {
    pub fn is_valid(self) -> bool {
        self == CreditCheck::Valid
    }

    /// The warning to show, in Chinese, or `None` when valid.
    pub fn warning(self) -> Option<String> {
        match self {
            CreditCheck::Valid => None,
            CreditCheck::CheckCharMismatch { expected, found } => Some(format!(
                "校验码不符：第18位按规则应为“{expected}”，填写的是“{found}”。请对照营业执照逐位核对；\
                 如确与执照一致（部分早期试点代码如此），可确认后保存"
            )),
            CreditCheck::OrgCodeMismatch { expected, found } => Some(format!(
                "组织机构代码校验位不符：第17位按规则应为“{expected}”，填写的是“{found}”。\
                 请对照营业执照核对，确认无误可保存"
            )),
        }
    }
}

fn value(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|i| i as u32)
}

impl CreditCode {
    /// Trims, converts full-width characters and lower case, then checks length and charset.
    pub fn parse(raw: &str) -> Result<CreditCode, CreditCodeError> {
        let s: String = raw
            .trim()
            .chars()
            .map(crate::text::to_halfwidth)
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let s = s.trim();
        if s.is_empty() {
            return Err(CreditCodeError::Empty);
        }
        let n = s.chars().count();
        if n != 18 {
            return Err(CreditCodeError::Length(n));
        }
        for (i, ch) in s.chars().enumerate() {
            let pos = i + 1;
            if (3..=8).contains(&pos) {
                if !ch.is_ascii_digit() {
                    return Err(CreditCodeError::RegionNotDigit { pos, ch });
                }
            } else if !ch.is_ascii() || value(ch as u8).is_none() {
                return Err(CreditCodeError::InvalidChar { pos, ch });
            }
        }
        Ok(CreditCode(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The GB 32100 check character (position 18) computed from positions 1–17.
    pub fn expected_check_char(&self) -> char {
        let sum: u32 = self
            .0
            .bytes()
            .zip(WEIGHTS)
            .map(|(c, w)| value(c).unwrap_or(0) * w)
            .sum();
        let c18 = (31 - sum % 31) % 31;
        CHARSET[c18 as usize] as char
    }

    /// The GB 11714 check character of the embedded 组织机构代码 (position 17).
    pub fn expected_org_check_char(&self) -> char {
        let org = &self.0.as_bytes()[8..16];
        let v = |c: u8| match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            _ => u32::from(c - b'A') + 10,
        };
        let sum: u32 = org.iter().zip(ORG_WEIGHTS).map(|(&c, w)| v(c) * w).sum();
        match 11 - sum % 11 {
            10 => 'X',
            11 => '0',
            d => char::from_digit(d, 10).unwrap_or('0'),
        }
    }

    /// Runs both checks; a mismatch is returned as a warning value, never an error.
    pub fn check(&self) -> CreditCheck {
        let b = self.0.as_bytes();
        let (expected, found) = (self.expected_check_char(), b[17] as char);
        if expected != found {
            return CreditCheck::CheckCharMismatch { expected, found };
        }
        let (expected, found) = (self.expected_org_check_char(), b[16] as char);
        if expected != found {
            return CreditCheck::OrgCodeMismatch { expected, found };
        }
        CreditCheck::Valid
    }

    /// 登记管理机关行政区划码 (positions 3–8). Not used to reject: which level registered
    /// the enterprise decides it (`1409xx`, `140900`, `140000` are all normal here).
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }

    /// 组织机构代码 written the usual way, `XXXXXXXX-X`.
    pub fn org_code(&self) -> String {
        format!("{}-{}", &self.0[8..16], &self.0[16..17])
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CreditCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        CreditCode::parse(&s)
    }
}

impl From<CreditCode> for String {
    fn from(c: CreditCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(s: &str) -> CreditCheck {
        CreditCode::parse(s).unwrap().check()
    }

    #[test]
    fn verified_examples_from_uscc_md() {
        assert_eq!(check("914403001922038216"), CreditCheck::Valid);
        assert_eq!(check("113715250043286799"), CreditCheck::Valid);
        assert_eq!(check("11330700MB10327095"), CreditCheck::Valid);
        assert_eq!(
            check("914403001922038217"),
            CreditCheck::CheckCharMismatch {
                expected: '6',
                found: '7'
            }
        );
        assert_eq!(
            check("91110108717809965C"),
            CreditCheck::CheckCharMismatch {
                expected: 'J',
                found: 'C'
            }
        );
    }

    #[test]
    fn org_code_check_matches_uscc_md() {
        let cases = [
            ("914403001922038216", '1', "19220382-1"),
            ("113715250043286799", '9', "00432867-9"),
            ("11330700MB10327095", '9', "MB103270-9"),
            ("91110108717809965C", '6', "71780996-5"),
        ];
        for (code, expected, org) in cases {
            let c = CreditCode::parse(code).unwrap();
            assert_eq!(c.expected_org_check_char(), expected, "{code}");
            assert_eq!(c.org_code(), org);
        }
        // Fix position 18 of the Baidu mock code: only the org-code check then fails.
        assert_eq!(
            check("91110108717809965J"),
            CreditCheck::OrgCodeMismatch {
                expected: '6',
                found: '5'
            }
        );
    }

    #[test]
    fn normalises_case_space_and_fullwidth() {
        let c = CreditCode::parse("  11330700mb10327095 ").unwrap();
        assert_eq!(c.as_str(), "11330700MB10327095");
        let c = CreditCode::parse("９１４４０３００１９２２０３８２１６").unwrap();
        assert_eq!(c.as_str(), "914403001922038216");
        assert_eq!(c.region_code(), "440300");
    }

    #[test]
    fn hard_errors_with_positions() {
        assert_eq!(CreditCode::parse("  "), Err(CreditCodeError::Empty));
        assert_eq!(
            CreditCode::parse("91440300192203821"),
            Err(CreditCodeError::Length(17))
        );
        assert_eq!(
            CreditCode::parse("9144030019220382I6"),
            Err(CreditCodeError::InvalidChar { pos: 17, ch: 'I' })
        );
        assert_eq!(
            CreditCode::parse("91A403001922038216"),
            Err(CreditCodeError::RegionNotDigit { pos: 3, ch: 'A' })
        );
        assert_eq!(
            CreditCode::parse("914403001922038工16"),
            Err(CreditCodeError::InvalidChar { pos: 16, ch: '工' })
        );
        assert!(CreditCodeError::Length(17).to_string().contains("18位"));
    }

    #[test]
    fn warnings_are_chinese_and_actionable() {
        let w = check("914403001922038217").warning().unwrap();
        assert!(w.contains("应为“6”") && w.contains("核对"));
        assert!(CreditCheck::Valid.warning().is_none());
    }

    #[test]
    fn serde_validates_on_load() {
        let c: CreditCode = serde_json::from_str("\"914403001922038216\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"914403001922038216\"");
        assert!(serde_json::from_str::<CreditCode>("\"123\"").is_err());
    }
}

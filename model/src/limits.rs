//! 合理范围: the bounds every stored record keeps, checked by each record's `validate()`, so the
//! PWA's forms and the server's push refuse the same things.
//!
//! Text limits fit what the annexes print (附件2/附件5 cells) and stay far below Excel's cell
//! limit of 32,767 characters; list limits bound what one record can make every device download
//! and every report walk. Dates must fall in the years the campaigns run: a 发现日期 of
//! 1900-01-01 is a typing or clock error, never a finding.

use crate::date::Date;
use crate::validation::Issue;

/// Names of people, units, enterprises; 文号; phone numbers.
pub const SHORT_TEXT: usize = 100;
/// Descriptions, measures, notes, 判定依据 (the longest 10号令 citation is under 600).
pub const LONG_TEXT: usize = 2000;
/// Photos on one hazard list (现场证据, 整改进展, one 复查).
pub const MAX_PHOTOS: usize = 30;
/// 检查人员 on one inspection, 主要负责人 on one penalty.
pub const MAX_PEOPLE: usize = 20;
/// 复查 records on one hazard.
pub const MAX_REVIEWS: usize = 50;
/// Lifecycle steps on one hazard (a few per 复查 round).
pub const MAX_HISTORY: usize = 500;
/// Answers on one checklist (the catalogue holds a few hundred items).
pub const MAX_ANSWERS: usize = 2000;
/// 序号 within one 附件5 清单.
pub const MAX_SEQ: u32 = 9999;
/// One fine, in 元 (10 亿元): beyond any 行政处罚, and far from overflowing a sum of many.
pub const MAX_FINE_YUAN: i64 = 1_000_000_000;

/// First and last dates a record may carry: the campaign series this app serves (the 2024
/// notice and the winter campaigns after it). Widen together with `data/campaigns.json`.
pub fn first_date() -> Date {
    Date::new(2020, 1, 1).expect("a real date")
}
pub fn last_date() -> Date {
    Date::new(2035, 12, 31).expect("a real date")
}

/// Adds an error when `s` has more than `max` characters.
pub fn text(out: &mut Vec<Issue>, field: &str, label: &str, s: &str, max: usize) {
    let n = s.chars().count();
    if n > max {
        out.push(Issue::error(
            field,
            format!("{label}过长（{n} 字），最多 {max} 字，请精简后保存"),
        ));
    }
}

/// Adds an error when a list has more than `max` entries.
pub fn list(out: &mut Vec<Issue>, field: &str, label: &str, len: usize, max: usize) {
    if len > max {
        out.push(Issue::error(
            field,
            format!("{label}过多（{len} 项），最多 {max} 项，请删去多余的后保存"),
        ));
    }
}

/// Adds an error when `d` lies outside [`first_date`]..=[`last_date`].
pub fn date(out: &mut Vec<Issue>, field: &str, label: &str, d: Date) {
    let (first, last) = (first_date(), last_date());
    if d < first || d > last {
        out.push(Issue::error(
            field,
            format!("{label} {d} 不在合理范围（{first} 至 {last}）内，请核对年份后重新选择"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_say_what_and_how_much() {
        let mut out = Vec::new();
        text(
            &mut out,
            "name",
            "企业名称",
            &"钢".repeat(SHORT_TEXT),
            SHORT_TEXT,
        );
        assert!(out.is_empty(), "exactly the limit is fine");
        text(&mut out, "name", "企业名称", &"钢".repeat(101), SHORT_TEXT);
        assert_eq!(out[0].field, "name");
        assert!(out[0].message.contains("101") && out[0].message.contains("100"));
        date(
            &mut out,
            "found_on",
            "发现日期",
            Date::parse("1900-01-01").unwrap(),
        );
        assert!(out[1].message.contains("1900-01-01"));
        date(
            &mut out,
            "found_on",
            "发现日期",
            Date::parse("2024-12-11").unwrap(),
        );
        list(&mut out, "photos", "照片", MAX_PHOTOS + 1, MAX_PHOTOS);
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn every_catalogue_citation_fits() {
        for item in crate::catalogue().all_items() {
            assert!(item.citation.chars().count() <= LONG_TEXT, "{}", item.id);
            assert!(item.id.chars().count() <= SHORT_TEXT, "{}", item.id);
        }
    }
}

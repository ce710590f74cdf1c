//! 日期: a civil calendar date without time zone, and unix-millisecond timestamps.
//!
//! Hand-written (Howard Hinnant's `days_from_civil`) instead of chrono/time, because the
//! wasm size budget is tight and the campaign only needs whole days.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// 时间戳: unix time in milliseconds (UTC), as the browser's `Date.now()` gives it.
pub type Timestamp = i64;

const MS_PER_DAY: i64 = 86_400_000;
/// 北京时间 is UTC+8 all year (no daylight saving), so the local day is fixed-offset.
const BEIJING_OFFSET_MS: i64 = 8 * 3_600_000;

/// 日期: a proleptic Gregorian date, serialised as `"YYYY-MM-DD"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

/// Why a date was rejected; the message tells the user how to write it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("日期格式应为“年-月-日”，例如 2025-03-31，请重新填写")]
    Format,
    #[error("日期 {0} 不存在，请核对年月日")]
    NoSuchDay(String),
}

impl Date {
    /// Builds a date, checking that the day exists in that month.
    pub fn new(year: i32, month: u8, day: u8) -> Result<Date, DateError> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(DateError::NoSuchDay(format!(
                "{year:04}-{month:02}-{day:02}"
            )));
        }
        Ok(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD` (four-digit year, two-digit month and day).
    pub fn parse(s: &str) -> Result<Date, DateError> {
        let s = s.trim();
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) {
            return Err(DateError::Format);
        }
        if !digits(5..7) || !digits(8..10) {
            return Err(DateError::Format);
        }
        let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().map_err(|_| DateError::Format);
        Date::new(num(0..4)? as i32, num(5..7)? as u8, num(8..10)? as u8)
    }

    pub fn year(self) -> i32 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before), Hinnant's `days_from_civil`.
    pub fn days_since_epoch(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let mp = if m > 2 { m - 3 } else { m + 9 };
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// Inverse of [`Date::days_since_epoch`], Hinnant's `civil_from_days`.
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// The UTC calendar day of a unix-millisecond timestamp.
    pub fn from_unix_ms(ms: Timestamp) -> Date {
        Date::from_days(ms.div_euclid(MS_PER_DAY))
    }

    /// The 北京时间 calendar day of a timestamp. Use this for "today": before 08:00 in
    /// Xinzhou the UTC date is still yesterday.
    pub fn from_unix_ms_beijing(ms: Timestamp) -> Date {
        Date::from_unix_ms(ms + BEIJING_OFFSET_MS)
    }

    /// ISO weekday: Monday = 1 … Sunday = 7.
    pub fn weekday(self) -> u8 {
        // 1970-01-01 was a Thursday (4).
        ((self.days_since_epoch() + 3).rem_euclid(7) + 1) as u8
    }

    pub fn add_days(self, n: i64) -> Date {
        Date::from_days(self.days_since_epoch() + n)
    }

    /// Whole days from `self` to `other` (positive when `other` is later).
    pub fn days_until(self, other: Date) -> i64 {
        other.days_since_epoch() - self.days_since_epoch()
    }

    /// The first day on or after `self` that falls on `weekday` (1 = Monday … 7 = Sunday).
    pub fn next_weekday_on_or_after(self, weekday: u8) -> Date {
        let ahead = (i64::from(weekday) - i64::from(self.weekday())).rem_euclid(7);
        self.add_days(ahead)
    }

    /// Chinese long form, e.g. `2025年3月31日`, as the annex headers write dates.
    pub fn to_chinese(self) -> String {
        format!("{}年{}月{}日", self.year, self.month, self.day)
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u8) -> u8 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Chinese weekday name, `周一` … `周日`.
pub fn weekday_label(weekday: u8) -> &'static str {
    const NAMES: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    NAMES[usize::from(weekday.clamp(1, 7) - 1)]
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl std::str::FromStr for Date {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Date::parse(s)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn epoch_and_known_days() {
        assert_eq!(d("1970-01-01").days_since_epoch(), 0);
        assert_eq!(d("2000-03-01").days_since_epoch(), 11_017);
        assert_eq!(d("1969-12-31").days_since_epoch(), -1);
        assert_eq!(Date::from_days(0), d("1970-01-01"));
    }

    #[test]
    fn round_trips_every_day_over_four_centuries() {
        let start = d("1900-01-01").days_since_epoch();
        let mut prev = Date::from_days(start - 1);
        for n in start..start + 146_097 {
            let date = Date::from_days(n);
            assert_eq!(date.days_since_epoch(), n);
            assert!(date > prev);
            prev = date;
        }
    }

    #[test]
    fn weekdays_of_campaign_dates() {
        assert_eq!(d("2024-12-11").weekday(), 3, "印发 date was a Wednesday");
        assert_eq!(d("2024-12-13").weekday(), 5);
        assert_eq!(d("2025-03-31").weekday(), 1);
        assert_eq!(d("1970-01-01").weekday(), 4);
        assert_eq!(weekday_label(5), "周五");
    }

    #[test]
    fn parse_rejects_bad_input_with_chinese_message() {
        assert_eq!(Date::parse("2025-3-31"), Err(DateError::Format));
        assert_eq!(Date::parse("2025/03/31"), Err(DateError::Format));
        assert_eq!(Date::parse("+025-03-31"), Err(DateError::Format));
        assert!(matches!(
            Date::parse("2025-02-29"),
            Err(DateError::NoSuchDay(_))
        ));
        assert!(Date::parse("2024-02-29").is_ok());
        assert!(DateError::Format.to_string().contains("2025-03-31"));
    }

    #[test]
    fn add_days_and_next_weekday() {
        assert_eq!(d("2024-12-31").add_days(1), d("2025-01-01"));
        assert_eq!(d("2025-03-01").add_days(-1), d("2025-02-28"));
        assert_eq!(d("2024-12-11").next_weekday_on_or_after(5), d("2024-12-13"));
        assert_eq!(d("2024-12-13").next_weekday_on_or_after(5), d("2024-12-13"));
        assert_eq!(d("2024-12-14").next_weekday_on_or_after(5), d("2024-12-20"));
        assert_eq!(d("2025-03-01").days_until(d("2025-03-31")), 30);
    }

    #[test]
    fn unix_ms_to_day_including_beijing_offset() {
        // 2024-12-11T00:00:00Z
        let ms = 1_733_875_200_000;
        assert_eq!(Date::from_unix_ms(ms), d("2024-12-11"));
        assert_eq!(Date::from_unix_ms(ms - 1), d("2024-12-10"));
        // 2024-12-10T17:00Z is 01:00 on the 11th in Xinzhou.
        assert_eq!(
            Date::from_unix_ms_beijing(ms - 7 * 3_600_000),
            d("2024-12-11")
        );
        assert_eq!(Date::from_unix_ms(-1), d("1969-12-31"));
    }

    #[test]
    fn serde_as_iso_string() {
        let json = serde_json::to_string(&d("2025-03-31")).unwrap();
        assert_eq!(json, "\"2025-03-31\"");
        let back: Date = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d("2025-03-31"));
        assert!(serde_json::from_str::<Date>("\"2025-13-01\"").is_err());
        assert_eq!(d("2025-03-01").to_chinese(), "2025年3月1日");
    }
}

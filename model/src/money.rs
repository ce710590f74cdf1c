//! 金额: amounts the annexes state in 万元 (fines, 整改资金), held exactly as whole 元.
//!
//! Why integer 元 and not `f64` 万元: 附件1 sums many fines, and binary floats turn 0.1 + 0.2
//! into 0.30000000000000004 in a printed report. One 元 is 0.0001 万元, i.e. the 4 decimals
//! anyone writes in a 万元 column, so nothing a user can type is lost.

use std::fmt;
use std::iter::Sum;
use std::ops::Add;

use serde::{Deserialize, Serialize};

/// 金额（元）: a non-negative amount in whole 元; shown and typed in 万元.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

/// Why a 万元 amount was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("金额请填写数字（单位：万元），例如 1.5")]
    NotANumber,
    #[error("金额最多保留4位小数（即精确到元），请删去多余的小数位")]
    TooPrecise,
    #[error("金额过大，请核对单位是否为万元")]
    TooLarge,
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn from_yuan(yuan: i64) -> Money {
        Money(yuan)
    }

    pub fn yuan(self) -> i64 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Parses a 万元 amount as typed: `"1.5"`, `"0.0350"`, `"２"`; `"-"` signs are refused.
    pub fn parse_wan(s: &str) -> Result<Money, MoneyError> {
        let s: String = s.trim().chars().map(crate::text::to_halfwidth).collect();
        let s = s.trim_end_matches("万元").trim();
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() && frac.is_empty() {
            return Err(MoneyError::NotANumber);
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::NotANumber);
        }
        let frac = frac.trim_end_matches('0');
        if frac.len() > 4 {
            return Err(MoneyError::TooPrecise);
        }
        let int: i64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| MoneyError::TooLarge)?
        };
        let frac_yuan: i64 = format!("{frac:0<4}")
            .parse()
            .map_err(|_| MoneyError::NotANumber)?;
        int.checked_mul(10_000)
            .and_then(|y| y.checked_add(frac_yuan))
            .map(Money)
            .ok_or(MoneyError::TooLarge)
    }

    /// The amount in 万元 without trailing zeros: `1.5`, `0.035`, `2`.
    pub fn wan_string(self) -> String {
        let (int, frac) = (self.0 / 10_000, (self.0 % 10_000).abs());
        let sign = if self.0 < 0 && int == 0 { "-" } else { "" };
        if frac == 0 {
            return format!("{sign}{int}");
        }
        let frac = format!("{frac:04}");
        format!("{sign}{int}.{}", frac.trim_end_matches('0'))
    }
}

impl fmt::Display for Money {
    /// `1.5万元`, as the annexes write amounts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}万元", self.wan_string())
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0.saturating_add(rhs.0))
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wan_exactly() {
        assert_eq!(Money::parse_wan("1.5"), Ok(Money::from_yuan(15_000)));
        assert_eq!(Money::parse_wan(" 0.0350 "), Ok(Money::from_yuan(350)));
        assert_eq!(Money::parse_wan("2"), Ok(Money::from_yuan(20_000)));
        assert_eq!(Money::parse_wan(".5"), Ok(Money::from_yuan(5_000)));
        assert_eq!(Money::parse_wan("３万元"), Ok(Money::from_yuan(30_000)));
        assert_eq!(Money::parse_wan("0.00001"), Err(MoneyError::TooPrecise));
        assert_eq!(Money::parse_wan("-1"), Err(MoneyError::NotANumber));
        assert_eq!(Money::parse_wan(""), Err(MoneyError::NotANumber));
        assert_eq!(Money::parse_wan("1e3"), Err(MoneyError::NotANumber));
        assert_eq!(
            Money::parse_wan("99999999999999999999"),
            Err(MoneyError::TooLarge)
        );
    }

    #[test]
    fn sums_without_float_drift() {
        let total: Money = ["0.1", "0.2"]
            .iter()
            .map(|s| Money::parse_wan(s).unwrap())
            .sum();
        assert_eq!(total.wan_string(), "0.3");
        assert_eq!(Money::from_yuan(350).to_string(), "0.035万元");
        assert_eq!(Money::from_yuan(20_000).wan_string(), "2");
        assert_eq!(
            serde_json::to_string(&Money::from_yuan(15_000)).unwrap(),
            "15000"
        );
    }
}

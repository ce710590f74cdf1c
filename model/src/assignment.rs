//! 交叉检查组的检查期: a cross-inspection team's account works only during its assignment
//! (附件3: the teams inspect in March and file 附件4 afterwards). Outside it the account may
//! neither read nor write the 受检县's records; the city office extends it by adding a new
//! account or changing the dates.

use crate::date::Date;

/// The days (both inclusive, Beijing time) a 交叉检查组 account may work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    pub from: Date,
    pub until: Date,
}

/// Why an assignment cannot be created or used now; the message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignmentError {
    #[error("检查期的开始日期（{from}）晚于结束日期（{until}），请核对 --from 与 --until")]
    Reversed { from: Date, until: Date },
    #[error("交叉检查组账号须写明检查期，例如 --from 2025-03-03 --until 2025-03-31")]
    Missing,
    #[error("交叉检查任务尚未开始：检查期为 {from} 至 {until}。到期后即可登录；如需提前，请联系市应急管理局。")]
    NotYet { from: Date, until: Date },
    #[error("交叉检查任务已于 {until} 结束（检查期 {from} 至 {until}），本账号不能再查看或修改受检县的记录。如需延期，请联系市应急管理局。")]
    Ended { from: Date, until: Date },
}

impl Assignment {
    pub fn new(from: Date, until: Date) -> Result<Assignment, AssignmentError> {
        if from > until {
            return Err(AssignmentError::Reversed { from, until });
        }
        Ok(Assignment { from, until })
    }

    /// Whether the account may work on `today` (Beijing date).
    pub fn check(&self, today: Date) -> Result<(), AssignmentError> {
        let (from, until) = (self.from, self.until);
        if today < from {
            Err(AssignmentError::NotYet { from, until })
        } else if today > until {
            Err(AssignmentError::Ended { from, until })
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn both_ends_are_working_days() {
        let a = Assignment::new(d("2025-03-03"), d("2025-03-31")).unwrap();
        assert_eq!(a.check(d("2025-03-03")), Ok(()));
        assert_eq!(a.check(d("2025-03-31")), Ok(()));
        assert_eq!(a.check(d("2025-03-15")), Ok(()));
    }

    #[test]
    fn before_and_after_are_refused_with_the_dates() {
        let a = Assignment::new(d("2025-03-03"), d("2025-03-31")).unwrap();
        let before = a.check(d("2025-03-02")).unwrap_err();
        assert!(matches!(before, AssignmentError::NotYet { .. }));
        assert!(before.to_string().contains("尚未开始"));
        let after = a.check(d("2025-04-01")).unwrap_err();
        assert!(matches!(after, AssignmentError::Ended { .. }));
        assert!(after.to_string().contains("2025-03-31"), "{after}");
    }

    #[test]
    fn a_reversed_period_is_refused() {
        assert!(matches!(
            Assignment::new(d("2025-03-31"), d("2025-03-03")),
            Err(AssignmentError::Reversed { .. })
        ));
    }
}

//! 隐患闭环: 待整改 → 整改中 → 待复查 → 已销号, with 逾期 derived from the deadline.

use serde::{Deserialize, Serialize};

use super::Hazard;
use crate::date::{Date, Timestamp};

/// 整改状态. 逾期 is not a state: it is derived from the deadline (see [`Hazard::is_overdue`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardState {
    /// 待整改
    Open,
    /// 整改中
    Rectifying,
    /// 待复查: the enterprise reports it done; an inspector must check.
    AwaitingReview,
    /// 已销号: closed after a passed 复查.
    Closed,
}

impl HazardState {
    pub const ALL: [HazardState; 4] = [
        HazardState::Open,
        HazardState::Rectifying,
        HazardState::AwaitingReview,
        HazardState::Closed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            HazardState::Open => "待整改",
            HazardState::Rectifying => "整改中",
            HazardState::AwaitingReview => "待复查",
            HazardState::Closed => "已销号",
        }
    }
}

/// 复查: done by an inspector (not the enterprise), with its own photos.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// 复查人员
    pub reviewer: String,
    /// 复查单位
    #[serde(default)]
    pub unit: String,
    /// 复查日期
    pub date: Date,
    pub passed: bool,
    #[serde(default)]
    pub photos: Vec<String>,
    #[serde(default)]
    pub note: String,
}

/// One step of the lifecycle, kept forever: who moved it, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateChange {
    pub from: HazardState,
    pub to: HazardState,
    pub by: String,
    pub at: Timestamp,
}

/// Why a lifecycle step was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HazardError {
    #[error("隐患当前为“{from}”，不能直接改为“{to}”，请按 待整改→整改中→待复查→已销号 的顺序办理")]
    BadTransition {
        from: &'static str,
        to: &'static str,
    },
    #[error("整改完成时间不能早于发现日期 {0}，请核对")]
    CompletedBeforeFound(Date),
    #[error("复查日期不能早于整改完成时间 {0}，请核对")]
    ReviewBeforeCompletion(Date),
    #[error("请填写复查人员")]
    NoReviewer,
}

impl Hazard {
    fn move_to(&mut self, to: HazardState, by: &str, at: Timestamp) {
        self.history.push(StateChange {
            from: self.state,
            to,
            by: by.to_owned(),
            at,
        });
        self.state = to;
    }

    fn refuse(&self, to: HazardState) -> HazardError {
        HazardError::BadTransition {
            from: self.state.label(),
            to: to.label(),
        }
    }

    /// 待整改 → 整改中.
    pub fn start_rectification(&mut self, by: &str, at: Timestamp) -> Result<(), HazardError> {
        if self.state != HazardState::Open {
            return Err(self.refuse(HazardState::Rectifying));
        }
        self.move_to(HazardState::Rectifying, by, at);
        Ok(())
    }

    /// 待整改/整改中 → 待复查, recording 整改完成时间 (立查立改 may skip 整改中).
    pub fn submit_for_review(
        &mut self,
        completed_on: Date,
        by: &str,
        at: Timestamp,
    ) -> Result<(), HazardError> {
        if !matches!(self.state, HazardState::Open | HazardState::Rectifying) {
            return Err(self.refuse(HazardState::AwaitingReview));
        }
        if completed_on < self.found_on {
            return Err(HazardError::CompletedBeforeFound(self.found_on));
        }
        self.completed_on = Some(completed_on);
        self.move_to(HazardState::AwaitingReview, by, at);
        Ok(())
    }

    /// 待复查 → 已销号 when the review passed, else back to 整改中 (the review is kept).
    pub fn record_review(
        &mut self,
        review: Review,
        by: &str,
        at: Timestamp,
    ) -> Result<(), HazardError> {
        if self.state != HazardState::AwaitingReview {
            return Err(self.refuse(HazardState::Closed));
        }
        if review.reviewer.trim().is_empty() {
            return Err(HazardError::NoReviewer);
        }
        if let Some(done) = self.completed_on {
            if review.date < done {
                return Err(HazardError::ReviewBeforeCompletion(done));
            }
        }
        let to = if review.passed {
            HazardState::Closed
        } else {
            HazardState::Rectifying
        };
        if !review.passed {
            self.completed_on = None;
        }
        self.reviews.push(review);
        self.move_to(to, by, at);
        Ok(())
    }

    /// The latest 复查.
    pub fn last_review(&self) -> Option<&Review> {
        self.reviews.last()
    }

    /// 销号 date: the passed review's date.
    pub fn closed_on(&self) -> Option<Date> {
        (self.state == HazardState::Closed)
            .then(|| self.last_review().map(|r| r.date))
            .flatten()
    }

    /// 已整改 as of a report date: 销号 on or before it, i.e. [`Hazard::state_on`] is 已销号.
    /// A hazard closed later counts as not rectified in that week's report. 附件1's 已整改
    /// counts, 附件2's 整改完成情况, 附件4 and the 工作台 all go through this one rule.
    pub fn is_rectified_by(&self, date: Date) -> bool {
        self.state_on(date) == HazardState::Closed
    }

    /// 整改状态 at the end of `date` (北京时间), told from the 办理记录: the state the last step
    /// taken on or before `date` led to, or the state before the first step when none was.
    ///
    /// A step's day is the date the step itself records, where it records one, else the
    /// 北京时间 day of its `at`: a 复查's outcome (销号, or back to 整改中 when it failed) takes
    /// the 复查日期 written on the review, so 销号 is "a 复查 passed on or before the day", as the
    /// paper ledger counts it, even when the review was entered on the phone days later; the
    /// submission for 复查 takes the 整改完成时间 the enterprise reported with it (kept for the
    /// latest submission only: a failed 复查 wipes it, and an older submission falls back to
    /// `at`). Steps happen in order, so a step counts as done by the day of any later step (a
    /// hazard reported done on the 12th was 整改中 by then, whenever 开始整改 was tapped).
    ///
    /// `date` before [`Hazard::found_on`] is not asked by the annexes (they leave such a hazard
    /// out); the answer is then the state before the first step, normally 待整改.
    ///
    /// Records without a 办理记录 (written before the app kept one, or edited elsewhere), and the
    /// time after the last step of a record whose state moved on without a step, are told from
    /// the record's own dates (`state_without_history_on`): the current state is the answer
    /// only where nothing else tells it.
    pub fn state_on(&self, date: Date) -> HazardState {
        match self.last_step_on(date) {
            Some(k) if k + 1 == self.history.len() && self.history[k].to != self.state => {
                self.state_without_history_on(date)
            }
            Some(k) => self.history[k].to,
            None => match self.history.first() {
                Some(first) => first.from,
                None => self.state_without_history_on(date),
            },
        }
    }

    /// 整改完成时间 as a report for `date` may print it: only while the hazard is 待复查 or
    /// 已销号 on `date`, only when that submission is the latest one (a 复查 that failed after
    /// `date` wiped the date the enterprise had reported; a later resubmission has its own), and
    /// never a day after `date`.
    pub fn completed_on_as_of(&self, date: Date) -> Option<Date> {
        if !matches!(
            self.state_on(date),
            HazardState::AwaitingReview | HazardState::Closed
        ) {
            return None;
        }
        let done = self.completed_on.filter(|d| *d <= date)?;
        let later_submission = self.last_step_on(date).is_some_and(|k| {
            self.history[k + 1..]
                .iter()
                .any(|s| s.to == HazardState::AwaitingReview)
        });
        (!later_submission).then_some(done)
    }

    /// The index of the last 办理记录 step in effect at the end of `date`. Walks from the newest
    /// step back, giving each step its day: a 复查's outcome takes its review's date (reviews
    /// paired from the newest back: a step out of 待复查 is always a review, see
    /// [`Hazard::record_review`]); the latest submission for 复查 takes the 整改完成时间 it
    /// reported, while the hazard still holds it; any other step the 北京时间 day of `at`. The
    /// last step whose day is on or before `date` is the answer: every earlier step is then
    /// done by `date` too.
    fn last_step_on(&self, date: Date) -> Option<usize> {
        let mut reviews = self.reviews.iter().rev();
        let mut completed = self.completed_on;
        self.history.iter().enumerate().rev().find_map(|(i, s)| {
            let mut day = Date::from_unix_ms_beijing(s.at);
            if s.from == HazardState::AwaitingReview {
                if let Some(r) = reviews.next() {
                    day = r.date;
                }
            }
            if s.to == HazardState::AwaitingReview {
                // Only the newest submission's 整改完成时间 is kept; older ones keep `at`.
                if let Some(c) = completed.take() {
                    day = c;
                }
            }
            (day <= date).then_some(i)
        })
    }

    /// The state on `date` of a record whose 办理记录 does not tell it: the dates the record
    /// itself holds decide where they can, and the current state is the answer only where
    /// nothing can be told otherwise.
    /// - 已销号: on or after the passed 复查's date (销号 without a review date cannot be
    ///   placed: it stays 已销号); before it, as for 待复查.
    /// - 待复查: from the 整改完成时间 on; before it 整改中 (whether 整改 had started by then
    ///   cannot be told; 整改中 is what the ledger showed for such records before it read the
    ///   办理记录).
    /// - 待整改, 整改中: the current state (when 整改 started cannot be told).
    fn state_without_history_on(&self, date: Date) -> HazardState {
        match self.state {
            HazardState::Closed => match self.closed_on() {
                None => HazardState::Closed,
                Some(d) if d <= date => HazardState::Closed,
                Some(_) => self.awaiting_or_rectifying_on(date),
            },
            HazardState::AwaitingReview => self.awaiting_or_rectifying_on(date),
            s => s,
        }
    }

    fn awaiting_or_rectifying_on(&self, date: Date) -> HazardState {
        match self.completed_on {
            Some(d) if d > date => HazardState::Rectifying,
            _ => HazardState::AwaitingReview,
        }
    }

    /// 逾期: not closed and the 整改时限 has passed.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.state != HazardState::Closed && self.rectification.deadline.is_some_and(|d| d < today)
    }

    /// State label with 逾期 when it applies, e.g. `整改中（逾期）`.
    pub fn state_label(&self, today: Date) -> String {
        if self.is_overdue(today) {
            format!("{}（逾期）", self.state.label())
        } else {
            self.state.label().to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hazard::Basis;
    use crate::ids::new_record_id;
    use crate::inspection::tests::inspection;
    use crate::record::RecordMeta;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    /// `hh:mm` 北京时间 on `day`, as unix ms.
    fn at(day: &str, hh: i64, mm: i64) -> Timestamp {
        (d(day).days_since_epoch() * 24 * 60 + (hh - 8) * 60 + mm) * 60_000
    }

    /// A hazard found on 2025-03-03, 待整改, with no 办理记录 yet.
    fn hazard() -> Hazard {
        let mut i = inspection();
        i.date = d("2025-03-03");
        let meta = RecordMeta::new(new_record_id(10, [7; 10]), 10, "dev", "张三");
        let mut h = Hazard::new(meta, &i, 1);
        h.description = "铸造平台液位报警器未接入联锁".into();
        h.basis = Basis::FreeText("GB 30078".into());
        h
    }

    fn review(date: &str, passed: bool) -> Review {
        Review {
            reviewer: "李四".into(),
            unit: "原平市应急管理局".into(),
            date: d(date),
            passed,
            photos: vec![],
            note: String::new(),
        }
    }

    /// state_on for each day, as `(day, state)` pairs, to compare with one list.
    fn states(h: &Hazard, days: &[&str]) -> Vec<(String, &'static str)> {
        days.iter()
            .map(|s| (s.to_string(), h.state_on(d(s)).label()))
            .collect()
    }

    fn expect(pairs: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
        pairs.iter().map(|(d, s)| (d.to_string(), *s)).collect()
    }

    use HazardState::*;

    #[test]
    fn each_day_shows_the_state_its_steps_had_reached() {
        let mut h = hazard();
        h.start_rectification("企业", at("2025-03-04", 9, 0))
            .unwrap();
        h.submit_for_review(d("2025-03-09"), "企业", at("2025-03-10", 8, 30))
            .unwrap();
        h.record_review(review("2025-03-10", true), "李四", at("2025-03-10", 16, 0))
            .unwrap();
        assert_eq!(
            states(
                &h,
                &[
                    "2025-03-03",
                    "2025-03-04",
                    "2025-03-07",
                    "2025-03-08",
                    "2025-03-09",
                    "2025-03-10",
                    "2025-03-14"
                ]
            ),
            expect(&[
                ("2025-03-03", "待整改"),
                ("2025-03-04", "整改中"),
                ("2025-03-07", "整改中"),
                ("2025-03-08", "整改中"),
                // Reported on the 10th, done (整改完成时间) on the 9th.
                ("2025-03-09", "待复查"),
                ("2025-03-10", "已销号"),
                ("2025-03-14", "已销号"),
            ])
        );
        for (day, closed) in [("2025-03-07", false), ("2025-03-10", true)] {
            assert_eq!(h.is_rectified_by(d(day)), closed, "{day}");
        }
        assert_eq!(h.completed_on_as_of(d("2025-03-07")), None);
        assert_eq!(h.completed_on_as_of(d("2025-03-09")), Some(d("2025-03-09")));
        assert_eq!(h.completed_on_as_of(d("2025-03-14")), Some(d("2025-03-09")));
    }

    #[test]
    fn the_day_of_a_step_is_beijing_time() {
        // 23:30 in Xinzhou is still the 5th.
        let mut late = hazard();
        late.start_rectification("企业", at("2025-03-05", 23, 30))
            .unwrap();
        assert_eq!(late.state_on(d("2025-03-04")), Open);
        assert_eq!(late.state_on(d("2025-03-05")), Rectifying);
        // 00:30 on the 8th is the 7th in UTC, but the 8th here.
        let mut early = hazard();
        early
            .start_rectification("企业", at("2025-03-08", 0, 30))
            .unwrap();
        assert_eq!(early.state_on(d("2025-03-07")), Open);
        assert_eq!(early.state_on(d("2025-03-08")), Rectifying);
    }

    #[test]
    fn a_failed_review_before_the_day_sends_it_back_to_rectifying() {
        let mut h = hazard();
        h.start_rectification("企业", at("2025-03-04", 9, 0))
            .unwrap();
        h.submit_for_review(d("2025-03-05"), "企业", at("2025-03-05", 17, 0))
            .unwrap();
        h.record_review(review("2025-03-06", false), "李四", at("2025-03-06", 10, 0))
            .unwrap();
        h.submit_for_review(d("2025-03-11"), "企业", at("2025-03-12", 9, 0))
            .unwrap();
        h.record_review(review("2025-03-13", true), "李四", at("2025-03-13", 15, 0))
            .unwrap();
        assert_eq!(
            states(
                &h,
                &[
                    "2025-03-04",
                    "2025-03-05",
                    "2025-03-06",
                    "2025-03-07",
                    "2025-03-10",
                    "2025-03-11",
                    "2025-03-13"
                ]
            ),
            expect(&[
                ("2025-03-04", "整改中"),
                ("2025-03-05", "待复查"),
                ("2025-03-06", "整改中"),
                ("2025-03-07", "整改中"),
                ("2025-03-10", "整改中"),
                ("2025-03-11", "待复查"),
                ("2025-03-13", "已销号"),
            ])
        );
        // The first submission's 整改完成时间 went with the failed review: it is not shown as
        // if it were the second's.
        assert_eq!(h.completed_on_as_of(d("2025-03-05")), None);
        assert_eq!(h.completed_on_as_of(d("2025-03-12")), Some(d("2025-03-11")));
    }

    #[test]
    fn closed_after_the_day_is_awaiting_review_on_it() {
        let mut h = hazard();
        h.start_rectification("企业", at("2025-03-04", 9, 0))
            .unwrap();
        h.submit_for_review(d("2025-03-12"), "企业", at("2025-03-12", 18, 0))
            .unwrap();
        h.record_review(review("2025-03-15", true), "李四", at("2025-03-15", 10, 0))
            .unwrap();
        assert_eq!(h.state_on(d("2025-03-14")), AwaitingReview);
        assert!(!h.is_rectified_by(d("2025-03-14")));
        assert_eq!(h.completed_on_as_of(d("2025-03-14")), Some(d("2025-03-12")));
        assert_eq!(h.state_on(d("2025-03-15")), Closed);
    }

    #[test]
    fn several_steps_on_one_day_end_at_the_last() {
        let mut h = hazard();
        // 立查立改: started, done and reviewed within the afternoon of 03-06.
        h.start_rectification("企业", at("2025-03-06", 14, 0))
            .unwrap();
        h.submit_for_review(d("2025-03-06"), "企业", at("2025-03-06", 15, 0))
            .unwrap();
        h.record_review(review("2025-03-06", true), "李四", at("2025-03-06", 16, 0))
            .unwrap();
        assert_eq!(h.state_on(d("2025-03-05")), Open);
        assert_eq!(h.state_on(d("2025-03-06")), Closed);
        // Sent back the same day it was reported: 整改中 at the end of that day.
        let mut back = hazard();
        back.start_rectification("企业", at("2025-03-06", 9, 0))
            .unwrap();
        back.submit_for_review(d("2025-03-06"), "企业", at("2025-03-06", 10, 0))
            .unwrap();
        back.record_review(review("2025-03-06", false), "李四", at("2025-03-06", 17, 0))
            .unwrap();
        assert_eq!(back.state_on(d("2025-03-06")), Rectifying);
    }

    #[test]
    fn steps_entered_afterwards_count_on_the_dates_they_record() {
        let mut h = hazard();
        // 开始整改 tapped only on Sunday 03-16 together with the report (done 03-12); reviewed on
        // paper on Friday 03-14 and entered on Monday. 销号 is the 复查's date, so the Friday
        // report already counts it, and the hazard was 待复查 from the 12th.
        h.start_rectification("企业", at("2025-03-16", 9, 0))
            .unwrap();
        h.submit_for_review(d("2025-03-12"), "企业", at("2025-03-16", 9, 5))
            .unwrap();
        h.record_review(review("2025-03-14", true), "李四", at("2025-03-17", 9, 0))
            .unwrap();
        assert_eq!(
            states(
                &h,
                &["2025-03-11", "2025-03-12", "2025-03-13", "2025-03-14"]
            ),
            expect(&[
                ("2025-03-11", "待整改"),
                ("2025-03-12", "待复查"),
                ("2025-03-13", "待复查"),
                ("2025-03-14", "已销号"),
            ])
        );
        assert!(h.is_rectified_by(d("2025-03-14")));
        assert_eq!(h.closed_on(), Some(d("2025-03-14")));
    }

    #[test]
    fn without_a_history_the_records_own_dates_decide() {
        let mut h = hazard();
        assert_eq!(h.state_on(d("2025-03-14")), Open);
        h.state = Rectifying;
        // When 整改 started cannot be told: the current state.
        assert_eq!(h.state_on(d("2025-03-03")), Rectifying);
        h.state = AwaitingReview;
        h.completed_on = Some(d("2025-03-07"));
        assert_eq!(h.state_on(d("2025-03-06")), Rectifying);
        assert_eq!(h.state_on(d("2025-03-07")), AwaitingReview);
        h.state = Closed;
        h.reviews.push(review("2025-03-10", true));
        assert_eq!(
            states(&h, &["2025-03-06", "2025-03-08", "2025-03-10"]),
            expect(&[
                ("2025-03-06", "整改中"),
                ("2025-03-08", "待复查"),
                ("2025-03-10", "已销号"),
            ])
        );
        assert_eq!(h.completed_on_as_of(d("2025-03-08")), Some(d("2025-03-07")));
        assert!(!h.is_rectified_by(d("2025-03-09")));
        assert!(h.is_rectified_by(d("2025-03-10")));
    }

    #[test]
    fn after_the_last_step_of_a_history_that_stops_short_the_records_dates_decide() {
        // An older app version recorded 开始整改 but not the steps after it.
        let mut h = hazard();
        h.start_rectification("企业", at("2025-03-04", 9, 0))
            .unwrap();
        h.state = Closed;
        h.completed_on = Some(d("2025-03-08"));
        h.reviews.push(review("2025-03-10", true));
        assert_eq!(
            states(
                &h,
                &["2025-03-03", "2025-03-05", "2025-03-08", "2025-03-10"]
            ),
            expect(&[
                ("2025-03-03", "待整改"),
                ("2025-03-05", "整改中"),
                ("2025-03-08", "待复查"),
                ("2025-03-10", "已销号"),
            ])
        );
    }

    #[test]
    fn the_current_state_is_the_state_on_any_day_after_the_last_step() {
        let mut h = hazard();
        h.start_rectification("企业", at("2025-03-04", 9, 0))
            .unwrap();
        assert_eq!(h.state_on(d("2025-12-31")), h.state);
    }
}

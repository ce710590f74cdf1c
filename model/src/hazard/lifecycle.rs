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

    /// 已整改 as of a report date: closed on or before it. A hazard closed later counts as
    /// not rectified in that week's report.
    pub fn is_rectified_by(&self, date: Date) -> bool {
        self.closed_on().is_some_and(|d| d <= date)
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

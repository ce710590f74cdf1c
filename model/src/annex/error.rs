//! Why an annex could not be computed for the date asked.

/// 报表错误: the message tells the office which date to pick instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnnexError {
    /// 周调度统计表 is summed up on the report day (周五); any other day is a mistake.
    #[error("周调度统计表每{weekday}汇总，{date}不是{weekday}，请选择{next}")]
    NotReportDay {
        date: String,
        weekday: &'static str,
        next: String,
    },
    #[error("{date}不在专项行动期间（{start}至{end}），请选择专项行动期间的报送日")]
    OutsideCampaign {
        date: String,
        start: String,
        end: String,
    },
}

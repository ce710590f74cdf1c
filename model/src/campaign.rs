//! 专项行动: a campaign as data (文号, dates, report day, 附件3 pairs, 交叉检查 rules).
//!
//! The bundled campaigns live in `data/campaigns.json`; the next winter campaign is one more
//! record there (or loaded at run time with [`Campaign::from_json`]), not a code change.

use serde::{Deserialize, Serialize};

use crate::county::County;
use crate::date::{weekday_label, Date};
use crate::enterprise::{Enterprise, RiskTag};
use crate::validation::Issue;

const CAMPAIGNS_JSON: &str = include_str!("../data/campaigns.json");

/// 交叉检查结对 (附件3): 检查方 county inspects 受检方 county.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CrossPair {
    /// 检查方
    pub inspector: County,
    /// 受检方
    pub inspected: County,
}

/// 交叉检查要求 (通知 三（三）and 附件3 说明).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrossRules {
    /// The period it is to be done in, in principle (2025年3月).
    pub window_start: Date,
    pub window_end: Date,
    /// 检查时间不少于 N 天
    pub min_days: u32,
    /// 抽检企业不少于 N 家
    pub min_enterprises: u32,
    /// 中小企业比例不低于 N%
    pub min_sme_percent: u32,
    /// 原则上要涵盖的重点企业 (钢铁、铝加工（深井铸造）、涉爆粉尘、有限空间作业)
    pub key_tags: Vec<RiskTag>,
    /// 各县交叉检查应包含开发区
    pub include_zones: bool,
}

/// 专项行动.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: String,
    /// 专项行动名称
    pub name: String,
    /// The name the annex titles use, e.g. `冶金工贸行业隐患排查整治专项行动`.
    pub short_name: String,
    /// 通知标题
    pub notice_title: String,
    /// 文号
    pub doc_number: String,
    /// 发文单位
    pub issuer: String,
    pub start: Date,
    /// Last day (“至2025年3月底结束”).
    pub end: Date,
    /// 周调度 report day, ISO weekday (5 = 周五).
    pub report_weekday: u8,
    /// 专项行动方案及动员部署情况 due date.
    #[serde(default)]
    pub plan_due: Option<Date>,
    /// 附件3, in the notice's order.
    #[serde(default)]
    pub cross_pairs: Vec<CrossPair>,
    #[serde(default)]
    pub cross_rules: Option<CrossRules>,
}

/// Why campaign data was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CampaignError {
    #[error("专项行动数据格式有误：{0}")]
    Json(String),
    #[error("专项行动“{0}”的数据有误：{1}")]
    Invalid(String, &'static str),
}

/// 报告周: the days one weekly report covers, ending on the report day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReportWeek {
    pub start: Date,
    /// The report day (周五).
    pub end: Date,
}

impl ReportWeek {
    pub fn contains(&self, d: Date) -> bool {
        self.start <= d && d <= self.end
    }
}

impl Campaign {
    /// All bundled campaigns.
    pub fn bundled() -> Vec<Campaign> {
        // Compiled-in data covered by tests: failing here is a build defect, not user input.
        Campaign::from_json(CAMPAIGNS_JSON).expect("data/campaigns.json is valid")
    }

    /// The seed's campaign, 忻应急发〔2024〕216号 (2024-12-11 → 2025-03-31).
    pub fn xinzhou_2024() -> Campaign {
        Campaign::bundled()
            .into_iter()
            .find(|c| c.id == "xinzhou-2024-216")
            .expect("bundled")
    }

    /// Parses and checks a JSON array of campaigns.
    pub fn from_json(json: &str) -> Result<Vec<Campaign>, CampaignError> {
        let list: Vec<Campaign> =
            serde_json::from_str(json).map_err(|e| CampaignError::Json(e.to_string()))?;
        for c in &list {
            c.check()?;
        }
        Ok(list)
    }

    fn check(&self) -> Result<(), CampaignError> {
        let bad = |why| Err(CampaignError::Invalid(self.name.clone(), why));
        if self.id.trim().is_empty() || self.name.trim().is_empty() {
            return bad("缺少编号或名称");
        }
        if self.start > self.end {
            return bad("开始日期晚于结束日期");
        }
        if !(1..=7).contains(&self.report_weekday) {
            return bad("报送日应为周一至周日（1–7）");
        }
        if self.cross_pairs.iter().any(|p| p.inspector == p.inspected) {
            return bad("交叉检查的检查方和受检方不能是同一个县");
        }
        if let Some(r) = &self.cross_rules {
            if r.window_start > r.window_end || r.min_sme_percent > 100 {
                return bad("交叉检查要求的时间或比例不合理");
            }
        }
        Ok(())
    }

    pub fn is_active(&self, today: Date) -> bool {
        self.start <= today && today <= self.end
    }

    /// The campaign running on `today` (the latest-started one if several overlap).
    pub fn current(campaigns: &[Campaign], today: Date) -> Option<&Campaign> {
        campaigns
            .iter()
            .filter(|c| c.is_active(today))
            .max_by_key(|c| c.start)
    }

    /// The campaign to show on the home page: the current one, else the most recent past one,
    /// else the next upcoming one. Records keep their campaign after it ends.
    pub fn latest(campaigns: &[Campaign], today: Date) -> Option<&Campaign> {
        Campaign::current(campaigns, today)
            .or_else(|| {
                campaigns
                    .iter()
                    .filter(|c| c.end < today)
                    .max_by_key(|c| c.end)
            })
            .or_else(|| campaigns.iter().min_by_key(|c| c.start))
    }

    /// The report day on or after `today` (附件1/附件2 "每周五前报送").
    pub fn next_report_day(&self, today: Date) -> Date {
        today.next_weekday_on_or_after(self.report_weekday)
    }

    /// The report week `date` falls in: weeks end on the report day.
    pub fn week_of(&self, date: Date) -> ReportWeek {
        let end = self.next_report_day(date);
        ReportWeek {
            start: end.add_days(-6),
            end,
        }
    }

    /// Every report week from the campaign's start to the week holding its last day.
    pub fn report_weeks(&self) -> Vec<ReportWeek> {
        let mut out = Vec::new();
        let mut w = self.week_of(self.start);
        while w.start <= self.end {
            out.push(w);
            w = self.week_of(w.end.add_days(1));
        }
        out
    }

    /// Home-page reminder, e.g. `每周五前报送周调度统计表，下次报送：2024年12月13日（周五）`.
    pub fn report_reminder(&self, today: Date) -> String {
        let day = self.next_report_day(today);
        let wd = weekday_label(self.report_weekday);
        format!(
            "每{wd}前报送周调度统计表和重大事故隐患台账，下次报送：{}（{wd}）",
            day.to_chinese()
        )
    }

    /// The 附件3 pair a county inspects as 检查方.
    pub fn pair_for_inspector(&self, county: County) -> Option<CrossPair> {
        self.cross_pairs
            .iter()
            .copied()
            .find(|p| p.inspector == county)
    }

    /// The 附件3 pair in which a county is 受检方.
    pub fn pair_for_inspected(&self, county: County) -> Option<CrossPair> {
        self.cross_pairs
            .iter()
            .copied()
            .find(|p| p.inspected == county)
    }
}

impl CrossRules {
    /// Checks a 交叉检查 plan against the notice's rules; each failed rule is said plainly.
    /// Hard rules (天数, 家数, 中小企业比例, 开发区, 受检县) are errors; 时间窗 and 原则上涵盖的
    /// 重点企业 are warnings.
    pub fn check(
        &self,
        pair: CrossPair,
        start: Date,
        end: Date,
        enterprises: &[&Enterprise],
    ) -> Vec<Issue> {
        let mut out = Vec::new();
        let days = start.days_until(end) + 1;
        if days < i64::from(self.min_days) {
            out.push(Issue::error(
                "days",
                format!(
                    "检查时间不少于{}天，当前安排{}天，请延长检查时间",
                    self.min_days,
                    days.max(0)
                ),
            ));
        }
        if start < self.window_start || end > self.window_end {
            out.push(Issue::warning(
                "days",
                format!(
                    "交叉检查原则上在{}至{}开展，请与受检县协商调整时间",
                    self.window_start.to_chinese(),
                    self.window_end.to_chinese()
                ),
            ));
        }
        let n = enterprises.len();
        if n < self.min_enterprises as usize {
            out.push(Issue::error(
                "enterprises",
                format!(
                    "抽检企业不少于{}家，当前{}家，请再增加{}家",
                    self.min_enterprises,
                    n,
                    self.min_enterprises as usize - n
                ),
            ));
        }
        let sme = enterprises.iter().filter(|e| e.is_sme()).count();
        if n > 0 && sme * 100 < self.min_sme_percent as usize * n {
            out.push(Issue::error(
                "enterprises",
                format!(
                    "中小企业比例不低于{}%，当前{}家中有{}家（{}%），请增加中小企业",
                    self.min_sme_percent,
                    n,
                    sme,
                    sme * 100 / n
                ),
            ));
        }
        let outside: Vec<&str> = enterprises
            .iter()
            .filter(|e| e.county != pair.inspected.code)
            .map(|e| e.name.as_str())
            .collect();
        if !outside.is_empty() {
            out.push(Issue::error(
                "enterprises",
                format!(
                    "以下企业不在受检方{}：{}，请移出计划",
                    pair.inspected.name,
                    outside.join("、")
                ),
            ));
        }
        let missing: Vec<&str> = self
            .key_tags
            .iter()
            .filter(|t| !enterprises.iter().any(|e| e.has_tag(**t)))
            .map(|t| t.label())
            .collect();
        if !missing.is_empty() {
            out.push(Issue::warning(
                "enterprises",
                format!(
                    "原则上要涵盖重点企业，计划中尚无：{}。受检县没有此类企业的可忽略",
                    missing.join("、")
                ),
            ));
        }
        let has_zone = pair.inspected.zones().next().is_some();
        if self.include_zones && has_zone && !enterprises.iter().any(|e| e.zone().is_some()) {
            out.push(Issue::error(
                "enterprises",
                format!(
                    "交叉检查应包含开发区，请在{}的开发区内选择至少一家企业",
                    pair.inspected.name
                ),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests;

//! 交叉检查 工作安排 as a synced record: the plan of one 附件3 pair in one campaign.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::annex::CrossPlan;
use crate::campaign::{Campaign, CrossPair};
use crate::date::Date;
use crate::limits::{self, SHORT_TEXT};
use crate::record::{impl_record, Record, RecordMeta};
use crate::validation::Issue;

use super::id::office_record_id;

/// Most enterprises one plan may draw (a 受检县 has a few hundred at most; the rules ask ≥ 5).
pub const MAX_PLAN_ENTERPRISES: usize = 500;

/// 交叉检查计划 of one 检查方→受检方 pair. The live rules ([`crate::annex::check_cross_plan`])
/// need the whole 台账 and are advice while planning; stored here are only the hard bounds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrossPlanRecord {
    pub meta: RecordMeta,
    /// [`Campaign::id`].
    pub campaign_id: String,
    pub pair: CrossPair,
    /// First and last day, both counted.
    pub start: Date,
    pub end: Date,
    /// 抽检企业
    #[serde(default)]
    pub enterprises: Vec<Uuid>,
}

impl_record!(CrossPlanRecord, "cross_plan");

impl CrossPlanRecord {
    /// The one id of the plan of this campaign and pair.
    pub fn id_for(campaign_id: &str, pair: CrossPair) -> Uuid {
        office_record_id(
            Self::KIND,
            &[campaign_id, pair.inspector.code, pair.inspected.code],
        )
    }

    /// A record holding `plan`, dirty and unsynced, with its derived id.
    pub fn new(
        campaign_id: &str,
        plan: &CrossPlan,
        now: crate::date::Timestamp,
        device_id: &str,
        user: &str,
    ) -> CrossPlanRecord {
        CrossPlanRecord {
            meta: RecordMeta::new(Self::id_for(campaign_id, plan.pair), now, device_id, user),
            campaign_id: campaign_id.to_owned(),
            pair: plan.pair,
            start: plan.start,
            end: plan.end,
            enterprises: plan.enterprises.clone(),
        }
    }

    pub fn plan(&self) -> CrossPlan {
        CrossPlan {
            pair: self.pair,
            start: self.start,
            end: self.end,
            enterprises: self.enterprises.clone(),
        }
    }

    /// Every issue: limits, the pair in 附件3 (for a bundled campaign), dates in order, the id
    /// matching its keys.
    pub fn validate(&self) -> Vec<Issue> {
        let mut out = Vec::new();
        self.check_limits(&mut out);
        if self.campaign_id.trim().is_empty() {
            out.push(Issue::error(
                "campaign_id",
                "缺少专项行动，请从交叉检查页重新打开计划后再保存",
            ));
        }
        if let Some(c) = Campaign::bundled()
            .into_iter()
            .find(|c| c.id == self.campaign_id)
        {
            if !c.cross_pairs.contains(&self.pair) {
                out.push(Issue::error(
                    "pair",
                    format!(
                        "{}检查{}不在附件3交叉检查工作安排中，请按附件3选择检查方和受检方",
                        self.pair.inspector.name, self.pair.inspected.name
                    ),
                ));
            }
        }
        if self.end < self.start {
            out.push(Issue::error(
                "end",
                "结束日期早于开始日期，请重新选择检查时间",
            ));
        }
        if self.meta.id != Self::id_for(&self.campaign_id, self.pair) {
            out.push(Issue::error(
                "meta.id",
                "记录编号与专项行动和检查结对不一致，请更新应用后再同步",
            ));
        }
        out
    }

    pub fn check_limits(&self, out: &mut Vec<Issue>) {
        limits::text(
            out,
            "campaign_id",
            "专项行动",
            &self.campaign_id,
            SHORT_TEXT,
        );
        limits::date(out, "start", "开始日期", self.start);
        limits::date(out, "end", "结束日期", self.end);
        limits::list(
            out,
            "enterprises",
            "抽检企业",
            self.enterprises.len(),
            MAX_PLAN_ENTERPRISES,
        );
    }
}

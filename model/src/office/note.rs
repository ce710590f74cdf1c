//! 附件1 文字栏 as a synced record: rows 1, 6, 7, 8 of one scope's report for one week.

use serde::{Deserialize, Serialize};

use crate::annex::WeeklyNarrative;
use crate::campaign::Campaign;
use crate::county::County;
use crate::date::Date;
use crate::limits::{self, LONG_TEXT, SHORT_TEXT};
use crate::record::{impl_record, Record, RecordMeta};
use crate::validation::Issue;

use super::id::office_record_id;

/// The key part of the city's own note in its id (a county's is its code).
pub const CITY_SCOPE_KEY: &str = "city";

/// 附件1 周调度 文字栏 of one scope (a county, or the city's own) for one report week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyNote {
    pub meta: RecordMeta,
    /// [`Campaign::id`].
    pub campaign_id: String,
    /// GB/T 2260 code of the county whose text this is; `None` = the city's own (市本级).
    #[serde(default)]
    pub county: Option<String>,
    /// The report day (周五) the week ends on, as 附件1's 填报时间.
    pub week: Date,
    /// Rows 1 部署推进, 6 宣传曝光, 7 存在问题, 8 意见建议.
    #[serde(default)]
    pub text: WeeklyNarrative,
}

impl_record!(WeeklyNote, "weekly_note");

impl WeeklyNote {
    /// The one id of the note of this campaign, scope and week.
    pub fn id_for(campaign_id: &str, county: Option<&str>, week: Date) -> uuid::Uuid {
        office_record_id(
            Self::KIND,
            &[
                campaign_id,
                county.unwrap_or(CITY_SCOPE_KEY),
                &week.to_string(),
            ],
        )
    }

    /// An empty note, dirty and unsynced, with its derived id.
    pub fn blank(
        campaign_id: &str,
        county: Option<&str>,
        week: Date,
        now: crate::date::Timestamp,
        device_id: &str,
        user: &str,
    ) -> WeeklyNote {
        WeeklyNote {
            meta: RecordMeta::new(
                Self::id_for(campaign_id, county, week),
                now,
                device_id,
                user,
            ),
            campaign_id: campaign_id.to_owned(),
            county: county.map(str::to_owned),
            week,
            text: WeeklyNarrative::default(),
        }
    }

    /// Every issue: the limits, a known county, the id matching its keys, and (for a bundled
    /// campaign) a week that is one of its report days.
    pub fn validate(&self) -> Vec<Issue> {
        let mut out = Vec::new();
        self.check_limits(&mut out);
        if self.campaign_id.trim().is_empty() {
            out.push(Issue::error(
                "campaign_id",
                "缺少专项行动，请从报表页重新打开本周文字后再保存",
            ));
        }
        if let Some(code) = &self.county {
            if County::by_code(code).is_none() {
                out.push(Issue::error(
                    "county",
                    format!("县（市、区）代码“{code}”不是忻州市的县（市、区），请重新选择填报范围"),
                ));
            }
        }
        if let Some(c) = Campaign::bundled()
            .into_iter()
            .find(|c| c.id == self.campaign_id)
        {
            if !c.report_weeks().iter().any(|w| w.end == self.week) {
                out.push(Issue::error(
                    "week",
                    format!(
                        "{} 不是本专项行动的报送日（周五），请重新选择报送日期",
                        self.week
                    ),
                ));
            }
        }
        if self.meta.id != Self::id_for(&self.campaign_id, self.county.as_deref(), self.week) {
            out.push(Issue::error(
                "meta.id",
                "记录编号与专项行动、填报范围和报送日期不一致，请更新应用后再同步",
            ));
        }
        out
    }

    /// The size and date bounds (what a tombstone must still respect).
    pub fn check_limits(&self, out: &mut Vec<Issue>) {
        limits::text(
            out,
            "campaign_id",
            "专项行动",
            &self.campaign_id,
            SHORT_TEXT,
        );
        limits::date(out, "week", "报送日期", self.week);
        let t = &self.text;
        for (field, label, value) in [
            ("text.deployment", "部署推进", &t.deployment),
            ("text.publicity", "宣传曝光", &t.publicity),
            ("text.problems", "存在问题", &t.problems),
            ("text.suggestions", "意见建议", &t.suggestions),
        ] {
            limits::text(out, field, label, value, LONG_TEXT);
        }
    }
}

/// The text rows of the city's 附件1: each county's rows under the county's name (in the
/// seed's county order), then the city's own under 市本级. A county with nothing in a row is
/// left out of that row; when only the city wrote a row, it reads as written (no heading).
/// The server's .xlsx and the PWA's screen both print this.
pub fn combined_narrative(
    own: &WeeklyNarrative,
    counties: &[(County, WeeklyNarrative)],
) -> WeeklyNarrative {
    let field = |pick: fn(&WeeklyNarrative) -> &String| -> String {
        let mut parts: Vec<String> = County::all()
            .iter()
            .filter_map(|c| {
                let (_, n) = counties.iter().find(|(k, _)| k.code == c.code)?;
                let text = pick(n).trim();
                (!text.is_empty()).then(|| format!("【{}】{text}", c.name))
            })
            .collect();
        let mine = pick(own).trim();
        if parts.is_empty() {
            return mine.to_owned();
        }
        if !mine.is_empty() {
            parts.push(format!("【市本级】{mine}"));
        }
        parts.join("\n")
    };
    WeeklyNarrative {
        deployment: field(|n| &n.deployment),
        publicity: field(|n| &n.publicity),
        problems: field(|n| &n.problems),
        suggestions: field(|n| &n.suggestions),
    }
}

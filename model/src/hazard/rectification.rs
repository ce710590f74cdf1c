//! 整改措施: the 五落实 (责任、措施、资金、时限、预案) of 附件2's 整改措施 column.

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::money::Money;
use crate::text::non_blank;

/// 整改措施（五落实）. Fields known on site may be filled first, the rest later.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rectification {
    /// 责任单位
    #[serde(default)]
    pub responsible_unit: String,
    /// 责任人
    #[serde(default)]
    pub responsible_person: String,
    /// 整改措施
    #[serde(default)]
    pub measures: String,
    /// 整改资金（万元, held as whole 元; see [`Money`]).
    #[serde(default)]
    pub funds: Option<Money>,
    /// 整改时限
    #[serde(default)]
    pub deadline: Option<Date>,
    /// 应急预案 / 整改期间的防范措施
    #[serde(default)]
    pub contingency_plan: String,
    /// 整改进展 photos uploaded by the enterprise (SHA-256 keys).
    #[serde(default)]
    pub progress_photos: Vec<String>,
    /// 整改进展说明
    #[serde(default)]
    pub progress_note: String,
}

impl Rectification {
    /// The 五落实 elements still missing, by their Chinese names.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut m = Vec::new();
        if non_blank(&self.responsible_unit).is_none()
            && non_blank(&self.responsible_person).is_none()
        {
            m.push("责任");
        }
        if non_blank(&self.measures).is_none() {
            m.push("措施");
        }
        if self.funds.is_none() {
            m.push("资金");
        }
        if self.deadline.is_none() {
            m.push("时限");
        }
        if non_blank(&self.contingency_plan).is_none() {
            m.push("预案");
        }
        m
    }

    pub fn is_complete(&self) -> bool {
        self.missing().is_empty()
    }

    /// 附件2's 整改措施 cell: `责任：…；措施：…；资金：…万元；时限：…；预案：…`.
    pub fn summary(&self) -> String {
        let or_blank = |s: &str| non_blank(s).unwrap_or("未明确").to_owned();
        let resp = match (
            non_blank(&self.responsible_unit),
            non_blank(&self.responsible_person),
        ) {
            (Some(u), Some(p)) => format!("{u} {p}"),
            (Some(x), None) | (None, Some(x)) => x.to_owned(),
            (None, None) => "未明确".to_owned(),
        };
        format!(
            "责任：{resp}；措施：{}；资金：{}；时限：{}；预案：{}",
            or_blank(&self.measures),
            self.funds.map_or("未明确".to_owned(), |f| f.to_string()),
            self.deadline.map_or("未明确".to_owned(), Date::to_chinese),
            or_blank(&self.contingency_plan),
        )
    }
}

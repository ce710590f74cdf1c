//! 附件1 rows 1, 6, 7, 8: what the county writes itself each week.

use serde::{Deserialize, Serialize};

/// 周调度 text rows, saved per week by the county.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyNarrative {
    /// 1 部署推进
    #[serde(default)]
    pub deployment: String,
    /// 6 宣传曝光
    #[serde(default)]
    pub publicity: String,
    /// 7 存在问题
    #[serde(default)]
    pub problems: String,
    /// 8 意见建议
    #[serde(default)]
    pub suggestions: String,
}

impl WeeklyNarrative {
    /// The seed's 要点 for rows 1, 6, 7, 8, for the form's placeholders.
    pub const PROMPTS: [&'static str; 4] = [
        "1. xx个县（区）是否制定了实施方案（通知）。\n2. 县级层面召开动员部署、执法检查等简要情况。\n3. 县级工作推进中，具有特点、特色措施办法摘要。\n4. 县级层面定期调度、通报、约谈、提醒、警示等情况。",
        "县级在主流媒体报道动员培训、工作推进，报道典型经验做法，曝光典型案例情况。",
        "本地区专项行动工作中存在的问题、薄弱环节。",
        "对专项行动及工贸安全监管工作的建议。",
    ];
}

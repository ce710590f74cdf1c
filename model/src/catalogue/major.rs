//! 重大事故隐患判定标准: the 64 items (+ 第十四条) of 应急管理部令第10号, embedded at build time.
//!
//! Data: `model/data/major-hazard-criteria.json`, copied unchanged from `reference/` (sources and
//! confidence per item in `reference/SOURCES.md`). Parsed once on first use.

use serde::{Deserialize, Serialize};

use super::ModuleId;

pub(crate) const CRITERIA_JSON: &str = include_str!("../../data/major-hazard-criteria.json");

/// Title used in every citation.
pub const STANDARD_TITLE: &str = "《工贸企业重大事故隐患判定标准》";

/// 适用范围 of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "通用")]
    General,
    #[serde(rename = "冶金")]
    Metallurgy,
    #[serde(rename = "有色")]
    Nonferrous,
    #[serde(rename = "建材")]
    BuildingMaterials,
    #[serde(rename = "机械")]
    Machinery,
    #[serde(rename = "轻工")]
    LightIndustry,
    #[serde(rename = "纺织")]
    Textile,
    #[serde(rename = "烟草")]
    Tobacco,
    #[serde(rename = "粉尘涉爆")]
    CombustibleDust,
    #[serde(rename = "使用液氨制冷")]
    AmmoniaRefrigeration,
    #[serde(rename = "有限空间作业")]
    ConfinedSpace,
}

impl Scope {
    pub fn label(self) -> &'static str {
        match self {
            Scope::General => "通用",
            Scope::Metallurgy => "冶金",
            Scope::Nonferrous => "有色",
            Scope::BuildingMaterials => "建材",
            Scope::Machinery => "机械",
            Scope::LightIndustry => "轻工",
            Scope::Textile => "纺织",
            Scope::Tobacco => "烟草",
            Scope::CombustibleDust => "粉尘涉爆",
            Scope::AmmoniaRefrigeration => "使用液氨制冷",
            Scope::ConfinedSpace => "有限空间作业",
        }
    }

    /// The checklist module holding this scope's items.
    pub fn module(self) -> ModuleId {
        match self {
            Scope::General => ModuleId::MajorGeneral,
            Scope::Metallurgy => ModuleId::MajorMetallurgy,
            Scope::Nonferrous => ModuleId::MajorNonferrous,
            Scope::BuildingMaterials => ModuleId::MajorBuildingMaterials,
            Scope::Machinery => ModuleId::MajorMachinery,
            Scope::LightIndustry => ModuleId::MajorLightIndustry,
            Scope::Textile => ModuleId::MajorTextile,
            Scope::Tobacco => ModuleId::MajorTobacco,
            Scope::CombustibleDust => ModuleId::MajorDust,
            Scope::AmmoniaRefrigeration => ModuleId::MajorAmmonia,
            Scope::ConfinedSpace => ModuleId::MajorConfinedSpace,
        }
    }
}

/// 条款类别 as the ministry groups them ("3方面64项") plus 通则 for 第十四条.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Category {
    #[serde(rename = "管理类")]
    Management,
    #[serde(rename = "行业类")]
    Industry,
    #[serde(rename = "专项类")]
    Special,
    /// 第十四条: applies to every monitoring/alarm/protective device the standard names.
    #[serde(rename = "通则")]
    General,
}

/// 重大事故隐患判定条款: one numbered item, or 第十四条 (`item` = None).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MajorCriterion {
    /// Stable id, `art4.2`; `art14` for 第十四条.
    pub id: String,
    /// 条, e.g. `第四条`
    pub article: String,
    /// 项, e.g. `（二）`
    pub item: Option<String>,
    pub scope: Scope,
    pub category: Category,
    /// The article's opening sentence, e.g. `冶金企业有下列情形之一的，应当判定为重大事故隐患：`.
    #[serde(rename = "articleLead", default)]
    pub article_lead: Option<String>,
    /// The item without its number and closing punctuation.
    pub text: String,
    /// Transcription note (kept punctuation, 通则 remark).
    #[serde(default)]
    pub note: Option<String>,
}

impl MajorCriterion {
    /// `《工贸企业重大事故隐患判定标准》第四条（二）`; 第十四条 has no item.
    pub fn citation(&self) -> String {
        format!(
            "{STANDARD_TITLE}{}{}",
            self.article,
            self.item.as_deref().unwrap_or("")
        )
    }

    /// Article number (3–14), parsed from the id.
    pub fn article_no(&self) -> u8 {
        let n = self.id.trim_start_matches("art");
        n.split('.')
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or(0)
    }

    /// The situation as a checklist question: 符合 means it is absent.
    pub fn question(&self) -> String {
        if self.item.is_none() {
            // 第十四条 is a rule, not a "…的" situation.
            return "本标准所列情形中直接关系生产安全的监控、报警、防护等设施、设备、装置，\
                    是否存在失效或者无效的情形？"
                .to_owned();
        }
        format!("是否存在{}情形？", self.text)
    }

    /// Description draft for a hazard found against this item.
    pub fn description_draft(&self) -> String {
        self.text.trim_end_matches('的').to_owned()
    }
}

pub(crate) fn parse_criteria() -> Vec<MajorCriterion> {
    // The JSON is compiled in and covered by tests, so a failure here is a build defect.
    serde_json::from_str(CRITERIA_JSON).expect("data/major-hazard-criteria.json is valid")
}

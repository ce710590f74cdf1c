//! 模块选择: which checklist modules an enterprise's inspection proposes.
//!
//! Mapping (the inspector can still add or remove modules):
//! - always: 主要负责人履职和安全管理 (通知 二 总述) + 10号令 管理类/第十四条;
//! - 行业类别 → its 10号令 article: 冶金 第四条, 有色 第五条, 建材 第六条, 机械 第七条, 轻工 第八条,
//!   纺织 第九条, 烟草 第十条; 商贸 has none;
//! - 风险标签 → the notice's topic and the matching 10号令 专项/行业 article:
//!   钢铁 → 通知 钢铁 + 第四条 冶金; 铝加工（深井铸造） → 通知 铝加工 + 第五条 有色;
//!   粉尘涉爆 → 通知 粉尘涉爆 + 第十一条; 有限空间 → 通知 有限空间/敲门行动 + 第十三条;
//!   涉氨制冷 → 第十二条 (the notice has no ammonia topic); 危险作业 → 通知 二、3;
//!   一厂多租/厂中厂 → 通知 二、4; 配套危化装置 → 通知 二、5.

use super::ModuleId;
use crate::enterprise::{Enterprise, Industry, RiskTag};

/// The proposed modules for `e`, deduplicated, in [`ModuleId::ALL`] order.
pub fn modules_for(e: &Enterprise) -> Vec<ModuleId> {
    let mut picked = vec![ModuleId::NoticeLeader, ModuleId::MajorGeneral];
    picked.extend(industry_module(e.industry));
    for tag in &e.tags {
        picked.extend_from_slice(tag_modules(*tag));
    }
    picked.sort();
    picked.dedup();
    picked
}

fn industry_module(i: Industry) -> Option<ModuleId> {
    Some(match i {
        Industry::Metallurgy => ModuleId::MajorMetallurgy,
        Industry::Nonferrous => ModuleId::MajorNonferrous,
        Industry::BuildingMaterials => ModuleId::MajorBuildingMaterials,
        Industry::Machinery => ModuleId::MajorMachinery,
        Industry::LightIndustry => ModuleId::MajorLightIndustry,
        Industry::Textile => ModuleId::MajorTextile,
        Industry::Tobacco => ModuleId::MajorTobacco,
        Industry::Commerce => return None,
    })
}

fn tag_modules(t: RiskTag) -> &'static [ModuleId] {
    match t {
        RiskTag::Steel => &[ModuleId::NoticeSteel, ModuleId::MajorMetallurgy],
        RiskTag::AluminiumCasting => &[ModuleId::NoticeAluminium, ModuleId::MajorNonferrous],
        RiskTag::CombustibleDust => &[ModuleId::NoticeDust, ModuleId::MajorDust],
        RiskTag::ConfinedSpace => &[ModuleId::NoticeConfinedSpace, ModuleId::MajorConfinedSpace],
        RiskTag::AmmoniaRefrigeration => &[ModuleId::MajorAmmonia],
        RiskTag::HazardousWork => &[ModuleId::NoticeHazardousWork],
        RiskTag::MultiTenant => &[ModuleId::NoticeMultiTenant],
        RiskTag::HazardousChemicals => &[ModuleId::NoticeHazardousChemicals],
    }
}

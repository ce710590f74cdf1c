//! 检查模块: the groups a checklist is made of.

use serde::{Deserialize, Serialize};

/// 检查模块. `Notice*` come from the notice's section 二 (重点检查内容); `Major*` are the
/// articles of 应急管理部令第10号《工贸企业重大事故隐患判定标准》 grouped by scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ModuleId {
    /// 主要负责人履职和安全管理 (二、总述)
    #[serde(rename = "s2.leader")]
    NoticeLeader,
    /// 钢铁企业 (二、1)
    #[serde(rename = "s2.steel")]
    NoticeSteel,
    /// 铝加工（深井铸造）企业 (二、1)
    #[serde(rename = "s2.aluminium")]
    NoticeAluminium,
    /// 粉尘涉爆企业 (二、1)
    #[serde(rename = "s2.dust")]
    NoticeDust,
    /// 有限空间作业和冬季安全“敲门行动” (二、2)
    #[serde(rename = "s2.confined")]
    NoticeConfinedSpace,
    /// 危险作业 (二、3)
    #[serde(rename = "s2.hazwork")]
    NoticeHazardousWork,
    /// 一厂多租、厂中厂和外包外委 (二、4)
    #[serde(rename = "s2.tenancy")]
    NoticeMultiTenant,
    /// 配套危化装置 (二、5)
    #[serde(rename = "s2.hazchem")]
    NoticeHazardousChemicals,
    /// 10号令 第三条 管理类 and 第十四条
    #[serde(rename = "mh.general")]
    MajorGeneral,
    /// 10号令 第四条 冶金
    #[serde(rename = "mh.metallurgy")]
    MajorMetallurgy,
    /// 10号令 第五条 有色
    #[serde(rename = "mh.nonferrous")]
    MajorNonferrous,
    /// 10号令 第六条 建材
    #[serde(rename = "mh.building")]
    MajorBuildingMaterials,
    /// 10号令 第七条 机械
    #[serde(rename = "mh.machinery")]
    MajorMachinery,
    /// 10号令 第八条 轻工
    #[serde(rename = "mh.light")]
    MajorLightIndustry,
    /// 10号令 第九条 纺织
    #[serde(rename = "mh.textile")]
    MajorTextile,
    /// 10号令 第十条 烟草
    #[serde(rename = "mh.tobacco")]
    MajorTobacco,
    /// 10号令 第十一条 粉尘涉爆
    #[serde(rename = "mh.dust")]
    MajorDust,
    /// 10号令 第十二条 使用液氨制冷
    #[serde(rename = "mh.ammonia")]
    MajorAmmonia,
    /// 10号令 第十三条 有限空间作业
    #[serde(rename = "mh.confined")]
    MajorConfinedSpace,
}

impl ModuleId {
    /// All modules in checklist order: the notice's topics first, then 10号令.
    pub const ALL: [ModuleId; 19] = [
        ModuleId::NoticeLeader,
        ModuleId::NoticeSteel,
        ModuleId::NoticeAluminium,
        ModuleId::NoticeDust,
        ModuleId::NoticeConfinedSpace,
        ModuleId::NoticeHazardousWork,
        ModuleId::NoticeMultiTenant,
        ModuleId::NoticeHazardousChemicals,
        ModuleId::MajorGeneral,
        ModuleId::MajorMetallurgy,
        ModuleId::MajorNonferrous,
        ModuleId::MajorBuildingMaterials,
        ModuleId::MajorMachinery,
        ModuleId::MajorLightIndustry,
        ModuleId::MajorTextile,
        ModuleId::MajorTobacco,
        ModuleId::MajorDust,
        ModuleId::MajorAmmonia,
        ModuleId::MajorConfinedSpace,
    ];

    /// Stable key, same as the serde name.
    pub fn key(self) -> &'static str {
        match self {
            ModuleId::NoticeLeader => "s2.leader",
            ModuleId::NoticeSteel => "s2.steel",
            ModuleId::NoticeAluminium => "s2.aluminium",
            ModuleId::NoticeDust => "s2.dust",
            ModuleId::NoticeConfinedSpace => "s2.confined",
            ModuleId::NoticeHazardousWork => "s2.hazwork",
            ModuleId::NoticeMultiTenant => "s2.tenancy",
            ModuleId::NoticeHazardousChemicals => "s2.hazchem",
            ModuleId::MajorGeneral => "mh.general",
            ModuleId::MajorMetallurgy => "mh.metallurgy",
            ModuleId::MajorNonferrous => "mh.nonferrous",
            ModuleId::MajorBuildingMaterials => "mh.building",
            ModuleId::MajorMachinery => "mh.machinery",
            ModuleId::MajorLightIndustry => "mh.light",
            ModuleId::MajorTextile => "mh.textile",
            ModuleId::MajorTobacco => "mh.tobacco",
            ModuleId::MajorDust => "mh.dust",
            ModuleId::MajorAmmonia => "mh.ammonia",
            ModuleId::MajorConfinedSpace => "mh.confined",
        }
    }

    pub fn from_key(key: &str) -> Option<ModuleId> {
        ModuleId::ALL.into_iter().find(|m| m.key() == key)
    }

    /// Short Chinese title for the checklist screen.
    pub fn label(self) -> &'static str {
        match self {
            ModuleId::NoticeLeader => "主要负责人履职和安全管理",
            ModuleId::NoticeSteel => "钢铁企业重点内容",
            ModuleId::NoticeAluminium => "铝加工（深井铸造）重点内容",
            ModuleId::NoticeDust => "粉尘涉爆重点内容",
            ModuleId::NoticeConfinedSpace => "有限空间作业和冬季“敲门行动”",
            ModuleId::NoticeHazardousWork => "危险作业风险管控",
            ModuleId::NoticeMultiTenant => "一厂多租、厂中厂和外包外委",
            ModuleId::NoticeHazardousChemicals => "配套危化装置管理",
            ModuleId::MajorGeneral => "重大隐患判定：管理类和通则",
            ModuleId::MajorMetallurgy => "重大隐患判定：冶金",
            ModuleId::MajorNonferrous => "重大隐患判定：有色",
            ModuleId::MajorBuildingMaterials => "重大隐患判定：建材",
            ModuleId::MajorMachinery => "重大隐患判定：机械",
            ModuleId::MajorLightIndustry => "重大隐患判定：轻工",
            ModuleId::MajorTextile => "重大隐患判定：纺织",
            ModuleId::MajorTobacco => "重大隐患判定：烟草",
            ModuleId::MajorDust => "重大隐患判定：粉尘涉爆",
            ModuleId::MajorAmmonia => "重大隐患判定：使用液氨制冷",
            ModuleId::MajorConfinedSpace => "重大隐患判定：有限空间作业",
        }
    }

    /// True for the 10号令 modules, whose items are 重大事故隐患 situations.
    pub fn is_major(self) -> bool {
        self >= ModuleId::MajorGeneral
    }
}

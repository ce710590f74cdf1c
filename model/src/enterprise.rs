//! 企业: the enterprises inspected, with the classifications the annexes and checklist use.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::county::{County, Zone};
use crate::credit_code::CreditCode;
use crate::date::Date;
use crate::record::{impl_record, RecordMeta};
use crate::text::non_blank;
use crate::validation::Issue;

/// 行业类别: the eight 工贸 sectors (10号令 第二条). 商贸 has no sector article of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Industry {
    /// 冶金
    Metallurgy,
    /// 有色
    Nonferrous,
    /// 建材
    BuildingMaterials,
    /// 机械
    Machinery,
    /// 轻工
    LightIndustry,
    /// 纺织
    Textile,
    /// 烟草
    Tobacco,
    /// 商贸
    Commerce,
}

impl Industry {
    pub const ALL: [Industry; 8] = [
        Industry::Metallurgy,
        Industry::Nonferrous,
        Industry::BuildingMaterials,
        Industry::Machinery,
        Industry::LightIndustry,
        Industry::Textile,
        Industry::Tobacco,
        Industry::Commerce,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Industry::Metallurgy => "冶金",
            Industry::Nonferrous => "有色",
            Industry::BuildingMaterials => "建材",
            Industry::Machinery => "机械",
            Industry::LightIndustry => "轻工",
            Industry::Textile => "纺织",
            Industry::Tobacco => "烟草",
            Industry::Commerce => "商贸",
        }
    }

    pub fn from_label(s: &str) -> Option<Industry> {
        Industry::ALL.into_iter().find(|i| i.label() == s.trim())
    }
}

/// 风险标签: the notice's key risk topics; each one adds checklist modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskTag {
    /// 钢铁
    Steel,
    /// 铝加工（深井铸造）
    AluminiumCasting,
    /// 粉尘涉爆
    CombustibleDust,
    /// 有限空间
    ConfinedSpace,
    /// 涉氨制冷
    AmmoniaRefrigeration,
    /// 危险作业
    HazardousWork,
    /// 一厂多租/厂中厂
    MultiTenant,
    /// 配套危化装置
    HazardousChemicals,
}

impl RiskTag {
    pub const ALL: [RiskTag; 8] = [
        RiskTag::Steel,
        RiskTag::AluminiumCasting,
        RiskTag::CombustibleDust,
        RiskTag::ConfinedSpace,
        RiskTag::AmmoniaRefrigeration,
        RiskTag::HazardousWork,
        RiskTag::MultiTenant,
        RiskTag::HazardousChemicals,
    ];

    pub fn label(self) -> &'static str {
        match self {
            RiskTag::Steel => "钢铁",
            RiskTag::AluminiumCasting => "铝加工（深井铸造）",
            RiskTag::CombustibleDust => "粉尘涉爆",
            RiskTag::ConfinedSpace => "有限空间",
            RiskTag::AmmoniaRefrigeration => "涉氨制冷",
            RiskTag::HazardousWork => "危险作业",
            RiskTag::MultiTenant => "一厂多租/厂中厂",
            RiskTag::HazardousChemicals => "配套危化装置",
        }
    }
}

/// 企业规模: 附件1 and the 交叉检查 ≥60% rule split on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// 规模以上 (incl. 驻忻央企、市属企业): self-inspect led by their 主要负责人.
    AboveDesignated,
    /// 中小微企业: eligible for 结对帮扶.
    Sme,
}

impl Scale {
    pub fn label(self) -> &'static str {
        match self {
            Scale::AboveDesignated => "规上",
            Scale::Sme => "中小微",
        }
    }
}

/// 结对帮扶角色 (通知 三（一）二).
///
/// The notice names the sides so: "分行业选取标杆企业作为帮扶方，与中小微企业建立结对帮扶关系，
/// 发挥帮扶企业技术、人才和管理优势，解决被帮扶企业人才短缺、安全基础薄弱等问题。…被帮扶企业要全力
/// 配合". The 标杆企业 is the 帮扶方 (the notice also calls it 帮扶企业); the 中小微企业 it helps is the
/// 被帮扶企业. So "帮扶企业" alone never names the helped side in a label. 附件1 row 2 counts
/// "确定标杆企业**家，帮扶企业**家" (see `annex::weekly::SelfInspectionRow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairRole {
    /// 标杆企业: the helping side (帮扶方).
    Benchmark,
    /// 被帮扶企业: the 中小微 enterprise being helped (被帮扶方).
    Helped,
}

impl PairRole {
    /// The role as the enterprise form offers it.
    pub fn label(self) -> &'static str {
        match self {
            PairRole::Benchmark => "标杆企业（帮扶方）",
            PairRole::Helped => "被帮扶企业（中小微企业）",
        }
    }

    /// Which side of the pair, as the 报表 screen says beside a count.
    pub fn side(self) -> &'static str {
        match self {
            PairRole::Benchmark => "帮扶方",
            PairRole::Helped => "被帮扶方",
        }
    }
}

/// 结对帮扶关系 as seen from one enterprise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pairing {
    pub role: PairRole,
    /// The other enterprise; `None` while the county has not named it yet.
    pub partner_id: Option<Uuid>,
}

/// 企业: one enterprise of the campaign's 台账.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enterprise {
    pub meta: RecordMeta,
    /// 企业名称
    pub name: String,
    /// 统一社会信用代码 exactly as typed, so a code failing its check is kept, not lost.
    pub credit_code: Option<String>,
    /// A person compared a code whose check character fails with the licence and confirmed it
    /// (some early pilot-region codes are legal yet fail the check): only then is it stored.
    #[serde(default)]
    pub credit_code_confirmed: bool,
    /// 所在县（市、区）: GB/T 2260 code (see [`County`]).
    pub county: String,
    /// 所在开发区: [`Zone::id`].
    pub zone: Option<String>,
    /// 行业类别
    pub industry: Industry,
    /// 风险标签
    #[serde(default)]
    pub tags: Vec<RiskTag>,
    /// 规模
    pub scale: Scale,
    /// 结对帮扶
    #[serde(default)]
    pub pairing: Option<Pairing>,
    /// 主要负责人（法定代表人或实际控制人）
    #[serde(default)]
    pub leader: String,
    /// 联系电话
    #[serde(default)]
    pub phone: String,
    /// 地址
    #[serde(default)]
    pub address: String,
    /// 自查自改工作方案 date, counted by 附件1 row 2 ("**家企业制定了自查自改工作方案").
    #[serde(default)]
    pub self_inspection_plan_on: Option<Date>,
}

impl_record!(Enterprise, "enterprise");

impl Enterprise {
    pub fn county(&self) -> Option<County> {
        County::by_code(&self.county)
    }

    pub fn zone(&self) -> Option<&'static Zone> {
        self.zone.as_deref().and_then(Zone::by_id)
    }

    pub fn has_tag(&self, tag: RiskTag) -> bool {
        self.tags.contains(&tag)
    }

    pub fn is_sme(&self) -> bool {
        self.scale == Scale::Sme
    }

    /// The parsed credit code, when present and well-formed.
    pub fn parsed_credit_code(&self) -> Option<CreditCode> {
        self.credit_code
            .as_deref()
            .and_then(|c| CreditCode::parse(c).ok())
    }

    /// Checks every field; errors block saving, warnings ask the user to confirm.
    pub fn validate(&self) -> Vec<Issue> {
        let mut out = Vec::new();
        if non_blank(&self.name).is_none() {
            out.push(Issue::error("name", "请填写企业名称（与营业执照一致）"));
        }
        match self.credit_code.as_deref().and_then(non_blank) {
            None => out.push(Issue::warning(
                "credit_code",
                "未填写统一社会信用代码，建议对照营业执照补填，便于核对和去重",
            )),
            Some(raw) => match CreditCode::parse(raw) {
                Err(e) => out.push(Issue::error("credit_code", e.to_string())),
                Ok(code) => {
                    if let Some(w) = code.check().warning() {
                        if self.credit_code_confirmed {
                            out.push(Issue::warning("credit_code", w));
                        } else {
                            out.push(Issue::error(
                                "credit_code",
                                format!("{w}。确认与执照一致请勾选“已核对营业执照”"),
                            ));
                        }
                    }
                }
            },
        }
        let county = self.county();
        if county.is_none() {
            out.push(Issue::error("county", "请选择企业所在的县（市、区）"));
        }
        if let Some(id) = self.zone.as_deref().and_then(non_blank) {
            match Zone::by_id(id) {
                None => out.push(Issue::error(
                    "zone",
                    "所选开发区不在列表中，请重新选择或清空",
                )),
                Some(z) => {
                    if let (Some(parent), Some(c)) = (z.parent_county(), county) {
                        if parent != c {
                            out.push(Issue::error(
                                "zone",
                                format!("{}隶属{}，请改选所在县或开发区", z.name, parent.name),
                            ));
                        }
                    }
                }
            }
        }
        if let Some(p) = &self.pairing {
            if p.partner_id.is_none() {
                out.push(Issue::warning(
                    "pairing",
                    "尚未指定结对企业，请在结对帮扶关系确定后补选",
                ));
            }
            if p.partner_id == Some(self.meta.id) {
                out.push(Issue::error("pairing", "结对企业不能是本企业，请重新选择"));
            }
            if p.role == PairRole::Helped && self.scale != Scale::Sme {
                out.push(Issue::warning(
                    "pairing",
                    "被帮扶企业一般为中小微企业，请核对企业规模或结对角色",
                ));
            }
        }
        if non_blank(&self.leader).is_none() {
            out.push(Issue::warning(
                "leader",
                "建议填写主要负责人姓名，检查和签字时需要",
            ));
        }
        if let Some(phone) = non_blank(&self.phone) {
            if !is_plausible_phone(phone) {
                out.push(Issue::warning(
                    "phone",
                    "电话号码格式不对：手机号为11位数字，座机请写区号和号码（如 0350-3087871），请核对",
                ));
            }
        }
        let mut seen = Vec::new();
        for t in &self.tags {
            if seen.contains(t) {
                out.push(Issue::warning(
                    "tags",
                    format!("风险标签“{}”重复，请删去一个", t.label()),
                ));
            }
            seen.push(*t);
        }
        self.check_limits(&mut out);
        out
    }

    /// Lengths, list sizes and dates within [`crate::limits`]; also the only checks a tombstone
    /// must pass (a deleted draft may be incomplete, never oversized).
    pub fn check_limits(&self, out: &mut Vec<Issue>) {
        use crate::limits::{self, SHORT_TEXT};
        limits::text(out, "name", "企业名称", &self.name, SHORT_TEXT);
        if let Some(c) = &self.credit_code {
            limits::text(out, "credit_code", "统一社会信用代码", c, 40);
        }
        limits::text(out, "county", "所在县代码", &self.county, 12);
        if let Some(z) = &self.zone {
            limits::text(out, "zone", "开发区", z, 64);
        }
        limits::list(out, "tags", "风险标签", self.tags.len(), RiskTag::ALL.len());
        limits::text(out, "leader", "主要负责人", &self.leader, SHORT_TEXT);
        limits::text(out, "phone", "联系电话", &self.phone, 40);
        limits::text(out, "address", "地址", &self.address, 300);
        if let Some(d) = self.self_inspection_plan_on {
            limits::date(out, "self_inspection_plan_on", "自查自改工作方案日期", d);
        }
    }
}

/// Mobile (1[3-9] + 9 digits, optional +86) or landline (0 + area code, 10–12 digits).
pub fn is_plausible_phone(s: &str) -> bool {
    let s: String = s.chars().map(crate::text::to_halfwidth).collect();
    let s = s.trim();
    let s = s
        .strip_prefix("+86")
        .or_else(|| s.strip_prefix("86 "))
        .unwrap_or(s);
    if !s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' '))
    {
        return false;
    }
    let d: Vec<u8> = s.bytes().filter(u8::is_ascii_digit).collect();
    match d.first() {
        Some(b'1') => d.len() == 11 && matches!(d[1], b'3'..=b'9'),
        Some(b'0') => (10..=12).contains(&d.len()),
        _ => false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ids::new_record_id;
    use crate::validation::{has_errors, Severity};

    pub fn enterprise(industry: Industry, tags: &[RiskTag]) -> Enterprise {
        Enterprise {
            meta: RecordMeta::new(new_record_id(1_733_875_200_000, [7; 10]), 0, "dev", "u"),
            name: "忻州市某某铸造有限公司".into(),
            credit_code: Some("914403001922038216".into()),
            credit_code_confirmed: false,
            county: "140981".into(),
            zone: Some("yuanping-etdz".into()),
            industry,
            tags: tags.to_vec(),
            scale: Scale::Sme,
            pairing: None,
            leader: "王五".into(),
            phone: "13800138000".into(),
            address: String::new(),
            self_inspection_plan_on: None,
        }
    }

    fn fields(e: &Enterprise, sev: Severity) -> Vec<String> {
        e.validate()
            .into_iter()
            .filter(|i| i.severity == sev)
            .map(|i| i.field)
            .collect()
    }

    #[test]
    fn a_complete_enterprise_has_no_issues() {
        assert!(enterprise(Industry::Nonferrous, &[]).validate().is_empty());
    }

    #[test]
    fn name_and_county_are_required() {
        let mut e = enterprise(Industry::Metallurgy, &[]);
        e.name = "  ".into();
        e.county = "999999".into();
        assert_eq!(fields(&e, Severity::Error), ["name", "county"]);
    }

    #[test]
    fn credit_code_parse_error_blocks_but_check_mismatch_warns() {
        let mut e = enterprise(Industry::Metallurgy, &[]);
        e.credit_code = Some("91440300".into());
        assert!(has_errors(&e.validate()));
        e.credit_code = Some("914403001922038217".into());
        assert_eq!(fields(&e, Severity::Error), ["credit_code"]);
        e.credit_code_confirmed = true;
        assert!(!has_errors(&e.validate()));
        assert_eq!(fields(&e, Severity::Warning), ["credit_code"]);
    }

    #[test]
    fn zone_must_sit_under_the_county() {
        let mut e = enterprise(Industry::Machinery, &[]);
        e.county = "140902".into();
        let issues = e.validate();
        assert!(issues
            .iter()
            .any(|i| i.field == "zone" && i.message.contains("原平市")));
        e.zone = Some("wutaishan".into());
        assert!(e.validate().is_empty(), "a city-level zone fits any county");
    }

    #[test]
    fn phone_formats() {
        for ok in [
            "13800138000",
            "0350-3087871",
            "03503087871",
            "+86 138 0013 8000",
            "１３８００１３８０００",
        ] {
            assert!(is_plausible_phone(ok), "{ok}");
        }
        for bad in ["12345", "1380013800", "23503087871", "电话"] {
            assert!(!is_plausible_phone(bad), "{bad}");
        }
        let mut e = enterprise(Industry::Textile, &[]);
        e.phone = "12345".into();
        assert_eq!(fields(&e, Severity::Warning), ["phone"]);
    }

    #[test]
    fn pairing_checks() {
        let mut e = enterprise(Industry::LightIndustry, &[]);
        e.scale = Scale::AboveDesignated;
        e.pairing = Some(Pairing {
            role: PairRole::Helped,
            partner_id: None,
        });
        assert_eq!(fields(&e, Severity::Warning), ["pairing", "pairing"]);
        e.pairing = Some(Pairing {
            role: PairRole::Benchmark,
            partner_id: Some(e.meta.id),
        });
        assert_eq!(fields(&e, Severity::Error), ["pairing"]);
    }

    #[test]
    fn pair_roles_name_the_side_as_the_notice_does() {
        // "选取标杆企业作为帮扶方 … 解决被帮扶企业人才短缺": the 标杆 helps, the 中小微 is helped.
        assert_eq!(PairRole::Benchmark.label(), "标杆企业（帮扶方）");
        assert_eq!(PairRole::Benchmark.side(), "帮扶方");
        assert_eq!(PairRole::Helped.label(), "被帮扶企业（中小微企业）");
        assert_eq!(PairRole::Helped.side(), "被帮扶方");
    }

    #[test]
    fn labels_and_serde() {
        assert_eq!(
            Industry::ALL.map(Industry::label).concat(),
            "冶金有色建材机械轻工纺织烟草商贸"
        );
        assert_eq!(Industry::from_label("烟草"), Some(Industry::Tobacco));
        let e = enterprise(Industry::Commerce, &[RiskTag::AmmoniaRefrigeration]);
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.contains("\"ammonia_refrigeration\"") && json.contains("\"commerce\""));
        assert_eq!(serde_json::from_str::<Enterprise>(&json).unwrap(), e);
    }
}

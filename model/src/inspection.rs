//! 检查: one inspection of one enterprise, its checklist answers and the 附件5 signatures.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::campaign::CrossPair;
use crate::catalogue::{catalogue, modules_for, ModuleId};
use crate::date::{Date, Timestamp};
use crate::enterprise::Enterprise;
use crate::record::{impl_record, RecordMeta};
use crate::stage::Stage;
use crate::text::non_blank;
use crate::validation::{is_sha256_hex, Issue};

/// 检查结论 of one checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 符合
    Conforming,
    /// 不符合: opens a hazard.
    NonConforming,
    /// 不适用
    NotApplicable,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Conforming => "符合",
            Verdict::NonConforming => "不符合",
            Verdict::NotApplicable => "不适用",
        }
    }
}

/// 检查项答案.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// [`crate::CheckItem::id`]
    pub item_id: String,
    pub verdict: Verdict,
    /// The hazard a 不符合 opened.
    #[serde(default)]
    pub hazard_id: Option<Uuid>,
    #[serde(default)]
    pub note: String,
}

/// 签字: a finger signature stored like a photo, keyed by the SHA-256 of its image bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub photo_sha256: String,
    pub signed_at: Timestamp,
    /// Who signed (the UI asks for the name).
    #[serde(default)]
    pub signer: String,
}

/// The two signature lines at the foot of 附件5.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signatures {
    /// 检查人员（签字）
    pub inspector: Option<Signature>,
    /// 企业负责人（签字）
    pub enterprise: Option<Signature>,
}

/// Why an inspection change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InspectionError {
    #[error("本次检查已签字确认，清单已锁定。如需修改，请先点“重新签字”")]
    Frozen,
    #[error("检查项 {0} 不在检查目录中，请刷新后重试")]
    UnknownItem(String),
    #[error("检查人员和企业负责人都签字后才能确认清单，请先完成签字")]
    MissingSignature,
}

/// Progress of one module: how many items are answered and how many are 不符合.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleProgress {
    pub total: usize,
    pub answered: usize,
    pub non_conforming: usize,
}

impl ModuleProgress {
    pub fn is_complete(&self) -> bool {
        self.answered == self.total
    }
}

/// 检查: one inspection of one enterprise at one 检查环节; its hazards form the 附件5 清单.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspection {
    pub meta: RecordMeta,
    /// [`crate::Campaign::id`] this inspection counts towards.
    pub campaign_id: String,
    pub enterprise_id: Uuid,
    /// 检查环节
    pub stage: Stage,
    /// 检查单位
    pub unit: String,
    /// 检查人员
    pub inspectors: Vec<String>,
    /// 检查时间
    pub date: Date,
    /// Modules chosen for the checklist (proposed by [`modules_for`], editable).
    pub modules: Vec<ModuleId>,
    #[serde(default)]
    pub answers: Vec<Answer>,
    #[serde(default)]
    pub signatures: Signatures,
    /// Set when both have signed and the list was confirmed; cleared by 重新签字.
    #[serde(default)]
    pub frozen_at: Option<Timestamp>,
    /// For 交叉检查: which 附件3 pair this inspection belongs to.
    #[serde(default)]
    pub cross_pair: Option<CrossPair>,
}

impl_record!(Inspection, "inspection");

impl Inspection {
    /// A new inspection of `enterprise`, with modules proposed from its industry and tags.
    pub fn new(
        meta: RecordMeta,
        campaign_id: &str,
        enterprise: &Enterprise,
        stage: Stage,
        date: Date,
    ) -> Inspection {
        Inspection {
            meta,
            campaign_id: campaign_id.to_owned(),
            enterprise_id: enterprise.meta.id,
            stage,
            unit: String::new(),
            inspectors: Vec::new(),
            date,
            modules: modules_for(enterprise),
            answers: Vec::new(),
            signatures: Signatures::default(),
            frozen_at: None,
            cross_pair: None,
        }
    }

    pub fn is_frozen(&self) -> bool {
        self.frozen_at.is_some()
    }

    pub fn answer_for(&self, item_id: &str) -> Option<&Answer> {
        self.answers.iter().find(|a| a.item_id == item_id)
    }

    /// Records (or changes) the verdict of an item; refused once the list is signed.
    pub fn set_answer(&mut self, item_id: &str, verdict: Verdict) -> Result<(), InspectionError> {
        if self.is_frozen() {
            return Err(InspectionError::Frozen);
        }
        if catalogue().item(item_id).is_none() {
            return Err(InspectionError::UnknownItem(item_id.to_owned()));
        }
        match self.answers.iter_mut().find(|a| a.item_id == item_id) {
            Some(a) => a.verdict = verdict,
            None => self.answers.push(Answer {
                item_id: item_id.to_owned(),
                verdict,
                hazard_id: None,
                note: String::new(),
            }),
        }
        Ok(())
    }

    /// Links the hazard opened for a 不符合 answer.
    pub fn link_hazard(&mut self, item_id: &str, hazard_id: Uuid) -> Result<(), InspectionError> {
        if self.is_frozen() {
            return Err(InspectionError::Frozen);
        }
        let a = self.answers.iter_mut().find(|a| a.item_id == item_id);
        let a = a.ok_or_else(|| InspectionError::UnknownItem(item_id.to_owned()))?;
        a.hazard_id = Some(hazard_id);
        Ok(())
    }

    /// Progress of one module, counting only answers to that module's items.
    pub fn progress(&self, module: ModuleId) -> ModuleProgress {
        let mut p = ModuleProgress::default();
        for item in catalogue().items(module) {
            p.total += 1;
            if let Some(a) = self.answer_for(&item.id) {
                p.answered += 1;
                p.non_conforming += usize::from(a.verdict == Verdict::NonConforming);
            }
        }
        p
    }

    /// Progress over all chosen modules.
    pub fn total_progress(&self) -> ModuleProgress {
        self.modules
            .iter()
            .map(|m| self.progress(*m))
            .fold(ModuleProgress::default(), |a, b| ModuleProgress {
                total: a.total + b.total,
                answered: a.answered + b.answered,
                non_conforming: a.non_conforming + b.non_conforming,
            })
    }

    pub fn sign_inspector(&mut self, sig: Signature) -> Result<(), InspectionError> {
        if self.is_frozen() {
            return Err(InspectionError::Frozen);
        }
        self.signatures.inspector = Some(sig);
        Ok(())
    }

    pub fn sign_enterprise(&mut self, sig: Signature) -> Result<(), InspectionError> {
        if self.is_frozen() {
            return Err(InspectionError::Frozen);
        }
        self.signatures.enterprise = Some(sig);
        Ok(())
    }

    /// Confirms the signed 附件5 清单: from now on answers and signatures are locked.
    pub fn freeze(&mut self, now: Timestamp) -> Result<(), InspectionError> {
        if self.signatures.inspector.is_none() || self.signatures.enterprise.is_none() {
            return Err(InspectionError::MissingSignature);
        }
        self.frozen_at = Some(now);
        Ok(())
    }

    /// 重新签字: unlocks the list and drops both signatures, since they no longer cover it.
    pub fn reopen_for_resigning(&mut self) {
        self.frozen_at = None;
        self.signatures = Signatures::default();
    }

    pub fn validate(&self) -> Vec<Issue> {
        let mut out = Vec::new();
        if non_blank(&self.unit).is_none() {
            out.push(Issue::error("unit", "请填写检查单位"));
        }
        if self.stage != Stage::SelfInspection
            && self.inspectors.iter().all(|n| non_blank(n).is_none())
        {
            out.push(Issue::error("inspectors", "请至少填写一名检查人员"));
        }
        if self.modules.is_empty() {
            out.push(Issue::error("modules", "请至少选择一个检查模块"));
        }
        if self.stage == Stage::Cross && self.cross_pair.is_none() {
            out.push(Issue::error(
                "cross_pair",
                "交叉检查请选择检查方和受检方（附件3）",
            ));
        }
        for (field, sig) in [
            ("signatures", &self.signatures.inspector),
            ("signatures", &self.signatures.enterprise),
        ] {
            if let Some(s) = sig {
                if !is_sha256_hex(&s.photo_sha256) {
                    out.push(Issue::error(field, "签字图片缺失或损坏，请重新签字"));
                }
            }
        }
        for a in &self.answers {
            if a.verdict == Verdict::NonConforming && a.hazard_id.is_none() {
                let q = catalogue()
                    .item(&a.item_id)
                    .map_or(a.item_id.as_str(), |i| i.question.as_str());
                out.push(Issue::warning(
                    "answers",
                    format!("“{q}”判为不符合，但还没有登记隐患，请补录"),
                ));
            }
        }
        self.check_limits(&mut out);
        out
    }

    /// Lengths, list sizes and dates within [`crate::limits`]; also the only checks a tombstone
    /// must pass (a deleted draft may be incomplete, never oversized).
    pub fn check_limits(&self, out: &mut Vec<Issue>) {
        use crate::limits::{self, LONG_TEXT, SHORT_TEXT};
        limits::text(out, "campaign_id", "专项行动编号", &self.campaign_id, 64);
        limits::text(out, "unit", "检查单位", &self.unit, SHORT_TEXT);
        limits::list(
            out,
            "inspectors",
            "检查人员",
            self.inspectors.len(),
            limits::MAX_PEOPLE,
        );
        for n in &self.inspectors {
            limits::text(out, "inspectors", "检查人员姓名", n, SHORT_TEXT);
        }
        limits::date(out, "date", "检查时间", self.date);
        limits::list(out, "modules", "检查模块", self.modules.len(), 100);
        limits::list(
            out,
            "answers",
            "检查项答案",
            self.answers.len(),
            limits::MAX_ANSWERS,
        );
        for a in &self.answers {
            limits::text(out, "answers", "检查项编号", &a.item_id, SHORT_TEXT);
            limits::text(out, "answers", "检查项说明", &a.note, LONG_TEXT);
        }
        for s in [&self.signatures.inspector, &self.signatures.enterprise]
            .into_iter()
            .flatten()
        {
            limits::text(out, "signatures", "签字人", &s.signer, SHORT_TEXT);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::enterprise::tests::enterprise;
    use crate::enterprise::{Industry, RiskTag};
    use crate::ids::new_record_id;
    use crate::stage::Level;
    use crate::validation::has_errors;

    pub(crate) fn inspection() -> Inspection {
        let e = enterprise(Industry::Nonferrous, &[RiskTag::AluminiumCasting]);
        let meta = RecordMeta::new(new_record_id(1, [2; 10]), 1, "dev", "张三");
        let mut i = Inspection::new(
            meta,
            "xinzhou-2024-216",
            &e,
            Stage::CityCounty(Level::County),
            Date::parse("2025-01-08").unwrap(),
        );
        i.unit = "原平市应急管理局".into();
        i.inspectors = vec!["张三".into(), "李四".into()];
        i
    }

    fn sig() -> Signature {
        Signature {
            photo_sha256: "a".repeat(64),
            signed_at: 5,
            signer: "王五".into(),
        }
    }

    #[test]
    fn new_inspection_proposes_modules_and_validates() {
        let i = inspection();
        assert!(i.modules.contains(&ModuleId::NoticeAluminium));
        assert!(i.validate().is_empty());
    }

    #[test]
    fn progress_per_module() {
        let mut i = inspection();
        i.set_answer("s2.aluminium.1", Verdict::Conforming).unwrap();
        i.set_answer("s2.aluminium.2", Verdict::NonConforming)
            .unwrap();
        i.set_answer("s2.aluminium.2", Verdict::NotApplicable)
            .unwrap();
        i.set_answer("art5.7", Verdict::NonConforming).unwrap();
        assert_eq!(
            i.progress(ModuleId::NoticeAluminium),
            ModuleProgress {
                total: 5,
                answered: 2,
                non_conforming: 0
            }
        );
        assert_eq!(i.progress(ModuleId::MajorNonferrous).non_conforming, 1);
        assert_eq!(i.total_progress().answered, 3);
        assert_eq!(
            i.set_answer("x.9", Verdict::Conforming),
            Err(InspectionError::UnknownItem("x.9".into()))
        );
        assert!(
            i.validate().iter().any(|x| x.field == "answers"),
            "不符合 without hazard warns"
        );
    }

    #[test]
    fn signing_freezes_until_resigned() {
        let mut i = inspection();
        assert_eq!(i.freeze(9), Err(InspectionError::MissingSignature));
        i.sign_inspector(sig()).unwrap();
        i.sign_enterprise(sig()).unwrap();
        i.freeze(9).unwrap();
        assert!(i.is_frozen());
        assert_eq!(
            i.set_answer("s2.leader.1", Verdict::Conforming),
            Err(InspectionError::Frozen)
        );
        assert_eq!(i.sign_inspector(sig()), Err(InspectionError::Frozen));
        i.reopen_for_resigning();
        assert!(!i.is_frozen() && i.signatures.inspector.is_none());
        i.set_answer("s2.leader.1", Verdict::Conforming).unwrap();
    }

    #[test]
    fn validation_errors() {
        let mut i = inspection();
        i.unit.clear();
        i.inspectors = vec![" ".into()];
        i.stage = Stage::Cross;
        i.signatures.inspector = Some(Signature {
            photo_sha256: "xyz".into(),
            signed_at: 1,
            signer: String::new(),
        });
        let fields: Vec<_> = i.validate().into_iter().map(|x| x.field).collect();
        assert_eq!(fields, ["unit", "inspectors", "cross_pair", "signatures"]);
        assert!(has_errors(&i.validate()));
    }

    #[test]
    fn serde_round_trip() {
        let mut i = inspection();
        i.set_answer("art3.1", Verdict::NonConforming).unwrap();
        let json = serde_json::to_string(&i).unwrap();
        assert!(json.contains("\"city_county.county\"") && json.contains("\"s2.aluminium\""));
        assert_eq!(serde_json::from_str::<Inspection>(&json).unwrap(), i);
    }
}

//! 隐患: one row of 附件5 (检查问题隐患清单), carried through 整改 to 销号.

pub mod filter;
mod lifecycle;
mod rectification;
pub mod summary;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use lifecycle::{HazardError, HazardState, Review, StateChange};
pub use rectification::Rectification;

use crate::catalogue::{catalogue, CheckItem};
use crate::date::Date;
use crate::inspection::Inspection;
use crate::record::{impl_record, RecordMeta};
use crate::text::non_blank;
use crate::validation::{is_sha256_hex, Issue};

/// 隐患类型 (附件5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardKind {
    /// 一般隐患
    General,
    /// 重大事故隐患 (judged by 10号令); goes into 附件2.
    Major,
}

impl HazardKind {
    pub fn label(self) -> &'static str {
        match self {
            HazardKind::General => "一般隐患",
            HazardKind::Major => "重大事故隐患",
        }
    }
}

/// 判定依据 (附件5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// A catalogue item; `citation` is copied so the row still reads right if the catalogue
    /// wording changes later.
    Catalogue { item_id: String, citation: String },
    /// Free text, e.g. a national standard clause the catalogue does not hold.
    FreeText(String),
}

impl Basis {
    /// The 判定依据 cell text.
    pub fn citation(&self) -> &str {
        match self {
            Basis::Catalogue { citation, .. } => citation,
            Basis::FreeText(t) => t,
        }
    }
}

/// 隐患: 附件5's 序号 / 隐患描述 / 现场证据 / 判定依据 / 隐患类型 / 备注, plus the 整改 record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hazard {
    pub meta: RecordMeta,
    pub inspection_id: Uuid,
    /// Copied from the inspection so lists and access checks need no join.
    pub enterprise_id: Uuid,
    /// 序号 within the inspection, from 1; never reused after a deletion.
    pub seq: u32,
    /// 发现日期 (the inspection's 检查时间 unless found later).
    pub found_on: Date,
    /// 隐患描述
    pub description: String,
    /// 现场证据: text part.
    #[serde(default)]
    pub evidence_text: String,
    /// 现场证据: photo SHA-256 keys.
    #[serde(default)]
    pub photos: Vec<String>,
    /// 判定依据
    pub basis: Basis,
    /// 隐患类型
    pub kind: HazardKind,
    /// 备注
    #[serde(default)]
    pub remark: String,
    /// 整改措施（五落实）
    #[serde(default)]
    pub rectification: Rectification,
    /// 挂牌督办单位 (重大事故隐患)
    #[serde(default)]
    pub supervising_unit: Option<String>,
    pub state: HazardState,
    /// 整改完成时间, reported when submitted for 复查.
    #[serde(default)]
    pub completed_on: Option<Date>,
    /// 复查 records, oldest first; a failed one sends the hazard back to 整改中.
    #[serde(default)]
    pub reviews: Vec<Review>,
    #[serde(default)]
    pub history: Vec<StateChange>,
}

impl_record!(Hazard, "hazard");

/// The next 序号 for an inspection: one past the highest ever used, deleted rows included.
pub fn next_seq<'a>(hazards: impl IntoIterator<Item = &'a Hazard>, inspection_id: Uuid) -> u32 {
    hazards
        .into_iter()
        .filter(|h| h.inspection_id == inspection_id)
        .map(|h| h.seq)
        .max()
        .unwrap_or(0)
        + 1
}

impl Hazard {
    /// A blank hazard of an inspection, to be filled in by hand.
    pub fn new(meta: RecordMeta, inspection: &Inspection, seq: u32) -> Hazard {
        Hazard {
            meta,
            inspection_id: inspection.meta.id,
            enterprise_id: inspection.enterprise_id,
            seq,
            found_on: inspection.date,
            description: String::new(),
            evidence_text: String::new(),
            photos: Vec::new(),
            basis: Basis::FreeText(String::new()),
            kind: HazardKind::General,
            remark: String::new(),
            rectification: Rectification::default(),
            supervising_unit: None,
            state: HazardState::Open,
            completed_on: None,
            reviews: Vec::new(),
            history: Vec::new(),
        }
    }

    /// A hazard pre-filled from a checklist item answered 不符合: description draft, 判定依据,
    /// and 重大事故隐患 proposed for 10号令 items (the inspector confirms or changes it).
    pub fn from_checklist_item(
        meta: RecordMeta,
        inspection: &Inspection,
        seq: u32,
        item: &CheckItem,
    ) -> Hazard {
        let mut h = Hazard::new(meta, inspection, seq);
        let criterion = item
            .major_ref
            .as_deref()
            .and_then(|r| catalogue().criterion(r));
        h.description = match criterion {
            Some(c) if item.is_major_criterion() => c.description_draft(),
            _ => format!("检查项“{}”不符合：", item.question),
        };
        h.basis = Basis::Catalogue {
            item_id: item.id.clone(),
            citation: item.citation.clone(),
        };
        if item.is_major_criterion() {
            h.kind = HazardKind::Major;
        }
        h
    }

    pub fn is_major(&self) -> bool {
        self.kind == HazardKind::Major
    }

    pub fn validate(&self) -> Vec<Issue> {
        let mut out = Vec::new();
        if non_blank(&self.description).is_none() {
            out.push(Issue::error(
                "description",
                "请填写隐患描述：写明部位、存在的问题和现状",
            ));
        }
        if non_blank(self.basis.citation()).is_none() {
            out.push(Issue::error(
                "basis",
                "请填写判定依据，或从检查目录中选择条款",
            ));
        }
        if let Basis::Catalogue { item_id, .. } = &self.basis {
            if catalogue().item(item_id).is_none() {
                out.push(Issue::warning(
                    "basis",
                    "所引条款已不在检查目录中，请核对判定依据",
                ));
            }
        }
        if self.photos.is_empty() && non_blank(&self.evidence_text).is_none() {
            out.push(Issue::warning(
                "evidence",
                "还没有现场证据，建议拍照或填写文字说明",
            ));
        }
        if self.photos.iter().any(|p| !is_sha256_hex(p)) {
            out.push(Issue::error("photos", "有照片缺失或损坏，请删除后重新拍摄"));
        }
        if self.seq == 0 {
            out.push(Issue::error("seq", "序号无效，请重新打开检查后再保存"));
        }
        let r = &self.rectification;
        if let Some(deadline) = r.deadline {
            if deadline < self.found_on {
                out.push(Issue::error(
                    "rectification.deadline",
                    "整改时限不能早于发现日期，请重新选择",
                ));
            }
        }
        if self.is_major() {
            if self
                .supervising_unit
                .as_deref()
                .and_then(non_blank)
                .is_none()
            {
                out.push(Issue::warning(
                    "supervising_unit",
                    "重大事故隐患应明确挂牌督办单位，请补填",
                ));
            }
            let missing = r.missing();
            if !missing.is_empty() && self.state != HazardState::Open {
                out.push(Issue::warning(
                    "rectification",
                    format!(
                        "重大事故隐患整改须落实责任、措施、资金、时限、预案，尚缺：{}",
                        missing.join("、")
                    ),
                ));
            }
        }
        if self.state != HazardState::Open && non_blank(&r.measures).is_none() {
            out.push(Issue::warning(
                "rectification.measures",
                "已进入整改，请填写整改措施",
            ));
        }
        if matches!(
            self.state,
            HazardState::AwaitingReview | HazardState::Closed
        ) && self.completed_on.is_none()
        {
            out.push(Issue::error("completed_on", "请填写整改完成时间"));
        }
        if self.state == HazardState::Closed && !self.last_review().is_some_and(|r| r.passed) {
            out.push(Issue::error(
                "reviews",
                "销号前须经检查人员复查通过，请先完成复查",
            ));
        }
        self.check_limits(&mut out);
        out
    }

    /// Lengths, list sizes and dates within [`crate::limits`]; also the only checks a tombstone
    /// must pass (a deleted draft may be incomplete, never oversized).
    pub fn check_limits(&self, out: &mut Vec<Issue>) {
        use crate::limits::{self, LONG_TEXT, MAX_PHOTOS, SHORT_TEXT};
        if self.seq > limits::MAX_SEQ {
            out.push(Issue::error(
                "seq",
                format!(
                    "序号 {} 过大（最多 {}），请重新打开检查后再保存",
                    self.seq,
                    limits::MAX_SEQ
                ),
            ));
        }
        limits::date(out, "found_on", "发现日期", self.found_on);
        limits::text(out, "description", "隐患描述", &self.description, LONG_TEXT);
        limits::text(
            out,
            "evidence_text",
            "现场证据说明",
            &self.evidence_text,
            LONG_TEXT,
        );
        limits::list(out, "photos", "现场照片", self.photos.len(), MAX_PHOTOS);
        if let Basis::Catalogue { item_id, .. } = &self.basis {
            limits::text(out, "basis", "判定依据条款编号", item_id, SHORT_TEXT);
        }
        limits::text(out, "basis", "判定依据", self.basis.citation(), LONG_TEXT);
        limits::text(out, "remark", "备注", &self.remark, LONG_TEXT);
        let r = &self.rectification;
        for (field, label, text, max) in [
            (
                "rectification.responsible_unit",
                "整改责任单位",
                &r.responsible_unit,
                SHORT_TEXT,
            ),
            (
                "rectification.responsible_person",
                "整改责任人",
                &r.responsible_person,
                SHORT_TEXT,
            ),
            ("rectification.measures", "整改措施", &r.measures, LONG_TEXT),
            (
                "rectification.contingency_plan",
                "应急预案",
                &r.contingency_plan,
                LONG_TEXT,
            ),
            (
                "rectification.progress_note",
                "整改进展说明",
                &r.progress_note,
                LONG_TEXT,
            ),
        ] {
            limits::text(out, field, label, text, max);
        }
        if let Some(funds) = r.funds {
            if !(0..=limits::MAX_FINE_YUAN).contains(&funds.yuan()) {
                out.push(Issue::error(
                    "rectification.funds",
                    "整改资金不能为负数，也不能超过 10 亿元，请核对（单位：万元）",
                ));
            }
        }
        if let Some(d) = r.deadline {
            limits::date(out, "rectification.deadline", "整改时限", d);
        }
        let progress = r.progress_photos.len();
        limits::list(
            out,
            "rectification.progress_photos",
            "整改进展照片",
            progress,
            MAX_PHOTOS,
        );
        if r.progress_photos.iter().any(|p| !is_sha256_hex(p)) {
            out.push(Issue::error(
                "rectification.progress_photos",
                "有整改照片缺失或损坏，请删除后重新拍摄",
            ));
        }
        if let Some(u) = &self.supervising_unit {
            limits::text(out, "supervising_unit", "挂牌督办单位", u, SHORT_TEXT);
        }
        if let Some(d) = self.completed_on {
            limits::date(out, "completed_on", "整改完成时间", d);
        }
        limits::list(
            out,
            "reviews",
            "复查记录",
            self.reviews.len(),
            limits::MAX_REVIEWS,
        );
        for r in &self.reviews {
            limits::text(out, "reviews", "复查人员", &r.reviewer, SHORT_TEXT);
            limits::text(out, "reviews", "复查单位", &r.unit, SHORT_TEXT);
            limits::text(out, "reviews", "复查意见", &r.note, LONG_TEXT);
            limits::date(out, "reviews", "复查日期", r.date);
            limits::list(out, "reviews", "复查照片", r.photos.len(), MAX_PHOTOS);
            if r.photos.iter().any(|p| !is_sha256_hex(p)) {
                out.push(Issue::error(
                    "reviews",
                    "有复查照片缺失或损坏，请删除后重新拍摄",
                ));
            }
        }
        limits::list(
            out,
            "history",
            "办理记录",
            self.history.len(),
            limits::MAX_HISTORY,
        );
        for h in &self.history {
            limits::text(out, "history", "办理人", &h.by, SHORT_TEXT);
        }
    }
}

#[cfg(test)]
mod tests;

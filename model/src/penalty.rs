//! 行政处罚: fines and measures against an enterprise and its 主要负责人 (附件1 row 5, 附件2).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::date::Date;
use crate::money::Money;
use crate::record::{impl_record, RecordMeta};
use crate::text::non_blank;
use crate::validation::Issue;

/// 处罚措施 (通知 四（二）; 附件1 row 5 counts the first three).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// 限期整改
    RectifyByDeadline,
    /// 停产整改（停产停业整顿）
    SuspendProduction,
    /// 取缔关闭
    Close,
    /// 挂牌督办
    ListedSupervision,
    /// 列入严重失信主体名单
    SeriousDishonestyList,
    /// 移送司法机关
    JudicialTransfer,
}

impl Measure {
    pub const ALL: [Measure; 6] = [
        Measure::RectifyByDeadline,
        Measure::SuspendProduction,
        Measure::Close,
        Measure::ListedSupervision,
        Measure::SeriousDishonestyList,
        Measure::JudicialTransfer,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Measure::RectifyByDeadline => "限期整改",
            Measure::SuspendProduction => "停产整改",
            Measure::Close => "取缔关闭",
            Measure::ListedSupervision => "挂牌督办",
            Measure::SeriousDishonestyList => "列入严重失信主体名单",
            Measure::JudicialTransfer => "移送司法机关",
        }
    }
}

/// 处罚主要负责人: one person and the fine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonFine {
    pub name: String,
    pub amount: Money,
}

/// 行政处罚: one case. 一案双罚 = the enterprise and its 主要负责人 fined on the same case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Penalty {
    pub meta: RecordMeta,
    pub enterprise_id: Uuid,
    /// The inspection that found the violations, when there is one.
    #[serde(default)]
    pub inspection_id: Option<Uuid>,
    /// 处罚日期
    pub date: Date,
    /// 处罚单位
    pub unit: String,
    /// 处罚决定书文号
    #[serde(default)]
    pub decision_number: String,
    /// 处罚企业（万元）; zero when the enterprise was not fined.
    #[serde(default)]
    pub enterprise_fine: Money,
    /// 处罚主要负责人
    #[serde(default)]
    pub leader_fines: Vec<PersonFine>,
    #[serde(default)]
    pub measures: Vec<Measure>,
    #[serde(default)]
    pub note: String,
}

impl_record!(Penalty, "penalty");

impl Penalty {
    pub fn has(&self, m: Measure) -> bool {
        self.measures.contains(&m)
    }

    pub fn fines_enterprise(&self) -> bool {
        !self.enterprise_fine.is_zero()
    }

    /// 处罚主要负责人 人数.
    pub fn leaders_fined(&self) -> usize {
        self.leader_fines
            .iter()
            .filter(|f| !f.amount.is_zero())
            .count()
    }

    /// 处罚主要负责人 合计.
    pub fn leader_total(&self) -> Money {
        self.leader_fines.iter().map(|f| f.amount).sum()
    }

    /// 一案双罚.
    pub fn is_double_penalty(&self) -> bool {
        self.fines_enterprise() && self.leaders_fined() > 0
    }

    /// 附件2/附件4 行政处罚情况 cell, e.g. `罚款企业2万元；处罚主要负责人1人0.5万元（一案双罚）；停产整改`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.fines_enterprise() {
            parts.push(format!("罚款企业{}", self.enterprise_fine));
        }
        if self.leaders_fined() > 0 {
            let double = if self.is_double_penalty() {
                "（一案双罚）"
            } else {
                ""
            };
            parts.push(format!(
                "处罚主要负责人{}人{}{double}",
                self.leaders_fined(),
                self.leader_total()
            ));
        }
        let mut measures = self.measures.clone();
        measures.sort();
        measures.dedup();
        parts.extend(measures.iter().map(|m| m.label().to_owned()));
        parts.join("；")
    }

    pub fn validate(&self) -> Vec<Issue> {
        let mut out = Vec::new();
        if non_blank(&self.unit).is_none() {
            out.push(Issue::error("unit", "请填写处罚单位"));
        }
        if self.enterprise_fine.yuan() < 0 || self.leader_fines.iter().any(|f| f.amount.yuan() < 0)
        {
            out.push(Issue::error("fines", "罚款金额不能为负数，请核对"));
        }
        if self
            .leader_fines
            .iter()
            .any(|f| non_blank(&f.name).is_none())
        {
            out.push(Issue::error("leader_fines", "请填写被处罚主要负责人的姓名"));
        }
        if !self.fines_enterprise() && self.leaders_fined() == 0 && self.measures.is_empty() {
            out.push(Issue::error("measures", "请至少填写一项罚款或处罚措施"));
        }
        if self.has(Measure::Close) && self.has(Measure::RectifyByDeadline) {
            out.push(Issue::warning(
                "measures",
                "已取缔关闭的企业一般不再限期整改，请核对处罚措施",
            ));
        }
        self.check_limits(&mut out);
        out
    }

    /// Lengths, list sizes, amounts and dates within [`crate::limits`]; also the only checks a
    /// tombstone must pass (a deleted draft may be incomplete, never oversized).
    pub fn check_limits(&self, out: &mut Vec<Issue>) {
        use crate::limits::{self, LONG_TEXT, MAX_FINE_YUAN, SHORT_TEXT};
        limits::date(out, "date", "处罚日期", self.date);
        limits::text(out, "unit", "处罚单位", &self.unit, SHORT_TEXT);
        limits::text(
            out,
            "decision_number",
            "处罚决定书文号",
            &self.decision_number,
            SHORT_TEXT,
        );
        limits::text(out, "note", "备注", &self.note, LONG_TEXT);
        limits::list(
            out,
            "leader_fines",
            "处罚主要负责人",
            self.leader_fines.len(),
            limits::MAX_PEOPLE,
        );
        for f in &self.leader_fines {
            limits::text(out, "leader_fines", "被处罚人姓名", &f.name, SHORT_TEXT);
        }
        limits::list(
            out,
            "measures",
            "处罚措施",
            self.measures.len(),
            Measure::ALL.len(),
        );
        let too_big = |m: Money| m.yuan() > MAX_FINE_YUAN;
        if too_big(self.enterprise_fine) || self.leader_fines.iter().any(|f| too_big(f.amount)) {
            out.push(Issue::error(
                "fines",
                "罚款金额超过 10 亿元，请核对单位（万元）后重新填写",
            ));
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ids::new_record_id;

    pub(crate) fn penalty() -> Penalty {
        Penalty {
            meta: RecordMeta::new(new_record_id(1, [3; 10]), 1, "dev", "u"),
            enterprise_id: new_record_id(1, [4; 10]),
            inspection_id: None,
            date: Date::parse("2025-01-15").unwrap(),
            unit: "定襄县应急管理局".into(),
            decision_number: String::new(),
            enterprise_fine: Money::parse_wan("2").unwrap(),
            leader_fines: vec![PersonFine {
                name: "王五".into(),
                amount: Money::parse_wan("0.5").unwrap(),
            }],
            measures: vec![Measure::SuspendProduction, Measure::ListedSupervision],
            note: String::new(),
        }
    }

    #[test]
    fn double_penalty_and_summary() {
        let p = penalty();
        assert!(p.is_double_penalty());
        assert_eq!(p.leaders_fined(), 1);
        assert_eq!(
            p.summary(),
            "罚款企业2万元；处罚主要负责人1人0.5万元（一案双罚）；停产整改；挂牌督办"
        );
        assert!(p.validate().is_empty());
    }

    #[test]
    fn empty_case_is_refused() {
        let mut p = penalty();
        p.enterprise_fine = Money::ZERO;
        p.leader_fines.clear();
        p.measures.clear();
        p.unit.clear();
        let fields: Vec<_> = p.validate().into_iter().map(|i| i.field).collect();
        assert_eq!(fields, ["unit", "measures"]);
        assert_eq!(p.summary(), "");
    }
}

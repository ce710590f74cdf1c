//! 隐患台账的筛选与计数: the office's list of hazards in its scope, filtered by county,
//! enterprise, 类型, 状态, 检查环节 and 逾期, with the counts shown on top. The PWA only renders
//! what this returns, so the list and its counts cannot disagree.

use std::collections::HashMap;

use uuid::Uuid;

use super::summary::HazardSummary;
use super::{Hazard, HazardKind, HazardState};
use crate::date::Date;
use crate::enterprise::Enterprise;
use crate::stage::Stage;

/// What the user chose; `None` / empty means "all".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HazardFilter {
    /// 所在县 code of the hazard's enterprise.
    pub county: Option<String>,
    pub enterprise_id: Option<Uuid>,
    pub kind: Option<HazardKind>,
    pub state: Option<HazardState>,
    /// 检查环节 of the inspection that found it.
    pub stage: Option<Stage>,
    pub only_overdue: bool,
    /// Found in the description or the enterprise's name.
    pub text: String,
}

/// The counts on top of the list, over what the filter shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListCounts {
    pub total: usize,
    pub major: usize,
    /// Not yet 销号.
    pub open: usize,
    pub overdue: usize,
    pub closed: usize,
}

impl ListCounts {
    /// e.g. `共 3 条：重大事故隐患 1 条，未销号 2 条（逾期 1 条），已销号 1 条`.
    pub fn sentence(&self) -> String {
        format!(
            "共 {} 条：重大事故隐患 {} 条，未销号 {} 条（逾期 {} 条），已销号 {} 条",
            self.total, self.major, self.open, self.overdue, self.closed
        )
    }
}

/// What the filter needs to know about the other records.
pub struct Lookup<'a> {
    pub enterprises: &'a HashMap<Uuid, &'a Enterprise>,
    /// 检查环节 by inspection id.
    pub stages: &'a HashMap<Uuid, Stage>,
}

/// What the filter and the counts read of a hazard: the whole [`Hazard`], or the 隐患台账's
/// [`HazardSummary`] (decoded from the stored JSON without the rest). One filter over both, so
/// the list the PWA shows from summaries cannot drift from the model's rule.
pub trait Listed {
    fn deleted(&self) -> bool;
    fn kind(&self) -> HazardKind;
    fn state(&self) -> HazardState;
    fn is_overdue(&self, today: Date) -> bool;
    fn enterprise_id(&self) -> Uuid;
    fn inspection_id(&self) -> Uuid;
    fn description(&self) -> &str;
}

impl Listed for Hazard {
    fn deleted(&self) -> bool {
        self.meta.deleted
    }
    fn kind(&self) -> HazardKind {
        self.kind
    }
    fn state(&self) -> HazardState {
        self.state
    }
    fn is_overdue(&self, today: Date) -> bool {
        Hazard::is_overdue(self, today)
    }
    fn enterprise_id(&self) -> Uuid {
        self.enterprise_id
    }
    fn inspection_id(&self) -> Uuid {
        self.inspection_id
    }
    fn description(&self) -> &str {
        &self.description
    }
}

impl Listed for HazardSummary {
    fn deleted(&self) -> bool {
        self.deleted
    }
    fn kind(&self) -> HazardKind {
        self.kind
    }
    fn state(&self) -> HazardState {
        self.state
    }
    fn is_overdue(&self, today: Date) -> bool {
        HazardSummary::is_overdue(self, today)
    }
    fn enterprise_id(&self) -> Uuid {
        self.enterprise_id
    }
    fn inspection_id(&self) -> Uuid {
        self.inspection_id
    }
    fn description(&self) -> &str {
        &self.description
    }
}

impl HazardFilter {
    pub fn matches<H: Listed>(&self, h: &H, lookup: &Lookup, today: Date) -> bool {
        let ent = lookup.enterprises.get(&h.enterprise_id());
        let text = self.text.trim();
        !h.deleted()
            && self.kind.is_none_or(|k| h.kind() == k)
            && self.state.is_none_or(|s| h.state() == s)
            && (!self.only_overdue || h.is_overdue(today))
            && self.enterprise_id.is_none_or(|e| h.enterprise_id() == e)
            && self
                .county
                .as_deref()
                .is_none_or(|c| ent.is_some_and(|e| e.county == c))
            && self
                .stage
                .is_none_or(|s| lookup.stages.get(&h.inspection_id()) == Some(&s))
            && (text.is_empty()
                || h.description().contains(text)
                || ent.is_some_and(|e| e.name.contains(text)))
    }

    /// The hazards shown, in the order given, and their counts.
    pub fn apply<'h, H: Listed>(
        &self,
        all: &'h [H],
        lookup: &Lookup,
        today: Date,
    ) -> (Vec<&'h H>, ListCounts) {
        let shown: Vec<&H> = all
            .iter()
            .filter(|h| self.matches(*h, lookup, today))
            .collect();
        let mut c = ListCounts {
            total: shown.len(),
            ..ListCounts::default()
        };
        for h in &shown {
            c.major += usize::from(h.kind() == HazardKind::Major);
            if h.state() == HazardState::Closed {
                c.closed += 1;
            } else {
                c.open += 1;
            }
            c.overdue += usize::from(h.is_overdue(today));
        }
        (shown, c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hazard::Review;
    use crate::inspection::tests::inspection;
    use crate::record::RecordMeta;
    use crate::stage::Level;

    fn id() -> Uuid {
        use std::sync::atomic::{AtomicU8, Ordering};
        static N: AtomicU8 = AtomicU8::new(1);
        crate::ids::new_record_id(1, [N.fetch_add(1, Ordering::Relaxed); 10])
    }

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn enterprise(name: &str, county: &str) -> Enterprise {
        let mut e =
            crate::enterprise::tests::enterprise(crate::enterprise::Industry::Metallurgy, &[]);
        e.meta = RecordMeta::new(id(), 1, "d", "u");
        e.name = name.into();
        e.county = county.into();
        e
    }

    #[test]
    fn each_criterion_narrows_and_the_counts_follow() {
        let a = enterprise("忻府甲钢铁", "140902");
        let b = enterprise("定襄乙铸造", "140921");
        let mut ia = inspection();
        ia.enterprise_id = a.meta.id;
        let mut ib = inspection();
        ib.meta = RecordMeta::new(id(), 1, "d", "u");
        ib.enterprise_id = b.meta.id;
        let new = |i: &crate::inspection::Inspection, n: u32| {
            let mut h = Hazard::new(RecordMeta::new(id(), 1, "d", "u"), i, n);
            h.description = format!("隐患{n}");
            h.found_on = d("2025-03-10");
            h
        };
        let mut h1 = new(&ia, 1);
        h1.kind = HazardKind::Major;
        h1.rectification.deadline = Some(d("2025-03-20"));
        let mut h2 = new(&ia, 2);
        h2.submit_for_review(d("2025-03-11"), "u", 1).unwrap();
        h2.record_review(
            Review {
                reviewer: "吴".into(),
                unit: String::new(),
                date: d("2025-03-12"),
                passed: true,
                photos: vec![],
                note: String::new(),
            },
            "吴",
            2,
        )
        .unwrap();
        let h3 = new(&ib, 1);
        let mut gone = new(&ib, 2);
        gone.meta.deleted = true;
        let all = vec![h1.clone(), h2.clone(), h3.clone(), gone];

        let ents: HashMap<Uuid, &Enterprise> = [(a.meta.id, &a), (b.meta.id, &b)].into();
        let stages: HashMap<Uuid, Stage> = [
            (ia.meta.id, Stage::CityCounty(Level::County)),
            (ib.meta.id, Stage::Cross),
        ]
        .into();
        let lookup = Lookup {
            enterprises: &ents,
            stages: &stages,
        };
        let today = d("2025-03-25");
        let ids = |f: &HazardFilter| -> Vec<u32> {
            f.apply(&all, &lookup, today)
                .0
                .iter()
                .map(|h| h.seq * 10 + u32::from(h.enterprise_id == b.meta.id))
                .collect()
        };

        let (shown, c) = HazardFilter::default().apply(&all, &lookup, today);
        assert_eq!(shown.len(), 3, "the deleted one is never listed");
        assert_eq!(
            c,
            ListCounts {
                total: 3,
                major: 1,
                open: 2,
                overdue: 1,
                closed: 1
            }
        );
        assert_eq!(
            c.sentence(),
            "共 3 条：重大事故隐患 1 条，未销号 2 条（逾期 1 条），已销号 1 条"
        );

        let f = |g: fn(&mut HazardFilter)| {
            let mut f = HazardFilter::default();
            g(&mut f);
            f
        };
        assert_eq!(ids(&f(|f| f.county = Some("140921".into()))), [11]);
        assert_eq!(ids(&f(|f| f.kind = Some(HazardKind::Major))), [10]);
        assert_eq!(ids(&f(|f| f.state = Some(HazardState::Closed))), [20]);
        assert_eq!(ids(&f(|f| f.stage = Some(Stage::Cross))), [11]);
        assert_eq!(ids(&f(|f| f.only_overdue = true)), [10]);
        assert_eq!(ids(&f(|f| f.text = "定襄".into())), [11]);
        assert_eq!(ids(&f(|f| f.text = "隐患2".into())), [20]);
        let by_ent = HazardFilter {
            enterprise_id: Some(a.meta.id),
            ..HazardFilter::default()
        };
        assert_eq!(ids(&by_ent), [10, 20]);
    }
}

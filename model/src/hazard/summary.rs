//! What the 隐患台账 needs of each stored record, decoded straight from its JSON without the rest:
//! a row of the list ([`HazardSummary`]) and an inspection's 检查环节 ([`InspectionStage`]). With
//! thousands of hazards on a device, building every full [`Hazard`] (its 整改 record, 复查,
//! history, photos) and every [`Inspection`] (all its checklist answers) only to show one line
//! each is what made the list slow to open.
//!
//! A summary is as strict as the full record where it reads: the same types for every field it
//! keeps, and every field the full record requires must be present (type unchecked), so the
//! rows that do not read as a record (not JSON, a missing field, text where a number belongs)
//! are skipped here too. What it does not check is the type of a field it never reads.

use serde::de::IgnoredAny;
use serde::Deserialize;
use uuid::Uuid;

use super::{Hazard, HazardKind, HazardState};
use crate::date::Date;
use crate::record::RecordMeta;
use crate::stage::Stage;

/// One row of the 隐患台账: what it shows and what its filter reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "RawHazard")]
pub struct HazardSummary {
    pub id: Uuid,
    pub deleted: bool,
    pub inspection_id: Uuid,
    pub enterprise_id: Uuid,
    /// 序号 within the inspection.
    pub seq: u32,
    pub found_on: Date,
    pub description: String,
    pub kind: HazardKind,
    pub state: HazardState,
    /// 整改时限
    pub deadline: Option<Date>,
}

/// The stored hazard's shape, as far as a summary reads it. Field names and types are
/// [`Hazard`]'s own; `basis` is required there, so it must be here.
#[derive(Deserialize)]
struct RawHazard {
    meta: RecordMeta,
    inspection_id: Uuid,
    enterprise_id: Uuid,
    seq: u32,
    found_on: Date,
    description: String,
    #[allow(dead_code)] // only its presence is checked
    basis: IgnoredAny,
    kind: HazardKind,
    #[serde(default)]
    rectification: RawRectification,
    state: HazardState,
}

#[derive(Deserialize, Default)]
struct RawRectification {
    #[serde(default)]
    deadline: Option<Date>,
}

impl From<RawHazard> for HazardSummary {
    fn from(r: RawHazard) -> Self {
        HazardSummary {
            id: r.meta.id,
            deleted: r.meta.deleted,
            inspection_id: r.inspection_id,
            enterprise_id: r.enterprise_id,
            seq: r.seq,
            found_on: r.found_on,
            description: r.description,
            kind: r.kind,
            state: r.state,
            deadline: r.rectification.deadline,
        }
    }
}

impl From<&Hazard> for HazardSummary {
    fn from(h: &Hazard) -> Self {
        HazardSummary {
            id: h.meta.id,
            deleted: h.meta.deleted,
            inspection_id: h.inspection_id,
            enterprise_id: h.enterprise_id,
            seq: h.seq,
            found_on: h.found_on,
            description: h.description.clone(),
            kind: h.kind,
            state: h.state,
            deadline: h.rectification.deadline,
        }
    }
}

impl HazardSummary {
    /// As [`Hazard::is_overdue`]: not closed and the 整改时限 has passed.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.state != HazardState::Closed && self.deadline.is_some_and(|d| d < today)
    }

    /// As [`Hazard::state_label`], e.g. `整改中（逾期）`.
    pub fn state_label(&self, today: Date) -> String {
        if self.is_overdue(today) {
            format!("{}（逾期）", self.state.label())
        } else {
            self.state.label().to_owned()
        }
    }
}

/// An inspection's 检查环节, for the list's 检查环节 column and filter.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "RawInspection")]
pub struct InspectionStage {
    pub id: Uuid,
    pub deleted: bool,
    pub stage: Stage,
}

/// [`Inspection`](crate::inspection::Inspection)'s required fields; the checklist answers,
/// signatures and the rest are skipped unread.
#[derive(Deserialize)]
#[allow(dead_code)] // the ignored fields are declared only so that they must be present
struct RawInspection {
    meta: RecordMeta,
    campaign_id: String,
    enterprise_id: Uuid,
    stage: Stage,
    unit: String,
    inspectors: IgnoredAny,
    date: Date,
    modules: IgnoredAny,
}

impl From<RawInspection> for InspectionStage {
    fn from(r: RawInspection) -> Self {
        InspectionStage {
            id: r.meta.id,
            deleted: r.meta.deleted,
            stage: r.stage,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::enterprise::Enterprise;
    use crate::hazard::filter::{HazardFilter, Lookup};
    use crate::hazard::Review;
    use crate::inspection::tests::inspection;
    use crate::stage::Level;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn id(n: u16) -> Uuid {
        let b = n.to_be_bytes();
        crate::ids::new_record_id(2, [b[0], b[1], 7, 7, 7, 7, 7, 7, 7, 7])
    }

    /// Hazards in every state, kind, deadline and tombstone mix, over two enterprises and two
    /// inspections, each with the full record's extras (整改, 复查, history) filled in.
    fn sample() -> (Vec<Hazard>, Vec<Enterprise>, HashMap<Uuid, Stage>) {
        let mut a =
            crate::enterprise::tests::enterprise(crate::enterprise::Industry::Metallurgy, &[]);
        a.meta = RecordMeta::new(id(1), 1, "d", "u");
        a.name = "忻府甲钢铁Steel".into();
        a.county = "140902".into();
        let mut b = a.clone();
        b.meta = RecordMeta::new(id(2), 1, "d", "u");
        b.name = "定襄乙铸造".into();
        b.county = "140921".into();
        let mut ia = inspection();
        ia.meta = RecordMeta::new(id(3), 1, "d", "u");
        ia.enterprise_id = a.meta.id;
        let mut ib = inspection();
        ib.meta = RecordMeta::new(id(4), 1, "d", "u");
        ib.enterprise_id = b.meta.id;
        let stages = [
            (ia.meta.id, Stage::CityCounty(Level::County)),
            (ib.meta.id, Stage::Cross),
        ]
        .into();
        let mut all = Vec::new();
        for n in 0..48u16 {
            let insp = if n % 3 == 0 { &ib } else { &ia };
            let mut h = Hazard::new(
                RecordMeta::new(id(100 + n), 1, "d", "u"),
                insp,
                u32::from(n) + 1,
            );
            h.description = format!(
                "第{n}处：除尘器未设置泄爆装置{}",
                ["", "，积尘", "LNG"][usize::from(n % 3)]
            );
            h.found_on = d("2025-03-10");
            h.evidence_text = "现场拍照".into();
            h.remark = "备注".into();
            if n % 4 == 0 {
                h.kind = HazardKind::Major;
            }
            if n % 5 != 0 {
                // The day itself is not yet 逾期.
                let day = ["2025-03-20", "2025-03-25", "2025-04-30"][usize::from(n % 3)];
                h.rectification.deadline = Some(d(day));
                h.rectification.measures = "停产整改".into();
            }
            if n % 6 == 1 {
                h.submit_for_review(d("2025-03-11"), "u", 1).unwrap();
            }
            if n % 12 == 1 {
                h.record_review(
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
            }
            h.meta.deleted = n % 11 == 10;
            all.push(h);
        }
        (all, vec![a, b], stages)
    }

    fn summary_of(h: &Hazard) -> HazardSummary {
        serde_json::from_str(&serde_json::to_string(h).unwrap()).unwrap()
    }

    #[test]
    fn a_summary_is_the_stored_hazard_as_the_row_shows_it() {
        let (all, _, _) = sample();
        let today = d("2025-03-25");
        for h in &all {
            let s = summary_of(h);
            assert_eq!(s, HazardSummary::from(h));
            assert_eq!(s.is_overdue(today), h.is_overdue(today));
            assert_eq!(s.state_label(today), h.state_label(today));
        }
        assert!(all.iter().any(|h| h.is_overdue(today)));
        assert!(all.iter().any(|h| h.state == HazardState::Closed));
    }

    #[test]
    fn the_filter_over_summaries_shows_what_it_shows_over_hazards() {
        let (all, ents, stages) = sample();
        let summaries: Vec<HazardSummary> = all.iter().map(summary_of).collect();
        let by_id: HashMap<Uuid, &Enterprise> = ents.iter().map(|e| (e.meta.id, e)).collect();
        let lookup = Lookup {
            enterprises: &by_id,
            stages: &stages,
        };
        let today = d("2025-03-25");
        let mut filters = vec![HazardFilter::default()];
        for text in [
            "泄爆",
            "积尘",
            "定襄",
            "Steel",
            "steel",
            "LNG",
            " 第1处 ",
            "无此文字",
        ] {
            filters.push(HazardFilter {
                text: text.into(),
                ..HazardFilter::default()
            });
        }
        for state in HazardState::ALL {
            filters.push(HazardFilter {
                state: Some(state),
                ..HazardFilter::default()
            });
        }
        filters.push(HazardFilter {
            kind: Some(HazardKind::Major),
            only_overdue: true,
            ..HazardFilter::default()
        });
        filters.push(HazardFilter {
            county: Some("140921".into()),
            stage: Some(Stage::Cross),
            ..HazardFilter::default()
        });
        filters.push(HazardFilter {
            enterprise_id: Some(ents[0].meta.id),
            text: "泄爆".into(),
            ..HazardFilter::default()
        });
        let mut non_empty = 0;
        for f in &filters {
            let (full, full_counts) = f.apply(&all, &lookup, today);
            let (short, short_counts) = f.apply(&summaries, &lookup, today);
            assert_eq!(
                short.iter().map(|s| s.id).collect::<Vec<_>>(),
                full.iter().map(|h| h.meta.id).collect::<Vec<_>>(),
                "{f:?}"
            );
            assert_eq!(short_counts, full_counts, "{f:?}");
            non_empty += usize::from(!full.is_empty());
        }
        // The comparison means something only if most filters select some rows.
        assert!(
            non_empty >= filters.len() - 3,
            "{non_empty} of {}",
            filters.len()
        );
    }

    #[test]
    fn a_row_that_is_no_hazard_is_no_summary() {
        let (all, _, _) = sample();
        let good: serde_json::Value = serde_json::to_value(&all[0]).unwrap();
        let with = |edit: fn(&mut serde_json::Value)| {
            let mut v = good.clone();
            edit(&mut v);
            serde_json::from_value::<HazardSummary>(v)
        };
        assert!(with(|_| {}).is_ok());
        assert!(
            with(|v| v["seq"] = "x".into()).is_err(),
            "text where 序号 belongs"
        );
        assert!(
            with(|v| v["kind"] = "minor".into()).is_err(),
            "an unknown 隐患类型"
        );
        assert!(with(|v| v["found_on"] = "2025-13-01".into()).is_err());
        assert!(with(|v| v["rectification"]["deadline"] = 5.into()).is_err());
        assert!(with(|v| v["meta"]["id"] = "nope".into()).is_err());
        for required in ["basis", "description", "state", "enterprise_id"] {
            let mut v = good.clone();
            v.as_object_mut().unwrap().remove(required);
            assert!(
                serde_json::from_value::<HazardSummary>(v.clone()).is_err(),
                "{required}"
            );
            assert!(serde_json::from_value::<Hazard>(v).is_err(), "{required}");
        }
        assert!(serde_json::from_str::<HazardSummary>("{not json").is_err());
    }

    #[test]
    fn an_inspection_stage_reads_without_the_answers() {
        let mut i = inspection();
        i.stage = Stage::Cross;
        let json = serde_json::to_value(&i).unwrap();
        let s: InspectionStage = serde_json::from_value(json.clone()).unwrap();
        assert_eq!((s.id, s.deleted, s.stage), (i.meta.id, false, Stage::Cross));
        let mut bad = json.clone();
        bad["stage"] = "nowhere".into();
        assert!(serde_json::from_value::<InspectionStage>(bad).is_err());
        let mut missing = json;
        missing.as_object_mut().unwrap().remove("modules");
        assert!(serde_json::from_value::<InspectionStage>(missing).is_err());
    }
}

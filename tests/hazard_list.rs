//! The 隐患台账's reads (store::hazard_list) in real headless Chromium: the first page is the
//! start of the whole list in the same order, the summaries filter exactly as the whole records
//! did (the list as it was), and a row that does not read is skipped and registered.
#![cfg(target_arch = "wasm32")]

use std::collections::HashMap;

use model::enterprise::Enterprise;
use model::hazard::filter::{HazardFilter, Lookup};
use model::hazard::summary::HazardSummary;
use model::hazard::{Hazard, HazardKind, HazardState};
use model::inspection::Inspection;
use model::record::{Record, RecordMeta};
use model::stage::{Level, Stage};
use uuid::Uuid;
use wasm_bindgen_test::*;
use yinhuan_app::store::{hazard_list, records, unreadable};

mod support;
use support::{fresh_db, put_raw};

wasm_bindgen_test_configure!(run_in_browser);

fn meta() -> RecordMeta {
    RecordMeta::new(
        yinhuan_app::browser::new_id(),
        yinhuan_app::browser::now_ms(),
        "test-device",
        "tester",
    )
}

fn d(s: &str) -> model::date::Date {
    model::date::Date::parse(s).unwrap()
}

struct Seeded {
    hazards: Vec<Hazard>,
    bad_id: String,
}

/// Three enterprises (one deleted) in two counties, four inspections (one deleted) of three
/// stages, `n` hazards over them in every state and kind, some deleted, some overdue; and one
/// hazard row whose 序号 is text, with an id that sorts first.
async fn seed(db: &rexie::Rexie, n: u32) -> Seeded {
    let mut ents = Vec::new();
    for (name, county) in [
        ("忻府甲钢铁", "140902"),
        ("定襄乙铸造", "140921"),
        ("原平丙轧钢", "140981"),
    ] {
        let mut e = yinhuan_app::data::new_enterprise();
        e.name = name.into();
        e.county = county.into();
        ents.push(e);
    }
    ents[2].meta.deleted = true;
    let stages = [
        Stage::CityCounty(Level::County),
        Stage::Cross,
        Stage::SelfInspection,
        Stage::Cross,
    ];
    let mut insps = Vec::new();
    for (i, stage) in stages.into_iter().enumerate() {
        insps.push(Inspection::new(
            meta(),
            "test",
            &ents[i % 3],
            stage,
            d("2025-03-10"),
        ));
    }
    insps[3].meta.deleted = true;
    let mut hazards = Vec::new();
    for k in 0..n {
        let insp = &insps[(k / 7) as usize % insps.len()];
        let mut h = Hazard::new(meta(), insp, k + 1);
        h.description = format!(
            "第{k}处：{}",
            [
                "除尘器未设置泄爆装置",
                "煤气区域未设报警仪",
                "有限空间未设警示标志"
            ][(k % 3) as usize]
        );
        if k % 4 == 0 {
            h.kind = HazardKind::Major;
        }
        if k % 5 != 0 {
            h.rectification.deadline = Some(d(["2025-03-20", "2099-01-01"][(k % 2) as usize]));
        }
        if k % 6 == 1 {
            h.submit_for_review(d("2025-03-11"), "u", 1).unwrap();
        }
        if k % 6 == 3 {
            h.state = HazardState::Rectifying;
        }
        if k % 12 == 1 {
            let review = model::hazard::Review {
                reviewer: "吴".into(),
                unit: String::new(),
                date: d("2025-03-12"),
                passed: true,
                photos: vec![],
                note: String::new(),
            };
            h.record_review(review, "吴", 2).unwrap();
        }
        h.meta.deleted = k % 13 == 12;
        hazards.push(h);
    }
    let mut batch = records::Batch::new();
    for e in &ents {
        batch = batch.add(e).unwrap();
    }
    for i in &insps {
        batch = batch.add(i).unwrap();
    }
    for h in &hazards {
        batch = batch.add(h).unwrap();
    }
    batch.write(db).await.unwrap();

    // Text where 序号 belongs, as in the unreadable e2e; its id sorts before every new one.
    let bad_id = "0190bbbb-0000-7000-8000-00000000a001".to_string();
    let mut bad: serde_json::Value = serde_json::to_value(&hazards[0]).unwrap();
    bad["meta"]["id"] = bad_id.clone().into();
    bad["seq"] = "x".into();
    bad["description"] = "这条隐患记录已损坏".into();
    put_raw(db, &bad_id, Hazard::KIND, &bad.to_string()).await;
    Seeded { hazards, bad_id }
}

fn ids(v: &[HazardSummary]) -> Vec<Uuid> {
    v.iter().map(|h| h.id).collect()
}

#[wasm_bindgen_test]
async fn the_first_rows_are_the_start_of_the_whole_list_in_its_order() {
    let db = fresh_db("t_hazard_list_first").await;
    let seeded = seed(&db, 120).await;

    let first = hazard_list::first_rows(&db, 50).await.unwrap();
    let all = hazard_list::all(&db).await.unwrap();
    assert!(!first.complete, "120 hazards are more than one page");
    assert!(all.complete);
    // 50 rows read, the unreadable one and the deleted ones among them left out.
    assert!(
        (43..50).contains(&first.hazards.len()),
        "{}",
        first.hazards.len()
    );
    assert_eq!(
        ids(&first.hazards),
        ids(&all.hazards)[..first.hazards.len()]
    );

    // The whole list: what the list showed before, every live hazard in store order, as summaries.
    let whole: Vec<Hazard> = records::list(&db).await.unwrap();
    let live: Vec<HazardSummary> = whole
        .iter()
        .filter(|h| !h.meta.deleted)
        .map(HazardSummary::from)
        .collect();
    assert_eq!(all.hazards, live);
    assert_eq!(live.len(), 120 - 9, "9 of 120 are deleted");
    assert!(seeded.hazards.iter().all(|h| whole.contains(h)));

    // The first rows come with what they show of their enterprise and inspection, live ones only.
    for h in &first.hazards {
        let ent = all
            .enterprises
            .iter()
            .find(|e| e.meta.id == h.enterprise_id);
        assert_eq!(
            first
                .enterprises
                .iter()
                .find(|e| e.meta.id == h.enterprise_id),
            ent
        );
        assert_eq!(
            first.stages.get(&h.inspection_id),
            all.stages.get(&h.inspection_id)
        );
    }
    assert!(first.enterprises.len() <= 2 && all.enterprises.len() == 2);
    assert_eq!(all.stages.len(), 3, "the deleted inspection has no stage");

    // A page larger than the list is the whole list.
    let big = hazard_list::first_rows(&db, 500).await.unwrap();
    assert!(big.complete);
    assert_eq!(big.hazards, all.hazards);
}

#[wasm_bindgen_test]
async fn the_summaries_filter_as_the_whole_hazards_did() {
    let db = fresh_db("t_hazard_list_filter").await;
    seed(&db, 90).await;
    let ledger = hazard_list::all(&db).await.unwrap();

    // The list as it was: whole live records of each kind.
    let hazards: Vec<Hazard> = records::list::<Hazard>(&db)
        .await
        .unwrap()
        .into_iter()
        .filter(|h| !h.meta.deleted)
        .collect();
    let enterprises: Vec<Enterprise> = records::list::<Enterprise>(&db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| !e.meta.deleted)
        .collect();
    let stages: HashMap<Uuid, Stage> = records::list::<Inspection>(&db)
        .await
        .unwrap()
        .into_iter()
        .filter(|i| !i.meta.deleted)
        .map(|i| (i.meta.id, i.stage))
        .collect();
    let by_id: HashMap<Uuid, &Enterprise> = enterprises.iter().map(|e| (e.meta.id, e)).collect();
    let old = Lookup {
        enterprises: &by_id,
        stages: &stages,
    };
    let new_by_id: HashMap<Uuid, &Enterprise> =
        ledger.enterprises.iter().map(|e| (e.meta.id, e)).collect();
    let new = Lookup {
        enterprises: &new_by_id,
        stages: &ledger.stages,
    };

    let today = d("2025-03-25");
    let mut filters = vec![HazardFilter::default()];
    for text in ["泄爆", "第1", "定襄", "原平", "损坏", " 报警仪 "] {
        filters.push(HazardFilter {
            text: text.into(),
            ..Default::default()
        });
    }
    for county in ["140902", "140921", "140981"] {
        filters.push(HazardFilter {
            county: Some(county.into()),
            ..Default::default()
        });
    }
    for stage in [
        Stage::Cross,
        Stage::SelfInspection,
        Stage::CityCounty(Level::County),
    ] {
        filters.push(HazardFilter {
            stage: Some(stage),
            ..Default::default()
        });
    }
    for state in HazardState::ALL {
        filters.push(HazardFilter {
            state: Some(state),
            ..Default::default()
        });
    }
    filters.push(HazardFilter {
        kind: Some(HazardKind::Major),
        text: "泄爆".into(),
        ..Default::default()
    });
    filters.push(HazardFilter {
        only_overdue: true,
        enterprise_id: Some(enterprises[0].meta.id),
        ..Default::default()
    });
    let mut shown_some = 0;
    let mut empty = Vec::new();
    for f in &filters {
        let (was, was_counts) = f.apply(&hazards, &old, today);
        let (now, now_counts) = f.apply(&ledger.hazards, &new, today);
        assert_eq!(
            now.iter().map(|h| h.id).collect::<Vec<_>>(),
            was.iter().map(|h| h.meta.id).collect::<Vec<_>>(),
            "{f:?}"
        );
        assert_eq!(now_counts, was_counts, "{f:?}");
        shown_some += usize::from(!was.is_empty());
        if was.is_empty() {
            empty.push(f.clone());
        }
    }
    // Only 原平, 损坏 and 140981 (the deleted enterprise, the unreadable row) show nothing.
    assert_eq!(shown_some + 3, filters.len(), "{empty:?}");
}

#[wasm_bindgen_test]
async fn a_hazard_row_that_does_not_read_is_skipped_and_registered() {
    let db = fresh_db("t_hazard_list_unreadable").await;
    let seeded = seed(&db, 20).await;
    let first = hazard_list::first_rows(&db, 5).await.unwrap();
    assert!(first
        .hazards
        .iter()
        .all(|h| h.id.to_string() != seeded.bad_id));
    let reg: Vec<_> = unreadable::all()
        .into_iter()
        .filter(|u| u.id == seeded.bad_id)
        .collect();
    assert_eq!(reg.len(), 1, "{reg:?}");
    assert_eq!(reg[0].kind, "hazard");
    assert!(reg[0].error.contains("invalid type"), "{}", reg[0].error);
    // The bad row (its id sorts first) was one of the 5 read; the other 4 are the 4 smallest
    // ids, less any deleted one among them (ids made in the same millisecond need not sort in
    // the order they were made, so which ones those are is read from the seed).
    let mut by_id: Vec<&Hazard> = seeded.hazards.iter().collect();
    by_id.sort_by_key(|h| h.meta.id.to_string());
    let live_of_first_4 = by_id.iter().take(4).filter(|h| !h.meta.deleted).count();
    assert_eq!(first.hazards.len(), live_of_first_4);
    assert!(
        live_of_first_4 >= 3,
        "only one of the seed's hazards is deleted"
    );

    let all = hazard_list::all(&db).await.unwrap();
    assert_eq!(
        all.hazards.len(),
        20 - 1,
        "one of 20 is deleted, the bad one skipped"
    );
    assert!(all
        .hazards
        .iter()
        .all(|h| h.description != "这条隐患记录已损坏"));
    // Met again by the summaries, it is registered once, with the whole record's reason kept.
    records::list::<Hazard>(&db).await.unwrap();
    let whole_reason = unreadable::all()
        .into_iter()
        .find(|u| u.id == seeded.bad_id)
        .unwrap();
    hazard_list::all(&db).await.unwrap();
    let after: Vec<_> = unreadable::all()
        .into_iter()
        .filter(|u| u.id == seeded.bad_id)
        .collect();
    assert_eq!(after, vec![whole_reason]);
}

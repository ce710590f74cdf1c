use serde_json::{json, Value};

use super::*;
use crate::accept::{accept, apply_order, parse, AnyRecord, KINDS};
use crate::annex::{CrossPlan, WeeklyNarrative};
use crate::campaign::{Campaign, CrossPair};
use crate::county::County;
use crate::date::Date;
use crate::merge::merge;
use crate::record::Record;
use crate::sync::{may_see, Role};

const CAMPAIGN: &str = "xinzhou-2024-216";
const XINFU: &str = "140902";
const DINGXIANG: &str = "140921";

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn note(county: Option<&str>, device: &str) -> WeeklyNote {
    WeeklyNote::blank(CAMPAIGN, county, d("2025-03-14"), 1_000, device, "张三")
}

fn body<T: serde::Serialize>(r: &T) -> Value {
    serde_json::to_value(r).unwrap()
}

fn pair(a: &str, b: &str) -> CrossPair {
    CrossPair {
        inspector: County::by_code(a).unwrap(),
        inspected: County::by_code(b).unwrap(),
    }
}

/// The first 附件3 pair of the bundled campaign (忻府区 → 原平市).
fn first_pair() -> CrossPair {
    let c = Campaign::bundled()
        .into_iter()
        .find(|c| c.id == CAMPAIGN)
        .unwrap();
    c.cross_pairs[0]
}

fn plan(enterprises: Vec<uuid::Uuid>) -> CrossPlanRecord {
    let p = CrossPlan {
        pair: first_pair(),
        start: d("2025-03-03"),
        end: d("2025-03-05"),
        enterprises,
    };
    CrossPlanRecord::new(CAMPAIGN, &p, 1_000, "dev-a", "张三")
}

fn refusal(kind: &str, b: &Value) -> String {
    accept(kind, b, false).unwrap_err().message
}

#[test]
fn the_same_keys_give_the_same_id_on_every_device() {
    let a = note(Some(XINFU), "dev-a");
    let b = note(Some(XINFU), "dev-b");
    assert_eq!(a.meta.id, b.meta.id);
    assert_eq!(a.meta.id.get_version_num(), 8);
    assert_eq!(a.meta.id.get_variant(), uuid::Variant::RFC4122);
    let others = [
        note(Some(DINGXIANG), "dev-a").meta.id,
        note(None, "dev-a").meta.id,
        WeeklyNote::id_for(CAMPAIGN, Some(XINFU), d("2025-03-07")),
        WeeklyNote::id_for("other", Some(XINFU), d("2025-03-14")),
        CrossPlanRecord::id_for(CAMPAIGN, first_pair()),
        CrossPlanRecord::id_for(CAMPAIGN, pair("140981", "140921")),
    ];
    for (i, id) in others.iter().enumerate() {
        assert_ne!(*id, a.meta.id, "{i}");
        for other in &others[i + 1..] {
            assert_ne!(id, other);
        }
    }
    // Stable across releases: a changed hash would split every stored note from its devices.
    assert_eq!(
        office_record_id("weekly_note", &["c", "city", "2025-03-14"]),
        office_record_id("weekly_note", &["c", "city", "2025-03-14"])
    );
    assert_ne!(
        office_record_id("k", &["ab", "c"]),
        office_record_id("k", &["a", "bc"])
    );
}

#[test]
fn a_note_and_a_plan_are_accepted_and_read_back() {
    let mut n = note(Some(XINFU), "dev-a");
    n.text.publicity = "县电视台报道两次".into();
    let a = accept(WeeklyNote::KIND, &body(&n), false).unwrap();
    assert_eq!(a.record, AnyRecord::WeeklyNote(n.clone()));
    assert_eq!(a.record.enterprise_id(), None);
    assert_eq!(a.record.office_county(), Some(Some(XINFU)));
    assert_eq!(parse(WeeklyNote::KIND, &a.body).unwrap(), a.record);

    let p = plan(vec![uuid::Uuid::nil()]);
    let a = accept(CrossPlanRecord::KIND, &body(&p), false).unwrap();
    assert_eq!(
        a.record.office_county(),
        Some(Some(first_pair().inspector.code))
    );
    assert_eq!(a.record.kind(), "cross_plan");
    let city = note(None, "dev-a");
    let a = accept(WeeklyNote::KIND, &body(&city), false).unwrap();
    assert_eq!(a.record.office_county(), Some(None));
}

#[test]
fn bad_notes_are_refused_naming_the_field_in_chinese() {
    // An id not derived from its keys would split "the same week" into two records.
    let mut n = note(Some(XINFU), "dev-a");
    n.meta.id = crate::new_record_id(1, [0; 10]);
    assert!(refusal("weekly_note", &body(&n)).contains("记录编号"));

    let mut n = note(Some(XINFU), "dev-a");
    n.text.problems = "问".repeat(crate::limits::LONG_TEXT + 1);
    let m = refusal("weekly_note", &body(&n));
    assert!(m.contains("存在问题") && m.contains("2001"), "{m}");

    let mut b = body(&note(Some(XINFU), "dev-a"));
    b["county"] = json!("110101");
    assert!(refusal("weekly_note", &b).contains("填报范围"));

    // A Thursday is not a report day (and its id does not match either).
    let n = WeeklyNote::blank(CAMPAIGN, Some(XINFU), d("2025-03-13"), 1, "d", "u");
    let m = refusal("weekly_note", &body(&n));
    assert!(m.contains("报送日期"), "{m}");

    let mut b = body(&note(Some(XINFU), "dev-a"));
    b.as_object_mut().unwrap().remove("week");
    assert!(refusal("weekly_note", &b).contains("“报送日期”缺少必填内容"));
}

#[test]
fn bad_plans_are_refused() {
    let mut p = plan(vec![]);
    p.end = d("2025-03-01");
    assert!(refusal("cross_plan", &body(&p)).contains("检查结束日期"));
    let mut p = plan(vec![]);
    p.pair = pair("140981", "140902");
    // Not a 附件3 pair (and the id follows the pair, so it is recomputed to isolate the rule).
    p.meta.id = CrossPlanRecord::id_for(CAMPAIGN, p.pair);
    assert!(refusal("cross_plan", &body(&p)).contains("附件3"));
    let p = plan(vec![uuid::Uuid::nil(); MAX_PLAN_ENTERPRISES + 1]);
    assert!(refusal("cross_plan", &body(&p)).contains("抽检企业"));
}

#[test]
fn offices_write_their_own_and_the_city_writes_all() {
    let county = Role::County(XINFU.into());
    assert_eq!(write_refusal(&Role::City, "weekly_note", Some(XINFU)), None);
    assert_eq!(write_refusal(&Role::City, "weekly_note", None), None);
    assert_eq!(write_refusal(&county, "weekly_note", Some(XINFU)), None);
    let m = write_refusal(&county, "weekly_note", Some(DINGXIANG)).unwrap();
    assert!(m.contains("忻府区") && m.contains("定襄县"), "{m}");
    let m = write_refusal(&county, "weekly_note", None).unwrap();
    assert!(m.contains("市本级"), "{m}");
    assert_eq!(write_refusal(&county, "cross_plan", Some(XINFU)), None);
    assert!(write_refusal(&county, "cross_plan", Some(DINGXIANG))
        .unwrap()
        .contains("检查方"));
    let team = Role::CrossTeam {
        inspected: XINFU.into(),
    };
    for kind in OFFICE_KINDS {
        assert_eq!(
            write_refusal(&team, kind, Some(XINFU)).as_deref(),
            Some(CROSS_CANNOT_WRITE)
        );
        assert_eq!(
            write_refusal(&Role::Enterprise(uuid::Uuid::nil()), kind, Some(XINFU)).as_deref(),
            Some(ENTERPRISE_CANNOT_WRITE)
        );
    }
}

#[test]
fn only_the_city_sees_its_own_note_and_enterprises_see_none() {
    let own = office_scope(None);
    let xinfu = office_scope(Some(XINFU));
    assert!(may_see(&Role::City, &own) && may_see(&Role::City, &xinfu));
    assert!(!may_see(&Role::County(XINFU.into()), &own));
    assert!(may_see(&Role::County(XINFU.into()), &xinfu));
    assert!(!may_see(&Role::County(DINGXIANG.into()), &xinfu));
    assert!(!may_see(&Role::Enterprise(uuid::Uuid::nil()), &xinfu));
}

#[test]
fn office_records_apply_after_field_records() {
    for kind in OFFICE_KINDS {
        assert!(KINDS.contains(&kind));
        assert!(apply_order(kind) > apply_order("penalty"));
        assert!(is_office_kind(kind));
    }
    assert!(!is_office_kind("hazard"));
}

/// Two clerks create the same week's note on two devices; A's reached the server first.
fn two_devices(a_text: WeeklyNarrative, b_text: WeeklyNarrative) -> crate::merge::MergeOutcome {
    let mut a = note(Some(XINFU), "dev-a");
    a.text = a_text;
    let mut b = note(Some(XINFU), "dev-b");
    b.text = b_text;
    let local = body(&b);
    let base = merge_base(WeeklyNote::KIND, &local).unwrap();
    merge(&base, &local, &body(&a))
}

#[test]
fn two_clerks_rows_six_and_seven_are_both_kept() {
    let out = two_devices(
        WeeklyNarrative {
            publicity: "电视台报道".into(),
            ..Default::default()
        },
        WeeklyNarrative {
            problems: "小微企业底数不清".into(),
            ..Default::default()
        },
    );
    assert!(out.is_clean(), "{:?}", out.conflicts);
    let merged: WeeklyNote = serde_json::from_value(out.merged).unwrap();
    assert_eq!(merged.text.publicity, "电视台报道");
    assert_eq!(merged.text.problems, "小微企业底数不清");
    assert_eq!(merged.text.deployment, "");
}

#[test]
fn the_same_row_written_differently_is_a_conflict_for_the_user() {
    let out = two_devices(
        WeeklyNarrative {
            publicity: "甲的说法".into(),
            ..Default::default()
        },
        WeeklyNarrative {
            publicity: "乙的说法".into(),
            suggestions: "加强培训".into(),
            ..Default::default()
        },
    );
    assert_eq!(out.conflicts.len(), 1);
    let c = &out.conflicts[0];
    assert_eq!(c.path, vec!["text".to_owned(), "publicity".to_owned()]);
    assert_eq!(c.label(), "宣传曝光（第6栏）");
    assert_eq!(c.local, Some(json!("乙的说法")));
    assert_eq!(c.server, Some(json!("甲的说法")));
    // The other row merged cleanly meanwhile.
    assert_eq!(out.merged["text"]["suggestions"], json!("加强培训"));
    // The same words on both sides are no conflict.
    let same = WeeklyNarrative {
        publicity: "同一句".into(),
        ..Default::default()
    };
    assert!(two_devices(same.clone(), same).is_clean());
}

#[test]
fn two_plans_keep_both_draws_and_the_same_dates() {
    let e = |n: u8| uuid::Uuid::from_bytes([n; 16]);
    let server = plan(vec![e(1), e(2)]);
    let mut local = plan(vec![e(3)]);
    local.meta.device_id = "dev-b".into();
    let local = body(&local);
    let base = merge_base(CrossPlanRecord::KIND, &local).unwrap();
    let out = merge(&base, &local, &body(&server));
    assert!(out.is_clean(), "{:?}", out.conflicts);
    let merged: CrossPlanRecord = serde_json::from_value(out.merged).unwrap();
    assert_eq!(merged.enterprises, vec![e(1), e(2), e(3)]);
    // Different first dates: the user chooses.
    let mut other = plan(vec![]);
    other.end = d("2025-03-07");
    let out = merge(&base, &local, &body(&other));
    assert_eq!(out.conflicts.len(), 1);
    assert_eq!(out.conflicts[0].label(), "结束日期");
    assert!(merge_base("hazard", &local).is_none());
}

#[test]
fn the_citys_text_rows_name_each_county() {
    let xinfu = County::by_code(XINFU).unwrap();
    let dingxiang = County::by_code(DINGXIANG).unwrap();
    let own = WeeklyNarrative {
        publicity: "市级通报".into(),
        deployment: "市级部署".into(),
        ..Default::default()
    };
    let counties = vec![
        (
            dingxiang,
            WeeklyNarrative {
                publicity: "定襄报道".into(),
                ..Default::default()
            },
        ),
        (
            xinfu,
            WeeklyNarrative {
                publicity: "忻府报道".into(),
                problems: "  ".into(),
                ..Default::default()
            },
        ),
    ];
    let n = combined_narrative(&own, &counties);
    // Counties in the seed's order (忻府区 first), then the city's own.
    assert_eq!(
        n.publicity,
        "【忻府区】忻府报道\n【定襄县】定襄报道\n【市本级】市级通报"
    );
    // Only the city wrote row 1: as written.
    assert_eq!(n.deployment, "市级部署");
    assert_eq!(n.problems, "");
}

#[test]
fn office_records_describe_themselves_for_the_conflict_view() {
    let n = note(Some(XINFU), "d");
    assert_eq!(
        describe(&body(&n)).as_deref(),
        Some("附件1周调度文字：忻府区，2025年3月14日")
    );
    assert_eq!(
        describe(&body(&note(None, "d"))).as_deref(),
        Some("附件1周调度文字：市本级，2025年3月14日")
    );
    assert_eq!(
        describe(&body(&plan(vec![]))).as_deref(),
        Some("交叉检查工作安排：忻府区检查原平市")
    );
    assert_eq!(describe(&json!({"name": "甲钢铁"})), None);
}

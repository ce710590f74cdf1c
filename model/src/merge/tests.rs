use serde_json::{json, Value};

use super::*;
use crate::date::Date;
use crate::hazard::{Basis, Hazard, HazardState, Review};
use crate::ids::new_record_id;
use crate::inspection::tests::inspection;
use crate::money::Money;
use crate::record::RecordMeta;

fn p(path: &str) -> Vec<String> {
    path.split('.').map(str::to_owned).collect()
}

fn paths(o: &MergeOutcome) -> Vec<String> {
    o.conflicts.iter().map(|c| c.path.join(".")).collect()
}

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

const H1: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const H2: &str = "2222222222222222222222222222222222222222222222222222222222222222";
const H3: &str = "3333333333333333333333333333333333333333333333333333333333333333";
const H4: &str = "4444444444444444444444444444444444444444444444444444444444444444";

fn hazard() -> Hazard {
    let i = inspection();
    let mut meta = RecordMeta::new(new_record_id(10, [1; 10]), 10, "dev-a", "张三");
    meta.mark_synced(5);
    let mut h = Hazard::new(meta, &i, 1);
    h.description = "铸造平台液位报警器未接入联锁".into();
    h.basis = Basis::FreeText("GB 30078".into());
    h.evidence_text = "现场查看".into();
    h.photos = vec![H1.into(), H2.into()];
    h
}

/// The server's newer version: rev moved on, written by another device.
fn server_meta(h: &mut Hazard, rev: i64) {
    h.meta.rev = rev;
    h.meta.base_rev = rev;
    h.meta.device_id = "dev-b".into();
    h.meta.updated_by = "李四".into();
    h.meta.updated_at = 99;
}

#[test]
fn disjoint_edits_merge_cleanly() {
    let base = hazard();
    let mut local = base.clone();
    local.description = "液位报警器未接入联锁，已口头告知".into();
    local.meta.touch(20, "张三");
    let mut server = base.clone();
    server.remark = "企业已承诺一周内整改".into();
    server.rectification.responsible_person = "王五".into();
    server_meta(&mut server, 9);

    let (merged, conflicts, closed) = merge_records(&base, &local, &server).unwrap();
    assert!(conflicts.is_empty() && !closed);
    assert_eq!(merged.description, local.description);
    assert_eq!(merged.remark, server.remark);
    assert_eq!(merged.rectification.responsible_person, "王五");
    // meta is the server's whole; the caller sets dirty/base_rev for the next push.
    assert_eq!(merged.meta, server.meta);
}

#[test]
fn same_field_different_edits_conflict_keeping_both() {
    let base = json!({"description": "a", "remark": "r"});
    let local = json!({"description": "local", "remark": "r"});
    let server = json!({"description": "server", "remark": "r2"});
    let o = merge(&base, &local, &server);
    assert!(!o.is_clean());
    assert_eq!(
        o.conflicts,
        vec![FieldConflict {
            path: p("description"),
            base: Some(json!("a")),
            local: Some(json!("local")),
            server: Some(json!("server")),
        }]
    );
    // Provisionally the server's value; the other field merged.
    assert_eq!(o.merged, json!({"description": "server", "remark": "r2"}));
    assert_eq!(o.conflicts[0].label(), "隐患描述");
}

#[test]
fn same_edit_on_both_sides_is_clean() {
    let base = json!({"description": "a", "kind": "general"});
    let both = json!({"description": "b", "kind": "major"});
    let o = merge(&base, &both, &both);
    assert!(o.is_clean());
    assert_eq!(o.merged, both);
}

#[test]
fn nested_rectification_fields_merge_per_field() {
    let base = hazard();
    let mut local = base.clone();
    local.rectification.measures = "加装联锁装置".into();
    local.rectification.deadline = Some(d("2025-05-01"));
    let mut server = base.clone();
    server.rectification.funds = Some(Money::from_yuan(20_000));
    server.rectification.deadline = Some(d("2025-04-15"));
    server_meta(&mut server, 9);

    let (merged, conflicts, _) = merge_records(&base, &local, &server).unwrap();
    assert_eq!(merged.rectification.measures, "加装联锁装置");
    assert_eq!(merged.rectification.funds, Some(Money::from_yuan(20_000)));
    assert_eq!(merged.rectification.deadline, Some(d("2025-04-15")));
    assert_eq!(conflicts.len(), 1);
    let c = &conflicts[0];
    assert_eq!(c.path, p("rectification.deadline"));
    assert_eq!(c.local, Some(json!("2025-05-01")));
    assert_eq!(c.server, Some(json!("2025-04-15")));
    assert_eq!(c.base, Some(Value::Null));
    assert_eq!(c.label(), "整改时限");
}

#[test]
fn arrays_are_leaves() {
    let base = json!({"inspectors": ["张三"], "modules": ["a"]});
    let local = json!({"inspectors": ["张三", "李四"], "modules": ["a"]});
    let server = json!({"inspectors": ["王五"], "modules": ["a", "b"]});
    let o = merge(&base, &local, &server);
    assert_eq!(paths(&o), ["inspectors"]);
    assert_eq!(o.merged["inspectors"], json!(["王五"]));
    assert_eq!(o.merged["modules"], json!(["a", "b"]));
    assert_eq!(o.conflicts[0].local, Some(json!(["张三", "李四"])));
}

#[test]
fn photo_sets_merge_as_sets() {
    // Local removed H1 and added H3; server added H4 (and still has H1).
    let base = hazard();
    let mut local = base.clone();
    local.photos = vec![H2.into(), H3.into()];
    local.rectification.progress_photos = vec![H3.into()];
    let mut server = base.clone();
    server.photos = vec![H1.into(), H2.into(), H4.into()];
    server.rectification.progress_photos = vec![H4.into(), H3.into()];
    server_meta(&mut server, 9);

    let (merged, conflicts, _) = merge_records(&base, &local, &server).unwrap();
    assert!(conflicts.is_empty());
    assert_eq!(merged.photos, vec![H2.to_owned(), H4.into(), H3.into()]);
    // Both added H3: once.
    assert_eq!(
        merged.rectification.progress_photos,
        vec![H4.to_owned(), H3.into()]
    );
    // Both removed the same photo: gone.
    let o = merge(
        &json!({"photos": [H1, H2]}),
        &json!({"photos": [H2, H3]}),
        &json!({"photos": [H2]}),
    );
    assert_eq!(o.merged, json!({"photos": [H2, H3]}));
    // A key ending in photos but not holding strings stays a leaf.
    let o = merge(
        &json!({"photos": [1]}),
        &json!({"photos": [2]}),
        &json!({"photos": [3]}),
    );
    assert_eq!(paths(&o), ["photos"]);
}

#[test]
fn closed_on_server_is_flagged_and_never_reopened() {
    // Base awaiting review; offline, the device adds a remark and (stale) starts rectification
    // again; meanwhile the server passed the review and closed it.
    let mut base = hazard();
    base.rectification.measures = "加装联锁".into();
    base.submit_for_review(d("2025-04-10"), "企业", 1).unwrap();
    let mut server = base.clone();
    server
        .record_review(
            Review {
                reviewer: "李四".into(),
                unit: "县应急局".into(),
                date: d("2025-04-12"),
                passed: true,
                photos: vec![],
                note: String::new(),
            },
            "李四",
            2,
        )
        .unwrap();
    server_meta(&mut server, 9);
    assert_eq!(server.state, HazardState::Closed);

    // Only a remark: merges, but the UI must show that it was closed meanwhile.
    let mut local = base.clone();
    local.remark = "补充说明".into();
    let (merged, conflicts, closed) = merge_records(&base, &local, &server).unwrap();
    assert!(conflicts.is_empty() && closed);
    assert_eq!(
        (merged.state, merged.remark.as_str()),
        (HazardState::Closed, "补充说明")
    );
    let o = merge(
        &serde_json::to_value(&base).unwrap(),
        &serde_json::to_value(&local).unwrap(),
        &serde_json::to_value(&server).unwrap(),
    );
    assert!(!o.is_clean());

    // No local change at all: nothing to show.
    let (_, conflicts, closed) = merge_records(&base, &base, &server).unwrap();
    assert!(conflicts.is_empty() && !closed);

    // Already closed at base, and a stale local edit moves the state back: the server did not
    // touch `state` since base, yet it is a conflict and the merged hazard stays closed.
    let base = server.clone();
    let mut local = base.clone();
    local.state = HazardState::Rectifying;
    local.completed_on = None;
    local.description = "改了描述".into();
    let mut server = base.clone();
    server_meta(&mut server, 12);
    let (merged, conflicts, closed) = merge_records(&base, &local, &server).unwrap();
    assert_eq!(merged.state, HazardState::Closed);
    assert_eq!(merged.completed_on, Some(d("2025-04-10")));
    assert_eq!(merged.description, "改了描述");
    assert!(!closed, "closed before base: not closed *meanwhile*");
    let ps: Vec<_> = conflicts.iter().map(|c| c.path.join(".")).collect();
    assert_eq!(ps, ["completed_on", "state"]);
    assert_eq!(conflicts[1].local, Some(json!("rectifying")));
}

#[test]
fn meta_is_the_servers_and_deletes_are_never_silent() {
    let base = json!({"meta": {"rev": 5, "deleted": false, "dirty": false}, "remark": "a"});
    let local = json!({"meta": {"rev": 5, "deleted": false, "dirty": true}, "remark": "b"});
    let server =
        json!({"meta": {"rev": 9, "deleted": false, "dirty": false}, "name": "x", "remark": "a"});
    let o = merge(&base, &local, &server);
    assert!(o.is_clean());
    assert_eq!(o.merged["meta"], server["meta"]);
    assert_eq!(o.merged["remark"], "b");

    // Deleted offline, untouched online: the delete wins, on the server's meta.
    let local_del = json!({"meta": {"rev": 5, "deleted": true, "dirty": true}, "remark": "a"});
    let server_meta_only = json!({"meta": {"rev": 9, "deleted": false}, "remark": "a"});
    let o = merge(&base, &local_del, &server_meta_only);
    assert!(o.is_clean());
    assert_eq!(o.merged["meta"], json!({"rev": 9, "deleted": true}));

    // Deleted offline, edited online: a conflict at meta.deleted, kept alive for now.
    let o = merge(&base, &local_del, &server);
    assert_eq!(paths(&o), ["meta.deleted"]);
    assert_eq!(o.merged["meta"]["deleted"], false);
    assert_eq!(o.conflicts[0].label(), "删除状态");
    let restored = resolve(&o, &[(p("meta.deleted"), Choice::Local)]);
    assert_eq!(restored["meta"]["deleted"], true);

    // Deleted online, edited offline: a conflict too (pouchdb#6666), deleted for now.
    let server_del = json!({"meta": {"rev": 9, "deleted": true}, "remark": "a"});
    let o = merge(&base, &local, &server_del);
    assert_eq!(paths(&o), ["meta.deleted"]);
    assert_eq!(o.merged["meta"]["deleted"], true);
    assert_eq!(
        o.merged["remark"], "b",
        "the local edit is kept in the record"
    );
}

#[test]
fn resolve_applies_choices_per_field() {
    let base = json!({"description": "a", "remark": "r", "rectification": {"measures": "m", "funds": null}});
    let local = json!({"description": "L", "remark": "rl", "rectification": {"measures": "mL", "funds": 1}});
    let server = json!({"description": "S", "remark": "rs", "rectification": {"measures": "mS", "funds": 2}});
    let o = merge(&base, &local, &server);
    assert_eq!(
        paths(&o),
        [
            "description",
            "rectification.funds",
            "rectification.measures",
            "remark"
        ]
    );
    let v = resolve(
        &o,
        &[
            (p("description"), Choice::Local),
            (p("rectification.measures"), Choice::Base),
            (p("remark"), Choice::Server),
            (p("not.a.conflict"), Choice::Local),
        ],
    );
    assert_eq!(
        v,
        json!({"description": "L", "remark": "rs", "rectification": {"measures": "m", "funds": 2}})
    );
    // No choice: the provisional server values.
    assert_eq!(resolve(&o, &[]), server);

    // Choosing an absent side removes the field.
    let o = merge(&json!({"a": 1}), &json!({}), &json!({"a": 2}));
    assert_eq!(paths(&o), ["a"]);
    assert_eq!(resolve(&o, &[(p("a"), Choice::Local)]), json!({}));
}

#[test]
fn removed_and_added_keys() {
    let base = json!({"a": 1, "b": 2, "c": {"x": 1}});
    let local = json!({"b": 2, "c": {"x": 1, "y": 2}, "d": 4});
    let server = json!({"a": 1, "b": 3, "c": {"x": 5}});
    let o = merge(&base, &local, &server);
    assert!(o.is_clean());
    assert_eq!(o.merged, json!({"b": 3, "c": {"x": 5, "y": 2}, "d": 4}));
    // Removed on one side, changed on the other: conflict, server's value for now.
    let o = merge(&json!({"a": 1}), &json!({}), &json!({"a": 2}));
    assert_eq!(o.merged, json!({"a": 2}));
    assert_eq!(o.conflicts[0].local, None);
}

#[test]
fn basis_and_enum_variants_are_never_glued_together() {
    let base = hazard();
    let mut local = base.clone();
    local.basis = Basis::Catalogue {
        item_id: "art5.7".into(),
        citation: "第五条（七）".into(),
    };
    let mut server = base.clone();
    server.basis = Basis::FreeText("GB 30078-2013 第6.1条".into());
    let (merged, conflicts, _) = merge_records(&base, &local, &server).unwrap();
    assert_eq!(merged.basis, server.basis);
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].path, p("basis"));
    assert_eq!(conflicts[0].label(), "判定依据");

    // Generic externally tagged enum, not in the atomic list.
    let o = merge(
        &json!({"v": {"a": 1}}),
        &json!({"v": {"b": 1}}),
        &json!({"v": {"a": 2}}),
    );
    assert_eq!(paths(&o), ["v"]);
    assert_eq!(o.merged, json!({"v": {"a": 2}}));
}

#[test]
fn non_object_roots_are_leaves() {
    let o = merge(&json!(1), &json!(2), &json!(3));
    assert_eq!(o.merged, json!(3));
    assert_eq!(o.conflicts[0].path, Vec::<String>::new());
    assert_eq!(resolve(&o, &[(vec![], Choice::Local)]), json!(2));
    assert!(merge(&json!(1), &json!(2), &json!(1)).is_clean());
}

#[test]
fn labels() {
    assert_eq!(field_label(&p("description")), "隐患描述");
    assert_eq!(field_label(&p("evidence_text")), "现场证据说明");
    assert_eq!(field_label(&p("basis")), "判定依据");
    assert_eq!(field_label(&p("kind")), "隐患类型");
    assert_eq!(field_label(&p("remark")), "备注");
    assert_eq!(
        field_label(&p("rectification.responsible_person")),
        "整改责任人"
    );
    assert_eq!(field_label(&p("rectification.measures")), "整改措施");
    assert_eq!(field_label(&p("rectification.deadline")), "整改时限");
    assert_eq!(field_label(&p("rectification.funds")), "整改资金");
    assert_eq!(field_label(&p("name")), "企业名称");
    assert_eq!(field_label(&p("foo.bar")), "foo.bar");
    assert_eq!(field_label(&[]), "");
    assert_eq!(field_label_for("inspection", &p("date")), "检查时间");
    assert_eq!(field_label_for("penalty", &p("date")), "处罚日期");
    assert_eq!(field_label_for("hazard", &p("description")), "隐患描述");
    assert_eq!(Choice::Local.label(), "本机版本");
}

#[test]
fn outcome_survives_storage() {
    let o = merge(&json!({"a": 1}), &json!({"a": 2}), &json!({"a": 3}));
    let back: MergeOutcome = serde_json::from_str(&serde_json::to_string(&o).unwrap()).unwrap();
    assert_eq!(back, o);
}

fn answer(item: &str, verdict: &str, note: &str) -> Value {
    json!({"item_id": item, "verdict": verdict, "hazard_id": null, "note": note})
}

#[test]
fn two_inspectors_answering_different_items_offline_both_keep_theirs() {
    let base = json!({"answers": [answer("a1", "conforming", "")]});
    let local =
        json!({"answers": [answer("a1", "conforming", ""), answer("b2", "non_conforming", "")]});
    let server =
        json!({"answers": [answer("a1", "conforming", ""), answer("c3", "not_applicable", "")]});
    let o = merge(&base, &local, &server);
    assert!(o.is_clean(), "{:?}", o.conflicts);
    assert_eq!(
        o.merged["answers"],
        json!([
            answer("a1", "conforming", ""),
            answer("c3", "not_applicable", ""),
            answer("b2", "non_conforming", "")
        ])
    );
}

#[test]
fn one_answer_changed_on_both_sides_merges_by_field_and_conflicts_only_on_the_same_field() {
    let base = json!({"answers": [answer("a1", "conforming", ""), answer("b2", "conforming", "")]});
    let local = json!({"answers": [answer("a1", "non_conforming", "本机"), answer("b2", "conforming", "")]});
    let server =
        json!({"answers": [answer("a1", "not_applicable", ""), answer("b2", "conforming", "x")]});
    let o = merge(&base, &local, &server);
    assert_eq!(paths(&o), ["answers.a1.verdict"]);
    // Different fields of the same answer, and another answer, merged.
    assert_eq!(o.merged["answers"][0]["note"], "本机");
    assert_eq!(o.merged["answers"][1]["note"], "x");
    // Choosing this device's verdict writes it into that answer, found by its item_id.
    let chosen = resolve(&o, &[(p("answers.a1.verdict"), Choice::Local)]);
    assert_eq!(
        chosen["answers"],
        json!([
            answer("a1", "non_conforming", "本机"),
            answer("b2", "conforming", "x")
        ])
    );
}

#[test]
fn an_answer_removed_on_one_side_and_edited_on_the_other_is_a_whole_item_conflict() {
    let base = json!({"answers": [answer("a1", "conforming", ""), answer("b2", "conforming", "")]});
    let local = json!({"answers": [answer("b2", "conforming", "")]});
    let server =
        json!({"answers": [answer("a1", "non_conforming", ""), answer("b2", "conforming", "")]});
    let o = merge(&base, &local, &server);
    assert_eq!(paths(&o), ["answers.a1"]);
    assert_eq!(o.conflicts[0].local, None);
    let removed = resolve(&o, &[(p("answers.a1"), Choice::Local)]);
    assert_eq!(removed["answers"], json!([answer("b2", "conforming", "")]));
    let kept = resolve(&o, &[(p("answers.a1"), Choice::Server)]);
    assert_eq!(kept["answers"].as_array().unwrap().len(), 2);
}

#[test]
fn typed_inspections_merge_answers_from_two_devices() {
    let base = inspection();
    let items: Vec<String> = crate::catalogue::catalogue()
        .all_items()
        .iter()
        .take(2)
        .map(|i| i.id.clone())
        .collect();
    let mut local = base.clone();
    local
        .set_answer(&items[0], crate::inspection::Verdict::Conforming)
        .unwrap();
    let mut server = base.clone();
    server
        .set_answer(&items[1], crate::inspection::Verdict::NonConforming)
        .unwrap();
    let (merged, conflicts, _) = merge_records(&base, &local, &server).unwrap();
    assert!(conflicts.is_empty());
    assert_eq!(merged.answers.len(), 2);
    assert!(merged.answer_for(&items[0]).is_some() && merged.answer_for(&items[1]).is_some());
}

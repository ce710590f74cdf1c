use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::date::Date;
use crate::enterprise::tests::enterprise;
use crate::enterprise::{Industry, RiskTag};
use crate::hazard::{Basis, HazardKind};
use crate::ids::new_record_id;
use crate::inspection::tests::inspection;
use crate::penalty::tests::penalty;

fn hazard() -> Hazard {
    let i = inspection();
    let meta = RecordMeta::new(new_record_id(10, [9; 10]), 10, "dev", "张三");
    let mut h = Hazard::new(meta, &i, 1);
    h.description = "铸造平台液位报警器未接入联锁".into();
    h.basis = Basis::FreeText("GB 30078".into());
    h.evidence_text = "现场查看".into();
    h
}

/// One valid body of every kind.
fn valid_bodies() -> Vec<(&'static str, Value)> {
    vec![
        (
            "enterprise",
            serde_json::to_value(enterprise(Industry::Metallurgy, &[RiskTag::Steel])).unwrap(),
        ),
        ("inspection", serde_json::to_value(inspection()).unwrap()),
        ("hazard", serde_json::to_value(hazard()).unwrap()),
        ("penalty", serde_json::to_value(penalty()).unwrap()),
    ]
}

fn refused(kind: &str, body: &Value) -> Refusal {
    accept(kind, body, false).expect_err("must be refused")
}

#[test]
fn valid_bodies_are_stored_as_the_model_writes_them() {
    for (kind, body) in valid_bodies() {
        let a = accept(kind, &body, false).unwrap_or_else(|r| panic!("{kind}: {r:?}"));
        assert_eq!(a.record.kind(), kind);
        assert_eq!(
            a.body, body,
            "{kind}: a body the model wrote is stored unchanged"
        );
    }
}

#[test]
fn foreign_fields_are_dropped() {
    let (_, mut body) = valid_bodies().remove(2);
    body["evil"] = json!({"script": "<img onerror=alert(1)>"});
    body["meta"]["extra"] = json!(1);
    let a = accept("hazard", &body, false).unwrap();
    assert!(a.body.get("evil").is_none());
    assert!(a.body["meta"].get("extra").is_none());
}

#[test]
fn an_unknown_kind_is_refused_by_name() {
    let r = refused("catastrophic", &json!({"meta": {}}));
    assert_eq!(r.code, "unknown_kind");
    assert!(r.message.contains("catastrophic") && r.message.contains("更新应用"));
}

#[test]
fn shape_errors_name_the_field_in_chinese() {
    let h = || valid_bodies().remove(2).1;
    let cases: Vec<(Value, &str)> = vec![
        (
            {
                let mut b = h();
                b["seq"] = json!("1");
                b
            },
            "序号",
        ),
        (
            {
                let mut b = h();
                b.as_object_mut().unwrap().remove("meta");
                b
            },
            "缺少",
        ),
        (
            {
                let mut b = h();
                b["state"] = json!("exploded");
                b
            },
            "整改状态",
        ),
        (
            {
                let mut b = h();
                b["found_on"] = json!("2025-02-30");
                b
            },
            "发现日期",
        ),
        (
            {
                let mut b = h();
                b["kind"] = json!(7);
                b
            },
            "隐患类型",
        ),
        (
            {
                let mut b = h();
                b["rectification"]["deadline"] = json!("明天");
                b
            },
            "整改时限",
        ),
    ];
    for (body, needle) in cases {
        let r = refused("hazard", &body);
        assert_eq!(r.code, "invalid_record");
        assert!(r.message.contains(needle), "{needle}: {}", r.message);
    }
    let mut e = valid_bodies().remove(0).1;
    e["industry"] = json!("mining");
    let r = refused("enterprise", &e);
    assert!(
        r.message.contains("行业类别") && r.message.contains("mining"),
        "{}",
        r.message
    );
}

#[test]
fn validation_errors_refuse_and_warnings_pass() {
    let mut h = hazard();
    h.description = "  ".into();
    assert!(refused("hazard", &serde_json::to_value(&h).unwrap())
        .message
        .contains("隐患描述"));
    let mut h = hazard();
    h.seq = 0;
    assert!(refused("hazard", &serde_json::to_value(&h).unwrap())
        .message
        .contains("序号"));
    let mut h = hazard();
    h.found_on = Date::parse("1900-01-01").unwrap();
    assert!(refused("hazard", &serde_json::to_value(&h).unwrap())
        .message
        .contains("1900-01-01"));
    let mut h = hazard();
    h.description = "长".repeat(40_000);
    assert!(refused("hazard", &serde_json::to_value(&h).unwrap())
        .message
        .contains("过长"));

    let mut e = enterprise(Industry::Metallurgy, &[]);
    e.credit_code = Some("914403001922038217".into());
    let r = refused("enterprise", &serde_json::to_value(&e).unwrap());
    assert!(r.message.contains("统一社会信用代码") && r.message.contains("校验码"));
    e.credit_code_confirmed = true;
    let a = accept("enterprise", &serde_json::to_value(&e).unwrap(), false).unwrap();
    assert_eq!(a.warnings[0].field, "credit_code");

    let mut h = hazard();
    h.kind = HazardKind::Major;
    let a = accept("hazard", &serde_json::to_value(&h).unwrap(), false).unwrap();
    assert!(a.warnings.iter().any(|w| w.field == "supervising_unit"));
}

#[test]
fn a_tombstone_may_be_an_unfinished_draft_but_not_oversized() {
    let mut h = hazard();
    h.description = String::new();
    let body = serde_json::to_value(&h).unwrap();
    let a = accept("hazard", &body, true).unwrap();
    assert!(
        a.record.meta().deleted,
        "the change's flag is what is stored"
    );
    h.description = "长".repeat(40_000);
    let r = accept("hazard", &serde_json::to_value(&h).unwrap(), true).unwrap_err();
    assert!(r.message.contains("过长"));
}

#[test]
fn a_body_as_the_first_release_wrote_it_is_upgraded() {
    // Today's release writes no meta.schema.
    for (kind, mut body) in valid_bodies() {
        body["meta"].as_object_mut().unwrap().remove("schema");
        let a = accept(kind, &body, false).unwrap();
        assert_eq!(a.body["meta"]["schema"], json!(SCHEMA), "{kind}");
        assert_eq!(a.record.meta().schema, SCHEMA);
    }
    // An enterprise of the first release has no credit_code_confirmed either.
    let mut e = valid_bodies().remove(0).1;
    e.as_object_mut().unwrap().remove("credit_code_confirmed");
    assert!(accept("enterprise", &e, false).is_ok());
}

#[test]
fn a_newer_schema_asks_for_an_update() {
    for (kind, mut body) in valid_bodies() {
        body["meta"]["schema"] = json!(SCHEMA + 1);
        let r = refused(kind, &body);
        assert_eq!(r.code, "newer_schema");
        assert!(r.message.contains("请更新应用后再同步"), "{}", r.message);
    }
    let mut body = valid_bodies().remove(1).1;
    body["meta"]["schema"] = json!("two");
    assert_eq!(refused("inspection", &body).code, "invalid_record");
}

#[test]
fn kinds_apply_references_first() {
    let mut kinds = vec!["penalty", "hazard", "zzz", "inspection", "enterprise"];
    kinds.sort_by_key(|k| apply_order(k));
    assert_eq!(
        kinds,
        ["enterprise", "inspection", "hazard", "penalty", "zzz"]
    );
}

/// Mutations of a valid body: a field removed, replaced by a value of another type, a long
/// string, or a nested value replaced.
fn mutated(body: &Value, path_pick: usize, what: u8, text_len: usize) -> Value {
    let mut b = body.clone();
    let obj = b.as_object_mut().unwrap();
    let keys: Vec<String> = obj.keys().cloned().collect();
    let key = &keys[path_pick % keys.len()];
    let replacement = match what % 8 {
        0 => None,
        1 => Some(json!(null)),
        2 => Some(json!("x".repeat(text_len))),
        3 => Some(json!(-1)),
        4 => Some(json!(1e300)),
        5 => Some(json!([1, "a", null])),
        6 => Some(json!({"a": {"b": []}})),
        _ => Some(json!(true)),
    };
    match replacement {
        None => {
            obj.remove(key);
        }
        Some(v) => {
            obj.insert(key.clone(), v);
        }
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Whatever arrives, accept never panics, and what it accepts re-reads as the same record
    /// and is accepted again unchanged (what is stored round-trips through the model).
    #[test]
    fn accepted_bodies_round_trip(
        kind_pick in 0usize..4,
        path_pick in 0usize..64,
        what in 0u8..8,
        text_len in 0usize..3000,
        deleted in any::<bool>(),
    ) {
        let (kind, body) = valid_bodies().remove(kind_pick);
        let body = mutated(&body, path_pick, what, text_len);
        if let Ok(a) = accept(kind, &body, deleted) {
            let again = accept(kind, &a.body, deleted).expect("a stored body is accepted again");
            prop_assert_eq!(&again.body, &a.body);
            prop_assert_eq!(parse(kind, &a.body).unwrap(), a.record);
        }
    }

    /// Arbitrary JSON never panics the parser.
    #[test]
    fn arbitrary_json_never_panics(s in ".{0,200}", kind_pick in 0usize..5) {
        let kind = ["enterprise", "inspection", "hazard", "penalty", "other"][kind_pick];
        if let Ok(v) = serde_json::from_str::<Value>(&s) {
            let _ = accept(kind, &v, false);
        }
        let _ = accept(kind, &json!({"meta": s}), false);
    }
}

//! `yinhuan-server check` ([`yinhuan_server::check::check`]) on a test app's database: one good
//! record and two bad ones stored straight by SQL (as an old client or a hand edit left them).

use model::enterprise::Enterprise;
use model::record::RecordMeta;
use serde_json::json;

use yinhuan_server::check::check;
use yinhuan_server::Backend;

use crate::helpers::{new_id, spawn_app_on, XINFU};

/// An enterprise as the PWA writes it (JSON, so fields added later keep their defaults).
fn enterprise(name: &str) -> Enterprise {
    serde_json::from_value(json!({
        "meta": RecordMeta::new(new_id(), 1_736_000_000_000, "dev-test", "tester"),
        "name": name, "credit_code": null, "county": XINFU, "zone": null,
        "industry": "metallurgy", "tags": [], "scale": "above_designated", "leader": "王五"
    }))
    .expect("a minimal enterprise")
}

async fn check_lists_the_records_the_model_refuses(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let empty = check(&app.state.db).await.unwrap();
    assert_eq!((empty.checked, empty.is_clean()), (0, true));
    assert!(
        empty.summary().contains("共检查 0 条记录"),
        "{}",
        empty.summary()
    );

    let good = enterprise("忻州市甲钢铁有限公司");
    app.store_raw(
        "enterprise",
        good.meta.id,
        &serde_json::to_string(&good).unwrap(),
        Some(XINFU),
    )
    .await;
    let clean = check(&app.state.db).await.unwrap();
    assert_eq!(clean.checked, 1);
    assert!(clean.is_clean(), "{:?}", clean.findings);

    // Parses, but a required 企业名称 is blank: the form's own check refuses it.
    let blank = enterprise(" ");
    app.store_raw(
        "enterprise",
        blank.meta.id,
        &serde_json::to_string(&blank).unwrap(),
        Some(XINFU),
    )
    .await;
    // Does not parse: `seq` is no number.
    let broken = new_id();
    let body = json!({"meta": {"id": broken}, "seq": "x"}).to_string();
    app.store_raw("hazard", broken, &body, None).await;

    let report = check(&app.state.db).await.unwrap();
    assert_eq!(report.checked, 3);
    assert!(!report.is_clean());
    let found: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.id.as_str(), f.kind.as_str()))
        .collect();
    let (blank_id, broken_id) = (blank.meta.id.to_string(), broken.to_string());
    assert_eq!(
        found,
        [
            (blank_id.as_str(), "enterprise"),
            (broken_id.as_str(), "hazard")
        ]
    );
    for f in &report.findings {
        assert_eq!(f.code, "invalid_record", "{f:?}");
        assert!(
            f.reason
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "a Chinese reason: {f:?}"
        );
    }
    let lines: Vec<String> = report.findings.iter().map(|f| f.line()).collect();
    assert!(
        lines[0].starts_with(&format!("{blank_id}\t企业\t忻府区（140902）\t")),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with(&format!("{broken_id}\t隐患\t未知县\t")),
        "{}",
        lines[1]
    );
    assert!(
        report
            .summary()
            .starts_with("共检查 3 条记录，其中 2 条有问题"),
        "{}",
        report.summary()
    );
}

crate::both_backends!(check_lists_the_records_the_model_refuses);

//! A push is one transaction with a savepoint per change: refused changes in the middle or at
//! the end of a request leave no gap in the revs, write nothing, and the committed
//! `change_seq` is the last rev stored.

use model::sync::Role;
use yinhuan_server::Backend;

use crate::helpers::{enterprise_change, hazard_change, new_id, spawn_app_on, XINFU};

fn applied_rev(outcome: &serde_json::Value) -> i64 {
    assert_eq!(outcome["status"], "applied", "{outcome}");
    outcome["rev"].as_i64().unwrap()
}

async fn refusals_inside_one_push_are_rolled_back_alone(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let known = new_id();
    assert_eq!(
        applied_rev(
            &app.push(&token, vec![enterprise_change(known, XINFU, 0, "甲钢铁")])
                .await[0]
        ),
        1
    );

    // new, conflict (stale base), new, and a hazard of an unknown inspection (applied last:
    // references first, so its number is taken after the others and must be given back).
    let outcomes = app
        .push(
            &token,
            vec![
                enterprise_change(new_id(), XINFU, 0, "乙钢铁"),
                enterprise_change(known, XINFU, 0, "甲钢铁（改）"),
                hazard_change(new_id(), new_id(), 0, "孤儿", "open", &[]),
                enterprise_change(new_id(), XINFU, 0, "丙钢铁"),
            ],
        )
        .await;

    assert_eq!(applied_rev(&outcomes[0]), 2);
    assert_eq!(outcomes[1]["status"], "conflict", "{}", outcomes[1]);
    assert_eq!(outcomes[1]["server_rev"], 1);
    assert_eq!(outcomes[2]["code"], "unknown_inspection", "{}", outcomes[2]);
    assert_eq!(applied_rev(&outcomes[3]), 3);
    assert_eq!(app.count("SELECT value FROM change_seq").await, 3);
    assert_eq!(app.count("SELECT COUNT(*) FROM records").await, 3);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE record_id IS NOT NULL")
            .await,
        3
    );
    // The refused edit left the stored version as it was.
    let all = app.pull_all(&token).await;
    let revs: Vec<i64> = all.iter().map(|c| c["rev"].as_i64().unwrap()).collect();
    assert_eq!(revs, vec![1, 2, 3]);
    assert_eq!(all[0]["body"]["name"], "甲钢铁");

    // A push refused whole changes nothing; the next stored change takes the next number.
    let refused = app
        .push(
            &token,
            vec![enterprise_change(known, XINFU, 0, "甲钢铁（又改）")],
        )
        .await;
    assert_eq!(refused[0]["status"], "conflict", "{}", refused[0]);
    assert_eq!(app.count("SELECT value FROM change_seq").await, 3);
    let next = app
        .push(
            &token,
            vec![enterprise_change(known, XINFU, 1, "甲钢铁（改）")],
        )
        .await;
    assert_eq!(applied_rev(&next[0]), 4);
    assert_eq!(app.count("SELECT value FROM change_seq").await, 4);
}

crate::both_backends!(refusals_inside_one_push_are_rolled_back_alone);

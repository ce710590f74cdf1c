//! A push is one transaction with a savepoint per change: refused changes in the middle or at
//! the end of a request leave no gap in the revs, write nothing, and the committed
//! `change_seq` is the last rev stored.

use model::sync::Role;
use yinhuan_server::Backend;

use crate::helpers::{
    body_json, enterprise_change, hazard_change, inspection_for, new_id, spawn_app_on, XINFU,
};

/// The audit lines of stored changes (logins and other events have no record id).
async fn record_audit_rows(app: &crate::helpers::TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM audit_log WHERE record_id IS NOT NULL")
        .await
}

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
    assert_eq!(record_audit_rows(&app).await, 3);
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

/// A photo whose reference the database refuses to store (a trigger standing in for any
/// database failure in the middle of a change's writes).
const BROKEN_PHOTO: &str = "abababababababababababababababababababababababababababababababab";

/// The failure in the middle of a change's writes: its second statement (the photo reference,
/// after the record), inside the change's savepoint.
async fn a_database_failure_keeps_the_changes_stored_before_it(backend: Backend) {
    let when = "NEW.sha256 = 'abababababababababababababababababababababababababababababababab'";
    database_failure_case(backend, "photo_refs", when, &[BROKEN_PHOTO]).await;
}

/// The failure at a change's first write, the record itself (a new hazard naming no photo).
async fn a_failing_record_write_keeps_the_changes_stored_before_it(backend: Backend) {
    database_failure_case(backend, "records", "NEW.kind = 'hazard'", &[]).await;
}

/// A push of two enterprises and a hazard whose write the database refuses (a trigger on
/// `table` firing `when`, standing in for any database failure): what was stored before the
/// failure is committed whole, the hazard leaves nothing, and the same push once the database
/// is well stores the hazard next, without a gap.
async fn database_failure_case(backend: Backend, table: &str, when: &str, photos: &[&str]) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let trigger = match backend {
        Backend::Sqlite => vec![format!(
            "CREATE TRIGGER broken BEFORE INSERT ON {table} WHEN {when} \
             BEGIN SELECT RAISE(ABORT, 'broken'); END"
        )],
        Backend::Postgres => vec![
            format!(
                "CREATE FUNCTION broken() RETURNS trigger AS $$ BEGIN \
                 IF {when} THEN RAISE EXCEPTION 'broken'; END IF; RETURN NEW; END $$ \
                 LANGUAGE plpgsql"
            ),
            format!("CREATE TRIGGER broken BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION broken()"),
        ],
    };
    let token = app.user("demo", Role::City).await;
    let enterprise = new_id();
    let setup = app
        .push(
            &token,
            vec![
                enterprise_change(enterprise, XINFU, 0, "甲钢铁"),
                inspection_for(enterprise),
            ],
        )
        .await;
    assert_eq!(applied_rev(&setup[1]), 2);
    for sql in &trigger {
        app.execute(sql).await;
    }

    // The server applies references first: both enterprises are stored, then the hazard's
    // write fails.
    let (first, hazard, last) = (new_id(), new_id(), new_id());
    let changes = vec![
        enterprise_change(first, XINFU, 0, "乙钢铁"),
        hazard_change(hazard, enterprise, 0, "护栏缺失", "open", photos),
        enterprise_change(last, XINFU, 0, "丙钢铁"),
    ];
    let res = app
        .post_json(
            "/api/sync/push",
            Some(&token),
            serde_json::json!({"device_id": "dev-test", "changes": changes}),
        )
        .await;
    assert_eq!(res.status(), axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    let answer = body_json(res).await;
    assert!(
        answer["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{answer}"
    );

    // What came before the failure is committed whole: records, audit rows, change number.
    assert_eq!(app.count("SELECT COUNT(*) FROM records").await, 4);
    assert_eq!(app.count("SELECT value FROM change_seq").await, 4);
    assert_eq!(record_audit_rows(&app).await, 4);
    // The failing change left nothing behind.
    let hazard_rows = format!("SELECT COUNT(*) FROM records WHERE id = '{hazard}'");
    assert_eq!(app.count(&hazard_rows).await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM photo_refs").await, 0);

    // The device sends the same batch again once the database is well: the stored ones are
    // answered as before, the hazard is stored next, without a gap.
    app.execute(&match backend {
        Backend::Sqlite => "DROP TRIGGER broken".to_owned(),
        Backend::Postgres => format!("DROP TRIGGER broken ON {table}"),
    })
    .await;
    let again = app.push(&token, changes).await;
    assert_eq!(applied_rev(&again[0]), 3);
    assert_eq!(applied_rev(&again[2]), 4);
    assert_eq!(applied_rev(&again[1]), 5);
    assert_eq!(app.count("SELECT value FROM change_seq").await, 5);
    assert_eq!(app.count(&hazard_rows).await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM photo_refs").await,
        photos.len() as i64
    );
    assert_eq!(record_audit_rows(&app).await, 5);
}

crate::both_backends!(
    refusals_inside_one_push_are_rolled_back_alone,
    a_database_failure_keeps_the_changes_stored_before_it,
    a_failing_record_write_keeps_the_changes_stored_before_it
);

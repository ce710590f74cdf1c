//! `yinhuan-server db copy --to postgres://…`: a city filled through the API on SQLite, copied
//! to PostgreSQL, serves the same records at the same revs to the same tokens and goes on
//! numbering where it stopped. Needs a PostgreSQL server (skipped without one unless
//! `REQUIRE_POSTGRES` is set, as the other PostgreSQL tests).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use model::date::Date;
use model::office::WeeklyNote;
use model::record::Record;
use model::sync::Role;
use serde_json::{json, Value};
use yinhuan_server::auth::sha256_hex;
use yinhuan_server::db_copy::{copy, CopyError};
use yinhuan_server::Db;

use crate::helpers::{
    enterprise_change, hazard_change, inspection_for, new_id, spawn_app, spawn_app_in, valid_jpeg,
    ScratchPostgres, TestApp, XINFU,
};

/// Every table the schema has today: the test compares them one by one on both sides.
const TABLES: [&str; 11] = [
    "meta",
    "change_seq",
    "users",
    "tokens",
    "records",
    "audit_log",
    "photo_refs",
    "photo_uploads",
    "devices",
    "login_failures",
    "_sqlx_migrations",
];

fn applied_rev(outcome: &Value) -> i64 {
    assert_eq!(outcome["status"], "applied", "{outcome}");
    outcome["rev"].as_i64().unwrap()
}

async fn count(db: &Db, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    yinhuan_server::with_pool!(db, pool =>
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await)
    .unwrap()
}

async fn counts(db: &Db) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for table in TABLES {
        out.push((table, count(db, table).await));
    }
    out
}

async fn scalar(db: &Db, sql: &'static str) -> i64 {
    yinhuan_server::with_pool!(db, pool => sqlx::query_scalar(sql).fetch_one(pool).await).unwrap()
}

/// A city on SQLite: two accounts, enterprises, an inspection, a hazard edited twice (a stale
/// third edit is a conflict), a tombstone, a 附件1 text row, a photo, a failed login.
async fn fill(app: &TestApp) -> (String, String) {
    let city = app.user("demo", Role::City).await;
    let county = app.user("xinfu_li", Role::County(XINFU.into())).await;
    let (e1, e2, h) = (new_id(), new_id(), new_id());
    let photo = valid_jpeg(7);
    let sha = sha256_hex(&photo);
    let req = Request::put(format!("/api/photos/{sha}"))
        .header("authorization", format!("Bearer {city}"))
        .header("content-type", "image/jpeg")
        .body(Body::from(photo))
        .unwrap();
    assert_eq!(app.request(req).await.status(), StatusCode::CREATED);

    let first = app
        .push(
            &city,
            vec![
                enterprise_change(e1, XINFU, 0, "甲钢铁"),
                enterprise_change(e2, XINFU, 0, "乙铸造"),
                inspection_for(e1),
                hazard_change(h, e1, 0, "护栏缺失", "open", &[&sha]),
            ],
        )
        .await;
    let revs: Vec<i64> = first.iter().map(applied_rev).collect();
    let r_hazard = revs[3];
    let r2 = applied_rev(
        &app.push(
            &county,
            vec![hazard_change(
                h,
                e1,
                r_hazard,
                "护栏缺失（东侧）",
                "open",
                &[&sha],
            )],
        )
        .await[0],
    );
    let stale = app
        .push(
            &city,
            vec![hazard_change(h, e1, r_hazard, "平台护栏", "open", &[&sha])],
        )
        .await;
    assert_eq!(stale[0]["status"], "conflict");
    assert_eq!(stale[0]["server_rev"], r2);
    let mut tombstone = enterprise_change(e2, XINFU, revs[1], "乙铸造");
    tombstone["deleted"] = json!(true);
    tombstone["body"]["meta"]["deleted"] = json!(true);
    applied_rev(&app.push(&city, vec![tombstone]).await[0]);
    let mut note = WeeklyNote::blank(
        &model::campaign::Campaign::xinzhou_2024().id,
        Some(XINFU),
        Date::parse("2025-03-14").unwrap(),
        1_741_900_000_000,
        "d1",
        "科员",
    );
    note.text.publicity = "忻府区电视台报道2次".into();
    let office = json!({
        "id": note.id(), "kind": WeeklyNote::KIND, "base_rev": 0, "deleted": false,
        "body": serde_json::to_value(&note).unwrap(),
    });
    applied_rev(&app.push(&county, vec![office]).await[0]);

    let res = app
        .post_json(
            "/api/login",
            None,
            json!({"username": "xinfu_li", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    (city, county)
}

async fn a_sqlite_city_moves_to_postgres_with_its_revs(pg: ScratchPostgres) {
    let source = spawn_app().await;
    let (city, county) = fill(&source).await;
    let all = source.pull_all(&city).await;
    let kinds: Vec<&str> = all.iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"weekly_note"), "{kinds:?}");
    assert!(all.iter().any(|c| c["deleted"] == true));
    let max_rev = all
        .iter()
        .map(|c| c["rev"].as_i64().unwrap())
        .max()
        .unwrap();
    let mid = all[all.len() / 2]["rev"].as_i64().unwrap();
    let tail = source.pull(&city, mid, 1000).await;
    let county_view = source.pull_all(&county).await;
    let before = counts(&source.state.db).await;
    let instance = source.state.db.instance_id().await.unwrap();
    let seq = scalar(&source.state.db, "SELECT value FROM change_seq").await;
    for (table, rows) in &before {
        assert!(*rows > 0, "{table} has rows to copy: {before:?}");
    }

    let copied = copy(&source.state.config, pg.url()).await.expect("copy");

    assert_eq!(copied.max_rev, max_rev);
    assert_eq!(copied.change_seq, seq);
    assert_eq!(copied.instance_id, instance);
    assert!(copied
        .sequences
        .iter()
        .any(|(column, _)| column == "audit_log.id"));
    let copied_tables: Vec<&str> = copied.tables.iter().map(|(t, _)| t.as_str()).collect();
    for (table, rows) in &before {
        if *table == "_sqlx_migrations" {
            assert!(
                !copied_tables.contains(table),
                "sqlx's own table is not copied"
            );
            continue;
        }
        let entry = copied.tables.iter().find(|(t, _)| t == table);
        assert_eq!(entry.map(|(_, n)| *n), Some(*rows), "{table}");
    }
    assert_eq!(copied.tables.len(), TABLES.len() - 1, "{copied_tables:?}");

    // A server on PostgreSQL: the same records at the same revs for the same tokens.
    let target = spawn_app_in(tempfile::tempdir().unwrap(), Some(pg.url().to_owned())).await;
    assert_eq!(target.state.db.backend(), yinhuan_server::Backend::Postgres);
    assert_eq!(counts(&target.state.db).await, before);
    assert_eq!(target.state.db.instance_id().await.unwrap(), instance);
    assert_eq!(target.pull_all(&city).await, all);
    let moved_tail = target.pull(&city, mid, 1000).await;
    assert_eq!(moved_tail["changes"], tail["changes"]);
    assert_eq!(moved_tail["cursor"], tail["cursor"]);
    assert_eq!(moved_tail["instance_id"], tail["instance_id"]);
    assert_eq!(target.pull_all(&county).await, county_view);
    let me = target.get_auth("/api/me", &county).await;
    assert_eq!(me.status(), StatusCode::OK);
    // The failed login moved too: four more and the fifth is locked, as on the old server.
    for _ in 0..4 {
        let res = target
            .post_json(
                "/api/login",
                None,
                json!({"username": "xinfu_li", "password": "wrong-password"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = target
        .post_json(
            "/api/login",
            None,
            json!({"username": "xinfu_li", "password": crate::helpers::PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);

    // The next write continues the sequence (and its audit row takes a fresh id).
    let audit_max = scalar(&target.state.db, "SELECT MAX(id) FROM audit_log").await;
    let next = target
        .push(&city, vec![enterprise_change(new_id(), XINFU, 0, "丙焦化")])
        .await;
    assert_eq!(applied_rev(&next[0]), max_rev + 1);
    assert!(scalar(&target.state.db, "SELECT MAX(id) FROM audit_log").await > audit_max);

    // A second copy into the now non-empty database is refused and changes nothing.
    let after = counts(&target.state.db).await;
    let seq_after = scalar(&target.state.db, "SELECT value FROM change_seq").await;
    let again = copy(&source.state.config, pg.url()).await;
    match again {
        Err(CopyError::TargetNotEmpty(what)) => {
            assert!(what.contains("个账号"), "{what}");
            let message = CopyError::TargetNotEmpty(what).to_string();
            assert!(message.contains("createdb"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(counts(&target.state.db).await, after);
    assert_eq!(
        scalar(&target.state.db, "SELECT value FROM change_seq").await,
        seq_after
    );
    assert_eq!(target.state.db.instance_id().await.unwrap(), instance);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_city_moves_to_postgres_with_revs_tokens_and_counters() {
    let Some(pg) = ScratchPostgres::create().await else {
        return;
    };
    a_sqlite_city_moves_to_postgres_with_its_revs(pg).await;
}

/// A table in the source that the target's schema lacks (a newer server's, a hand-made one)
/// stops the copy before anything is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_table_the_target_lacks_stops_the_copy() {
    let Some(pg) = ScratchPostgres::create().await else {
        return;
    };
    let source = spawn_app().await;
    source.user("demo", Role::City).await;
    source
        .execute("CREATE TABLE future_things (id INTEGER PRIMARY KEY, note TEXT)")
        .await;

    let result = copy(&source.state.config, pg.url()).await;

    match result {
        Err(CopyError::MissingTable(table)) => assert_eq!(table, "future_things"),
        other => panic!("expected MissingTable, got {other:?}"),
    }
    let target = spawn_app_in(tempfile::tempdir().unwrap(), Some(pg.url().to_owned())).await;
    assert_eq!(count(&target.state.db, "users").await, 0);
    assert_eq!(count(&target.state.db, "records").await, 0);
}

/// A wrong `--data` must not copy an empty database that `open` would have created.
#[tokio::test]
async fn a_missing_source_is_an_error_not_an_empty_copy() {
    let dir = tempfile::tempdir().unwrap();
    let config = yinhuan_server::Config::new(dir.path(), dir.path().join("nowhere"));
    let result = copy(&config, "postgres://postgres@127.0.0.1:5432/unused").await;
    match result {
        Err(e @ CopyError::SourceMissing(_)) => assert!(e.to_string().contains("--data")),
        other => panic!("expected SourceMissing, got {other:?}"),
    }
    assert!(!dir.path().join("nowhere").exists());
}

use yinhuan_server::db::NEXT_CHANGE_SEQ;
use yinhuan_server::{with_pool, Backend, Config, Db};

use crate::helpers::spawn_app_on;

async fn migrations_are_idempotent(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let first_id = app.state.db.instance_id().await.unwrap();

    // A restart opens and migrates the same database again.
    let again = app.reopen().await;
    again
        .db
        .migrate()
        .await
        .expect("migrating twice is a no-op");

    assert_eq!(again.db.backend(), backend);
    assert_eq!(again.db.instance_id().await.unwrap(), first_id);
    let applied: i64 = with_pool!(&again.db, pool =>
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(pool).await)
    .unwrap();
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .unwrap()
        .count();
    assert_eq!(applied as usize, files);
    again.db.close().await;
}

#[tokio::test]
async fn migrations_are_idempotent_on_sqlite() {
    migrations_are_idempotent(Backend::Sqlite).await;
}

#[tokio::test]
async fn migrations_are_idempotent_on_postgres() {
    migrations_are_idempotent(Backend::Postgres).await;
}

#[tokio::test]
async fn the_default_database_is_a_wal_sqlite_file_in_a_new_data_dir() {
    let root = tempfile::tempdir().unwrap();
    let data_dir = root.path().join("not/yet/there");
    let config = Config::new(root.path().join("dist"), &data_dir);

    let db = Db::open(&config).await.expect("open");

    assert!(data_dir.join("yinhuan.db").is_file());
    let Db::Sqlite(pool) = &db else {
        panic!("expected SQLite")
    };
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .unwrap();
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(foreign_keys, 1);
    db.close().await;
}

#[tokio::test]
async fn an_unsupported_database_url_is_refused_with_a_chinese_message() {
    let root = tempfile::tempdir().unwrap();
    let mut config = Config::new(root.path(), root.path());
    config.database_url = Some("mysql://localhost/x".into());

    let err = Db::open(&config).await.unwrap_err();

    assert!(err.to_string().contains("不支持的 DATABASE_URL"), "{err}");
}

/// The same SQL text (upsert, `$n` placeholders, booleans, BIGINT) runs on both backends.
async fn records_upsert_round_trips(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let upsert = "INSERT INTO records (id, kind, rev, body, deleted, updated_at) \
                  VALUES ($1, $2, $3, $4, $5, $6) \
                  ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, rev = excluded.rev, \
                  body = excluded.body, deleted = excluded.deleted, updated_at = excluded.updated_at";
    let select = "SELECT kind, rev, body, deleted, updated_at FROM records WHERE id = $1";
    let id = uuid::Uuid::now_v7().to_string();

    let row: (String, i64, String, bool, i64) = with_pool!(&app.state.db, pool => {
        for (rev, deleted) in [(1_i64, false), (2, true)] {
            sqlx::query(upsert)
                .bind(&id)
                .bind("hazard")
                .bind(rev)
                .bind(r#"{"描述":"平台护栏缺失"}"#)
                .bind(deleted)
                .bind(1_733_000_000_000_i64 + rev)
                .execute(pool)
                .await
                .unwrap();
        }
        sqlx::query_as(select).bind(&id).fetch_one(pool).await.unwrap()
    });

    assert_eq!(
        row,
        (
            "hazard".to_owned(),
            2,
            r#"{"描述":"平台护栏缺失"}"#.to_owned(),
            true,
            1_733_000_000_002
        )
    );
}

#[tokio::test]
async fn records_upsert_round_trips_on_sqlite() {
    records_upsert_round_trips(Backend::Sqlite).await;
}

#[tokio::test]
async fn records_upsert_round_trips_on_postgres() {
    records_upsert_round_trips(Backend::Postgres).await;
}

/// Many concurrent write transactions each take a change number first; none fails with a busy
/// error, numbers are unique and dense, so they were handed out one writer at a time.
async fn change_numbers_are_unique_under_concurrent_writers(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    const WRITERS: i64 = 24;

    let tasks: Vec<_> = (0..WRITERS)
        .map(|i| {
            let db = app.state.db.clone();
            tokio::spawn(async move {
                with_pool!(&db, pool => {
                    let mut tx = pool.begin().await?;
                    let seq: i64 = sqlx::query_scalar(NEXT_CHANGE_SEQ).fetch_one(&mut *tx).await?;
                    // Hold the lock across an await, as a real push does while it reads the record.
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                    sqlx::query(
                        "INSERT INTO records (id, kind, rev, body, deleted, updated_at) \
                         VALUES ($1, 'probe', $2, '{}', FALSE, 0)",
                    )
                    .bind(format!("probe-{i}"))
                    .bind(seq)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok::<i64, sqlx::Error>(seq)
                })
            })
        })
        .collect();
    let mut seqs = Vec::new();
    for task in tasks {
        seqs.push(task.await.unwrap().expect("write transaction"));
    }

    seqs.sort_unstable();
    assert_eq!(seqs, (1..=WRITERS).collect::<Vec<_>>());
}

#[tokio::test]
async fn change_numbers_are_unique_under_concurrent_writers_on_sqlite() {
    change_numbers_are_unique_under_concurrent_writers(Backend::Sqlite).await;
}

#[tokio::test]
async fn change_numbers_are_unique_under_concurrent_writers_on_postgres() {
    change_numbers_are_unique_under_concurrent_writers(Backend::Postgres).await;
}

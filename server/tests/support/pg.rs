//! A uniquely named database on the test PostgreSQL server, dropped when the value is (even by
//! panic). Shared by the API tests (`tests/api/helpers.rs`) and the scale-out end to end
//! (`tests/scale_out.rs`) through `#[path]`: they are separate test binaries.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};

pub struct PgTestDatabase {
    admin: PgConnectOptions,
    name: String,
    pub url: String,
}

impl PgTestDatabase {
    /// A new database named `<prefix>_<uuid>`, or `None` (after saying so) when no server is
    /// reachable. With `REQUIRE_POSTGRES` set, an unreachable server fails the test instead.
    pub async fn create(prefix: &str) -> Option<Self> {
        let Some(admin) = reachable_admin().await else {
            if std::env::var_os("REQUIRE_POSTGRES").is_some() {
                panic!("REQUIRE_POSTGRES is set but no PostgreSQL server is reachable (TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test)");
            }
            eprintln!("######## PostgreSQL not reachable: SKIPPING this PostgreSQL test (scripts/ensure-postgres starts one; set REQUIRE_POSTGRES=1 to make this an error) ########");
            return None;
        };
        let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
        let mut conn = admin.connect().await.expect("admin connection");
        sqlx::raw_sql(AssertSqlSafe(format!(r#"CREATE DATABASE "{name}""#)))
            .execute(&mut conn)
            .await
            .expect("create test database");
        conn.close().await.ok();
        let url = admin.clone().database(&name).to_url_lossy().to_string();
        Some(Self { admin, name, url })
    }
}

impl Drop for PgTestDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // Drop is synchronous and may run inside the test's runtime: a thread of our own.
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let sql = format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#);
                match admin.connect().await {
                    Ok(mut conn) => {
                        if let Err(e) = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut conn).await {
                            eprintln!("could not drop test database {name}: {e}");
                        }
                    }
                    Err(e) => eprintln!("could not drop test database {name}: {e}"),
                }
            });
        })
        .join()
        .ok();
    }
}

/// `TEST_DATABASE_URL`, else the local server as user `postgres`, else as `root` (trust auth).
pub async fn reachable_admin() -> Option<PgConnectOptions> {
    let candidates: Vec<String> = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => vec![url],
        _ => vec![
            "postgres://postgres@127.0.0.1:5432/test".into(),
            "postgres://postgres@127.0.0.1:5432/postgres".into(),
            "postgres://root@127.0.0.1:5432/test".into(),
            "postgres://root@127.0.0.1:5432/postgres".into(),
        ],
    };
    for url in candidates {
        let Ok(options) = PgConnectOptions::from_str(&url) else {
            continue;
        };
        if let Ok(Ok(conn)) = tokio::time::timeout(Duration::from_secs(3), options.connect()).await
        {
            conn.close().await.ok();
            return Some(options);
        }
    }
    None
}

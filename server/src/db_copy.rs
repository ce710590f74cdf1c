//! `yinhuan-server db copy --to postgres://…`: moves a city's SQLite database to PostgreSQL
//! with every row as it was, so devices keep their pull cursors.
//!
//! # What "as it was" takes
//! A device's saved cursor is a `rev`, and it is void the moment the database's `instance_id`
//! changes (db.rs). So the copy keeps every primary key and value, `meta` (the instance id) and
//! `change_seq` exactly, and the next write on PostgreSQL continues the same sequence. Tokens are
//! stored hashed and copied as they are: every device stays signed in.
//!
//! # How
//! - The target is opened with the server's own [`Db::open`], so it carries exactly this
//!   binary's migrations; the source is opened the same way (migrated to the same version).
//! - The tables and column types come from the target's `information_schema` (all tables but
//!   sqlx's `_sqlx_migrations`), so a later migration's table is copied without touching this
//!   file; a source table or column the target lacks (or the other way round), or a column type
//!   this file cannot carry, stops the copy before anything is written.
//! - One transaction on the target: every table `LOCK`ed (a second copy, or a server already
//!   pointed at the target, waits, then finds it not empty), the target checked empty, the rows
//!   inserted in foreign-key order in multi-row batches, sequences (`BIGSERIAL`, identity
//!   columns) set past the copied ids, then verified (row count and an order-independent digest
//!   of every row's values per table, max rev, change_seq, instance id) and only then committed.
//!   A failure anywhere leaves the target as it was.
//! - The source is read inside one SQLite read transaction: a consistent snapshot even if a
//!   server is still writing (but what it writes afterwards is not copied: stop it first).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::process::ExitCode;
use std::str::FromStr;

use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteRow};
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder, Row};

use crate::config::Config;
use crate::db::{Db, DbError};

/// Tables a freshly opened database already has rows in (`meta`: its new instance id,
/// `change_seq`: 0). Their rows are replaced by the source's; any other row makes the target
/// "not empty".
const SEEDED: [&str; 2] = ["meta", "change_seq"];

/// Most rows per INSERT (PostgreSQL takes at most 65,535 bound parameters per statement).
const BATCH_ROWS: usize = 500;
const MAX_PARAMS: usize = 65_535;

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("目标“{0}”不是 PostgreSQL 地址，应形如 postgres://用户@主机:5432/库名。")]
    TargetNotPostgres(String),
    #[error("源数据库已是 PostgreSQL（DATABASE_URL）：db copy 只把 SQLite 数据库复制到 PostgreSQL；PostgreSQL 之间请用 pg_dump 与 pg_restore。")]
    SourceNotSqlite,
    #[error("找不到源数据库 {0}：请用 --data 指定正在使用的数据目录（其中有 yinhuan.db），或设置 DATABASE_URL=sqlite:文件路径。")]
    SourceMissing(String),
    #[error(
        "源数据库中没有任何账号和记录，没有可复制的数据：请确认 --data 指向正在使用的数据目录。"
    )]
    SourceEmpty,
    #[error("打开源数据库失败：{0}")]
    Source(#[source] DbError),
    #[error("打开目标数据库失败：{0}")]
    Target(#[source] DbError),
    #[error("目标数据库不是空的（已有 {0}），为免覆盖其中的数据，未做任何修改。请新建一个空库（例如 createdb -h 127.0.0.1 -U postgres yinhuan_city），再用 --to 指向它。")]
    TargetNotEmpty(String),
    #[error("源数据库的表 {0} 在目标数据库中没有对应的表，未做任何修改。两边的结构不一致：请用同一版本的 yinhuan-server 复制。")]
    MissingTable(String),
    #[error(
        "目标数据库的表 {0} 在源数据库中没有，未做任何修改。请指定一个只供本系统使用的新建空库。"
    )]
    ExtraTable(String),
    #[error(
        "表 {table} 的列不一致（源：{source_columns}；目标：{target_columns}），未做任何修改。"
    )]
    Columns {
        table: String,
        source_columns: String,
        target_columns: String,
    },
    #[error("表 {table} 的列 {column} 的类型 {data_type} 尚不能复制，未做任何修改（需要更新 src/db_copy.rs）。")]
    UnsupportedType {
        table: String,
        column: String,
        data_type: String,
    },
    #[error(
        "表 {table} 的列 {column} 的值 {value} 超出目标类型的范围，已撤销，目标库未写入任何数据。"
    )]
    OutOfRange {
        table: String,
        column: String,
        value: i64,
    },
    #[error("复制后核对不一致，已撤销，目标库未写入任何数据：{0}")]
    Verify(String),
    #[error("数据库操作失败（目标库未写入任何数据）：{0}")]
    Query(#[from] sqlx::Error),
}

/// What was copied, for the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// (table, rows) in copy order; each equal on both sides, digest included.
    pub tables: Vec<(String, i64)>,
    pub max_rev: i64,
    pub change_seq: i64,
    pub instance_id: String,
    /// (table.column, next value) of each sequence set past the copied ids.
    pub sequences: Vec<(String, i64)>,
}

/// A column type this copy carries, from the target's `information_schema.columns.data_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColType {
    Int2,
    Int4,
    Int8,
    Bool,
    Text,
    Float8,
    Bytes,
}

impl ColType {
    fn from_pg(data_type: &str) -> Option<Self> {
        Some(match data_type {
            "smallint" => Self::Int2,
            "integer" => Self::Int4,
            "bigint" => Self::Int8,
            "boolean" => Self::Bool,
            "text" | "character varying" | "character" => Self::Text,
            "double precision" => Self::Float8,
            "bytea" => Self::Bytes,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Int(i64),
    Bool(bool),
    Text(String),
    Float(f64),
    Bytes(Vec<u8>),
}

impl Value {
    /// Unambiguous bytes of the value for the digest: a tag, then a length-prefixed payload.
    fn feed(&self, hash: &mut Sha256) {
        let (tag, bytes): (u8, Vec<u8>) = match self {
            Value::Null => (b'n', Vec::new()),
            Value::Int(i) => (b'i', i.to_be_bytes().to_vec()),
            Value::Bool(b) => (b'b', vec![u8::from(*b)]),
            Value::Text(s) => (b't', s.as_bytes().to_vec()),
            Value::Float(f) => (b'f', f.to_bits().to_be_bytes().to_vec()),
            Value::Bytes(b) => (b'x', b.clone()),
        };
        hash.update([tag]);
        hash.update((bytes.len() as u64).to_be_bytes());
        hash.update(&bytes);
    }
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    ty: ColType,
    /// Filled by a sequence (`BIGSERIAL` default or an identity column).
    sequence: bool,
    /// `GENERATED ALWAYS AS IDENTITY`: an explicit value needs `OVERRIDING SYSTEM VALUE`.
    always_identity: bool,
}

#[derive(Debug, Clone)]
struct Table {
    name: String,
    columns: Vec<Column>,
}

impl Table {
    fn column_list(&self) -> String {
        let names: Vec<String> = self.columns.iter().map(|c| quote(&c.name)).collect();
        names.join(", ")
    }
}

/// Row count and order-independent digest (wrapping sum of each row's truncated SHA-256) of
/// one table's rows: equal on both sides iff the same multiset of rows, barring a 2⁻¹²⁸ chance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    rows: i64,
    digest: u128,
}

impl Tally {
    fn add(&mut self, row: &[Value]) {
        let mut hash = Sha256::new();
        for value in row {
            value.feed(&mut hash);
        }
        let out = hash.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&out[..16]);
        self.digest = self.digest.wrapping_add(u128::from_be_bytes(first));
        self.rows += 1;
    }
}

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// `host:port/database` of a PostgreSQL URL, without user or password, for messages.
pub fn describe_target(url: &str) -> String {
    match PgConnectOptions::from_str(url) {
        Ok(o) => format!(
            "{}:{}/{}",
            o.get_host(),
            o.get_port(),
            o.get_database().unwrap_or("")
        ),
        Err(_) => "（无法解析的地址）".to_owned(),
    }
}

/// The source: the configured database, which must be an existing SQLite file.
async fn open_source(config: &Config) -> Result<Db, CopyError> {
    let path = match config.database_url.as_deref() {
        None => config.sqlite_path(),
        Some(url) if url.starts_with("sqlite:") => SqliteConnectOptions::from_str(url)
            .map_err(|e| CopyError::Source(DbError::InvalidUrl(e)))?
            .get_filename()
            .to_path_buf(),
        Some(_) => return Err(CopyError::SourceNotSqlite),
    };
    // Db::open would create a missing file and copy an empty database "successfully".
    if !path.is_file() {
        return Err(CopyError::SourceMissing(path.display().to_string()));
    }
    Db::open(config).await.map_err(CopyError::Source)
}

/// Copies the configured SQLite database into the empty PostgreSQL database at `to`.
pub async fn copy(config: &Config, to: &str) -> Result<Copied, CopyError> {
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        return Err(CopyError::TargetNotPostgres(to.to_owned()));
    }
    let source = open_source(config).await?;
    let mut target_config = config.clone();
    target_config.database_url = Some(to.to_owned());
    let target = Db::open(&target_config).await.map_err(CopyError::Target)?;
    let result = match (&source, &target) {
        (Db::Sqlite(src), Db::Postgres(dst)) => copy_pools(src, dst).await,
        (_, _) => Err(CopyError::TargetNotPostgres(to.to_owned())),
    };
    source.close().await;
    target.close().await;
    result
}

async fn copy_pools(src: &sqlx::SqlitePool, dst: &sqlx::PgPool) -> Result<Copied, CopyError> {
    let tables = target_tables(dst).await?;
    let mut src_tx = src.begin().await?;
    check_source_schema(&mut src_tx, &tables).await?;
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut *src_tx)
        .await?;
    let records: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM records")
        .fetch_one(&mut *src_tx)
        .await?;
    if users == 0 && records == 0 {
        return Err(CopyError::SourceEmpty);
    }

    let mut tx = dst.begin().await?;
    let names: Vec<String> = tables.iter().map(|t| quote(&t.name)).collect();
    sqlx::query(AssertSqlSafe(format!(
        "LOCK TABLE {} IN EXCLUSIVE MODE",
        names.join(", ")
    )))
    .execute(&mut *tx)
    .await?;
    check_target_empty(&mut tx, &tables).await?;
    for seeded in SEEDED {
        sqlx::query(AssertSqlSafe(format!("DELETE FROM {}", quote(seeded))))
            .execute(&mut *tx)
            .await?;
    }

    let mut expected = BTreeMap::new();
    for table in &tables {
        let tally = copy_table(&mut src_tx, &mut tx, table).await?;
        expected.insert(table.name.clone(), tally);
    }
    let sequences = reset_sequences(&mut tx, &tables).await?;

    // Verify inside the transaction: a mismatch rolls everything back.
    let mut problems = Vec::new();
    let mut copied = Vec::new();
    for table in &tables {
        let want = expected[&table.name];
        let got = target_tally(&mut tx, table).await?;
        if got.rows != want.rows {
            problems.push(format!(
                "表 {} 源 {} 行、目标 {} 行",
                table.name, want.rows, got.rows
            ));
        } else if got.digest != want.digest {
            problems.push(format!("表 {} 行数相同但内容不同", table.name));
        }
        copied.push((table.name.clone(), got.rows));
    }
    let facts_sql = [
        "SELECT COALESCE(MAX(rev), 0) FROM records",
        "SELECT value FROM change_seq WHERE id = 1",
    ];
    let mut facts = Vec::new();
    for sql in facts_sql {
        let s: i64 = sqlx::query_scalar(sql).fetch_one(&mut *src_tx).await?;
        let t: i64 = sqlx::query_scalar(sql).fetch_one(&mut *tx).await?;
        if s != t {
            problems.push(format!("{sql}：源 {s}，目标 {t}"));
        }
        facts.push(t);
    }
    let id_sql = "SELECT value FROM meta WHERE key = 'instance_id'";
    let source_id: String = sqlx::query_scalar(id_sql).fetch_one(&mut *src_tx).await?;
    let target_id: Option<String> = sqlx::query_scalar(id_sql).fetch_optional(&mut *tx).await?;
    if target_id.as_deref() != Some(source_id.as_str()) {
        problems.push(format!(
            "实例编号：源 {source_id}，目标 {}",
            target_id.as_deref().unwrap_or("无")
        ));
    }
    if !problems.is_empty() {
        return Err(CopyError::Verify(problems.join("；")));
    }
    tx.commit().await?;
    src_tx.rollback().await?;
    Ok(Copied {
        tables: copied,
        max_rev: facts[0],
        change_seq: facts[1],
        instance_id: source_id,
        sequences,
    })
}

/// The target's tables (all but `_sqlx_migrations`) with their columns, parents before the
/// tables whose foreign keys point at them.
async fn target_tables(dst: &sqlx::PgPool) -> Result<Vec<Table>, CopyError> {
    #[derive(sqlx::FromRow)]
    struct ColumnRow {
        table_name: String,
        column_name: String,
        data_type: String,
        is_identity: String,
        identity_generation: Option<String>,
        column_default: Option<String>,
    }
    let rows: Vec<ColumnRow> = sqlx::query_as(
        "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, \
                c.data_type::text AS data_type, c.is_identity::text AS is_identity, \
                c.identity_generation::text AS identity_generation, \
                c.column_default::text AS column_default \
         FROM information_schema.columns c \
         JOIN information_schema.tables t \
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
           AND c.table_name <> '_sqlx_migrations' \
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(dst)
    .await?;
    let mut tables: BTreeMap<String, Vec<Column>> = BTreeMap::new();
    for row in rows {
        let ty = ColType::from_pg(&row.data_type).ok_or_else(|| CopyError::UnsupportedType {
            table: row.table_name.clone(),
            column: row.column_name.clone(),
            data_type: row.data_type.clone(),
        })?;
        let identity = row.is_identity == "YES";
        let from_sequence = row
            .column_default
            .is_some_and(|d| d.starts_with("nextval("));
        tables.entry(row.table_name).or_default().push(Column {
            name: row.column_name,
            ty,
            sequence: identity || from_sequence,
            always_identity: identity && row.identity_generation.as_deref() == Some("ALWAYS"),
        });
    }
    let edges: Vec<(String, String)> = sqlx::query_as(
        "SELECT child.relname::text, parent.relname::text \
         FROM pg_constraint k \
         JOIN pg_class child ON child.oid = k.conrelid \
         JOIN pg_class parent ON parent.oid = k.confrelid \
         JOIN pg_namespace n ON n.oid = child.relnamespace \
         WHERE k.contype = 'f' AND n.nspname = current_schema()",
    )
    .fetch_all(dst)
    .await?;
    let order = parents_first(tables.keys().cloned().collect(), &edges);
    Ok(order
        .into_iter()
        .map(|name| Table {
            columns: tables.remove(&name).unwrap_or_default(),
            name,
        })
        .collect())
}

/// `names` ordered so that each table comes after the tables it references (`edges`: (child,
/// parent)); alphabetical among equals. A cycle (none in this schema) keeps the rest in name
/// order, and the insert will say which constraint failed.
fn parents_first(names: BTreeSet<String>, edges: &[(String, String)]) -> Vec<String> {
    let mut left = names;
    let mut order = Vec::new();
    while !left.is_empty() {
        let ready: Vec<String> = left
            .iter()
            .filter(|t| {
                !edges
                    .iter()
                    .any(|(child, parent)| child == *t && parent != *t && left.contains(parent))
            })
            .cloned()
            .collect();
        let next = if ready.is_empty() {
            left.iter().cloned().collect()
        } else {
            ready
        };
        for t in next {
            left.remove(&t);
            order.push(t);
        }
    }
    order
}

/// Every source table (but SQLite's and sqlx's own) must exist in the target with the same
/// column names, and the other way round.
async fn check_source_schema(
    src: &mut sqlx::SqliteConnection,
    tables: &[Table],
) -> Result<(), CopyError> {
    let source_tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&mut *src)
    .await?;
    let target: BTreeMap<&str, &Table> = tables.iter().map(|t| (t.name.as_str(), t)).collect();
    for name in &source_tables {
        let Some(table) = target.get(name.as_str()) else {
            return Err(CopyError::MissingTable(name.clone()));
        };
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                .bind(name)
                .fetch_all(&mut *src)
                .await?;
        let source_set: BTreeSet<&str> = columns.iter().map(String::as_str).collect();
        let target_set: BTreeSet<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        if source_set != target_set {
            return Err(CopyError::Columns {
                table: name.clone(),
                source_columns: columns.join(", "),
                target_columns: table
                    .columns
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    if let Some(extra) = tables.iter().find(|t| !source_tables.contains(&t.name)) {
        return Err(CopyError::ExtraTable(extra.name.clone()));
    }
    Ok(())
}

/// Refuses a target with any row outside [`SEEDED`], or a change sequence already moved.
async fn check_target_empty(
    tx: &mut sqlx::PgConnection,
    tables: &[Table],
) -> Result<(), CopyError> {
    let mut held = Vec::new();
    for table in tables.iter().filter(|t| !SEEDED.contains(&t.name.as_str())) {
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {}",
            quote(&table.name)
        )))
        .fetch_one(&mut *tx)
        .await?;
        if n > 0 {
            let what = match table.name.as_str() {
                "users" => format!("{n} 个账号"),
                "records" => format!("{n} 条记录"),
                other => format!("表 {other} {n} 行"),
            };
            held.push(what);
        }
    }
    let seq: Option<i64> = sqlx::query_scalar("SELECT value FROM change_seq WHERE id = 1")
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(seq) = seq.filter(|s| *s != 0) {
        held.push(format!("变更序号已到 {seq}"));
    }
    // Accounts and records first: what an operator recognises.
    held.sort_by_key(|h| !(h.ends_with("个账号") || h.ends_with("条记录")));
    if held.is_empty() {
        Ok(())
    } else {
        Err(CopyError::TargetNotEmpty(held.join("、")))
    }
}

fn sqlite_value(row: &SqliteRow, i: usize, ty: ColType) -> Result<Value, sqlx::Error> {
    Ok(match ty {
        ColType::Int2 | ColType::Int4 | ColType::Int8 => row
            .try_get::<Option<i64>, _>(i)?
            .map_or(Value::Null, Value::Int),
        ColType::Bool => row
            .try_get::<Option<bool>, _>(i)?
            .map_or(Value::Null, Value::Bool),
        ColType::Text => row
            .try_get::<Option<String>, _>(i)?
            .map_or(Value::Null, Value::Text),
        ColType::Float8 => row
            .try_get::<Option<f64>, _>(i)?
            .map_or(Value::Null, Value::Float),
        ColType::Bytes => row
            .try_get::<Option<Vec<u8>>, _>(i)?
            .map_or(Value::Null, Value::Bytes),
    })
}

fn pg_value(row: &PgRow, i: usize, ty: ColType) -> Result<Value, sqlx::Error> {
    Ok(match ty {
        ColType::Int2 => row
            .try_get::<Option<i16>, _>(i)?
            .map_or(Value::Null, |v| Value::Int(v.into())),
        ColType::Int4 => row
            .try_get::<Option<i32>, _>(i)?
            .map_or(Value::Null, |v| Value::Int(v.into())),
        ColType::Int8 => row
            .try_get::<Option<i64>, _>(i)?
            .map_or(Value::Null, Value::Int),
        ColType::Bool => row
            .try_get::<Option<bool>, _>(i)?
            .map_or(Value::Null, Value::Bool),
        ColType::Text => row
            .try_get::<Option<String>, _>(i)?
            .map_or(Value::Null, Value::Text),
        ColType::Float8 => row
            .try_get::<Option<f64>, _>(i)?
            .map_or(Value::Null, Value::Float),
        ColType::Bytes => row
            .try_get::<Option<Vec<u8>>, _>(i)?
            .map_or(Value::Null, Value::Bytes),
    })
}

/// Copies one table in batches; returns the tally of the rows read from the source.
async fn copy_table(
    src: &mut sqlx::SqliteConnection,
    dst: &mut sqlx::PgConnection,
    table: &Table,
) -> Result<Tally, CopyError> {
    let select = format!("SELECT {} FROM {}", table.column_list(), quote(&table.name));
    let per_batch = BATCH_ROWS.min(MAX_PARAMS / table.columns.len().max(1));
    let mut tally = Tally::default();
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(per_batch);
    let mut rows = sqlx::query(AssertSqlSafe(select)).fetch(&mut *src);
    while let Some(row) = rows.try_next().await? {
        let values = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| sqlite_value(&row, i, c.ty))
            .collect::<Result<Vec<_>, _>>()?;
        tally.add(&values);
        batch.push(values);
        if batch.len() == per_batch {
            insert_batch(dst, table, &batch).await?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        insert_batch(dst, table, &batch).await?;
    }
    Ok(tally)
}

async fn insert_batch(
    dst: &mut sqlx::PgConnection,
    table: &Table,
    batch: &[Vec<Value>],
) -> Result<(), CopyError> {
    let mut sql = format!(
        "INSERT INTO {} ({}) ",
        quote(&table.name),
        table.column_list()
    );
    if table.columns.iter().any(|c| c.always_identity) {
        sql.push_str("OVERRIDING SYSTEM VALUE ");
    }
    // Check the integer ranges first: push_values' closure cannot return an error.
    for row in batch {
        for (value, column) in row.iter().zip(&table.columns) {
            if let Value::Int(v) = value {
                let fits = match column.ty {
                    ColType::Int2 => i16::try_from(*v).is_ok(),
                    ColType::Int4 => i32::try_from(*v).is_ok(),
                    _ => true,
                };
                if !fits {
                    return Err(CopyError::OutOfRange {
                        table: table.name.clone(),
                        column: column.name.clone(),
                        value: *v,
                    });
                }
            }
        }
    }
    let mut query: QueryBuilder<Postgres> = QueryBuilder::new(sql);
    query.push_values(batch, |mut b, row| {
        for (value, column) in row.iter().zip(&table.columns) {
            match (column.ty, value) {
                (ColType::Int2, Value::Int(v)) => b.push_bind(i16::try_from(*v).unwrap_or(0)),
                (ColType::Int2, _) => b.push_bind(None::<i16>),
                (ColType::Int4, Value::Int(v)) => b.push_bind(i32::try_from(*v).unwrap_or(0)),
                (ColType::Int4, _) => b.push_bind(None::<i32>),
                (ColType::Int8, Value::Int(v)) => b.push_bind(*v),
                (ColType::Int8, _) => b.push_bind(None::<i64>),
                (ColType::Bool, Value::Bool(v)) => b.push_bind(*v),
                (ColType::Bool, _) => b.push_bind(None::<bool>),
                (ColType::Text, Value::Text(v)) => b.push_bind(v.clone()),
                (ColType::Text, _) => b.push_bind(None::<String>),
                (ColType::Float8, Value::Float(v)) => b.push_bind(*v),
                (ColType::Float8, _) => b.push_bind(None::<f64>),
                (ColType::Bytes, Value::Bytes(v)) => b.push_bind(v.clone()),
                (ColType::Bytes, _) => b.push_bind(None::<Vec<u8>>),
            };
        }
    });
    query.build().execute(&mut *dst).await?;
    Ok(())
}

/// Sets each sequence-filled column's sequence past the largest copied value, so the next
/// audit row (say) does not collide with a copied one. Returns (table.column, next value).
async fn reset_sequences(
    tx: &mut sqlx::PgConnection,
    tables: &[Table],
) -> Result<Vec<(String, i64)>, CopyError> {
    let mut done = Vec::new();
    for table in tables {
        for column in table.columns.iter().filter(|c| c.sequence) {
            let max: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT COALESCE(MAX({})::bigint, 0) FROM {}",
                quote(&column.name),
                quote(&table.name)
            )))
            .fetch_one(&mut *tx)
            .await?;
            // setval(seq, 1, false) on an empty table: the next value is 1.
            let next: Option<i64> = sqlx::query_scalar(
                "SELECT CASE WHEN s IS NULL THEN NULL \
                             WHEN $3 > 0 THEN setval(s::regclass, $3, true) + 1 \
                             ELSE setval(s::regclass, 1, false) END \
                 FROM (SELECT pg_get_serial_sequence($1, $2) AS s) q",
            )
            .bind(quote(&table.name))
            .bind(&column.name)
            .bind(max)
            .fetch_one(&mut *tx)
            .await?;
            if let Some(next) = next {
                done.push((format!("{}.{}", table.name, column.name), next));
            }
        }
    }
    Ok(done)
}

async fn target_tally(tx: &mut sqlx::PgConnection, table: &Table) -> Result<Tally, CopyError> {
    let select = format!("SELECT {} FROM {}", table.column_list(), quote(&table.name));
    let mut tally = Tally::default();
    let mut rows = sqlx::query(AssertSqlSafe(select)).fetch(&mut *tx);
    while let Some(row) = rows.try_next().await? {
        let values = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| pg_value(&row, i, c.ty))
            .collect::<Result<Vec<_>, _>>()?;
        tally.add(&values);
    }
    Ok(tally)
}

/// The Chinese summary `db copy` prints.
pub fn summary(copied: &Copied, source: &str, target: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "已把 {source} 复制到 PostgreSQL {target}，并逐表核对："
    );
    let width = copied
        .tables
        .iter()
        .map(|(t, _)| t.len())
        .max()
        .unwrap_or(0);
    for (table, rows) in &copied.tables {
        let _ = writeln!(out, "  {table:<width$}  {rows:>8} 行  一致");
    }
    let _ = writeln!(
        out,
        "最大 rev {}、变更序号 change_seq {}、实例编号 {} 与源库相同：各设备保留同步进度，无需重新下载。",
        copied.max_rev, copied.change_seq, copied.instance_id
    );
    for (column, next) in &copied.sequences {
        let _ = writeln!(out, "序列 {column} 的下一个值为 {next}。");
    }
    let _ = write!(
        out,
        "下一步：停止旧服务后，设置 DATABASE_URL 为该 PostgreSQL 地址，并用同一个 --data 目录启动 \
         yinhuan-server serve（照片仍在该目录的 photos/ 下）。源 SQLite 文件中的数据未被改动（仅按本版本补齐表结构），确认新服务正常后再另行归档。"
    );
    out
}

/// `yinhuan-server db copy`: runs [`copy`] and prints the summary or the reason.
pub async fn run(config: &Config, to: &str) -> ExitCode {
    let source = match config.database_url.as_deref() {
        Some(url) => url.to_owned(),
        None => config.sqlite_path().display().to_string(),
    };
    match copy(config, to).await {
        Ok(copied) => {
            println!("{}", summary(&copied, &source, &describe_target(to)));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("复制失败：{e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_come_after_the_tables_they_reference() {
        let names: BTreeSet<String> = ["audit_log", "devices", "photo_refs", "records", "users"]
            .into_iter()
            .map(String::from)
            .collect();
        let edges = [
            ("devices".to_owned(), "users".to_owned()),
            ("photo_refs".to_owned(), "records".to_owned()),
            ("records".to_owned(), "users".to_owned()),
        ];
        let order = parents_first(names, &edges);
        let at = |t: &str| order.iter().position(|o| o == t).unwrap();
        assert_eq!(order.len(), 5);
        assert!(at("users") < at("devices"));
        assert!(at("users") < at("records"));
        assert!(at("records") < at("photo_refs"));
    }

    #[test]
    fn the_digest_sees_values_not_row_order() {
        let a = vec![Value::Int(1), Value::Text("甲".into()), Value::Null];
        let b = vec![Value::Int(2), Value::Bool(true), Value::Text(String::new())];
        let mut one = Tally::default();
        one.add(&a);
        one.add(&b);
        let mut other = Tally::default();
        other.add(&b);
        other.add(&a);
        assert_eq!(one, other);
        // NULL, empty text and false are different values; so are 1 and true.
        let mut changed = Tally::default();
        changed.add(&a);
        changed.add(&[Value::Int(2), Value::Bool(true), Value::Null]);
        assert_ne!(one, changed);
        let (mut x, mut y) = (Tally::default(), Tally::default());
        x.add(&[Value::Int(1)]);
        y.add(&[Value::Bool(true)]);
        assert_ne!(x, y);
    }
}

//! `/api/roster`: the enterprise roster import (issue 11 item 2). The rules are the model's
//! (`model::roster`); this module reads the uploaded file, loads the stored enterprises and
//! writes the plan through the push's own write path (`records::apply_batch`).
//!
//! - `GET  /template.xlsx`              the template
//! - `POST /preview?name=<file name>`   body = the file's bytes; what a commit would do
//! - `POST /commit?name=…`              the same body again; applies the valid rows
//! - `POST /errors.xlsx?name=…`         the refused rows as a workbook
//!
//! Stateless: preview and commit read the same file the same way, so a commit does what its
//! preview showed unless someone changed the enterprises in between (then it does what is
//! right at commit time). Only 市级 and 县级 accounts may import.

mod errors_xlsx;
mod read;
mod template;

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use model::county::County;
use model::enterprise::Enterprise;
use model::record::Record;
use model::roster::{self, ImportPlan, RosterParse, RowError, IMPORT_DEVICE_ID};
use model::sync::{PushOutcome, Role};
use serde::{Deserialize, Serialize};
use tower_http::timeout::TimeoutLayer;
use uuid::Uuid;

use crate::auth::{now_ms, AuthUser};
use crate::error::AppError;
use crate::records;
use crate::reports::{Xlsx, XLSX_CONTENT_TYPE};
use crate::AppState;

pub use read::MAX_FILE_BYTES;

/// A 5,000-row commit is one transaction of 5,000 writes: more than the API's usual 30 s on a
/// slow disk is possible, so the import gets its own limit.
const IMPORT_TIMEOUT: Duration = Duration::from_secs(300);

/// Routes relative to `/api/roster`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/template.xlsx", get(template_get))
        .route("/preview", post(preview_post))
        .route("/commit", post(commit_post))
        .route("/errors.xlsx", post(errors_post))
        .layer(DefaultBodyLimit::max(MAX_FILE_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            IMPORT_TIMEOUT,
        ))
}

#[derive(Debug, Default, Deserialize)]
pub struct FileParams {
    /// The uploaded file's name: its extension says .xlsx or .csv; shown in the audit log.
    name: Option<String>,
}

/// 市级 and 县级 only: the roster is the offices' list.
fn may_import(user: &AuthUser) -> Result<(), AppError> {
    match user.role {
        Role::City | Role::County(_) => Ok(()),
        _ => Err(AppError::Forbidden(
            "企业名单只能由市级、县级应急管理部门的账号导入。本账号不能导入，如需补录企业，请联系所在县（市、区）应急管理局。"
                .to_owned(),
        )),
    }
}

pub async fn template_get(user: AuthUser) -> Result<Response, AppError> {
    may_import(&user)?;
    let x = template::write().map_err(|e| AppError::Internal(format!("roster template: {e}")))?;
    Ok(download(x))
}

/// The upload read and checked: the file's rows, the parse, and the plan against what is stored.
struct Upload {
    name: String,
    rows: Vec<Vec<String>>,
    parsed: RosterParse,
}

fn read_upload(
    q: Result<Query<FileParams>, QueryRejection>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Upload, AppError> {
    let params = q.map(|Query(p)| p).unwrap_or_default();
    let bytes = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge(format!(
                "文件超过 {} MB，请删去多余的工作表、图片，或分成几个文件导入。",
                MAX_FILE_BYTES / 1024 / 1024
            ))
        } else {
            AppError::BadRequest("文件没有完整上传，请检查网络后重试。".to_owned())
        }
    })?;
    let name: String = params
        .name
        .as_deref()
        .map(str::trim)
        .unwrap_or("")
        .chars()
        .take(120)
        .collect();
    let kind = read::kind_of(
        Some(&name).filter(|n| !n.is_empty()).map(|n| n.as_str()),
        headers,
        &bytes,
    )?;
    let rows = read::rows(kind, &bytes)?;
    let parsed = roster::parse_rows(&rows).map_err(|e| AppError::Unprocessable(e.to_string()))?;
    Ok(Upload { name, rows, parsed })
}

/// Stored bodies of live enterprises as model records; the stored `rev` column wins over the
/// body's. A body the model cannot read is left out (it cannot be matched or updated).
fn enterprises(stored: Vec<(i64, String)>) -> Vec<Enterprise> {
    stored
        .into_iter()
        .filter_map(|(rev, body)| {
            let value = serde_json::from_str(&body).ok()?;
            match model::accept::parse(Enterprise::KIND, &value).ok()? {
                model::accept::AnyRecord::Enterprise(mut e) => {
                    e.meta.rev = rev;
                    e.meta.base_rev = rev;
                    Some(e)
                }
                _ => None,
            }
        })
        .collect()
}

async fn plan_upload(
    state: &AppState,
    user: &AuthUser,
    upload: &Upload,
) -> Result<ImportPlan, AppError> {
    let stored = records::live_of_kind(&state.db, Enterprise::KIND).await?;
    Ok(roster::plan(
        &upload.parsed,
        &enterprises(stored),
        &user.role,
    ))
}

// ---------------------------------------------------------------------------------------------
// Preview

#[derive(Debug, Serialize)]
pub struct Preview {
    pub total: usize,
    pub add: Vec<AddRow>,
    pub update: Vec<UpdateRow>,
    pub unchanged: Vec<UnchangedRow>,
    pub errors: Vec<RowError>,
    /// Advisory notes; the rows are imported all the same.
    pub warnings: Vec<RowError>,
}

#[derive(Debug, Serialize)]
pub struct AddRow {
    pub row: usize,
    pub name: String,
    pub credit_code: String,
    pub county: String,
    pub county_name: String,
}

#[derive(Debug, Serialize)]
pub struct UpdateRow {
    pub row: usize,
    pub enterprise_id: Uuid,
    pub name: String,
    pub credit_code: String,
    pub changes: Vec<roster::FieldChange>,
}

#[derive(Debug, Serialize)]
pub struct UnchangedRow {
    pub row: usize,
    pub name: String,
    pub credit_code: String,
    pub enterprise_id: Uuid,
}

impl From<ImportPlan> for Preview {
    fn from(p: ImportPlan) -> Preview {
        Preview {
            total: p.total,
            add: p
                .add
                .into_iter()
                .map(|a| AddRow {
                    row: a.row.row_number,
                    county_name: County::by_code(&a.row.county)
                        .map(|c| c.name.to_owned())
                        .unwrap_or_default(),
                    name: a.row.name,
                    credit_code: a.row.credit_code,
                    county: a.row.county,
                })
                .collect(),
            update: p
                .update
                .into_iter()
                .map(|u| UpdateRow {
                    row: u.row,
                    enterprise_id: u.enterprise.meta.id,
                    credit_code: u.enterprise.credit_code.clone().unwrap_or_default(),
                    name: u.enterprise.name,
                    changes: u.changes,
                })
                .collect(),
            unchanged: p
                .unchanged
                .into_iter()
                .map(|u| UnchangedRow {
                    row: u.row,
                    name: u.name,
                    credit_code: u.credit_code,
                    enterprise_id: u.enterprise_id,
                })
                .collect(),
            errors: p.errors,
            warnings: p.warnings,
        }
    }
}

pub async fn preview_post(
    State(state): State<AppState>,
    user: AuthUser,
    q: Result<Query<FileParams>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Preview>, AppError> {
    may_import(&user)?;
    let upload = read_upload(q, &headers, body)?;
    Ok(Json(plan_upload(&state, &user, &upload).await?.into()))
}

// ---------------------------------------------------------------------------------------------
// Commit

#[derive(Debug, Serialize)]
pub struct CommitResult {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Rows not imported: the preview's errors, plus any the write refused.
    pub errors: usize,
    /// Those rows, as the preview lists them.
    pub error_rows: Vec<RowError>,
}

pub async fn commit_post(
    State(state): State<AppState>,
    user: AuthUser,
    q: Result<Query<FileParams>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<CommitResult>, AppError> {
    may_import(&user)?;
    let upload = read_upload(q, &headers, body)?;
    let role = user.role.clone();
    let username = user.info.username.clone();
    let mut planned: Option<ImportPlan> = None;
    let batch = records::apply_batch(
        &state.db,
        &user,
        IMPORT_DEVICE_ID,
        Enterprise::KIND,
        "roster.import",
        |stored| {
            // Planned inside the write lock, against the enterprises as they are now.
            let plan = roster::plan(&upload.parsed, &enterprises(stored), &role);
            let changes = plan.changes(now_ms(), &username, &mut new_id);
            let detail = serde_json::json!({
                "file": upload.name,
                "total": plan.total,
                "add": plan.add.len(),
                "update": plan.update.len(),
                "unchanged": plan.unchanged.len(),
                "errors": plan.errors.len(),
            });
            planned = Some(plan);
            (changes, detail)
        },
    )
    .await?;
    let plan = planned.ok_or_else(|| AppError::Internal("roster plan not made".into()))?;
    // Changes come adds first, then updates (ImportPlan::changes).
    let rows: Vec<usize> = plan
        .add
        .iter()
        .map(|a| a.row.row_number)
        .chain(plan.update.iter().map(|u| u.row))
        .collect();
    let mut error_rows = plan.errors.clone();
    let (mut added, mut updated) = (0, 0);
    for (i, (outcome, row)) in batch.outcomes.iter().zip(&rows).enumerate() {
        match outcome {
            PushOutcome::Applied { .. } if i < plan.add.len() => added += 1,
            PushOutcome::Applied { .. } => updated += 1,
            PushOutcome::Rejected { message, .. } => error_rows.push(RowError {
                row: *row,
                column: "企业名称".to_owned(),
                message: format!("未能写入：{message}"),
            }),
            PushOutcome::Conflict { .. } => error_rows.push(RowError {
                row: *row,
                column: "企业名称".to_owned(),
                message: "该企业刚被其他人修改，请重新预览后再导入".to_owned(),
            }),
        }
    }
    error_rows.sort_by_key(|e| e.row);
    tracing::info!(user = %user.info.username, file = %upload.name, added, updated, errors = error_rows.len(), "roster import");
    Ok(Json(CommitResult {
        added,
        updated,
        unchanged: plan.unchanged.len(),
        errors: count_rows(&error_rows),
        error_rows,
    }))
}

/// Distinct rows among the errors (a row may have several).
fn count_rows(errors: &[RowError]) -> usize {
    let mut rows: Vec<usize> = errors.iter().map(|e| e.row).collect();
    rows.dedup();
    rows.len()
}

/// A UUIDv7 for a new enterprise: the clock and the OS random generator (see model::ids).
fn new_id() -> Uuid {
    let mut random = [0u8; 10];
    getrandom::fill(&mut random).expect("OS random numbers");
    model::ids::new_record_id(u64::try_from(now_ms()).unwrap_or(0), random)
}

// ---------------------------------------------------------------------------------------------
// Error report

pub async fn errors_post(
    State(state): State<AppState>,
    user: AuthUser,
    q: Result<Query<FileParams>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    may_import(&user)?;
    let upload = read_upload(q, &headers, body)?;
    let plan = plan_upload(&state, &user, &upload).await?;
    let x = errors_xlsx::write(
        &upload.name,
        &upload.rows,
        Some(upload.parsed.header_row),
        &plan.errors,
    )
    .map_err(|e| AppError::Internal(format!("roster errors: {e}")))?;
    Ok(download(x))
}

fn download(x: Xlsx) -> Response {
    (
        [
            (CONTENT_TYPE, XLSX_CONTENT_TYPE.to_owned()),
            (CONTENT_DISPOSITION, x.content_disposition()),
            (CACHE_CONTROL, "no-store".to_owned()),
        ],
        x.bytes,
    )
        .into_response()
}

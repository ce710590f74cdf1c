//! `GET /api/reports/annex1.xlsx`, `annex2.xlsx`, `annex4.xlsx`: the annexes as workbooks,
//! computed from the stored records the caller may see.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use model::annex::{CrossSummary, MajorHazardLedger, Scope, WeeklyNarrative, WeeklyReport};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::error::AppError;
use crate::reports::{self, annex1, annex2, annex3, annex4, load, Xlsx, XLSX_CONTENT_TYPE};
use crate::AppState;

/// Query of every report: all optional here so a missing one gets our own message.
#[derive(Debug, Deserialize)]
pub struct ReportParams {
    /// `YYYY-MM-DD`: the report day (附件1) or the 填报时间 the figures run up to.
    date: Option<String>,
    /// GB/T 2260 county code; omitted = the whole city (市级) or the account's own county.
    county: Option<String>,
    /// 附件4 only: `<检查方代码>-<受检方代码>`.
    pair: Option<String>,
}

const FRIDAY_HINT: &str = "请用 date=2025-03-14 指定报表日期（周五）";
const DAY_HINT: &str = "请用 date=2025-03-14 指定填报日期（累计到该日）";

fn params(q: Result<Query<ReportParams>, QueryRejection>) -> Result<ReportParams, AppError> {
    q.map(|Query(p)| p).map_err(|_| {
        AppError::BadRequest(format!(
            "报表参数有误：{FRIDAY_HINT}，可加 county=140902 指定县（市、区）。"
        ))
    })
}

/// 附件1 周调度统计表 for the week ending on `date` (a report day, 周五). The text rows (1
/// 部署推进, 6 宣传曝光, 7 存在问题, 8 意见建议) are the stored `weekly_note` records of the
/// scope and week (see [`reports::notes`]); the city's file has each county's under its name,
/// then the city's own. Rows nobody wrote show the seed's prompts in grey.
pub async fn annex1_get(
    State(state): State<AppState>,
    user: AuthUser,
    q: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Response, AppError> {
    annex1(&state, &user, params(q)?, None).await
}

/// `POST /api/reports/annex1.xlsx` with `{"narrative": {…}}` and the same query: as the
/// `GET`, with the requester's own text for the scope's own note, which may be newer than what
/// its device has synced: each non-blank field replaces the stored one (when the account may
/// write that note).
pub async fn annex1_post(
    State(state): State<AppState>,
    user: AuthUser,
    q: Result<Query<ReportParams>, QueryRejection>,
    crate::extract::Json(body): crate::extract::Json<NarrativeBody>,
) -> Result<Response, AppError> {
    annex1(&state, &user, params(q)?, body.narrative).await
}

async fn annex1(
    state: &AppState,
    user: &AuthUser,
    p: ReportParams,
    own: Option<WeeklyNarrative>,
) -> Result<Response, AppError> {
    let scope = reports::scope_for(&user.role, p.county.as_deref())?;
    let date = reports::date_param(p.date.as_deref(), FRIDAY_HINT)?;
    let campaign = reports::campaign_for(date);
    let loaded = load::load(&state.db, &user.role, scope).await?;
    let narrative = reports::notes::narrative_for(
        &state.db,
        &user.role,
        scope,
        &campaign.id,
        date,
        own.as_ref(),
    )
    .await?;
    let report = WeeklyReport::compute(&loaded.records.dataset(&campaign), scope, date, narrative)
        .map_err(|e| AppError::BadRequest(format!("{e}。")))?;
    Ok(download(annex1::write(&report, &loaded.unreadable)?))
}

/// The body of [`annex1_post`].
#[derive(Debug, Deserialize)]
pub struct NarrativeBody {
    #[serde(default)]
    narrative: Option<WeeklyNarrative>,
}

/// 附件3 县级交叉检查工作安排表 of the campaign running on `date` (any office account).
pub async fn annex3_get(
    user: AuthUser,
    q: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Response, AppError> {
    let p = params(q)?;
    reports::refuse_enterprise(&user.role)?;
    let date = reports::date_param(p.date.as_deref(), DAY_HINT)?;
    let campaign = reports::campaign_for(date);
    let arrangement = model::annex::CrossArrangement::of(&campaign);
    Ok(download(annex3::write(&arrangement, date)?))
}

/// 附件2 重大事故隐患台账, cumulative to `date` (any day; the hand-in is on 周五).
pub async fn annex2_get(
    State(state): State<AppState>,
    user: AuthUser,
    q: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Response, AppError> {
    let p = params(q)?;
    let scope = reports::scope_for(&user.role, p.county.as_deref())?;
    let date = reports::date_param(p.date.as_deref(), DAY_HINT)?;
    let campaign = reports::campaign_for(date);
    let loaded = load::load(&state.db, &user.role, scope).await?;
    let ledger = MajorHazardLedger::compute(&loaded.records.dataset(&campaign), scope, date);
    Ok(download(annex2::write(&ledger, &loaded.unreadable)?))
}

/// 附件4 县级交叉检查隐患情况汇总表 of one 附件3 pair, cumulative to `date`.
pub async fn annex4_get(
    State(state): State<AppState>,
    user: AuthUser,
    q: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Response, AppError> {
    let p = params(q)?;
    reports::refuse_enterprise(&user.role)?;
    let date = reports::date_param(p.date.as_deref(), DAY_HINT)?;
    let campaign = reports::campaign_for(date);
    let pair = reports::pair_for(&user.role, &campaign, p.pair.as_deref())?;
    let loaded = load::load(&state.db, &user.role, Scope::County(pair.inspected)).await?;
    let summary = CrossSummary::compute(&loaded.records.dataset(&campaign), pair, date);
    Ok(download(annex4::write(&summary, &loaded.unreadable)?))
}

/// The workbook as a download. `no-store`: it holds the office's data and is stale next week.
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

use std::collections::HashMap;

use leptos::prelude::*;
use model::enterprise::Enterprise;
use model::hazard::Hazard;
use model::inspection::Inspection;
use uuid::Uuid;

use crate::browser::now_ms;
use crate::components::loaded;
use crate::data;
use crate::settings::user_name;
use crate::store::{self, records::Batch, StoreResult};

/// An inspection with what its list row shows.
#[derive(Clone)]
pub struct InspectionRow {
    pub inspection: Inspection,
    pub enterprise: String,
    pub hazards: usize,
}

/// Every live inspection on this device, newest first.
pub async fn load_rows() -> StoreResult<Vec<InspectionRow>> {
    let inspections: Vec<Inspection> = data::live().await?;
    let names: HashMap<Uuid, String> = data::live::<Enterprise>()
        .await?
        .into_iter()
        .map(|e| (e.meta.id, e.name))
        .collect();
    let hazards: Vec<Hazard> = data::live().await?;
    let mut rows: Vec<InspectionRow> = inspections
        .into_iter()
        .map(|i| InspectionRow {
            enterprise: names
                .get(&i.enterprise_id)
                .cloned()
                .unwrap_or_else(|| "（企业未在本机）".into()),
            hazards: hazards
                .iter()
                .filter(|h| h.inspection_id == i.meta.id)
                .count(),
            inspection: i,
        })
        .collect();
    rows.sort_by(|a, b| {
        (b.inspection.date, b.inspection.meta.updated_at)
            .cmp(&(a.inspection.date, a.inspection.meta.updated_at))
    });
    Ok(rows)
}

/// 丢弃草稿: tombstones the inspection and its hazards together (nothing is hard-deleted, and
/// the tombstones sync, so the office sees the draft was withdrawn rather than lost).
pub async fn discard(inspection: &Inspection) -> StoreResult<()> {
    let now = now_ms();
    let user = user_name();
    let mut i = inspection.clone();
    i.meta.delete(now, &user);
    let mut batch = Batch::new().add(&i)?;
    for mut h in data::hazards_of(i.meta.id).await? {
        if !h.meta.deleted {
            h.meta.delete(now, &user);
            batch = batch.add(&h)?;
        }
    }
    batch.write(&*store::db().await?).await
}

pub fn row_view(r: &InspectionRow) -> impl IntoView {
    let i = &r.inspection;
    let p = i.total_progress();
    let id = i.meta.id;
    let status = if i.is_frozen() {
        "已签字"
    } else {
        "未完成"
    };
    view! {
        <li class="list-item" data-testid="inspection-row">
            <a class="list-main" href=format!("/inspections/{id}")>
                <strong>{r.enterprise.clone()}</strong>
                <span class="muted">
                    {format!(
                        "{} · {} · 已查 {}/{} 项 · 隐患 {} 条 · {}",
                        i.date,
                        i.stage.full_label(),
                        p.answered,
                        p.total,
                        r.hazards,
                        status,
                    )}
                </span>
            </a>
            <a class="btn small secondary" href=format!("/inspections/{id}/sheet")>"附件5"</a>
        </li>
    }
}

/// 检查: all inspections on this device.
#[component]
pub fn Inspections() -> impl IntoView {
    let rows = LocalResource::new(load_rows);
    view! {
        <section class="card">
            <div class="row between">
                <h1>"检查"</h1>
                <a class="btn" href="/inspections/new">"开始检查"</a>
            </div>
        </section>
        {loaded(
            rows,
            |rows| {
                if rows.is_empty() {
                    view! { <p class="card muted">"还没有检查记录。"</p> }.into_any()
                } else {
                    view! { <ul class="list">{rows.iter().map(row_view).collect_view()}</ul> }.into_any()
                }
            },
        )}
    }
}

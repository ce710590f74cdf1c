use std::collections::HashMap;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use model::enterprise::Enterprise;
use model::penalty::Penalty;
use model::validation::has_errors;
use uuid::Uuid;

use super::enterprises::load_enterprises;
use crate::components::loaded;
use crate::data;
use crate::store::StoreError;

/// 行政处罚 (`/penalties`, `/penalties?enterprise=<id>`): the cases on this device, newest
/// first, optionally of one enterprise; where a saved case is found again and a new one begun.
#[component]
pub fn Penalties() -> impl IntoView {
    let query = use_query_map();
    let selected = Memo::new(move |_| query.read().get("enterprise").unwrap_or_default());
    let navigate = use_navigate();
    let data = LocalResource::new(|| async {
        let mut penalties: Vec<Penalty> = data::live().await?;
        penalties.sort_by(|a, b| {
            b.date
                .cmp(&a.date)
                .then(b.meta.created_at.cmp(&a.meta.created_at))
        });
        let enterprises = load_enterprises().await?;
        Ok::<_, StoreError>((penalties, enterprises))
    });
    loaded(
        data,
        move |(penalties, enterprises): (Vec<Penalty>, Vec<Enterprise>)| {
            let names: HashMap<Uuid, String> = enterprises
                .iter()
                .map(|e| (e.meta.id, e.name.clone()))
                .collect();
            let navigate = navigate.clone();
            view! {
                <section class="card">
                    <h1>"行政处罚"</h1>
                    <label for="pen-ent">"企业"</label>
                    <select
                        id="pen-ent"
                        prop:value=move || selected.get()
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            let to = if v.is_empty() {
                                "/penalties".to_string()
                            } else {
                                format!("/penalties?enterprise={v}")
                            };
                            navigate(&to, Default::default());
                        }
                    >
                        <option value="">"全部企业"</option>
                        {enterprises
                            .iter()
                            .map(|e| view! { <option value=e.meta.id.to_string()>{e.name.clone()}</option> })
                            .collect_view()}
                    </select>
                    <div class="actions">
                        {move || {
                            let id = selected.get();
                            if id.is_empty() {
                                view! { <p class="muted">"选择企业后可记录行政处罚；也可在检查的附件5页记录。"</p> }.into_any()
                            } else {
                                view! {
                                    <a class="btn" data-testid="new-penalty" href=format!("/penalties/new?enterprise={id}")>
                                        "记录行政处罚"
                                    </a>
                                }
                                    .into_any()
                            }
                        }}
                    </div>
                </section>
                {move || {
                    let id = selected.get();
                    let shown: Vec<&Penalty> = penalties
                        .iter()
                        .filter(|p| id.is_empty() || p.enterprise_id.to_string() == id)
                        .collect();
                    if shown.is_empty() {
                        return view! { <p class="card muted" data-testid="penalty-empty">"暂无行政处罚记录。"</p> }.into_any();
                    }
                    view! {
                        <p class="muted" data-testid="penalty-count">{format!("共 {} 件", shown.len())}</p>
                        <ul class="list" data-testid="penalty-list">
                            {shown.into_iter().map(|p| penalty_row(p, &names)).collect_view()}
                        </ul>
                    }
                        .into_any()
                }}
            }
        },
    )
}

fn penalty_row(p: &Penalty, names: &HashMap<Uuid, String>) -> impl IntoView {
    let name = names
        .get(&p.enterprise_id)
        .cloned()
        .unwrap_or_else(|| "（企业已删除）".into());
    let summary = p.summary();
    // An unfinished case still counts in 附件1 for what it has; say so, so it gets finished.
    let incomplete = has_errors(&p.validate());
    let number =
        (!p.decision_number.trim().is_empty()).then(|| format!(" · {}", p.decision_number.trim()));
    view! {
        <li class="list-item" data-testid="penalty-item">
            <a class="list-main" href=format!("/penalties/{}", p.meta.id)>
                <strong>{format!("{name} · {}", p.date)}</strong>
                <span>{if summary.is_empty() { "尚未填写罚款或处罚措施".to_string() } else { summary }}</span>
                <span class="muted">{p.unit.clone()}{number}</span>
                {incomplete.then(|| view! { <span class="field-msg error">"未填完"</span> })}
            </a>
        </li>
    }
}

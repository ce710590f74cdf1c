use std::collections::HashMap;

use leptos::prelude::*;
use model::enterprise::Enterprise;
use model::hazard::{Hazard, HazardKind};
use uuid::Uuid;

use crate::browser::today;
use crate::components::StoreErrorView;
use crate::data;
use crate::store::StoreError;

/// 隐患台账: every hazard on this device, filterable by type, state and overdue. The office's
/// lifecycle (整改 → 复查 → 销号) is not built yet; this list shows where each one stands.
#[component]
pub fn Hazards() -> impl IntoView {
    let loaded = LocalResource::new(|| async {
        let hazards: Vec<Hazard> = data::live().await?;
        let names: HashMap<Uuid, String> = data::live::<Enterprise>()
            .await?
            .into_iter()
            .map(|e| (e.meta.id, e.name))
            .collect();
        Ok::<_, StoreError>((hazards, names))
    });
    let kind = RwSignal::new(String::new());
    let only_overdue = RwSignal::new(false);
    let text = RwSignal::new(String::new());
    view! {
        <section class="card">
            <h1>"隐患台账"</h1>
            <div class="filters">
                <select aria-label="隐患类型" on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="">"全部类型"</option>
                    <option value="general">"一般隐患"</option>
                    <option value="major">"重大事故隐患"</option>
                </select>
                <label class="check-row">
                    <input type="checkbox" on:change=move |ev| only_overdue.set(event_target_checked(&ev))/>
                    "只看逾期"
                </label>
                <input
                    type="search"
                    placeholder="按企业或描述查找"
                    aria-label="查找隐患"
                    on:input=move |ev| text.set(event_target_value(&ev))
                />
            </div>
        </section>
        <Suspense fallback=|| view! { <p class="muted">"正在读取…"</p> }>
            {move || {
                loaded.get()
                    .map(|r| match r {
                        Err(e) => view! { <StoreErrorView error=e/> }.into_any(),
                        Ok((hazards, names)) => {
                            let kind = match kind.get().as_str() {
                                "general" => Some(HazardKind::General),
                                "major" => Some(HazardKind::Major),
                                _ => None,
                            };
                            let day = today();
                            let shown = data::filter_hazards(
                                &hazards,
                                &names,
                                kind,
                                only_overdue.get(),
                                &text.get(),
                                day,
                            );
                            let majors = shown.iter().filter(|h| h.is_major()).count();
                            view! {
                                <p class="muted" data-testid="hazard-count">
                                    {format!("共 {} 条，其中重大事故隐患 {} 条", shown.len(), majors)}
                                </p>
                                <ul class="list">
                                    {shown
                                        .into_iter()
                                        .map(|h| {
                                            let name = names.get(&h.enterprise_id).cloned().unwrap_or_default();
                                            view! {
                                                <li class="list-item">
                                                    <a class="list-main" href=format!("/hazards/{}", h.meta.id)>
                                                        <strong>{h.description.clone()}</strong>
                                                        <span class="muted">
                                                            {format!(
                                                                "{name} · {} · {} · {}",
                                                                h.kind.label(),
                                                                h.state_label(day),
                                                                h.found_on,
                                                            )}
                                                        </span>
                                                    </a>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
    }
}

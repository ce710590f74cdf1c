use std::collections::HashMap;

use leptos::prelude::*;
use model::county::County;
use model::enterprise::Enterprise;
use model::hazard::filter::{HazardFilter, Lookup};
use model::hazard::{Hazard, HazardKind, HazardState};
use model::inspection::Inspection;
use model::stage::Stage;
use uuid::Uuid;

use crate::browser::today;
use crate::components::StoreErrorView;
use crate::data;
use crate::store::StoreError;

#[derive(Clone)]
struct Loaded {
    hazards: Vec<Hazard>,
    enterprises: Vec<Enterprise>,
    stages: HashMap<Uuid, Stage>,
}

/// 隐患台账: every hazard on this device (after sync: the account's whole scope), filtered by
/// county, enterprise, 类型, 状态, 检查环节 and 逾期, with the counts on top. The filter and the
/// counts are the model's (`HazardFilter`); each row opens the hazard, and from there its 办理.
#[component]
pub fn Hazards() -> impl IntoView {
    let loaded = LocalResource::new(|| async {
        let hazards: Vec<Hazard> = data::live().await?;
        let enterprises: Vec<Enterprise> = data::live().await?;
        let stages = data::live::<Inspection>()
            .await?
            .into_iter()
            .map(|i| (i.meta.id, i.stage))
            .collect();
        Ok::<_, StoreError>(Loaded {
            hazards,
            enterprises,
            stages,
        })
    });
    let filter = RwSignal::new(HazardFilter::default());
    let set = move |f: fn(&mut HazardFilter, String)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            filter.update(|x| f(x, v));
        }
    };
    view! {
        <section class="card">
            <h1>"隐患台账"</h1>
            <div class="filters">
                <select aria-label="县（市、区）" data-testid="filter-county"
                    on:change=set(|f, v| f.county = Some(v).filter(|v| !v.is_empty()))>
                    <option value="">"全市"</option>
                    {County::all().iter().map(|c| view! { <option value=c.code>{c.name}</option> }).collect_view()}
                </select>
                <select aria-label="隐患类型" on:change=set(|f, v| f.kind = match v.as_str() {
                    "general" => Some(HazardKind::General),
                    "major" => Some(HazardKind::Major),
                    _ => None,
                })>
                    <option value="">"全部类型"</option>
                    <option value="general">"一般隐患"</option>
                    <option value="major">"重大事故隐患"</option>
                </select>
                <select aria-label="整改状态" data-testid="filter-state"
                    on:change=set(|f, v| f.state = HazardState::ALL.into_iter().find(|s| s.label() == v))>
                    <option value="">"全部状态"</option>
                    {HazardState::ALL.map(|s| view! { <option value=s.label()>{s.label()}</option> }).collect_view()}
                </select>
                <select aria-label="检查环节" on:change=set(|f, v| f.stage = Stage::from_key(&v))>
                    <option value="">"全部检查环节"</option>
                    {Stage::ALL.map(|s| view! { <option value=s.key()>{s.full_label()}</option> }).collect_view()}
                </select>
                <label class="check-row">
                    <input type="checkbox" on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        filter.update(|f| f.only_overdue = on)
                    }/>
                    "只看逾期"
                </label>
                <input
                    type="search"
                    placeholder="按企业或描述查找"
                    aria-label="查找隐患"
                    on:input=set(|f, v| f.text = v)
                />
            </div>
        </section>
        <Suspense fallback=|| view! { <p class="muted">"正在读取…"</p> }>
            {move || {
                loaded.get().map(|r| match r {
                    Err(e) => view! { <StoreErrorView error=e/> }.into_any(),
                    Ok(l) => view! { <List l=l filter=filter/> }.into_any(),
                })
            }}
        </Suspense>
    }
}

#[component]
fn List(l: Loaded, filter: RwSignal<HazardFilter>) -> impl IntoView {
    let Loaded {
        hazards,
        enterprises,
        stages,
    } = l;
    let enterprise_choice = RwSignal::new(String::new());
    // Enterprises for the chosen county, so a county office picks among its own.
    let ent_options = {
        let enterprises = enterprises.clone();
        move || {
            let county = filter.with(|f| f.county.clone());
            let mut v: Vec<(Uuid, String)> = enterprises
                .iter()
                .filter(|e| county.as_deref().is_none_or(|c| e.county == c))
                .map(|e| (e.meta.id, e.name.clone()))
                .collect();
            v.sort_by(|a, b| a.1.cmp(&b.1));
            v
        }
    };
    let rows = move || {
        let day = today();
        let by_id: HashMap<Uuid, &Enterprise> =
            enterprises.iter().map(|e| (e.meta.id, e)).collect();
        let lookup = Lookup {
            enterprises: &by_id,
            stages: &stages,
        };
        let f = filter.get();
        let (shown, counts) = f.apply(&hazards, &lookup, day);
        let items = shown
            .into_iter()
            .map(|h| {
                let name = by_id.get(&h.enterprise_id).map(|e| e.name.clone()).unwrap_or_default();
                let stage = lookup.stages.get(&h.inspection_id).map(|s| s.label()).unwrap_or("");
                view! {
                    <li class="list-item" class:overdue=h.is_overdue(day)>
                        <a class="list-main" href=format!("/hazards/{}", h.meta.id)>
                            <strong>{h.description.clone()}</strong>
                            <span class="muted">
                                {format!("{name} · {} · {} · {stage} · {}", h.kind.label(), h.state_label(day), h.found_on)}
                            </span>
                        </a>
                        <a class="btn small" href=format!("/hazards/{}/rectify", h.meta.id)>"办理"</a>
                    </li>
                }
            })
            .collect_view();
        view! {
            <p class="muted" data-testid="hazard-count">{counts.sentence()}</p>
            <ul class="list" data-testid="hazard-list">{items}</ul>
        }
    };
    view! {
        <section class="card">
            <select aria-label="企业" data-testid="filter-enterprise"
                prop:value=move || enterprise_choice.get()
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    enterprise_choice.set(v.clone());
                    filter.update(|f| f.enterprise_id = Uuid::parse_str(&v).ok());
                }>
                <option value="">"全部企业"</option>
                {move || ent_options().into_iter().map(|(id, n)| view! { <option value=id.to_string()>{n}</option> }).collect_view()}
            </select>
            {rows}
        </section>
    }
}

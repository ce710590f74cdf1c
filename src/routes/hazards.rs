use std::collections::HashMap;

use leptos::prelude::*;
use model::county::County;
use model::enterprise::Enterprise;
use model::hazard::filter::{HazardFilter, Lookup};
use model::hazard::{HazardKind, HazardState};
use model::stage::Stage;
use uuid::Uuid;

use crate::browser::today;
use crate::components::StoreErrorView;
use crate::store::hazard_list::{self, Ledger, PAGE};
use crate::store::{self, StoreError};

/// 隐患台账: every hazard on this device (after sync: the account's whole scope), filtered by
/// county, enterprise, 类型, 状态, 检查环节 and 逾期, with the counts on top. The filter and the
/// counts are the model's (`HazardFilter`); each row opens the hazard, and from there its 办理.
///
/// Thousands of hazards: the first page shows as soon as it is read (then the rest are read in
/// the background), rows are summaries, not whole hazards, and only `PAGE` rows at a time are
/// in the page (显示更多 adds the next), so a keystroke filters in memory and renders little.
#[component]
pub fn Hazards() -> impl IntoView {
    let ledger = RwSignal::new_local(None::<Ledger>);
    let failed = RwSignal::new_local(None::<StoreError>);
    leptos::task::spawn_local(async move {
        let read = async {
            let db = store::db().await?;
            let first = hazard_list::first_rows(&db, PAGE).await?;
            if ledger.try_set(Some(first)).is_some() {
                return Ok(()); // the page was left
            }
            crate::browser::after_paint().await;
            if ledger.try_with_untracked(|_| ()).is_none() {
                return Ok(()); // left while the first rows were painted
            }
            let all = hazard_list::all(&db).await?;
            let _ = ledger.try_set(Some(all));
            Ok::<_, StoreError>(())
        };
        if let Err(e) = read.await {
            let _ = failed.try_set(Some(e));
        }
    });
    // Changes once, so the 企业 choice is not rebuilt when the whole list replaces the first rows.
    let loaded = Memo::new(move |_| ledger.with(Option::is_some));
    let filter = RwSignal::new(HazardFilter::default());
    // How many of the matching rows are in the page; back to one page whenever the filter changes.
    let limit = RwSignal::new(PAGE as usize);
    let change = move |f: &dyn Fn(&mut HazardFilter)| {
        filter.update(|x| f(x));
        limit.set(PAGE as usize);
    };
    let set = move |f: fn(&mut HazardFilter, String)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            change(&|x| f(x, v.clone()));
        }
    };
    let enterprise_choice = RwSignal::new(String::new());
    // Enterprises for the chosen county, so a county office picks among its own.
    let ent_options = move || {
        let county = filter.with(|f| f.county.clone());
        ledger.with(|l| {
            let mut v: Vec<(Uuid, String)> = l
                .iter()
                .flat_map(|l| &l.enterprises)
                .filter(|e| county.as_deref().is_none_or(|c| e.county == c))
                .map(|e| (e.meta.id, e.name.clone()))
                .collect();
            v.sort_by(|a, b| a.1.cmp(&b.1));
            v
        })
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
                        change(&|f| f.only_overdue = on)
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
        {move || match (failed.get(), loaded.get()) {
            (Some(e), _) => view! { <StoreErrorView error=e/> }.into_any(),
            (None, false) => view! { <p class="muted">"正在读取…"</p> }.into_any(),
            (None, true) => view! {
                <section class="card">
                    <select aria-label="企业" data-testid="filter-enterprise"
                        prop:value=move || enterprise_choice.get()
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            enterprise_choice.set(v.clone());
                            change(&|f| f.enterprise_id = Uuid::parse_str(&v).ok());
                        }>
                        <option value="">"全部企业"</option>
                        {move || ent_options().into_iter().map(|(id, n)| view! { <option value=id.to_string()>{n}</option> }).collect_view()}
                    </select>
                    {move || rows(ledger, filter, limit)}
                </section>
            }.into_any(),
        }}
    }
}

/// The counts and the first `limit` rows the filter shows.
fn rows(
    ledger: RwSignal<Option<Ledger>, LocalStorage>,
    filter: RwSignal<HazardFilter>,
    limit: RwSignal<usize>,
) -> impl IntoView {
    let day = today();
    let f = filter.get();
    let n = limit.get();
    ledger.with(|l| {
        let l = l.as_ref()?;
        let by_id: HashMap<Uuid, &Enterprise> =
            l.enterprises.iter().map(|e| (e.meta.id, e)).collect();
        let lookup = Lookup {
            enterprises: &by_id,
            stages: &l.stages,
        };
        let (shown, counts) = f.apply(&l.hazards, &lookup, day);
        let items = shown
            .iter()
            .take(n)
            .map(|h| {
                let name = by_id.get(&h.enterprise_id).map(|e| e.name.clone()).unwrap_or_default();
                let stage = lookup.stages.get(&h.inspection_id).map(|s| s.label()).unwrap_or("");
                view! {
                    <li class="list-item" class:overdue=h.is_overdue(day)>
                        <a class="list-main" href=format!("/hazards/{}", h.id)>
                            <strong>{h.description.clone()}</strong>
                            <span class="muted">
                                {format!("{name} · {} · {} · {stage} · {}", h.kind.label(), h.state_label(day), h.found_on)}
                            </span>
                        </a>
                        <a class="btn small" href=format!("/hazards/{}/rectify", h.id)>"办理"</a>
                    </li>
                }
            })
            .collect_view();
        // Until every hazard is read the counts would be of the first page only: not shown.
        let counts = if l.complete {
            view! { <p class="muted" data-testid="hazard-count">{counts.sentence()}</p> }.into_any()
        } else {
            view! { <p class="muted" data-testid="hazard-reading">"正在读取全部隐患…"</p> }.into_any()
        };
        let more = shown.len().saturating_sub(n);
        Some(view! {
            {counts}
            <ul class="list" data-testid="hazard-list">{items}</ul>
            {(more > 0).then(|| view! {
                <button class="btn" data-testid="hazard-more"
                    on:click=move |_| limit.update(|n| *n += PAGE as usize)>
                    {format!("显示更多（还有 {more} 条）")}
                </button>
            })}
        })
    })
}

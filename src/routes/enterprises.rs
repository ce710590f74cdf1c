use leptos::prelude::*;
use model::enterprise::Enterprise;

use crate::components::loaded;
use crate::pinyin;
use crate::store::{self, records};

/// The enterprises on this device, live (not deleted), sorted by name in pinyin order.
pub async fn load_enterprises() -> store::StoreResult<Vec<Enterprise>> {
    let db = store::db().await?;
    let mut list: Vec<Enterprise> = records::list(&db)
        .await?
        .into_iter()
        .filter(|e: &Enterprise| !e.meta.deleted)
        .collect();
    list.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(list)
}

/// 企业台账: search by name or pinyin initials, open one, or add one.
#[component]
pub fn Enterprises() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let data = LocalResource::new(|| async {
        load_enterprises().await.map(|list| {
            list.into_iter()
                .map(|e| {
                    let ini = pinyin::initials(&e.name);
                    (e, ini)
                })
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section class="card">
            <div class="row between">
                <h1>"企业台账"</h1>
                <a class="btn" href="/enterprises/new">"新增企业"</a>
            </div>
            <input
                type="search"
                placeholder="查找：企业名称或拼音首字母（如 xzgt）"
                aria-label="查找企业"
                prop:value=query
                on:input=move |ev| query.set(event_target_value(&ev))
            />
        </section>
        {loaded(
            data,
            move |list| match list {
                        list if list.is_empty() => {
                            view! {
                                <p class="card muted">
                                    "本机还没有企业。点“新增企业”录入第一家。"
                                </p>
                            }
                                .into_any()
                        }
                        list => {
                            view! {
                                <ul class="list" data-testid="enterprise-list">
                                    {move || {
                                        let q = query.get();
                                        list.iter()
                                            .filter(|(e, ini)| pinyin::matches(&e.name, ini, &q))
                                            .map(|(e, _)| enterprise_row(e))
                                            .collect_view()
                                    }}
                                </ul>
                            }
                                .into_any()
                        }
            },
        )}
    }
}

fn enterprise_row(e: &Enterprise) -> impl IntoView {
    let county = e.county().map(|c| c.name).unwrap_or("未填所在县");
    let tags = e
        .tags
        .iter()
        .map(|t| t.label())
        .collect::<Vec<_>>()
        .join("、");
    let id = e.meta.id;
    view! {
        <li class="list-item">
            <a class="list-main" href=format!("/enterprises/{id}")>
                <strong>{e.name.clone()}</strong>
                <span class="muted">
                    {format!("{county} · {} · {}", e.industry.label(), e.scale.label())}
                    {(!tags.is_empty()).then(|| format!(" · {tags}"))}
                </span>
            </a>
            <a class="btn small" href=format!("/inspections/new?enterprise={id}")>"开始检查"</a>
            <a class="btn small secondary" href=format!("/penalties?enterprise={id}")>"行政处罚"</a>
        </li>
    }
}

use leptos::prelude::*;
use model::campaign::Campaign;

use super::inspections::{discard, load_rows, row_view};
use crate::browser::today;
use crate::components::StoreErrorView;

/// 首页: the campaign in force, the Friday reminder, and what is unfinished on this device.
#[component]
pub fn Home() -> impl IntoView {
    let today = today();
    let campaigns = Campaign::bundled();
    let shown = Campaign::latest(&campaigns, today).cloned();
    let drafts = LocalResource::new(|| async {
        load_rows().await.map(|rows| {
            rows.into_iter()
                .filter(|r| !r.inspection.is_frozen())
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section class="card campaign" data-testid="campaign">
            {match shown {
                Some(c) => {
                    // Weekly reports are only due while the campaign runs; an ended or upcoming
                    // campaign says so instead of reminding of a Friday that does not count.
                    let when = if c.is_active(today) {
                        c.report_reminder(today)
                    } else if today > c.end {
                        format!("本专项行动已于{}结束；记录仍可查看和导出。", c.end.to_chinese())
                    } else {
                        format!("本专项行动将于{}开始。", c.start.to_chinese())
                    };
                    view! {
                        <h1>{c.name.clone()}</h1>
                        <p class="muted">{format!("{} · {}", c.doc_number, c.issuer)}</p>
                        <p>{format!("行动时间：{} 至 {}", c.start.to_chinese(), c.end.to_chinese())}</p>
                        <p class="reminder" data-testid="report-reminder">{when}</p>
                    }
                        .into_any()
                }
                None => view! { <h1>"尚未收录专项行动"</h1> }.into_any(),
            }}
        </section>
        <section class="card" data-testid="drafts">
            <div class="row between">
                <h2>"未完成的检查"</h2>
                <a class="btn small" href="/inspections/new">"开始检查"</a>
            </div>
            <Suspense fallback=|| view! { <p class="muted">"正在读取…"</p> }>
                {move || {
                    drafts.get()
                        .map(|r| match r {
                            Err(e) => view! { <StoreErrorView error=e/> }.into_any(),
                            Ok(rows) if rows.is_empty() => {
                                view! { <p class="muted">"没有未完成的检查。"</p> }.into_any()
                            }
                            Ok(rows) => {
                                view! {
                                    <ul class="list">
                                        {rows
                                            .into_iter()
                                            .map(|r| {
                                                let insp = r.inspection.clone();
                                                let name = r.enterprise.clone();
                                                let drop_it = move |_| {
                                                    let ok = crate::browser::window()
                                                        .confirm_with_message(&format!(
                                                            "丢弃对“{name}”的这次检查？其中记录的隐患也一并作废（不可在本机恢复）。",
                                                        ))
                                                        .unwrap_or(false);
                                                    if ok {
                                                        let insp = insp.clone();
                                                        leptos::task::spawn_local(async move {
                                                            match discard(&insp).await {
                                                                Ok(()) => drafts.refetch(),
                                                                Err(e) => {
                                                                    let _ = crate::browser::window()
                                                                        .alert_with_message(&e.to_string());
                                                                }
                                                            }
                                                        });
                                                    }
                                                };
                                                view! {
                                                    <div class="draft">
                                                        {row_view(&r)}
                                                        <button class="small secondary danger-text" on:click=drop_it>
                                                            "丢弃"
                                                        </button>
                                                    </div>
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
        </section>
    }
}

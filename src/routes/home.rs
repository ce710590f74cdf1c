use leptos::prelude::*;
use model::campaign::Campaign;

use super::lazy::NotLoaded;
use crate::browser::today;

/// 首页: the campaign in force, the Friday reminder, and what is unfinished on this device
/// ([`super::home_drafts`]).
#[component]
pub fn Home() -> impl IntoView {
    let today = today();
    let campaigns = Campaign::bundled();
    let shown = Campaign::latest(&campaigns, today).cloned();
    // The list itself comes with the `home` chunk (see `home_chunk`): its code is not part of
    // the start, and it is fetched once the card is painted.
    let drafts = LocalResource::new(|| async {
        crate::browser::after_paint().await;
        super::home_chunk::drafts().await
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
                {move || drafts.get().map(|loaded| match loaded {
                    Ok(draw) => draw(),
                    Err(NotLoaded) => view! {
                        <p class="field-msg error" role="alert" data-testid="drafts-not-loaded">
                            "未完成的检查暂时无法显示：这部分程序在第一次打开应用时于后台下载，这次未能下载完成。"
                            "请连接网络后重新打开应用；本机保存的检查不受影响。"
                        </p>
                    }
                        .into_any(),
                })}
            </Suspense>
        </section>
    }
}

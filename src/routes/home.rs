use leptos::prelude::*;
use model::campaign::Campaign;

use crate::browser::today;

/// 首页: the campaign in force, the Friday reminder, and what is unfinished on this device.
#[component]
pub fn Home() -> impl IntoView {
    let today = today();
    let campaigns = Campaign::bundled();
    let current = Campaign::current(&campaigns, today).cloned();
    view! {
        <section class="card campaign" data-testid="campaign">
            {match current {
                Some(c) => {
                    let report = c.next_report_day(today);
                    let days = report.days_since_epoch() - today.days_since_epoch();
                    let when = if days == 0 {
                        "今天".to_string()
                    } else {
                        format!("{days} 天后")
                    };
                    view! {
                        <h1>{c.name.clone()}</h1>
                        <p class="muted">{format!("{} · {}", c.doc_number, c.issuer)}</p>
                        <p>{format!("行动时间：{} 至 {}", c.start, c.end)}</p>
                        <p class="reminder">
                            {format!(
                                "周调度：请于 {}（星期五，{}）前报送附件1周调度统计表和附件2重大事故隐患台账。",
                                report,
                                when,
                            )}
                        </p>
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <h1>"当前没有进行中的专项行动"</h1>
                        <p class="muted">
                            {format!(
                                "今天是 {today}。已收录的专项行动：{}。",
                                campaigns
                                    .iter()
                                    .map(|c| format!("{}（{}，{} 至 {}）", c.name, c.doc_number, c.start, c.end))
                                    .collect::<Vec<_>>()
                                    .join("；"),
                            )}
                        </p>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

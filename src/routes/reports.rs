use leptos::prelude::*;
use model::annex::{
    Dataset, MajorHazardLedger, Scope, WeeklyNarrative, WeeklyReport, LEDGER_HEADERS, LEDGER_NOTE,
};
use model::campaign::Campaign;
use model::county::County;
use model::enterprise::Enterprise;
use model::hazard::Hazard;
use model::inspection::Inspection;
use model::penalty::Penalty;

use crate::browser::today;
use crate::components::loaded;
use crate::data;
use crate::store::{self, sync_rows, StoreResult};

/// Everything the annexes are computed from: the records on this device (after sync, the
/// user's whole scope).
#[derive(Clone)]
struct Records {
    enterprises: Vec<Enterprise>,
    inspections: Vec<Inspection>,
    hazards: Vec<Hazard>,
    penalties: Vec<Penalty>,
}

async fn load() -> StoreResult<Records> {
    Ok(Records {
        enterprises: data::live().await?,
        inspections: data::live().await?,
        hazards: data::live().await?,
        penalties: data::live().await?,
    })
}

fn narrative_key(campaign: &str, scope: &str, week: model::date::Date) -> String {
    format!("narrative/{campaign}/{scope}/{week}")
}

/// 报表: 附件1 周调度统计表 and 附件2 重大事故隐患台账, computed from the records, never retyped.
#[component]
pub fn Reports() -> impl IntoView {
    let data = LocalResource::new(load);
    let campaigns = Campaign::bundled();
    let campaign = StoredValue::new(
        Campaign::latest(&campaigns, today())
            .cloned()
            .expect("a bundled campaign"),
    );
    let weeks = campaign.with_value(|c| c.report_weeks());
    let default_week = weeks
        .iter()
        .rev()
        .find(|w| w.end <= today())
        .or(weeks.last())
        .map(|w| w.end)
        .expect("the campaign has report weeks");
    let week = RwSignal::new(default_week);
    let scope_key = RwSignal::new(String::from("city"));
    let scope = move || match County::by_code(&scope_key.get()) {
        Some(c) => Scope::County(c),
        None => Scope::City,
    };
    let narrative = RwSignal::new(WeeklyNarrative::default());
    // The county's own text rows, kept per campaign, scope and week on this device.
    Effect::new(move |_| {
        let key = narrative_key(
            &campaign.with_value(|c| c.id.clone()),
            &scope_key.get(),
            week.get(),
        );
        leptos::task::spawn_local(async move {
            if let Ok(db) = store::db().await {
                let n = sync_rows::meta_get(&db, &key)
                    .await
                    .ok()
                    .flatten()
                    .and_then(|t| serde_json::from_str(&t).ok())
                    .unwrap_or_default();
                narrative.set(n);
            }
        });
    });
    let save_narrative = move |n: WeeklyNarrative| {
        narrative.set(n.clone());
        let key = narrative_key(
            &campaign.with_value(|c| c.id.clone()),
            &scope_key.get_untracked(),
            week.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            if let (Ok(db), Ok(text)) = (store::db().await, serde_json::to_string(&n)) {
                let _ = sync_rows::meta_put(&db, &key, &text).await;
            }
        });
    };

    view! {
        <section class="card no-print">
            <h1>"报表"</h1>
            <div class="filters">
                <select aria-label="填报范围" on:change=move |ev| scope_key.set(event_target_value(&ev))>
                    <option value="city">"全市"</option>
                    {County::all().iter().map(|c| view! { <option value=c.code>{c.name}</option> }).collect_view()}
                </select>
                <select aria-label="报送日期（周五）" on:change=move |ev| {
                    if let Ok(d) = model::date::Date::parse(&event_target_value(&ev)) { week.set(d) }
                }>
                    {weeks
                        .iter()
                        .rev()
                        .map(|w| {
                            let selected = w.end == default_week;
                            view! { <option value=w.end.to_string() selected=selected>{format!("{}（{}—{}）", w.end.to_chinese(), w.start, w.end)}</option> }
                        })
                        .collect_view()}
                </select>
                <button class="secondary" on:click=move |_| { let _ = crate::browser::window().print(); }>"打印"</button>
            </div>
            <p class="muted">"数字由本机记录（同步后即本辖区全部记录）自动汇总，截至所选周五，自专项行动开始累计。"</p>
        </section>
        {loaded(data, move |recs: Records| {
            let recs = StoredValue::new(recs);
            view! {
                {move || {
                    let (w, s, n) = (week.get(), scope(), narrative.get());
                    recs.with_value(|r| campaign.with_value(|c| {
                        let ds = Dataset { campaign: c, enterprises: &r.enterprises, inspections: &r.inspections, hazards: &r.hazards, penalties: &r.penalties };
                        match WeeklyReport::compute(&ds, s, w, n.clone()) {
                            Err(e) => view! { <p class="banner error">{e.to_string()}</p> }.into_any(),
                            Ok(report) => weekly_view(&report, n, save_narrative).into_any(),
                        }
                    }))
                }}
                {move || {
                    let (w, s) = (week.get(), scope());
                    recs.with_value(|r| campaign.with_value(|c| {
                        let ds = Dataset { campaign: c, enterprises: &r.enterprises, inspections: &r.inspections, hazards: &r.hazards, penalties: &r.penalties };
                        ledger_view(&MajorHazardLedger::compute(&ds, s, w))
                    }))
                }}
            }
        })}
    }
}

fn weekly_view(
    report: &WeeklyReport,
    n: WeeklyNarrative,
    save: impl Fn(WeeklyNarrative) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let rows = report.rows();
    view! {
        <article class="sheet report" data-testid="annex1">
            <p class="sheet-annex">"附件1"</p>
            <h1 class="sheet-title">{report.title.clone()}</h1>
            <p class="sheet-head">
                <span>"填报单位："<u>{report.unit.clone()}</u></span>
                <span>"填报时间："<u>{report.report_date().to_chinese()}</u></span>
            </p>
            <table class="sheet-table">
                <thead><tr><th class="c-seq">"序号"</th><th>"类别"</th><th>"要点"</th><th>"备注"</th></tr></thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|r| {
                            let editable = matches!(r.seq, 1 | 6 | 7 | 8);
                            let seq = r.seq;
                            let n = n.clone();
                            view! {
                                <tr data-testid="annex1-row">
                                    <td class="c-seq">{r.seq}</td>
                                    <td>{r.category}</td>
                                    <td>
                                        {if editable {
                                            view! {
                                                <textarea
                                                    class="no-print-border"
                                                    aria-label=r.category
                                                    placeholder="本周情况（自行填写，按周保存）"
                                                    prop:value=r.content.clone()
                                                    on:change=move |ev| {
                                                        let v = event_target_value(&ev);
                                                        let mut n = n.clone();
                                                        match seq {
                                                            1 => n.deployment = v,
                                                            6 => n.publicity = v,
                                                            7 => n.problems = v,
                                                            _ => n.suggestions = v,
                                                        }
                                                        save(n);
                                                    }
                                                ></textarea>
                                            }
                                                .into_any()
                                        } else {
                                            view! { <span>{r.content.clone()}</span> }.into_any()
                                        }}
                                    </td>
                                    <td>{r.note}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <p class="muted">"说明：按照工作部署，周调度表每周五汇总。其中，调度事项中需要概述工作简要情况的，按每周实际工作情况填写；其余信息，填报自专项行动部署以来的累计数据，逐周累加更新。"</p>
        </article>
    }
}

fn ledger_view(l: &MajorHazardLedger) -> AnyView {
    view! {
        <article class="sheet report" data-testid="annex2">
            <p class="sheet-annex">"附件2"</p>
            <h1 class="sheet-title">{l.title.clone()}</h1>
            <p class="sheet-head">
                <span>"填报单位："<u>{l.unit.clone()}</u></span>
                <span>"填报时间："<u>{l.date.to_chinese()}</u></span>
            </p>
            <table class="sheet-table wide">
                <thead><tr>{LEDGER_HEADERS.iter().map(|h| view! { <th>{*h}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {l.rows
                        .iter()
                        .map(|r| {
                            let href = format!("/hazards/{}", r.hazard_id);
                            view! {
                                <tr data-testid="annex2-row" class:overdue=r.overdue>
                                    {r.cells
                                        .iter()
                                        .enumerate()
                                        .map(|(i, c)| {
                                            if i == 7 {
                                                view! { <td><a href=href.clone()>{c.clone()}</a></td> }.into_any()
                                            } else {
                                                view! { <td>{c.clone()}</td> }.into_any()
                                            }
                                        })
                                        .collect_view()}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <p class="muted">{LEDGER_NOTE}</p>
        </article>
    }
    .into_any()
}

//! 交叉检查 (`/cross`): 附件3 工作安排 — one of the 14 检查方→受检方 pairs, a plan (dates and
//! the enterprises drawn) checked live against the notice's rules — and 附件4 汇总表 of that
//! pair, both computed on the device. The plan is a synced record (`cross_plan`, see
//! `model::office`): written by the 检查方 county (or the city), kept on the server, merged
//! field by field when two clerks edit it; a 交叉检查组 account does not receive it (the draw
//! must not reach the 受检县 before the inspection).

use leptos::prelude::*;
use model::annex::{
    check_cross_plan, CrossPlan, CrossSummary, CROSS_SUMMARY_HEADERS, CROSS_SUMMARY_NOTE,
};
use model::campaign::{Campaign, CrossPair};
use model::date::Date;
use model::enterprise::Enterprise;
use model::sync::RoleKind;
use model::validation::Issue;
use uuid::Uuid;

use super::dashboard::OfficeNav;
use super::report_download::DownloadButton;
use crate::browser::today;
use crate::components::loaded;
use crate::data;
use crate::store::note_edits::NoteEdits;
use crate::store::{self, office};
use model::annex::Records;
use model::office::CrossPlanRecord;
use model::record::Record;

/// A new plan: the first 3 days of the notice's window (2025年3月), nothing drawn yet.
fn blank_plan(c: &Campaign, pair: CrossPair) -> CrossPlan {
    let start = c.cross_rules.as_ref().map_or(c.start, |r| r.window_start);
    CrossPlan {
        pair,
        start,
        end: start.add_days(2),
        enterprises: Vec::new(),
    }
}

#[component]
pub fn Cross() -> impl IntoView {
    let data = LocalResource::new(data::annex_records);
    let campaigns = Campaign::bundled();
    let campaign = StoredValue::new(
        Campaign::latest(&campaigns, today())
            .cloned()
            .expect("a bundled campaign"),
    );
    let pairs = campaign.with_value(|c| c.cross_pairs.clone());
    let Some(first) = pairs.first().copied() else {
        return view! {
            <OfficeNav current="/cross"/>
            <section class="card"><h1>"交叉检查"</h1><p>"本专项行动没有交叉检查工作安排（附件3）。"</p></section>
        }
        .into_any();
    };
    // A 县级 account starts on the pair it inspects, a 交叉检查组 on the county it inspects.
    let mine = crate::sync::session::current().and_then(|s| {
        let county = model::county::County::by_code(s.user.county.as_deref()?)?;
        campaign.with_value(|c| match s.user.role {
            RoleKind::County => c.pair_for_inspector(county),
            RoleKind::Cross => c.pair_for_inspected(county),
            _ => None,
        })
    });
    let start_pair = mine.unwrap_or(first);
    let pair = RwSignal::new(start_pair);
    let plan = RwSignal::new(campaign.with_value(|c| blank_plan(c, start_pair)));
    let saved = RwSignal::new(None::<bool>);
    // 附件4's 填报时间: today, or the campaign's last day once it is over.
    let summary_day = RwSignal::new(campaign.with_value(|c| today().min(c.end)));

    // Who may change the plan of the pair shown: 市级, and the 检查方 county itself.
    let role = crate::sync::session::current().and_then(|s| s.user.role().ok());
    let blocked = Memo::new(move |_| {
        let p = pair.get();
        role.as_ref().and_then(|r| {
            model::office::write_refusal(r, CrossPlanRecord::KIND, Some(p.inspector.code))
        })
    });
    let status = use_context::<RwSignal<crate::sync::SyncStatus>>();
    // Only a finished successful sync reloads: the status changes at every step of a run.
    let last_ok = Memo::new(move |_| status.and_then(|s| s.with(|s| s.last_ok)));
    let migrated = StoredValue::new(false);
    // A reload that read before an edit of its pair was written would put the older plan back,
    // and the next edit would save it over the first one (see `NoteEdits`); `reread` reloads
    // once the edits are written.
    let edits = StoredValue::new(NoteEdits::new());
    let reread = RwSignal::new(0u64);
    // The plan of this pair as synced to this device, else a blank one; reloaded after every
    // successful sync (another clerk's draw may have arrived).
    Effect::new(move |_| {
        let p = pair.get();
        last_ok.track();
        reread.track();
        let mark = edits.with_value(NoteEdits::mark);
        let campaign_id = campaign.with_value(|c| c.id.clone());
        leptos::task::spawn_local(async move {
            let kept: Option<CrossPlan> = match store::db().await {
                Ok(db) => {
                    if !migrated.get_value() {
                        migrated.set_value(true);
                        if let Some(r) =
                            crate::sync::session::current().and_then(|s| s.user.role().ok())
                        {
                            let _ = office::migrate_meta(&db, &r).await;
                        }
                    }
                    office::plan(&db, &campaign_id, p)
                        .await
                        .ok()
                        .flatten()
                        .map(|r| r.plan())
                }
                Err(_) => None,
            };
            // The user may have picked another pair, or changed this one, while this was read.
            let stale = edits.try_update_value(|e| e.stale(mark, p)).unwrap_or(true);
            if pair.get_untracked() == p && !stale {
                saved.set(None);
                plan.set(kept.unwrap_or_else(|| campaign.with_value(|c| blank_plan(c, p))));
            }
        });
    });
    let edit = move |f: Box<dyn FnOnce(&mut CrossPlan)>| {
        if blocked.get_untracked().is_some() {
            // Puts the inputs back to the plan as it is.
            plan.update(|_| {});
            return;
        }
        plan.update(|p| f(p));
        let p = plan.get_untracked();
        let key = pair.get_untracked();
        edits.update_value(|e| e.edit(key));
        let campaign_id = campaign.with_value(|c| c.id.clone());
        leptos::task::spawn_local(async move {
            let ok = match store::db().await {
                Ok(db) => office::save_plan(&db, &campaign_id, p).await.is_ok(),
                Err(_) => false,
            };
            saved.set(Some(ok));
            let reload_due = edits.try_update_value(|e| e.written(key)).unwrap_or(false);
            if ok && reload_due {
                reread.update(|n| *n += 1);
            }
            if let Some(s) = status {
                crate::sync::scheduler::trigger(s);
            }
        });
    };

    let pair_options = pairs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            view! {
                <option value=i.to_string()>
                    {format!("{}. {} → {}", i + 1, p.inspector.name, p.inspected.name)}
                </option>
            }
        })
        .collect_view();
    let pairs_sel = pairs.clone();
    let pairs_idx = pairs.clone();

    view! {
        <OfficeNav current="/cross"/>
        <section class="card no-print">
            <h1>"县级交叉检查（附件3·附件4）"</h1>
            <DownloadButton
                label="下载附件3 工作安排表（Excel）"
                testid="download-annex3"
                url=Signal::derive(move || format!("/api/reports/annex3.xlsx?date={}", crate::browser::today()))
                fallback=Signal::derive(|| "附件3县级交叉检查工作安排表.xlsx".to_owned())
            />
            <label for="cross-pair">"检查方 → 受检方（附件3）"</label>
            <select
                id="cross-pair"
                prop:value=move || {
                    let p = pair.get();
                    pairs_idx.iter().position(|q| *q == p).unwrap_or(0).to_string()
                }
                on:change=move |ev| {
                    if let Some(p) = event_target_value(&ev)
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| pairs_sel.get(i).copied())
                    {
                        pair.set(p)
                    }
                }
            >
                {pair_options}
            </select>
            <p class="muted">
                "检查时间不少于3天，抽检企业不少于5家（中小企业比例不低于60%），原则上涵盖钢铁、铝加工（深井铸造）、涉爆粉尘、有限空间作业等重点企业，各县交叉检查应包含开发区。"
            </p>
        </section>
        {loaded(data, move |recs: Records| {
            let recs = StoredValue::new(recs);
            view! {
                {move || blocked.get().map(|why| view! { <p class="banner warn" data-testid="cross-readonly">{why}</p> })}
                {plan_editor(pair, plan, saved, recs, campaign, edit)}
                {move || {
                    let (p, d) = (pair.get(), summary_day.get());
                    recs.with_value(|r| campaign.with_value(|c| {
                        let ds = r.dataset(c);
                        summary_view(&CrossSummary::compute(&ds, p, d), summary_day)
                    }))
                }}
            }
        })}
    }
    .into_any()
}

fn plan_editor(
    pair: RwSignal<CrossPair>,
    plan: RwSignal<CrossPlan>,
    saved: RwSignal<Option<bool>>,
    recs: StoredValue<Records>,
    campaign: StoredValue<Campaign>,
    edit: impl Fn(Box<dyn FnOnce(&mut CrossPlan)>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let set_date = move |which: bool, v: String| {
        if let Ok(d) = Date::parse(&v) {
            edit(Box::new(
                move |p| {
                    if which {
                        p.start = d
                    } else {
                        p.end = d
                    }
                },
            ))
        }
    };
    view! {
        <section class="card plan-card" data-testid="cross-plan">
            <div class="row between">
                <h2>"附件3 交叉检查工作安排"</h2>
                <span class="save-badge" class:error=move || saved.get() == Some(false) data-testid="cross-saved">
                    {move || match saved.get() {
                        Some(true) => "计划已保存在本机",
                        Some(false) => "保存失败，请重试",
                        None => "",
                    }}
                </span>
            </div>
            <div class="date-pair">
                <div>
                    <label for="cross-start">"开始日期"</label>
                    <input
                        id="cross-start"
                        type="date"
                        prop:value=move || plan.with(|p| p.start.to_string())
                        on:change=move |ev| set_date(true, event_target_value(&ev))
                    />
                </div>
                <div>
                    <label for="cross-end">"结束日期"</label>
                    <input
                        id="cross-end"
                        type="date"
                        prop:value=move || plan.with(|p| p.end.to_string())
                        on:change=move |ev| set_date(false, event_target_value(&ev))
                    />
                </div>
            </div>
            {move || {
                let p = plan.get();
                recs.with_value(|r| campaign.with_value(|c| {
                    let issues = check_cross_plan(&p, &r.enterprises, c);
                    let chosen: Vec<&Enterprise> = r
                        .enterprises
                        .iter()
                        .filter(|e| p.enterprises.contains(&e.meta.id))
                        .collect();
                    let sme = chosen.iter().filter(|e| e.is_sme()).count();
                    let days = (p.start.days_until(p.end) + 1).max(0);
                    let share = (sme * 100).checked_div(chosen.len()).unwrap_or(0);
                    view! {
                        <p class="plan-facts" data-testid="cross-facts">
                            {format!(
                                "检查{days}天；已选{}家企业，其中中小企业{sme}家（{share}%）。",
                                chosen.len()
                            )}
                        </p>
                        {issues_view(issues)}
                    }
                }))
            }}
            <h3>{move || format!("{}的企业（本机台账）", pair.get().inspected.name)}</h3>
            {move || {
                let inspected = pair.get().inspected;
                let pool: Vec<Enterprise> = recs.with_value(|r| {
                    r.enterprises
                        .iter()
                        .filter(|e| e.county.trim() == inspected.code)
                        .cloned()
                        .collect()
                });
                if pool.is_empty() {
                    return view! {
                        <p class="muted">
                            {format!(
                                "本机没有{}的企业。请先在“企业”页录入，或联网同步后再安排。",
                                inspected.name
                            )}
                        </p>
                    }
                        .into_any();
                }
                view! {
                    <ul class="list pick-list" data-testid="cross-enterprises">
                        {pool.into_iter().map(|e| enterprise_pick(e, plan, edit)).collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
    }
}

fn enterprise_pick(
    e: Enterprise,
    plan: RwSignal<CrossPlan>,
    edit: impl Fn(Box<dyn FnOnce(&mut CrossPlan)>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id: Uuid = e.meta.id;
    let mut facts = vec![e.scale.label().to_owned(), e.industry.label().to_owned()];
    facts.extend(e.tags.iter().map(|t| t.label().to_owned()));
    if let Some(z) = e.zone() {
        facts.push(z.name.to_owned());
    }
    view! {
        <li>
            <label class="pick" data-testid="cross-ent">
                <input
                    type="checkbox"
                    prop:checked=move || plan.with(|p| p.enterprises.contains(&id))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        edit(Box::new(move |p| {
                            p.enterprises.retain(|x| *x != id);
                            if on {
                                p.enterprises.push(id);
                            }
                        }))
                    }
                />
                <span class="pick-main">
                    <span class="pick-name">{e.name.clone()}</span>
                    <span class="pick-tags">
                        {facts
                            .into_iter()
                            .map(|f| view! { <span class="tag">{f}</span> })
                            .collect_view()}
                    </span>
                </span>
            </label>
        </li>
    }
}

/// Errors first (what blocks the plan), then the 原则上 reminders.
fn issues_view(issues: Vec<Issue>) -> AnyView {
    let (errors, warnings): (Vec<Issue>, Vec<Issue>) =
        issues.into_iter().partition(Issue::is_error);
    let head = if errors.is_empty() {
        view! {
            <p class="banner ok" role="status" data-testid="cross-ok">
                "符合交叉检查要求（天数、家数、中小企业比例、受检县、开发区）。"
            </p>
        }
        .into_any()
    } else {
        view! {
            <p class="banner error" role="alert" data-testid="cross-failed">
                {format!("不符合要求：{}项需调整", errors.len())}
            </p>
        }
        .into_any()
    };
    view! {
        {head}
        <ul class="issues" data-testid="cross-issues">
            {errors
                .into_iter()
                .map(|i| view! { <li class="field-msg error" data-testid="cross-issue">{i.message}</li> })
                .collect_view()}
            {warnings
                .into_iter()
                .map(|i| view! { <li class="field-msg warn" data-testid="cross-warning">{format!("提醒：{}", i.message)}</li> })
                .collect_view()}
        </ul>
    }
    .into_any()
}

fn summary_view(s: &CrossSummary, day: RwSignal<Date>) -> AnyView {
    let pair = s.pair;
    let date = s.date;
    let url = format!(
        "/api/reports/annex4.xlsx?date={date}&pair={}-{}",
        pair.inspector.code, pair.inspected.code
    );
    let fallback = format!(
        "附件4县级交叉检查隐患情况汇总表_{}_{date}.xlsx",
        pair.inspected.name
    );
    // Said above the table: a sentence in a 12-column row is cut off on a phone.
    let empty = s.rows.is_empty().then(|| {
        format!(
            "截至{}，本机记录中还没有{}对{}的交叉检查（检查环节选“交叉检查”）。",
            s.date.to_chinese(),
            pair.inspector.name,
            pair.inspected.name
        )
    });
    view! {
        <section class="card no-print">
            <div class="filters">
                <label for="cross-date">"附件4 填报时间（累计到该日）"</label>
                <input
                    id="cross-date"
                    type="date"
                    prop:value=date.to_string()
                    on:change=move |ev| {
                        if let Ok(d) = Date::parse(&event_target_value(&ev)) {
                            day.set(d)
                        }
                    }
                />
                <DownloadButton
                    label="下载附件4（Excel）"
                    testid="download-annex4"
                    url=Signal::derive(move || url.clone())
                    fallback=Signal::derive(move || fallback.clone())
                />
            </div>
        </section>
        <article class="sheet report" data-testid="annex4">
            <p class="sheet-annex">"附件4"</p>
            <h1 class="sheet-title">{s.title.clone()}</h1>
            <p class="sheet-head">
                <span>"填报单位："<u>{s.unit.clone()}</u></span>
                <span>"填报时间："<u>{s.date.to_chinese()}</u></span>
                <span class="muted">{format!("检查方：{}", pair.inspector.name)}</span>
            </p>
            {empty.map(|m| view! { <p class="muted" data-testid="annex4-empty">{m}</p> })}
            <table class="sheet-table wide">
                <thead>
                    <tr>{CROSS_SUMMARY_HEADERS.iter().map(|h| view! { <th>{*h}</th> }).collect_view()}</tr>
                </thead>
                <tbody>
                    {if s.rows.is_empty() {
                        view! {
                            <tr>
                                <td colspan="12" class="muted">"无"</td>
                            </tr>
                        }
                            .into_any()
                    } else {
                        s.rows
                            .iter()
                            .map(|r| {
                                let href = format!("/enterprises/{}", r.enterprise_id);
                                view! {
                                    <tr data-testid="annex4-row">
                                        {r.cells
                                            .iter()
                                            .enumerate()
                                            .map(|(i, c)| {
                                                if i == 1 {
                                                    view! { <td><a href=href.clone()>{c.clone()}</a></td> }.into_any()
                                                } else {
                                                    view! { <td class="pre">{c.clone()}</td> }.into_any()
                                                }
                                            })
                                            .collect_view()}
                                    </tr>
                                }
                            })
                            .collect_view()
                            .into_any()
                    }}
                </tbody>
            </table>
            <p class="muted">{CROSS_SUMMARY_NOTE}</p>
        </article>
    }
    .into_any()
}

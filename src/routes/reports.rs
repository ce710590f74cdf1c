use leptos::prelude::*;
use std::sync::Arc;

use model::annex::{
    Figure, HazardCount, MajorHazardLedger, Scope, WeeklyNarrative, WeeklyReport, LEDGER_HEADERS,
    LEDGER_NOTE,
};
use model::campaign::Campaign;
use model::county::County;
use model::enterprise::PairRole;
use model::hazard::Hazard;
use model::inspection::Inspection;
use model::penalty::Penalty;
use model::record::Record;

use crate::browser::today;
use crate::components::loaded;
use crate::data;
use crate::store::note_edits::NoteEdits;
use crate::store::{self, office};
use model::annex::Records;
use model::office::WeeklyNote;

use super::dashboard::OfficeNav;
use super::report_download::DownloadButton;

/// Who is signed in, as a role (`None`: nobody yet, or a session from an older build).
fn signed_in_role() -> Option<model::sync::Role> {
    crate::sync::session::current().and_then(|s| s.user.role().ok())
}

/// 报表: 附件1 周调度统计表 and 附件2 重大事故隐患台账, computed from the records, never retyped.
#[component]
pub fn Reports() -> impl IntoView {
    let data = LocalResource::new(data::annex_records);
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
    let role = signed_in_role();
    // A 县级 account opens on its own county, whose text it writes; the city on 全市.
    let start_scope = match &role {
        Some(model::sync::Role::County(c)) => c.clone(),
        _ => String::from("city"),
    };
    let scope_key = RwSignal::new(start_scope);
    let scope = move || match County::by_code(&scope_key.get()) {
        Some(c) => Scope::County(c),
        None => Scope::City,
    };
    let scope_county = move || match scope() {
        Scope::City => None,
        Scope::County(c) => Some(c.code),
    };
    // Rows 1, 6, 7, 8 of the scope's own note (a synced `weekly_note` record), and on 全市 each
    // county's note the city has pulled, shown read-only under the county's name.
    let narrative = RwSignal::new(WeeklyNarrative::default());
    let others = RwSignal::new(Vec::<(County, WeeklyNarrative)>::new());
    let save_error = RwSignal::new(None::<String>);
    let role_for_edit = role.clone();
    let editable = Memo::new(move |_| {
        let county = scope_county();
        // The server lets the city write any county's note; the screen leaves a county's
        // words to the county and edits only the city's own (全市).
        match &role_for_edit {
            None => true,
            Some(model::sync::Role::City) => county.is_none(),
            Some(r) => model::office::write_refusal(r, WeeklyNote::KIND, county).is_none(),
        }
    });
    let status = use_context::<RwSignal<crate::sync::SyncStatus>>();
    // Only a finished successful sync reloads: the status changes at every step of a run.
    let last_ok = Memo::new(move |_| status.and_then(|s| s.with(|s| s.last_ok)));
    let migrated = StoredValue::new(false);
    // A reload must never put back what the user has just typed over (see `NoteEdits`);
    // `reread` reloads once the edits are written.
    let edits = StoredValue::new(NoteEdits::<(Option<&'static str>, model::date::Date)>::new());
    let reread = RwSignal::new(0u64);
    Effect::new(move |_| {
        let (campaign_id, county, w) = (
            campaign.with_value(|c| c.id.clone()),
            scope_county(),
            week.get(),
        );
        // Reloaded after every successful sync: another clerk's text may have arrived.
        last_ok.track();
        reread.track();
        let mark = edits.with_value(NoteEdits::mark);
        let role = role.clone();
        leptos::task::spawn_local(async move {
            let Ok(db) = store::db().await else { return };
            if !migrated.get_value() {
                migrated.set_value(true);
                if let Some(r) = &role {
                    if let Err(e) = office::migrate_meta(&db, r).await {
                        save_error.set(Some(e.to_string()));
                    }
                }
            }
            let own = office::note(&db, &campaign_id, county, w)
                .await
                .ok()
                .flatten()
                .map(|n| n.text)
                .unwrap_or_default();
            let theirs = if county.is_none() {
                office::county_notes(&db, &campaign_id, w)
                    .await
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            // The user may have switched scope or week while this was read.
            let now = County::by_code(&scope_key.get_untracked()).map(|c| c.code);
            if now == county && week.get_untracked() == w {
                let stale = edits
                    .try_update_value(|e| e.stale(mark, (county, w)))
                    .unwrap_or(true);
                // Unchanged text is not set again: redrawing the rows would drop what is being
                // typed in another row and not yet saved.
                if !stale && narrative.with_untracked(|n| *n != own) {
                    narrative.set(own);
                }
                // The same: the counties' rows redraw the table, and a reread follows every
                // sync, which may end while a clerk is typing.
                if others.with_untracked(|o| *o != theirs) {
                    others.set(theirs);
                }
            }
        });
    });
    let save_narrative = move |seq: u8, text: String| {
        narrative.update(|n| *office::row_mut(n, seq) = text.clone());
        let (campaign_id, county, w) = (
            campaign.with_value(|c| c.id.clone()),
            scope_county(),
            week.get_untracked(),
        );
        edits.update_value(|e| e.edit((county, w)));
        leptos::task::spawn_local(async move {
            let result = match store::db().await {
                Ok(db) => office::edit_note(&db, &campaign_id, county, w, seq, text).await,
                Err(e) => Err(e),
            };
            let saved = result.is_ok();
            save_error.set(result.err().map(|e| e.to_string()));
            let reload_due = edits
                .try_update_value(|e| e.written((county, w)))
                .unwrap_or(false);
            // After a failed write the screen keeps the typed text (with the error) rather
            // than the stored one.
            if saved && reload_due {
                reread.update(|n| *n += 1);
            }
            if let Some(s) = status {
                crate::sync::scheduler::trigger(s);
            }
        });
    };

    // The figure whose records are listed under its row (one at a time; tap again to close).
    let open = RwSignal::new(None::<Figure>);
    let county_param = move || match scope() {
        Scope::City => String::new(),
        Scope::County(c) => format!("&county={}", c.code),
    };
    let annex1_url = move || {
        format!(
            "/api/reports/annex1.xlsx?date={}{}",
            week.get(),
            county_param()
        )
    };
    let annex2_url = move || {
        format!(
            "/api/reports/annex2.xlsx?date={}{}",
            week.get(),
            county_param()
        )
    };
    // The scope's own text rows go with the request (they may be newer than what is synced),
    // when this account writes them; the server adds the stored ones (each county's on 全市).
    let annex1_body = move || {
        if editable.get() {
            serde_json::json!({ "narrative": narrative.get() }).to_string()
        } else {
            "{}".to_owned()
        }
    };
    let annex1_name = move || format!("附件1周调度统计表_{}_{}.xlsx", scope().name(), week.get());
    let annex2_name = move || {
        format!(
            "附件2重大事故隐患台账_{}_{}.xlsx",
            scope().name(),
            week.get()
        )
    };

    view! {
        <OfficeNav current="/reports"/>
        <section class="card no-print">
            <h1>"报表"</h1>
            <div class="filters">
                <select aria-label="填报范围" prop:value=move || scope_key.get() on:change=move |ev| scope_key.set(event_target_value(&ev))>
                    <option value="city" selected=scope_key.get_untracked() == "city">"全市"</option>
                    {County::all().iter().map(|c| {
                        let selected = scope_key.get_untracked() == c.code;
                        view! { <option value=c.code selected=selected>{c.name}</option> }
                    }).collect_view()}
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
            <p class="muted">"数字由本机记录（同步后即本辖区全部记录）自动汇总，截至所选周五，自专项行动开始累计。点表中数字可列出其背后的记录。"</p>
            <div class="downloads">
                <DownloadButton label="下载附件1（Excel）" testid="download-annex1" url=Signal::derive(annex1_url) fallback=Signal::derive(annex1_name) body=Signal::derive(annex1_body)/>
                <DownloadButton label="下载附件2（Excel）" testid="download-annex2" url=Signal::derive(annex2_url) fallback=Signal::derive(annex2_name)/>
            </div>
            <p class="muted small">"Excel 由服务器按所选周五和范围生成，需联网并登录；上方表格离线也可查看、打印。"</p>
            <p class="muted small" data-testid="note-sync-hint">"第1、6、7、8栏的文字随同步保存到服务器，同一县的其他人员和市级可见；两人同时修改不同栏目都会保留。"</p>
            {move || save_error.get().map(|e| view! { <p class="banner error" role="alert">{e}</p> })}
        </section>
        {loaded(data, move |recs: Records| {
            let recs = StoredValue::new(recs);
            view! {
                {move || {
                    let (w, s, n) = (week.get(), scope(), narrative.get());
                    let n2 = n.clone();
                    recs.with_value(|r| campaign.with_value(|c| {
                        let ds = r.dataset(c);
                        match WeeklyReport::compute(&ds, s, w, n2.clone()) {
                            Err(e) => view! { <p class="banner error">{e.to_string()}</p> }.into_any(),
                            Ok(report) => {
                                let lists = Arc::new(figure_lists(&report, r));
                                // `others` is read inside each row's read-only block, not here:
                                // the counties' texts arrive with a sync, maybe while a clerk
                                // types, and redrawing the table would drop the typed text.
                                let text_rows = TextRows {
                                    editable: editable.get(),
                                    others,
                                };
                                weekly_view(&report, text_rows, save_narrative, open, lists).into_any()
                            }
                        }
                    }))
                }}
                {move || {
                    let (w, s) = (week.get(), scope());
                    recs.with_value(|r| campaign.with_value(|c| {
                        let ds = r.dataset(c);
                        ledger_view(&MajorHazardLedger::compute(&ds, s, w))
                    }))
                }}
            }
        })}
    }
}

/// One piece of a row 2–5 sentence: fixed wording, or a figure (shown as a tappable number),
/// or a note for the screen only (not printed, not in the sentence the Excel file carries).
enum Seg {
    T(&'static str),
    F(Figure),
    /// Which side of a 结对帮扶 pair the next count is (see `model::annex::SelfInspectionRow`).
    Side(PairRole),
}

/// `发现一般问题隐患N条，已整改N条；重大事故隐患N条，已整改N条`, with each N a figure.
fn tally_segs(v: &mut Vec<Seg>, f: fn(HazardCount) -> Figure) {
    use HazardCount::*;
    v.extend([
        Seg::T("发现一般问题隐患"),
        Seg::F(f(GeneralFound)),
        Seg::T("条，已整改"),
        Seg::F(f(GeneralRectified)),
        Seg::T("条；重大事故隐患"),
        Seg::F(f(MajorFound)),
        Seg::T("条，已整改"),
        Seg::F(f(MajorRectified)),
        Seg::T("条"),
    ]);
}

/// Rows 2–5 in the seed's wording (the sentences of `model::annex::weekly`), cut at the figures.
/// `weekly_view` checks the pieces join to the model's own sentence and otherwise shows that
/// sentence as plain text, so the wording can never drift from the Excel file.
fn segments(seq: u8) -> Vec<Seg> {
    use Seg::{F, T};
    let mut v = Vec::new();
    match seq {
        2 => {
            v.extend([F(Figure::SelfPlans), T("家企业制定了自查自改工作方案，")]);
            tally_segs(&mut v, Figure::SelfHazards);
            // The seed's words stay; the screen says beside each count which side it is: the
            // 标杆企业 are the 帮扶方, row 2's 帮扶企业 the 中小微企业 they help (被帮扶方).
            v.extend([
                T("（其中确定标杆企业"),
                Seg::Side(PairRole::Benchmark),
                F(Figure::Benchmarks),
                T("家，帮扶企业"),
                Seg::Side(PairRole::Helped),
                F(Figure::Helped),
                T("家，"),
            ]);
            tally_segs(&mut v, Figure::PairedHazards);
            v.push(T("）。"));
        }
        3 => {
            v.extend([T("市本级检查"), F(Figure::CityEnterprises), T("家企业，")]);
            tally_segs(&mut v, Figure::CityHazards);
            v.extend([
                T("。县级共检查"),
                F(Figure::CountyEnterprises),
                T("家企业，"),
            ]);
            tally_segs(&mut v, Figure::CountyHazards);
            v.push(T("。"));
        }
        4 => {
            v.extend([
                T("对"),
                F(Figure::CrossCounties),
                T("县开展了交叉检查，"),
                F(Figure::CrossCounties),
                T("县的"),
                F(Figure::CrossEnterprises),
                T("家企业，"),
            ]);
            tally_segs(&mut v, Figure::CrossHazards);
            v.push(T("。"));
        }
        5 => v.extend([
            T("处罚企业"),
            F(Figure::FinedEnterprises),
            T("家，合计处罚"),
            F(Figure::EnterpriseFineTotal),
            T("万元，处罚企业主要负责人"),
            F(Figure::FinedLeaders),
            T("人，合计处罚"),
            F(Figure::LeaderFineTotal),
            T("万元；限期整改"),
            F(Figure::RectifyByDeadline),
            T("家，停产整改"),
            F(Figure::SuspendProduction),
            T("家，取缔关闭"),
            F(Figure::Closed),
            T("家。"),
        ]),
        _ => {}
    }
    v
}

/// A stable name for a figure, for tests and `data-figure` (e.g. `county_hazards-major_found`).
fn figure_key(f: Figure) -> String {
    serde_json::to_value(f)
        .ok()
        .map(|v| match v {
            serde_json::Value::String(s) => s,
            serde_json::Value::Object(m) => m
                .into_iter()
                .map(|(k, v)| format!("{k}-{}", v.as_str().unwrap_or_default()))
                .collect(),
            other => other.to_string(),
        })
        .unwrap_or_default()
}

/// One record behind a figure: where it opens and how it reads in the list.
#[derive(Clone)]
struct Item {
    href: String,
    label: String,
}

/// The records behind every figure of the report, named from the device's records. A hazard
/// reads with the state it had on the report day (`Hazard::state_on`), as the figure counts it.
fn figure_lists(report: &WeeklyReport, r: &Records) -> Vec<(Figure, Vec<Item>)> {
    let day = report.report_date();
    let ent_name = |id: uuid::Uuid| {
        r.enterprises
            .iter()
            .find(|e| e.meta.id == id)
            .map_or_else(|| "（企业不在本机）".to_owned(), |e| e.name.clone())
    };
    Figure::all()
        .into_iter()
        .map(|f| {
            let b = report.records_behind(f);
            let items = b
                .ids
                .iter()
                .map(|&id| match b.kind {
                    k if k == Hazard::KIND => {
                        let h = r.hazards.iter().find(|h| h.meta.id == id);
                        Item {
                            href: format!("/hazards/{id}"),
                            label: h.map_or_else(
                                || "（隐患不在本机）".to_owned(),
                                |h| {
                                    format!(
                                        "{}：{}（{}，{}）",
                                        ent_name(h.enterprise_id),
                                        h.description.trim(),
                                        h.kind.label(),
                                        h.state_on(day).label()
                                    )
                                },
                            ),
                        }
                    }
                    k if k == Penalty::KIND => {
                        let p = r.penalties.iter().find(|p| p.meta.id == id);
                        Item {
                            href: format!("/penalties/{id}"),
                            label: p.map_or_else(
                                || "（处罚记录不在本机）".to_owned(),
                                |p| {
                                    format!(
                                        "{} {}：{}",
                                        ent_name(p.enterprise_id),
                                        p.date.to_chinese(),
                                        p.summary()
                                    )
                                },
                            ),
                        }
                    }
                    k if k == Inspection::KIND => {
                        let i = r.inspections.iter().find(|i| i.meta.id == id);
                        Item {
                            href: format!("/inspections/{id}"),
                            label: i.map_or_else(
                                || "（检查记录不在本机）".to_owned(),
                                |i| {
                                    format!(
                                        "{} {} {}",
                                        ent_name(i.enterprise_id),
                                        i.date.to_chinese(),
                                        i.unit.trim()
                                    )
                                },
                            ),
                        }
                    }
                    _ => Item {
                        href: format!("/enterprises/{id}"),
                        label: ent_name(id),
                    },
                })
                .collect();
            (f, items)
        })
        .collect()
}

/// Rows 2–5 with every figure a button; the records behind the open one are listed below.
fn figure_sentence(
    report: &WeeklyReport,
    seq: u8,
    content: String,
    open: RwSignal<Option<Figure>>,
) -> AnyView {
    let segs = segments(seq);
    let joined: String = segs
        .iter()
        .map(|s| match s {
            Seg::T(t) => (*t).to_owned(),
            Seg::F(f) => report.value(*f),
            Seg::Side(_) => String::new(),
        })
        .collect();
    if segs.is_empty() || joined != content {
        return view! { <span>{content}</span> }.into_any();
    }
    segs.into_iter()
        .map(|s| match s {
            Seg::T(t) => view! { <span>{t}</span> }.into_any(),
            Seg::Side(role) => view! {
                <span class="muted no-print" data-testid="pair-side">{format!("（{}）", role.side())}</span>
            }
            .into_any(),
            Seg::F(f) => {
                let n = report.records_behind(f).ids.len();
                view! {
                    <button
                        class="fig"
                        class:open=move || open.get() == Some(f)
                        data-testid="fig"
                        data-figure=figure_key(f)
                        aria-expanded=move || (open.get() == Some(f)).to_string()
                        title=figure_title(f, n)
                        on:click=move |_| open.update(|o| *o = if *o == Some(f) { None } else { Some(f) })
                    >
                        {report.value(f)}
                    </button>
                }
                .into_any()
            }
        })
        .collect_view()
        .into_any()
}

/// What tapping a figure lists; the 结对帮扶 counts say which side they are.
fn figure_title(f: Figure, n: usize) -> String {
    match f {
        Figure::Benchmarks => format!("列出这{n}家标杆企业（{}）", PairRole::Benchmark.side()),
        Figure::Helped => format!("列出这{n}家被帮扶企业（{}）", PairRole::Helped.side()),
        _ => format!("列出这{n}条记录"),
    }
}

/// The list under a row when one of its figures is open.
fn figure_list_row(
    seq: u8,
    open: RwSignal<Option<Figure>>,
    lists: Arc<Vec<(Figure, Vec<Item>)>>,
) -> impl IntoView {
    let mine: Vec<Figure> = segments(seq)
        .into_iter()
        .filter_map(|s| match s {
            Seg::F(f) => Some(f),
            Seg::T(_) | Seg::Side(_) => None,
        })
        .collect();
    move || {
        let f = open.get().filter(|f| mine.contains(f))?;
        let items = lists
            .iter()
            .find(|(g, _)| *g == f)
            .map(|(_, i)| i.clone())
            .unwrap_or_default();
        Some(view! {
            <tr class="fig-list no-print" data-testid="figure-list">
                <td colspan="4">
                    <div class="row between">
                        <strong>{format!("这一数字背后的记录（{}条）", items.len())}</strong>
                        <button class="small secondary" on:click=move |_| open.set(None)>"收起"</button>
                    </div>
                    {if items.is_empty() {
                        view! { <p class="muted">"没有记录（数字为0）。"</p> }.into_any()
                    } else {
                        view! {
                            <ul class="list">
                                {items
                                    .into_iter()
                                    .map(|i| view! { <li><a class="list-item" href=i.href data-testid="figure-item">{i.label}</a></li> })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }}
                </td>
            </tr>
        })
    }
}

/// How rows 1, 6, 7, 8 show: the scope's own text (editable when the account writes it) and,
/// on the city's 全市 report, each county's text above it, read-only under the county's name.
#[derive(Clone, Copy)]
struct TextRows {
    editable: bool,
    others: RwSignal<Vec<(County, WeeklyNarrative)>>,
}

/// One text row's read-only block: each county's text (city view), or the scope's own text
/// when this account may not change it.
fn others_view(seq: u8, rows: &TextRows, own: &str) -> AnyView {
    let mut items: Vec<(String, String)> = rows.others.with(|others| {
        others
            .iter()
            .filter_map(|(c, n)| {
                let mut n = n.clone();
                let text = office::row_mut(&mut n, seq).trim().to_owned();
                (!text.is_empty()).then(|| (c.name.to_owned(), text))
            })
            .collect()
    });
    if !rows.editable && !own.trim().is_empty() {
        items.push((String::new(), own.trim().to_owned()));
    }
    if items.is_empty() {
        return if rows.editable {
            ().into_any()
        } else {
            view! { <p class="muted" data-testid="note-empty">"（未填写）"</p> }.into_any()
        };
    }
    items
        .into_iter()
        .map(|(name, text)| {
            view! {
                <div class="note-readonly" data-testid="note-county" data-county=name.clone()>
                    {(!name.is_empty()).then(|| view! { <strong>{format!("【{name}】")}</strong> })}
                    <span class="pre-wrap">{text}</span>
                </div>
            }
        })
        .collect_view()
        .into_any()
}

fn weekly_view(
    report: &WeeklyReport,
    text_rows: TextRows,
    save: impl Fn(u8, String) + Copy + Send + Sync + 'static,
    open: RwSignal<Option<Figure>>,
    lists: Arc<Vec<(Figure, Vec<Item>)>>,
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
                            let lists = lists.clone();
                            let content = r.content.clone();
                            let readonly = editable
                                .then_some(move || others_view(seq, &text_rows, &content));
                            let city_label = move || {
                                (editable && text_rows.editable && text_rows.others.with(|o| !o.is_empty()))
                                    .then(|| view! { <strong class="muted">"【市本级】"</strong> })
                            };
                            view! {
                                <tr data-testid="annex1-row">
                                    <td class="c-seq">{r.seq}</td>
                                    <td>{r.category}</td>
                                    <td>
                                        {if editable && text_rows.editable {
                                            view! {
                                                {readonly}
                                                {city_label}
                                                <textarea
                                                    class="no-print-border"
                                                    aria-label=r.category
                                                    data-testid=format!("note-row-{seq}")
                                                    placeholder="本周情况（自行填写，按周保存，同步后同事可见）"
                                                    prop:value=r.content.clone()
                                                    on:change=move |ev| save(seq, event_target_value(&ev))
                                                ></textarea>
                                            }
                                                .into_any()
                                        } else if editable {
                                            view! { {readonly} }.into_any()
                                        } else {
                                            figure_sentence(report, seq, r.content.clone(), open)
                                        }}
                                    </td>
                                    <td>{r.note}</td>
                                </tr>
                                {figure_list_row(seq, open, lists)}
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

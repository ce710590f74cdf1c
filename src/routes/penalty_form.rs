use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;
use model::date::Date;
use model::enterprise::Enterprise;
use model::inspection::Inspection;
use model::money::Money;
use model::penalty::{Measure, Penalty, PersonFine};
use model::record::RecordMeta;

use crate::browser::{new_id, now_ms, today};
use crate::components::{loaded, FieldIssues, SaveBadge, StoreErrorView};
use crate::data;
use crate::settings::{device_id, profile, user_name};
use crate::store::autosave::{AutoSaver, SaveStatus};
use crate::store::{self, records, StoreError, StoreResult};

/// 记录行政处罚 (`/penalties/new?enterprise=<id>&inspection=<id>`): makes the case on this
/// device at once and continues at `/penalties/:id`, as 新增隐患 does, so from the first
/// keystroke on every edit is an auto-save of a record that already exists.
#[component]
pub fn PenaltyNew() -> impl IntoView {
    let query = use_query_map();
    let (enterprise, inspection) =
        query.with_untracked(|q| (q.get("enterprise"), q.get("inspection")));
    let error = RwSignal::new(None::<StoreError>);
    let navigate = use_navigate();
    leptos::task::spawn_local(async move {
        match create(enterprise, inspection).await {
            // replace: "back" from the form must not land here again and make a second case.
            Ok(id) => navigate(
                &format!("/penalties/{id}"),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            ),
            Err(e) => error.set(Some(e)),
        }
    });
    view! {
        <section class="card">
            <h1>"记录行政处罚"</h1>
            {move || match error.get() {
                None => view! { <p class="muted">"正在新建…"</p> }.into_any(),
                Some(e) => view! {
                    <StoreErrorView error=e/>
                    <p><a class="btn secondary" href="/penalties">"返回行政处罚列表"</a></p>
                }
                .into_any(),
            }}
        </section>
    }
}

/// Writes a new case for the enterprise (the inspection's, when one is given) and returns its id.
async fn create(enterprise: Option<String>, inspection: Option<String>) -> StoreResult<uuid::Uuid> {
    let insp = match inspection.filter(|s| !s.is_empty()) {
        Some(id) => Some(data::load::<Inspection>(&id, "该检查").await?),
        None => None,
    };
    let ent_id = match (&insp, enterprise.filter(|s| !s.is_empty())) {
        (Some(i), _) => i.enterprise_id.to_string(),
        (None, Some(id)) => id,
        (None, None) => {
            return Err(StoreError::NotFound(
                "要处罚的企业（请从企业台账进入）".into(),
            ))
        }
    };
    let ent: Enterprise = data::load(&ent_id, "要处罚的企业").await?;
    // The 处罚单位 is usually the office that inspected; otherwise the user's own unit.
    let unit = insp
        .as_ref()
        .map(|i| i.unit.clone())
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| profile().unit);
    let penalty = Penalty {
        meta: RecordMeta::new(new_id(), now_ms(), &device_id(), &user_name()),
        enterprise_id: ent.meta.id,
        inspection_id: insp.map(|i| i.meta.id),
        date: today(),
        unit,
        decision_number: String::new(),
        enterprise_fine: Money::ZERO,
        leader_fines: Vec::new(),
        measures: Vec::new(),
        note: String::new(),
    };
    let db = store::db().await?;
    records::put(&db, &penalty).await?;
    Ok(penalty.meta.id)
}

/// 行政处罚 (`/penalties/:id`): one case, saved on this device at every change.
#[component]
pub fn PenaltyForm() -> impl IntoView {
    let params = use_params_map();
    let data = LocalResource::new(move || {
        let id = params.read().get("id").unwrap_or_default();
        async move {
            let p: Penalty = data::load(&id, "该行政处罚记录").await?;
            let e: Enterprise = data::load(&p.enterprise_id.to_string(), "该处罚的企业").await?;
            // The inspection is context only: a deleted one must not hide the case.
            let i = match p.inspection_id {
                Some(i) => data::load::<Inspection>(&i.to_string(), "该检查")
                    .await
                    .ok(),
                None => None,
            };
            Ok::<_, StoreError>((p, e, i))
        }
    });
    loaded(
        data,
        |(p, e, i)| view! { <Edit penalty=p enterprise=e inspection=i/> },
    )
}

/// Applies one change to the draft and queues the new version for saving.
type Apply = Arc<dyn Fn(Box<dyn FnOnce(&mut Penalty)>) + Send + Sync>;

#[component]
fn Edit(penalty: Penalty, enterprise: Enterprise, inspection: Option<Inspection>) -> impl IntoView {
    let initial_fine = penalty.enterprise_fine;
    let draft = RwSignal::new(penalty);
    let saver = AutoSaver::<Penalty>::new();
    let status = saver.status;
    let back = format!("/penalties?enterprise={}", enterprise.meta.id);
    let date_error = RwSignal::new(None::<&'static str>);

    let edit: Apply = {
        let saver = saver.clone();
        Arc::new(move |f: Box<dyn FnOnce(&mut Penalty)>| {
            draft.update(|p| {
                f(p);
                p.meta.touch(now_ms(), &user_name());
            });
            saver.save(draft.get_untracked());
        })
    };
    let issues_sig = Signal::derive(move || draft.with(|p| p.validate()));
    let leader_count = Memo::new(move |_| draft.with(|p| p.leader_fines.len()));

    // Leave only once the tombstone is on disk, so the list shown next no longer has the case.
    let leaving = RwSignal::new(false);
    {
        let navigate = use_navigate();
        let back = back.clone();
        Effect::new(move |_| {
            if leaving.get() && status.get() == SaveStatus::Saved {
                navigate(&back, Default::default());
            }
        });
    }
    let delete = {
        let edit = edit.clone();
        move |_| {
            let ok = crate::browser::window()
                .confirm_with_message("删除这条行政处罚记录？删除后不再计入附件1。")
                .unwrap_or(false);
            if !ok {
                return;
            }
            edit(Box::new(|p| p.meta.delete(now_ms(), &user_name())));
            leaving.set(true);
        }
    };

    let e_date = edit.clone();
    let e_unit = edit.clone();
    let e_number = edit.clone();
    let e_fine = edit.clone();
    let e_leaders = edit.clone();
    let e_add = edit.clone();
    let e_measures = edit.clone();
    let e_note = edit.clone();
    let leader_default = enterprise.leader.trim().to_string();
    view! {
        <section class="card form" data-testid="penalty-form">
            <p class="muted">
                <a href=back.clone()>{format!("← {} 的行政处罚", enterprise.name)}</a>
            </p>
            <div class="row between">
                <h1>"行政处罚"</h1>
                <SaveBadge status=status/>
            </div>
            <p class="muted" data-testid="penalty-enterprise">
                {enterprise.name.clone()}
                {inspection
                    .as_ref()
                    .map(|i| format!(" · {} {} 检查", i.date.to_chinese(), i.unit))}
            </p>

            <label for="pf-date">"处罚日期"<span class="req">"*"</span></label>
            <input
                id="pf-date"
                type="date"
                prop:value=move || draft.with(|p| p.date.to_string())
                on:change=move |ev| match Date::parse(&event_target_value(&ev)) {
                    Ok(d) => {
                        date_error.set(None);
                        e_date(Box::new(move |p| p.date = d));
                    }
                    // The case keeps its last date: 附件1 counts by it and it cannot be blank.
                    Err(_) => date_error.set(Some("请填写处罚日期（仍按原日期保存）")),
                }
            />
            {move || date_error.get().map(|m| view! { <p class="field-msg error" role="alert">{m}</p> })}

            <label for="pf-unit">"处罚单位"<span class="req">"*"</span></label>
            <input
                id="pf-unit"
                placeholder="如：忻府区应急管理局"
                prop:value=move || draft.with(|p| p.unit.clone())
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    e_unit(Box::new(move |p| p.unit = v))
                }
            />
            <FieldIssues issues=issues_sig field="unit"/>

            <label for="pf-number">"处罚决定书文号"</label>
            <input
                id="pf-number"
                placeholder="如：（忻府）应急罚〔2025〕12号"
                prop:value=move || draft.with(|p| p.decision_number.clone())
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    e_number(Box::new(move |p| p.decision_number = v))
                }
            />

            <label for="pf-ent-fine">"处罚企业（万元）"</label>
            <crate::components::MoneyInput
                id="pf-ent-fine".to_string()
                label="处罚企业（万元）"
                placeholder="万元，如 1.5；未罚款企业留空"
                initial=Some(initial_fine).filter(|m| !m.is_zero())
                on_valid=Arc::new(move |m: Option<Money>| e_fine(Box::new(move |p| p.enterprise_fine = m.unwrap_or(Money::ZERO))))
            />

            <fieldset>
                <legend>"处罚主要负责人"</legend>
                <p class="muted">"每人一行：姓名、罚款（万元）。"</p>
                {move || {
                    (0..leader_count.get())
                        .map(|i| leader_row(i, draft, e_leaders.clone()))
                        .collect_view()
                }}
                <FieldIssues issues=issues_sig field="leader_fines"/>
                <button
                    class="secondary"
                    data-testid="add-leader"
                    on:click=move |_| {
                        // The first person fined is most often the enterprise's 主要负责人 on file.
                        let name = if draft.with_untracked(|p| p.leader_fines.is_empty()) {
                            leader_default.clone()
                        } else {
                            String::new()
                        };
                        e_add(Box::new(move |p| p.leader_fines.push(PersonFine { name, amount: Money::ZERO })))
                    }
                >
                    "＋ 添加主要负责人"
                </button>
            </fieldset>
            <FieldIssues issues=issues_sig field="fines"/>
            <Show when=move || draft.with(|p| p.is_double_penalty())>
                <p class="banner info" data-testid="double-penalty">
                    "一案双罚：本案同时处罚企业和主要负责人"
                </p>
            </Show>

            <fieldset>
                <legend>"处罚措施"</legend>
                <div class="chips">
                    {Measure::ALL
                        .into_iter()
                        .map(|m| {
                            let e_measures = e_measures.clone();
                            view! {
                                <label class="chip">
                                    <input
                                        type="checkbox"
                                        prop:checked=move || draft.with(|p| p.has(m))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            e_measures(Box::new(move |p| {
                                                p.measures.retain(|x| *x != m);
                                                if on {
                                                    p.measures.push(m);
                                                    p.measures.sort();
                                                }
                                            }))
                                        }
                                    />
                                    {m.label()}
                                </label>
                            }
                        })
                        .collect_view()}
                </div>
            </fieldset>
            <FieldIssues issues=issues_sig field="measures"/>

            <label for="pf-note">"备注"</label>
            <textarea
                id="pf-note"
                prop:value=move || draft.with(|p| p.note.clone())
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    e_note(Box::new(move |p| p.note = v))
                }
            ></textarea>

            <p class="muted">
                "行政处罚情况："
                <span data-testid="penalty-summary">
                    {move || {
                        let s = draft.with(|p| p.summary());
                        if s.is_empty() { "（尚未填写罚款或处罚措施）".to_string() } else { s }
                    }}
                </span>
            </p>

            <div class="actions">
                <a class="btn" href=back.clone()>"完成"</a>
                <button class="danger" on:click=delete>"删除此处罚记录"</button>
            </div>
        </section>
    }
}

/// One 主要负责人 row: name, fine in 万元, remove.
fn leader_row(i: usize, draft: RwSignal<Penalty>, edit: Apply) -> impl IntoView {
    let initial =
        draft.with_untracked(|p| p.leader_fines.get(i).map(|f| f.amount).unwrap_or_default());
    let e_name = edit.clone();
    let e_amount = edit.clone();
    view! {
        <div class="leader-row" data-testid="leader-row">
            <input
                id=format!("pf-leader-name-{i}")
                aria-label="姓名"
                placeholder="姓名"
                prop:value=move || draft.with(|p| p.leader_fines.get(i).map(|f| f.name.clone()).unwrap_or_default())
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    e_name(Box::new(move |p| {
                        if let Some(f) = p.leader_fines.get_mut(i) {
                            f.name = v;
                        }
                    }))
                }
            />
            <crate::components::MoneyInput
                id=format!("pf-leader-fine-{i}")
                label="罚款（万元）"
                placeholder="罚款（万元）"
                initial=Some(initial).filter(|m| !m.is_zero())
                on_valid=Arc::new(move |m: Option<Money>| {
                    e_amount(Box::new(move |p| {
                        if let Some(f) = p.leader_fines.get_mut(i) {
                            f.amount = m.unwrap_or(Money::ZERO);
                        }
                    }))
                })
            />
            <button
                class="secondary danger-text"
                aria-label=format!("删除第{}人", i + 1)
                on:click=move |_| {
                    edit(Box::new(move |p| {
                        if i < p.leader_fines.len() {
                            p.leader_fines.remove(i);
                        }
                    }))
                }
            >
                "删除"
            </button>
        </div>
    }
}

//! 隐患办理 (`/hazards/:id/rectify`): the closed loop after the inspection, 整改 → 复查 → 销号.
//! Separate from the 附件5 row on purpose: that row is locked once both sides signed, while the
//! 五落实, the progress and the 复查 go on for weeks. Each step goes through the model's
//! lifecycle (which refuses wrong orders and dates) and is kept in 办理记录; nothing is deleted.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use model::date::Date;
use model::enterprise::Enterprise;
use model::hazard::{Hazard, HazardState, Review};
use model::permission::may_review;

use crate::browser::{now_ms, today};
use crate::components::{loaded, MoneyInput, SaveBadge};
use crate::data;
use crate::photo_ui::PhotoField;
use crate::settings::user_name;
use crate::store::{autosave::AutoSaver, StoreError};

#[component]
pub fn Rectify() -> impl IntoView {
    let params = use_params_map();
    let data = LocalResource::new(move || {
        let id = params.read().get("id").unwrap_or_default();
        async move {
            let h: Hazard = data::load(&id, "该隐患").await?;
            let e: Enterprise = data::load(&h.enterprise_id.to_string(), "该隐患的企业").await?;
            Ok::<_, StoreError>((h, e))
        }
    });
    loaded(data, |(h, e)| view! { <Handle hazard=h enterprise=e/> })
}

/// One change to the hazard: a plain edit (`Ok`) or a lifecycle step the model may refuse.
type Step = Box<dyn FnOnce(&mut Hazard) -> Result<(), String>>;
/// Applies a [`Step`] to the draft and saves it (shared by the sections of the page).
type Apply = Arc<dyn Fn(Step) + Send + Sync>;

/// The signed-in account may record a 复查; without a session (never signed in on this
/// device) the inspector's device is assumed, and the server checks again on sync.
fn reviewer_allowed() -> bool {
    crate::sync::session::current()
        .and_then(|s| s.user.role().ok())
        .is_none_or(|r| may_review(&r))
}

#[component]
fn Handle(hazard: Hazard, enterprise: Enterprise) -> impl IntoView {
    let draft = RwSignal::new(hazard);
    let saver = AutoSaver::<Hazard>::new();
    let status = saver.status;
    let photo_saver = saver.clone();
    let review_saver = saver.clone();
    let review_enterprise = enterprise.name.clone();
    let error = RwSignal::new(None::<String>);
    let apply: Apply = Arc::new(move |step: Step| {
        let mut next = draft.get_untracked();
        match step(&mut next) {
            Ok(()) => {
                next.meta.touch(now_ms(), &user_name());
                error.set(None);
                draft.set(next.clone());
                saver.save(next);
            }
            // Refused: nothing changes, the message says what to do.
            Err(e) => error.set(Some(e)),
        }
    });
    let closed = move || draft.with(|h| h.state == HazardState::Closed);
    let state = move || draft.with(|h| h.state);
    let back = format!("/hazards/{}", draft.with_untracked(|h| h.meta.id));

    view! {
        <section class="card form" data-testid="rectify">
            <p class="muted"><a href=back>{format!("← 隐患详情 · {}", enterprise.name)}</a></p>
            <div class="row between">
                <h1>"隐患办理"</h1>
                <SaveBadge status=status/>
            </div>
            <p><strong>{move || draft.with(|h| h.description.clone())}</strong></p>
            <p class="muted">
                {move || draft.with(|h| format!("{} · 发现于 {}", h.kind.label(), h.found_on))}
            </p>
            <p class="state-line">
                "当前状态："
                <strong data-testid="hazard-state" class:major=move || draft.with(|h| h.is_overdue(today()))>
                    {move || draft.with(|h| h.state_label(today()))}
                </strong>
            </p>
            <Show when=move || error.get().is_some()>
                <p class="banner error" role="alert" data-testid="rectify-error">{move || error.get()}</p>
            </Show>
        </section>

        <FiveMeasures draft=draft apply=apply.clone() locked=Signal::derive(closed)/>

        <section class="card form">
            <h2>"整改照片"</h2>
            <p class="muted">"整改后的现场照片，供复查时对照（企业可自行上传）。"</p>
            <crate::photo_ui::EvidencePhotos
                hazard=draft
                saver=photo_saver
                enterprise=enterprise.name.clone()
                locked=draft.with_untracked(|h| h.state == HazardState::Closed)
                field=PhotoField::Progress
            />
        </section>

        <section class="card form">
            <h2>"办理"</h2>
            {
                let apply = apply.clone();
                move || match state() {
                    HazardState::Open => view! {
                        <StartButton apply=apply.clone()/>
                        <SubmitForReview apply=apply.clone()/>
                    }.into_any(),
                    HazardState::Rectifying => view! { <SubmitForReview apply=apply.clone()/> }.into_any(),
                    HazardState::AwaitingReview if reviewer_allowed() => {
                        view! { <ReviewForm apply=apply.clone()/> }.into_any()
                    }
                    HazardState::AwaitingReview => view! {
                        <p class="banner info">"已报整改完成，等待检查人员现场复查。复查通过后销号。"</p>
                    }.into_any(),
                    HazardState::Closed => view! {
                        <p class="banner ok" data-testid="closed-note">
                            {move || draft.with(|h| format!(
                                "已销号：{} 复查通过（整改完成时间 {}）。",
                                h.closed_on().map(|d| d.to_string()).unwrap_or_default(),
                                h.completed_on.map(|d| d.to_string()).unwrap_or_else(|| "未填".into()),
                            ))}
                        </p>
                    }.into_any(),
                }
            }
        </section>

        <Show when=move || draft.with(|h| !h.reviews.is_empty()) && reviewer_allowed()>
            <section class="card form" data-testid="review-photos">
                <h2>"复查照片"</h2>
                <p class="muted">"复查人员现场核实的照片，附在最近一次复查记录上。"</p>
                <crate::photo_ui::EvidencePhotos
                    hazard=draft
                    saver=review_saver.clone()
                    enterprise=review_enterprise.clone()
                    locked=false
                    field=PhotoField::LastReview
                />
            </section>
        </Show>

        <History draft=draft/>
    }
}

#[component]
fn StartButton(apply: Apply) -> impl IntoView {
    view! {
        <button class="btn" data-testid="start-rectification" on:click=move |_| {
            apply(Box::new(|h| h.start_rectification(&user_name(), now_ms()).map_err(|e| e.to_string())))
        }>"开始整改"</button>
    }
}

#[component]
fn SubmitForReview(apply: Apply) -> impl IntoView {
    let done_on = RwSignal::new(today().to_string());
    view! {
        <label for="rf-completed">"整改完成时间"</label>
        <input id="rf-completed" type="date" prop:value=move || done_on.get()
            on:change=move |ev| done_on.set(event_target_value(&ev))/>
        <button class="btn primary" data-testid="submit-review" on:click=move |_| {
            let text = done_on.get_untracked();
            apply(Box::new(move |h| {
                let d = Date::parse(&text).map_err(|e| e.to_string())?;
                h.submit_for_review(d, &user_name(), now_ms()).map_err(|e| e.to_string())
            }))
        }>"整改完成，提交复查"</button>
    }
}

#[component]
fn ReviewForm(apply: Apply) -> impl IntoView {
    let reviewer = RwSignal::new(user_name());
    let unit = RwSignal::new(String::new());
    let date = RwSignal::new(today().to_string());
    let passed = RwSignal::new(true);
    let note = RwSignal::new(String::new());
    view! {
        <p class="muted">"复查须由检查人员到现场核实；通过即销号，不通过退回整改中。"</p>
        <label for="rv-person">"复查人员"</label>
        <input id="rv-person" prop:value=move || reviewer.get() on:input=move |ev| reviewer.set(event_target_value(&ev))/>
        <label for="rv-unit">"复查单位"</label>
        <input id="rv-unit" placeholder="如：代县应急管理局" prop:value=move || unit.get()
            on:input=move |ev| unit.set(event_target_value(&ev))/>
        <label for="rv-date">"复查日期"</label>
        <input id="rv-date" type="date" prop:value=move || date.get() on:change=move |ev| date.set(event_target_value(&ev))/>
        <fieldset>
            <legend>"复查结论"</legend>
            <div class="chips">
                <label class="chip"><input type="radio" name="rv-result" prop:checked=move || passed.get()
                    on:change=move |_| passed.set(true)/>"整改到位，销号"</label>
                <label class="chip"><input type="radio" name="rv-result" prop:checked=move || !passed.get()
                    on:change=move |_| passed.set(false)/>"未整改到位，退回"</label>
            </div>
        </fieldset>
        <label for="rv-note">"复查说明"</label>
        <textarea id="rv-note" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
        <button class="btn primary" data-testid="record-review" on:click=move |_| {
            let (who, unit, date, passed, note) = (
                reviewer.get_untracked(), unit.get_untracked(), date.get_untracked(),
                passed.get_untracked(), note.get_untracked(),
            );
            apply(Box::new(move |h| {
                let date = Date::parse(&date).map_err(|e| e.to_string())?;
                let review = Review { reviewer: who.trim().to_owned(), unit, date, passed, photos: Vec::new(), note };
                h.record_review(review, &user_name(), now_ms()).map_err(|e| e.to_string())
            }))
        }>"记录复查"</button>
    }
}

/// 整改措施（五落实）and, for a 重大事故隐患, 挂牌督办单位. Editable until 销号.
#[component]
fn FiveMeasures(draft: RwSignal<Hazard>, apply: Apply, locked: Signal<bool>) -> impl IntoView {
    let apply_funds = apply.clone();
    let apply_deadline = apply.clone();
    let text_field = move |id: &'static str,
                           label: &'static str,
                           get: fn(&Hazard) -> String,
                           set: fn(&mut Hazard, String)| {
        let apply = apply.clone();
        view! {
            <label for=id>{label}</label>
            <input id=id disabled=locked prop:value=move || draft.with(get)
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    apply(Box::new(move |h| { set(h, v); Ok(()) }))
                }/>
        }
    };
    let supervisor_field = text_field.clone();
    let missing = move || draft.with(|h| h.rectification.missing().join("、"));
    view! {
        <section class="card form">
            <h2>"整改措施（五落实）"</h2>
            <Show when=move || !missing().is_empty()>
                <p class="banner info" data-testid="five-missing">{move || format!("尚缺：{}", missing())}</p>
            </Show>
            {text_field("rf-unit", "责任单位", |h| h.rectification.responsible_unit.clone(), |h, v| h.rectification.responsible_unit = v)}
            {text_field("rf-person", "责任人", |h| h.rectification.responsible_person.clone(), |h, v| h.rectification.responsible_person = v)}
            {text_field("rf-measures", "整改措施", |h| h.rectification.measures.clone(), |h, v| h.rectification.measures = v)}
            <label for="rf-funds">"整改资金（万元）"</label>
            <MoneyInput
                id="rf-funds".to_owned()
                label="整改资金（万元）"
                placeholder="万元，如 2.5"
                initial=draft.with_untracked(|h| h.rectification.funds)
                disabled=locked
                on_valid=Arc::new(move |m| apply_funds(Box::new(move |h| {
                    h.rectification.funds = m;
                    Ok(())
                })))
            />
            <label for="rf-deadline">"整改时限"</label>
            <input id="rf-deadline" type="date" disabled=locked
                prop:value=move || draft.with(|h| h.rectification.deadline.map(|d| d.to_string()).unwrap_or_default())
                on:change=move |ev| {
                    let v = Date::parse(&event_target_value(&ev)).ok();
                    apply_deadline(Box::new(move |h| { h.rectification.deadline = v; Ok(()) }))
                }/>
            {text_field("rf-plan", "应急预案（整改期间的防范措施）", |h| h.rectification.contingency_plan.clone(), |h, v| h.rectification.contingency_plan = v)}
            {text_field("rf-progress", "整改进展说明", |h| h.rectification.progress_note.clone(), |h, v| h.rectification.progress_note = v)}
            <Show when=move || draft.with(|h| h.is_major())>
                {supervisor_field("rf-supervisor", "挂牌督办单位", |h| h.supervising_unit.clone().unwrap_or_default(), |h, v| {
                    h.supervising_unit = Some(v.trim().to_owned()).filter(|s| !s.is_empty())
                })}
            </Show>
        </section>
    }
}

/// 办理记录: every step, who and when; reviews with their conclusion.
#[component]
fn History(draft: RwSignal<Hazard>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"办理记录"</h2>
            <ul class="list" data-testid="history">
                {move || draft.with(|h| {
                    let steps = h.history.iter().map(|c| {
                        let when = Date::from_unix_ms_beijing(c.at);
                        view! { <li class="list-item">{format!("{} → {} · {} · {}", c.from.label(), c.to.label(), c.by, when)}</li> }
                    }).collect_view();
                    let reviews = h.reviews.iter().map(|r| {
                        let result = if r.passed { "通过" } else { "未通过" };
                        view! { <li class="list-item">{format!("复查 {} · {} {} · {}{}", r.date, r.unit, r.reviewer, result,
                            if r.note.is_empty() { String::new() } else { format!("：{}", r.note) })}</li> }
                    }).collect_view();
                    view! { {steps} {reviews} }
                })}
            </ul>
            <Show when=move || draft.with(|h| h.history.is_empty())>
                <p class="muted">"尚未办理。"</p>
            </Show>
        </section>
    }
}

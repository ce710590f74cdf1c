use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use model::catalogue::{catalogue, CheckItem, ModuleId};
use model::enterprise::Enterprise;
use model::hazard::{next_seq, Hazard};
use model::inspection::{Inspection, Verdict};
use model::record::RecordMeta;

use crate::browser::{new_id, now_ms};
use crate::components::{loaded, SaveBadge};
use crate::data;
use crate::settings::{device_id, user_name};
use crate::store::{self, autosave::AutoSaver, records::Batch, StoreError};

/// 检查表 (`/inspections/:id`): walk the chosen modules item by item.
#[component]
pub fn Checklist() -> impl IntoView {
    let params = use_params_map();
    let data = LocalResource::new(move || {
        let id = params.read().get("id").unwrap_or_default();
        async move {
            let (insp, ent) = data::inspection_with_enterprise(&id).await?;
            let hazards = data::hazards_of(insp.meta.id).await?;
            Ok::<_, StoreError>((insp, ent, hazards))
        }
    });
    loaded(
        data,
        |(i, e, h)| view! { <Walk inspection=i enterprise=e hazards=h/> },
    )
}

#[component]
fn Walk(inspection: Inspection, enterprise: Enterprise, hazards: Vec<Hazard>) -> impl IntoView {
    let insp = RwSignal::new(inspection);
    let hazards = StoredValue::new(hazards);
    let saver = AutoSaver::<Inspection>::new();
    let status = saver.status;
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let id = insp.get_untracked().meta.id;

    // Opens a hazard pre-filled from the item and saves it with the answer in one transaction.
    let open_hazard = {
        let navigate = navigate.clone();
        move |item: CheckItem, updated: Inspection| {
            let navigate = navigate.clone();
            let seq = hazards.with_value(|h| next_seq(h.iter(), id));
            let meta = RecordMeta::new(new_id(), now_ms(), &device_id(), &user_name());
            let hazard = Hazard::from_checklist_item(meta, &updated, seq, &item);
            let mut updated = updated;
            if let Err(e) = updated.link_hazard(&item.id, hazard.meta.id) {
                error.set(Some(e.to_string()));
                return;
            }
            leptos::task::spawn_local(async move {
                let r = async {
                    let db = store::db().await?;
                    Batch::new().add(&updated)?.add(&hazard)?.write(&db).await
                }
                .await;
                match r {
                    Ok(()) => navigate(&format!("/hazards/{}", hazard.meta.id), Default::default()),
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        }
    };

    let answer = {
        let saver = saver.clone();
        move |item: CheckItem, verdict: Verdict| {
            let mut next = insp.get_untracked();
            if let Err(e) = next.set_answer(&item.id, verdict) {
                error.set(Some(e.to_string()));
                return;
            }
            next.meta.touch(now_ms(), &user_name());
            error.set(None);
            let needs_hazard = verdict == Verdict::NonConforming
                && next
                    .answer_for(&item.id)
                    .and_then(|a| a.hazard_id)
                    .is_none();
            insp.set(next.clone());
            if needs_hazard {
                open_hazard(item, next);
            } else {
                saver.save(next);
            }
        }
    };

    let new_free_hazard = {
        let navigate = navigate.clone();
        move |_| {
            let current = insp.get_untracked();
            if current.is_frozen() {
                error.set(Some(
                    "清单已签字锁定。如需补充隐患，请先在附件5页点“重新签字”。".into(),
                ));
                return;
            }
            let seq = hazards.with_value(|h| next_seq(h.iter(), id));
            let meta = RecordMeta::new(new_id(), now_ms(), &device_id(), &user_name());
            let hazard = Hazard::new(meta, &current, seq);
            let navigate = navigate.clone();
            leptos::task::spawn_local(async move {
                let r = async {
                    let db = store::db().await?;
                    Batch::new().add(&hazard)?.write(&db).await
                }
                .await;
                match r {
                    Ok(()) => navigate(&format!("/hazards/{}", hazard.meta.id), Default::default()),
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        }
    };

    let live_hazards = hazards.with_value(|h| h.iter().filter(|h| !h.meta.deleted).count());
    view! {
        <section class="card" data-testid="checklist">
            <h1>{enterprise.name.clone()}</h1>
            <p class="muted">
                {move || {
                    insp.with(|i| {
                        format!("{} · {} · {}", i.stage.full_label(), i.date, i.inspectors.join("、"))
                    })
                }}
            </p>
            <p data-testid="total-progress">
                {move || {
                    let p = insp.with(|i| i.total_progress());
                    format!("已检查 {}/{} 项，不符合 {} 项；已记录隐患 {} 条", p.answered, p.total, p.non_conforming, live_hazards)
                }}
            </p>
            <Show when=move || insp.with(|i| i.is_frozen())>
                <p class="banner info">"清单已签字锁定。如需修改，请到附件5页点“重新签字”。"</p>
            </Show>
            <div class="actions">
                <button class="secondary" on:click=new_free_hazard data-testid="add-hazard">"记录其他隐患"</button>
                <a class="btn" href=format!("/inspections/{id}/sheet")>"附件5 清单与签字"</a>
            </div>
            <SaveBadge status=status/>
            {move || error.get().map(|e| view! { <p class="field-msg error" role="alert">{e}</p> })}
        </section>
        {move || {
            insp.with(|i| i.modules.clone())
                .into_iter()
                .map(|m| view! { <ModuleSection module=m insp=insp answer=answer.clone()/> })
                .collect_view()
        }}
    }
}

#[component]
fn ModuleSection<F>(module: ModuleId, insp: RwSignal<Inspection>, answer: F) -> impl IntoView
where
    F: Fn(CheckItem, Verdict) + Clone + 'static,
{
    let items: Vec<CheckItem> = catalogue().items(module).cloned().collect();
    view! {
        <details class="card module" open=true>
            <summary>
                <span class="module-name">{module.label()}</span>
                <span class="progress" data-testid="module-progress">
                    {move || {
                        let p = insp.with(|i| i.progress(module));
                        format!("{}/{}", p.answered, p.total)
                    }}
                </span>
            </summary>
            <ol class="items">
                {items
                    .into_iter()
                    .map(|item| {
                        let answer = answer.clone();
                        let item_id = item.id.clone();
                        let current = move || insp.with(|i| i.answer_for(&item_id).map(|a| a.verdict));
                        view! {
                            <li class="item" data-item=item.id.clone()>
                                <p class="question">{item.question.clone()}</p>
                                <p class="citation muted">{item.citation.clone()}</p>
                                <div class="verdicts" role="group" aria-label="检查结论">
                                    {[Verdict::Conforming, Verdict::NonConforming, Verdict::NotApplicable]
                                        .into_iter()
                                        .map(|v| {
                                            let answer = answer.clone();
                                            let item = item.clone();
                                            let current = current.clone();
                                            let current2 = current.clone();
                                            view! {
                                                <button
                                                    class="verdict"
                                                    class:chosen=move || current() == Some(v)
                                                    class:bad=v == Verdict::NonConforming
                                                    aria-pressed=move || (current2() == Some(v)).to_string()
                                                    on:click=move |_| answer(item.clone(), v)
                                                >
                                                    {v.label()}
                                                </button>
                                            }
                                        })
                                        .collect_view()}
                                </div>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </details>
    }
}

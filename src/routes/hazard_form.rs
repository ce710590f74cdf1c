use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use model::catalogue::catalogue;
use model::date::Date;
use model::enterprise::Enterprise;
use model::hazard::{Basis, Hazard, HazardKind};
use model::inspection::Inspection;

use crate::browser::now_ms;
use crate::components::{loaded, FieldIssues, SaveBadge};
use crate::data;
use crate::settings::user_name;
use crate::store::{autosave::AutoSaver, StoreError};

/// 隐患 (`/hazards/:id`): the 附件5 row and the 整改 fields known on site. Every keystroke is
/// saved to the device (see AutoSaver), so a closed tab or a crash keeps the text.
#[component]
pub fn HazardForm() -> impl IntoView {
    let params = use_params_map();
    let data = LocalResource::new(move || {
        let id = params.read().get("id").unwrap_or_default();
        async move {
            let h: Hazard = data::load(&id, "该隐患").await?;
            let (i, e) = data::inspection_with_enterprise(&h.inspection_id.to_string()).await?;
            Ok::<_, StoreError>((h, i, e))
        }
    });
    loaded(
        data,
        |(h, i, e)| view! { <Edit hazard=h inspection=i enterprise=e/> },
    )
}

const FREE_TEXT: &str = "__free__";

#[component]
fn Edit(hazard: Hazard, inspection: Inspection, enterprise: Enterprise) -> impl IntoView {
    let locked = inspection.is_frozen();
    let draft = RwSignal::new(hazard);
    let saver = AutoSaver::<Hazard>::new();
    let status = saver.status;
    let navigate = use_navigate();
    let back = format!("/inspections/{}", inspection.meta.id);

    let edit = {
        let saver = saver.clone();
        move |f: Box<dyn FnOnce(&mut Hazard)>| {
            if locked {
                return;
            }
            draft.update(|h| {
                f(h);
                h.meta.touch(now_ms(), &user_name());
            });
            saver.save(draft.get_untracked());
        }
    };

    // 判定依据 choices: the items of this inspection's modules, then free text.
    let choices: Vec<(String, String)> = inspection
        .modules
        .iter()
        .flat_map(|m| catalogue().items(*m))
        .map(|i| (i.id.clone(), format!("{} — {}", i.citation, i.question)))
        .collect();
    let basis_key = move || {
        draft.with(|h| match &h.basis {
            Basis::Catalogue { item_id, .. } => item_id.clone(),
            Basis::FreeText(_) => FREE_TEXT.to_string(),
        })
    };
    let issues_sig = Signal::derive(move || draft.with(|h| h.validate()));

    let delete = {
        let saver = saver.clone();
        let navigate = navigate.clone();
        let back = back.clone();
        move |_| {
            if locked {
                return;
            }
            let ok = crate::browser::window()
                .confirm_with_message("删除这条隐患？删除后不再出现在附件5清单中（序号不会重排）。")
                .unwrap_or(false);
            if !ok {
                return;
            }
            draft.update(|h| h.meta.delete(now_ms(), &user_name()));
            saver.save(draft.get_untracked());
            navigate(&back, Default::default());
        }
    };

    let edit2 = edit.clone();
    let edit3 = edit.clone();
    let edit4 = edit.clone();
    let edit5 = edit.clone();
    let edit6 = edit.clone();
    let edit7 = edit.clone();
    let edit8 = edit.clone();
    view! {
        <section class="card form" data-testid="hazard-form">
            <p class="muted">
                <a href=back.clone()>{format!("← {}", enterprise.name)}</a>
            </p>
            <div class="row between">
                <h1>{move || format!("隐患 {}", draft.with(|h| h.seq))}</h1>
                <SaveBadge status=status/>
            </div>
            <Show when=move || locked>
                <p class="banner info">"清单已签字锁定，本条只读。如需修改，请到附件5页点“重新签字”。"</p>
            </Show>

            <label for="hz-desc">"隐患描述"</label>
            <textarea
                id="hz-desc"
                disabled=locked
                placeholder="部位、存在的问题、现状"
                prop:value=move || draft.with(|h| h.description.clone())
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    edit(Box::new(move |h| h.description = v))
                }
            ></textarea>
            <FieldIssues issues=issues_sig field="description"/>

            <fieldset>
                <legend>"现场证据"</legend>
                <crate::photo_ui::EvidencePhotos
                    hazard=draft
                    enterprise=enterprise.name.clone()
                    locked=locked
                    saver=saver.clone()
                />
                <label for="hz-evidence">"文字说明（可选）"</label>
                <textarea
                    id="hz-evidence"
                    disabled=locked
                    prop:value=move || draft.with(|h| h.evidence_text.clone())
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        edit2(Box::new(move |h| h.evidence_text = v))
                    }
                ></textarea>
                <FieldIssues issues=issues_sig field="evidence"/>
                <FieldIssues issues=issues_sig field="photos"/>
            </fieldset>

            <label for="hz-basis">"判定依据"</label>
            <select
                id="hz-basis"
                disabled=locked
                prop:value=basis_key
                on:change=move |ev| {
                    let key = event_target_value(&ev);
                    edit3(Box::new(move |h| {
                        h.basis = match catalogue().item(&key) {
                            Some(item) => {
                                Basis::Catalogue {
                                    item_id: item.id.clone(),
                                    citation: item.citation.clone(),
                                }
                            }
                            None => Basis::FreeText(String::new()),
                        }
                    }))
                }
            >
                {choices
                    .into_iter()
                    .map(|(id, label)| view! { <option value=id>{label}</option> })
                    .collect_view()}
                <option value=FREE_TEXT>"其他（手写判定依据）"</option>
            </select>
            <Show when=move || basis_key() == FREE_TEXT>
                <textarea
                    aria-label="判定依据（手写）"
                    disabled=locked
                    placeholder="如：《工贸企业粉尘防爆安全规定》第十条"
                    prop:value=move || draft.with(|h| h.basis.citation().to_string())
                    on:input={
                        let edit4 = edit4.clone();
                        move |ev| {
                            let v = event_target_value(&ev);
                            edit4(Box::new(move |h| h.basis = Basis::FreeText(v)))
                        }
                    }
                ></textarea>
            </Show>
            <p class="muted" data-testid="basis-text">{move || draft.with(|h| h.basis.citation().to_string())}</p>
            <FieldIssues issues=issues_sig field="basis"/>

            <fieldset>
                <legend>"隐患类型"</legend>
                <div class="chips">
                    {[HazardKind::General, HazardKind::Major]
                        .into_iter()
                        .map(|k| {
                            let edit5 = edit5.clone();
                            view! {
                                <label class="chip" class:major=k == HazardKind::Major>
                                    <input
                                        type="radio"
                                        name="kind"
                                        disabled=locked
                                        prop:checked=move || draft.with(|h| h.kind == k)
                                        on:change=move |_| edit5(Box::new(move |h| h.kind = k))
                                    />
                                    {k.label()}
                                </label>
                            }
                        })
                        .collect_view()}
                </div>
            </fieldset>

            <label for="hz-remark">"备注"</label>
            <textarea
                id="hz-remark"
                disabled=locked
                prop:value=move || draft.with(|h| h.remark.clone())
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    edit6(Box::new(move |h| h.remark = v))
                }
            ></textarea>

            <fieldset>
                <legend>"整改要求（现场已明确的先填）"</legend>
                <label for="hz-person">"责任人"</label>
                <input
                    id="hz-person"
                    disabled=locked
                    prop:value=move || draft.with(|h| h.rectification.responsible_person.clone())
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        edit7(Box::new(move |h| h.rectification.responsible_person = v))
                    }
                />
                <label for="hz-measures">"整改措施"</label>
                <textarea
                    id="hz-measures"
                    disabled=locked
                    prop:value=move || draft.with(|h| h.rectification.measures.clone())
                    on:input={
                        let edit8 = edit8.clone();
                        move |ev| {
                            let v = event_target_value(&ev);
                            edit8(Box::new(move |h| h.rectification.measures = v))
                        }
                    }
                ></textarea>
                <label for="hz-deadline">"整改期限"</label>
                <input
                    id="hz-deadline"
                    type="date"
                    disabled=locked
                    prop:value=move || {
                        draft.with(|h| h.rectification.deadline.map(|d| d.to_string()).unwrap_or_default())
                    }
                    on:change=move |ev| {
                        let v = Date::parse(&event_target_value(&ev)).ok();
                        edit8(Box::new(move |h| h.rectification.deadline = v))
                    }
                />
            </fieldset>

            <div class="actions">
                <a class="btn" href=back.clone()>"完成，返回检查表"</a>
                <a class="btn" data-testid="to-rectify"
                    href=move || format!("/hazards/{}/rectify", draft.with(|h| h.meta.id))>
                    "办理整改、复查、销号"
                </a>
                <Show when=move || !locked>
                    <button class="danger" on:click=delete.clone()>"删除此隐患"</button>
                </Show>
            </div>
        </section>
    }
}

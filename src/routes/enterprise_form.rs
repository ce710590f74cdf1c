use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use model::county::{County, Zone};
use model::date::Date;
use model::enterprise::{Enterprise, Industry, PairRole, Pairing, RiskTag, Scale};
use model::validation::{has_errors, Issue};

use super::enterprises::load_enterprises;
use crate::browser::now_ms;
use crate::components::{loaded, FieldIssues, StoreErrorView};
use crate::settings::user_name;
use crate::store::{self, records, StoreError};

/// 新增企业 / 编辑企业 (`/enterprises/new`, `/enterprises/:id`).
#[component]
pub fn EnterpriseForm() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let data = LocalResource::new(move || {
        let id = id();
        async move {
            let others = load_enterprises().await?;
            if id == "new" || id.is_empty() {
                return Ok((crate::data::new_enterprise(), others));
            }
            let db = store::db().await?;
            match records::get::<Enterprise>(&db, &id).await? {
                Some(e) => Ok((e, others)),
                None => Err(StoreError::Corrupt(format!(
                    "找不到企业 {id}，可能已被删除"
                ))),
            }
        }
    });
    loaded(
        data,
        |(e, others)| view! { <Form initial=e others=others/> },
    )
}

#[component]
fn Form(initial: Enterprise, others: Vec<Enterprise>) -> impl IntoView {
    let is_new = initial.meta.rev == 0 && initial.name.is_empty();
    let draft = RwSignal::new(initial);
    let issues = RwSignal::new(Vec::<Issue>::new());
    let issues_sig: Signal<Vec<Issue>> = issues.into();
    let confirm_warnings = RwSignal::new(false);
    let save_error = RwSignal::new(None::<StoreError>);
    let navigate = use_navigate();
    let self_id = draft.get_untracked().meta.id;
    let partners: Vec<(String, String)> = others
        .iter()
        .filter(|o| o.meta.id != self_id)
        .map(|o| (o.meta.id.to_string(), o.name.clone()))
        .collect();

    // Any edit re-opens the confirmation: a warning is confirmed for what was on screen.
    let edit = move |f: Box<dyn FnOnce(&mut Enterprise)>| {
        draft.update(|e| f(e));
        confirm_warnings.set(false);
        if !issues.get_untracked().is_empty() {
            issues.set(draft.with_untracked(|e| e.validate()));
        }
    };

    let save = move |_| {
        let found = draft.with_untracked(|e| e.validate());
        issues.set(found.clone());
        if has_errors(&found) {
            return;
        }
        if !found.is_empty() && !confirm_warnings.get_untracked() {
            confirm_warnings.set(true);
            return;
        }
        let mut e = draft.get_untracked();
        e.name = e.name.trim().to_string();
        e.credit_code = e
            .credit_code
            .map(|c| c.trim().to_uppercase())
            .filter(|c| !c.is_empty());
        if !is_new {
            e.meta.touch(now_ms(), &user_name());
        }
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let result = match store::db().await {
                Ok(db) => records::put(&db, &e).await,
                Err(err) => Err(err),
            };
            match result {
                Ok(()) => navigate("/enterprises", Default::default()),
                Err(err) => save_error.set(Some(err)),
            }
        });
    };

    let county_code = move || draft.with(|e| e.county.clone());
    view! {
        <section class="card form" data-testid="enterprise-form">
            <h1>{if is_new { "新增企业" } else { "编辑企业" }}</h1>

            <label for="ent-name">"企业名称"<span class="req">"*"</span></label>
            <input
                id="ent-name"
                prop:value=move || draft.with(|e| e.name.clone())
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    edit(Box::new(move |e| e.name = v))
                }
            />
            <FieldIssues issues=issues_sig field="name"/>

            <label for="ent-code">"统一社会信用代码"</label>
            <input
                id="ent-code"
                maxlength="18"
                autocapitalize="characters"
                placeholder="18位，见营业执照"
                prop:value=move || draft.with(|e| e.credit_code.clone().unwrap_or_default())
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    edit(Box::new(move |e| {
                        e.credit_code = Some(v);
                        // A confirmation covers the code that was on screen, not a new one.
                        e.credit_code_confirmed = false;
                    }))
                }
            />
            <FieldIssues issues=issues_sig field="credit_code"/>
            // Some early pilot-region codes are legal yet fail the check character: a person
            // who compared the code with the licence confirms it (the model then only warns).
            <Show when=move || draft.with(|e| e.parsed_credit_code().is_some_and(|c| !c.check().is_valid()))>
                <label class="check-row">
                    <input
                        type="checkbox"
                        data-testid="credit-code-confirmed"
                        prop:checked=move || draft.with(|e| e.credit_code_confirmed)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            edit(Box::new(move |e| e.credit_code_confirmed = on))
                        }
                    />
                    <span>"已核对营业执照，代码与执照一致"</span>
                </label>
            </Show>

            <label for="ent-county">"所在县（市、区）"<span class="req">"*"</span></label>
            <select
                id="ent-county"
                prop:value=county_code
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    edit(Box::new(move |e| {
                        e.county = v;
                        e.zone = None;
                    }))
                }
            >
                <option value="">"请选择"</option>
                {County::all()
                    .iter()
                    .map(|c| view! { <option value=c.code>{c.name}</option> })
                    .collect_view()}
            </select>
            <FieldIssues issues=issues_sig field="county"/>

            <label for="ent-zone">"所在开发区（如有）"</label>
            <select
                id="ent-zone"
                prop:value=move || draft.with(|e| e.zone.clone().unwrap_or_default())
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    edit(Box::new(move |e| e.zone = (!v.is_empty()).then_some(v)))
                }
            >
                <option value="">"不在开发区"</option>
                {move || {
                    let code = county_code();
                    Zone::all()
                        .iter()
                        .filter(|z| z.parent.is_none() || z.parent == Some(code.as_str()))
                        .map(|z| view! { <option value=z.id>{z.name}</option> })
                        .collect_view()
                }}
            </select>
            <FieldIssues issues=issues_sig field="zone"/>

            <label for="ent-industry">"行业类别"</label>
            <select
                id="ent-industry"
                prop:value=move || draft.with(|e| e.industry.label().to_string())
                on:change=move |ev| {
                    if let Some(i) = Industry::from_label(&event_target_value(&ev)) {
                        edit(Box::new(move |e| e.industry = i))
                    }
                }
            >
                {Industry::ALL
                    .iter()
                    .map(|i| view! { <option value=i.label()>{i.label()}</option> })
                    .collect_view()}
            </select>

            <fieldset>
                <legend>"风险标签（决定检查表模块）"</legend>
                <div class="chips">
                    {RiskTag::ALL
                        .into_iter()
                        .map(|t| {
                            view! {
                                <label class="chip">
                                    <input
                                        type="checkbox"
                                        prop:checked=move || draft.with(|e| e.tags.contains(&t))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            edit(Box::new(move |e| {
                                                e.tags.retain(|x| *x != t);
                                                if on {
                                                    e.tags.push(t);
                                                }
                                            }))
                                        }
                                    />
                                    {t.label()}
                                </label>
                            }
                        })
                        .collect_view()}
                </div>
            </fieldset>
            <FieldIssues issues=issues_sig field="tags"/>

            <fieldset>
                <legend>"企业规模"</legend>
                <div class="chips">
                    {[Scale::AboveDesignated, Scale::Sme]
                        .into_iter()
                        .map(|s| {
                            view! {
                                <label class="chip">
                                    <input
                                        type="radio"
                                        name="scale"
                                        prop:checked=move || draft.with(|e| e.scale == s)
                                        on:change=move |_| edit(Box::new(move |e| e.scale = s))
                                    />
                                    {s.label()}
                                </label>
                            }
                        })
                        .collect_view()}
                </div>
            </fieldset>

            <label for="ent-pair-role">"结对帮扶"</label>
            <select
                id="ent-pair-role"
                prop:value=move || {
                    draft.with(|e| match e.pairing.as_ref().map(|p| p.role) {
                        None => "none",
                        Some(PairRole::Benchmark) => "benchmark",
                        Some(PairRole::Helped) => "helped",
                    })
                }
                on:change=move |ev| {
                    let role = match event_target_value(&ev).as_str() {
                        "benchmark" => Some(PairRole::Benchmark),
                        "helped" => Some(PairRole::Helped),
                        _ => None,
                    };
                    edit(Box::new(move |e| {
                        let partner_id = e.pairing.as_ref().and_then(|p| p.partner_id);
                        e.pairing = role.map(|role| Pairing { role, partner_id });
                    }))
                }
            >
                <option value="none">"无"</option>
                <option value="benchmark">{PairRole::Benchmark.label()}</option>
                <option value="helped">{PairRole::Helped.label()}</option>
            </select>
            <Show when=move || draft.with(|e| e.pairing.is_some())>
                <label for="ent-partner">"结对企业"</label>
                <select
                    id="ent-partner"
                    prop:value=move || {
                        draft.with(|e| {
                            e.pairing
                                .as_ref()
                                .and_then(|p| p.partner_id)
                                .map(|u| u.to_string())
                                .unwrap_or_default()
                        })
                    }
                    on:change=move |ev| {
                        let v = event_target_value(&ev).parse::<uuid::Uuid>().ok();
                        edit(Box::new(move |e| {
                            if let Some(p) = e.pairing.as_mut() {
                                p.partner_id = v;
                            }
                        }))
                    }
                >
                    <option value="">"尚未确定"</option>
                    {partners
                        .clone()
                        .into_iter()
                        .map(|(id, name)| view! { <option value=id>{name}</option> })
                        .collect_view()}
                </select>
            </Show>
            <FieldIssues issues=issues_sig field="pairing"/>

            <label for="ent-leader">"主要负责人"</label>
            <input
                id="ent-leader"
                prop:value=move || draft.with(|e| e.leader.clone())
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    edit(Box::new(move |e| e.leader = v))
                }
            />
            <FieldIssues issues=issues_sig field="leader"/>

            <label for="ent-phone">"联系电话"</label>
            <input
                id="ent-phone"
                type="tel"
                inputmode="tel"
                prop:value=move || draft.with(|e| e.phone.clone())
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    edit(Box::new(move |e| e.phone = v))
                }
            />
            <FieldIssues issues=issues_sig field="phone"/>

            <label for="ent-address">"地址"</label>
            <input
                id="ent-address"
                prop:value=move || draft.with(|e| e.address.clone())
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    edit(Box::new(move |e| e.address = v))
                }
            />

            <label for="ent-plan">"自查自改工作方案制定日期（未制定则留空）"</label>
            <input
                id="ent-plan"
                type="date"
                prop:value=move || {
                    draft.with(|e| e.self_inspection_plan_on.map(|d| d.to_string()).unwrap_or_default())
                }
                on:change=move |ev| {
                    let v = Date::parse(&event_target_value(&ev)).ok();
                    edit(Box::new(move |e| e.self_inspection_plan_on = v))
                }
            />

            {move || save_error.get().map(|e| view! { <StoreErrorView error=e/> })}
            <Show when=move || has_errors(&issues.get())>
                <p class="field-msg error" role="alert">"请先改正上面标红的项目，再保存。"</p>
            </Show>
            <div class="actions">
                <a class="btn secondary" href="/enterprises">"取消"</a>
                <button on:click=save data-testid="save-enterprise">
                    {move || if confirm_warnings.get() { "已核对，确认保存" } else { "保存" }}
                </button>
            </div>
        </section>
    }
}

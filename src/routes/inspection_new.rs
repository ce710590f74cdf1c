use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use model::campaign::Campaign;
use model::catalogue::{modules_for, ModuleId};
use model::date::Date;
use model::enterprise::Enterprise;
use model::inspection::Inspection;
use model::record::RecordMeta;
use model::stage::Stage;
use model::validation::{has_errors, Issue};

use crate::browser::{new_id, now_ms, today};
use crate::components::{loaded, FieldIssues, StoreErrorView};
use crate::settings::{device_id, profile, user_name};
use crate::store::{self, records, StoreError};

/// 开始检查 (`/inspections/new?enterprise=<id>`): stage, unit, inspectors, date, modules.
#[component]
pub fn InspectionNew() -> impl IntoView {
    let query = use_query_map();
    let ents = LocalResource::new(|| async { super::enterprises::load_enterprises().await });
    loaded(ents, move |list| match list {
        list if list.is_empty() => view! {
            <section class="card">
                <h1>"开始检查"</h1>
                <p>"请先在“企业”页录入被检查企业。"</p>
                <a class="btn" href="/enterprises/new">"新增企业"</a>
            </section>
        }
        .into_any(),
        list => {
            let pre = query.read_untracked().get("enterprise");
            view! { <Form enterprises=list preselected=pre/> }.into_any()
        }
    })
}

#[component]
fn Form(enterprises: Vec<Enterprise>, preselected: Option<String>) -> impl IntoView {
    let enterprises = StoredValue::new(enterprises);
    let find = move |id: &str| {
        enterprises.with_value(|l| l.iter().find(|e| e.meta.id.to_string() == id).cloned())
    };
    let selected = RwSignal::new(
        preselected
            .filter(|id| find(id).is_some())
            .unwrap_or_default(),
    );
    let stage = RwSignal::new(Stage::CityCounty(model::stage::Level::County));
    let me = profile();
    let unit = RwSignal::new(me.unit.clone());
    let inspectors = RwSignal::new(me.name.clone());
    let date = RwSignal::new(today().to_string());
    let modules = RwSignal::new(Vec::<ModuleId>::new());
    let issues = RwSignal::new(Vec::<Issue>::new());
    let issues_sig: Signal<Vec<Issue>> = issues.into();
    let save_error = RwSignal::new(None::<StoreError>);
    let navigate = use_navigate();

    // The modules are proposed from the enterprise's industry and tags, and stay editable.
    Effect::new(move |_| {
        let id = selected.get();
        if let Some(e) = find(&id) {
            modules.set(modules_for(&e));
        }
    });

    let start = move |_| {
        let Some(ent) = find(&selected.get_untracked()) else {
            issues.set(vec![Issue::error("enterprise", "请选择被检查企业")]);
            return;
        };
        let Ok(day) = Date::parse(&date.get_untracked()) else {
            issues.set(vec![Issue::error("date", "请填写检查日期")]);
            return;
        };
        let campaigns = Campaign::bundled();
        let campaign_id = Campaign::latest(&campaigns, day)
            .map(|c| c.id.clone())
            .unwrap_or_default();
        let meta = RecordMeta::new(new_id(), now_ms(), &device_id(), &user_name());
        let mut insp = Inspection::new(meta, &campaign_id, &ent, stage.get_untracked(), day);
        insp.unit = unit.get_untracked().trim().to_string();
        insp.inspectors = split_names(&inspectors.get_untracked());
        insp.modules = modules.get_untracked();
        let found = insp.validate();
        issues.set(found.clone());
        if has_errors(&found) {
            return;
        }
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let r = match store::db().await {
                Ok(db) => records::put(&db, &insp).await,
                Err(e) => Err(e),
            };
            match r {
                Ok(()) => navigate(
                    &format!("/inspections/{}", insp.meta.id),
                    Default::default(),
                ),
                Err(e) => save_error.set(Some(e)),
            }
        });
    };

    view! {
        <section class="card form" data-testid="inspection-new">
            <h1>"开始检查"</h1>
            <label for="insp-ent">"被检查企业"</label>
            <select
                id="insp-ent"
                prop:value=move || selected.get()
                on:change=move |ev| selected.set(event_target_value(&ev))
            >
                <option value="">"请选择"</option>
                {enterprises
                    .get_value()
                    .into_iter()
                    .map(|e| view! { <option value=e.meta.id.to_string()>{e.name}</option> })
                    .collect_view()}
            </select>
            <FieldIssues issues=issues_sig field="enterprise"/>

            <label for="insp-stage">"检查环节"</label>
            <select
                id="insp-stage"
                prop:value=move || stage.get().key()
                on:change=move |ev| {
                    if let Some(s) = Stage::from_key(&event_target_value(&ev)) {
                        stage.set(s)
                    }
                }
            >
                {Stage::ALL
                    .into_iter()
                    .map(|s| view! { <option value=s.key()>{s.full_label()}</option> })
                    .collect_view()}
            </select>
            <FieldIssues issues=issues_sig field="cross_pair"/>

            <label for="insp-unit">"检查单位"</label>
            <input
                id="insp-unit"
                placeholder="如：忻府区应急管理局"
                prop:value=unit
                on:input=move |ev| unit.set(event_target_value(&ev))
            />
            <FieldIssues issues=issues_sig field="unit"/>

            <label for="insp-people">"检查人员（多人用顿号或逗号分隔）"</label>
            <input
                id="insp-people"
                prop:value=inspectors
                on:input=move |ev| inspectors.set(event_target_value(&ev))
            />
            <FieldIssues issues=issues_sig field="inspectors"/>

            <label for="insp-date">"检查日期"</label>
            <input
                id="insp-date"
                type="date"
                prop:value=date
                on:input=move |ev| date.set(event_target_value(&ev))
            />
            <FieldIssues issues=issues_sig field="date"/>

            <fieldset>
                <legend>"检查模块（已按企业行业和风险标签推荐，可调整）"</legend>
                <div class="module-picks">
                    {ModuleId::ALL
                        .into_iter()
                        .map(|m| {
                            view! {
                                <label class="check-row">
                                    <input
                                        type="checkbox"
                                        prop:checked=move || modules.with(|l| l.contains(&m))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            modules.update(|l| {
                                                l.retain(|x| *x != m);
                                                if on {
                                                    l.push(m);
                                                    l.sort();
                                                }
                                            })
                                        }
                                    />
                                    {m.label()}
                                </label>
                            }
                        })
                        .collect_view()}
                </div>
            </fieldset>
            <FieldIssues issues=issues_sig field="modules"/>

            {move || save_error.get().map(|e| view! { <StoreErrorView error=e/> })}
            <div class="actions">
                <button on:click=start data-testid="start-inspection">"开始检查"</button>
            </div>
        </section>
    }
}

/// "张三、李四, 王五" → ["张三", "李四", "王五"].
fn split_names(s: &str) -> Vec<String> {
    s.split(['、', ',', '，', ' ', ';', '；'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(String::from)
        .collect()
}

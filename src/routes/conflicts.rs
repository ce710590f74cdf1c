use std::collections::HashMap;

use leptos::prelude::*;
use model::merge::{resolve, Choice, MergeOutcome};
use serde_json::Value;

use crate::components::loaded;
use crate::store::sync_rows::{self, SyncEntry};
use crate::store::unreadable::{self, Unreadable};
use crate::store::{self, StoreError, StoreResult};
use crate::sync::{scheduler, SyncStatus};

type Loaded = (Vec<(SyncEntry, MergeOutcome)>, Vec<SyncEntry>);

async fn load() -> StoreResult<Loaded> {
    let db = store::db().await?;
    let mut out = Vec::new();
    let mut refused = Vec::new();
    let mut bad = Vec::new();
    for e in sync_rows::all_entries(&db).await? {
        if e.conflicts.is_none() && e.error.is_some() {
            refused.push(e.clone());
        }
        if let Some(c) = &e.conflicts {
            // One conflict that cannot be read is skipped (and registered), not the whole page.
            match serde_json::from_str::<MergeOutcome>(c) {
                Ok(outcome) => out.push((e, outcome)),
                Err(err) => bad.push(Unreadable {
                    id: e.id.clone(),
                    kind: unreadable::CONFLICT.into(),
                    error: err.to_string(),
                    body: c.clone(),
                    dirty: false,
                    updated_at: 0,
                }),
            }
        }
    }
    unreadable::settle(unreadable::CONFLICT, bad);
    Ok((out, refused))
}

fn show(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "（空）".into(),
        Some(Value::String(s)) if s.is_empty() => "（空）".into(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(true)) => "是".into(),
        Some(Value::Bool(false)) => "否".into(),
        Some(other) => other.to_string(),
    }
}

/// 冲突处理 (`/sync/conflicts`): two devices changed the same field; the user picks, per
/// field, which version to keep. Nothing is dropped without being shown here.
#[component]
pub fn Conflicts() -> impl IntoView {
    let data = LocalResource::new(load);
    view! {
        <section class="card">
            <h1>"同步冲突"</h1>
            <p class="muted">"以下记录在本机和服务器上被同时修改了同一项。请逐项选择保留哪个版本，确认后重新同步。"</p>
        </section>
        {loaded(data, move |(list, refused)| {
            if list.is_empty() && refused.is_empty() {
                return view! { <p class="card muted" data-testid="no-conflicts">"没有需要处理的冲突。"</p> }.into_any();
            }
            view! {
                {list
                    .into_iter()
                    .map(|(entry, outcome)| view! { <ConflictCard entry=entry outcome=outcome on_done=move || data.refetch()/> })
                    .collect_view()}
                {refused.into_iter().map(|e| view! { <RefusedCard entry=e on_done=move || data.refetch()/> }).collect_view()}
            }
            .into_any()
        })}
    }
}

#[component]
fn ConflictCard(
    entry: SyncEntry,
    outcome: MergeOutcome,
    on_done: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let status = expect_context::<RwSignal<SyncStatus>>();
    let choices = RwSignal::new(HashMap::<Vec<String>, Choice>::new());
    let error = RwSignal::new(None::<String>);
    let outcome = StoredValue::new(outcome);
    let entry = StoredValue::new(entry);
    let title = outcome.with_value(|o| {
        o.merged
            .get("description")
            .or_else(|| o.merged.get("name"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            // 附件1 文字栏 and 交叉检查 plans name their scope and week or pair.
            .or_else(|| model::office::describe(&o.merged))
            .unwrap_or_else(|| "记录".to_owned())
    });
    let apply = move |_| {
        let picked: Vec<(Vec<String>, Choice)> = choices.get_untracked().into_iter().collect();
        let missing = outcome.with_value(|o| o.conflicts.len()) - picked.len();
        if missing > 0 {
            error.set(Some(format!("还有 {missing} 项未选择。")));
            return;
        }
        let mut body = outcome.with_value(|o| resolve(o, &picked));
        let e = entry.get_value();
        if let Some(m) = body.get_mut("meta").and_then(Value::as_object_mut) {
            m.insert("rev".into(), e.server_rev.into());
            m.insert("base_rev".into(), e.server_rev.into());
            m.insert("dirty".into(), true.into());
            m.insert("updated_at".into(), crate::browser::now_ms().into());
        }
        let on_done = on_done.clone();
        leptos::task::spawn_local(async move {
            let r = async {
                let db = store::db().await?;
                let text = body.to_string();
                sync_rows::update(&db, &e.id, move |row, mut entry| {
                    entry.conflicts = None;
                    entry.server = None;
                    let row = row.map(|mut r| {
                        r.body = text;
                        r.dirty = true;
                        r.updated_at = crate::browser::now_ms();
                        r
                    });
                    Ok((row, Some(entry)))
                })
                .await
            }
            .await;
            match r {
                Ok(()) => {
                    scheduler::trigger(status);
                    on_done();
                }
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };
    view! {
        <section class="card conflict" data-testid="conflict">
            <h2>{title}</h2>
            <Show when=move || outcome.with_value(|o| o.closed_on_server)>
                <p class="banner warn">"注意：这条隐患已在服务器上销号。保留本机修改不会重新打开它，请与销号人员核实。"</p>
            </Show>
            {outcome
                .with_value(|o| o.conflicts.clone())
                .into_iter()
                .map(|c| {
                    let path = c.path.clone();
                    let options = [(Choice::Local, show(c.local.as_ref())), (Choice::Server, show(c.server.as_ref()))];
                    view! {
                        <fieldset>
                            <legend>{c.label()}</legend>
                            {options
                                .into_iter()
                                .map(|(choice, text)| {
                                    let path = path.clone();
                                    let path2 = path.clone();
                                    view! {
                                        <label class="check-row">
                                            <input
                                                type="radio"
                                                name=path.join(".")
                                                prop:checked=move || choices.with(|m| m.get(&path2) == Some(&choice))
                                                on:change=move |_| choices.update(|m| {
                                                    m.insert(path.clone(), choice);
                                                })
                                            />
                                            <span><strong>{choice.label()}</strong>"："{text}</span>
                                        </label>
                                    }
                                })
                                .collect_view()}
                        </fieldset>
                    }
                })
                .collect_view()}
            {move || error.get().map(|e| view! { <p class="field-msg error" role="alert">{e}</p> })}
            <div class="actions">
                <button on:click=apply data-testid="resolve">"确认并同步"</button>
            </div>
        </section>
    }
}

/// A record the server refused (e.g. outside the user's scope): said plainly, with the way
/// out: send it again (after fixing it, or once the account's scope is corrected).
#[component]
fn RefusedCard(
    entry: SyncEntry,
    on_done: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let status = expect_context::<RwSignal<SyncStatus>>();
    let id = entry.id.clone();
    let retry = move |_| {
        let id = id.clone();
        let on_done = on_done.clone();
        leptos::task::spawn_local(async move {
            if let Ok(db) = store::db().await {
                let _ = sync_rows::update(&db, &id, |_, mut e| {
                    e.error = None;
                    Ok((None, Some(e)))
                })
                .await;
            }
            scheduler::trigger(status);
            on_done();
        });
    };
    // Where the record is edited: the refusal says which field to fix, the form fixes it.
    let record_id = entry.id.clone();
    let link = LocalResource::new(move || {
        let id = record_id.clone();
        async move {
            let db = store::db().await.ok()?;
            let row = sync_rows::row(&db, &id).await.ok()??;
            edit_path(&row.kind, &id)
        }
    });
    view! {
        <section class="card" data-testid="refused">
            <h2>"服务器拒收的记录"</h2>
            <p class="field-msg error" data-testid="refused-message">{entry.error.clone().unwrap_or_default()}</p>
            <p class="muted">{format!("记录编号 {}", entry.id)}</p>
            <p class="muted">"本机仍保留这条记录。按提示修改并保存后，会自动重新发送。"</p>
            <div class="actions">
                {move || link.get().flatten().map(|href| view! {
                    <a class="btn" href=href data-testid="refused-open">"打开修改"</a>
                })}
                <button class="secondary" on:click=retry>"重新发送"</button>
            </div>
        </section>
    }
}

/// The screen where a record of `kind` is edited.
fn edit_path(kind: &str, id: &str) -> Option<String> {
    let base = match kind {
        "enterprise" => "/enterprises",
        "inspection" => "/inspections",
        "hazard" => "/hazards",
        "penalty" => "/penalties",
        // Office records are edited on their screen, not by id.
        "weekly_note" => return Some("/reports".to_owned()),
        "cross_plan" => return Some("/cross".to_owned()),
        _ => return None,
    };
    Some(format!("{base}/{id}"))
}

/// The records the server refused, on the 同步 page: each with the server's message and the way
/// to open and fix it. Reloaded after every sync run.
#[component]
pub fn RefusedList() -> impl IntoView {
    let status = expect_context::<RwSignal<SyncStatus>>();
    // A memo, not the status itself: a run updates the status for every photo (its step and
    // counters), and reading every sync entry on each of those updates kept the page busy
    // between uploads (a 300-photo sync read all 1,000 entries hundreds of times).
    let reload = Memo::new(move |_| status.with(|s| (s.running, s.needs_attention)));
    let data = LocalResource::new(move || {
        // Tracked: a finished run (or a new refusal count) reloads the list.
        reload.track();
        async move {
            let db = store::db().await?;
            let all = sync_rows::all_entries(&db).await?;
            Ok::<_, StoreError>(
                all.into_iter()
                    .filter(|e| e.conflicts.is_none() && e.error.is_some())
                    .collect::<Vec<_>>(),
            )
        }
    });
    view! {
        {move || {
            data.get()
                .and_then(Result::ok)
                .filter(|list| !list.is_empty())
                .map(|list| {
                    view! {
                        <div data-testid="refused-list">
                            {list
                                .into_iter()
                                .map(|e| view! { <RefusedCard entry=e on_done=move || data.refetch()/> })
                                .collect_view()}
                        </div>
                    }
                })
        }}
    }
}

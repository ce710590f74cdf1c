//! 操作记录 (`/admin/audit`, 市级管理员): the server's append-only audit log, newest first —
//! who did what, when and from which device. 只看管理操作 narrows it to account changes.

use leptos::prelude::*;

use super::call;
use super::wire::{AuditEntry, AuditPage};
use super::AdminNav;
use crate::photo::local_time_text;

/// A Chinese name for the actions the log records; unknown ones are shown as stored.
fn action_label(a: &str) -> &str {
    match a {
        "login" => "登录",
        "logout" => "退出登录",
        "insert" => "新增记录",
        "update" => "修改记录",
        "delete" => "删除记录",
        "photo" => "上传照片",
        "password" | "account.password" => "修改密码",
        "admin.create_user" => "新建账号",
        "admin.update_user" => "修改账号",
        "admin.disable_user" => "停用账号",
        "admin.enable_user" => "启用账号",
        "admin.reset_password" => "重置密码",
        "admin.revoke_device" => "让设备退出登录",
        "roster.import" => "导入企业名单",
        other => other,
    }
}

fn detail_text(e: &AuditEntry) -> String {
    match &e.detail {
        serde_json::Value::Object(m) if m.is_empty() => String::new(),
        serde_json::Value::Null => String::new(),
        v => v.to_string(),
    }
}

#[component]
pub fn Audit() -> impl IntoView {
    let admin_only = RwSignal::new(true);
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let next = RwSignal::new(None::<i64>);
    let error = RwSignal::new(None::<String>);
    let load = move |before: Option<i64>| {
        let only = admin_only.get_untracked();
        leptos::task::spawn_local(async move {
            let mut path = format!(
                "/api/admin/audit?limit=100{}",
                if only { "&admin_only=1" } else { "" }
            );
            if let Some(b) = before {
                path.push_str(&format!("&before={b}"));
            }
            match call::get::<AuditPage>(&path).await {
                Ok(p) => {
                    error.set(None);
                    if before.is_none() {
                        entries.set(p.entries);
                    } else {
                        entries.update(|e| e.extend(p.entries));
                    }
                    next.set(p.next_before);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    load(None);
    view! {
        <AdminNav current="/admin/audit"/>
        <section class="card">
            <h1>"操作记录"</h1>
            <label class="check-row">
                <input
                    type="checkbox"
                    prop:checked=admin_only
                    on:change=move |ev| {
                        admin_only.set(event_target_checked(&ev));
                        load(None);
                    }
                />
                " 只看管理操作"
            </label>
        </section>
        {move || error.get().map(|e| view! { <p class="banner error" role="alert">{e}</p> })}
        <div class="table-wrap card">
            <table class="grid" data-testid="audit">
                <thead>
                    <tr><th>"时间"</th><th>"账号"</th><th>"操作"</th><th>"内容"</th><th>"设备"</th></tr>
                </thead>
                <tbody>
                    <For each=move || entries.get() key=|e| e.id let:e>
                        <tr>
                            <td>{local_time_text(e.at)}</td>
                            <td>{e.username.clone()}</td>
                            <td>{action_label(&e.action).to_owned()}</td>
                            <td class="wrap">{detail_text(&e)}</td>
                            <td>{super::accounts::short(&e.device_id)}</td>
                        </tr>
                    </For>
                </tbody>
            </table>
        </div>
        <Show when=move || next.get().is_some()>
            <div class="actions">
                <button class="secondary" on:click=move |_| load(next.get_untracked())>"加载更多"</button>
            </div>
        </Show>
    }
}

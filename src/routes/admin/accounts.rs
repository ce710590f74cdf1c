//! 账号与设备 (`/admin`): every account this administrator may manage, with its devices, when
//! each last synced and how much it still holds, and the actions the server allows: 停用/启用,
//! 重置密码 (a one-time password shown once), 退出该设备. The server decides who may do what;
//! this screen shows its refusals as they come.

use leptos::prelude::*;
use model::county::County;
use model::sync::RoleKind;

use super::call::{self, seg};
use super::wire::{
    AdminAccount as Account, AdminDevice as Device, UserAnswer, UsersResponse as Users,
};
use super::AdminNav;
use crate::browser::now_ms;
use crate::photo::local_time_text;
use crate::sync::session;

/// A device that has not synced for this long is flagged: its records may be at risk.
const STALE_MS: i64 = 7 * 24 * 3600 * 1000;

/// Who the account is, in one line: role and scope.
pub fn role_text(a: &Account) -> String {
    let role = a.role.label();
    let county = a.county_name.clone().or_else(|| {
        a.county
            .as_deref()
            .and_then(County::by_code)
            .map(|c| c.name.to_owned())
    });
    match (a.role, county) {
        (RoleKind::Enterprise, _) => format!(
            "{role} · {}",
            a.enterprise_name
                .as_deref()
                .unwrap_or("（企业未同步到本机）")
        ),
        (RoleKind::Cross, Some(c)) => format!(
            "{role} · 受检县 {c} · 检查期 {}～{}",
            a.active_from.map_or("?".to_owned(), |d| d.to_string()),
            a.active_until.map_or("?".to_owned(), |d| d.to_string())
        ),
        (_, Some(c)) => format!("{role} · {c}"),
        _ => role.to_owned(),
    }
}

fn ago(ms: i64) -> String {
    let d = (now_ms() - ms).max(0) / 1000;
    match d {
        0..=59 => "刚刚".to_owned(),
        60..=3599 => format!("{} 分钟前", d / 60),
        3600..=86_399 => format!("{} 小时前", d / 3600),
        _ => format!("{} 天前", d / 86_400),
    }
}

/// The one line about a device's sync that an office needs: when, and what it still holds.
fn sync_text(d: &Device) -> (String, bool) {
    let pending = match d.pending {
        Some(0) => "无待上传".to_owned(),
        Some(n) => format!("本机待上传 {n} 条"),
        None => "待上传数未报告".to_owned(),
    };
    match d.last_sync_at {
        None => (format!("从未同步 · {pending}"), true),
        Some(t) => (
            format!("上次同步 {}（{}）· {pending}", local_time_text(t), ago(t)),
            now_ms() - t > STALE_MS,
        ),
    }
}

/// What the last action produced: a message, and a one-time password to hand over.
#[derive(Clone, PartialEq)]
struct Outcome {
    message: String,
    password: Option<(String, String)>,
    error: bool,
}

#[component]
pub fn Accounts() -> impl IntoView {
    let me = session::current()
        .map(|s| s.user.username)
        .unwrap_or_default();
    let me = StoredValue::new(me);
    let users = RwSignal::new(None::<Result<Vec<Account>, String>>);
    let outcome = RwSignal::new(None::<Outcome>);
    let busy = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let reload = move || {
        leptos::task::spawn_local(async move {
            let r = call::get::<Users>("/api/admin/users")
                .await
                .map(|u| u.users);
            users.set(Some(r));
        });
    };
    reload();

    // One action on one account; on success the list is read again from the server.
    let act = move |path: String, done: &'static str, name: String| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let r = call::send::<_, UserAnswer>("POST", &path, &serde_json::json!({})).await;
            outcome.set(Some(match r {
                Ok(a) => Outcome {
                    message: format!("{done}：{}（{}）。", a.user.display_name, a.user.username),
                    password: a.one_time_password.map(|p| (name.clone(), p)),
                    error: false,
                },
                Err(e) => Outcome {
                    message: e,
                    password: None,
                    error: true,
                },
            }));
            busy.set(false);
            reload();
        });
    };
    let confirm = |q: &str| {
        crate::browser::window()
            .confirm_with_message(q)
            .unwrap_or(false)
    };

    let card = move |a: Account| {
        let name = a.username.clone();
        let who = format!("{}（{}）", a.display_name, a.username);
        let is_me = a.username == me.get_value();
        let (n1, n2, n3) = (name.clone(), name.clone(), name.clone());
        let (w1, w2) = (who.clone(), who.clone());
        let disabled = a.disabled;
        let devices = a
            .devices
            .iter()
            .map(|d| {
                let (line, stale) = sync_text(d);
                let dev = d.device_id.clone();
                let n = name.clone();
                let w = who.clone();
                let signed_in = d.signed_in;
                view! {
                    <li class="device" data-testid="device">
                        <span class="device-id">{format!("设备 {}", short(&d.device_id))}</span>
                        <span class:field-msg=stale class:error=stale>{line}</span>
                        {if signed_in {
                            view! {
                                <button
                                    class="small secondary danger-text"
                                    disabled=move || busy.get()
                                    on:click=move |_| {
                                        if confirm(&format!("让 {w} 的这台设备退出登录？本机数据保留，重新登录后可继续同步。")) {
                                            act(
                                                format!("/api/admin/users/{}/devices/{}/revoke", seg(&n), seg(&dev)),
                                                "已让该设备退出登录",
                                                n.clone(),
                                            );
                                        }
                                    }
                                >
                                    "退出该设备"
                                </button>
                            }
                                .into_any()
                        } else {
                            view! { <span class="muted">"已退出"</span> }.into_any()
                        }}
                    </li>
                }
            })
            .collect_view();
        view! {
            <li class="card account" data-testid="account" data-username=a.username.clone()>
                <div class="row between">
                    <strong>{who.clone()}</strong>
                    <span class="row">
                        {a.is_admin.then(|| view! { <span class="tag">"管理员"</span> })}
                        {a.disabled.then(|| view! { <span class="tag danger">"已停用"</span> })}
                        {a.must_change_password.then(|| view! { <span class="tag warn">"待改临时密码"</span> })}
                    </span>
                </div>
                <p class="muted">{role_text(&a)}</p>
                <ul class="devices">
                    {devices}
                    {a.devices.is_empty().then(|| view! { <li class="muted">"尚未在任何设备登录"</li> })}
                </ul>
                <div class="actions">
                    <a class="btn small secondary" href=format!("/admin/users/{}", seg(&name))>"编辑"</a>
                    <button
                        class="small secondary"
                        disabled=move || busy.get()
                        on:click=move |_| {
                            if confirm(&format!("为 {w1} 生成新的临时密码？原密码立即失效，其所有设备需重新登录。")) {
                                act(format!("/api/admin/users/{}/reset-password", seg(&n1)), "已重置密码", n1.clone());
                            }
                        }
                    >
                        "重置密码"
                    </button>
                    {(!is_me).then(|| {
                        if disabled {
                            view! {
                                <button
                                    class="small secondary"
                                    disabled=move || busy.get()
                                    on:click=move |_| act(format!("/api/admin/users/{}/enable", seg(&n2)), "已启用", n2.clone())
                                >
                                    "启用"
                                </button>
                            }
                                .into_any()
                        } else {
                            view! {
                                <button
                                    class="small danger"
                                    disabled=move || busy.get()
                                    on:click=move |_| {
                                        if confirm(&format!("停用 {w2}？该账号立即不能登录和同步（已上传的记录不受影响）。")) {
                                            act(format!("/api/admin/users/{}/disable", seg(&n3)), "已停用", n3.clone());
                                        }
                                    }
                                >
                                    "停用"
                                </button>
                            }
                                .into_any()
                        }
                    })}
                </div>
            </li>
        }
    };

    view! {
        <AdminNav current="/admin"/>
        <section class="card">
            <div class="row between">
                <h1>"账号与设备"</h1>
                <a class="btn small" href="/admin/new" data-testid="new-account">"新建账号"</a>
            </div>
            <label for="account-search">"查找"</label>
            <input
                id="account-search"
                placeholder="姓名、账号名或县"
                prop:value=query
                on:input=move |ev| query.set(event_target_value(&ev))
            />
        </section>
        {move || outcome.get().map(|o| {
            let class = if o.error { "banner error" } else { "banner info" };
            view! {
                <div class=class role="status" data-testid="admin-outcome">
                    <p>{o.message}</p>
                    {o.password.map(|(who, p)| view! {
                        <p class="otp">
                            {format!("{who} 的临时密码：")}
                            <strong data-testid="one-time-password">{p}</strong>
                        </p>
                        <p>"只显示这一次。请当面或电话告诉本人；对方登录后须立即修改密码。"</p>
                    })}
                </div>
            }
        })}
        {move || match users.get() {
            None => view! { <p class="card">"正在读取账号…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="banner error" role="alert">{e}</p> }.into_any(),
            Some(Ok(list)) => {
                let q = query.get();
                let q = q.trim();
                let shown: Vec<Account> = list
                    .into_iter()
                    .filter(|a| {
                        q.is_empty() || a.username.contains(q) || a.display_name.contains(q)
                            || role_text(a).contains(q)
                    })
                    .collect();
                let n = shown.len();
                view! {
                    <p class="muted">{format!("共 {n} 个账号")}</p>
                    <ul class="list">{shown.into_iter().map(card).collect_view()}</ul>
                }
                    .into_any()
            }
        }}
    }
}

/// Device ids are long UUIDv7s whose first digits are only the time they were made; the last
/// 8 characters are random and tell a clerk's devices apart.
pub fn short(id: &str) -> String {
    let n = id.chars().count();
    id.chars().skip(n.saturating_sub(8)).collect()
}

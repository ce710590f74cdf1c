//! 新建账号 (`/admin/new`) and 编辑账号 (`/admin/users/:username`). The choices offered follow
//! what the signed-in administrator may grant (市级: every role and the 管理员 flag; 县级: its
//! county's inspectors and its enterprises' accounts); the server checks again and its refusal
//! is shown as it comes. A new account gets a one-time password, shown once.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use model::county::County;
use model::enterprise::Enterprise;
use model::sync::RoleKind;

use super::call::{self, seg};
use super::wire::{AccountRequest, UserAnswer, UsersResponse as Users};
use super::AdminNav;
use crate::sync::session;

#[component]
pub fn AccountNew() -> impl IntoView {
    view! { <AccountForm username=None/> }
}

#[component]
pub fn AccountEditPage() -> impl IntoView {
    let params = use_params_map();
    let name = params
        .with_untracked(|p| p.get("username"))
        .unwrap_or_default();
    view! { <AccountForm username=Some(name)/> }
}

#[component]
fn AccountForm(username: Option<String>) -> impl IntoView {
    let me = session::current().map(|s| s.user);
    let my_county = me.as_ref().and_then(|u| u.county.clone());
    let grants = Grants::of(me.as_ref());
    let city = grants.admin_flag;
    let roles = grants.roles.clone();
    let creating = username.is_none();
    let form = RwSignal::new(AccountRequest {
        role: "county".to_owned(),
        county: my_county.clone(),
        ..AccountRequest::default()
    });
    let message = RwSignal::new(None::<Result<String, String>>);
    let password = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let enterprises = LocalResource::new(|| async {
        crate::data::live::<Enterprise>().await.unwrap_or_default()
    });

    // Editing: the account as the server has it now.
    if let Some(name) = username.clone() {
        leptos::task::spawn_local(async move {
            match call::get::<Users>("/api/admin/users").await {
                Ok(u) => match u.users.into_iter().find(|a| a.username == name) {
                    Some(a) => form.set(AccountRequest {
                        username: None,
                        display_name: a.display_name,
                        role: a.role.key().to_owned(),
                        county: a.county,
                        enterprise_id: a.enterprise_id.map(|i| i.to_string()),
                        active_from: a.active_from.map(|d| d.to_string()),
                        active_until: a.active_until.map(|d| d.to_string()),
                        is_admin: Some(a.is_admin),
                    }),
                    None => message.set(Some(Err(format!("找不到账号“{name}”，或您无权管理它。")))),
                },
                Err(e) => message.set(Some(Err(e))),
            }
        });
    }
    let target = StoredValue::new(username.clone());

    let save = move |_| {
        if busy.get_untracked() {
            return;
        }
        let mut f = form.get_untracked();
        let name = f
            .username
            .as_deref()
            .map(str::trim)
            .unwrap_or_default()
            .to_owned();
        if creating && name.is_empty() {
            message.set(Some(Err(
                "请填写账号名（登录时用，字母、数字、下划线）。".into()
            )));
            return;
        }
        f.username = creating.then_some(name);
        // Only what the role uses goes to the server, so a stale choice cannot slip in.
        match RoleKind::from_key(&f.role) {
            Some(RoleKind::City) => {
                f.county = None;
                f.enterprise_id = None;
            }
            Some(RoleKind::County | RoleKind::Cross) => f.enterprise_id = None,
            Some(RoleKind::Enterprise) => f.county = None,
            None => {}
        }
        if f.role != "cross" {
            f.active_from = None;
            f.active_until = None;
        }
        busy.set(true);
        message.set(None);
        leptos::task::spawn_local(async move {
            let r = match target.get_value() {
                None => call::send::<_, UserAnswer>("POST", "/api/admin/users", &f).await,
                Some(name) => {
                    call::send::<_, UserAnswer>(
                        "PUT",
                        &format!("/api/admin/users/{}", seg(&name)),
                        &f,
                    )
                    .await
                }
            };
            busy.set(false);
            match r {
                Ok(a) => {
                    password.set(a.one_time_password.clone());
                    message.set(Some(Ok(format!(
                        "已保存：{}（{}）。",
                        a.user.display_name, a.user.username
                    ))));
                }
                Err(e) => message.set(Some(Err(e))),
            }
        });
    };

    let role_is = move |k: &'static str| form.with(|f| f.role == k);
    let counties: Vec<County> = match (city, my_county.as_deref().and_then(County::by_code)) {
        (false, Some(c)) => vec![c],
        _ => County::all().to_vec(),
    };
    let counties = StoredValue::new(counties);
    let title = if creating {
        "新建账号"
    } else {
        "编辑账号"
    };
    view! {
        <AdminNav current="/admin"/>
        <section class="card form" data-testid="account-form">
            <h1>{title}</h1>
            {username.clone().map(|n| view! { <p class="muted">{format!("账号名：{n}")}</p> })}
            <Show when=move || creating>
                <label for="acc-username">"账号名" <span class="req">"*"</span></label>
                <input
                    id="acc-username"
                    autocomplete="off"
                    placeholder="如 xinfu_zhang（登录用，2–32 个字母、数字、下划线）"
                    prop:value=move || form.with(|f| f.username.clone().unwrap_or_default())
                    on:input=move |ev| form.update(|f| f.username = Some(event_target_value(&ev)))
                />
            </Show>
            <label for="acc-name">"姓名" <span class="req">"*"</span></label>
            <input
                id="acc-name"
                prop:value=move || form.with(|f| f.display_name.clone())
                on:input=move |ev| form.update(|f| f.display_name = event_target_value(&ev))
            />
            <label for="acc-role">"角色"</label>
            <select
                id="acc-role"
                prop:value=move || form.with(|f| f.role.clone())
                on:change=move |ev| form.update(|f| f.role = event_target_value(&ev))
            >
                {roles
                    .iter()
                    .map(|k| view! { <option value=k.key()>{k.label()}</option> })
                    .collect_view()}
            </select>
            <Show when=move || role_is("county") || role_is("cross")>
                <label for="acc-county">
                    {move || if role_is("cross") { "受检县（市、区）" } else { "所在县（市、区）" }}
                </label>
                <select
                    id="acc-county"
                    prop:value=move || form.with(|f| f.county.clone().unwrap_or_default())
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        form.update(|f| f.county = (!v.is_empty()).then_some(v));
                    }
                >
                    <option value="">"请选择"</option>
                    {counties
                        .get_value()
                        .into_iter()
                        .map(|c| view! { <option value=c.code>{c.name}</option> })
                        .collect_view()}
                </select>
            </Show>
            <Show when=move || role_is("cross")>
                <label for="acc-from">"检查期开始"</label>
                <input
                    id="acc-from"
                    type="date"
                    prop:value=move || form.with(|f| f.active_from.clone().unwrap_or_default())
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        form.update(|f| f.active_from = (!v.is_empty()).then_some(v));
                    }
                />
                <label for="acc-until">"检查期结束"</label>
                <input
                    id="acc-until"
                    type="date"
                    prop:value=move || form.with(|f| f.active_until.clone().unwrap_or_default())
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        form.update(|f| f.active_until = (!v.is_empty()).then_some(v));
                    }
                />
            </Show>
            <Show when=move || role_is("enterprise")>
                <label for="acc-enterprise">"企业"</label>
                <select
                    id="acc-enterprise"
                    prop:value=move || form.with(|f| f.enterprise_id.clone().unwrap_or_default())
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        form.update(|f| f.enterprise_id = (!v.is_empty()).then_some(v));
                    }
                >
                    <option value="">"请选择（本机已同步的企业）"</option>
                    {move || {
                        let mut list = enterprises.get().unwrap_or_default();
                        list.sort_by(|a, b| a.name.cmp(&b.name));
                        list.into_iter()
                            .map(|e| {
                                let county = County::by_code(&e.county).map_or("", |c| c.name);
                                view! {
                                    <option value=e.meta.id.to_string()>
                                        {format!("{}（{county}）", e.name)}
                                    </option>
                                }
                            })
                            .collect_view()
                    }}
                </select>
                <p class="muted">"企业须先同步到服务器。名单中没有时，请先在“企业”页新增并同步，或用“企业名单导入”。"</p>
            </Show>
            <Show when=move || city>
                <label class="check-row">
                    <input
                        type="checkbox"
                        prop:checked=move || form.with(|f| f.is_admin == Some(true))
                        on:change=move |ev| form.update(|f| f.is_admin = Some(event_target_checked(&ev)))
                    />
                    " 管理员（可管理账号）"
                </label>
            </Show>
            <div class="actions">
                <button on:click=save disabled=move || busy.get() data-testid="save-account">
                    {move || if busy.get() { "正在保存…" } else { "保存" }}
                </button>
                <a class="btn secondary" href="/admin">"返回账号列表"</a>
            </div>
            {move || message.get().map(|m| match m {
                Ok(t) => view! { <p class="banner info" role="status" data-testid="account-saved">{t}</p> }.into_any(),
                Err(e) => view! { <p class="banner error" role="alert" data-testid="account-error">{e}</p> }.into_any(),
            })}
            {move || password.get().map(|p| view! {
                <div class="banner warn otp-box">
                    <p>"临时密码（只显示这一次）：" <strong data-testid="one-time-password">{p}</strong></p>
                    <p>"请当面或电话告诉本人；对方首次登录后须修改密码。"</p>
                </div>
            })}
        </section>
    }
}

/// What the signed-in administrator may grant, asked of the one rule the server enforces
/// (`model::admin::check_grant`), so the form offers nothing the server would refuse.
struct Grants {
    roles: Vec<RoleKind>,
    admin_flag: bool,
}

impl Grants {
    fn of(user: Option<&model::sync::UserInfo>) -> Grants {
        use model::admin::{check_grant, Account, Grant};
        use model::sync::Role;
        let Some(u) = user else {
            return Grants {
                roles: Vec::new(),
                admin_flag: false,
            };
        };
        let Ok(role) = u.role() else {
            return Grants {
                roles: Vec::new(),
                admin_flag: false,
            };
        };
        let actor = Account {
            username: u.username.clone(),
            role,
            enterprise_county: None,
            is_admin: u.is_admin,
            disabled: false,
        };
        // A county of the actor's own scope (or any, for 市级) stands in for the form's choice.
        let county = u
            .county
            .clone()
            .unwrap_or_else(|| County::all()[0].code.to_owned());
        let sample = |kind: RoleKind, is_admin: bool| Grant {
            role: match kind {
                RoleKind::City => Role::City,
                RoleKind::County => Role::County(county.clone()),
                RoleKind::Cross => Role::CrossTeam {
                    inspected: county.clone(),
                },
                RoleKind::Enterprise => Role::Enterprise(uuid::Uuid::nil()),
            },
            enterprise_county: (kind == RoleKind::Enterprise).then(|| county.clone()),
            is_admin,
        };
        Grants {
            roles: RoleKind::ALL
                .into_iter()
                .filter(|k| check_grant(&actor, &sample(*k, false)).is_ok())
                .collect(),
            admin_flag: check_grant(&actor, &sample(RoleKind::County, true)).is_ok(),
        }
    }
}

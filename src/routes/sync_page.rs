use leptos::prelude::*;

use crate::browser::format_bytes;
use crate::components::password_change::PasswordChange;
use crate::photo::local_time_text;
use crate::routes::conflicts::RefusedList;
use crate::sync::{scheduler, session, SyncStatus};

/// 同步: sign in, see the queue (records, photos with bytes, per-photo state), the last
/// success and the last error in plain Chinese, and sync now.
#[component]
pub fn Sync() -> impl IntoView {
    let status = expect_context::<RwSignal<SyncStatus>>();
    let user = RwSignal::new(session::current());
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let login_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let do_login = move |_| {
        // Over plain http the password would cross the network in clear: refused here, with
        // the same words as the sync guard (open the https address, install the certificate).
        if let Some(why) = crate::components::secure_banner::sync_refusal() {
            login_error.set(Some(why));
            return;
        }
        if username.get_untracked().trim().is_empty() || password.get_untracked().is_empty() {
            login_error.set(Some("请输入用户名和密码。".into()));
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            match session::login(&username.get_untracked(), &password.get_untracked()).await {
                Ok(resp) => {
                    user.set(Some(resp));
                    password.set(String::new());
                    login_error.set(None);
                    status.update(|s| s.needs_login = false);
                    scheduler::trigger(status);
                }
                Err(e) => login_error.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };
    let do_logout = move |_| {
        session::logout();
        user.set(None);
    };
    view! {
        <section class="card" data-testid="sync-page">
            <h1>"同步"</h1>
            {move || match user.get() {
                Some(u) => {
                    let must_change = u.user.must_change_password;
                    view! {
                        <p>
                            {format!("已登录：{}（{}）", u.user.display_name, u.user.username)}
                            " "
                            <button class="small secondary" on:click=do_logout>"退出登录"</button>
                        </p>
                        {must_change.then(|| view! {
                            <p class="banner warn" role="alert" data-testid="must-change">
                                "您正在使用管理员设置的临时密码。请先修改密码，然后才能同步。"
                            </p>
                            <PasswordChange on_done=move || user.set(session::current())/>
                        })}
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <div class="form">
                            <p class="muted">"登录后，本机记录和照片会自动上传，并下载本辖区的最新记录。未登录时照常离线工作。"</p>
                            <label for="login-user">"用户名"</label>
                            <input id="login-user" autocomplete="username" prop:value=username on:input=move |ev| username.set(event_target_value(&ev))/>
                            <label for="login-pass">"密码"</label>
                            <input id="login-pass" type="password" autocomplete="current-password" prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/>
                            <div class="actions">
                                <button on:click=do_login disabled=move || busy.get() data-testid="login">"登录"</button>
                            </div>
                            {move || login_error.get().map(|e| view! { <p class="field-msg error" role="alert">{e}</p> })}
                        </div>
                    }
                        .into_any()
                }
            }}
        </section>
        <section class="card" data-testid="sync-status">
            <dl class="facts">
                <dt>"待上传记录"</dt>
                <dd data-testid="pending-records">{move || status.get().pending_records}</dd>
                <dt>"待上传照片"</dt>
                <dd data-testid="pending-photos">
                    {move || {
                        let s = status.get();
                        format!("{} 张（{}）", s.pending_photos, format_bytes(s.pending_photo_bytes))
                    }}
                </dd>
                <dt>"已上传照片"</dt>
                <dd data-testid="uploaded-photos">{move || status.get().uploaded_photos}</dd>
                <dt>"需要处理"</dt>
                <dd data-testid="needs-attention">
                    {move || status.get().needs_attention}
                    <Show when=move || { status.get().needs_attention > 0 }>
                        " " <a href="/sync/conflicts">"去处理"</a>
                    </Show>
                </dd>
                <dt>"上次成功同步"</dt>
                <dd data-testid="last-ok">
                    {move || status.get().last_ok.map(local_time_text).unwrap_or_else(|| "尚未同步".into())}
                </dd>
            </dl>
            {move || status.get().step.map(|s| view! { <p role="status">{s}</p> })}
            {move || status.get().last_error.map(|e| view! { <p class="field-msg error" role="alert" data-testid="sync-error">{e}</p> })}
            <div class="actions">
                <button
                    on:click=move |_| scheduler::trigger(status)
                    disabled=move || status.get().running
                    data-testid="sync-now"
                >
                    {move || if status.get().running { "同步中…" } else { "立即同步" }}
                </button>
            </div>
        </section>
        <RefusedList/>
    }
}

//! 修改密码: shown on 同步 while the account still has the one-time password an administrator
//! set (the server refuses sync until it is replaced), and on request otherwise.

use leptos::prelude::*;

use crate::sync::{scheduler, session, SyncStatus};

#[component]
pub fn PasswordChange(
    /// Called after the server accepted the new password.
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let status = use_context::<RwSignal<SyncStatus>>();
    let old = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let msg = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |_| {
        let (o, n, a) = (
            old.get_untracked(),
            new.get_untracked(),
            again.get_untracked(),
        );
        // The obvious mistakes are caught here; the server checks the rest (length, reuse).
        let local = if o.is_empty() || n.is_empty() {
            Some("请填写原密码和新密码。")
        } else if n != a {
            Some("两次输入的新密码不一致，请重新输入。")
        } else if n.chars().count() < 8 {
            Some("新密码至少 8 个字符。")
        } else {
            None
        };
        if let Some(m) = local {
            msg.set(Some(m.to_owned()));
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            match session::change_password(&o, &n).await {
                Ok(()) => {
                    msg.set(None);
                    old.set(String::new());
                    new.set(String::new());
                    again.set(String::new());
                    on_done();
                    if let Some(s) = status {
                        scheduler::trigger(s);
                    }
                }
                Err(e) => msg.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="form" data-testid="password-change">
            <label for="pw-old">"原密码（管理员给的临时密码）"</label>
            <input id="pw-old" type="password" autocomplete="current-password" prop:value=old on:input=move |ev| old.set(event_target_value(&ev))/>
            <label for="pw-new">"新密码（至少 8 个字符）"</label>
            <input id="pw-new" type="password" autocomplete="new-password" prop:value=new on:input=move |ev| new.set(event_target_value(&ev))/>
            <label for="pw-again">"再输一次新密码"</label>
            <input id="pw-again" type="password" autocomplete="new-password" prop:value=again on:input=move |ev| again.set(event_target_value(&ev))/>
            <div class="actions">
                <button on:click=submit disabled=move || busy.get() data-testid="change-password">"修改密码"</button>
            </div>
            {move || msg.get().map(|m| view! { <p class="field-msg error" role="alert">{m}</p> })}
        </div>
    }
}

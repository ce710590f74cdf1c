//! 管理: the office's administration screens, all served by the server's `/api/admin` and
//! `/api/roster` (they need the network; the field screens do not).

mod account_form;
mod accounts;
mod audit;
mod call;
mod roster;
mod wire;

pub use account_form::{AccountEditPage, AccountNew};
pub use accounts::Accounts;
pub use audit::Audit;
pub use roster::Roster;

use leptos::prelude::*;
use model::sync::RoleKind;

use crate::components::SubNav;
use crate::sync::session;

/// The 管理 sub-menu; 操作记录 only for 市级 (the server refuses it to others anyway).
#[component]
pub fn AdminNav(current: &'static str) -> impl IntoView {
    let city = session::current().is_some_and(|s| s.user.role == RoleKind::City);
    let mut links = vec![("/admin", "账号与设备"), ("/admin/roster", "企业名单导入")];
    if city {
        links.push(("/admin/audit", "操作记录"));
    }
    let signed_in = session::current().is_some();
    view! {
        <SubNav label="管理导航" links=links current=current class="admin"/>
        {(!signed_in).then(|| view! {
            <p class="banner warn" role="alert">
                "管理功能需要登录：请联网后到“同步”页用管理员账号登录。"
            </p>
        })}
    }
}

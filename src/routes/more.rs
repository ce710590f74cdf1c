//! 更多 (`/more`): on a phone, the destinations that do not fit the five-tab bar, grouped by
//! job — office tables, administration (for office accounts), this device. Big tiles with an
//! icon and a label, so they work with a thumb in a glove.

use leptos::prelude::*;

use crate::components::icons::{Icon, IconSvg};
use crate::sync::session;
use model::sync::RoleKind;

struct Tile {
    href: &'static str,
    label: &'static str,
    hint: &'static str,
    icon: Icon,
}

fn tiles(group: &[Tile]) -> impl IntoView {
    group
        .iter()
        .map(|t| {
            view! {
                <a class="tile" href=t.href>
                    <IconSvg icon=t.icon/>
                    <span>{t.label} <small>{t.hint}</small></span>
                </a>
            }
        })
        .collect_view()
}

const OFFICE: &[Tile] = &[
    Tile {
        href: "/reports",
        label: "附件1·附件2",
        hint: "周调度表、重大隐患台账",
        icon: Icon::Reports,
    },
    Tile {
        href: "/cross",
        label: "交叉检查",
        hint: "附件3 安排、附件4 汇总",
        icon: Icon::Cross,
    },
    Tile {
        href: "/dashboard",
        label: "工作台",
        hint: "各县进度与逾期",
        icon: Icon::Dashboard,
    },
    Tile {
        href: "/penalties",
        label: "行政处罚",
        hint: "立案、罚款、结案",
        icon: Icon::Penalty,
    },
];

const ADMIN: &[Tile] = &[
    Tile {
        href: "/admin",
        label: "账号与设备",
        hint: "新建、停用、重置密码",
        icon: Icon::Admin,
    },
    Tile {
        href: "/admin/roster",
        label: "企业名单导入",
        hint: "从 Excel 批量导入",
        icon: Icon::Roster,
    },
];

const CITY_ADMIN: &[Tile] = &[Tile {
    href: "/admin/audit",
    label: "操作记录",
    hint: "管理操作与登录",
    icon: Icon::Audit,
}];

const DEVICE: &[Tile] = &[
    Tile {
        href: "/sync",
        label: "同步",
        hint: "上传、下载、登录",
        icon: Icon::Sync,
    },
    Tile {
        href: "/settings",
        label: "设置",
        hint: "检查人员、导出与导入",
        icon: Icon::Settings,
    },
];

#[component]
pub fn More() -> impl IntoView {
    // Office accounts see 管理; an inspector's phone does not carry buttons it cannot use.
    let role = session::current().map(|s| s.user.role);
    let office = matches!(role, Some(RoleKind::City | RoleKind::County));
    let city = role == Some(RoleKind::City);
    view! {
        <section class="card more-group">
            <h2>"报表与办公"</h2>
            <div class="tiles">{tiles(OFFICE)}</div>
        </section>
        <Show when=move || office>
            <section class="card more-group" data-testid="more-admin">
                <h2>"管理"</h2>
                <div class="tiles">
                    {tiles(ADMIN)}
                    {city.then(|| tiles(CITY_ADMIN))}
                </div>
            </section>
        </Show>
        <section class="card more-group">
            <h2>"本机"</h2>
            <div class="tiles">{tiles(DEVICE)}</div>
        </section>
    }
}

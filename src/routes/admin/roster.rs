//! 企业名单导入 (`/admin/roster`): the county's roster (.xlsx from the template, or .csv in
//! UTF-8 or GBK) is checked by the server with the campaign's rules and shown first — rows to
//! add, rows that change an existing enterprise (with the changed fields), rows with errors
//! (row, column, what to fix). Only 确认导入 writes, and only the good rows; the enterprises
//! then reach every device by sync. Importing the same file twice changes nothing.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::call;
use super::wire::{value_text, RosterCommit, RosterPreview};
use super::AdminNav;
use crate::routes::report_download::{download_with_file, DownloadButton};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The Content-Type the server reads the file as, from its name (phones often send none).
fn content_type(name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase();
    if lower.ends_with(".xlsx") {
        Some(XLSX)
    } else if lower.ends_with(".csv") {
        Some("text/csv")
    } else {
        None
    }
}

#[component]
pub fn Roster() -> impl IntoView {
    // A File is a browser object: kept on this thread only.
    let file = StoredValue::new_local(None::<web_sys::File>);
    let file_name = RwSignal::new(String::new());
    let preview = RwSignal::new(None::<Result<RosterPreview, String>>);
    let result = RwSignal::new(None::<Result<RosterCommit, String>>);
    let busy = RwSignal::new(false);
    let report_msg = RwSignal::new(None::<Result<String, String>>);

    let upload = move |commit: bool| {
        let Some(f) = file.get_value() else { return };
        let name = f.name();
        let Some(ct) = content_type(&name) else {
            preview.set(Some(Err(
                "只能导入 .xlsx 或 .csv 文件。请用“下载模板”得到的表格填写后再选。".into(),
            )));
            return;
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let q = String::from(js_sys::encode_uri_component(&name));
            if commit {
                let r = call::post_file::<RosterCommit>(
                    &format!("/api/roster/commit?name={q}"),
                    &f,
                    ct,
                )
                .await;
                let ok = r.is_ok();
                result.set(Some(r));
                if ok {
                    // The new enterprises come back through the normal pull.
                    let status = sync_status();
                    if let Some(s) = status {
                        crate::sync::scheduler::trigger(s);
                    }
                }
            } else {
                result.set(None);
                let r = call::post_file::<RosterPreview>(
                    &format!("/api/roster/preview?name={q}"),
                    &f,
                    ct,
                )
                .await;
                preview.set(Some(r));
            }
            busy.set(false);
        });
    };
    let choose = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(f) = input.files().and_then(|l| l.get(0)) else {
            return;
        };
        input.set_value("");
        file_name.set(f.name());
        file.set_value(Some(f));
        preview.set(None);
        result.set(None);
        report_msg.set(None);
        upload(false);
    };
    let error_report = move |_| {
        let Some(f) = file.get_value() else { return };
        let name = f.name();
        let Some(ct) = content_type(&name) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let q = String::from(js_sys::encode_uri_component(&name));
            let r = download_with_file(
                &format!("/api/roster/errors.xlsx?name={q}"),
                "企业名单错误报告.xlsx",
                &f,
                ct,
            )
            .await;
            report_msg.set(Some(r));
        });
    };

    view! {
        <AdminNav current="/admin/roster"/>
        <section class="card">
            <h1>"企业名单导入"</h1>
            <p class="muted">
                "按模板填写本县（市、区）的冶金工贸企业名单，每行一家。已有的企业按统一社会信用代码对应，只更新有变化的栏目；先预览，确认后才导入。"
            </p>
            <DownloadButton
                label="下载模板（.xlsx）"
                testid="roster-template"
                url=Signal::derive(|| "/api/roster/template.xlsx".to_owned())
                fallback=Signal::derive(|| "企业名单导入模板.xlsx".to_owned())
            />
            <div class="actions">
                <label class="btn">
                    "选择名单文件（.xlsx 或 .csv）"
                    <input
                        type="file"
                        accept=".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                        class="visually-hidden"
                        data-testid="roster-input"
                        on:change=choose
                    />
                </label>
            </div>
            {move || (!file_name.get().is_empty()).then(|| view! {
                <p class="muted">{format!("已选：{}", file_name.get())}</p>
            })}
            {move || busy.get().then(|| view! { <p role="status">"正在处理…"</p> })}
        </section>
        {move || preview.get().map(|p| match p {
            Err(e) => view! { <p class="banner error" role="alert" data-testid="roster-error">{e}</p> }.into_any(),
            Ok(p) => preview_view(p, busy, upload, error_report, report_msg).into_any(),
        })}
        {move || result.get().map(|r| match r {
            Ok(c) => view! {
                <p class="banner info" role="status" data-testid="roster-done">
                    {format!(
                        "已导入：新增 {} 家，更新 {} 家，无变化 {} 家，有错误未导入 {} 行。企业会在各设备下次同步时到达。",
                        c.added, c.updated, c.unchanged, c.errors
                    )}
                </p>
            }.into_any(),
            Err(e) => view! { <p class="banner error" role="alert">{e}</p> }.into_any(),
        })}
    }
}

/// The app's sync status, to start a pull after an import (absent in isolated tests).
fn sync_status() -> Option<RwSignal<crate::sync::SyncStatus>> {
    use_context::<RwSignal<crate::sync::SyncStatus>>()
}

fn preview_view(
    p: RosterPreview,
    busy: RwSignal<bool>,
    upload: impl Fn(bool) + Copy + 'static,
    error_report: impl Fn(leptos::ev::MouseEvent) + Copy + 'static,
    report_msg: RwSignal<Option<Result<String, String>>>,
) -> impl IntoView {
    let writes = p.add.len() + p.update.len();
    let has_errors = !p.errors.is_empty();
    view! {
        <section class="card" data-testid="roster-preview">
            <h2>"预览"</h2>
            <p data-testid="roster-counts">
                {format!(
                    "共 {} 行：新增 {} 家，更新 {} 家，无变化 {} 家，有错误 {} 行。",
                    p.total, p.add.len(), p.update.len(), p.unchanged.len(), p.errors.len()
                )}
            </p>
            {has_errors.then(|| view! {
                <h3 class="field-msg error">"有错误的行（不会导入，请改正后重新选择文件）"</h3>
                <div class="table-wrap">
                    <table class="grid" data-testid="roster-errors">
                        <thead><tr><th>"行号"</th><th>"列"</th><th>"问题"</th></tr></thead>
                        <tbody>
                            {p.errors.iter().map(|e| view! {
                                <tr><td>{e.row}</td><td>{e.column.clone()}</td><td>{e.message.clone()}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <div class="actions">
                    <button class="secondary" on:click=error_report data-testid="roster-error-report">
                        "下载错误报告（.xlsx）"
                    </button>
                </div>
                {move || report_msg.get().map(|r| match r {
                    Ok(n) => view! { <p class="muted" role="status">{format!("已下载：{n}")}</p> }.into_any(),
                    Err(e) => view! { <p class="banner error" role="alert">{e}</p> }.into_any(),
                })}
            })}
            {(!p.warnings.is_empty()).then(|| view! {
                <h3>"请留意（仍会导入）"</h3>
                <ul data-testid="roster-warnings">
                    {p.warnings.iter().map(|w| view! {
                        <li class="field-msg warn">{format!("第 {} 行 {}：{}", w.row, w.column, w.message)}</li>
                    }).collect_view()}
                </ul>
            })}
            {(!p.add.is_empty()).then(|| view! {
                <h3>"新增"</h3>
                <div class="table-wrap">
                    <table class="grid" data-testid="roster-add">
                        <thead><tr><th>"行号"</th><th>"企业名称"</th><th>"统一社会信用代码"</th><th>"县"</th></tr></thead>
                        <tbody>
                            {p.add.iter().map(|a| view! {
                                <tr>
                                    <td>{a.row}</td>
                                    <td>{a.name.clone()}</td>
                                    <td>{a.credit_code.clone().unwrap_or_default()}</td>
                                    <td>{a.county_name.clone().unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
            {(!p.update.is_empty()).then(|| view! {
                <h3>"更新已有企业"</h3>
                <ul class="list" data-testid="roster-update">
                    {p.update.iter().map(|u| view! {
                        <li class="list-item">
                            <span class="list-main">
                                <strong>{format!("第 {} 行 · {}", u.row, u.name)}</strong>
                                {u.changes.iter().map(|c| view! {
                                    <span class="muted">
                                        {format!("{}：{} → {}", c.label, value_text(&c.old), value_text(&c.new))}
                                    </span>
                                }).collect_view()}
                            </span>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            <div class="actions">
                <button
                    data-testid="roster-commit"
                    disabled=move || busy.get() || writes == 0
                    on:click=move |_| upload(true)
                >
                    {if writes == 0 {
                        "没有需要导入的行".to_owned()
                    } else {
                        format!("确认导入 {writes} 家企业")
                    }}
                </button>
            </div>
        </section>
    }
}

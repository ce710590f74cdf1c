//! 工作台 (`/dashboard`): per county 发现 / 已整改 / 逾期 / 重大未销号 and the weekly trend,
//! computed on the device from its records (`model::annex::Dashboard`), so it works offline.

use leptos::prelude::*;
use model::annex::{Dashboard as DashboardData, HazardCounts, Scope};
use model::campaign::Campaign;
use model::county::County;

use crate::browser::today;
use crate::components::{loaded, SubNav};
use crate::data;
use model::annex::Records;

/// The office screens link to each other here: the tab bar has room for one (报表) only.
#[component]
pub fn OfficeNav(current: &'static str) -> impl IntoView {
    let links = vec![
        ("/reports", "附件1·附件2"),
        ("/cross", "交叉检查"),
        ("/dashboard", "工作台"),
    ];
    view! { <SubNav label="报表导航" links=links current=current/> }
}

/// 工作台: cards on a phone, a table on a desk (the same markup; CSS decides).
#[component]
pub fn Dashboard() -> impl IntoView {
    let data = LocalResource::new(data::annex_records);
    let campaigns = Campaign::bundled();
    let campaign = StoredValue::new(
        Campaign::latest(&campaigns, today())
            .cloned()
            .expect("a bundled campaign"),
    );
    let scope_key = RwSignal::new(String::from("city"));
    let scope = move || match County::by_code(&scope_key.get()) {
        Some(c) => Scope::County(c),
        None => Scope::City,
    };
    view! {
        <OfficeNav current="/dashboard"/>
        <section class="card no-print">
            <h1>"工作台"</h1>
            <div class="filters">
                <select aria-label="范围" on:change=move |ev| scope_key.set(event_target_value(&ev))>
                    <option value="city">"全市"</option>
                    {County::all().iter().map(|c| view! { <option value=c.code>{c.name}</option> }).collect_view()}
                </select>
            </div>
            <p class="muted">
                {format!("截至今天（{}），本机记录（同步后即本辖区全部记录）中的隐患，各检查环节合计。", today().to_chinese())}
            </p>
        </section>
        {loaded(data, move |recs: Records| {
            let recs = StoredValue::new(recs);
            move || {
                let s = scope();
                recs.with_value(|r| campaign.with_value(|c| {
                    let ds = r.dataset(c);
                    dashboard_view(&DashboardData::compute(&ds, s, today()))
                }))
            }
        })}
    }
}

fn counts_cells(c: HazardCounts) -> impl IntoView {
    view! {
        <td data-label="发现隐患" data-testid="dash-found">{c.found}</td>
        <td data-label="已整改" data-testid="dash-rectified">{c.rectified}</td>
        <td data-label="逾期未改" data-testid="dash-overdue" class:alert={c.overdue > 0}>{c.overdue}</td>
        <td data-label="重大未销号" data-testid="dash-major-open" class:alert={c.major_open > 0}>{c.major_open}</td>
    }
}

fn dashboard_view(d: &DashboardData) -> AnyView {
    let max = d
        .trend
        .iter()
        .map(|p| p.general + p.major)
        .max()
        .unwrap_or(0)
        .max(1);
    // Bars are a share of the busiest week, so the shape reads at any size.
    // Set through the CSSOM (`style:width`), which the CSP allows; a `style` attribute it blocks.
    let pct = |n: usize| format!("{}%", n * 100 / max);
    let total = d.total;
    view! {
        <section class="card" data-testid="dashboard">
            <h2>{format!("{}合计", d.scope.name())}</h2>
            <div class="dash-totals" data-testid="dash-total">
                <div><b>{total.found}</b><span>"发现隐患"</span></div>
                <div><b>{total.rectified}</b><span>"已整改"</span></div>
                <div class:alert={total.overdue > 0}><b>{total.overdue}</b><span>"逾期未改"</span></div>
                <div class:alert={total.major_open > 0}><b>{total.major_open}</b><span>"重大未销号"</span></div>
            </div>
        </section>
        <section class="card">
            <h2>"各县（市、区）"</h2>
            <table class="dash-table">
                <thead>
                    <tr><th>"县（市、区）"</th><th>"发现隐患"</th><th>"已整改"</th><th>"逾期未改"</th><th>"重大未销号"</th></tr>
                </thead>
                <tbody>
                    {d.counties
                        .iter()
                        .map(|s| {
                            view! {
                                <tr data-testid="dash-county" data-county=s.county.code class:quiet={s.counts.found == 0}>
                                    <th scope="row">{s.county.name}</th>
                                    {counts_cells(s.counts)}
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
        <section class="card" data-testid="dash-trend">
            <h2>"每周发现隐患"</h2>
            <p class="muted">
                <span class="legend general"></span>"一般问题隐患 "
                <span class="legend major"></span>"重大事故隐患"
            </p>
            <ul class="trend">
                {d.trend
                    .iter()
                    .rev()
                    .map(|p| {
                        let label = format!("{}月{}日", p.week.end.month(), p.week.end.day());
                        let title = format!(
                            "{}至{}：一般问题隐患{}条，重大事故隐患{}条",
                            p.week.start.to_chinese(),
                            p.week.end.to_chinese(),
                            p.general,
                            p.major
                        );
                        view! {
                            <li title=title.clone() aria-label=title>
                                <span class="trend-week">{label}</span>
                                <span class="trend-bar">
                                    <span class="bar general" style:width=pct(p.general)></span>
                                    <span class="bar major" style:width=pct(p.major)></span>
                                </span>
                                <span class="trend-n">{p.general + p.major}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

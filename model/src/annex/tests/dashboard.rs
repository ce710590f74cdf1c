//! 工作台: per-county numbers and the weekly trend.

use super::*;
use crate::annex::{Dashboard, HazardCounts, Scope};

fn counts(found: usize, rectified: usize, overdue: usize, major_open: usize) -> HazardCounts {
    HazardCounts {
        found,
        rectified,
        overdue,
        major_open,
    }
}

#[test]
fn per_county_on_report_day() {
    let fx = fixture();
    let db = Dashboard::compute(&fx.data(), Scope::City, d("2025-03-14"));
    // 18 counted hazards (all stages); 已整改 H1 H6 H11 H14 H15 H21 H30; 逾期 H3 H10 H13 H12;
    // 重大 open H2 H10 H13 H20 H31.
    assert_eq!(db.total, counts(18, 7, 4, 5));
    assert_eq!(db.counties.len(), 14);
    let by = |name: &str| {
        db.counties
            .iter()
            .find(|s| s.county.name == name)
            .unwrap()
            .counts
    };
    assert_eq!(by("忻府区"), counts(9, 4, 3, 3));
    assert_eq!(by("原平市"), counts(5, 2, 1, 1));
    assert_eq!(by("定襄县"), counts(4, 1, 0, 1));
    assert_eq!(by("偏关县"), HazardCounts::default());

    let one = Dashboard::compute(&fx.data(), Scope::County(county("原平市")), d("2025-03-14"));
    assert_eq!(one.counties.len(), 1);
    assert_eq!(one.total, counts(5, 2, 1, 1));
}

#[test]
fn weekly_trend_of_found_hazards() {
    let fx = fixture();
    let db = Dashboard::compute(&fx.data(), Scope::City, d("2025-03-14"));
    assert_eq!(db.trend.len(), 14);
    assert_eq!(db.trend[0].week.end, d("2024-12-13"));
    assert_eq!(db.trend[13].week.end, d("2025-03-14"));
    let nonzero: Vec<(String, usize, usize)> = db
        .trend
        .iter()
        .filter(|p| p.general + p.major > 0)
        .map(|p| (p.week.end.to_string(), p.general, p.major))
        .collect();
    let expected = [
        ("2024-12-20", 1, 1),
        ("2024-12-27", 2, 0),
        ("2025-01-10", 2, 2),
        ("2025-01-17", 1, 1),
        ("2025-02-14", 2, 0),
        ("2025-02-21", 0, 1),
        ("2025-03-14", 3, 2),
    ]
    .map(|(w, g, m)| (w.to_owned(), g, m));
    assert_eq!(nonzero, expected);
    let (g, m) = db
        .trend
        .iter()
        .fold((0, 0), |(g, m), p| (g + p.general, m + p.major));
    assert_eq!(g + m, db.total.found);
    // A midweek day: the current week is in the trend, counted up to today only.
    let db = Dashboard::compute(&fx.data(), Scope::City, d("2025-03-12"));
    let last = db.trend.last().unwrap();
    assert_eq!(
        (last.week.end, last.general, last.major),
        (d("2025-03-14"), 2, 1)
    );
}

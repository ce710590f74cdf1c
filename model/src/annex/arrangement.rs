//! 附件3 县级交叉检查工作安排表: the fourteen 检查方 → 受检方 pairs of the campaign, as the
//! table the city hands out. 备注 names the 开发区 under the 受检方, which the seed's 说明 says
//! each cross inspection must include.

use crate::campaign::Campaign;
use crate::county::Zone;

pub const ARRANGEMENT_TITLE: &str = "冶金工贸行业隐患排查整治专项行动县级交叉检查工作安排表";
pub const ARRANGEMENT_HEADERS: [&str; 4] = ["序号", "检查方", "受检方", "备注"];

/// One pair, as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrangementRow {
    pub seq: usize,
    pub inspector: &'static str,
    pub inspected: &'static str,
    pub note: String,
}

/// The table and its 说明 (with the campaign's period in principle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossArrangement {
    pub rows: Vec<ArrangementRow>,
    pub note: String,
}

impl CrossArrangement {
    pub fn of(campaign: &Campaign) -> CrossArrangement {
        let rows = campaign
            .cross_pairs
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let zones: Vec<&str> = Zone::all()
                    .iter()
                    .filter(|z| z.parent == Some(p.inspected.code))
                    .map(|z| z.name)
                    .collect();
                ArrangementRow {
                    seq: i + 1,
                    inspector: p.inspector.name,
                    inspected: p.inspected.name,
                    note: if zones.is_empty() {
                        String::new()
                    } else {
                        format!("含{}", zones.join("、"))
                    },
                }
            })
            .collect();
        let period = campaign.cross_rules.as_ref().map_or(String::new(), |r| {
            format!(
                "交叉检查工作原则上在{}至{}开展，",
                r.window_start.to_chinese(),
                r.window_end.to_chinese()
            )
        });
        let note = format!("说明：{period}具体时间由各县协商确定，各县交叉检查应包含开发区。");
        CrossArrangement { rows, note }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;

    #[test]
    fn the_seeds_fourteen_pairs_in_order_with_the_development_zone() {
        let campaigns = Campaign::bundled();
        let c = Campaign::current(&campaigns, Date::parse("2025-03-14").unwrap()).unwrap();
        let a = CrossArrangement::of(c);
        assert_eq!(a.rows.len(), 14);
        let pair = |r: &ArrangementRow| (r.seq, r.inspector, r.inspected);
        assert_eq!(pair(&a.rows[0]), (1, "忻府区", "原平市"));
        assert_eq!(pair(&a.rows[1]), (2, "原平市", "定襄县"));
        assert_eq!(pair(&a.rows[13]), (14, "偏关县", "保德县"));
        // 原平经济技术开发区 sits under 原平市, the 受检方 of pair 1.
        assert_eq!(a.rows[0].note, "含原平经济技术开发区");
        assert_eq!(a.rows[1].note, "");
        assert!(a.note.contains("2025年3月1日至2025年3月31日"), "{}", a.note);
    }
}

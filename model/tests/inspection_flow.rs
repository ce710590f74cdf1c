//! Black-box: the path the PWA and server take, through the crate's public API only.

use model::{
    catalogue, modules_for, new_record_id, Campaign, Date, Enterprise, Hazard, HazardKind,
    HazardState, Industry, Inspection, Level, Measure, Money, Penalty, PersonFine, Record,
    RecordMeta, Review, RiskTag, Scale, Stage, Verdict,
};

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn meta(ms: u64, n: u8) -> RecordMeta {
    RecordMeta::new(new_record_id(ms, [n; 10]), ms as i64, "phone-1", "张三")
}

fn steel_plant() -> Enterprise {
    Enterprise {
        meta: meta(1_733_900_000_000, 1),
        name: "忻州某钢铁有限公司".into(),
        credit_code: Some("914403001922038216".into()),
        credit_code_confirmed: false,
        county: "140902".into(),
        zone: None,
        industry: Industry::Metallurgy,
        tags: vec![RiskTag::Steel, RiskTag::HazardousWork],
        scale: Scale::AboveDesignated,
        pairing: None,
        leader: "王五".into(),
        phone: "0350-3087871".into(),
        address: "忻府区".into(),
        self_inspection_plan_on: Some(d("2024-12-12")),
    }
}

#[test]
fn a_major_hazard_goes_from_checklist_to_closed_and_counts_in_the_right_week() {
    let campaign = Campaign::xinzhou_2024();
    let today = Date::from_unix_ms_beijing(1_736_300_000_000);
    assert!(campaign.is_active(today));

    let e = steel_plant();
    assert!(e.validate().is_empty());
    assert_eq!(Enterprise::KIND, "enterprise");

    let mut insp = Inspection::new(
        meta(1_736_300_000_000, 2),
        &campaign.id,
        &e,
        Stage::CityCounty(Level::County),
        today,
    );
    insp.unit = "忻府区应急管理局".into();
    insp.inspectors = vec!["张三".into(), "李四".into()];
    assert_eq!(insp.modules, modules_for(&e));

    let item = catalogue().item("art4.4").unwrap();
    assert!(insp.modules.contains(&item.module));
    insp.set_answer(&item.id, Verdict::NonConforming).unwrap();
    let mut h = Hazard::from_checklist_item(meta(1_736_300_000_500, 3), &insp, 1, item);
    insp.link_hazard(&item.id, h.id()).unwrap();
    assert!(insp.validate().is_empty());
    assert_eq!(h.kind, HazardKind::Major);

    h.evidence_text = "转炉水冷元件无出水温度报警".into();
    h.supervising_unit = Some("忻州市应急管理局".into());
    h.rectification.responsible_person = "赵六".into();
    h.rectification.measures = "加装监测报警并与炉体倾动联锁".into();
    h.rectification.funds = Some(Money::parse_wan("12.5").unwrap());
    h.rectification.deadline = Some(d("2025-02-28"));
    h.rectification.contingency_plan = "整改期间停用该转炉".into();
    h.start_rectification("企业管理员", 1).unwrap();
    h.submit_for_review(d("2025-02-20"), "企业管理员", 2)
        .unwrap();
    h.record_review(
        Review {
            reviewer: "李四".into(),
            unit: "忻府区应急管理局".into(),
            date: d("2025-02-22"),
            passed: true,
            photos: vec![],
            note: String::new(),
        },
        "李四",
        3,
    )
    .unwrap();
    assert_eq!(h.state, HazardState::Closed);
    assert!(h.validate().iter().all(|i| !i.is_error()));

    let week = campaign.week_of(d("2025-02-20"));
    assert_eq!(week.end, d("2025-02-21"));
    assert!(
        !h.is_rectified_by(week.end),
        "closed on 2-22, after that week's Friday"
    );
    assert!(h.is_rectified_by(campaign.week_of(d("2025-02-22")).end));

    let p = Penalty {
        meta: meta(1_736_400_000_000, 4),
        enterprise_id: e.id(),
        inspection_id: Some(insp.id()),
        date: d("2025-01-10"),
        unit: "忻府区应急管理局".into(),
        decision_number: String::new(),
        enterprise_fine: Money::parse_wan("3").unwrap(),
        leader_fines: vec![PersonFine {
            name: "王五".into(),
            amount: Money::parse_wan("0.8").unwrap(),
        }],
        measures: vec![Measure::RectifyByDeadline],
        note: String::new(),
    };
    assert!(p.is_double_penalty() && p.validate().is_empty());

    // Everything survives the JSON the store and the sync wire use.
    let back: Hazard = serde_json::from_str(&serde_json::to_string(&h).unwrap()).unwrap();
    assert_eq!(back, h);
}

use super::*;
use crate::date::Date;
use crate::ids::new_record_id;
use crate::inspection::tests::inspection;
use crate::money::Money;
use crate::validation::has_errors;

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn meta(n: u8) -> RecordMeta {
    RecordMeta::new(new_record_id(10, [n; 10]), 10, "dev", "张三")
}

fn hazard() -> Hazard {
    let i = inspection();
    let mut h = Hazard::new(meta(1), &i, 1);
    h.description = "铸造平台液位报警器未接入联锁".into();
    h.basis = Basis::FreeText("GB 30078".into());
    h.evidence_text = "现场查看".into();
    h
}

fn review(date: &str, passed: bool) -> Review {
    Review {
        reviewer: "李四".into(),
        unit: String::new(),
        date: d(date),
        passed,
        photos: vec![],
        note: String::new(),
    }
}

#[test]
fn from_a_major_criterion_proposes_major_with_citation() {
    let i = inspection();
    let item = catalogue().item("art5.7").unwrap();
    let h = Hazard::from_checklist_item(meta(1), &i, 3, item);
    assert_eq!(h.kind, HazardKind::Major);
    assert_eq!(h.seq, 3);
    assert_eq!(h.found_on, i.date);
    assert_eq!(
        h.basis.citation(),
        "《工贸企业重大事故隐患判定标准》第五条（七）"
    );
    assert!(h.description.starts_with("铝加工深井铸造工艺") && !h.description.ends_with('的'));
}

#[test]
fn from_a_notice_item_stays_general_with_notice_citation() {
    let i = inspection();
    let item = catalogue().item("s2.aluminium.3").unwrap();
    let h = Hazard::from_checklist_item(meta(1), &i, 1, item);
    assert_eq!(h.kind, HazardKind::General);
    assert_eq!(
        h.basis.citation(),
        "忻应急发〔2024〕216号 二、1（铝加工（深井铸造）企业）"
    );
    assert!(h
        .description
        .contains("设置的报警联锁参数值是否符合现场实际"));
}

#[test]
fn next_seq_never_reuses_numbers() {
    let a = hazard();
    let mut b = hazard();
    b.seq = 4;
    b.meta.deleted = true;
    let mut other = hazard();
    other.inspection_id = new_record_id(99, [9; 10]);
    other.seq = 10;
    assert_eq!(next_seq([&a, &b, &other], a.inspection_id), 5);
    assert_eq!(next_seq([], a.inspection_id), 1);
}

#[test]
fn lifecycle_to_closed_keeps_history() {
    let mut h = hazard();
    h.start_rectification("企业", 1).unwrap();
    assert!(h.start_rectification("企业", 2).is_err());
    assert_eq!(
        h.submit_for_review(d("2025-01-01"), "企业", 2),
        Err(HazardError::CompletedBeforeFound(d("2025-01-08")))
    );
    h.submit_for_review(d("2025-01-20"), "企业", 2).unwrap();
    assert_eq!(
        h.record_review(review("2025-01-19", true), "李四", 3),
        Err(HazardError::ReviewBeforeCompletion(d("2025-01-20")))
    );
    h.record_review(review("2025-01-22", false), "李四", 3)
        .unwrap();
    assert_eq!(h.state, HazardState::Rectifying);
    assert_eq!(h.completed_on, None);
    h.submit_for_review(d("2025-01-25"), "企业", 4).unwrap();
    h.record_review(review("2025-01-27", true), "李四", 5)
        .unwrap();
    assert_eq!(h.state, HazardState::Closed);
    assert_eq!(h.closed_on(), Some(d("2025-01-27")));
    assert_eq!(h.reviews.len(), 2);
    let path: Vec<_> = h.history.iter().map(|c| c.to.label()).collect();
    assert_eq!(path, ["整改中", "待复查", "整改中", "待复查", "已销号"]);
    assert!(h
        .record_review(review("2025-01-28", true), "李四", 6)
        .is_err());
    assert!(h.validate().iter().all(|i| !i.is_error()));
}

#[test]
fn rectified_by_report_date_and_overdue() {
    let mut h = hazard();
    h.rectification.deadline = Some(d("2025-01-31"));
    assert!(!h.is_overdue(d("2025-01-31")));
    assert!(h.is_overdue(d("2025-02-01")));
    assert_eq!(h.state_label(d("2025-02-01")), "待整改（逾期）");
    h.submit_for_review(d("2025-02-05"), "企业", 1).unwrap();
    h.record_review(review("2025-02-07", true), "李四", 2)
        .unwrap();
    assert!(!h.is_overdue(d("2025-03-01")));
    assert!(
        !h.is_rectified_by(d("2025-02-06")),
        "closed after the report date"
    );
    assert!(h.is_rectified_by(d("2025-02-07")));
}

#[test]
fn validation() {
    assert!(hazard().validate().is_empty());
    let mut h = hazard();
    h.description = " ".into();
    h.basis = Basis::FreeText(String::new());
    h.evidence_text.clear();
    h.rectification.deadline = Some(d("2025-01-01"));
    let fields: Vec<_> = h.validate().into_iter().map(|i| i.field).collect();
    assert_eq!(
        fields,
        ["description", "basis", "evidence", "rectification.deadline"]
    );

    let mut m = hazard();
    m.kind = HazardKind::Major;
    m.start_rectification("企业", 1).unwrap();
    let issues = m.validate();
    assert!(!has_errors(&issues));
    let msg = issues.iter().find(|i| i.field == "rectification").unwrap();
    assert!(msg.message.contains("责任、措施、资金、时限、预案"));
    assert!(issues.iter().any(|i| i.field == "supervising_unit"));

    let mut closed = hazard();
    closed.state = HazardState::Closed;
    assert!(has_errors(&closed.validate()));
}

#[test]
fn rectification_summary_for_annex_2() {
    let r = Rectification {
        responsible_unit: "生产部".into(),
        responsible_person: "赵六".into(),
        measures: "加装液位联锁".into(),
        funds: Some(Money::parse_wan("1.2").unwrap()),
        deadline: Some(d("2025-02-28")),
        contingency_plan: "停用该铸造机".into(),
        ..Rectification::default()
    };
    assert!(r.is_complete());
    assert_eq!(
        r.summary(),
        "责任：生产部 赵六；措施：加装液位联锁；资金：1.2万元；时限：2025年2月28日；预案：停用该铸造机"
    );
    assert_eq!(
        Rectification::default().missing(),
        ["责任", "措施", "资金", "时限", "预案"]
    );
}

#[test]
fn serde_round_trip() {
    let mut h = hazard();
    h.basis = Basis::Catalogue {
        item_id: "art4.2".into(),
        citation: "x".into(),
    };
    let json = serde_json::to_string(&h).unwrap();
    assert!(json.contains("\"catalogue\""));
    assert_eq!(serde_json::from_str::<Hazard>(&json).unwrap(), h);
}

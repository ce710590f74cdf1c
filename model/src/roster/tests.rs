use uuid::Uuid;

use super::*;
use crate::credit_code::CreditCode;
use crate::enterprise::{Enterprise, Industry, RiskTag, Scale};
use crate::sync::Role;

/// A valid 统一社会信用代码 numbered `n` (both check characters computed).
pub fn code(n: u32) -> String {
    let base = format!("91140902{n:08}");
    let org = CreditCode::parse(&format!("{base}00"))
        .unwrap()
        .expected_org_check_char();
    let check = CreditCode::parse(&format!("{base}{org}0"))
        .unwrap()
        .expected_check_char();
    format!("{base}{org}{check}")
}

fn header() -> Vec<String> {
    Column::ALL.map(|c| c.header().to_owned()).to_vec()
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| s.to_string()).collect()
}

/// name, code, county, industry, scale, address, leader, phone, tags, zone
fn good(n: u32, name: &str, county: &str) -> Vec<String> {
    let code = code(n);
    row(&[
        name,
        &code,
        county,
        "冶金",
        "规上",
        "忻府区长征街1号",
        "张三",
        "13800138000",
        "钢铁、有限空间",
        "",
    ])
}

fn parse(rows: Vec<Vec<String>>) -> RosterParse {
    parse_rows(&rows).expect("a readable roster")
}

fn errors_of(p: &RosterParse, row: usize) -> Vec<(String, String)> {
    p.errors
        .iter()
        .filter(|e| e.row == row)
        .map(|e| (e.column.clone(), e.message.clone()))
        .collect()
}

#[test]
fn the_template_columns_in_order_with_chinese_headers() {
    assert_eq!(
        header(),
        [
            "企业名称",
            "统一社会信用代码",
            "所在县（市、区）",
            "行业",
            "规模",
            "地址",
            "主要负责人",
            "联系电话",
            "风险标签",
            "所在开发区"
        ]
    );
    let required: Vec<_> = Column::ALL
        .into_iter()
        .filter(|c| c.required())
        .map(Column::header)
        .collect();
    assert_eq!(
        required,
        [
            "企业名称",
            "统一社会信用代码",
            "所在县（市、区）",
            "行业",
            "规模"
        ]
    );
}

#[test]
fn good_rows_become_enterprise_fields() {
    let p = parse(vec![
        header(),
        good(1, "忻州市甲钢铁有限公司", "忻府区"),
        good(2, "乙铸造厂", "140902"),
    ]);
    assert_eq!(p.total, 2);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let r = &p.rows[0];
    assert_eq!(r.row_number, 2, "row numbers as Excel shows them");
    assert_eq!(p.rows[1].row_number, 3);
    assert_eq!(r.name, "忻州市甲钢铁有限公司");
    assert_eq!(r.credit_code, code(1));
    assert_eq!(
        (r.county.as_str(), p.rows[1].county.as_str()),
        ("140902", "140902")
    );
    assert_eq!(
        (r.industry, r.scale),
        (Industry::Metallurgy, Scale::AboveDesignated)
    );
    assert_eq!(r.tags, Some(vec![RiskTag::Steel, RiskTag::ConfinedSpace]));
    assert_eq!(r.leader.as_deref(), Some("张三"));
    assert_eq!(r.zone, None);
}

#[test]
fn headers_by_name_in_any_order_extra_columns_ignored_title_rows_skipped() {
    let c = code(5);
    let rows = vec![
        row(&["忻府区冶金工贸企业名单（2025年）"]),
        row(&[
            "序号",
            "规模",
            "单位名称",
            "行业类别",
            "统一社会信用代码 *",
            "所在县(市、区)",
            "备注",
            "联系人",
        ]),
        row(&[
            "1",
            "中小微企业",
            "丙机械厂",
            "机械行业",
            &c.to_lowercase(),
            "山西省忻州市忻府区",
            "无",
            "李四",
        ]),
    ];
    let p = parse(rows);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let r = &p.rows[0];
    assert_eq!(r.row_number, 3);
    assert_eq!(r.name, "丙机械厂");
    assert_eq!(r.credit_code, c, "normalised to upper case");
    assert_eq!((r.industry, r.scale), (Industry::Machinery, Scale::Sme));
    assert_eq!(r.leader.as_deref(), Some("李四"), "联系人 fills 主要负责人");
    assert_eq!(
        (r.address.clone(), r.tags.clone(), r.phone.clone()),
        (None, None, None)
    );
}

#[test]
fn a_missing_required_column_is_a_whole_file_error_naming_it() {
    let rows = vec![
        row(&["企业名称", "所在县（市、区）", "规模"]),
        row(&["甲", "忻府区", "规上"]),
    ];
    let err = parse_rows(&rows).unwrap_err();
    assert_eq!(
        err,
        RosterFileError::MissingColumns(vec!["统一社会信用代码", "行业"])
    );
    assert!(err.to_string().contains("统一社会信用代码、行业"));
    assert_eq!(
        parse_rows(&[vec![], row(&["", " "])]),
        Err(RosterFileError::Empty)
    );
    assert!(matches!(
        parse_rows(&[row(&["名单"]), row(&["甲", "乙"])]),
        Err(RosterFileError::NoHeader(_))
    ));
}

#[test]
fn blank_rows_are_skipped_and_a_header_alone_is_zero_rows() {
    let p = parse(vec![header()]);
    assert_eq!((p.total, p.rows.len(), p.errors.len()), (0, 0, 0));
    let p = parse(vec![
        header(),
        row(&["", "  "]),
        good(1, "甲", "代县"),
        vec![],
    ]);
    assert_eq!((p.total, p.rows.len()), (1, 1));
    assert_eq!(p.rows[0].row_number, 3);
}

#[test]
fn each_bad_column_is_named_with_what_to_write() {
    let mut bad_code = good(2, "乙", "忻府区");
    bad_code[1] = "9114090212345".into();
    let mut checksum = good(3, "丙", "忻府区");
    let last = if checksum[1].ends_with('0') { "1" } else { "0" };
    checksum[1] = format!("{}{last}", &checksum[1][..17]);
    let mut county = good(4, "丁", "太原市");
    county[2] = "小店区".into();
    let mut industry = good(5, "戊", "忻府区");
    industry[3] = "化工".into();
    let mut scale = good(6, "己", "忻府区");
    scale[4] = "大型".into();
    let mut tags = good(7, "庚", "忻府区");
    tags[8] = "钢铁；高温熔融，有限空间".into();
    let mut name = good(8, "", "忻府区");
    name[0] = "  ".into();
    let mut long = good(9, "辛", "忻府区");
    long[5] = "路".repeat(301);
    let mut zone = good(10, "壬", "忻府区");
    zone[9] = "原平经济技术开发区".into();
    let mut empty_code = good(11, "癸", "忻府区");
    empty_code[1] = String::new();
    let p = parse(vec![
        header(),
        good(1, "甲", "忻府区"),
        bad_code,
        checksum,
        county,
        industry,
        scale,
        tags,
        name,
        long,
        zone,
        empty_code,
    ]);
    assert_eq!(p.total, 11);
    assert_eq!(p.rows.len(), 1, "only the good row: {:?}", p.rows);
    let one = |row: usize| {
        let e = errors_of(&p, row);
        assert_eq!(e.len(), 1, "row {row}: {e:?}");
        e.into_iter().next().unwrap()
    };
    let (col, msg) = one(3);
    assert_eq!(col, "统一社会信用代码");
    assert!(msg.contains("应为18位") && msg.contains("13位"), "{msg}");
    let (col, msg) = one(4);
    assert_eq!(col, "统一社会信用代码");
    assert!(
        msg.contains("校验码不符") && msg.contains("营业执照"),
        "{msg}"
    );
    assert!(msg.contains("无法勾选“已核对营业执照”"), "{msg}");
    assert_eq!(p.unverified.len(), 1, "held back for plan");
    let (col, msg) = one(5);
    assert_eq!(col, "所在县（市、区）");
    assert!(
        msg.contains("小店区") && msg.contains("忻府区、定襄县"),
        "{msg}"
    );
    let (col, msg) = one(6);
    assert_eq!(col, "行业");
    assert!(
        msg.contains("化工") && msg.contains("冶金、有色、建材、机械、轻工、纺织、烟草、商贸"),
        "{msg}"
    );
    let (col, msg) = one(7);
    assert_eq!(col, "规模");
    assert!(msg.contains("规上、中小微"), "{msg}");
    let (col, msg) = one(8);
    assert_eq!(col, "风险标签");
    assert!(
        msg.contains("“高温熔融”") && !msg.contains("“钢铁”"),
        "{msg}"
    );
    let (col, msg) = one(9);
    assert_eq!(col, "企业名称");
    assert!(msg.contains("企业名称为空"), "{msg}");
    let (col, msg) = one(10);
    assert_eq!(col, "地址");
    assert!(
        msg.contains("301") && msg.contains("300"),
        "lengths from model::limits: {msg}"
    );
    let (col, msg) = one(11);
    assert_eq!(col, "所在开发区");
    assert!(msg.contains("原平市"), "zone under another county: {msg}");
    let (col, msg) = one(12);
    assert_eq!(col, "统一社会信用代码");
    assert!(
        msg.contains("请填写统一社会信用代码") && msg.contains("重复导入"),
        "{msg}"
    );
}

#[test]
fn several_bad_cells_of_one_row_are_all_named() {
    let p = parse(vec![header(), row(&["", "", "", "", ""])]);
    // A row with only blank cells is blank; one with a stray space in an extra column is not.
    assert_eq!(p.total, 0);
    let p = parse(vec![header(), row(&["甲", "", "北京", "", "大"])]);
    let cols: Vec<_> = errors_of(&p, 2).into_iter().map(|(c, _)| c).collect();
    assert_eq!(
        cols,
        ["统一社会信用代码", "所在县（市、区）", "行业", "规模"]
    );
}

#[test]
fn a_code_twice_in_the_file_is_an_error_on_the_later_row_naming_the_first() {
    let mut again = good(1, "甲（重复）", "忻府区");
    again[1] = again[1].to_lowercase();
    let p = parse(vec![
        header(),
        good(1, "甲", "忻府区"),
        good(2, "乙", "忻府区"),
        again,
    ]);
    assert_eq!(
        p.rows.iter().map(|r| r.row_number).collect::<Vec<_>>(),
        [2, 3]
    );
    let e = errors_of(&p, 4);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].0, "统一社会信用代码");
    assert!(e[0].1.contains("第 2 行"), "{}", e[0].1);
}

#[test]
fn tags_accept_every_separator_short_labels_and_drop_repeats() {
    for (cell, want) in [
        (
            "钢铁,有限空间",
            vec![RiskTag::Steel, RiskTag::ConfinedSpace],
        ),
        (
            "钢铁 有限空间；钢铁",
            vec![RiskTag::Steel, RiskTag::ConfinedSpace],
        ),
        (
            "铝加工(深井铸造)、厂中厂",
            vec![RiskTag::AluminiumCasting, RiskTag::MultiTenant],
        ),
        (
            "铝加工;一厂多租/厂中厂，涉氨制冷",
            vec![
                RiskTag::AluminiumCasting,
                RiskTag::MultiTenant,
                RiskTag::AmmoniaRefrigeration,
            ],
        ),
    ] {
        assert_eq!(values::tags(cell), Ok(want), "{cell}");
    }
}

#[test]
fn an_odd_phone_is_a_warning_not_an_error() {
    let mut r = good(1, "甲", "忻府区");
    r[7] = "12345".into();
    let p = parse(vec![header(), r]);
    assert_eq!(p.rows.len(), 1);
    assert_eq!(p.warnings.len(), 1);
    assert_eq!(p.warnings[0].column, "联系电话");
}

#[test]
fn too_many_rows_is_refused_as_a_whole() {
    let mut rows = vec![header()];
    rows.extend((0..=MAX_ROWS as u32).map(|n| good(n, "甲", "忻府区")));
    assert_eq!(
        parse_rows(&rows),
        Err(RosterFileError::TooManyRows(MAX_ROWS + 1))
    );
}

// ---------------------------------------------------------------------------------------------
// CSV

#[test]
fn csv_utf8_with_and_without_bom_and_rfc4180_quoting() {
    let text = "企业名称,地址\r\n\"甲,有限公司\",\"长征街\"\"1\"\"号\n二楼\"\n乙,\n";
    let want = vec![
        row(&["企业名称", "地址"]),
        row(&["甲,有限公司", "长征街\"1\"号\n二楼"]),
        row(&["乙", ""]),
    ];
    assert_eq!(decode_csv(text.as_bytes()).unwrap(), want);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(text.as_bytes());
    assert_eq!(decode_csv(&bom).unwrap(), want);
    assert_eq!(decode_csv(b"a,b").unwrap(), vec![row(&["a", "b"])]);
    assert_eq!(
        decode_csv("a\r\"b".as_bytes()),
        Err(CsvError::UnclosedQuote(2))
    );
}

#[test]
fn csv_in_gbk_as_chinese_excel_saves_it() {
    let text = format!(
        "{}\r\n\"忻州市甲钢铁有限公司\",{},忻府区,冶金,规上,\"长征街1号，二楼\",张三,13800138000,钢铁、粉尘涉爆,\r\n",
        header().join(","),
        code(1)
    );
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err(), "really GBK, not UTF-8");
    let rows = decode_csv(&gbk).unwrap();
    let p = parse(rows);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.rows[0].name, "忻州市甲钢铁有限公司");
    assert_eq!(p.rows[0].address.as_deref(), Some("长征街1号，二楼"));
    assert_eq!(
        p.rows[0].tags,
        Some(vec![RiskTag::Steel, RiskTag::CombustibleDust])
    );
    // GB18030-only characters (outside GBK) come through too.
    let (gb, _, _) = encoding_rs::GB18030.encode("企业名称,地址\n䶮钢厂,€\n");
    assert_eq!(decode_csv(&gb).unwrap()[1], row(&["䶮钢厂", "€"]));
}

#[test]
fn binary_bytes_are_not_a_csv() {
    assert_eq!(
        decode_csv(b"PK\x03\x04\x00\x00\xff\xfe\x00"),
        Err(CsvError::Encoding)
    );
}

// ---------------------------------------------------------------------------------------------
// Plan

fn stored(p: &RosterParse, n: usize, rev: i64) -> Enterprise {
    let id = crate::ids::new_record_id(1_700_000_000_000 + n as u64, [n as u8; 10]);
    let mut e = p.rows[n].enterprise(crate::RecordMeta::new(id, 1, "dev", "u"));
    e.meta.mark_synced(rev);
    e
}

/// Applies a plan's changes the way the server stores them (new rev each).
fn commit(plan: &ImportPlan, existing: &mut Vec<Enterprise>, rev: &mut i64) {
    let mut n = 0u8;
    let mut new_id = || {
        n += 1;
        crate::ids::new_record_id(1_800_000_000_000, [n; 10])
    };
    for change in plan.changes(1_800_000_000_000, "县级甲", &mut new_id) {
        *rev += 1;
        let mut e: Enterprise = serde_json::from_value(change.body).unwrap();
        assert_eq!(e.meta.device_id, IMPORT_DEVICE_ID);
        assert_eq!(e.meta.updated_by, "县级甲");
        e.meta.mark_synced(*rev);
        match existing.iter_mut().find(|x| x.meta.id == e.meta.id) {
            Some(x) => {
                assert_eq!(change.base_rev, x.meta.rev);
                *x = e;
            }
            None => {
                assert_eq!(change.base_rev, 0);
                existing.push(e);
            }
        }
    }
}

#[test]
fn plan_adds_updates_with_changed_fields_and_keeps_what_the_file_leaves_out() {
    let first = parse(vec![
        header(),
        good(1, "甲", "忻府区"),
        good(2, "乙", "忻府区"),
    ]);
    let mut a = stored(&first, 0, 10);
    a.pairing = Some(crate::enterprise::Pairing {
        role: crate::PairRole::Benchmark,
        partner_id: None,
    });
    a.zone = None;
    let existing = vec![a.clone()];
    let mut changed = good(1, "甲（更名）", "忻府区");
    changed[6] = String::new(); // blank 主要负责人: kept
    changed[8] = "有限空间、钢铁".into(); // same tags in another order: no change
    changed[4] = "中小微".into();
    let file = parse(vec![header(), changed, good(2, "乙", "忻府区")]);
    let plan = plan(&file, &existing, &Role::County("140902".into()));
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    assert_eq!(plan.add.len(), 1);
    assert_eq!(plan.add[0].row.row_number, 3);
    assert_eq!(plan.update.len(), 1);
    let u = &plan.update[0];
    assert_eq!(
        (u.row, u.base_rev, u.enterprise.meta.id),
        (2, 10, a.meta.id)
    );
    let fields: Vec<_> = u
        .changes
        .iter()
        .map(|c| {
            (
                c.field.as_str(),
                c.label.as_str(),
                c.old.as_str(),
                c.new.as_str(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("name", "企业名称", "甲", "甲（更名）"),
            ("scale", "规模", "规上", "中小微")
        ]
    );
    assert_eq!(u.enterprise.leader, "张三");
    assert_eq!(
        u.enterprise.pairing, a.pairing,
        "fields not in the file are kept"
    );
}

#[test]
fn importing_the_same_file_twice_changes_nothing_the_second_time() {
    let mut minimal = good(3, "丙", "忻府区");
    for cell in &mut minimal[5..] {
        cell.clear();
    }
    let file = parse(vec![
        header(),
        good(1, "甲", "忻府区"),
        good(2, "乙", "定襄县"),
        minimal,
    ]);
    let role = Role::City;
    let mut existing = Vec::new();
    let mut rev = 100;
    let first = plan(&file, &existing, &role);
    assert_eq!(
        (first.add.len(), first.update.len(), first.unchanged.len()),
        (3, 0, 0)
    );
    commit(&first, &mut existing, &mut rev);
    assert_eq!(rev, 103);
    let second = plan(&file, &existing, &role);
    assert_eq!(
        (
            second.add.len(),
            second.update.len(),
            second.unchanged.len()
        ),
        (0, 0, 3)
    );
    assert!(second.changes(1, "u", &mut || Uuid::nil()).is_empty());
    assert_eq!(second.unchanged[1].enterprise_id, existing[1].meta.id);
}

#[test]
fn a_county_account_imports_only_its_county_and_moves_nothing() {
    let file = parse(vec![
        header(),
        good(1, "甲", "忻府区"),
        good(2, "乙", "定襄县"),
        good(3, "丙", "忻府区"),
    ]);
    let mut elsewhere = stored(&file, 2, 7);
    elsewhere.county = "140921".into();
    let existing = vec![elsewhere];
    let county = plan(&file, &existing, &Role::County("140902".into()));
    assert_eq!(
        county
            .add
            .iter()
            .map(|a| a.row.row_number)
            .collect::<Vec<_>>(),
        [2]
    );
    assert_eq!(county.errors.len(), 2);
    assert_eq!(county.errors[0].row, 3);
    assert_eq!(county.errors[0].column, "所在县（市、区）");
    assert!(
        county.errors[0].message.contains("只能导入忻府区的企业")
            && county.errors[0].message.contains("定襄县")
    );
    assert_eq!(county.errors[1].row, 4);
    assert!(
        county.errors[1].message.contains("属于定襄县"),
        "{}",
        county.errors[1].message
    );
    // The city may move it.
    let city = plan(&file, &existing, &Role::City);
    assert!(city.errors.is_empty());
    assert_eq!(city.update.len(), 1);
    assert_eq!(city.update[0].changes[0].field, "county");
    assert_eq!(
        (
            city.update[0].changes[0].old.as_str(),
            city.update[0].changes[0].new.as_str()
        ),
        ("定襄县", "忻府区")
    );
    // Others import nothing.
    let ent = plan(&file, &[], &Role::Enterprise(Uuid::nil()));
    assert!(ent.add.is_empty() && ent.errors.len() == 3);
}

#[test]
fn a_check_character_mismatch_passes_only_for_an_enterprise_confirmed_in_the_app() {
    let mut r = good(1, "甲", "忻府区");
    let last = if r[1].ends_with('0') { "1" } else { "0" };
    r[1] = format!("{}{last}", &r[1][..17]);
    let file = parse(vec![header(), r.clone()]);
    assert_eq!(file.errors.len(), 1);
    let none = plan(&file, &[], &Role::City);
    assert_eq!((none.add.len(), none.errors.len()), (0, 1));
    let mut confirmed = file.unverified[0].enterprise(crate::RecordMeta::new(
        crate::ids::new_record_id(1, [1; 10]),
        1,
        "d",
        "u",
    ));
    confirmed.credit_code_confirmed = true;
    confirmed.name = "甲（旧名）".into();
    let p = plan(&file, &[confirmed.clone()], &Role::City);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.update.len(), 1);
    confirmed.credit_code_confirmed = false;
    assert_eq!(plan(&file, &[confirmed], &Role::City).errors.len(), 1);
}

#[test]
fn an_ambiguous_stored_code_and_a_same_name_without_code_are_reported() {
    let file = parse(vec![
        header(),
        good(1, "甲", "忻府区"),
        good(2, "乙", "忻府区"),
    ]);
    let a1 = stored(&file, 0, 1);
    let mut a2 = stored(&file, 0, 2);
    a2.meta.id = crate::ids::new_record_id(9, [9; 10]);
    let mut b = stored(&file, 1, 3);
    b.credit_code = None;
    let mut deleted = stored(&file, 1, 4);
    deleted.meta.deleted = true;
    let p = plan(&file, &[a1, a2, b, deleted], &Role::City);
    assert_eq!(p.errors.len(), 1);
    assert!(
        p.errors[0].message.contains("已有 2 家企业"),
        "{}",
        p.errors[0].message
    );
    assert_eq!(p.add.len(), 1, "the deleted one does not count");
    assert_eq!(p.warnings.len(), 1);
    assert!(p.warnings[0].message.contains("同名企业"));
}

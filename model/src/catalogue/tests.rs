use std::collections::HashSet;

use super::*;
use crate::enterprise::tests::enterprise;
use crate::enterprise::{Industry, RiskTag};

#[test]
fn exactly_64_numbered_items_plus_article_14() {
    let c = catalogue().criteria();
    assert_eq!(c.len(), 65);
    assert_eq!(c.iter().filter(|x| x.item.is_some()).count(), 64);
    let art14: Vec<_> = c.iter().filter(|x| x.item.is_none()).collect();
    assert_eq!(art14.len(), 1);
    assert_eq!(art14[0].id, "art14");
    assert_eq!(art14[0].category, Category::General);
}

#[test]
fn every_article_from_3_to_14_is_present() {
    let articles: HashSet<u8> = catalogue()
        .criteria()
        .iter()
        .map(|c| c.article_no())
        .collect();
    assert_eq!(articles, (3..=14).collect());
    let names = [
        "第三条",
        "第四条",
        "第五条",
        "第六条",
        "第七条",
        "第八条",
        "第九条",
        "第十条",
    ];
    for name in names
        .into_iter()
        .chain(["第十一条", "第十二条", "第十三条", "第十四条"])
    {
        assert!(
            catalogue().criteria().iter().any(|c| c.article == name),
            "{name}"
        );
    }
}

#[test]
fn per_scope_counts_match_sources_md() {
    let count = |s: Scope| {
        catalogue()
            .criteria()
            .iter()
            .filter(|c| c.scope == s && c.item.is_some())
            .count()
    };
    let expected = [
        (Scope::General, 3),
        (Scope::Metallurgy, 8),
        (Scope::Nonferrous, 13),
        (Scope::BuildingMaterials, 8),
        (Scope::Machinery, 7),
        (Scope::LightIndustry, 7),
        (Scope::Textile, 2),
        (Scope::Tobacco, 2),
        (Scope::CombustibleDust, 10),
        (Scope::AmmoniaRefrigeration, 2),
        (Scope::ConfinedSpace, 2),
    ];
    for (scope, n) in expected {
        assert_eq!(count(scope), n, "{}", scope.label());
    }
    let by_cat = |k: Category| {
        catalogue()
            .criteria()
            .iter()
            .filter(|c| c.category == k)
            .count()
    };
    assert_eq!(
        (
            by_cat(Category::Management),
            by_cat(Category::Industry),
            by_cat(Category::Special)
        ),
        (3, 47, 14)
    );
}

#[test]
fn item_ids_are_unique_and_findable() {
    let cat = catalogue();
    let ids: HashSet<&str> = cat.all_items().iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids.len(), cat.all_items().len());
    for i in cat.all_items() {
        assert_eq!(cat.item(&i.id), Some(i));
        assert!(i.question.ends_with('？'), "{} is not a question", i.id);
    }
    assert!(cat.item("nope").is_none());
}

#[test]
fn citations_are_formatted_like_the_annex_wants() {
    let cat = catalogue();
    assert_eq!(
        cat.criterion("art4.2").unwrap().citation(),
        "《工贸企业重大事故隐患判定标准》第四条（二）"
    );
    assert_eq!(
        cat.criterion("art11.10").unwrap().citation(),
        "《工贸企业重大事故隐患判定标准》第十一条（十）"
    );
    assert_eq!(
        cat.criterion("art14").unwrap().citation(),
        "《工贸企业重大事故隐患判定标准》第十四条"
    );
    assert_eq!(
        cat.item("art4.2").unwrap().citation,
        "《工贸企业重大事故隐患判定标准》第四条（二）"
    );
    assert_eq!(
        cat.item("s2.steel.1").unwrap().citation,
        "忻应急发〔2024〕216号 二、1（钢铁企业）"
    );
    for c in cat.criteria() {
        assert!(
            c.id == format!("art{}", c.article_no())
                || c.id.starts_with(&format!("art{}.", c.article_no()))
        );
    }
}

#[test]
fn major_refs_point_to_real_criteria() {
    let cat = catalogue();
    for i in cat.all_items() {
        if let Some(r) = &i.major_ref {
            assert!(cat.criterion(r).is_some(), "{} → {r}", i.id);
        }
    }
}

#[test]
fn every_module_has_items_and_notice_modules_match_the_seed() {
    let cat = catalogue();
    for m in ModuleId::ALL {
        assert!(cat.items(m).count() > 0, "{}", m.label());
        assert_eq!(ModuleId::from_key(m.key()), Some(m));
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            format!("\"{}\"", m.key())
        );
    }
    let n = |m| cat.items(m).count();
    assert_eq!(n(ModuleId::NoticeLeader), 9);
    assert_eq!(n(ModuleId::NoticeSteel), 5);
    assert_eq!(n(ModuleId::NoticeAluminium), 5);
    assert_eq!(n(ModuleId::NoticeDust), 3);
    assert_eq!(n(ModuleId::NoticeConfinedSpace), 6);
    assert_eq!(n(ModuleId::NoticeHazardousWork), 5);
    assert_eq!(n(ModuleId::NoticeMultiTenant), 8);
    assert_eq!(n(ModuleId::NoticeHazardousChemicals), 6);
    assert_eq!(
        n(ModuleId::MajorGeneral),
        4,
        "第三条 three items + 第十四条"
    );
    let first: Vec<_> = cat
        .items(ModuleId::MajorNonferrous)
        .take(2)
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(first, ["art5.1", "art5.2"]);
}

#[test]
fn major_item_questions_read_as_situations() {
    let q = &catalogue().item("art3.2").unwrap().question;
    assert_eq!(
        q,
        "是否存在特种作业人员未按照规定经专门的安全作业培训并取得相应资格，上岗作业的情形？"
    );
    assert!(catalogue()
        .item("art14")
        .unwrap()
        .question
        .contains("失效或者无效"));
}

#[test]
fn modules_for_a_plain_commerce_enterprise() {
    let e = enterprise(Industry::Commerce, &[]);
    assert_eq!(
        modules_for(&e),
        [ModuleId::NoticeLeader, ModuleId::MajorGeneral]
    );
}

#[test]
fn modules_for_a_steel_plant_with_gas_and_confined_spaces() {
    let e = enterprise(
        Industry::Metallurgy,
        &[
            RiskTag::Steel,
            RiskTag::ConfinedSpace,
            RiskTag::HazardousWork,
        ],
    );
    assert_eq!(
        modules_for(&e),
        [
            ModuleId::NoticeLeader,
            ModuleId::NoticeSteel,
            ModuleId::NoticeConfinedSpace,
            ModuleId::NoticeHazardousWork,
            ModuleId::MajorGeneral,
            ModuleId::MajorMetallurgy,
            ModuleId::MajorConfinedSpace,
        ]
    );
}

#[test]
fn modules_for_aluminium_casting_and_dust_and_food_with_ammonia() {
    let alu = enterprise(
        Industry::Nonferrous,
        &[RiskTag::AluminiumCasting, RiskTag::CombustibleDust],
    );
    assert_eq!(
        modules_for(&alu),
        [
            ModuleId::NoticeLeader,
            ModuleId::NoticeAluminium,
            ModuleId::NoticeDust,
            ModuleId::MajorGeneral,
            ModuleId::MajorNonferrous,
            ModuleId::MajorDust,
        ]
    );
    let food = enterprise(
        Industry::LightIndustry,
        &[
            RiskTag::AmmoniaRefrigeration,
            RiskTag::MultiTenant,
            RiskTag::HazardousChemicals,
        ],
    );
    assert_eq!(
        modules_for(&food),
        [
            ModuleId::NoticeLeader,
            ModuleId::NoticeMultiTenant,
            ModuleId::NoticeHazardousChemicals,
            ModuleId::MajorGeneral,
            ModuleId::MajorLightIndustry,
            ModuleId::MajorAmmonia,
        ]
    );
}

#[test]
fn steel_tag_on_a_machinery_enterprise_adds_metallurgy_without_duplicates() {
    let e = enterprise(Industry::Machinery, &[RiskTag::Steel, RiskTag::Steel]);
    let m = modules_for(&e);
    assert!(m.contains(&ModuleId::MajorMachinery) && m.contains(&ModuleId::MajorMetallurgy));
    assert_eq!(m.len(), 5);
}

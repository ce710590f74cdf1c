//! 检查目录: every checkable item, from the notice's section 二 and from 10号令, by module.

mod major;
mod module;
mod notice;
mod select;

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

pub use major::{Category, MajorCriterion, Scope, STANDARD_TITLE};
pub use module::ModuleId;
pub use notice::NOTICE_DOC;
pub use select::modules_for;

/// Where a checklist item comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemSource {
    /// 通知 二、重点检查内容
    Notice,
    /// 10号令 重大事故隐患判定标准: a 不符合 here is proposed as 重大事故隐患.
    MajorCriterion,
}

/// 检查项: one question answerable 符合 / 不符合 / 不适用.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckItem {
    /// Stable id: `s2.steel.1` for notice items, the criterion id (`art4.2`) for 10号令.
    pub id: String,
    pub module: ModuleId,
    /// The question, in Chinese.
    pub question: String,
    /// 判定依据 text, e.g. `忻应急发〔2024〕216号 二、1（钢铁企业）` or
    /// `《工贸企业重大事故隐患判定标准》第四条（二）`.
    pub citation: String,
    /// The 10号令 criterion covering the same situation (its own id for 10号令 items).
    pub major_ref: Option<String>,
    pub source: ItemSource,
    /// The question asks whether a violation exists ("是否存在…"): answering "是" means
    /// 不符合. Lets the UI phrase its buttons without guessing from the text.
    pub asks_violation: bool,
}

impl CheckItem {
    pub fn is_major_criterion(&self) -> bool {
        self.source == ItemSource::MajorCriterion
    }
}

/// 检查目录: built once from the embedded data; see [`catalogue`].
#[derive(Debug)]
pub struct Catalogue {
    criteria: Vec<MajorCriterion>,
    items: Vec<CheckItem>,
}

/// The shared catalogue, parsed on first use.
pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(Catalogue::build)
}

impl Catalogue {
    fn build() -> Catalogue {
        let criteria = major::parse_criteria();
        let mut items: Vec<CheckItem> = notice::NOTICE_ITEMS
            .iter()
            .map(|n| CheckItem {
                id: n.id.to_owned(),
                module: n.module,
                question: n.question.to_owned(),
                citation: format!("{} {}", NOTICE_DOC, n.section),
                major_ref: n.major_ref.map(str::to_owned),
                source: ItemSource::Notice,
                asks_violation: n.asks_violation,
            })
            .collect();
        items.extend(criteria.iter().map(|c| CheckItem {
            id: c.id.clone(),
            module: c.scope.module(),
            question: c.question(),
            citation: c.citation(),
            major_ref: Some(c.id.clone()),
            source: ItemSource::MajorCriterion,
            asks_violation: true,
        }));
        // Checklist order = module order, then source order within a module.
        items.sort_by_key(|i| i.module);
        Catalogue { criteria, items }
    }

    /// All items, grouped by module in [`ModuleId::ALL`] order.
    pub fn all_items(&self) -> &[CheckItem] {
        &self.items
    }

    /// The items of one module, in order.
    pub fn items(&self, module: ModuleId) -> impl Iterator<Item = &CheckItem> {
        self.items.iter().filter(move |i| i.module == module)
    }

    pub fn item(&self, id: &str) -> Option<&CheckItem> {
        self.items.iter().find(|i| i.id == id)
    }

    /// The 65 records of 10号令 (64 items + 第十四条), in article order.
    pub fn criteria(&self) -> &[MajorCriterion] {
        &self.criteria
    }

    pub fn criterion(&self, id: &str) -> Option<&MajorCriterion> {
        self.criteria.iter().find(|c| c.id == id)
    }
}

#[cfg(test)]
mod tests;

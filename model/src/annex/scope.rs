//! 填报范围: the whole city or one county; every annex is computed for one scope.

use serde::{Deserialize, Serialize};

use crate::county::County;
use crate::enterprise::Enterprise;

/// 范围: 市级 sees the whole city, 县级 its own county.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// 全市
    City,
    /// 一个县（市、区）, including the 开发区 enterprises registered under it.
    County(County),
}

impl Scope {
    /// Whether an enterprise's records count in this scope. An enterprise in a 开发区 still
    /// carries its county (the zone is extra), so it counts under that county.
    pub fn includes(self, e: &Enterprise) -> bool {
        match self {
            Scope::City => true,
            Scope::County(c) => e.county.trim() == c.code,
        }
    }

    /// Default 填报单位 wording: `忻州市` or the county's name.
    pub fn name(self) -> &'static str {
        match self {
            Scope::City => "忻州市",
            Scope::County(c) => c.name,
        }
    }
}

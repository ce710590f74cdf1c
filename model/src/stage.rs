//! 检查环节 (附件2 说明: 企业自查、市县检查、交叉检查、市级督查、群众举报).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// 检查层级 of a 市县联合检查: 附件1 row 3 counts 市本级 and 县级 separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// 市本级
    City,
    /// 县级
    County,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::City => "市本级",
            Level::County => "县级",
        }
    }
}

/// 检查环节. Serialised as a stable key (see [`Stage::key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// 企业自查
    SelfInspection,
    /// 市县检查 (联合检查), at 市本级 or 县级
    CityCounty(Level),
    /// 交叉检查 (县级异地交叉检查, 附件3)
    Cross,
    /// 市级督查
    CitySupervision,
    /// 群众举报
    PublicReport,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::SelfInspection,
        Stage::CityCounty(Level::City),
        Stage::CityCounty(Level::County),
        Stage::Cross,
        Stage::CitySupervision,
        Stage::PublicReport,
    ];

    /// The wording of 附件2's 检查环节 column (市本级 and 县级 both read 市县检查).
    pub fn label(self) -> &'static str {
        match self {
            Stage::SelfInspection => "企业自查",
            Stage::CityCounty(_) => "市县检查",
            Stage::Cross => "交叉检查",
            Stage::CitySupervision => "市级督查",
            Stage::PublicReport => "群众举报",
        }
    }

    /// Label with the level where there is one, e.g. `市县检查（县级）`, for pickers and lists.
    pub fn full_label(self) -> String {
        match self {
            Stage::CityCounty(l) => format!("市县检查（{}）", l.label()),
            s => s.label().to_owned(),
        }
    }

    pub fn level(self) -> Option<Level> {
        match self {
            Stage::CityCounty(l) => Some(l),
            _ => None,
        }
    }

    /// Stable wire/database key.
    pub fn key(self) -> &'static str {
        match self {
            Stage::SelfInspection => "self_inspection",
            Stage::CityCounty(Level::City) => "city_county.city",
            Stage::CityCounty(Level::County) => "city_county.county",
            Stage::Cross => "cross",
            Stage::CitySupervision => "city_supervision",
            Stage::PublicReport => "public_report",
        }
    }

    pub fn from_key(key: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.key() == key)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full_label())
    }
}

impl Serialize for Stage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for Stage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let key = String::deserialize(d)?;
        Stage::from_key(&key)
            .ok_or_else(|| serde::de::Error::custom(format!("未知的检查环节：{key}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_annex_2() {
        let labels: Vec<_> = Stage::ALL.iter().map(|s| s.label()).collect();
        assert_eq!(
            labels,
            [
                "企业自查",
                "市县检查",
                "市县检查",
                "交叉检查",
                "市级督查",
                "群众举报"
            ]
        );
        assert_eq!(
            Stage::CityCounty(Level::City).full_label(),
            "市县检查（市本级）"
        );
    }

    #[test]
    fn keys_round_trip_through_serde() {
        for s in Stage::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(serde_json::from_str::<Stage>(&json).unwrap(), s);
        }
        assert!(serde_json::from_str::<Stage>("\"nope\"").is_err());
    }
}

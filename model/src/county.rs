//! 县（市、区）和开发区: Xinzhou's 14 county-level divisions and the zones the campaign names.
//!
//! Codes are 民政部 县级以上行政区划代码 (GB/T 2260 lineage), 2024 list, identical in the
//! statistics bureau's 统计用区划代码; see `reference/SOURCES.md` (counties.json).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// 县级行政区类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountyKind {
    /// 市辖区
    District,
    /// 县级市
    City,
    /// 县
    County,
}

/// 县（市、区）: one of Xinzhou's 14 county-level divisions. Serialised as its 6-digit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct County {
    pub code: &'static str,
    pub name: &'static str,
    pub kind: CountyKind,
}

/// 忻州市 itself (市本级), for records that belong to the city rather than a county.
pub const XINZHOU_CITY_CODE: &str = "140900";

macro_rules! county {
    ($code:literal, $name:literal, $kind:ident) => {
        County {
            code: $code,
            name: $name,
            kind: CountyKind::$kind,
        }
    };
}

/// The 14 divisions in GB/T 2260 code order.
pub const COUNTIES: [County; 14] = [
    county!("140902", "忻府区", District),
    county!("140921", "定襄县", County),
    county!("140922", "五台县", County),
    county!("140923", "代县", County),
    county!("140924", "繁峙县", County),
    county!("140925", "宁武县", County),
    county!("140926", "静乐县", County),
    county!("140927", "神池县", County),
    county!("140928", "五寨县", County),
    county!("140929", "岢岚县", County),
    county!("140930", "河曲县", County),
    county!("140931", "保德县", County),
    county!("140932", "偏关县", County),
    county!("140981", "原平市", City),
];

impl County {
    pub fn all() -> &'static [County] {
        &COUNTIES
    }

    pub fn by_code(code: &str) -> Option<County> {
        let code = code.trim();
        COUNTIES.iter().copied().find(|c| c.code == code)
    }

    /// Lookup by full name (`代县`), also accepting the name without its suffix (`原平`).
    pub fn by_name(name: &str) -> Option<County> {
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        COUNTIES
            .iter()
            .copied()
            .find(|c| c.name == name)
            .or_else(|| {
                COUNTIES
                    .iter()
                    .copied()
                    .find(|c| c.name.strip_suffix(['区', '县', '市']) == Some(name))
            })
    }

    /// 开发区 administered under this county.
    pub fn zones(self) -> impl Iterator<Item = &'static Zone> {
        ZONES.iter().filter(move |z| z.parent == Some(self.code))
    }
}

impl fmt::Display for County {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl Serialize for County {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code)
    }
}

impl<'de> Deserialize<'de> for County {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        County::by_code(&code).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "未知的县（市、区）代码 {code}，请从忻州市14个县（市、区）中选择"
            ))
        })
    }
}

/// 开发区/功能区: not an administrative division, so it has no GB/T 2260 code; an enterprise
/// in a zone still belongs to a county (附件3: "各县交叉检查应包含开发区").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Zone {
    /// Stable id used in records.
    pub id: &'static str,
    pub name: &'static str,
    /// Code of the county it sits under; `None` = administered by the city (市直管).
    pub parent: Option<&'static str>,
    /// 统计用区划代码 where the statistics bureau gives one.
    pub stats_code: Option<&'static str>,
    /// False when name or placement comes only from news text and is not confirmed.
    pub verified: bool,
}

/// The zones found for Xinzhou (`reference/counties.json`).
pub const ZONES: [Zone; 3] = [
    // Township-level statistics unit 140981404 under 原平市: parent confirmed.
    Zone {
        id: "yuanping-etdz",
        name: "原平经济技术开发区",
        parent: Some("140981"),
        stats_code: Some("140981404"),
        verified: true,
    },
    // Statistics code 140971 sits directly under 忻州市, not under 五台县, so no county parent.
    Zone {
        id: "wutaishan",
        name: "五台山风景名胜区",
        parent: None,
        stats_code: Some("140971"),
        verified: true,
    },
    // UNVERIFIED: name seen only in news text ("市经济技术开发区"); no code found; its parent
    // is left to the city until a 县级 assignment is confirmed.
    Zone {
        id: "xinzhou-edz",
        name: "忻州经济开发区",
        parent: None,
        stats_code: None,
        verified: false,
    },
];

impl Zone {
    pub fn all() -> &'static [Zone] {
        &ZONES
    }

    pub fn by_id(id: &str) -> Option<&'static Zone> {
        ZONES.iter().find(|z| z.id == id.trim())
    }

    pub fn by_name(name: &str) -> Option<&'static Zone> {
        ZONES.iter().find(|z| z.name == name.trim())
    }

    pub fn parent_county(&self) -> Option<County> {
        self.parent.and_then(County::by_code)
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fourteen_unique_codes_all_in_xinzhou() {
        assert_eq!(County::all().len(), 14);
        for (i, c) in COUNTIES.iter().enumerate() {
            assert!(c.code.starts_with("1409") && c.code.len() == 6);
            assert!(COUNTIES[i + 1..]
                .iter()
                .all(|o| o.code != c.code && o.name != c.name));
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(County::by_code("140981").unwrap().name, "原平市");
        assert_eq!(County::by_name("偏关县").unwrap().code, "140932");
        assert_eq!(County::by_name("原平").unwrap().code, "140981");
        assert_eq!(County::by_name("代县").unwrap().code, "140923");
        assert!(County::by_code("140900").is_none());
        assert!(County::by_name("").is_none());
    }

    #[test]
    fn zones_under_their_county() {
        let yuanping = County::by_name("原平市").unwrap();
        let names: Vec<_> = yuanping.zones().map(|z| z.name).collect();
        assert_eq!(names, ["原平经济技术开发区"]);
        assert!(Zone::by_name("五台山风景名胜区")
            .unwrap()
            .parent_county()
            .is_none());
        assert!(!Zone::by_id("xinzhou-edz").unwrap().verified);
    }

    #[test]
    fn serde_as_code() {
        let c = County::by_code("140923").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"140923\"");
        assert_eq!(serde_json::from_str::<County>("\"140923\"").unwrap(), c);
        let err = serde_json::from_str::<County>("\"110101\"").unwrap_err();
        assert!(err.to_string().contains("未知的县"));
    }
}

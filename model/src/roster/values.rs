//! 单元格取值: a cell's text read as the model's value, or a Chinese message saying what to write.
//! Each message lists the allowed values, so the clerk can fix the cell without the manual.

use crate::county::{County, Zone};
use crate::enterprise::{Industry, RiskTag, Scale};
use crate::text::to_halfwidth;

/// The two 规模 values, in the order the template lists them.
pub const SCALES: [Scale; 2] = [Scale::AboveDesignated, Scale::Sme];

/// Half-width, without spaces: how two spellings of one value are compared.
fn norm(s: &str) -> String {
    s.chars()
        .map(to_halfwidth)
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn list(labels: impl IntoIterator<Item = &'static str>) -> String {
    labels.into_iter().collect::<Vec<_>>().join("、")
}

/// 所在县（市、区）: the county's name (`忻府区`, also `忻府`, `忻州市忻府区`) or its 6-digit code.
pub fn county(cell: &str) -> Result<County, String> {
    let v = norm(cell);
    let v = v.strip_prefix("山西省").unwrap_or(&v);
    let short = v
        .strip_prefix("忻州市")
        .filter(|s| !s.is_empty())
        .unwrap_or(v);
    County::by_code(short)
        .or_else(|| County::by_name(short))
        .ok_or_else(|| {
            format!(
                "“{}”不是忻州市的县（市、区）。请填写县名或6位区划代码，可填：{}",
                cell.trim(),
                list(County::all().iter().map(|c| c.name))
            )
        })
}

/// 所在开发区: the zone's name (`原平经济技术开发区`).
pub fn zone(cell: &str) -> Result<&'static Zone, String> {
    let v = norm(cell);
    Zone::all()
        .iter()
        .find(|z| norm(z.name) == v || z.id == v)
        .ok_or_else(|| {
            format!(
                "“{}”不是系统中的开发区。不在开发区的企业请留空，开发区可填：{}",
                cell.trim(),
                list(Zone::all().iter().map(|z| z.name))
            )
        })
}

/// 行业: one of the eight labels; `冶金行业`, `冶金企业` are read as `冶金`.
pub fn industry(cell: &str) -> Result<Industry, String> {
    let v = norm(cell);
    let v = v
        .strip_suffix("行业")
        .or_else(|| v.strip_suffix("企业"))
        .unwrap_or(&v);
    Industry::from_label(v).ok_or_else(|| {
        format!(
            "行业“{}”不在可选范围内，请填写其中之一：{}",
            cell.trim(),
            list(Industry::ALL.map(Industry::label))
        )
    })
}

/// 规模: `规上` (also `规模以上`) or `中小微`, with or without `企业`.
pub fn scale(cell: &str) -> Result<Scale, String> {
    let v = norm(cell);
    let v = v.strip_suffix("企业").unwrap_or(&v);
    match v {
        "规模以上" | "规上" => Ok(Scale::AboveDesignated),
        "中小微" | "中小微型" => Ok(Scale::Sme),
        other => SCALES
            .into_iter()
            .find(|s| s.label() == other)
            .ok_or_else(|| {
                format!(
                    "规模“{}”不在可选范围内，请填写其中之一：{}",
                    cell.trim(),
                    list(SCALES.map(Scale::label))
                )
            }),
    }
}

/// 风险标签: one or more labels separated by `、`, `,`, `，`, `;`, `；` or spaces. A label's
/// bracketed part may be left out (`铝加工`), and either half of `一厂多租/厂中厂` names it.
/// Repeats are dropped. Unknown labels are all named in one message.
pub fn tags(cell: &str) -> Result<Vec<RiskTag>, String> {
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    let parts = cell
        .split(|c: char| matches!(c, '、' | ',' | '，' | ';' | '；') || c.is_whitespace())
        .filter(|p| !p.trim().is_empty());
    for part in parts {
        match tag(part) {
            Some(t) if !out.contains(&t) => out.push(t),
            Some(_) => {}
            None => unknown.push(format!("“{}”", part.trim())),
        }
    }
    if unknown.is_empty() {
        Ok(out)
    } else {
        Err(format!(
            "风险标签{}不在可选范围内，请改为以下标签（多个用“、”隔开）：{}",
            unknown.join("、"),
            list(RiskTag::ALL.map(RiskTag::label))
        ))
    }
}

fn tag(part: &str) -> Option<RiskTag> {
    let v = norm(part);
    RiskTag::ALL.into_iter().find(|t| {
        let label = norm(t.label());
        let short = label.split('(').next().unwrap_or(&label);
        label == v || short == v || label.split('/').any(|half| half == v)
    })
}

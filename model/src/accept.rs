//! 入库检查: what the server may store. A pushed body is parsed into the model type of its kind
//! (after upgrading an older [`SCHEMA`] it knows), checked with the same `validate()` the PWA's
//! forms run, and stored as the model's own serialization: no foreign fields, no blobs.
//!
//! Stored data is read back through [`parse`] too (reports, `yinhuan-server check`), so a body
//! written before these checks existed is found and named instead of silently skipped.

use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use crate::enterprise::Enterprise;
use crate::hazard::Hazard;
use crate::inspection::Inspection;
use crate::merge::field_label_for;
use crate::office::{CrossPlanRecord, WeeklyNote};
use crate::penalty::Penalty;
use crate::record::{Record, RecordMeta, SCHEMA};
use crate::sync::PushOutcome;
use crate::validation::Issue;

/// The record kinds the server stores, in the order a push applies them: a record's references
/// (hazard → inspection → enterprise) are stored before it. The office records reference no
/// other record; they come last only so field work goes first in a busy push.
pub const KINDS: [&str; 6] = [
    Enterprise::KIND,
    Inspection::KIND,
    Hazard::KIND,
    Penalty::KIND,
    WeeklyNote::KIND,
    CrossPlanRecord::KIND,
];

/// Where `kind` comes in [`KINDS`]; unknown kinds last.
pub fn apply_order(kind: &str) -> usize {
    KINDS.iter().position(|k| *k == kind).unwrap_or(KINDS.len())
}

/// One parsed record of any stored kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyRecord {
    Enterprise(Enterprise),
    Inspection(Inspection),
    Hazard(Hazard),
    Penalty(Penalty),
    /// 附件1 文字栏 (see [`crate::office`]).
    WeeklyNote(WeeklyNote),
    /// 交叉检查 工作安排 (see [`crate::office`]).
    CrossPlan(CrossPlanRecord),
}

/// Why a body may not be stored. `code` is stable English, `message` Chinese and names the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

impl From<Refusal> for PushOutcome {
    fn from(r: Refusal) -> PushOutcome {
        PushOutcome::rejected(r.code, r.message)
    }
}

/// A body fit to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    pub record: AnyRecord,
    /// The model's serialization of `record`: what is stored and served.
    pub body: Value,
    /// Advisory issues (e.g. 重大隐患 without 挂牌督办单位): stored anyway.
    pub warnings: Vec<Issue>,
}

fn invalid(message: String) -> Refusal {
    Refusal {
        code: "invalid_record",
        message,
    }
}

impl AnyRecord {
    pub fn kind(&self) -> &'static str {
        match self {
            AnyRecord::Enterprise(_) => Enterprise::KIND,
            AnyRecord::Inspection(_) => Inspection::KIND,
            AnyRecord::Hazard(_) => Hazard::KIND,
            AnyRecord::Penalty(_) => Penalty::KIND,
            AnyRecord::WeeklyNote(_) => WeeklyNote::KIND,
            AnyRecord::CrossPlan(_) => CrossPlanRecord::KIND,
        }
    }

    pub fn meta(&self) -> &RecordMeta {
        match self {
            AnyRecord::Enterprise(r) => &r.meta,
            AnyRecord::Inspection(r) => &r.meta,
            AnyRecord::Hazard(r) => &r.meta,
            AnyRecord::Penalty(r) => &r.meta,
            AnyRecord::WeeklyNote(r) => &r.meta,
            AnyRecord::CrossPlan(r) => &r.meta,
        }
    }

    fn meta_mut(&mut self) -> &mut RecordMeta {
        match self {
            AnyRecord::Enterprise(r) => &mut r.meta,
            AnyRecord::Inspection(r) => &mut r.meta,
            AnyRecord::Hazard(r) => &mut r.meta,
            AnyRecord::Penalty(r) => &mut r.meta,
            AnyRecord::WeeklyNote(r) => &mut r.meta,
            AnyRecord::CrossPlan(r) => &mut r.meta,
        }
    }

    /// Every issue `validate()` finds.
    pub fn validate(&self) -> Vec<Issue> {
        match self {
            AnyRecord::Enterprise(r) => r.validate(),
            AnyRecord::Inspection(r) => r.validate(),
            AnyRecord::Hazard(r) => r.validate(),
            AnyRecord::Penalty(r) => r.validate(),
            AnyRecord::WeeklyNote(r) => r.validate(),
            AnyRecord::CrossPlan(r) => r.validate(),
        }
    }

    /// Only the size, length and date bounds: what a tombstone must still respect.
    pub fn limit_issues(&self) -> Vec<Issue> {
        let mut out = Vec::new();
        match self {
            AnyRecord::Enterprise(r) => r.check_limits(&mut out),
            AnyRecord::Inspection(r) => r.check_limits(&mut out),
            AnyRecord::Hazard(r) => r.check_limits(&mut out),
            AnyRecord::Penalty(r) => r.check_limits(&mut out),
            AnyRecord::WeeklyNote(r) => r.check_limits(&mut out),
            AnyRecord::CrossPlan(r) => r.check_limits(&mut out),
        }
        out
    }

    /// The enterprise the record is about (an enterprise: itself); `None` for the office
    /// records, which are about a county or the city (see [`AnyRecord::office_county`]).
    pub fn enterprise_id(&self) -> Option<Uuid> {
        match self {
            AnyRecord::Enterprise(r) => Some(r.meta.id),
            AnyRecord::Inspection(r) => Some(r.enterprise_id),
            AnyRecord::Hazard(r) => Some(r.enterprise_id),
            AnyRecord::Penalty(r) => Some(r.enterprise_id),
            AnyRecord::WeeklyNote(_) | AnyRecord::CrossPlan(_) => None,
        }
    }

    /// For an office record, the county its scope is ([`crate::office::office_scope`]): a
    /// note's county (`None`: the city's own), a plan's 检查方. `None` for every other kind.
    pub fn office_county(&self) -> Option<Option<&str>> {
        match self {
            AnyRecord::WeeklyNote(r) => Some(r.county.as_deref()),
            AnyRecord::CrossPlan(r) => Some(Some(r.pair.inspector.code)),
            _ => None,
        }
    }

    /// The inspection the record belongs to, when it names one.
    pub fn inspection_id(&self) -> Option<Uuid> {
        match self {
            AnyRecord::Hazard(r) => Some(r.inspection_id),
            AnyRecord::Penalty(r) => r.inspection_id,
            _ => None,
        }
    }

    /// The model's serialization. Every stored type serializes infallibly (plain data, string
    /// map keys), so a failure here is a bug in the model, reported as a refusal, not a panic.
    pub fn to_body(&self) -> Result<Value, Refusal> {
        let v = match self {
            AnyRecord::Enterprise(r) => serde_json::to_value(r),
            AnyRecord::Inspection(r) => serde_json::to_value(r),
            AnyRecord::Hazard(r) => serde_json::to_value(r),
            AnyRecord::Penalty(r) => serde_json::to_value(r),
            AnyRecord::WeeklyNote(r) => serde_json::to_value(r),
            AnyRecord::CrossPlan(r) => serde_json::to_value(r),
        };
        v.map_err(|e| invalid(format!("记录无法保存（{e}），请联系管理员")))
    }
}

/// The body's schema version: `meta.schema`, 1 when absent (the first release wrote none).
fn schema_of(body: &Value) -> Result<u32, Refusal> {
    match body.get("meta").and_then(|m| m.get("schema")) {
        None | Some(Value::Null) => Ok(1),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n >= 1)
            .ok_or_else(|| invalid("记录格式版本（meta.schema）无效，请更新应用后再同步".into())),
    }
}

/// Brings a body of an older schema to [`SCHEMA`]. Version 1 → 2 only added `meta.schema`
/// (and optional fields with defaults), so the shape itself is unchanged.
fn upgrade(mut body: Value, from: u32) -> Value {
    if from < SCHEMA {
        if let Some(meta) = body.get_mut("meta").and_then(Value::as_object_mut) {
            meta.insert("schema".into(), SCHEMA.into());
        }
    }
    body
}

/// Parses `body` as a record of `kind`, upgrading an older schema. No validation: this is how
/// stored data is read back.
pub fn parse(kind: &str, body: &Value) -> Result<AnyRecord, Refusal> {
    if !KINDS.contains(&kind) {
        return Err(Refusal {
            code: "unknown_kind",
            message: format!(
                "不认识的记录类型“{}”：服务器不保存这类记录。请更新应用后再同步。",
                short(kind, 32)
            ),
        });
    }
    if !body.is_object() {
        return Err(invalid("记录内容须为 JSON 对象，请更新应用后再同步".into()));
    }
    let schema = schema_of(body)?;
    if schema > SCHEMA {
        return Err(Refusal {
            code: "newer_schema",
            message: format!(
                "这条记录由更新版本的应用写成（格式版本 {schema}，服务器支持到 {SCHEMA}），\
                 请更新应用后再同步。"
            ),
        });
    }
    let body = upgrade(body.clone(), schema);
    Ok(match kind {
        k if k == Enterprise::KIND => AnyRecord::Enterprise(typed(kind, body)?),
        k if k == Inspection::KIND => AnyRecord::Inspection(typed(kind, body)?),
        k if k == Hazard::KIND => AnyRecord::Hazard(typed(kind, body)?),
        k if k == WeeklyNote::KIND => AnyRecord::WeeklyNote(typed(kind, body)?),
        k if k == CrossPlanRecord::KIND => AnyRecord::CrossPlan(typed(kind, body)?),
        _ => AnyRecord::Penalty(typed(kind, body)?),
    })
}

/// Parses, checks and re-serializes a pushed body. A tombstone (`deleted`) need not be a
/// complete record (a deleted draft), but must parse and respect the size bounds.
pub fn accept(kind: &str, body: &Value, deleted: bool) -> Result<Accepted, Refusal> {
    let mut record = parse(kind, body)?;
    record.meta_mut().deleted = deleted;
    let meta = record.meta();
    if meta.device_id.chars().count() > 128 || meta.updated_by.chars().count() > 100 {
        return Err(invalid(
            "记录的设备编号或修改人过长，请更新应用后再同步".into(),
        ));
    }
    if meta.created_at < 0 || meta.updated_at < 0 {
        return Err(invalid(
            "记录的创建或修改时间无效，请检查手机日期后再同步".into(),
        ));
    }
    let issues = if deleted {
        record.limit_issues()
    } else {
        record.validate()
    };
    if let Some(e) = issues.iter().find(|i| i.is_error()) {
        let label = field_label_for(kind, std::slice::from_ref(&e.field));
        return Err(invalid(format!(
            "“{label}”：{}。请打开这条记录修改后再同步。",
            e.message.trim_end_matches('。')
        )));
    }
    let body = record.to_body()?;
    let warnings = issues.into_iter().filter(|i| !i.is_error()).collect();
    Ok(Accepted {
        record,
        body,
        warnings,
    })
}

fn short(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

/// Deserializes with the path of the first field that fails, and says it in Chinese.
fn typed<T: DeserializeOwned>(kind: &str, body: Value) -> Result<T, Refusal> {
    serde_path_to_error::deserialize(body).map_err(|e| {
        let mut path: Vec<String> = e
            .path()
            .iter()
            .filter_map(|seg| match seg {
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                _ => None,
            })
            .collect();
        let detail = e.inner().to_string();
        // "missing field `x`" points at the parent: the field is x.
        let problem = if let Some(name) = between_backticks(&detail, "missing field") {
            path.push(name);
            "缺少必填内容".to_owned()
        } else if let Some(v) = between_backticks(&detail, "unknown variant") {
            format!("的取值“{}”无效", short(&v, 32))
        } else if detail.starts_with("invalid type") || detail.starts_with("invalid length") {
            "格式不对".to_owned()
        } else if detail
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        {
            // The model's own parse errors (dates, credit codes) are already Chinese.
            format!(
                "有误：{}",
                detail.split(" at line").next().unwrap_or(&detail)
            )
        } else {
            "的取值无效".to_owned()
        };
        let label = if path.is_empty() {
            "记录内容".to_owned()
        } else {
            // The deepest labelled level of the first two (e.g. 整改时限, else 检查项答案).
            let two: Vec<String> = path.iter().take(2).cloned().collect();
            let label = field_label_for(kind, &two);
            if label == two.join(".") && two.len() == 2 {
                field_label_for(kind, &two[..1])
            } else {
                label
            }
        };
        invalid(format!(
            "“{label}”{problem}。请打开这条记录修改后再同步；如由旧版应用产生，请先更新应用。"
        ))
    })
}

/// `missing field `name`` → `name`, when `detail` starts with `prefix`.
fn between_backticks(detail: &str, prefix: &str) -> Option<String> {
    let rest = detail.strip_prefix(prefix)?;
    let start = rest.find('`')? + 1;
    let end = start + rest[start..].find('`')?;
    Some(rest[start..end].to_owned())
}

#[cfg(test)]
mod tests;

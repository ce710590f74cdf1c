//! 校验结果: problems found in a record, either blocking (错误) or advisory (提醒).

use serde::{Deserialize, Serialize};

/// 严重程度: an `Error` blocks saving as final; a `Warning` asks a person to confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// 校验问题: one problem with one field; `message` is Chinese and says what to do next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// The struct field it concerns (English identifier, for the UI to place the message).
    pub field: String,
    pub severity: Severity,
    pub message: String,
}

impl Issue {
    pub fn error(field: &str, message: impl Into<String>) -> Issue {
        Issue {
            field: field.to_owned(),
            severity: Severity::Error,
            message: message.into(),
        }
    }
    pub fn warning(field: &str, message: impl Into<String>) -> Issue {
        Issue {
            field: field.to_owned(),
            severity: Severity::Warning,
            message: message.into(),
        }
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// True when any issue blocks saving.
pub fn has_errors(issues: &[Issue]) -> bool {
    issues.iter().any(Issue::is_error)
}

/// True when `s` is 64 lowercase hex digits: how photos and signatures are keyed.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

//! 办理权限: beyond seeing a record (`sync::may_see`), who may take which lifecycle step.
//! The campaign's closed loop needs an independent check: the enterprise reports its 整改 (with
//! photos), but 复查 and 销号 are done by an inspector. Both the PWA (to show the right buttons)
//! and the server (to refuse a push) ask this one function.

use serde_json::Value;

use crate::sync::Role;

/// Why an account may not make this change to a hazard, or `None` when it may. `stored` is the
/// server's current body (None for a new record), `new` the pushed one.
pub fn lifecycle_refusal(
    role: &Role,
    kind: &str,
    stored: Option<&Value>,
    new: &Value,
) -> Option<&'static str> {
    if kind != "hazard" || !matches!(role, Role::Enterprise(_)) {
        return None;
    }
    let reviews = |b: Option<&Value>| {
        b.and_then(|b| b.get("reviews"))
            .filter(|r| !r.is_null())
            .cloned()
    };
    let empty = Some(Value::Array(Vec::new()));
    let old_reviews = reviews(stored).or(empty.clone());
    let new_reviews = reviews(Some(new)).or(empty);
    let closed = |b: Option<&Value>| {
        b.and_then(|b| b.get("state")).and_then(Value::as_str) == Some("closed")
    };
    if old_reviews != new_reviews || closed(Some(new)) != closed(stored) {
        return Some(ENTERPRISE_CANNOT_REVIEW);
    }
    None
}

pub const ENTERPRISE_CANNOT_REVIEW: &str =
    "复查和销号须由检查人员办理，企业账号只能填报整改进展（措施、资金、时限、照片）。";

/// Whether the account may record a 复查 (and so 销号): everyone but an enterprise account.
pub fn may_review(role: &Role) -> bool {
    !matches!(role, Role::Enterprise(_))
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use uuid::Uuid;

    use super::*;

    fn ent() -> Role {
        Role::Enterprise(Uuid::nil())
    }

    #[test]
    fn an_enterprise_reports_progress_but_cannot_review_or_close() {
        let open = json!({"state": "rectifying", "reviews": [], "rectification": {"measures": ""}});
        let progress = json!({"state": "awaiting_review", "reviews": [], "rectification": {"measures": "加装护栏"}});
        assert_eq!(
            lifecycle_refusal(&ent(), "hazard", Some(&open), &progress),
            None
        );
        let reviewed =
            json!({"state": "closed", "reviews": [{"reviewer": "厂长", "passed": true}]});
        assert_eq!(
            lifecycle_refusal(&ent(), "hazard", Some(&progress), &reviewed),
            Some(ENTERPRISE_CANNOT_REVIEW)
        );
        // Nor may it reopen a closed one, or create one already closed.
        assert!(lifecycle_refusal(&ent(), "hazard", Some(&reviewed), &open).is_some());
        assert!(lifecycle_refusal(&ent(), "hazard", None, &reviewed).is_some());
        assert!(!may_review(&ent()));
    }

    #[test]
    fn inspectors_and_offices_may_review_and_other_kinds_are_not_concerned() {
        let progress = json!({"state": "awaiting_review", "reviews": []});
        let closed =
            json!({"state": "closed", "reviews": [{"reviewer": "吴检查", "passed": true}]});
        for role in [
            Role::City,
            Role::County("140902".into()),
            Role::CrossTeam {
                inspected: "140921".into(),
            },
        ] {
            assert_eq!(
                lifecycle_refusal(&role, "hazard", Some(&progress), &closed),
                None
            );
            assert!(may_review(&role));
        }
        assert_eq!(
            lifecycle_refusal(&ent(), "inspection", Some(&progress), &closed),
            None
        );
    }
}

//! Office records on this device: 附件1's weekly text rows ([`WeeklyNote`]) and the 交叉检查
//! plans ([`CrossPlanRecord`]), kept in the `records` store like every synced record (dirty
//! until pushed, merged on conflict, listed on the 同步 page).
//!
//! Two things differ from a field record, both because the id is derived from the keys
//! (another clerk may create "the same" record on another device):
//! - the first local save stores the BLANK record as the merge base ([`model::office::merge_base`]),
//!   so a later conflict with the other clerk's version merges field by field instead of
//!   treating every empty field here as a deletion of theirs;
//! - a note is edited one field at a time on the row as stored ([`edit_note`]), so a version
//!   the sync engine merged in meanwhile is never overwritten by the page's older copy.
//!
//! [`migrate_meta`] moves what earlier builds kept under `meta` keys into records, once.

use model::annex::{CrossPlan, WeeklyNarrative};
use model::campaign::CrossPair;
use model::date::Date;
use model::office::{merge_base, write_refusal, CrossPlanRecord, WeeklyNote};
use model::record::Record;
use model::sync::Role;
use rexie::{Rexie, TransactionMode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

use super::error::{finish, StoreError, StoreResult};
use super::records;
use super::schema::META;
use super::sync_rows::{self, RawRow};

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// Writes `record` as edited by `edit` applied to the stored version (or to `fresh` when this
/// device has none), in ONE transaction with its sync entry. Returns the record written.
async fn write_with<T>(db: &Rexie, fresh: T, edit: impl FnOnce(&mut T) + 'static) -> StoreResult<T>
where
    T: Record + Serialize + DeserializeOwned + Clone + 'static,
{
    let id = fresh.id().to_string();
    let out = std::rc::Rc::new(std::cell::RefCell::new(None));
    let written = out.clone();
    sync_rows::update(db, &id, move |row, mut entry| {
        let mut record = match row.as_ref().map(|r| serde_json::from_str::<T>(&r.body)) {
            Some(Ok(r)) => r,
            Some(Err(e)) => return Err(corrupt(e)),
            None => fresh,
        };
        edit(&mut record);
        record
            .meta_mut()
            .touch(crate::browser::now_ms(), &crate::settings::user_name());
        let body = serde_json::to_value(&record).map_err(corrupt)?;
        // Never acknowledged by the server from here: the other clerk started from blank too.
        let new_entry = if entry.base.is_none() && record.meta().rev == 0 {
            entry.base = merge_base(T::KIND, &body).map(|b| b.to_string());
            Some(entry)
        } else {
            None
        };
        let raw = RawRow {
            id: record.id().to_string(),
            kind: T::KIND.to_owned(),
            dirty: true,
            updated_at: record.meta().updated_at,
            body: body.to_string(),
        };
        *written.borrow_mut() = Some(record);
        Ok((Some(raw), new_entry))
    })
    .await?;
    let record = out.borrow_mut().take();
    record.ok_or_else(|| corrupt("未写入"))
}

/// The note of this campaign, scope (`None`: the city's own) and week, if this device has it.
pub async fn note(
    db: &Rexie,
    campaign_id: &str,
    county: Option<&str>,
    week: Date,
) -> StoreResult<Option<WeeklyNote>> {
    let id = WeeklyNote::id_for(campaign_id, county, week).to_string();
    Ok(records::get::<WeeklyNote>(db, &id)
        .await?
        .filter(|n| !n.meta.deleted))
}

/// Every county's note of the week on this device (what the city has pulled), for the city's
/// 附件1.
pub async fn county_notes(
    db: &Rexie,
    campaign_id: &str,
    week: Date,
) -> StoreResult<Vec<(model::county::County, WeeklyNarrative)>> {
    let mut out = Vec::new();
    for c in model::county::County::all() {
        if let Some(n) = note(db, campaign_id, Some(c.code), week).await? {
            out.push((*c, n.text));
        }
    }
    Ok(out)
}

/// Sets one text row (1, 6, 7 or 8) of a note, creating the note on its first edit.
pub async fn edit_note(
    db: &Rexie,
    campaign_id: &str,
    county: Option<&str>,
    week: Date,
    seq: u8,
    text: String,
) -> StoreResult<WeeklyNote> {
    let fresh = WeeklyNote::blank(
        campaign_id,
        county,
        week,
        crate::browser::now_ms(),
        &crate::settings::device_id(),
        &crate::settings::user_name(),
    );
    write_with(db, fresh, move |n: &mut WeeklyNote| {
        *row_mut(&mut n.text, seq) = text;
    })
    .await
}

/// The field of 附件1 row `seq` (1 部署推进, 6 宣传曝光, 7 存在问题, 8 意见建议).
pub fn row_mut(n: &mut WeeklyNarrative, seq: u8) -> &mut String {
    match seq {
        1 => &mut n.deployment,
        6 => &mut n.publicity,
        7 => &mut n.problems,
        _ => &mut n.suggestions,
    }
}

/// The plan of this campaign and pair, if this device has it.
pub async fn plan(
    db: &Rexie,
    campaign_id: &str,
    pair: CrossPair,
) -> StoreResult<Option<CrossPlanRecord>> {
    let id = CrossPlanRecord::id_for(campaign_id, pair).to_string();
    Ok(records::get::<CrossPlanRecord>(db, &id)
        .await?
        .filter(|p| !p.meta.deleted))
}

/// Saves the plan as the page shows it, on top of the stored version's sync state.
pub async fn save_plan(db: &Rexie, campaign_id: &str, p: CrossPlan) -> StoreResult<()> {
    let fresh = CrossPlanRecord::new(
        campaign_id,
        &p,
        crate::browser::now_ms(),
        &crate::settings::device_id(),
        &crate::settings::user_name(),
    );
    write_with(db, fresh, move |r: &mut CrossPlanRecord| {
        r.start = p.start;
        r.end = p.end;
        r.enterprises = p.enterprises;
    })
    .await
    .map(|_| ())
}

/// `meta` keys of earlier builds, which kept these on one device only.
const OLD_NOTE: &str = "narrative/";
const OLD_PLAN: &str = "cross-plan/";

/// Appends `old` to `current` unless it is already there: moving never loses either text.
fn join_text(current: &mut String, old: &str) {
    let old = old.trim();
    if old.is_empty() || current.contains(old) {
        return;
    }
    if current.trim().is_empty() {
        *current = old.to_owned();
    } else {
        current.push('\n');
        current.push_str(old);
    }
}

/// Every `(key, value)` of the `meta` store whose key starts with one of the old prefixes.
async fn old_entries(db: &Rexie) -> StoreResult<Vec<(String, String)>> {
    let tx = db.transaction(&[META], TransactionMode::ReadOnly)?;
    let values = tx.store(META)?.get_all(None, None).await?;
    tx.done().await?;
    let get = |v: &JsValue, k: &str| {
        js_sys::Reflect::get(v, &JsValue::from_str(k))
            .ok()
            .and_then(|x| x.as_string())
    };
    Ok(values
        .iter()
        .filter_map(|v| Some((get(v, "key")?, get(v, "value")?)))
        .filter(|(k, _)| k.starts_with(OLD_NOTE) || k.starts_with(OLD_PLAN))
        .collect())
}

async fn delete_meta(db: &Rexie, key: &str) -> StoreResult<()> {
    let tx = db.transaction(&[META], TransactionMode::ReadWrite)?;
    let result = async {
        tx.store(META)?.delete(JsValue::from_str(key)).await?;
        Ok(())
    }
    .await;
    finish(tx, result).await
}

/// Moves the narratives and plans earlier builds kept under `meta` keys into records: text is
/// added to the record (never replacing what it already has), then the old key is removed.
/// A key the signed-in account may not write (another county's, picked on the old screen) is
/// left where it is, so nothing is lost and nothing is pushed only to be refused. Returns how
/// many keys were moved.
pub async fn migrate_meta(db: &Rexie, role: &Role) -> StoreResult<usize> {
    let mut moved = 0;
    for (key, value) in old_entries(db).await? {
        let done = if let Some(rest) = key.strip_prefix(OLD_NOTE) {
            migrate_note(db, role, rest, &value).await?
        } else if let Some(rest) = key.strip_prefix(OLD_PLAN) {
            migrate_plan(db, role, rest, &value).await?
        } else {
            false
        };
        if done {
            delete_meta(db, &key).await?;
            moved += 1;
        }
    }
    Ok(moved)
}

/// `narrative/{campaign}/{city|county code}/{week}` → a weekly note.
async fn migrate_note(db: &Rexie, role: &Role, rest: &str, value: &str) -> StoreResult<bool> {
    let parts: Vec<&str> = rest.rsplitn(3, '/').collect();
    let [week, scope, campaign] = parts[..] else {
        return Ok(false);
    };
    let (Ok(week), Ok(old)) = (
        Date::parse(week),
        serde_json::from_str::<WeeklyNarrative>(value),
    ) else {
        return Ok(false);
    };
    let county = (scope != model::office::CITY_SCOPE_KEY).then_some(scope);
    if old == WeeklyNarrative::default() {
        return Ok(true);
    }
    if write_refusal(role, WeeklyNote::KIND, county).is_some() {
        return Ok(false);
    }
    let fresh = WeeklyNote::blank(
        campaign,
        county,
        week,
        crate::browser::now_ms(),
        &crate::settings::device_id(),
        &crate::settings::user_name(),
    );
    write_with(db, fresh, move |n: &mut WeeklyNote| {
        join_text(&mut n.text.deployment, &old.deployment);
        join_text(&mut n.text.publicity, &old.publicity);
        join_text(&mut n.text.problems, &old.problems);
        join_text(&mut n.text.suggestions, &old.suggestions);
    })
    .await?;
    Ok(true)
}

/// `cross-plan/{campaign}/{inspector}-{inspected}` → a plan (drawn enterprises are united).
async fn migrate_plan(db: &Rexie, role: &Role, rest: &str, value: &str) -> StoreResult<bool> {
    let Some((campaign, _)) = rest.rsplit_once('/') else {
        return Ok(false);
    };
    let Ok(old) = serde_json::from_str::<CrossPlan>(value) else {
        return Ok(false);
    };
    if write_refusal(role, CrossPlanRecord::KIND, Some(old.pair.inspector.code)).is_some() {
        return Ok(false);
    }
    let existing = plan(db, campaign, old.pair).await?;
    let fresh = CrossPlanRecord::new(
        campaign,
        &old,
        crate::browser::now_ms(),
        &crate::settings::device_id(),
        &crate::settings::user_name(),
    );
    write_with(db, fresh, move |r: &mut CrossPlanRecord| {
        if existing.is_some() {
            for e in old.enterprises {
                if !r.enterprises.contains(&e) {
                    r.enterprises.push(e);
                }
            }
        }
    })
    .await?;
    Ok(true)
}

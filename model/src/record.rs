//! 同步信封: the fields every synced record carries, so sync needs no later data migration.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::date::Timestamp;

/// 记录格式版本: the shape of record bodies this build writes. Bump it when a body's shape
/// changes, and teach [`crate::accept`] to upgrade the older shape.
pub const SCHEMA: u32 = 2;

/// Bodies written before versioning (the first release) carry no `schema`: version 1.
fn legacy_schema() -> u32 {
    1
}

/// 记录元数据: identity, revision and tombstone state shared by all synced records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordMeta {
    /// UUIDv7 made on the device that created the record (see [`crate::new_record_id`]).
    pub id: Uuid,
    /// Server change sequence this version was written at; 0 = never synced.
    pub rev: i64,
    /// The `rev` the local edit started from, so the server can detect a conflict.
    pub base_rev: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// 已删除 tombstone: records are never hard-deleted, so deletes sync like edits.
    #[serde(default)]
    pub deleted: bool,
    /// Changed locally since the last successful push.
    #[serde(default)]
    pub dirty: bool,
    pub device_id: String,
    /// 修改人: account name of whoever made the latest change.
    pub updated_by: String,
    /// The body's [`SCHEMA`] version.
    #[serde(default = "legacy_schema")]
    pub schema: u32,
}

impl RecordMeta {
    /// A fresh, unsynced, dirty record.
    pub fn new(id: Uuid, now: Timestamp, device_id: &str, user: &str) -> RecordMeta {
        RecordMeta {
            id,
            rev: 0,
            base_rev: 0,
            created_at: now,
            updated_at: now,
            deleted: false,
            dirty: true,
            device_id: device_id.to_owned(),
            updated_by: user.to_owned(),
            schema: SCHEMA,
        }
    }

    /// Marks a local edit. `base_rev` stays at the last synced `rev` until the push succeeds.
    /// `updated_at` never moves backwards and always moves: an edit made while the stored time
    /// is ahead of this device's clock (written on a device whose clock runs fast) still gets a
    /// new time, which is how sync tells "edited since the server refused it" (a refused record
    /// is held until its `updated_at` changes).
    pub fn touch(&mut self, now: Timestamp, user: &str) {
        self.updated_at = now.max(self.updated_at.saturating_add(1));
        self.updated_by = user.to_owned();
        self.dirty = true;
        // An edit is written in this build's shape.
        self.schema = SCHEMA;
    }

    /// Tombstones the record (删除); it still syncs and can be shown as deleted.
    pub fn delete(&mut self, now: Timestamp, user: &str) {
        self.deleted = true;
        self.touch(now, user);
    }

    /// Called when the server accepted this version at `rev`.
    pub fn mark_synced(&mut self, rev: i64) {
        self.rev = rev;
        self.base_rev = rev;
        self.dirty = false;
    }

    pub fn is_synced(&self) -> bool {
        self.rev > 0 && !self.dirty
    }
}

/// A record that travels through sync. `KIND` names its store/table and its wire type.
pub trait Record {
    const KIND: &'static str;
    fn meta(&self) -> &RecordMeta;
    fn meta_mut(&mut self) -> &mut RecordMeta;
    fn id(&self) -> Uuid {
        self.meta().id
    }
}

/// Implements [`Record`] for a struct with a `meta: RecordMeta` field.
macro_rules! impl_record {
    ($ty:ty, $kind:literal) => {
        impl $crate::record::Record for $ty {
            const KIND: &'static str = $kind;
            fn meta(&self) -> &$crate::record::RecordMeta {
                &self.meta
            }
            fn meta_mut(&mut self) -> &mut $crate::record::RecordMeta {
                &mut self.meta
            }
        }
    };
}
pub(crate) use impl_record;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::new_record_id;

    #[test]
    fn new_touch_sync_delete() {
        let mut m = RecordMeta::new(new_record_id(1000, [1; 10]), 1000, "dev-1", "张三");
        assert_eq!((m.rev, m.base_rev, m.dirty, m.deleted), (0, 0, true, false));
        assert!(!m.is_synced());
        m.mark_synced(42);
        assert!(m.is_synced());
        m.touch(2000, "李四");
        assert_eq!(
            (m.rev, m.base_rev, m.updated_at, m.dirty),
            (42, 42, 2000, true)
        );
        assert_eq!(m.updated_by, "李四");
        // A device clock running behind never moves updated_at backwards, and an edit still
        // changes it (a refused record waits for exactly that change).
        m.touch(1500, "李四");
        assert_eq!(m.updated_at, 2001);
        m.touch(1500, "李四");
        assert_eq!(m.updated_at, 2002);
        m.delete(3000, "李四");
        assert!(m.deleted && m.dirty);
    }

    #[test]
    fn old_json_without_flags_still_loads() {
        let json = r#"{"id":"01939b8e-0000-7000-8000-000000000000","rev":3,"base_rev":3,
            "created_at":1,"updated_at":2,"device_id":"d","updated_by":"u"}"#;
        let m: RecordMeta = serde_json::from_str(json).unwrap();
        assert!(!m.deleted && !m.dirty);
        assert_eq!(m.schema, 1, "a body from before versioning is version 1");
    }
}

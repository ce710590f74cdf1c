//! Small per-device settings in localStorage (gloo-storage): the device id that stamps every
//! record, and the inspector's defaults so the start-inspection form is one tap on site.
//! Records and photos never live here: only IndexedDB holds data.

use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};

const DEVICE_KEY: &str = "yinhuan.device_id";
const PROFILE_KEY: &str = "yinhuan.profile";

/// This browser's id: made once, kept forever, sent with every change for the audit log.
pub fn device_id() -> String {
    if let Ok(id) = LocalStorage::get::<String>(DEVICE_KEY) {
        return id;
    }
    let id = crate::browser::new_id().to_string();
    // If localStorage is unavailable the id is per page load; records still get unique ids.
    let _ = LocalStorage::set(DEVICE_KEY, &id);
    id
}

/// 检查人员 defaults typed once in 设置.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// 姓名
    pub name: String,
    /// 检查单位
    pub unit: String,
}

pub fn profile() -> Profile {
    LocalStorage::get(PROFILE_KEY).unwrap_or_default()
}

pub fn save_profile(p: &Profile) -> Result<(), String> {
    LocalStorage::set(PROFILE_KEY, p).map_err(|e| format!("无法保存设置：{e}"))
}

/// Who to record as the author of a change.
pub fn user_name() -> String {
    let p = profile();
    if p.name.trim().is_empty() {
        "本机用户".to_string()
    } else {
        p.name
    }
}

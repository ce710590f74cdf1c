//! Loading what the screens show, on top of the store. Kept apart from the views so the same
//! queries serve several pages (and tests).

use model::enterprise::Enterprise;

use model::enterprise::{Industry, Scale};
use model::hazard::Hazard;
use model::inspection::Inspection;
use model::record::Record;
use model::record::RecordMeta;
use serde::de::DeserializeOwned;

use crate::store::{self, records, StoreError, StoreResult};

/// One record by id; a missing or tombstoned one is `NotFound` naming `what` (e.g. "该检查").
pub async fn load<T: Record + DeserializeOwned>(id: &str, what: &str) -> StoreResult<T> {
    let db = store::db().await?;
    match records::get::<T>(&db, id).await? {
        Some(r) if !r.meta().deleted => Ok(r),
        _ => Err(StoreError::NotFound(what.to_string())),
    }
}

/// Everything the office screens (报表, 交叉检查, 工作台) compute from: the live records on this
/// device (after sync, the account's whole scope).
pub async fn annex_records() -> StoreResult<model::annex::Records> {
    Ok(model::annex::Records {
        enterprises: live().await?,
        inspections: live().await?,
        hazards: live().await?,
        penalties: live().await?,
    })
}

/// All live records of a kind.
pub async fn live<T: Record + DeserializeOwned>() -> StoreResult<Vec<T>> {
    let db = store::db().await?;
    Ok(records::list::<T>(&db)
        .await?
        .into_iter()
        .filter(|r| !r.meta().deleted)
        .collect())
}

/// Every hazard of an inspection (tombstones included: 序号 must never be reused), by 序号.
pub async fn hazards_of(inspection_id: uuid::Uuid) -> StoreResult<Vec<Hazard>> {
    let db = store::db().await?;
    let mut list: Vec<Hazard> = records::list::<Hazard>(&db)
        .await?
        .into_iter()
        .filter(|h| h.inspection_id == inspection_id)
        .collect();
    list.sort_by_key(|h| h.seq);
    Ok(list)
}

/// An inspection with its enterprise, as most inspection screens need both.
pub async fn inspection_with_enterprise(id: &str) -> StoreResult<(Inspection, Enterprise)> {
    let insp: Inspection = load(id, "该检查").await?;
    let ent: Enterprise = load(&insp.enterprise_id.to_string(), "该检查的企业").await?;
    Ok((insp, ent))
}

/// A new, empty enterprise made on this device (the form fills it in).
pub fn new_enterprise() -> Enterprise {
    Enterprise {
        meta: RecordMeta::new(
            crate::browser::new_id(),
            crate::browser::now_ms(),
            &crate::settings::device_id(),
            &crate::settings::user_name(),
        ),
        name: String::new(),
        credit_code: None,
        credit_code_confirmed: false,
        county: String::new(),
        zone: None,
        industry: Industry::Metallurgy,
        tags: Vec::new(),
        scale: Scale::Sme,
        pairing: None,
        leader: String::new(),
        phone: String::new(),
        address: String::new(),
        self_inspection_plan_on: None,
    }
}

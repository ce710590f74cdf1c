//! What the 隐患台账 reads, in two steps so that the first rows show at once however many
//! hazards the device holds: [`first_rows`] reads the first page of hazards (in list order) and
//! just the enterprises and inspections those rows name; [`all`] then reads every hazard. Both
//! decode summaries ([`HazardSummary`], [`InspectionStage`]), never the whole records; only the
//! enterprises (few, and the 企业 choice lists them all) are read whole.

use std::collections::{BTreeSet, HashMap};

use model::enterprise::Enterprise;
use model::hazard::summary::{HazardSummary, InspectionStage};
use model::hazard::Hazard;
use model::inspection::Inspection;
use model::record::Record;
use model::stage::Stage;
use rexie::Rexie;
use uuid::Uuid;

use super::records;
use super::StoreResult;

/// Rows in the first read, and in each step of 显示更多.
pub const PAGE: u32 = 50;

/// The hazards of the list with what their rows show of other records.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    /// Live hazards in list order (the store's, by id).
    pub hazards: Vec<HazardSummary>,
    /// Live enterprises: after [`all`], every one; after [`first_rows`], those the rows name.
    pub enterprises: Vec<Enterprise>,
    /// 检查环节 by live inspection id (as [`Ledger::enterprises`], all or those named).
    pub stages: HashMap<Uuid, Stage>,
    /// Every hazard on the device is in `hazards` (then the counts are the list's own).
    pub complete: bool,
}

fn live(hazards: Vec<HazardSummary>) -> Vec<HazardSummary> {
    hazards.into_iter().filter(|h| !h.deleted).collect()
}

fn stages(inspections: Vec<InspectionStage>) -> HashMap<Uuid, Stage> {
    inspections
        .into_iter()
        .filter(|i| !i.deleted)
        .map(|i| (i.id, i.stage))
        .collect()
}

/// The first `limit` hazards in list order (fewer if some are deleted or do not read), with the
/// enterprises and inspections they name, each read by id.
pub async fn first_rows(db: &Rexie, limit: u32) -> StoreResult<Ledger> {
    let (hazards, complete) =
        records::summaries::<HazardSummary>(db, Hazard::KIND, Some(limit)).await?;
    let hazards = live(hazards);
    let ids = |f: fn(&HazardSummary) -> Uuid| -> Vec<String> {
        let set: BTreeSet<Uuid> = hazards.iter().map(f).collect();
        set.iter().map(Uuid::to_string).collect()
    };
    let enterprises: Vec<Enterprise> =
        records::get_many(db, Enterprise::KIND, &ids(|h| h.enterprise_id)).await?;
    let inspections: Vec<InspectionStage> =
        records::get_many(db, Inspection::KIND, &ids(|h| h.inspection_id)).await?;
    Ok(Ledger {
        enterprises: enterprises
            .into_iter()
            .filter(|e| !e.meta.deleted)
            .collect(),
        stages: stages(inspections),
        hazards,
        complete,
    })
}

/// Every live hazard, enterprise and inspection stage.
pub async fn all(db: &Rexie) -> StoreResult<Ledger> {
    let (hazards, _) = records::summaries::<HazardSummary>(db, Hazard::KIND, None).await?;
    // Whole records, as every other screen reads them: this also settles their unreadable rows.
    let enterprises: Vec<Enterprise> = records::list(db).await?;
    let (inspections, _) =
        records::summaries::<InspectionStage>(db, Inspection::KIND, None).await?;
    Ok(Ledger {
        hazards: live(hazards),
        enterprises: enterprises
            .into_iter()
            .filter(|e| !e.meta.deleted)
            .collect(),
        stages: stages(inspections),
        complete: true,
    })
}

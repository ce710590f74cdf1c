//! 台账数据: the records an annex is computed from, and the joins every annex repeats.
//!
//! The rules for what counts live here once: a record counts only when it is not tombstoned,
//! its enterprise is not tombstoned and lies in the scope, its inspection belongs to this
//! campaign, and it happened on or before the date asked.

use std::collections::HashMap;

use uuid::Uuid;

use super::scope::Scope;
use crate::campaign::Campaign;
use crate::date::Date;
use crate::enterprise::Enterprise;
use crate::hazard::Hazard;
use crate::inspection::Inspection;
use crate::penalty::Penalty;

/// 台账数据: all records the caller holds (any scope, tombstones included); the annexes filter.
#[derive(Debug, Clone, Copy)]
pub struct Dataset<'a> {
    pub campaign: &'a Campaign,
    pub enterprises: &'a [Enterprise],
    pub inspections: &'a [Inspection],
    pub hazards: &'a [Hazard],
    pub penalties: &'a [Penalty],
}

/// The records an annex reads, owned (as loaded from IndexedDB or the server's database), so a
/// [`Dataset`] can borrow them for one campaign.
#[derive(Debug, Clone, Default)]
pub struct Records {
    pub enterprises: Vec<Enterprise>,
    pub inspections: Vec<Inspection>,
    pub hazards: Vec<Hazard>,
    pub penalties: Vec<Penalty>,
}

impl Records {
    pub fn dataset<'a>(&'a self, campaign: &'a Campaign) -> Dataset<'a> {
        Dataset {
            campaign,
            enterprises: &self.enterprises,
            inspections: &self.inspections,
            hazards: &self.hazards,
            penalties: &self.penalties,
        }
    }
}

/// A counted hazard with the inspection and enterprise it belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found<'a> {
    pub hazard: &'a Hazard,
    pub inspection: &'a Inspection,
    pub enterprise: &'a Enterprise,
}

impl<'a> Dataset<'a> {
    /// A live (not tombstoned) enterprise by id.
    pub fn enterprise(&self, id: Uuid) -> Option<&'a Enterprise> {
        self.enterprises
            .iter()
            .find(|e| e.meta.id == id && !e.meta.deleted)
    }

    pub(crate) fn live_enterprises(&self, scope: Scope) -> impl Iterator<Item = &'a Enterprise> {
        self.enterprises
            .iter()
            .filter(move |e| !e.meta.deleted && scope.includes(e))
    }

    fn enterprise_index(&self, scope: Scope) -> HashMap<Uuid, &'a Enterprise> {
        self.live_enterprises(scope)
            .map(|e| (e.meta.id, e))
            .collect()
    }

    /// Live inspections of this campaign in scope, held on or before `date`, in input order.
    pub(crate) fn inspections_by(
        &self,
        scope: Scope,
        date: Date,
    ) -> Vec<(&'a Inspection, &'a Enterprise)> {
        let ents = self.enterprise_index(scope);
        self.inspections
            .iter()
            .filter(|i| !i.meta.deleted && i.campaign_id == self.campaign.id && i.date <= date)
            .filter_map(|i| ents.get(&i.enterprise_id).map(|e| (i, *e)))
            .collect()
    }

    /// Live hazards found on or before `date`, of live inspections of this campaign, in scope,
    /// in input order. The enterprise is the inspection's, which the hazard only copies.
    pub(crate) fn hazards_by(&self, scope: Scope, date: Date) -> Vec<Found<'a>> {
        let ents = self.enterprise_index(scope);
        let insps: HashMap<Uuid, &Inspection> = self
            .inspections
            .iter()
            .filter(|i| !i.meta.deleted && i.campaign_id == self.campaign.id)
            .map(|i| (i.meta.id, i))
            .collect();
        self.hazards
            .iter()
            .filter(|h| !h.meta.deleted && h.found_on <= date)
            .filter_map(|h| {
                let inspection = *insps.get(&h.inspection_id)?;
                let enterprise = *ents.get(&inspection.enterprise_id)?;
                Some(Found {
                    hazard: h,
                    inspection,
                    enterprise,
                })
            })
            .collect()
    }

    /// Live penalties in scope decided from the campaign's start up to `date`. Penalties carry
    /// no campaign id, so the campaign's dates decide.
    pub(crate) fn penalties_by(
        &self,
        scope: Scope,
        date: Date,
    ) -> Vec<(&'a Penalty, &'a Enterprise)> {
        let ents = self.enterprise_index(scope);
        self.penalties
            .iter()
            .filter(|p| !p.meta.deleted && self.campaign.start <= p.date && p.date <= date)
            .filter_map(|p| ents.get(&p.enterprise_id).map(|e| (p, *e)))
            .collect()
    }

    /// The penalties that answer what was found at `inspections` of `enterprise`: those decided
    /// on one of those inspections, plus the enterprise's cases tied to no inspection decided
    /// on or after `since` (a case before the finding cannot be about it). Oldest first.
    pub(crate) fn penalties_about(
        &self,
        enterprise: Uuid,
        inspections: &[Uuid],
        since: Date,
        date: Date,
    ) -> Vec<&'a Penalty> {
        let mut out: Vec<&Penalty> = self
            .penalties
            .iter()
            .filter(|p| !p.meta.deleted && p.enterprise_id == enterprise && p.date <= date)
            .filter(|p| match p.inspection_id {
                Some(i) => inspections.contains(&i),
                None => p.date >= since,
            })
            .collect();
        out.sort_by_key(|p| p.date);
        out
    }
}

/// `所在市(县、区)` cell: the county, with the 开发区 in brackets when there is one.
pub(crate) fn place(e: &Enterprise) -> String {
    let county = e.county().map_or(e.county.clone(), |c| c.name.to_owned());
    match e.zone() {
        Some(z) => format!("{county}（{}）", z.name),
        None => county,
    }
}

/// Pushes `id` unless already there, keeping first-seen order (lists the UI shows).
pub(crate) fn push_unique(ids: &mut Vec<Uuid>, id: Uuid) {
    if !ids.contains(&id) {
        ids.push(id);
    }
}

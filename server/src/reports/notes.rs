//! 附件1's text rows (1, 6, 7, 8) from the stored `weekly_note` records ([`WeeklyNote`]).
//!
//! A county's 附件1 carries its own note of that week; the city's carries each county's text
//! under the county's name and then the city's own ([`combined_narrative`]). A note is found
//! by its derived id, so this reads at most 15 rows and needs no index.

use model::annex::{Scope, WeeklyNarrative};
use model::county::County;
use model::date::Date;
use model::office::{combined_narrative, office_scope, WeeklyNote};
use model::record::Record;
use model::sync::{may_see, Role};

use crate::db::Db;
use crate::error::AppError;
use crate::with_pool;

const SELECT_NOTE: &str =
    "SELECT body FROM records WHERE id = $1 AND kind = 'weekly_note' AND NOT deleted";

/// The stored text of one scope's note (`None`: the city's own), if `role` may see it. A body
/// the model cannot read counts as empty (`yinhuan-server check` lists it).
async fn stored(
    db: &Db,
    role: &Role,
    campaign_id: &str,
    county: Option<&str>,
    week: Date,
) -> Result<WeeklyNarrative, AppError> {
    if !may_see(role, &office_scope(county)) {
        return Ok(WeeklyNarrative::default());
    }
    let id = WeeklyNote::id_for(campaign_id, county, week).to_string();
    let body: Option<String> = with_pool!(db, pool =>
        sqlx::query_scalar(SELECT_NOTE).bind(&id).fetch_optional(pool).await)?;
    let Some(body) = body else {
        return Ok(WeeklyNarrative::default());
    };
    let parsed = serde_json::from_str(&body)
        .ok()
        .and_then(|v| model::accept::parse(WeeklyNote::KIND, &v).ok());
    Ok(match parsed {
        Some(model::accept::AnyRecord::WeeklyNote(n)) => n.text,
        _ => {
            tracing::warn!(%id, "annex1: a stored weekly note does not parse");
            WeeklyNarrative::default()
        }
    })
}

/// Each field of `newer` that is not blank replaces the stored one: the PWA sends its own text
/// with the download, which may be newer than what it has synced; a blank field there (nothing
/// typed on that device yet) never hides another clerk's synced text.
fn overlay(stored: WeeklyNarrative, newer: Option<&WeeklyNarrative>) -> WeeklyNarrative {
    let Some(n) = newer else { return stored };
    let pick = |s: String, n: &String| if n.trim().is_empty() { s } else { n.clone() };
    WeeklyNarrative {
        deployment: pick(stored.deployment, &n.deployment),
        publicity: pick(stored.publicity, &n.publicity),
        problems: pick(stored.problems, &n.problems),
        suggestions: pick(stored.suggestions, &n.suggestions),
    }
}

/// The text rows of 附件1 for `scope` and the week ending on `week`. `own` is the text the
/// request carried for the scope's own note (the county's, or the city's own), used only where
/// `role` may write that note.
pub async fn narrative_for(
    db: &Db,
    role: &Role,
    scope: Scope,
    campaign_id: &str,
    week: Date,
    own: Option<&WeeklyNarrative>,
) -> Result<WeeklyNarrative, AppError> {
    let own_county = match scope {
        Scope::City => None,
        Scope::County(c) => Some(c.code),
    };
    let may_write = model::office::write_refusal(role, WeeklyNote::KIND, own_county).is_none();
    let mine = stored(db, role, campaign_id, own_county, week).await?;
    let mine = overlay(mine, own.filter(|_| may_write));
    if scope != Scope::City {
        return Ok(mine);
    }
    let mut counties = Vec::new();
    for c in County::all() {
        let n = stored(db, role, campaign_id, Some(c.code), week).await?;
        if n != WeeklyNarrative::default() {
            counties.push((*c, n));
        }
    }
    Ok(combined_narrative(&mine, &counties))
}

//! 附件1/附件2/附件4 as .xlsx downloads, computed from the stored records (never retyped).
//!
//! The numbers and cell texts come from `model::annex` (the same code the PWA runs offline);
//! this module only loads the records the caller may see ([`load`]) and lays the annex out as
//! the seed's paper form, one file per annex, sharing [`styles`].

pub mod annex1;
pub mod annex2;
pub mod annex3;
pub mod annex4;
pub mod load;
pub mod notes;
pub mod styles;

use model::annex::Scope;
use model::campaign::{Campaign, CrossPair};
use model::county::County;
use model::date::Date;
use model::sync::{may_see_county, Role};

use crate::error::AppError;

/// MIME type of an .xlsx workbook.
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A finished workbook and the name it is saved under.
#[derive(Debug)]
pub struct Xlsx {
    /// Chinese file name, e.g. `附件2重大事故隐患台账_忻府区_2025-03-14.xlsx`.
    pub filename: String,
    /// ASCII stand-in for clients that ignore `filename*`, e.g. `annex2_140902_2025-03-14.xlsx`.
    pub ascii_filename: String,
    pub bytes: Vec<u8>,
}

impl Xlsx {
    /// `Content-Disposition` value: RFC 6266 `filename*` for the Chinese name (every current
    /// browser uses it), plus a plain ASCII `filename` for anything older.
    pub fn content_disposition(&self) -> String {
        format!(
            "attachment; filename=\"{}\"; filename*=UTF-8''{}",
            self.ascii_filename,
            percent_encode(&self.filename)
        )
    }
}

/// RFC 5987 `value-chars`: everything but `attr-char` percent-encoded as UTF-8 bytes.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            );
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Short key of a scope for file names: `city` or the county code.
pub fn scope_key(scope: Scope) -> &'static str {
    match scope {
        Scope::City => "city",
        Scope::County(c) => c.code,
    }
}

/// Reports are for the offices: an enterprise account gets a 403 whatever it asks for.
pub fn refuse_enterprise(role: &Role) -> Result<(), AppError> {
    match role {
        Role::Enterprise(_) => Err(AppError::Forbidden(
            "报表由县级、市级应急管理部门填报，企业账号不能下载。本企业的隐患及整改情况请在应用的“隐患”页查看。"
                .to_owned(),
        )),
        _ => Ok(()),
    }
}

/// A county from its GB/T 2260 code; an unknown code is a 400 saying what to send instead.
pub fn county_param(code: &str) -> Result<County, AppError> {
    County::by_code(code).ok_or_else(|| {
        AppError::BadRequest(format!(
            "县（市、区）代码“{code}”不是忻州市的 14 个县（市、区）之一，请用 county=140902 这样的 6 位代码，或不填（市级账号即为全市）。"
        ))
    })
}

/// The scope a report is computed for: 市级 may omit `county` (whole city) or pick any;
/// 县级 and 交叉检查组 always get their own county, and asking for another is a 403.
pub fn scope_for(role: &Role, county: Option<&str>) -> Result<Scope, AppError> {
    refuse_enterprise(role)?;
    let Some(code) = county.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(match role.county().and_then(County::by_code) {
            Some(own) => Scope::County(own),
            None => Scope::City,
        });
    };
    let county = county_param(code)?;
    if !may_see_county(role, county.code) {
        return Err(AppError::Forbidden(format!(
            "无权下载{}的报表：本账号只能下载自己管辖县（市、区）的报表，请去掉 county 参数或改为本县代码。",
            county.name
        )));
    }
    Ok(Scope::County(county))
}

/// The 交叉检查 pair of `pair=<检查方代码>-<受检方代码>` (附件3), e.g. `pair=140902-140981`.
/// The 受检县 fills 附件4, so the caller must be allowed to see that county.
pub fn pair_for(
    role: &Role,
    campaign: &Campaign,
    pair: Option<&str>,
) -> Result<CrossPair, AppError> {
    refuse_enterprise(role)?;
    let example = campaign
        .cross_pairs
        .first()
        .map_or("140902-140981".to_owned(), |p| {
            format!("{}-{}", p.inspector.code, p.inspected.code)
        });
    let hint =
        format!("请用 pair=检查方代码-受检方代码 指定附件3中的交叉检查结对，例如 pair={example}");
    let Some(text) = pair.map(str::trim).filter(|p| !p.is_empty()) else {
        return Err(AppError::BadRequest(format!("缺少交叉检查结对：{hint}。")));
    };
    let found = text.split_once('-').and_then(|(a, b)| {
        let (a, b) = (County::by_code(a.trim())?, County::by_code(b.trim())?);
        campaign
            .cross_pairs
            .iter()
            .copied()
            .find(|p| p.inspector == a && p.inspected == b)
    });
    let Some(pair) = found else {
        return Err(AppError::BadRequest(format!(
            "“{text}”不是附件3中的交叉检查结对：{hint}。"
        )));
    };
    if !may_see_county(role, pair.inspected.code) {
        return Err(AppError::Forbidden(format!(
            "无权下载受检县为{}的附件4：该表由受检县填报，本账号只能下载自己管辖县（市、区）的报表。",
            pair.inspected.name
        )));
    }
    Ok(pair)
}

/// `date=YYYY-MM-DD`, required; `hint` says which day to pick (e.g. the report day 周五).
pub fn date_param(date: Option<&str>, hint: &str) -> Result<Date, AppError> {
    let Some(text) = date.map(str::trim).filter(|d| !d.is_empty()) else {
        return Err(AppError::BadRequest(format!("缺少报表日期：{hint}。")));
    };
    Date::parse(text)
        .map_err(|e| AppError::BadRequest(format!("报表日期“{text}”有误（{e}）：{hint}。")))
}

/// The campaign a report date belongs to: the bundled one whose report weeks cover the date
/// (the last week may end after the campaign's last day), else the latest as of that date, so
/// a date outside every campaign still gets the model's "not in the campaign" message.
pub fn campaign_for(date: Date) -> Campaign {
    let campaigns = Campaign::bundled();
    let covering = campaigns
        .iter()
        .filter(|c| c.week_of(c.start).start <= date && date <= c.week_of(c.end).end)
        .max_by_key(|c| c.start);
    covering
        .or_else(|| Campaign::latest(&campaigns, date))
        .cloned()
        // Compiled-in data with one campaign at least, covered by the model's tests.
        .expect("a bundled campaign")
}

/// An xlsx writer failure is a server defect (bad row/column), never the user's doing.
pub fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(format!("writing xlsx: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_percent_encoded_as_utf8() {
        assert_eq!(
            percent_encode("附件2_2025-03-14.xlsx"),
            "%E9%99%84%E4%BB%B62_2025-03-14.xlsx"
        );
        assert_eq!(percent_encode("a b\"c"), "a%20b%22c");
    }

    #[test]
    fn a_county_account_gets_its_own_county_and_nothing_else() {
        let role = Role::County("140902".into());
        assert_eq!(
            scope_for(&role, None).unwrap(),
            Scope::County(County::by_code("140902").unwrap())
        );
        assert!(matches!(
            scope_for(&role, Some("140921")),
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            scope_for(&Role::City, Some("999999")),
            Err(AppError::BadRequest(_))
        ));
        assert_eq!(scope_for(&Role::City, Some(" ")).unwrap(), Scope::City);
    }

    #[test]
    fn the_campaign_covers_its_last_report_week() {
        let c = campaign_for(Date::parse("2025-04-04").unwrap());
        assert_eq!(c.id, "xinzhou-2024-216");
    }
}

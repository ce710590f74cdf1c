//! 账号管理权限: who may manage which account, and what they may grant. The server enforces it
//! on every `/api/admin` call; the PWA asks the same functions to hide the buttons it would refuse.
//!
//! - Only administrators (`is_admin`) manage accounts.
//! - A 市级 administrator manages every account and grants any role, scope and the admin flag; it
//!   alone creates 交叉检查组 accounts with their 检查期.
//! - A 县级 administrator of county c manages the non-admin 县级 accounts of c and the enterprise
//!   accounts whose enterprise lies in c. The enterprise's county comes from the server's stored
//!   enterprise record ([`Account::enterprise_county`]), never from the request.
//! - Nobody locks themselves out: no self-disable, no removing one's own admin flag, and the last
//!   enabled 市级 administrator stays.

pub mod api;

use crate::assignment::{Assignment, AssignmentError};
use crate::county::County;
use crate::date::Date;
use crate::sync::{Role, RoleKind};

/// An account as the rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub username: String,
    pub role: Role,
    /// Enterprise accounts: the county of the stored enterprise record (`None` when the record
    /// is missing or deleted: then only a 市级 administrator may manage the account).
    pub enterprise_county: Option<String>,
    pub is_admin: bool,
    pub disabled: bool,
}

/// What an account is about to become: its role and scope and the admin flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    /// Enterprise role: the stored enterprise's county, as in [`Account::enterprise_county`].
    pub enterprise_county: Option<String>,
    pub is_admin: bool,
}

impl Account {
    /// The role, scope and flag this account holds now.
    pub fn grant(&self) -> Grant {
        Grant {
            role: self.role.clone(),
            enterprise_county: self.enterprise_county.clone(),
            is_admin: self.is_admin,
        }
    }

    fn is_enabled_city_admin(&self) -> bool {
        self.is_admin && !self.disabled && self.role == Role::City
    }
}

/// Why an administrator may not do this; each message says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    #[error("只有管理员可以管理账号。")]
    NotAdmin,
    #[error("县级管理员只能管理本县的检查员和本县企业的账号。")]
    OutOfScope,
    #[error("只有市级管理员可以创建市级账号或把账号改为市级，请联系市应急管理局。")]
    CityRoleByCity,
    #[error("交叉检查组账号及其检查期由市级管理员创建和修改，请联系市应急管理局。")]
    CrossByCity,
    #[error("县级管理员只能为本县（{0}）创建或修改账号，不能指定其他县（市、区）。")]
    OtherCounty(String),
    #[error("只有市级管理员可以授予或取消管理员权限。")]
    AdminFlagByCity,
    #[error("不能停用自己的账号：如确需停用，请由另一位管理员操作。")]
    SelfDisable,
    #[error("不能取消自己的管理员权限或改变自己的角色，以免无人可以管理账号；请由另一位市级管理员操作。")]
    SelfDemote,
    #[error("这是最后一个可用的市级管理员账号，不能停用或取消其管理员权限；请先把另一个市级账号设为管理员。")]
    LastCityAdmin,
    #[error("只有市级管理员可以查看审计日志。")]
    AuditByCity,
}

impl AdminError {
    /// A stable English token for the client to branch on (`{code, message}`).
    pub fn code(&self) -> &'static str {
        match self {
            AdminError::NotAdmin | AdminError::AuditByCity => "forbidden",
            AdminError::OutOfScope | AdminError::OtherCounty(_) => "out_of_scope",
            AdminError::CityRoleByCity | AdminError::CrossByCity => "role_not_grantable",
            AdminError::AdminFlagByCity => "admin_flag_not_grantable",
            AdminError::SelfDisable | AdminError::SelfDemote => "self_lockout",
            AdminError::LastCityAdmin => "last_city_admin",
        }
    }
}

/// The county of a 县级 administrator, `Ok(None)` for a 市级 one, `Err` for anyone else.
fn admin_county(actor: &Account) -> Result<Option<&str>, AdminError> {
    if !actor.is_admin || actor.disabled {
        return Err(AdminError::NotAdmin);
    }
    match &actor.role {
        Role::City => Ok(None),
        Role::County(c) => Ok(Some(c)),
        _ => Err(AdminError::NotAdmin),
    }
}

/// Whether `actor` is an administrator at all (the gate of every `/api/admin` call).
pub fn check_admin(actor: &Account) -> Result<(), AdminError> {
    admin_county(actor).map(|_| ())
}

/// Whether `actor` may see the audit log: 市级 administrators only.
pub fn check_audit(actor: &Account) -> Result<(), AdminError> {
    match admin_county(actor)? {
        None => Ok(()),
        Some(_) => Err(AdminError::AuditByCity),
    }
}

/// Whether `target` lies within what a 县级 administrator of `county` manages.
fn county_manages(county: &str, role: &Role, enterprise_county: Option<&str>, admin: bool) -> bool {
    match role {
        Role::County(c) => c == county && !admin,
        Role::Enterprise(_) => enterprise_county == Some(county) && !admin,
        Role::City | Role::CrossTeam { .. } => false,
    }
}

/// Whether `actor` may manage `target` as it is now (edit, disable, enable, reset its password,
/// sign out its devices).
pub fn check_manage(actor: &Account, target: &Account) -> Result<(), AdminError> {
    match admin_county(actor)? {
        None => Ok(()),
        Some(county) => {
            let ent = target.enterprise_county.as_deref();
            if county_manages(county, &target.role, ent, target.is_admin) {
                Ok(())
            } else {
                Err(AdminError::OutOfScope)
            }
        }
    }
}

/// Whether `actor` may give an account `grant` (a new account, or the new state of an edit).
pub fn check_grant(actor: &Account, grant: &Grant) -> Result<(), AdminError> {
    let Some(county) = admin_county(actor)? else {
        return Ok(());
    };
    if grant.is_admin {
        return Err(AdminError::AdminFlagByCity);
    }
    let county_name = || {
        County::by_code(county)
            .map(|c| c.name.to_owned())
            .unwrap_or_else(|| county.to_owned())
    };
    match &grant.role {
        Role::City => Err(AdminError::CityRoleByCity),
        Role::CrossTeam { .. } => Err(AdminError::CrossByCity),
        Role::County(c) if c != county => Err(AdminError::OtherCounty(county_name())),
        Role::Enterprise(_) if grant.enterprise_county.as_deref() != Some(county) => {
            Err(AdminError::OtherCounty(county_name()))
        }
        Role::County(_) | Role::Enterprise(_) => Ok(()),
    }
}

/// Whether `actor` may change `target` into `grant`. `enabled_city_admins` counts the enabled
/// 市级 administrators now (the target included, if it is one).
pub fn check_update(
    actor: &Account,
    target: &Account,
    grant: &Grant,
    enabled_city_admins: usize,
) -> Result<(), AdminError> {
    check_manage(actor, target)?;
    check_grant(actor, grant)?;
    let demoted = !grant.is_admin || grant.role != target.role;
    if actor.username == target.username && demoted {
        return Err(AdminError::SelfDemote);
    }
    let still_city_admin = grant.is_admin && grant.role == Role::City;
    check_keeps_city_admin(target, still_city_admin, enabled_city_admins)
}

/// Whether `actor` may disable `target`.
pub fn check_disable(
    actor: &Account,
    target: &Account,
    enabled_city_admins: usize,
) -> Result<(), AdminError> {
    check_manage(actor, target)?;
    if actor.username == target.username {
        return Err(AdminError::SelfDisable);
    }
    check_keeps_city_admin(target, false, enabled_city_admins)
}

/// The last enabled 市级 administrator must stay one (also for the console, which has no actor).
/// `stays` is whether `target` is still an enabled 市级 administrator afterwards.
pub fn check_keeps_city_admin(
    target: &Account,
    stays: bool,
    enabled_city_admins: usize,
) -> Result<(), AdminError> {
    if target.is_enabled_city_admin() && !stays && enabled_city_admins <= 1 {
        return Err(AdminError::LastCityAdmin);
    }
    Ok(())
}

/// Why an account's 检查期 does not fit its role; the message names the API fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error(
        "交叉检查组账号须填写检查期（active_from 与 active_until，如 2025-03-03 与 2025-03-31）。"
    )]
    Missing,
    #[error("只有交叉检查组账号有检查期，请清空 active_from 与 active_until。")]
    NotCross,
    #[error(
        "检查期的开始日期（{from}）晚于结束日期（{until}），请核对 active_from 与 active_until。"
    )]
    Reversed { from: Date, until: Date },
}

/// The 检查期 an account of `kind` holds: required for 交叉检查组, refused for every other role.
pub fn period_for(
    kind: RoleKind,
    from: Option<Date>,
    until: Option<Date>,
) -> Result<Option<Assignment>, PeriodError> {
    match (kind, from, until) {
        (RoleKind::Cross, Some(from), Some(until)) => {
            Assignment::new(from, until).map(Some).map_err(|e| match e {
                AssignmentError::Reversed { from, until } => PeriodError::Reversed { from, until },
                _ => PeriodError::Missing,
            })
        }
        (RoleKind::Cross, _, _) => Err(PeriodError::Missing),
        (_, None, None) => Ok(None),
        _ => Err(PeriodError::NotCross),
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    const XINFU: &str = "140902";
    const DINGXIANG: &str = "140921";

    fn account(name: &str, role: Role, admin: bool) -> Account {
        Account {
            username: name.to_owned(),
            role,
            enterprise_county: None,
            is_admin: admin,
            disabled: false,
        }
    }

    fn city_admin() -> Account {
        account("shi", Role::City, true)
    }

    fn county_admin() -> Account {
        account("xinfu_admin", Role::County(XINFU.into()), true)
    }

    fn inspector(county: &str) -> Account {
        account("jianchayuan", Role::County(county.into()), false)
    }

    fn firm(county: Option<&str>) -> Account {
        Account {
            enterprise_county: county.map(str::to_owned),
            ..account("qiye", Role::Enterprise(Uuid::nil()), false)
        }
    }

    fn cross() -> Account {
        account(
            "jc",
            Role::CrossTeam {
                inspected: XINFU.into(),
            },
            false,
        )
    }

    fn grant(role: Role, county: Option<&str>, admin: bool) -> Grant {
        Grant {
            role,
            enterprise_county: county.map(str::to_owned),
            is_admin: admin,
        }
    }

    #[test]
    fn only_enabled_admins_manage() {
        let target = inspector(XINFU);
        for actor in [
            account("li", Role::County(XINFU.into()), false),
            account("shi2", Role::City, false),
            Account {
                disabled: true,
                ..city_admin()
            },
            // An admin flag on a role that cannot manage does not make it an administrator.
            account("jc", cross().role, true),
            account("qiye", Role::Enterprise(Uuid::nil()), true),
        ] {
            assert_eq!(check_admin(&actor), Err(AdminError::NotAdmin));
            assert_eq!(check_manage(&actor, &target), Err(AdminError::NotAdmin));
            let g = grant(Role::County(XINFU.into()), None, false);
            assert_eq!(check_grant(&actor, &g), Err(AdminError::NotAdmin));
        }
        assert_eq!(AdminError::NotAdmin.code(), "forbidden");
        assert_eq!(AdminError::NotAdmin.to_string(), "只有管理员可以管理账号。");
    }

    #[test]
    fn a_city_admin_manages_and_grants_everything() {
        let actor = city_admin();
        for target in [
            inspector(XINFU),
            inspector(DINGXIANG),
            firm(Some(DINGXIANG)),
            firm(None),
            cross(),
            county_admin(),
            account("shi2", Role::City, true),
        ] {
            assert_eq!(check_manage(&actor, &target), Ok(()), "{target:?}");
            assert_eq!(check_disable(&actor, &target, 2), Ok(()));
        }
        for g in [
            grant(Role::City, None, true),
            grant(cross().role, None, false),
            grant(Role::County(DINGXIANG.into()), None, true),
            grant(Role::Enterprise(Uuid::nil()), Some(DINGXIANG), false),
        ] {
            assert_eq!(check_grant(&actor, &g), Ok(()), "{g:?}");
        }
        assert_eq!(check_audit(&actor), Ok(()));
    }

    #[test]
    fn a_county_admin_manages_its_inspectors_and_its_enterprises_accounts() {
        let actor = county_admin();
        assert_eq!(check_manage(&actor, &inspector(XINFU)), Ok(()));
        assert_eq!(check_manage(&actor, &firm(Some(XINFU))), Ok(()));
        let g = grant(Role::County(XINFU.into()), None, false);
        assert_eq!(check_grant(&actor, &g), Ok(()));
        let g = grant(Role::Enterprise(Uuid::nil()), Some(XINFU), false);
        assert_eq!(check_grant(&actor, &g), Ok(()));
        // Turning its inspector into an enterprise account of its county stays within scope.
        assert_eq!(check_update(&actor, &inspector(XINFU), &g, 1), Ok(()));
        assert_eq!(check_disable(&actor, &firm(Some(XINFU)), 1), Ok(()));
    }

    #[test]
    fn a_county_admin_is_refused_everything_outside_its_county() {
        let actor = county_admin();
        let out = Err(AdminError::OutOfScope);
        assert_eq!(check_manage(&actor, &inspector(DINGXIANG)), out);
        assert_eq!(check_manage(&actor, &firm(Some(DINGXIANG))), out);
        // An enterprise account whose enterprise record is missing: the city decides.
        assert_eq!(check_manage(&actor, &firm(None)), out);
        assert_eq!(check_manage(&actor, &cross()), out);
        assert_eq!(check_manage(&actor, &city_admin()), out);
        assert_eq!(
            check_manage(&actor, &account("shi2", Role::City, false)),
            out
        );
        // Another admin of its own county, and itself: only the city manages admins.
        let peer = account("xinfu_admin2", Role::County(XINFU.into()), true);
        assert_eq!(check_manage(&actor, &peer), out);
        assert_eq!(check_manage(&actor, &actor), out);
        assert_eq!(
            AdminError::OutOfScope.to_string(),
            "县级管理员只能管理本县的检查员和本县企业的账号。"
        );
    }

    #[test]
    fn a_county_admin_may_not_grant_city_cross_another_county_or_admin() {
        let actor = county_admin();
        let refuse = |g: Grant| check_grant(&actor, &g).unwrap_err();
        assert_eq!(
            refuse(grant(Role::City, None, false)),
            AdminError::CityRoleByCity
        );
        assert_eq!(
            refuse(grant(cross().role, None, false)),
            AdminError::CrossByCity
        );
        let other = refuse(grant(Role::County(DINGXIANG.into()), None, false));
        assert_eq!(other, AdminError::OtherCounty("忻府区".into()));
        assert!(other.to_string().contains("忻府区"), "{other}");
        let firm_other = refuse(grant(Role::Enterprise(Uuid::nil()), Some(DINGXIANG), false));
        assert_eq!(firm_other.code(), "out_of_scope");
        let firm_unknown = refuse(grant(Role::Enterprise(Uuid::nil()), None, false));
        assert!(matches!(firm_unknown, AdminError::OtherCounty(_)));
        let admin = refuse(grant(Role::County(XINFU.into()), None, true));
        assert_eq!(admin, AdminError::AdminFlagByCity);
        // Editing its own inspector into another county's is checked on the new scope too.
        let g = grant(Role::County(DINGXIANG.into()), None, false);
        assert!(check_update(&actor, &inspector(XINFU), &g, 1).is_err());
        assert_eq!(check_audit(&actor), Err(AdminError::AuditByCity));
    }

    #[test]
    fn nobody_locks_themselves_out() {
        let me = city_admin();
        assert_eq!(check_disable(&me, &me, 5), Err(AdminError::SelfDisable));
        let demote = grant(Role::City, None, false);
        assert_eq!(
            check_update(&me, &me, &demote, 5),
            Err(AdminError::SelfDemote)
        );
        let to_county = grant(Role::County(XINFU.into()), None, true);
        assert_eq!(
            check_update(&me, &me, &to_county, 5),
            Err(AdminError::SelfDemote)
        );
        // Renaming oneself keeps everything: allowed.
        assert_eq!(check_update(&me, &me, &me.grant(), 1), Ok(()));
        assert_eq!(AdminError::SelfDisable.code(), "self_lockout");
    }

    #[test]
    fn the_last_enabled_city_admin_stays() {
        let actor = city_admin();
        let last = account("shi2", Role::City, true);
        assert_eq!(
            check_disable(&actor, &last, 1),
            Err(AdminError::LastCityAdmin)
        );
        let demote = grant(Role::City, None, false);
        assert_eq!(
            check_update(&actor, &last, &demote, 1),
            Err(AdminError::LastCityAdmin)
        );
        assert_eq!(check_update(&actor, &last, &demote, 2), Ok(()));
        assert_eq!(
            check_keeps_city_admin(&last, false, 1),
            Err(AdminError::LastCityAdmin)
        );
        assert_eq!(check_keeps_city_admin(&last, true, 1), Ok(()));
        // A disabled or non-city admin is not "the last city admin".
        let disabled = Account {
            disabled: true,
            ..last.clone()
        };
        assert_eq!(check_keeps_city_admin(&disabled, false, 0), Ok(()));
        assert_eq!(check_keeps_city_admin(&county_admin(), false, 1), Ok(()));
    }

    #[test]
    fn a_period_belongs_to_cross_accounts_only() {
        let d = |s| Date::parse(s).unwrap();
        let (from, until) = (d("2025-03-03"), d("2025-03-31"));
        let p = period_for(RoleKind::Cross, Some(from), Some(until)).unwrap();
        assert_eq!(p, Some(Assignment { from, until }));
        assert_eq!(
            period_for(RoleKind::Cross, Some(from), None),
            Err(PeriodError::Missing)
        );
        assert!(matches!(
            period_for(RoleKind::Cross, Some(until), Some(from)),
            Err(PeriodError::Reversed { .. })
        ));
        assert_eq!(
            period_for(RoleKind::County, Some(from), None),
            Err(PeriodError::NotCross)
        );
        assert_eq!(period_for(RoleKind::City, None, None), Ok(None));
    }
}

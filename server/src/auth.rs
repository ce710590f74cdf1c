//! Accounts, passwords, bearer tokens and the login rate limit.
//!
//! - Passwords: argon2id PHC strings (argon2 0.6 defaults: m = 19 MiB, t = 2, p = 1), hashed
//!   and verified on the blocking pool so a login never stalls other requests.
//! - Tokens: 32 random bytes from the OS, sent as 64 hex digits; only their SHA-256 is stored.
//!   Valid for [`TOKEN_TTL_MS`], revoked by logout.
//! - Login failures per (username, client IP) are counted in the database, shared by every
//!   server on it: [`LoginLimiter`].

use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use model::assignment::Assignment;
use model::date::Date;
use model::sync::{Role, RoleError, RoleKind, UserInfo};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::Db;
use crate::error::AppError;
use crate::{with_pool, AppState};

/// How long a token stays valid: 30 days, so an inspector offline for weeks can still sync.
pub const TOKEN_TTL_MS: i64 = 30 * 24 * 3600 * 1000;
/// Failed logins allowed per (username, IP) within [`LOGIN_WINDOW`] before 429.
pub const LOGIN_MAX_FAILURES: usize = 5;
pub const LOGIN_WINDOW: Duration = Duration::from_secs(5 * 60);

/// Milliseconds since the Unix epoch (server clock).
pub fn now_ms() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// An argon2id PHC string for `password`, with a fresh random salt. CPU-heavy: call from
/// `spawn_blocking` in async code.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let hash: PasswordHash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| AppError::Internal(format!("argon2 hash: {e}")))?;
    Ok(hash.to_string())
}

/// `true` when `password` matches the stored PHC string. CPU-heavy, like [`hash_password`].
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(hash) => Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok(),
        Err(e) => {
            tracing::error!(error = %e, "stored password hash does not parse");
            false
        }
    }
}

/// A hash to verify against when the username does not exist, so an unknown name costs as
/// much time as a wrong password and does not reveal which accounts exist.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("不存在的账号").unwrap_or_default())
}

/// A new random bearer token (64 hex digits).
pub fn new_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("getrandom: {e}")))?;
    Ok(hex::encode(bytes))
}

/// What `user add` asks for.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// 检查期 of a 交叉检查组 account; `None` for the other roles.
    pub assignment: Option<Assignment>,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("账号“{0}”已存在。")]
    Exists(String),
    #[error("账号名须为 2 到 32 个字母、数字、下划线、点或短横线（例如 xinfu_zhang）。")]
    BadUsername,
    #[error("密码至少 8 个字符。")]
    ShortPassword,
    #[error("{0}")]
    Role(#[from] RoleError),
    #[error("数据库操作失败：{0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    Hash(String),
}

/// The username rule lives in the model, shared with the 管理 screens.
pub fn valid_username(name: &str) -> bool {
    model::admin::api::valid_username(name)
}

/// Creates an account; refuses an existing username (it never overwrites a password).
pub async fn create_user(db: &Db, user: &NewUser, password: &str) -> Result<(), UserError> {
    create_user_with(db, user, password, AccountFlags::default()).await
}

/// What an account is created with besides its role: the admin flag, and whether its first
/// password is a one-time password an administrator handed out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountFlags {
    pub is_admin: bool,
    pub must_change_password: bool,
}

/// [`create_user`] with the flags.
pub async fn create_user_with(
    db: &Db,
    user: &NewUser,
    password: &str,
    flags: AccountFlags,
) -> Result<(), UserError> {
    if !valid_username(&user.username) {
        return Err(UserError::BadUsername);
    }
    if password.chars().count() < 8 {
        return Err(UserError::ShortPassword);
    }
    let password = password.to_owned();
    let phc = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| UserError::Hash(e.to_string()))?
        .map_err(|e| UserError::Hash(e.to_string()))?;
    let sql = "INSERT INTO users (username, display_name, password_hash, role, county, \
               enterprise_id, created_at, active_from, active_until, is_admin, \
               must_change_password) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
               ON CONFLICT (username) DO NOTHING";
    let display_name = if user.display_name.trim().is_empty() {
        user.username.clone()
    } else {
        user.display_name.trim().to_owned()
    };
    let done = with_pool!(db, pool => sqlx::query(sql)
        .bind(&user.username)
        .bind(&display_name)
        .bind(&phc)
        .bind(user.role.kind().key())
        .bind(user.role.county())
        .bind(user.role.enterprise_id().map(|id| id.to_string()))
        .bind(now_ms())
        .bind(user.assignment.map(|a| a.from.to_string()))
        .bind(user.assignment.map(|a| a.until.to_string()))
        .bind(flags.is_admin)
        .bind(flags.must_change_password)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    if done == 0 {
        return Err(UserError::Exists(user.username.clone()));
    }
    Ok(())
}

pub async fn count_users(db: &Db) -> Result<i64, sqlx::Error> {
    with_pool!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await)
}

/// A stored account row.
#[derive(Debug, Clone)]
pub struct Account {
    pub info: UserInfo,
    pub role: Role,
    pub assignment: Option<Assignment>,
    /// Disabled by an administrator: refused at login and on every request.
    pub disabled: bool,
}

/// The answer to a disabled account, at login (after the password) and on every request.
pub fn account_disabled() -> AppError {
    AppError::refused("account_disabled", "账号已停用，请联系本单位管理员。")
}

/// The answer to a token an administrator revoked ("退出该设备").
pub fn device_revoked() -> AppError {
    AppError::Refused {
        status: axum::http::StatusCode::UNAUTHORIZED,
        code: "device_revoked",
        message: "管理员已让本设备退出登录。本机数据仍在，请重新登录后同步。".to_owned(),
    }
}

/// The answer to every API but /me, /logout and /account/password while the account still
/// has an administrator's one-time password.
pub fn must_change_password() -> AppError {
    AppError::refused(
        "must_change_password",
        "这是管理员设置的临时密码，请先修改密码。",
    )
}

impl Account {
    /// A 交叉检查组 account outside its 检查期 is refused (403) on login and on every request.
    pub fn check_assignment(&self) -> Result<(), AppError> {
        match self.assignment {
            Some(a) => a
                .check(Date::from_unix_ms_beijing(now_ms()))
                .map_err(|e| AppError::Forbidden(e.to_string())),
            None => Ok(()),
        }
    }
}

/// The `users` columns [`UserRow`] reads, as a literal for `concat!` (so the SQL stays a
/// `&'static str`): `concat!("SELECT ", user_columns!(), " FROM users …")`, or with a table
/// alias in a join: `user_columns!(u)`.
#[macro_export]
macro_rules! user_columns {
    () => {
        "username, display_name, role, county, enterprise_id, active_from, active_until, \
         is_admin, disabled, must_change_password"
    };
    ($t:ident) => {
        concat!(
            stringify!($t),
            ".username, ",
            stringify!($t),
            ".display_name, ",
            stringify!($t),
            ".role, ",
            stringify!($t),
            ".county, ",
            stringify!($t),
            ".enterprise_id, ",
            stringify!($t),
            ".active_from, ",
            stringify!($t),
            ".active_until, ",
            stringify!($t),
            ".is_admin, ",
            stringify!($t),
            ".disabled, ",
            stringify!($t),
            ".must_change_password"
        )
    };
}

/// One `users` row as [`account_from_row`] reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub county: Option<String>,
    pub enterprise_id: Option<String>,
    pub active_from: Option<String>,
    pub active_until: Option<String>,
    pub is_admin: bool,
    pub disabled: bool,
    pub must_change_password: bool,
}

pub fn account_from_row(row: UserRow) -> Result<Account, AppError> {
    let UserRow {
        username,
        display_name,
        role,
        county,
        enterprise_id,
        active_from: from,
        active_until: until,
        is_admin,
        disabled,
        must_change_password,
    } = row;
    let day = |d: Option<String>| d.and_then(|d| Date::parse(&d).ok());
    let assignment = match (day(from), day(until)) {
        (Some(from), Some(until)) => Some(Assignment { from, until }),
        _ => None,
    };
    let kind = RoleKind::from_key(&role)
        .ok_or_else(|| AppError::Internal(format!("user {username}: unknown role {role}")))?;
    let enterprise_id = enterprise_id.and_then(|e| Uuid::parse_str(&e).ok());
    let role = Role::from_parts(kind, county.as_deref(), enterprise_id)
        .map_err(|e| AppError::Internal(format!("user {username}: {e}")))?;
    Ok(Account {
        info: UserInfo {
            username,
            display_name,
            role: kind,
            county,
            enterprise_id,
            is_admin,
            must_change_password,
        },
        role,
        assignment,
        disabled,
    })
}

/// The account and its password hash, if the username exists.
pub async fn find_user(db: &Db, username: &str) -> Result<Option<(Account, String)>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: UserRow,
        password_hash: String,
    }
    let sql = concat!(
        "SELECT ",
        user_columns!(),
        ", password_hash FROM users WHERE username = $1"
    );
    let row: Option<Row> = with_pool!(db, pool =>
        sqlx::query_as(sql).bind(username).fetch_optional(pool).await)?;
    match row {
        None => Ok(None),
        Some(row) => Ok(Some((account_from_row(row.user)?, row.password_hash))),
    }
}

/// Checks a password against the account, in constant-ish time whether or not it exists.
pub async fn check_password(
    db: &Db,
    username: &str,
    password: &str,
) -> Result<Option<Account>, AppError> {
    let found = find_user(db, username).await?;
    let phc = match &found {
        Some((_, hash)) => hash.clone(),
        None => dummy_hash().to_owned(),
    };
    let password = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .map_err(|e| AppError::Internal(format!("verify task: {e}")))?;
    Ok(match found {
        Some((account, _)) if ok => Some(account),
        _ => None,
    })
}

/// Stores a new token for `username` and returns it with its expiry.
pub async fn issue_token(
    db: &Db,
    username: &str,
    device_id: &str,
) -> Result<(String, i64), AppError> {
    let token = new_token()?;
    let now = now_ms();
    let expires_at = now + TOKEN_TTL_MS;
    let sql =
        "INSERT INTO tokens (token_hash, username, device_id, created_at, expires_at, revoked) \
               VALUES ($1, $2, $3, $4, $5, FALSE)";
    with_pool!(db, pool => sqlx::query(sql)
        .bind(sha256_hex(token.as_bytes()))
        .bind(username)
        .bind(device_id)
        .bind(now)
        .bind(expires_at)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok((token, expires_at))
}

/// Revokes one token (logout).
pub async fn revoke_token(db: &Db, token_hash: &str) -> Result<(), AppError> {
    let sql = "UPDATE tokens SET revoked = TRUE, revoke_reason = 'logout' WHERE token_hash = $1";
    with_pool!(db, pool => sqlx::query(sql).bind(token_hash).execute(pool).await.map(|_| ()))?;
    Ok(())
}

/// One line of the audit log: at, username, device_id, action, detail (JSON text).
pub(crate) const AUDIT: &str = "INSERT INTO audit_log (at, username, device_id, action, detail) \
                                VALUES ($1, $2, $3, $4, $5)";

/// One append-only audit row outside a sync transaction (login, logout; photo uploads go
/// through `photos::upload_log`, several in one commit).
pub async fn audit(
    db: &Db,
    username: &str,
    device_id: &str,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    with_pool!(db, pool => sqlx::query(AUDIT)
        .bind(now_ms())
        .bind(username)
        .bind(device_id)
        .bind(action)
        .bind(detail.to_string())
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The signed-in user of a request: `Authorization: Bearer <token>` with a known, unexpired,
/// unrevoked token of an enabled account. Missing or bad tokens are a 401 the client answers by
/// asking to sign in. An account still on an administrator's one-time password is refused
/// (403 `must_change_password`); the few endpoints it may use take [`SignedIn`] instead.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub info: UserInfo,
    pub role: Role,
    /// The device the token was issued to.
    pub device_id: String,
    pub token_hash: String,
}

/// Like [`AuthUser`] but also for an account that must still change its one-time password:
/// for `GET /api/me`, `POST /api/logout` and `POST /api/account/password`.
#[derive(Debug, Clone)]
pub struct SignedIn(pub AuthUser);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = authenticate(parts, state).await?;
        if user.info.must_change_password {
            return Err(must_change_password());
        }
        Ok(user)
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        authenticate(parts, state).await.map(SignedIn)
    }
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<AuthUser, AppError> {
    let unauthorized = || AppError::Unauthorized("请先登录。".to_owned());
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(unauthorized)?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(unauthorized)?;
    let token_hash = sha256_hex(token.as_bytes());
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: UserRow,
        device_id: String,
        expires_at: i64,
        revoked: bool,
        revoke_reason: Option<String>,
    }
    let sql = concat!(
        "SELECT ",
        user_columns!(u),
        ", t.device_id, t.expires_at, t.revoked, t.revoke_reason \
         FROM tokens t JOIN users u ON u.username = t.username WHERE t.token_hash = $1"
    );
    let row: Option<Row> = with_pool!(&state.db, pool =>
        sqlx::query_as(sql).bind(&token_hash).fetch_optional(pool).await)?;
    let Some(row) = row else {
        return Err(AppError::Unauthorized(
            "登录信息无效，请重新登录。".to_owned(),
        ));
    };
    // Before the token checks: disabling revokes every token, and the owner should learn why.
    if row.user.disabled {
        return Err(account_disabled());
    }
    if row.revoked {
        if row.revoke_reason.as_deref() == Some("admin") {
            return Err(device_revoked());
        }
        return Err(AppError::Unauthorized(
            "已退出登录，请重新登录。".to_owned(),
        ));
    }
    if row.expires_at <= now_ms() {
        return Err(AppError::Unauthorized(
            "登录已过期，请重新登录；本机数据不受影响。".to_owned(),
        ));
    }
    let account = account_from_row(row.user)?;
    account.check_assignment()?;
    Ok(AuthUser {
        info: account.info,
        role: account.role,
        device_id: row.device_id,
        token_hash,
    })
}

/// The client's IP when the server runs with connect info (the binary does; `oneshot` tests
/// do not and share one bucket). Behind the configured reverse proxy ([`TrustedProxy`]) and only
/// for connections from it, the address the proxy appended to `X-Forwarded-For`; any other
/// peer's `X-Forwarded-For` is ignored, so a client cannot pick its own limiter bucket.
pub fn client_ip(parts: &Parts) -> Option<IpAddr> {
    let peer = peer_ip(&parts.extensions)?;
    if from_trusted_proxy(&parts.extensions) {
        return Some(forwarded_for(&parts.headers).unwrap_or(peer));
    }
    Some(peer)
}

/// The client's address when the server was started with connect info ([`client_ip`]).
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}

/// `--behind-proxy`: the proxy's address, put into every request's extensions by `app`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedProxy(pub IpAddr);

fn peer_ip(extensions: &axum::http::Extensions) -> Option<IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip().to_canonical())
}

/// Whether this connection comes from the configured reverse proxy.
pub fn from_trusted_proxy(extensions: &axum::http::Extensions) -> bool {
    match (peer_ip(extensions), extensions.get::<TrustedProxy>()) {
        (Some(peer), Some(TrustedProxy(proxy))) => peer == *proxy,
        _ => false,
    }
}

/// The last address in the last `X-Forwarded-For` header: the one the proxy itself added
/// (nginx's `$proxy_add_x_forwarded_for`, Caddy); earlier entries come from the client.
fn forwarded_for(headers: &axum::http::HeaderMap) -> Option<IpAddr> {
    let last = headers.get_all("x-forwarded-for").iter().next_back()?;
    let entry = last.to_str().ok()?.rsplit(',').next()?.trim();
    let ip = entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()?;
    Some(ip.to_canonical())
}

/// At most this many stale `login_failures` rows are pruned per counted attempt: bounded work
/// per request, yet faster than one attempt adds, so stale rows cannot pile up.
const PRUNE_BATCH: i64 = 64;

/// Failed logins per (lower-cased username, client IP) in a sliding window of
/// [`LOGIN_WINDOW`], kept in the database (`login_failures`, migration 0006) so that every
/// server on one database counts the same failures: N servers behind a load balancer allow
/// [`LOGIN_MAX_FAILURES`] per key in all, not each. A restart forgets nothing.
///
/// # Exact under concurrency
/// An attempt is counted *before* its password is checked ([`LoginLimiter::attempt`]): one
/// transaction looks at the key's window and, if there is room, inserts the attempt's row; a
/// right password then deletes the key's rows ([`LoginLimiter::succeed`]), a wrong one leaves
/// its row as the failure. Counting after the (slow, argon2) check instead would let several
/// concurrent wrong guesses all pass a check that none of them is counted in yet, on one server
/// or across several. Two attempts on one key are serialised, so the second sees the first's row:
/// - PostgreSQL: `pg_advisory_xact_lock` on a 64-bit hash of the key, the transaction's first
///   statement, held to commit (READ COMMITTED alone would let two transactions both count
///   four and both insert a fifth and sixth). A hash collision only makes two keys wait on
///   each other for a moment.
/// - SQLite: the first statement is a write (the key's stale rows deleted), which takes the
///   database write lock before any read snapshot exists, as [`crate::db::NEXT_CHANGE_SEQ`]
///   does.
///
/// So at most [`LOGIN_MAX_FAILURES`] password checks per key run per window, whichever servers
/// they reach. What stays per server is the clock that stamps `at`: clock skew between servers
/// (milliseconds under NTP) moves the window's edge by as much. An attempt whose request fails
/// after being counted (e.g. the database drops mid-login) counts as a failure: the safe side.
#[derive(Debug, Clone)]
pub struct LoginLimiter {
    db: Db,
}

/// `login_failures` key: the lower-cased username and the client IP ('' when unknown).
fn limiter_key(username: &str, ip: Option<IpAddr>) -> (String, String) {
    (
        username.to_lowercase(),
        ip.map(|ip| ip.to_string()).unwrap_or_default(),
    )
}

fn window_ms() -> i64 {
    i64::try_from(LOGIN_WINDOW.as_millis()).unwrap_or(i64::MAX)
}

/// Seconds to wait when `times` (the key's attempts inside the window, oldest first) leave no
/// room at `now`: until enough of them leave the window for one more attempt.
fn wait_secs(times: &[i64], now: i64) -> Option<u64> {
    let excess = times.len().checked_sub(LOGIN_MAX_FAILURES)?;
    let frees_at = times[excess] + window_ms();
    let wait_ms = u64::try_from(frees_at - now).unwrap_or(0);
    Some((wait_ms / 1000).max(1))
}

impl LoginLimiter {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Counts an attempt for (username, IP) unless the key has used up its failures:
    /// `Ok(None)` to go on and check the password, `Ok(Some(seconds to wait))` when refused
    /// (nothing is counted then).
    pub async fn attempt(
        &self,
        username: &str,
        ip: Option<IpAddr>,
    ) -> Result<Option<u64>, sqlx::Error> {
        self.attempt_at(username, ip, now_ms()).await
    }

    /// [`Self::attempt`] at the time `now` (ms since the Unix epoch).
    pub async fn attempt_at(
        &self,
        username: &str,
        ip: Option<IpAddr>,
        now: i64,
    ) -> Result<Option<u64>, sqlx::Error> {
        let (user, ip) = limiter_key(username, ip);
        let cutoff = now - window_ms();
        // Same statements on both backends; only the PostgreSQL lock differs (see the type).
        macro_rules! count_in {
            ($tx:ident) => {{
                sqlx::query(
                    "DELETE FROM login_failures WHERE username = $1 AND ip = $2 AND at <= $3",
                )
                .bind(&user)
                .bind(&ip)
                .bind(cutoff)
                .execute(&mut *$tx)
                .await?;
                let times: Vec<i64> = sqlx::query_scalar(
                    "SELECT at FROM login_failures WHERE username = $1 AND ip = $2 \
                     ORDER BY at",
                )
                .bind(&user)
                .bind(&ip)
                .fetch_all(&mut *$tx)
                .await?;
                let wait = wait_secs(&times, now);
                if wait.is_none() {
                    sqlx::query(
                        "INSERT INTO login_failures (username, ip, at) VALUES ($1, $2, $3)",
                    )
                    .bind(&user)
                    .bind(&ip)
                    .bind(now)
                    .execute(&mut *$tx)
                    .await?;
                }
                $tx.commit().await?;
                wait
            }};
        }
        let wait = match &self.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                count_in!(tx)
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                    .bind(format!("login_failures\n{user}\n{ip}"))
                    .execute(&mut *tx)
                    .await?;
                count_in!(tx)
            }
        };
        if wait.is_none() {
            self.prune(cutoff).await;
        }
        Ok(wait)
    }

    /// A right password: forgets the key's failures.
    pub async fn succeed(&self, username: &str, ip: Option<IpAddr>) -> Result<(), sqlx::Error> {
        let (user, ip) = limiter_key(username, ip);
        let sql = "DELETE FROM login_failures WHERE username = $1 AND ip = $2";
        with_pool!(&self.db, pool => sqlx::query(sql)
            .bind(&user)
            .bind(&ip)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Deletes up to [`PRUNE_BATCH`] rows of any key that left the window, in its own statement
    /// after the attempt's commit (outside the key's lock). A failure here (say two servers
    /// pruning the same rows) costs nothing but a later prune, so it is only logged.
    async fn prune(&self, cutoff: i64) {
        let sql = "DELETE FROM login_failures WHERE id IN \
                   (SELECT id FROM login_failures WHERE at <= $1 ORDER BY at LIMIT $2)";
        let done = with_pool!(&self.db, pool =>
            sqlx::query(sql).bind(cutoff).bind(PRUNE_BATCH).execute(pool).await.map(|_| ()));
        if let Err(e) = done {
            tracing::warn!(error = %e, "pruning old login failures");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let phc = hash_password("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("wrong horse", &phc));
        assert!(!verify_password("x", "not a phc string"));
    }

    #[test]
    fn tokens_are_random_hex_and_stored_hashed() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(sha256_hex(b"abc").len(), 64);
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    /// A fresh migrated SQLite database in a temp directory (kept alive by the `TempDir`).
    async fn sqlite_db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let config = crate::Config::new(dir.path(), dir.path());
        let db = Db::open(&config).await.unwrap();
        (dir, db)
    }

    async fn rows(db: &Db) -> i64 {
        with_pool!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM login_failures")
            .fetch_one(pool)
            .await)
        .unwrap()
    }

    #[tokio::test]
    async fn the_limiter_blocks_after_five_failures_and_forgets_on_success() {
        let (_dir, db) = sqlite_db().await;
        let limiter = LoginLimiter::new(db);
        let ip = Some(IpAddr::from([10, 0, 0, 1]));
        for _ in 0..LOGIN_MAX_FAILURES {
            // Each attempt that goes on to a wrong password is a failure.
            assert_eq!(limiter.attempt("zhang", ip).await.unwrap(), None);
        }
        assert!(limiter.attempt("zhang", ip).await.unwrap().is_some());
        assert!(limiter.attempt("ZHANG", ip).await.unwrap().is_some());
        assert!(limiter
            .attempt("zhang", Some(IpAddr::from([10, 0, 0, 2])))
            .await
            .unwrap()
            .is_none());
        assert!(limiter.attempt("li", ip).await.unwrap().is_none());
        limiter.succeed("zhang", ip).await.unwrap();
        assert!(limiter.attempt("zhang", ip).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn the_window_slides_and_says_how_long_to_wait() {
        let (_dir, db) = sqlite_db().await;
        let limiter = LoginLimiter::new(db.clone());
        let window = window_ms();
        let t0 = 1_750_000_000_000_i64;
        for i in 0..5 {
            let at = t0 + i * 1000;
            assert_eq!(limiter.attempt_at("zhang", None, at).await.unwrap(), None);
        }
        // Refused until the oldest failure leaves the window.
        let wait = limiter.attempt_at("zhang", None, t0 + 5000).await.unwrap();
        assert_eq!(wait, Some(u64::try_from(window / 1000 - 5).unwrap()));
        let wait = limiter
            .attempt_at("zhang", None, t0 + window - 1)
            .await
            .unwrap();
        assert_eq!(wait, Some(1));
        // The oldest left: one more attempt, then full again until the next one leaves.
        assert_eq!(
            limiter
                .attempt_at("zhang", None, t0 + window)
                .await
                .unwrap(),
            None
        );
        assert_eq!(rows(&db).await, 5, "the stale row is gone");
        let wait = limiter
            .attempt_at("zhang", None, t0 + window + 1)
            .await
            .unwrap();
        assert_eq!(wait, Some(1));
    }

    #[tokio::test]
    async fn made_up_names_are_pruned_a_batch_per_attempt() {
        let (_dir, db) = sqlite_db().await;
        let limiter = LoginLimiter::new(db.clone());
        let t0 = 1_750_000_000_000_i64;
        for i in 0..100 {
            let name = format!("nobody{i}");
            assert_eq!(limiter.attempt_at(&name, None, t0).await.unwrap(), None);
        }
        assert_eq!(rows(&db).await, 100);
        // After the window, each counted attempt removes up to PRUNE_BATCH stale rows.
        let later = t0 + window_ms();
        limiter.attempt_at("zhang", None, later).await.unwrap();
        assert_eq!(rows(&db).await, 100 - PRUNE_BATCH + 1);
        limiter.attempt_at("li", None, later).await.unwrap();
        assert_eq!(rows(&db).await, 2);
    }

    #[test]
    fn usernames_are_plain() {
        assert!(valid_username("xinfu_zhang"));
        assert!(valid_username("demo"));
        assert!(!valid_username("a"));
        assert!(!valid_username("张三"));
        assert!(!valid_username("a b"));
    }
}

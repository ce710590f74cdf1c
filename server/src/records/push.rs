//! A push request's changes in ONE transaction, each write inside its own savepoint.
//!
//! Why: with one transaction per change, a push of 200 changes waited for 200 commits (200
//! fsyncs with `synchronous=FULL`); now it waits for one. The answers stay those that
//! [`apply_change`](super::apply_change) gives change by change:
//! - a change is first resolved (its references, the stored version, the push rules), which
//!   only reads; a refused change thus writes nothing and needs no savepoint. An accepted
//!   change's writes run inside a savepoint, so one whose write fails is rolled back alone;
//! - change numbers: the transaction takes one with [`NEXT_CHANGE_SEQ`] as its FIRST statement
//!   (the write lock, see the parent module); the changes stored after it take the following
//!   numbers, counted here, and `change_seq` is set to the last one before the commit. Nobody
//!   else can take a number while the lock is held, so stored changes get consecutive `rev`s,
//!   a refused change takes none, and the committed `change_seq` is the last one stored
//!   (one statement per push instead of one per change).
//! - a server failure while writing a change (database error) keeps what was stored before
//!   it, commits that and answers with the error, as the one-transaction-per-change push did.
//!   A database failure while resolving a change (outside any savepoint; PostgreSQL then
//!   refuses the rest of the transaction) rolls the whole request back instead: the device
//!   keeps every change of it queued and sends them again, and the answers are the same.
//!   (A savepoint around the reads too would cost two statements per change for a failure
//!   that loses nothing either way.)

use super::*;

/// Before the commit of a push that stored changes `first..next`: their audit rows, and
/// `change_seq` set to the last number stored (`next - 1`) when more than the first one, taken
/// by [`NEXT_CHANGE_SEQ`], was used. A macro: one text for both transaction types.
macro_rules! finish {
    ($tx:ident, $first:expr, $next:expr, $user:expr, $device_id:expr, $audit:expr) => {
        async {
            insert_audit!($tx, $user, $device_id, $audit);
            if $next - 1 > $first {
                sqlx::query(SET_CHANGE_SEQ)
                    .bind($next - 1)
                    .execute(&mut *$tx)
                    .await?;
            }
            Ok::<(), AppError>(())
        }
        .await
    };
}

/// Savepoint statements (same text for SQLite and PostgreSQL). After `ROLLBACK TO` the
/// savepoint still exists on both, hence the `RELEASE` after it.
const SAVEPOINT: &str = "SAVEPOINT push_change";
const RELEASE: &str = "RELEASE SAVEPOINT push_change";
const ROLLBACK_TO: &str = "ROLLBACK TO SAVEPOINT push_change";

/// Applies `changes` in the order given (the caller's references-first order) in one
/// transaction and returns one outcome per change, in that order. Errors are server failures
/// only; everything the client got wrong is a `Rejected` outcome.
pub async fn apply_push(
    db: &Db,
    user: &AuthUser,
    device_id: &str,
    changes: &[&Change],
) -> Result<Vec<PushOutcome>, AppError> {
    // The checks that need no database first: a push refused whole takes no write lock.
    let prepared: Vec<Result<Accepted, PushOutcome>> =
        changes.iter().map(|c| prepare(user, c)).collect();
    let mut outcomes: Vec<Option<PushOutcome>> =
        prepared.iter().map(|p| p.as_ref().err().cloned()).collect();
    if prepared.iter().all(Result::is_err) {
        return Ok(outcomes.into_iter().flatten().collect());
    }
    with_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        // FIRST statement: takes the write lock. `first` goes to the first change stored.
        let first: i64 = sqlx::query_scalar(NEXT_CHANGE_SEQ).fetch_one(&mut *tx).await?;
        let mut next = first;
        // The audit rows of the stored changes, written together before the commit.
        let mut audit: Vec<AuditRow> = Vec::new();
        for (i, (change, accepted)) in changes.iter().zip(&prepared).enumerate() {
            let Ok(accepted) = accepted else { continue };
            let step: Result<Option<PushOutcome>, AppError> = async {
                let resolved = match resolve_change!(tx, user, *change, accepted) {
                    Ok(resolved) => resolved,
                    // Nothing written, no number taken.
                    Err(answer) => return Ok(Some(answer)),
                };
                sqlx::query(SAVEPOINT).execute(&mut *tx).await?;
                let written: Result<AuditRow, AppError> = async {
                    Ok(store_change!(tx, next, *change, accepted, resolved))
                }
                .await;
                let row = match written {
                    Ok(row) => row,
                    Err(failure) => {
                        // Keep what was stored before it: undo this change's writes alone.
                        if sqlx::query(ROLLBACK_TO).execute(&mut *tx).await.is_ok() {
                            let _ = sqlx::query(RELEASE).execute(&mut *tx).await;
                        }
                        return Err(failure);
                    }
                };
                sqlx::query(RELEASE).execute(&mut *tx).await?;
                audit.push(row);
                Ok(None)
            }
            .await;
            match step {
                Ok(None) => {
                    outcomes[i] = Some(PushOutcome::Applied { rev: next });
                    next += 1;
                }
                Ok(Some(answer)) => outcomes[i] = Some(answer),
                Err(failure) => {
                    // Commit what was stored before the failure (as when each change had its
                    // own transaction), then report the failure.
                    if next > first && finish!(tx, first, next, user, device_id, &audit).is_ok() {
                        tx.commit().await?;
                    }
                    return Err(failure);
                }
            }
        }
        if next > first {
            finish!(tx, first, next, user, device_id, &audit)?;
            tx.commit().await?;
        } else {
            // Nothing stored: roll back, which gives the change number back.
            tx.rollback().await?;
        }
        Ok(outcomes
            .into_iter()
            .map(|o| o.expect("every change has an outcome"))
            .collect())
    })
}

/// The last change number a push stored (it holds the write lock: nobody took one meanwhile).
const SET_CHANGE_SEQ: &str = "UPDATE change_seq SET value = $1 WHERE id = 1";

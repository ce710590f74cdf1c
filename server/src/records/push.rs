//! A push request's changes in ONE transaction, each inside its own savepoint.
//!
//! Why: with one transaction per change, a push of 200 changes waited for 200 commits (200
//! fsyncs with `synchronous=FULL`); now it waits for one. The answers stay those that
//! [`apply_change`](super::apply_change) gives change by change:
//! - a refused change, or one whose write fails, is rolled back to its savepoint alone;
//! - change numbers: the transaction takes one with [`NEXT_CHANGE_SEQ`] as its FIRST statement
//!   (the write lock, see the parent module), and each further number is taken inside the
//!   savepoint of the change that needs it, so a refused change gives its number back: stored
//!   changes get consecutive `rev`s, and the committed `change_seq` is the last one stored.
//! - a server failure (database error) keeps what was stored before it, commits that and
//!   answers with the error, as the one-transaction-per-change push did.

use super::*;

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
        // FIRST statement: takes the write lock. This number is kept for the first change
        // stored; `reserved` is the number taken and not yet used.
        let mut reserved: Option<i64> =
            Some(sqlx::query_scalar(NEXT_CHANGE_SEQ).fetch_one(&mut *tx).await?);
        let mut stored_any = false;
        for (i, (change, accepted)) in changes.iter().zip(&prepared).enumerate() {
            let Ok(accepted) = accepted else { continue };
            sqlx::query(SAVEPOINT).execute(&mut *tx).await?;
            let step: Result<Result<i64, PushOutcome>, AppError> = async {
                // Taken inside the savepoint: rolling a refusal back gives it back.
                let rev = match reserved {
                    Some(rev) => rev,
                    None => sqlx::query_scalar(NEXT_CHANGE_SEQ).fetch_one(&mut *tx).await?,
                };
                let written = write_change!(tx, rev, user, device_id, *change, accepted);
                Ok(written.map(|()| rev))
            }
            .await;
            match step {
                Ok(Ok(rev)) => {
                    sqlx::query(RELEASE).execute(&mut *tx).await?;
                    reserved = None;
                    stored_any = true;
                    outcomes[i] = Some(PushOutcome::Applied { rev });
                }
                Ok(Err(answer)) => {
                    // Nothing stored; a number taken for it is given back, `reserved` unchanged.
                    sqlx::query(ROLLBACK_TO).execute(&mut *tx).await?;
                    sqlx::query(RELEASE).execute(&mut *tx).await?;
                    outcomes[i] = Some(answer);
                }
                Err(failure) => {
                    // Keep what was stored before the failure (committed, as it was when each
                    // change had its own transaction), then report the failure.
                    let undone = sqlx::query(ROLLBACK_TO).execute(&mut *tx).await.is_ok()
                        && sqlx::query(RELEASE).execute(&mut *tx).await.is_ok();
                    if undone && stored_any {
                        tx.commit().await?;
                    }
                    return Err(failure);
                }
            }
        }
        if stored_any {
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

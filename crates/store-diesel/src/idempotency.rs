//! Idempotency keys: the first answer to a request, kept for its retries.

use async_trait::async_trait;
use diesel::prelude::*;
use ticketd_domain::{Timestamp, UserId};
use ticketd_ports::{Claim, IdempotencyStore, RepoError};

use crate::rows::{count, to_db_time};
use crate::schema::idempotency_keys as keys;
use crate::{AnyConnection, Store, db_error};

/// A claimed key: the request it was claimed for, and its answer once kept.
#[derive(Queryable)]
struct ClaimRow {
    request_hash: String,
    status_code: Option<i32>,
    response: Option<String>,
    claimed_at: chrono::NaiveDateTime,
}

fn find(conn: &mut AnyConnection, user: &str, key: &str) -> Result<Option<ClaimRow>, RepoError> {
    keys::table
        .find((user, key))
        .select((
            keys::request_hash,
            keys::status_code,
            keys::response,
            keys::created_at,
        ))
        .first::<ClaimRow>(conn)
        .optional()
        .map_err(db_error)
}

/// What an existing claim means for a new request with `hash`.
fn judge(row: &ClaimRow, hash: &str) -> Claim {
    if row.request_hash != hash {
        return Claim::Mismatch;
    }
    match (&row.status_code, &row.response) {
        (Some(status), Some(body)) => Claim::Replay {
            status: u16::try_from(*status).unwrap_or(500),
            body: body.clone(),
        },
        _ => Claim::InProgress,
    }
}

/// Keeps the answer of `keep` for what a write made, in the write's own
/// transaction. Only a claimed key that nobody answered yet takes it; else the
/// write fails (`Conflict`) and is rolled back with it. (On PostgreSQL the
/// update waits for a concurrent answer to commit, then finds the key answered.)
pub(crate) fn keep_answer<T>(
    conn: &mut AnyConnection,
    keep: Option<&ticketd_ports::KeptAnswer<T>>,
    made: &T,
) -> Result<(), RepoError> {
    let Some(keep) = keep else {
        return Ok(());
    };
    let (status, body) =
        (keep.render)(made).map_err(|e| RepoError::Unexpected(anyhow::anyhow!(e)))?;
    let answered = diesel::update(
        keys::table
            .find((keep.user.as_str(), keep.key.as_str()))
            .filter(keys::status_code.is_null()),
    )
    .set((
        keys::status_code.eq(Some(i32::from(status))),
        keys::response.eq(Some(body)),
    ))
    .execute(conn)
    .map_err(db_error)?;
    if answered == 0 {
        return Err(RepoError::Conflict(
            "the request was answered meanwhile".into(),
        ));
    }
    Ok(())
}

#[async_trait]
impl IdempotencyStore for Store {
    async fn claim(
        &self,
        user: &UserId,
        key: &str,
        hash: &str,
        now: Timestamp,
        stale_after: chrono::Duration,
    ) -> Result<Claim, RepoError> {
        let (user, key, hash) = (user.as_str().to_owned(), key.to_owned(), hash.to_owned());
        let at = to_db_time(now);
        let stale_before = to_db_time(now - stale_after);
        let attempt = {
            let (user, key, hash) = (user.clone(), key.clone(), hash.clone());
            self.write(move |conn| match find(conn, &user, &key)? {
                None => {
                    diesel::insert_into(keys::table)
                        .values((
                            keys::user_id.eq(&user),
                            keys::idem_key.eq(&key),
                            keys::request_hash.eq(&hash),
                            keys::created_at.eq(at),
                        ))
                        .execute(conn)
                        .map_err(db_error)?;
                    Ok(Claim::New)
                }
                Some(row) => match judge(&row, &hash) {
                    Claim::InProgress if row.claimed_at < stale_before => {
                        diesel::update(keys::table.find((&user, &key)))
                            .set(keys::created_at.eq(at))
                            .execute(conn)
                            .map_err(db_error)?;
                        Ok(Claim::New)
                    }
                    other => Ok(other),
                },
            })
            .await
        };
        match attempt {
            // Another request claimed the key between our read and our insert.
            Err(RepoError::Conflict(_)) => {
                let row = self.read(move |conn| find(conn, &user, &key)).await?;
                Ok(row.map_or(Claim::InProgress, |r| judge(&r, &hash)))
            }
            other => other,
        }
    }

    async fn release(&self, user: &UserId, key: &str) -> Result<(), RepoError> {
        let (user, key) = (user.as_str().to_owned(), key.to_owned());
        self.write(move |conn| {
            diesel::delete(keys::table.find((&user, &key)))
                .execute(conn)
                .map_err(db_error)?;
            Ok(())
        })
        .await
    }

    async fn forget_before(&self, before: Timestamp) -> Result<u64, RepoError> {
        let before = to_db_time(before);
        self.write(move |conn| {
            let n = diesel::delete(keys::table.filter(keys::created_at.lt(before)))
                .execute(conn)
                .map_err(db_error)?;
            count(i64::try_from(n).unwrap_or(i64::MAX))
        })
        .await
    }
}

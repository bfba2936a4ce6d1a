//! The fake of `IdempotencyStore`.

use super::*;

#[async_trait]
impl IdempotencyStore for InMemoryStore {
    async fn claim(
        &self,
        user: &UserId,
        key: &str,
        hash: &str,
        now: ticketd_domain::Timestamp,
        stale_after: chrono::Duration,
    ) -> Result<Claim, RepoError> {
        let mut s = self.lock()?;
        let id = (user.clone(), key.to_owned());
        match s.idempotency.iter_mut().find(|(k, _)| *k == id) {
            None => {
                s.idempotency.push((
                    id,
                    KeyRecord {
                        request_hash: hash.to_owned(),
                        answer: None,
                        claimed_at: now,
                    },
                ));
                Ok(Claim::New)
            }
            Some((_, KeyRecord { request_hash, .. })) if request_hash != hash => {
                Ok(Claim::Mismatch)
            }
            Some((
                _,
                KeyRecord {
                    answer: Some((status, body)),
                    ..
                },
            )) => Ok(Claim::Replay {
                status: *status,
                body: body.clone(),
            }),
            Some((
                _,
                KeyRecord {
                    answer: None,
                    claimed_at,
                    ..
                },
            )) if *claimed_at < now - stale_after => {
                *claimed_at = now;
                Ok(Claim::New)
            }
            Some(_) => Ok(Claim::InProgress),
        }
    }

    async fn release(&self, user: &UserId, key: &str) -> Result<(), RepoError> {
        self.lock()?
            .idempotency
            .retain(|((u, k), _)| !(u == user && k == key));
        Ok(())
    }

    async fn forget_before(&self, before: ticketd_domain::Timestamp) -> Result<u64, RepoError> {
        let mut s = self.lock()?;
        let n = s.idempotency.len();
        s.idempotency
            .retain(|(_, KeyRecord { claimed_at, .. })| *claimed_at >= before);
        Ok((n - s.idempotency.len()) as u64)
    }
}

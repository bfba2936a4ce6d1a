//! The fake of `WebhookStore`.

use ticketd_domain::{DeliveryId, DeliveryState, EndpointId};
use ticketd_ports::{
    ClaimedDelivery, Delivery, DeliveryAttempt, DeliveryOutcome, EndpointChange, NewEndpoint,
    WebhookEndpoint, WebhookStore,
};

use super::*;

/// A delivery with what only the store keeps of it.
#[derive(Clone)]
pub(super) struct DeliveryRecord {
    delivery: Delivery,
    position: i64,
    leased_until: Option<Timestamp>,
    first_attempt_at: Option<Timestamp>,
    attempts: Vec<DeliveryAttempt>,
}

impl State {
    fn endpoint_mut(&mut self, id: EndpointId) -> Result<&mut WebhookEndpoint, RepoError> {
        self.endpoints
            .iter_mut()
            .find(|e| e.id == id)
            .ok_or(RepoError::NotFound)
    }

    fn delivery_mut(&mut self, id: DeliveryId) -> Result<&mut DeliveryRecord, RepoError> {
        self.deliveries
            .iter_mut()
            .find(|d| d.delivery.id == id)
            .ok_or(RepoError::NotFound)
    }
}

#[async_trait]
impl WebhookStore for InMemoryStore {
    async fn create_endpoint(&self, new: NewEndpoint) -> Result<WebhookEndpoint, RepoError> {
        let mut s = self.lock()?;
        let endpoint = WebhookEndpoint {
            id: EndpointId(s.endpoints.last().map_or(1, |e| e.id.get() + 1)),
            url: new.url,
            description: new.description,
            event_types: new.event_types,
            include_internal: new.include_internal,
            active: new.active,
            disabled_reason: None,
            secret: new.secret,
            previous_secret: None,
            previous_secret_until: None,
            last_success_at: None,
            created_by: new.actor,
            created_at: new.at,
            updated_at: new.at,
        };
        s.endpoints.push(endpoint.clone());
        Ok(endpoint)
    }

    async fn list_endpoints(&self) -> Result<Vec<WebhookEndpoint>, RepoError> {
        Ok(self.lock()?.endpoints.clone())
    }

    async fn get_endpoint(&self, id: EndpointId) -> Result<Option<WebhookEndpoint>, RepoError> {
        Ok(self.lock()?.endpoints.iter().find(|e| e.id == id).cloned())
    }

    async fn update_endpoint(
        &self,
        id: EndpointId,
        change: EndpointChange,
        at: Timestamp,
    ) -> Result<WebhookEndpoint, RepoError> {
        let mut s = self.lock()?;
        let e = s.endpoint_mut(id)?;
        if let Some(v) = change.url {
            e.url = v;
        }
        if let Some(v) = change.description {
            e.description = v;
        }
        if let Some(v) = change.event_types {
            e.event_types = v;
        }
        if let Some(v) = change.include_internal {
            e.include_internal = v;
        }
        if let Some(v) = change.active {
            e.active = v;
            if v {
                e.disabled_reason = None;
            }
        }
        e.updated_at = at;
        Ok(e.clone())
    }

    async fn rotate_secret(
        &self,
        id: EndpointId,
        secret: String,
        previous_until: Timestamp,
        at: Timestamp,
    ) -> Result<WebhookEndpoint, RepoError> {
        let mut s = self.lock()?;
        let e = s.endpoint_mut(id)?;
        e.previous_secret = Some(std::mem::replace(&mut e.secret, secret));
        e.previous_secret_until = Some(previous_until);
        e.updated_at = at;
        Ok(e.clone())
    }

    async fn delete_endpoint(&self, id: EndpointId) -> Result<(), RepoError> {
        let mut s = self.lock()?;
        s.endpoint_mut(id)?;
        s.endpoints.retain(|e| e.id != id);
        s.deliveries.retain(|d| d.delivery.endpoint_id != id);
        Ok(())
    }

    async fn queue_deliveries(&self, at: Timestamp, limit: u32) -> Result<u32, RepoError> {
        let mut s = self.lock()?;
        let queued = s.queued_position;
        let events: Vec<Event> = s
            .events
            .iter()
            .filter(|e| e.position.value > queued)
            .take(limit as usize)
            .cloned()
            .collect();
        let endpoints: Vec<WebhookEndpoint> =
            s.endpoints.iter().filter(|e| e.active).cloned().collect();
        for event in &events {
            let internal = event.visibility == Visibility::Internal;
            for endpoint in endpoints.iter().filter(|e| e.wants(event.kind, internal)) {
                let id = DeliveryId(s.deliveries.last().map_or(1, |d| d.delivery.id.get() + 1));
                s.deliveries.push(DeliveryRecord {
                    delivery: Delivery {
                        id,
                        endpoint_id: endpoint.id,
                        event_id: event.id,
                        event_type: event.kind,
                        ticket_id: event.ticket_id(),
                        state: DeliveryState::Pending,
                        attempts: 0,
                        next_attempt_at: at,
                        created_at: at,
                        done_at: None,
                    },
                    position: event.position.value,
                    leased_until: None,
                    first_attempt_at: None,
                    attempts: Vec::new(),
                });
            }
        }
        if let Some(last) = events.last() {
            s.queued_position = last.position.value;
        }
        Ok(events.len() as u32)
    }

    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>, RepoError> {
        let mut s = self.lock()?;
        let pending = |d: &DeliveryRecord| d.delivery.state == DeliveryState::Pending;
        let mut due: Vec<(Timestamp, DeliveryId)> = s
            .deliveries
            .iter()
            .filter(|d| pending(d) && d.delivery.next_attempt_at <= now)
            .filter(|d| d.leased_until.is_none_or(|l| l <= now))
            .filter(|d| {
                s.endpoints
                    .iter()
                    .any(|e| e.id == d.delivery.endpoint_id && e.active)
            })
            .filter(|d| {
                !s.deliveries.iter().any(|p| {
                    pending(p)
                        && p.delivery.endpoint_id == d.delivery.endpoint_id
                        && p.delivery.ticket_id == d.delivery.ticket_id
                        && p.position < d.position
                })
            })
            .map(|d| (d.delivery.next_attempt_at, d.delivery.id))
            .collect();
        due.sort();
        due.truncate(limit as usize);
        let mut claimed = Vec::new();
        for (_, id) in due {
            let record = s.delivery_mut(id)?;
            record.leased_until = Some(lease_until);
            record.delivery.attempts += 1;
            let first = *record.first_attempt_at.get_or_insert(now);
            let delivery = record.delivery.clone();
            let endpoint = s
                .endpoints
                .iter()
                .find(|e| e.id == delivery.endpoint_id)
                .cloned()
                .ok_or(RepoError::NotFound)?;
            let event = s
                .events
                .iter()
                .find(|e| e.id == delivery.event_id)
                .cloned()
                .ok_or(RepoError::NotFound)?;
            claimed.push(ClaimedDelivery {
                delivery,
                first_attempt_at: first,
                endpoint,
                event,
            });
        }
        claimed.sort_by_key(|c| c.delivery.id);
        Ok(claimed)
    }

    async fn finish_attempt(
        &self,
        id: DeliveryId,
        attempt: DeliveryAttempt,
        outcome: DeliveryOutcome,
    ) -> Result<(), RepoError> {
        let mut s = self.lock()?;
        let at = attempt.at;
        let Ok(record) = s.delivery_mut(id) else {
            // Its endpoint was removed during the attempt: nothing to record.
            return Ok(());
        };
        record.attempts.push(attempt);
        record.leased_until = None;
        let endpoint = record.delivery.endpoint_id;
        match outcome {
            DeliveryOutcome::Delivered => {
                record.delivery.state = DeliveryState::Delivered;
                record.delivery.done_at = Some(at);
                s.endpoint_mut(endpoint)?.last_success_at = Some(at);
            }
            DeliveryOutcome::RetryAt(next) => record.delivery.next_attempt_at = next,
            DeliveryOutcome::Failed { disable_endpoint } => {
                record.delivery.state = DeliveryState::Failed;
                record.delivery.done_at = Some(at);
                if let Some(reason) = disable_endpoint {
                    let e = s.endpoint_mut(endpoint)?;
                    e.active = false;
                    e.disabled_reason = Some(reason);
                    e.updated_at = at;
                }
            }
        }
        Ok(())
    }

    async fn list_deliveries(
        &self,
        endpoint: EndpointId,
        page: Page,
    ) -> Result<Vec<Delivery>, RepoError> {
        let s = self.lock()?;
        let mut rows: Vec<Delivery> = s
            .deliveries
            .iter()
            .filter(|d| d.delivery.endpoint_id == endpoint)
            .map(|d| d.delivery.clone())
            .collect();
        rows.reverse();
        Ok(page_of(rows, page, true, |d: &Delivery| Position {
            value: d.id.get(),
            id: d.id.get(),
        }))
    }

    async fn get_delivery(&self, id: DeliveryId) -> Result<Option<Delivery>, RepoError> {
        let s = self.lock()?;
        Ok(s.deliveries
            .iter()
            .find(|d| d.delivery.id == id)
            .map(|d| d.delivery.clone()))
    }

    async fn list_attempts(&self, id: DeliveryId) -> Result<Vec<DeliveryAttempt>, RepoError> {
        let s = self.lock()?;
        Ok(s.deliveries
            .iter()
            .find(|d| d.delivery.id == id)
            .map(|d| d.attempts.clone())
            .unwrap_or_default())
    }

    async fn resend_delivery(&self, id: DeliveryId, at: Timestamp) -> Result<Delivery, RepoError> {
        let mut s = self.lock()?;
        let record = s.delivery_mut(id)?;
        if record.delivery.state == DeliveryState::Pending {
            return Err(RepoError::Conflict(
                "the delivery is pending already".into(),
            ));
        }
        record.delivery.state = DeliveryState::Pending;
        record.delivery.next_attempt_at = at;
        record.delivery.done_at = None;
        record.leased_until = None;
        record.first_attempt_at = None;
        Ok(record.delivery.clone())
    }
}

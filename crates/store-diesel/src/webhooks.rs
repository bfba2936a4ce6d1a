//! Webhook endpoints, the queue of deliveries, and their attempts.
//!
//! Queuing goes through the events in the order they became readable, from
//! the position kept in `webhook_queue`, whose row a queuing transaction
//! locks (PostgreSQL; SQLite has one writer): servers sharing a database
//! queue each event once. Claims take due deliveries with `FOR UPDATE SKIP
//! LOCKED` on PostgreSQL and lease them, so that no two workers attempt one
//! delivery at once; a delivery is claimed only while no earlier delivery of
//! its endpoint and ticket is pending, which keeps each ticket's order.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use ticketd_domain::{
    DeliveryId, DeliveryState, EndpointId, EventId, EventType, TicketId, Timestamp,
};
use ticketd_ports::{
    ClaimedDelivery, Delivery, DeliveryAttempt, DeliveryOutcome, EndpointChange, NewEndpoint, Page,
    RepoError, WebhookEndpoint, WebhookStore,
};

use crate::events::{load_events, place_committed, placed_after};
use crate::rows::{actor, corrupt, from_db_time, to_db_time};
use crate::schema::{webhook_attempts, webhook_deliveries, webhook_endpoints, webhook_queue};
use crate::window::Window;
use crate::{AnyConnection, Store, db_error};

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints)]
struct EndpointRow {
    id: i64,
    url: String,
    description: String,
    event_types: String,
    include_internal: bool,
    active: bool,
    disabled_reason: Option<String>,
    secret: String,
    previous_secret: Option<String>,
    previous_secret_until: Option<NaiveDateTime>,
    last_success_at: Option<NaiveDateTime>,
    created_by: String,
    created_by_type: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn types_text(types: &[EventType]) -> String {
    types
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

impl EndpointRow {
    fn into_domain(self) -> Result<WebhookEndpoint, RepoError> {
        let event_types = self
            .event_types
            .split(',')
            .filter(|t| !t.is_empty())
            .map(|t| EventType::parse(t).map_err(corrupt("event type")))
            .collect::<Result<_, _>>()?;
        Ok(WebhookEndpoint {
            id: EndpointId(self.id),
            url: self.url,
            description: self.description,
            event_types,
            include_internal: self.include_internal,
            active: self.active,
            disabled_reason: self.disabled_reason,
            secret: self.secret,
            previous_secret: self.previous_secret,
            previous_secret_until: self.previous_secret_until.map(from_db_time),
            last_success_at: self.last_success_at.map(from_db_time),
            created_by: actor(self.created_by, &self.created_by_type)?,
            created_at: from_db_time(self.created_at),
            updated_at: from_db_time(self.updated_at),
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
struct DeliveryRow {
    id: i64,
    endpoint_id: i64,
    event_id: i64,
    event_type: String,
    ticket_id: i64,
    state: String,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    first_attempt_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    done_at: Option<NaiveDateTime>,
}

impl DeliveryRow {
    fn into_domain(self) -> Result<Delivery, RepoError> {
        Ok(Delivery {
            id: DeliveryId(self.id),
            endpoint_id: EndpointId(self.endpoint_id),
            event_id: EventId(self.event_id),
            event_type: EventType::parse(&self.event_type).map_err(corrupt("event type"))?,
            ticket_id: TicketId(self.ticket_id),
            state: DeliveryState::parse(&self.state).map_err(corrupt("delivery state"))?,
            attempts: u32::try_from(self.attempts).unwrap_or(0),
            next_attempt_at: from_db_time(self.next_attempt_at),
            created_at: from_db_time(self.created_at),
            done_at: self.done_at.map(from_db_time),
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = webhook_deliveries)]
struct NewDeliveryRow {
    endpoint_id: i64,
    event_id: i64,
    event_position: i64,
    event_type: String,
    ticket_id: i64,
    state: String,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

fn load_endpoint(conn: &mut AnyConnection, id: EndpointId) -> Result<WebhookEndpoint, RepoError> {
    webhook_endpoints::table
        .find(id.get())
        .select(EndpointRow::as_select())
        .first::<EndpointRow>(conn)
        .optional()
        .map_err(db_error)?
        .ok_or(RepoError::NotFound)?
        .into_domain()
}

fn load_delivery(conn: &mut AnyConnection, id: DeliveryId) -> Result<Option<Delivery>, RepoError> {
    webhook_deliveries::table
        .find(id.get())
        .select(DeliveryRow::as_select())
        .first::<DeliveryRow>(conn)
        .optional()
        .map_err(db_error)?
        .map(DeliveryRow::into_domain)
        .transpose()
}

/// The due deliveries a claim may take: pending, due, not leased, of an
/// active endpoint, and the earliest pending one of their endpoint and
/// ticket (written once, run on either connection).
macro_rules! claimable {
    ($now:expr, $limit:expr) => {{
        let earlier = diesel::alias!(webhook_deliveries as earlier);
        webhook_deliveries::table
            .filter(webhook_deliveries::state.eq(DeliveryState::Pending.as_str()))
            .filter(webhook_deliveries::next_attempt_at.le($now))
            .filter(
                webhook_deliveries::leased_until
                    .is_null()
                    .or(webhook_deliveries::leased_until.le($now)),
            )
            .filter(
                webhook_deliveries::endpoint_id.eq_any(
                    webhook_endpoints::table
                        .filter(webhook_endpoints::active.eq(true))
                        .select(webhook_endpoints::id),
                ),
            )
            .filter(diesel::dsl::not(diesel::dsl::exists(
                earlier
                    .filter(
                        earlier
                            .field(webhook_deliveries::endpoint_id)
                            .eq(webhook_deliveries::endpoint_id),
                    )
                    .filter(
                        earlier
                            .field(webhook_deliveries::ticket_id)
                            .eq(webhook_deliveries::ticket_id),
                    )
                    .filter(
                        earlier
                            .field(webhook_deliveries::state)
                            .eq(DeliveryState::Pending.as_str()),
                    )
                    .filter(
                        earlier
                            .field(webhook_deliveries::event_position)
                            .lt(webhook_deliveries::event_position),
                    ),
            )))
            .order_by(webhook_deliveries::next_attempt_at.asc())
            .select(webhook_deliveries::id)
            .limit($limit)
    }};
}

/// Takes SQLite's write lock first: a transaction that reads before it
/// writes fails at once ("database is locked"), instead of waiting, when
/// another process (a second server on the same file) writes meanwhile.
pub(crate) fn write_first(conn: &mut AnyConnection) -> Result<(), RepoError> {
    if let AnyConnection::Sqlite(_) = conn {
        diesel::update(webhook_queue::table.find(1))
            .set(webhook_queue::position.eq(webhook_queue::position))
            .execute(conn)
            .map_err(db_error)?;
    }
    Ok(())
}

fn claim(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: u32,
) -> Result<Vec<ClaimedDelivery>, RepoError> {
    write_first(conn)?;
    let limit = i64::from(limit);
    let ids: Vec<i64> = match conn {
        AnyConnection::Postgresql(pg) => claimable!(now, limit).for_update().skip_locked().load(pg),
        AnyConnection::Sqlite(lite) => claimable!(now, limit).load(lite),
    }
    .map_err(db_error)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // The lease is taken only where no other claim took it meanwhile, so
    // that a claim is exclusive even where the rows were not locked.
    let ids: Vec<i64> = diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq_any(&ids))
            .filter(webhook_deliveries::state.eq(DeliveryState::Pending.as_str()))
            .filter(
                webhook_deliveries::leased_until
                    .is_null()
                    .or(webhook_deliveries::leased_until.le(now)),
            ),
    )
    .set((
        webhook_deliveries::leased_until.eq(Some(lease_until)),
        webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
    ))
    .returning(webhook_deliveries::id)
    .get_results(conn)
    .map_err(db_error)?;
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq_any(&ids))
            .filter(webhook_deliveries::first_attempt_at.is_null()),
    )
    .set(webhook_deliveries::first_attempt_at.eq(Some(now)))
    .execute(conn)
    .map_err(db_error)?;
    let rows: Vec<(DeliveryRow, EndpointRow)> = webhook_deliveries::table
        .inner_join(webhook_endpoints::table)
        .filter(webhook_deliveries::id.eq_any(&ids))
        .order_by(webhook_deliveries::id.asc())
        .select((DeliveryRow::as_select(), EndpointRow::as_select()))
        .load(conn)
        .map_err(db_error)?;
    let event_ids: Vec<i64> = rows.iter().map(|(d, _)| d.event_id).collect();
    let events: HashMap<i64, ticketd_ports::Event> = load_events(conn, &event_ids)?
        .into_iter()
        .map(|e| (e.id.get(), e))
        .collect();
    rows.into_iter()
        .map(|(d, e)| {
            // One event may go to several endpoints in one claim.
            let event = events.get(&d.event_id).cloned().ok_or_else(|| {
                RepoError::Unexpected(anyhow::anyhow!("the event of delivery {} is gone", d.id))
            })?;
            let first = d.first_attempt_at.unwrap_or(now);
            Ok(ClaimedDelivery {
                delivery: d.into_domain()?,
                first_attempt_at: from_db_time(first),
                endpoint: e.into_domain()?,
                event,
            })
        })
        .collect()
}

/// Queues the deliveries of at most `limit` events after the kept position.
fn queue(conn: &mut AnyConnection, at: NaiveDateTime, limit: u32) -> Result<u32, RepoError> {
    write_first(conn)?;
    let position: i64 = match conn {
        AnyConnection::Postgresql(pg) => webhook_queue::table
            .find(1)
            .select(webhook_queue::position)
            .for_update()
            .first(pg),
        AnyConnection::Sqlite(lite) => webhook_queue::table
            .find(1)
            .select(webhook_queue::position)
            .first(lite),
    }
    .map_err(db_error)?;
    let events = placed_after(conn, position, limit)?;
    let Some(last) = events.last().map(|e| e.position) else {
        return Ok(0);
    };
    let endpoints: Vec<WebhookEndpoint> = webhook_endpoints::table
        .filter(webhook_endpoints::active.eq(true))
        .select(EndpointRow::as_select())
        .load::<EndpointRow>(conn)
        .map_err(db_error)?
        .into_iter()
        .map(EndpointRow::into_domain)
        .collect::<Result<_, _>>()?;
    for event in &events {
        for endpoint in endpoints
            .iter()
            .filter(|e| e.wants(event.kind, event.internal))
        {
            diesel::insert_into(webhook_deliveries::table)
                .values(NewDeliveryRow {
                    endpoint_id: endpoint.id.get(),
                    event_id: event.id,
                    event_position: event.position,
                    event_type: event.kind.as_str().to_owned(),
                    ticket_id: event.ticket_id,
                    state: DeliveryState::Pending.as_str().to_owned(),
                    attempts: 0,
                    next_attempt_at: at,
                    created_at: at,
                })
                .execute(conn)
                .map_err(db_error)?;
        }
    }
    diesel::update(webhook_queue::table.find(1))
        .set(webhook_queue::position.eq(last))
        .execute(conn)
        .map_err(db_error)?;
    Ok(u32::try_from(events.len()).unwrap_or(u32::MAX))
}

fn finish(
    conn: &mut AnyConnection,
    id: DeliveryId,
    attempt: &DeliveryAttempt,
    outcome: &DeliveryOutcome,
) -> Result<(), RepoError> {
    write_first(conn)?;
    let at = to_db_time(attempt.at);
    let target = webhook_deliveries::table.find(id.get());
    let Some(endpoint) = target
        .select(webhook_deliveries::endpoint_id)
        .first::<i64>(conn)
        .optional()
        .map_err(db_error)?
    else {
        // Its endpoint was removed during the attempt: nothing to record.
        return Ok(());
    };
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::delivery_id.eq(id.get()),
            webhook_attempts::attempted_at.eq(at),
            webhook_attempts::status_code.eq(attempt.status.map(i32::from)),
            webhook_attempts::duration_ms
                .eq(i64::try_from(attempt.duration_ms).unwrap_or(i64::MAX)),
            webhook_attempts::error.eq(attempt.error.as_deref()),
        ))
        .execute(conn)
        .map_err(db_error)?;
    let none: Option<NaiveDateTime> = None;
    match outcome {
        DeliveryOutcome::Delivered => {
            diesel::update(target)
                .set((
                    webhook_deliveries::state.eq(DeliveryState::Delivered.as_str()),
                    webhook_deliveries::leased_until.eq(none),
                    webhook_deliveries::done_at.eq(Some(at)),
                ))
                .execute(conn)
                .map_err(db_error)?;
            diesel::update(webhook_endpoints::table.find(endpoint))
                .set(webhook_endpoints::last_success_at.eq(Some(at)))
                .execute(conn)
                .map_err(db_error)?;
        }
        DeliveryOutcome::RetryAt(next) => {
            diesel::update(target)
                .set((
                    webhook_deliveries::next_attempt_at.eq(to_db_time(*next)),
                    webhook_deliveries::leased_until.eq(none),
                ))
                .execute(conn)
                .map_err(db_error)?;
        }
        DeliveryOutcome::Failed { disable_endpoint } => {
            diesel::update(target)
                .set((
                    webhook_deliveries::state.eq(DeliveryState::Failed.as_str()),
                    webhook_deliveries::leased_until.eq(none),
                    webhook_deliveries::done_at.eq(Some(at)),
                ))
                .execute(conn)
                .map_err(db_error)?;
            if let Some(reason) = disable_endpoint {
                diesel::update(webhook_endpoints::table.find(endpoint))
                    .set((
                        webhook_endpoints::active.eq(false),
                        webhook_endpoints::disabled_reason.eq(Some(reason.as_str())),
                        webhook_endpoints::updated_at.eq(at),
                    ))
                    .execute(conn)
                    .map_err(db_error)?;
            }
        }
    }
    Ok(())
}

#[async_trait]
impl WebhookStore for Store {
    async fn create_endpoint(&self, new: NewEndpoint) -> Result<WebhookEndpoint, RepoError> {
        self.write(move |conn| {
            let at = to_db_time(new.at);
            let id: i64 = diesel::insert_into(webhook_endpoints::table)
                .values((
                    webhook_endpoints::url.eq(&new.url),
                    webhook_endpoints::description.eq(&new.description),
                    webhook_endpoints::event_types.eq(types_text(&new.event_types)),
                    webhook_endpoints::include_internal.eq(new.include_internal),
                    webhook_endpoints::active.eq(new.active),
                    webhook_endpoints::secret.eq(&new.secret),
                    webhook_endpoints::created_by.eq(new.actor.id.as_str()),
                    webhook_endpoints::created_by_type.eq(new.actor.user_type.as_str()),
                    webhook_endpoints::created_at.eq(at),
                    webhook_endpoints::updated_at.eq(at),
                ))
                .returning(webhook_endpoints::id)
                .get_result(conn)
                .map_err(db_error)?;
            load_endpoint(conn, EndpointId(id))
        })
        .await
    }

    async fn list_endpoints(&self) -> Result<Vec<WebhookEndpoint>, RepoError> {
        self.read(|conn| {
            webhook_endpoints::table
                .order_by(webhook_endpoints::id.asc())
                .select(EndpointRow::as_select())
                .load::<EndpointRow>(conn)
                .map_err(db_error)?
                .into_iter()
                .map(EndpointRow::into_domain)
                .collect()
        })
        .await
    }

    async fn get_endpoint(&self, id: EndpointId) -> Result<Option<WebhookEndpoint>, RepoError> {
        self.read(move |conn| match load_endpoint(conn, id) {
            Ok(e) => Ok(Some(e)),
            Err(RepoError::NotFound) => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }

    async fn update_endpoint(
        &self,
        id: EndpointId,
        change: EndpointChange,
        at: Timestamp,
    ) -> Result<WebhookEndpoint, RepoError> {
        self.write(move |conn| {
            let target = webhook_endpoints::table.find(id.get());
            let at = to_db_time(at);
            let n = diesel::update(target)
                .set(webhook_endpoints::updated_at.eq(at))
                .execute(conn)
                .map_err(db_error)?;
            if n == 0 {
                return Err(RepoError::NotFound);
            }
            if let Some(url) = &change.url {
                diesel::update(target)
                    .set(webhook_endpoints::url.eq(url))
                    .execute(conn)
                    .map_err(db_error)?;
            }
            if let Some(d) = &change.description {
                diesel::update(target)
                    .set(webhook_endpoints::description.eq(d))
                    .execute(conn)
                    .map_err(db_error)?;
            }
            if let Some(types) = &change.event_types {
                diesel::update(target)
                    .set(webhook_endpoints::event_types.eq(types_text(types)))
                    .execute(conn)
                    .map_err(db_error)?;
            }
            if let Some(internal) = change.include_internal {
                diesel::update(target)
                    .set(webhook_endpoints::include_internal.eq(internal))
                    .execute(conn)
                    .map_err(db_error)?;
            }
            if let Some(active) = change.active {
                let none: Option<String> = None;
                let reason = webhook_endpoints::disabled_reason.eq(none);
                if active {
                    diesel::update(target)
                        .set((webhook_endpoints::active.eq(true), reason))
                        .execute(conn)
                } else {
                    diesel::update(target)
                        .set(webhook_endpoints::active.eq(false))
                        .execute(conn)
                }
                .map_err(db_error)?;
            }
            load_endpoint(conn, id)
        })
        .await
    }

    async fn rotate_secret(
        &self,
        id: EndpointId,
        secret: String,
        previous_until: Timestamp,
        at: Timestamp,
    ) -> Result<WebhookEndpoint, RepoError> {
        self.write(move |conn| {
            write_first(conn)?;
            let old = load_endpoint(conn, id)?;
            diesel::update(webhook_endpoints::table.find(id.get()))
                .set((
                    webhook_endpoints::secret.eq(&secret),
                    webhook_endpoints::previous_secret.eq(Some(old.secret)),
                    webhook_endpoints::previous_secret_until.eq(Some(to_db_time(previous_until))),
                    webhook_endpoints::updated_at.eq(to_db_time(at)),
                ))
                .execute(conn)
                .map_err(db_error)?;
            load_endpoint(conn, id)
        })
        .await
    }

    async fn delete_endpoint(&self, id: EndpointId) -> Result<(), RepoError> {
        self.write(move |conn| {
            // SQLite enforces no cascade unless asked; delete the children first.
            let deliveries = webhook_deliveries::table
                .filter(webhook_deliveries::endpoint_id.eq(id.get()))
                .select(webhook_deliveries::id);
            diesel::delete(
                webhook_attempts::table.filter(webhook_attempts::delivery_id.eq_any(deliveries)),
            )
            .execute(conn)
            .map_err(db_error)?;
            diesel::delete(
                webhook_deliveries::table.filter(webhook_deliveries::endpoint_id.eq(id.get())),
            )
            .execute(conn)
            .map_err(db_error)?;
            let n = diesel::delete(webhook_endpoints::table.find(id.get()))
                .execute(conn)
                .map_err(db_error)?;
            if n == 0 {
                return Err(RepoError::NotFound);
            }
            Ok(())
        })
        .await
    }

    async fn queue_deliveries(&self, at: Timestamp, limit: u32) -> Result<u32, RepoError> {
        let at = to_db_time(at);
        self.write(move |conn| {
            place_committed(conn)?;
            queue(conn, at, limit)
        })
        .await
    }

    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>, RepoError> {
        let (now, lease_until) = (to_db_time(now), to_db_time(lease_until));
        self.write(move |conn| claim(conn, now, lease_until, limit))
            .await
    }

    async fn finish_attempt(
        &self,
        id: DeliveryId,
        attempt: DeliveryAttempt,
        outcome: DeliveryOutcome,
    ) -> Result<(), RepoError> {
        self.write(move |conn| finish(conn, id, &attempt, &outcome))
            .await
    }

    async fn list_deliveries(
        &self,
        endpoint: EndpointId,
        page: Page,
    ) -> Result<Vec<Delivery>, RepoError> {
        self.read(move |conn| {
            let mut query = webhook_deliveries::table
                .filter(webhook_deliveries::endpoint_id.eq(endpoint.get()))
                .select(DeliveryRow::as_select())
                .into_boxed();
            if let Some(after) = page.after {
                query = query.filter(webhook_deliveries::id.lt(after.id));
            }
            let query = query.order_by(webhook_deliveries::id.desc());
            Window::new(query, u64::from(page.limit), page.offset)
                .load::<DeliveryRow>(conn)
                .map_err(db_error)?
                .into_iter()
                .map(DeliveryRow::into_domain)
                .collect()
        })
        .await
    }

    async fn get_delivery(&self, id: DeliveryId) -> Result<Option<Delivery>, RepoError> {
        self.read(move |conn| load_delivery(conn, id)).await
    }

    async fn list_attempts(&self, id: DeliveryId) -> Result<Vec<DeliveryAttempt>, RepoError> {
        self.read(move |conn| {
            let rows: Vec<(NaiveDateTime, Option<i32>, i64, Option<String>)> =
                webhook_attempts::table
                    .filter(webhook_attempts::delivery_id.eq(id.get()))
                    .order_by(webhook_attempts::id.asc())
                    .select((
                        webhook_attempts::attempted_at,
                        webhook_attempts::status_code,
                        webhook_attempts::duration_ms,
                        webhook_attempts::error,
                    ))
                    .load(conn)
                    .map_err(db_error)?;
            Ok(rows
                .into_iter()
                .map(|(at, status, ms, error)| DeliveryAttempt {
                    at: from_db_time(at),
                    status: status.and_then(|s| u16::try_from(s).ok()),
                    duration_ms: u64::try_from(ms).unwrap_or(0),
                    error,
                })
                .collect())
        })
        .await
    }

    async fn resend_delivery(&self, id: DeliveryId, at: Timestamp) -> Result<Delivery, RepoError> {
        self.write(move |conn| {
            let none: Option<NaiveDateTime> = None;
            let n = diesel::update(
                webhook_deliveries::table
                    .find(id.get())
                    .filter(webhook_deliveries::state.ne(DeliveryState::Pending.as_str())),
            )
            .set((
                webhook_deliveries::state.eq(DeliveryState::Pending.as_str()),
                webhook_deliveries::next_attempt_at.eq(to_db_time(at)),
                webhook_deliveries::leased_until.eq(none),
                webhook_deliveries::first_attempt_at.eq(none),
                webhook_deliveries::done_at.eq(none),
            ))
            .execute(conn)
            .map_err(db_error)?;
            match (n, load_delivery(conn, id)?) {
                (_, None) => Err(RepoError::NotFound),
                (0, Some(_)) => Err(RepoError::Conflict(
                    "the delivery is pending already".into(),
                )),
                (_, Some(d)) => Ok(d),
            }
        })
        .await
    }
}

#[cfg(feature = "testing")]
impl Store {
    /// The plans (PostgreSQL's `EXPLAIN (FORMAT JSON)`) of what a claim of
    /// due deliveries and a page of an endpoint's deliveries send; empty on
    /// SQLite.
    pub async fn explain_deliveries(
        &self,
        now: Timestamp,
        endpoint: EndpointId,
    ) -> Result<Vec<String>, RepoError> {
        let now = to_db_time(now);
        self.read(move |conn| {
            let mut plans = crate::explain::Plans::kept();
            plans.note(conn, || claimable!(now, 16_i64))?;
            plans.note(conn, || {
                webhook_deliveries::table
                    .filter(webhook_deliveries::endpoint_id.eq(endpoint.get()))
                    .order_by(webhook_deliveries::id.desc())
                    .select(webhook_deliveries::id)
                    .limit(11)
            })?;
            Ok(plans.into_vec())
        })
        .await
    }
}

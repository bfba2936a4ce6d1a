//! Service-level clocks in the store: the policy row, each ticket's clocks
//! (its `sla` column, JSON, and the columns lists and the sweep search by),
//! kept in step with the ticket in every write's transaction, and the sweep
//! that marks breaches as their due times pass.
//!
//! The clocks remember the status and priority they last followed, so that
//! a write brings them in line with the row it left, whichever call changed
//! it (an update, a customer's reply that reopened the ticket).

use async_trait::async_trait;
use chrono::{NaiveDateTime, NaiveTime, Weekday};
use diesel::prelude::*;
use ticketd_domain::{
    BusinessHours, Priority, SlaClock, SlaKind, SlaPolicy, SlaTarget, TicketSla, TicketStatus,
    Timestamp, UserType, Visibility,
};
use ticketd_ports::{RepoError, SlaStore, due_micros};

use crate::rows::{CategoryRow, TicketRow, corrupt, from_db_time, micros_to_db_time, to_db_time};
use crate::schema::{sla_policy, tickets};
use crate::{AnyConnection, Prepared, Store, db_error, events};

fn unexpected(what: &str, e: impl std::fmt::Display) -> RepoError {
    RepoError::Unexpected(anyhow::anyhow!("{what}: {e}"))
}

/// A clock as the `sla` column keeps it; times in microseconds.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredClock {
    target: i64,
    due: Option<i64>,
    left: Option<i64>,
    stopped: Option<i64>,
    breached: bool,
}

/// The `sla` column: the clocks, and the status and priority (codes) they
/// last followed.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredSla {
    status: i32,
    priority: i32,
    first_response: Option<StoredClock>,
    resolution: Option<StoredClock>,
}

fn micros(t: Timestamp) -> i64 {
    t.timestamp_micros()
}

fn time(micros: i64) -> Timestamp {
    from_db_time(micros_to_db_time(micros))
}

impl StoredClock {
    fn of(c: &SlaClock) -> Self {
        Self {
            target: c.target_seconds,
            due: c.due_at.map(micros),
            left: c.left_seconds,
            stopped: c.stopped_at.map(micros),
            breached: c.breached,
        }
    }

    fn into_domain(self) -> SlaClock {
        SlaClock {
            target_seconds: self.target,
            due_at: self.due.map(time),
            left_seconds: self.left,
            stopped_at: self.stopped.map(time),
            breached: self.breached,
        }
    }
}

/// A ticket's status and priority.
pub(crate) type Followed = (TicketStatus, Priority);

/// The clocks a ticket's `sla` column holds, and what they last followed;
/// `None` for a ticket without clocks.
fn read(text: Option<&str>) -> Result<Option<(TicketSla, Followed)>, RepoError> {
    let Some(text) = text else {
        return Ok(None);
    };
    let s: StoredSla =
        serde_json::from_str(text).map_err(|e| unexpected("stored clocks are invalid", e))?;
    let status = TicketStatus::from_code(i64::from(s.status)).map_err(corrupt("clock status"))?;
    let priority = Priority::from_code(i64::from(s.priority)).map_err(corrupt("clock priority"))?;
    let sla = TicketSla {
        first_response: s.first_response.map(StoredClock::into_domain),
        resolution: s.resolution.map(StoredClock::into_domain),
    };
    Ok(Some((sla, (status, priority))))
}

/// The clocks of a ticket's `sla` column (none if it has none).
pub(crate) fn clocks(text: Option<&str>) -> Result<TicketSla, RepoError> {
    Ok(read(text)?.map(|(sla, _)| sla).unwrap_or_default())
}

fn write(sla: &TicketSla, followed: Followed) -> Result<String, RepoError> {
    serde_json::to_string(&StoredSla {
        status: followed.0.code(),
        priority: followed.1.code(),
        first_response: sla.first_response.as_ref().map(StoredClock::of),
        resolution: sla.resolution.as_ref().map(StoredClock::of),
    })
    .map_err(|e| unexpected("cannot keep clocks", e))
}

/// The policy as its row keeps it.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredPolicy {
    /// `[first response, resolution]` minutes of low, normal, high, urgent.
    targets: [[Option<u32>; 2]; 4],
    hours: Option<StoredHours>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredHours {
    zone: String,
    /// ISO weekday numbers, Monday 1.
    days: Vec<u8>,
    opens: String,
    closes: String,
}

impl StoredPolicy {
    fn of(p: &SlaPolicy) -> Self {
        Self {
            targets: p
                .targets
                .map(|t| [t.first_response_minutes, t.resolution_minutes]),
            hours: p.business_hours.as_ref().map(|h| StoredHours {
                zone: h.time_zone.name().to_owned(),
                days: h
                    .days
                    .iter()
                    .map(|d| d.number_from_monday() as u8)
                    .collect(),
                opens: h.opens.format("%H:%M").to_string(),
                closes: h.closes.format("%H:%M").to_string(),
            }),
        }
    }

    fn into_domain(self) -> Result<SlaPolicy, RepoError> {
        let bad = |e: String| unexpected("the stored service-level policy is invalid", e);
        let business_hours = match self.hours {
            None => None,
            Some(h) => {
                let zone = h
                    .zone
                    .parse()
                    .map_err(|e: chrono_tz::ParseError| bad(e.to_string()))?;
                let days = h
                    .days
                    .iter()
                    .map(|d| Weekday::try_from(d.wrapping_sub(1)).map_err(|e| bad(e.to_string())))
                    .collect::<Result<Vec<_>, _>>()?;
                let t =
                    |s: &str| NaiveTime::parse_from_str(s, "%H:%M").map_err(|e| bad(e.to_string()));
                Some(
                    BusinessHours::new(zone, days, t(&h.opens)?, t(&h.closes)?)
                        .map_err(|e| bad(e.to_string()))?,
                )
            }
        };
        Ok(SlaPolicy {
            targets: self.targets.map(|[first, resolution]| SlaTarget {
                first_response_minutes: first,
                resolution_minutes: resolution,
            }),
            business_hours,
        })
    }
}

/// The policy in force, read in the caller's transaction.
pub(crate) fn policy(conn: &mut AnyConnection) -> Result<SlaPolicy, RepoError> {
    let text: Option<String> = sla_policy::table
        .find(1)
        .select(sla_policy::policy)
        .first(conn)
        .optional()
        .map_err(db_error)?;
    match text {
        None => Ok(SlaPolicy::default()),
        Some(text) => serde_json::from_str::<StoredPolicy>(&text)
            .map_err(|e| unexpected("the stored service-level policy is invalid", e))?
            .into_domain(),
    }
}

/// What a write did that the clocks follow, besides the row's status and
/// priority.
pub(crate) enum Cause {
    /// A message was added.
    Message(UserType, Visibility),
    /// Nothing else (an update; the sweep).
    Nothing,
}

/// The due-time column of a clock's due time: the sort key lists page by.
fn due_column(due: Option<Timestamp>) -> NaiveDateTime {
    micros_to_db_time(due_micros(due))
}

/// The columns of a ticket's clocks: the `sla` column and what lists and the
/// sweep search by. Written with a new ticket's row, and when they change.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = tickets, treat_none_as_null = true)]
pub(crate) struct SlaColumns {
    pub(crate) sla: Option<String>,
    pub(crate) first_response_due: NaiveDateTime,
    pub(crate) resolution_due: NaiveDateTime,
    pub(crate) sla_breached: bool,
    pub(crate) sla_check_at: Option<NaiveDateTime>,
}

impl SlaColumns {
    /// The columns of a ticket without clocks.
    pub(crate) fn none() -> Self {
        Self {
            sla: None,
            first_response_due: due_column(None),
            resolution_due: due_column(None),
            sla_breached: false,
            sla_check_at: None,
        }
    }

    /// The columns of `sla`, which last followed the ticket in `followed`.
    pub(crate) fn of(sla: &TicketSla, followed: Followed) -> Result<Self, RepoError> {
        Ok(Self {
            sla: Some(write(sla, followed)?),
            first_response_due: due_column(sla.running_due(SlaKind::FirstResponse)),
            resolution_due: due_column(sla.running_due(SlaKind::Resolution)),
            sla_breached: sla.breached(),
            sla_check_at: sla.next_check().map(to_db_time),
        })
    }
}

/// The clocks of a ticket about to be opened, from the policy in force, as
/// its row's columns. On SQLite the transaction takes the write lock first,
/// so that reading the policy does not keep it from waiting for another
/// writer.
pub(crate) fn opening(
    conn: &mut AnyConnection,
    new: &ticketd_ports::NewTicket,
) -> Result<SlaColumns, RepoError> {
    crate::webhooks::write_first(conn)?;
    let sla = TicketSla::open(&policy(conn)?, new.priority, new.status, new.at);
    SlaColumns::of(&sla, (new.status, new.priority))
}

/// Brings the clocks of the ticket in `row` (as the write left it) in line
/// with it, at `at`, marks the breaches due by then, and writes the clocks
/// back when they changed (`row` too). Returns the breaches marked, for
/// [`announce`] once the change's own events are written. A ticket without
/// clocks is left without.
pub(crate) fn advance(
    conn: &mut AnyConnection,
    row: &mut TicketRow,
    cause: Cause,
    at: Timestamp,
) -> Result<Vec<SlaKind>, RepoError> {
    let now = (
        TicketStatus::from_code(i64::from(row.status)).map_err(corrupt("status"))?,
        Priority::from_code(i64::from(row.priority)).map_err(corrupt("priority"))?,
    );
    let Some((mut sla, was)) = read(row.sla.as_deref())? else {
        return Ok(Vec::new());
    };
    // The policy is read only when a clock may move: most writes (a
    // customer's message, a reply once the first one was given) leave the
    // clocks as they are.
    let first_reply = matches!(cause, Cause::Message(who, Visibility::Public) if who != UserType::Customer)
        && sla
            .first_response
            .as_ref()
            .is_some_and(|c| c.stopped_at.is_none());
    if was != now || first_reply {
        let policy = policy(conn)?;
        sla.follow(&policy, was, now, at);
        if let Cause::Message(who, visibility) = cause {
            sla.message_added(&policy, who, visibility, at);
        }
    }
    let breaches = sla.settle(at);
    let columns = SlaColumns::of(&sla, now)?;
    if row.sla == columns.sla {
        return Ok(breaches);
    }
    Prepared(
        diesel::update(tickets::table.find(row.id))
            .set(&columns)
            .returning(tickets::id),
    )
    .rows(conn)
    .map_err(db_error)?;
    row.sla = columns.sla;
    Ok(breaches)
}

/// Writes an `sla.breached` event for each of `breaches`, marked at `at` on
/// the ticket left as `view`.
pub(crate) fn announce(
    conn: &mut AnyConnection,
    view: (&TicketRow, &CategoryRow),
    breaches: &[SlaKind],
    at: Timestamp,
) -> Result<(), RepoError> {
    for kind in breaches {
        events::record_breach(conn, view, *kind, at)?;
    }
    Ok(())
}

/// The tickets whose next check fell before `$at`, soonest first, at most
/// `$limit`.
macro_rules! due_for_settling {
    ($at:expr, $limit:expr) => {
        tickets::table
            .filter(tickets::sla_check_at.lt($at))
            .order(tickets::sla_check_at.asc())
            .limit($limit)
            .select(tickets::id)
    };
}

#[async_trait]
impl SlaStore for Store {
    async fn sla_policy(&self) -> Result<SlaPolicy, RepoError> {
        self.read(policy).await
    }

    async fn set_sla_policy(&self, new: SlaPolicy) -> Result<SlaPolicy, RepoError> {
        self.write(move |conn| {
            let text = serde_json::to_string(&StoredPolicy::of(&new))
                .map_err(|e| unexpected("cannot keep the policy", e))?;
            let n = diesel::update(sla_policy::table.find(1))
                .set(sla_policy::policy.eq(&text))
                .execute(conn)
                .map_err(db_error)?;
            if n == 0 {
                diesel::insert_into(sla_policy::table)
                    .values((sla_policy::id.eq(1), sla_policy::policy.eq(&text)))
                    .execute(conn)
                    .map_err(db_error)?;
            }
            policy(conn)
        })
        .await
    }

    async fn settle_sla(&self, at: Timestamp, limit: u32) -> Result<u32, RepoError> {
        self.write(move |conn| {
            crate::webhooks::write_first(conn)?;
            let due = due_for_settling!(to_db_time(at), i64::from(limit));
            let ids: Vec<i64> = match conn {
                AnyConnection::Postgresql(pg) => due.for_update().skip_locked().load(pg),
                AnyConnection::Sqlite(lite) => due.load(lite),
            }
            .map_err(db_error)?;
            for id in &ids {
                let (mut row, category) =
                    crate::tickets::view_rows(conn, ticketd_domain::TicketId(*id))?;
                let breaches = advance(conn, &mut row, Cause::Nothing, at)?;
                announce(conn, (&row, &category), &breaches, at)?;
            }
            Ok(ids.len() as u32)
        })
        .await
    }
}

#[cfg(feature = "testing")]
impl Store {
    /// The plan (PostgreSQL's `EXPLAIN (FORMAT JSON)`) of the sweep's search
    /// for tickets to settle at `at`; empty on SQLite.
    pub async fn explain_sla_sweep(&self, at: Timestamp) -> Result<Vec<String>, RepoError> {
        let at = to_db_time(at);
        self.read(move |conn| {
            let mut plans = crate::explain::Plans::kept();
            plans.note(conn, || due_for_settling!(at, 100_i64))?;
            Ok(plans.into_vec())
        })
        .await
    }
}

//! Row types, one per table, and their conversion to domain values; here
//! what they share: stored times, the audit columns, stored user kinds.

mod categories;
mod logs;
mod messages;
mod ticket_rows;

pub(crate) use categories::{CategoryRow, NewCategoryRow};
pub(crate) use logs::{LogRow, NewLogRow, StoredChange};
pub(crate) use messages::{AttachmentRow, MessageRow, NewAttachmentRow, NewMessageRow};
pub(crate) use ticket_rows::{NewTicketRow, TicketRow};

use anyhow::Context;
use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use diesel::prelude::*;
use ticketd_domain::{Actor, Audit, Timestamp, UserId, UserType};
use ticketd_ports::RepoError;

use crate::schema::{ticket_attachments, ticket_categories, ticket_logs, ticket_messages, tickets};

pub(crate) fn to_db_time(t: Timestamp) -> NaiveDateTime {
    t.naive_utc()
}

/// A time given as microseconds since the epoch (a list position), kept
/// within years 1 to 9999 so that every database can compare with it.
pub(crate) fn micros_to_db_time(micros: i64) -> NaiveDateTime {
    let lowest = chrono::NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN);
    let highest = chrono::NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
    let lowest = lowest.and_time(chrono::NaiveTime::MIN);
    let highest = highest
        .and_hms_opt(23, 59, 59)
        .unwrap_or(NaiveDateTime::MAX);
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.naive_utc())
        .unwrap_or(if micros < 0 { lowest } else { highest })
        .clamp(lowest, highest)
}

/// A list position's value as a code column's type; values out of its range
/// lie past every row either way.
pub(crate) fn clamp_i32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

pub(crate) fn from_db_time(t: NaiveDateTime) -> Timestamp {
    Utc.from_utc_datetime(&t)
}

pub(crate) fn corrupt(
    what: &str,
) -> impl FnOnce(ticketd_domain::ValidationError) -> RepoError + '_ {
    move |e| RepoError::Unexpected(anyhow::anyhow!("stored {what} is invalid: {e}"))
}

pub(crate) fn actor(id: String, user_type: &str) -> Result<Actor, RepoError> {
    let id = UserId::from_stored(id);
    let user_type = UserType::parse(user_type).map_err(corrupt("user type"))?;
    Ok(Actor::new(id, user_type))
}

/// Defines a table's six audit columns as one struct, embedded in that
/// table's rows (`#[diesel(embed)]`, read and written): diesel ties a
/// selectable struct to one table, so each table gets its own, all from
/// this one definition.
macro_rules! audit_columns {
    ($name:ident, $table:ident) => {
        /// Who made the row and who last changed it, and when.
        #[derive(Queryable, Selectable, Insertable, serde::Serialize, serde::Deserialize)]
        #[diesel(table_name = $table)]
        pub(crate) struct $name {
            pub created_by: String,
            pub created_by_type: String,
            pub created_date: NaiveDateTime,
            pub modified_by: String,
            pub modified_by_type: String,
            pub modified_date: NaiveDateTime,
        }

        impl $name {
            /// Made by `by` at `at` (stored time), not changed since.
            pub(crate) fn new(by: &Actor, at: NaiveDateTime) -> Self {
                Self {
                    created_by: by.id.as_str().to_owned(),
                    created_by_type: by.user_type.as_str().to_owned(),
                    created_date: at,
                    modified_by: by.id.as_str().to_owned(),
                    modified_by_type: by.user_type.as_str().to_owned(),
                    modified_date: at,
                }
            }

            pub(crate) fn into_audit(self) -> Result<Audit, RepoError> {
                Ok(Audit {
                    created_by: actor(self.created_by, &self.created_by_type)?,
                    created_at: from_db_time(self.created_date),
                    modified_by: actor(self.modified_by, &self.modified_by_type)?,
                    modified_at: from_db_time(self.modified_date),
                })
            }
        }
    };
}

audit_columns!(CategoryAudit, ticket_categories);
audit_columns!(TicketAudit, tickets);
audit_columns!(MessageAudit, ticket_messages);
audit_columns!(AttachmentAudit, ticket_attachments);
audit_columns!(LogAudit, ticket_logs);

/// Converts a count from the database.
pub(crate) fn count(n: i64) -> Result<u64, RepoError> {
    u64::try_from(n)
        .context("negative count")
        .map_err(RepoError::Unexpected)
}

//! Rows of `ticket_logs`, with their field changes stored as JSON.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use ticketd_ports::RepoError;

use ticketd_domain::{
    ChangedField, FieldChange, LogAction, LogEntry, LogEntryId, TicketId, Visibility,
};

use super::{LogAudit, actor, corrupt, from_db_time, to_db_time};
use crate::schema::ticket_logs;

#[derive(Queryable, Selectable)]
#[diesel(table_name = ticket_logs)]
pub(crate) struct LogRow {
    pub id: i64,
    pub ticket_id: i64,
    pub action_taken: String,
    pub action_by: String,
    pub action_by_type: String,
    pub action_at: NaiveDateTime,
    pub visibility: String,
    pub changes: String,
    pub is_active: bool,
    pub is_delete: bool,
    #[diesel(embed)]
    pub audit: LogAudit,
}

impl LogRow {
    pub(crate) fn into_domain(self) -> Result<LogEntry, RepoError> {
        Ok(LogEntry {
            id: LogEntryId(self.id),
            ticket_id: TicketId(self.ticket_id),
            action: LogAction::parse(&self.action_taken).map_err(corrupt("log action"))?,
            action_by: actor(self.action_by, &self.action_by_type)?,
            action_at: from_db_time(self.action_at),
            changes: changes_from_json(&self.changes)?,
            visibility: Visibility::parse(&self.visibility).map_err(corrupt("visibility"))?,
            is_active: self.is_active,
            is_delete: self.is_delete,
            audit: self.audit.into_audit()?,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = ticket_logs)]
pub(crate) struct NewLogRow {
    pub ticket_id: i64,
    pub action_taken: String,
    pub action_by: String,
    pub action_by_type: String,
    pub action_at: NaiveDateTime,
    pub visibility: String,
    pub changes: String,
    pub is_active: bool,
    pub is_delete: bool,
    #[diesel(embed)]
    pub audit: LogAudit,
}

impl NewLogRow {
    pub(crate) fn new(ticket_id: i64, log: &ticketd_ports::NewLogEntry) -> Self {
        let at = to_db_time(log.at);
        Self {
            ticket_id,
            action_taken: log.action.as_str().to_owned(),
            action_by: log.actor.id.as_str().to_owned(),
            action_by_type: log.actor.user_type.as_str().to_owned(),
            action_at: at,
            visibility: log.visibility.as_str().to_owned(),
            changes: changes_to_json(&log.changes),
            is_active: true,
            is_delete: false,
            audit: LogAudit::new(&log.actor, at),
        }
    }
}

/// One field change as stored in `ticket_logs.changes` (a JSON array) and
/// in event snapshots.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct StoredChange {
    field: String,
    from: Option<String>,
    to: Option<String>,
}

impl StoredChange {
    pub(crate) fn all(changes: &[FieldChange]) -> Vec<StoredChange> {
        changes
            .iter()
            .map(|c| StoredChange {
                field: c.field.as_str().to_owned(),
                from: c.from.clone(),
                to: c.to.clone(),
            })
            .collect()
    }

    pub(crate) fn into_domain(self) -> Result<FieldChange, RepoError> {
        let field = ChangedField::parse(&self.field).map_err(corrupt("changed field"))?;
        Ok(FieldChange::new(field, self.from, self.to))
    }
}

fn changes_to_json(changes: &[FieldChange]) -> String {
    // Serialising strings and options cannot fail.
    serde_json::to_string(&StoredChange::all(changes)).unwrap_or_else(|_| "[]".to_owned())
}

fn changes_from_json(json: &str) -> Result<Vec<FieldChange>, RepoError> {
    let stored: Vec<StoredChange> = serde_json::from_str(json).map_err(|e| {
        RepoError::Unexpected(anyhow::anyhow!("stored log changes are invalid: {e}"))
    })?;
    stored.into_iter().map(StoredChange::into_domain).collect()
}

//! Row types, one per table, and their conversion to domain values.

use anyhow::Context;
use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use diesel::prelude::*;
use ticketd_domain::{
    Actor, Attachment, AttachmentId, Audit, Category, CategoryId, CategoryName, ChangedField,
    Description, FieldChange, FileName, FilePath, LogAction, LogEntry, LogEntryId, Message,
    MessageBody, MessageId, Priority, RefId, Subject, Ticket, TicketId, TicketStatus, Timestamp,
    UploadKey, UserId, UserType, Visibility,
};
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

fn actor(id: String, user_type: &str) -> Result<Actor, RepoError> {
    let id = UserId::from_stored(id);
    let user_type = UserType::parse(user_type).map_err(corrupt("user type"))?;
    Ok(Actor::new(id, user_type))
}

/// The audit columns every table has.
pub(crate) struct AuditColumns {
    pub created_by: String,
    pub created_by_type: String,
    pub created_date: NaiveDateTime,
    pub modified_by: String,
    pub modified_by_type: String,
    pub modified_date: NaiveDateTime,
}

impl AuditColumns {
    fn into_audit(self) -> Result<Audit, RepoError> {
        Ok(Audit {
            created_by: actor(self.created_by, &self.created_by_type)?,
            created_at: from_db_time(self.created_date),
            modified_by: actor(self.modified_by, &self.modified_by_type)?,
            modified_at: from_db_time(self.modified_date),
        })
    }
}

macro_rules! audit_of {
    ($row:expr) => {
        AuditColumns {
            created_by: $row.created_by,
            created_by_type: $row.created_by_type,
            created_date: $row.created_date,
            modified_by: $row.modified_by,
            modified_by_type: $row.modified_by_type,
            modified_date: $row.modified_date,
        }
    };
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = ticket_categories)]
pub(crate) struct CategoryRow {
    pub id: i64,
    pub category_name: String,
    pub parent_category_id: Option<i64>,
    pub is_active: bool,
    pub is_delete: bool,
    pub created_by: String,
    pub created_by_type: String,
    pub created_date: NaiveDateTime,
    pub modified_by: String,
    pub modified_by_type: String,
    pub modified_date: NaiveDateTime,
}

impl CategoryRow {
    pub(crate) fn into_domain(self) -> Result<Category, RepoError> {
        Ok(Category {
            id: CategoryId(self.id),
            name: CategoryName::from_stored(self.category_name),
            parent_id: self.parent_category_id.map(CategoryId),
            is_active: self.is_active,
            is_delete: self.is_delete,
            audit: audit_of!(self).into_audit()?,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = ticket_categories)]
pub(crate) struct NewCategoryRow {
    pub category_name: String,
    pub name_key: String,
    pub parent_category_id: Option<i64>,
    pub is_active: bool,
    pub is_delete: bool,
    pub created_by: String,
    pub created_by_type: String,
    pub created_date: NaiveDateTime,
    pub modified_by: String,
    pub modified_by_type: String,
    pub modified_date: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = tickets)]
pub(crate) struct TicketRow {
    pub id: i64,
    pub ref_id: String,
    pub user_id: String,
    pub user_type: String,
    pub category_id: i64,
    pub sub_category_id: Option<i64>,
    pub subject: String,
    pub description: String,
    pub status: i32,
    pub priority: i32,
    pub assignee_id: Option<String>,
    pub version: i64,
    pub is_active: bool,
    pub is_delete: bool,
    pub created_by: String,
    pub created_by_type: String,
    pub created_date: NaiveDateTime,
    pub modified_by: String,
    pub modified_by_type: String,
    pub modified_date: NaiveDateTime,
}

impl TicketRow {
    pub(crate) fn into_domain(self) -> Result<Ticket, RepoError> {
        Ok(Ticket {
            id: TicketId(self.id),
            ref_id: RefId::from_stored(self.ref_id),
            user_id: UserId::from_stored(self.user_id),
            user_type: UserType::parse(&self.user_type).map_err(corrupt("user type"))?,
            category_id: CategoryId(self.category_id),
            sub_category_id: self.sub_category_id.map(CategoryId),
            subject: Subject::from_stored(self.subject),
            description: Description::from_stored(self.description),
            status: TicketStatus::from_code(i64::from(self.status)).map_err(corrupt("status"))?,
            priority: Priority::from_code(i64::from(self.priority)).map_err(corrupt("priority"))?,
            assignee_id: self.assignee_id.map(UserId::from_stored),
            version: self.version,
            is_active: self.is_active,
            is_delete: self.is_delete,
            audit: audit_of!(self).into_audit()?,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = tickets, treat_none_as_default_value = false)]
pub(crate) struct NewTicketRow {
    pub ref_id: String,
    pub user_id: String,
    pub user_type: String,
    pub category_id: i64,
    pub sub_category_id: Option<i64>,
    pub subject: String,
    pub description: String,
    pub search_text: String,
    pub status: i32,
    pub priority: i32,
    pub assignee_id: Option<String>,
    pub is_active: bool,
    pub is_delete: bool,
    pub created_by: String,
    pub created_by_type: String,
    pub created_date: NaiveDateTime,
    pub modified_by: String,
    pub modified_by_type: String,
    pub modified_date: NaiveDateTime,
}

impl NewTicketRow {
    /// The row of a ticket just opened.
    pub(crate) fn new(new: &ticketd_ports::NewTicket) -> Self {
        let at = to_db_time(new.at);
        Self {
            search_text: ticketd_domain::search_text(
                new.subject.as_str(),
                new.description.as_str(),
                new.ref_id.as_str(),
            ),
            ref_id: new.ref_id.as_str().to_owned(),
            user_id: new.user_id.as_str().to_owned(),
            user_type: new.user_type.as_str().to_owned(),
            category_id: new.category_id.get(),
            sub_category_id: new.sub_category_id.map(|c| c.get()),
            subject: new.subject.as_str().to_owned(),
            description: new.description.as_str().to_owned(),
            status: new.status.code(),
            priority: new.priority.code(),
            assignee_id: new.assignee_id.as_ref().map(|a| a.as_str().to_owned()),
            is_active: true,
            is_delete: false,
            created_by: new.actor.id.as_str().to_owned(),
            created_by_type: new.actor.user_type.as_str().to_owned(),
            created_date: at,
            modified_by: new.actor.id.as_str().to_owned(),
            modified_by_type: new.actor.user_type.as_str().to_owned(),
            modified_date: at,
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = ticket_messages)]
pub(crate) struct MessageRow {
    pub id: i64,
    pub ticket_id: i64,
    pub sender_id: String,
    pub sender_type: String,
    pub message: Option<String>,
    pub sent_at: NaiveDateTime,
    pub visibility: String,
    pub is_active: bool,
    pub is_delete: bool,
    pub created_by: String,
    pub created_by_type: String,
    pub created_date: NaiveDateTime,
    pub modified_by: String,
    pub modified_by_type: String,
    pub modified_date: NaiveDateTime,
}

impl MessageRow {
    pub(crate) fn into_domain(self, attachments: Vec<Attachment>) -> Result<Message, RepoError> {
        Ok(Message {
            id: MessageId(self.id),
            ticket_id: TicketId(self.ticket_id),
            sender: actor(self.sender_id, &self.sender_type)?,
            body: self.message.map(MessageBody::from_stored),
            sent_at: from_db_time(self.sent_at),
            visibility: Visibility::parse(&self.visibility).map_err(corrupt("visibility"))?,
            is_active: self.is_active,
            is_delete: self.is_delete,
            audit: audit_of!(self).into_audit()?,
            attachments,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = ticket_messages, treat_none_as_default_value = false)]
pub(crate) struct NewMessageRow {
    pub ticket_id: i64,
    pub sender_id: String,
    pub sender_type: String,
    pub message: Option<String>,
    pub sent_at: NaiveDateTime,
    pub visibility: String,
    pub is_active: bool,
    pub is_delete: bool,
    pub created_by: String,
    pub created_by_type: String,
    pub created_date: NaiveDateTime,
    pub modified_by: String,
    pub modified_by_type: String,
    pub modified_date: NaiveDateTime,
}

impl NewMessageRow {
    /// The row of a message just added to ticket `ticket_id`.
    pub(crate) fn new(ticket_id: i64, new: &ticketd_ports::NewMessage) -> Self {
        let at = to_db_time(new.at);
        let sender_id = new.sender.id.as_str().to_owned();
        let sender_type = new.sender.user_type.as_str().to_owned();
        Self {
            ticket_id,
            sender_id: sender_id.clone(),
            sender_type: sender_type.clone(),
            message: new.body.as_ref().map(|b| b.as_str().to_owned()),
            sent_at: at,
            visibility: new.visibility.as_str().to_owned(),
            is_active: true,
            is_delete: false,
            created_by: sender_id.clone(),
            created_by_type: sender_type.clone(),
            created_date: at,
            modified_by: sender_id,
            modified_by_type: sender_type,
            modified_date: at,
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = ticket_attachments)]
pub(crate) struct AttachmentRow {
    pub id: i64,
    pub message_id: i64,
    pub ticket_id: i64,
    pub file_name: String,
    pub file_path: String,
    pub upload_key: Option<String>,
    pub is_active: bool,
    pub is_delete: bool,
    pub created_by: String,
    pub created_by_type: String,
    pub created_date: NaiveDateTime,
    pub modified_by: String,
    pub modified_by_type: String,
    pub modified_date: NaiveDateTime,
}

impl AttachmentRow {
    pub(crate) fn into_domain(self) -> Result<Attachment, RepoError> {
        Ok(Attachment {
            id: AttachmentId(self.id),
            message_id: MessageId(self.message_id),
            ticket_id: TicketId(self.ticket_id),
            file_name: FileName::from_stored(&self.file_name),
            file_path: FilePath::from_stored(self.file_path),
            upload: self
                .upload_key
                .map(|k| UploadKey::parse(&k))
                .transpose()
                .map_err(corrupt("upload key"))?,
            is_active: self.is_active,
            is_delete: self.is_delete,
            audit: audit_of!(self).into_audit()?,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = ticket_attachments)]
pub(crate) struct NewAttachmentRow {
    pub message_id: i64,
    pub ticket_id: i64,
    pub file_name: String,
    pub file_path: String,
    pub upload_key: Option<String>,
    pub is_active: bool,
    pub is_delete: bool,
    pub created_by: String,
    pub created_by_type: String,
    pub created_date: NaiveDateTime,
    pub modified_by: String,
    pub modified_by_type: String,
    pub modified_date: NaiveDateTime,
}

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
    pub created_by: String,
    pub created_by_type: String,
    pub created_date: NaiveDateTime,
    pub modified_by: String,
    pub modified_by_type: String,
    pub modified_date: NaiveDateTime,
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
            audit: audit_of!(self).into_audit()?,
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
    pub created_by: String,
    pub created_by_type: String,
    pub created_date: NaiveDateTime,
    pub modified_by: String,
    pub modified_by_type: String,
    pub modified_date: NaiveDateTime,
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
            created_by: log.actor.id.as_str().to_owned(),
            created_by_type: log.actor.user_type.as_str().to_owned(),
            created_date: at,
            modified_by: log.actor.id.as_str().to_owned(),
            modified_by_type: log.actor.user_type.as_str().to_owned(),
            modified_date: at,
        }
    }
}

/// One field change as stored in `ticket_logs.changes` (a JSON array).
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredChange {
    field: String,
    from: Option<String>,
    to: Option<String>,
}

fn changes_to_json(changes: &[FieldChange]) -> String {
    let stored: Vec<StoredChange> = changes
        .iter()
        .map(|c| StoredChange {
            field: c.field.as_str().to_owned(),
            from: c.from.clone(),
            to: c.to.clone(),
        })
        .collect();
    // Serialising strings and options cannot fail.
    serde_json::to_string(&stored).unwrap_or_else(|_| "[]".to_owned())
}

fn changes_from_json(json: &str) -> Result<Vec<FieldChange>, RepoError> {
    let stored: Vec<StoredChange> = serde_json::from_str(json).map_err(|e| {
        RepoError::Unexpected(anyhow::anyhow!("stored log changes are invalid: {e}"))
    })?;
    stored
        .into_iter()
        .map(|c| {
            let field = ChangedField::parse(&c.field).map_err(corrupt("changed field"))?;
            Ok(FieldChange::new(field, c.from, c.to))
        })
        .collect()
}

/// Converts a count from the database.
pub(crate) fn count(n: i64) -> Result<u64, RepoError> {
    u64::try_from(n)
        .context("negative count")
        .map_err(RepoError::Unexpected)
}

//! Rows of `ticket_messages` and `ticket_attachments`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use ticketd_ports::RepoError;

use ticketd_domain::{
    Attachment, AttachmentId, FileName, FilePath, Message, MessageBody, MessageId, TicketId,
    UploadKey, Visibility,
};

use super::{AttachmentAudit, MessageAudit, actor, corrupt, from_db_time, to_db_time};
use crate::schema::{ticket_attachments, ticket_messages};

#[derive(Queryable, Selectable, serde::Serialize, serde::Deserialize)]
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
    #[diesel(embed)]
    pub audit: MessageAudit,
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
            audit: self.audit.into_audit()?,
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
    #[diesel(embed)]
    pub audit: MessageAudit,
}

impl NewMessageRow {
    /// The row of a message just added to ticket `ticket_id`.
    pub(crate) fn new(ticket_id: i64, new: &ticketd_ports::NewMessage) -> Self {
        let at = to_db_time(new.at);
        Self {
            ticket_id,
            sender_id: new.sender.id.as_str().to_owned(),
            sender_type: new.sender.user_type.as_str().to_owned(),
            message: new.body.as_ref().map(|b| b.as_str().to_owned()),
            sent_at: at,
            visibility: new.visibility.as_str().to_owned(),
            is_active: true,
            is_delete: false,
            audit: MessageAudit::new(&new.sender, at),
        }
    }
}

#[derive(Queryable, Selectable, serde::Serialize, serde::Deserialize)]
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
    #[diesel(embed)]
    pub audit: AttachmentAudit,
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
            audit: self.audit.into_audit()?,
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
    #[diesel(embed)]
    pub audit: AttachmentAudit,
}

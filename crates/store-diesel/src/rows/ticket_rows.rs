//! Rows of `tickets`.

use diesel::prelude::*;
use ticketd_ports::RepoError;

use ticketd_domain::{
    CategoryId, Description, Priority, RefId, Subject, Ticket, TicketId, TicketStatus, UserId,
    UserType,
};

use super::{TicketAudit, corrupt, to_db_time};
use crate::schema::tickets;

#[derive(Queryable, Selectable, serde::Serialize, serde::Deserialize)]
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
    #[diesel(embed)]
    pub audit: TicketAudit,
    /// The clocks, as [`crate::sla`] keeps them.
    #[serde(default)]
    pub sla: Option<String>,
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
            audit: self.audit.into_audit()?,
            sla: crate::sla::clocks(self.sla.as_deref())?,
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
    #[diesel(embed)]
    pub audit: TicketAudit,
    #[diesel(embed)]
    pub clocks: crate::sla::SlaColumns,
}

impl NewTicketRow {
    /// The row of a ticket just opened, with its `clocks`.
    pub(crate) fn new(new: &ticketd_ports::NewTicket, clocks: crate::sla::SlaColumns) -> Self {
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
            audit: TicketAudit::new(&new.actor, at),
            clocks,
        }
    }
}

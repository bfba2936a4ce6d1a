//! Changing a ticket: its status through the workflow, its priority,
//! assignee and category, and deleting or restoring it.

use ticketd_domain::{
    Actor, CategoryId, ChangedField, FieldChange, LogAction, Priority, TicketId, TicketStatus,
    TransitionError, UserId, UserType,
};
use ticketd_ports::{NewLogEntry, RepoError, TicketUpdate, TicketView};

use crate::desk::{SupportDesk, about_ticket};
use crate::error::AppError;
use crate::tickets::{staff_only, text};

/// Changes asked of a ticket; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TicketChanges {
    /// A new status.
    pub status: Option<TicketStatus>,
    /// A new priority.
    pub priority: Option<Priority>,
    /// A new assignee; `Some(None)` unassigns.
    pub assignee_id: Option<Option<UserId>>,
    /// A new top-level category.
    pub category_id: Option<CategoryId>,
    /// A new sub-category; `Some(None)` clears it.
    pub sub_category_id: Option<Option<CategoryId>>,
}

impl TicketChanges {
    fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.priority.is_none()
            && self.assignee_id.is_none()
            && self.category_id.is_none()
            && self.sub_category_id.is_none()
    }

    /// Whether the status is all that is asked to change.
    pub fn only_status(&self) -> bool {
        self.priority.is_none()
            && self.assignee_id.is_none()
            && self.category_id.is_none()
            && self.sub_category_id.is_none()
    }
}

fn names(statuses: &[TicketStatus]) -> String {
    if statuses.is_empty() {
        return "none".into();
    }
    statuses
        .iter()
        .map(|s| format!("{} ({})", s.code(), s.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn transition_error(e: TransitionError) -> AppError {
    match e {
        TransitionError::NotAllowed { from, to, allowed } => AppError::Conflict(format!(
            "a ticket cannot move from {from} to {to}; from {from} it may move to: {}",
            names(&allowed)
        )),
        TransitionError::Forbidden { from, to, allowed } => AppError::Forbidden(format!(
            "you may not move a ticket from {from} to {to}; you may move it to: {}",
            names(&allowed)
        )),
    }
}

impl SupportDesk {
    /// Changes a ticket's status, priority, assignee or category, logged as one
    /// entry with what changed: `Updated ticket status` when only the status
    /// changed, else `Updated ticket`. A customer may change only the status,
    /// and only as the workflow allows it. Asking for what the ticket already
    /// has changes nothing and writes no entry.
    ///
    /// With `expected_version` (from a read the client made, e.g. through an
    /// `If-Match` header), the change applies only if the ticket is still at
    /// that version, else `Stale`.
    pub async fn update_ticket(
        &self,
        actor: &Actor,
        id: TicketId,
        changes: TicketChanges,
        expected_version: Option<i64>,
    ) -> Result<TicketView, AppError> {
        if changes.is_empty() {
            return Err(AppError::invalid(
                "body",
                "give at least one of status, priority, assigneeId, categoryId, subCategoryId",
            ));
        }
        let view = self.visible_ticket(actor, id, false).await?;
        if expected_version.is_some_and(|v| v != view.ticket.version) {
            return Err(AppError::Stale(format!(
                "ticket {id} changed since it was read; read it again"
            )));
        }
        if !changes.only_status() {
            staff_only(actor, "change a ticket's priority, assignee or category")?;
        }
        let t = &view.ticket;
        if let Some(to) = changes.status {
            t.status
                .check_change(to, actor.user_type)
                .map_err(transition_error)?;
        }
        if let Some(Some(assignee)) = &changes.assignee_id {
            self.check_assignee(actor, assignee).await?;
        }
        let category_id = changes.category_id.unwrap_or(t.category_id);
        if changes.category_id.is_some() {
            self.top_category("categoryId", category_id).await?;
        }
        let sub_category_id = match changes.sub_category_id {
            Some(Some(sub)) => {
                self.sub_category(category_id, sub).await?;
                Some(sub)
            }
            Some(None) => None,
            // A new category drops a sub-category that is not one of its children.
            None if category_id != t.category_id => match t.sub_category_id {
                Some(sub) if self.sub_category(category_id, sub).await.is_ok() => Some(sub),
                _ => None,
            },
            None => t.sub_category_id,
        };

        let mut update = TicketUpdate::new(t.version, actor, self.clock.now());
        let mut log_changes = Vec::new();
        if let Some(to) = changes.status.filter(|s| *s != t.status) {
            update.status = Some(to);
            log_changes.push(FieldChange::new(
                ChangedField::Status,
                text(Some(t.status)),
                text(Some(to)),
            ));
        }
        if let Some(to) = changes.priority.filter(|p| *p != t.priority) {
            update.priority = Some(to);
            log_changes.push(FieldChange::new(
                ChangedField::Priority,
                text(Some(t.priority)),
                text(Some(to)),
            ));
        }
        if let Some(to) = changes.assignee_id.filter(|a| a != &t.assignee_id) {
            log_changes.push(FieldChange::new(
                ChangedField::AssigneeId,
                text(t.assignee_id.as_ref()),
                text(to.as_ref()),
            ));
            update.assignee_id = Some(to);
        }
        if category_id != t.category_id {
            update.category_id = Some(category_id);
            log_changes.push(FieldChange::new(
                ChangedField::CategoryId,
                text(Some(t.category_id)),
                text(Some(category_id)),
            ));
        }
        if sub_category_id != t.sub_category_id {
            update.sub_category_id = Some(sub_category_id);
            log_changes.push(FieldChange::new(
                ChangedField::SubCategoryId,
                text(t.sub_category_id),
                text(sub_category_id),
            ));
        }
        if log_changes.is_empty() {
            return Ok(view);
        }
        if t.status.is_final() {
            return Err(AppError::Conflict(format!(
                "ticket {id} is closed, and closed is final; open a new ticket instead"
            )));
        }
        self.remember(actor).await?;
        let only_status = log_changes.iter().all(|c| c.field == ChangedField::Status);
        let action = if only_status {
            LogAction::UpdatedStatus
        } else {
            LogAction::UpdatedTicket
        };
        let mut log = NewLogEntry::new(action, actor, update.at);
        log.changes = log_changes;
        self.ports
            .tickets
            .update_ticket(id, update, log)
            .await
            .map_err(|e| match e {
                RepoError::Conflict(_) if expected_version.is_some() => AppError::Stale(format!(
                    "ticket {id} changed since it was read; read it again"
                )),
                RepoError::Conflict(_) => AppError::Conflict(format!(
                    "ticket {id} changed while this request was made; read it again and retry"
                )),
                other => about_ticket(id)(other),
            })
    }

    /// Deletes (`true`) or restores (`false`) a ticket: admins only. A deleted
    /// ticket vanishes for everyone but admins who ask for deleted tickets.
    pub async fn set_deleted(
        &self,
        actor: &Actor,
        id: TicketId,
        deleted: bool,
    ) -> Result<TicketView, AppError> {
        if actor.user_type != UserType::Admin {
            return Err(AppError::Forbidden(
                "only an admin may delete or restore tickets".into(),
            ));
        }
        let view = self.visible_ticket(actor, id, !deleted).await?;
        if view.ticket.is_delete == deleted {
            return Err(AppError::Conflict(if deleted {
                format!("ticket {id} is already deleted")
            } else {
                format!("ticket {id} is not deleted")
            }));
        }
        self.remember(actor).await?;
        let at = self.clock.now();
        let action = if deleted {
            LogAction::DeletedTicket
        } else {
            LogAction::RestoredTicket
        };
        let mut log = NewLogEntry::new(action, actor, at);
        log.changes = vec![FieldChange::new(
            ChangedField::IsDelete,
            Some((!deleted).to_string()),
            Some(deleted.to_string()),
        )];
        let update = TicketUpdate {
            is_delete: Some(deleted),
            ..TicketUpdate::new(view.ticket.version, actor, at)
        };
        self.ports
            .tickets
            .update_ticket(id, update, log)
            .await
            .map_err(|e| match e {
                RepoError::Conflict(_) => {
                    AppError::Conflict(format!("ticket {id} changed meanwhile; read it again"))
                }
                other => about_ticket(id)(other),
            })
    }
}

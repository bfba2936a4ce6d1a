//! The fake of `TicketRepository`.

use super::sla::Cause;
use super::*;

#[async_trait]
impl TicketRepository for InMemoryStore {
    async fn create_ticket(
        &self,
        new: NewTicket,
        log: NewLogEntry,
    ) -> Result<TicketView, RepoError> {
        let mut s = self.lock()?;
        if s.tickets.iter().any(|t| t.ref_id == new.ref_id) {
            return Err(RepoError::Conflict(
                "the ticket's reference was taken meanwhile; send the request again".into(),
            ));
        }
        s.answerable(new.answer.as_ref())?;
        let ticket = Ticket {
            id: TicketId(s.tickets.len() as i64 + 1),
            ref_id: new.ref_id,
            user_id: new.user_id,
            user_type: new.user_type,
            category_id: new.category_id,
            sub_category_id: new.sub_category_id,
            subject: new.subject,
            description: new.description,
            status: new.status,
            priority: new.priority,
            assignee_id: new.assignee_id,
            version: 1,
            is_active: true,
            is_delete: false,
            audit: Audit::new(&new.actor, new.at),
            sla: ticketd_domain::TicketSla::default(),
        };
        let mut ticket = ticket;
        ticket.sla = s.opening_clocks(&ticket);
        let view = s.view(&ticket)?;
        s.keep_answer(new.answer.as_ref(), &view)?;
        let id = ticket.id;
        s.tickets.push(ticket);
        s.push_log(id, log, None)?;
        Ok(view)
    }

    async fn get_ticket(&self, id: TicketId) -> Result<Option<TicketView>, RepoError> {
        let s = self.lock()?;
        s.ticket(id).map(|t| s.view(t)).transpose()
    }

    async fn ticket_details(
        &self,
        id: TicketId,
        scope: &ReadScope,
    ) -> Result<Option<TicketDetails>, RepoError> {
        let s = self.lock()?;
        let Some(ticket) = s.ticket(id).filter(|t| scope.admits(t)) else {
            return Ok(None);
        };
        let view = s.view(ticket)?;
        let messages = s
            .messages
            .iter()
            .filter(|m| m.ticket_id == id)
            .filter(|m| scope.include_internal || m.visibility == Visibility::Public)
            .cloned()
            .collect();
        Ok(Some(TicketDetails {
            ticket: view.ticket,
            category: view.category,
            messages,
        }))
    }

    async fn list_tickets(
        &self,
        filter: &TicketFilter,
        page: Page,
    ) -> Result<Vec<TicketView>, RepoError> {
        let s = self.lock()?;
        let mut rows: Vec<&Ticket> = s.tickets.iter().filter(|t| s.matches(t, filter)).collect();
        let sort = filter.sort;
        rows.sort_by_key(|t| {
            let p = Position::of_ticket(sort, t);
            (p.value, p.id)
        });
        if sort.descending {
            rows.reverse();
        }
        let views = rows
            .into_iter()
            .map(|t| s.view(t))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(page_of(views, page, sort.descending, |v| {
            Position::of_ticket(sort, &v.ticket)
        }))
    }

    async fn count_tickets(&self, filter: &TicketFilter, at_most: u64) -> Result<u64, RepoError> {
        let s = self.lock()?;
        let n = s.tickets.iter().filter(|t| s.matches(t, filter)).count() as u64;
        Ok(n.min(at_most))
    }

    async fn add_message(
        &self,
        id: TicketId,
        new: NewMessage,
        log: NewLogEntry,
        reopen: Option<StatusChange>,
    ) -> Result<Message, RepoError> {
        let mut s = self.lock()?;
        let ticket = s.live_ticket(id).ok_or(RepoError::NotFound)?;
        let (ticket_status, ticket_priority) = (ticket.status, ticket.priority);
        if !ticket.status.accepts_messages() {
            return Err(RepoError::Conflict(
                "the ticket is closed, or its status changed".into(),
            ));
        }
        if reopen.as_ref().is_some_and(|r| r.from != ticket.status) {
            return Err(RepoError::Conflict(
                "the ticket is closed, or its status changed".into(),
            ));
        }
        s.answerable(new.answer.as_ref())?;
        let message_id = MessageId(s.messages.len() as i64 + 1);
        for (i, a) in new.attachments.iter().enumerate() {
            if let Some(key) = &a.upload {
                // The store's own words for each case (stable messages).
                let Some(upload) = s.uploads.iter().find(|u| &u.key == key) else {
                    return Err(RepoError::Conflict("the upload is gone".into()));
                };
                let twice = new.attachments[..i].iter().any(|b| b.upload == a.upload);
                if upload.attached_to.is_some() || twice {
                    return Err(RepoError::Conflict(
                        "the upload is already attached to a message".into(),
                    ));
                }
            }
        }
        for a in &new.attachments {
            if let Some(key) = &a.upload
                && let Some(u) = s.uploads.iter_mut().find(|u| &u.key == key)
            {
                u.attached_to = Some(ticketd_domain::AttachedTo {
                    ticket_id: id,
                    message_id,
                    visibility: new.visibility,
                });
            }
        }
        let audit = Audit::new(&new.sender, new.at);
        let mut attachments = Vec::with_capacity(new.attachments.len());
        for a in new.attachments {
            s.next_attachment += 1;
            attachments.push(Attachment {
                id: AttachmentId(s.next_attachment),
                message_id,
                ticket_id: id,
                file_name: a.file_name,
                file_path: a.file_path,
                upload: a.upload,
                is_active: true,
                is_delete: false,
                audit: audit.clone(),
            });
        }
        let message = Message {
            id: message_id,
            ticket_id: id,
            sender: new.sender.clone(),
            body: new.body,
            sent_at: new.at,
            visibility: new.visibility,
            is_active: true,
            is_delete: false,
            audit,
            attachments,
        };
        s.keep_answer(new.answer.as_ref(), &message)?;
        let was = (ticket_status, ticket_priority);
        if let Some(t) = s.tickets.iter_mut().find(|t| t.id == id) {
            // An internal note changes nothing a customer can read.
            if new.visibility == Visibility::Public {
                t.audit.touch(&new.sender, new.at);
            }
            if let Some(r) = &reopen {
                t.status = r.to;
                t.version += 1;
            }
        }
        s.messages.push(message.clone());
        let cause = Cause::Message(new.sender.user_type, new.visibility);
        let breaches = s.advance(id, was, cause, new.at)?;
        s.push_log(id, log, Some(&message))?;
        if let Some(r) = reopen {
            s.push_log(id, r.log, None)?;
        }
        s.announce(id, breaches, new.at)?;
        Ok(message)
    }

    async fn update_ticket(
        &self,
        id: TicketId,
        update: TicketUpdate,
        log: NewLogEntry,
    ) -> Result<TicketView, RepoError> {
        let mut s = self.lock()?;
        let restoring = update.is_delete == Some(false);
        let ticket = s
            .tickets
            .iter_mut()
            .find(|t| t.id == id && (!t.is_delete || restoring))
            .ok_or(RepoError::NotFound)?;
        if ticket.version != update.expected_version {
            return Err(RepoError::Conflict("the ticket changed meanwhile".into()));
        }
        let was = (ticket.status, ticket.priority);
        if let Some(v) = update.status {
            ticket.status = v;
        }
        if let Some(v) = update.priority {
            ticket.priority = v;
        }
        if let Some(v) = update.assignee_id {
            ticket.assignee_id = v;
        }
        if let Some(v) = update.category_id {
            ticket.category_id = v;
        }
        if let Some(v) = update.sub_category_id {
            ticket.sub_category_id = v;
        }
        if let Some(v) = update.is_delete {
            ticket.is_delete = v;
        }
        ticket.version += 1;
        ticket.audit.touch(&update.actor, update.at);
        let breaches = s.advance(id, was, Cause::Nothing, update.at)?;
        s.push_log(id, log, None)?;
        s.announce(id, breaches, update.at)?;
        s.get(id)
    }
}

//! The use cases of ticketd: opening and reading tickets, adding messages and
//! internal notes, uploading files and attaching them, moving tickets through
//! their workflow, assigning and re-categorising them, deleting and restoring
//! them, reading the audit log, service-level policies and clocks, and
//! managing categories.
//!
//! This is where the rules of who may do what live, and where each change is
//! paired with the audit-log entry that records it. The use cases talk to the
//! world only through the ports of `ticketd-ports`.
#![deny(missing_docs)]

mod categories;
mod changes;
mod desk;
mod error;
mod events;
mod logs;
mod paging;
mod sla;
mod sniff;
mod tickets;
mod upload_batch;
mod uploads;
mod webhooks;

pub use changes::TicketChanges;
pub use desk::{DEFAULT_LIMIT, MAX_ATTACHMENTS, MAX_LIMIT, StoragePorts, SupportDesk};
pub use error::{AppError, FieldError};
pub use events::EventQuery;
pub use paging::{
    COUNT_CAP, Count, Cursor, CursorError, ListOrder, ListPage, MAX_OFFSET, PageRequest,
};
pub use sniff::{ACCEPTED_TYPES, sniff_content_type};
pub use ticketd_ports::{SortField, TicketQuery, TicketSort};
pub use tickets::{AttachmentInput, NewMessageInput, OpenTicketInput};
pub use upload_batch::UploadBatch;
pub use uploads::{AttachmentPolicy, OpenedUpload, SweepReport};
pub use webhooks::{
    EndpointInput, FIRST_RETRY_DELAY, MAX_RETRY_DELAY, RETRY_FOR, WebhookPolicy, new_secret,
    retry_delay, signature,
};

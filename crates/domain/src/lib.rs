//! The support-ticket domain of ticketd: tickets, their messages and attachments,
//! categories, audit-log entries, service-level clocks, and the people who act
//! on them.
//!
//! Every value that comes in is checked when it is made (`Subject::parse`,
//! `TicketStatus::from_code`, ...). Text read back from storage is wrapped as
//! it was stored (`Subject::from_stored`, ...): rules apply to what comes in,
//! and tightening one later never makes stored rows unreadable. The crate knows
//! no framework: no database, web server or serialisation library appears in it.
//! Adapters convert their own types into these at their border.
#![deny(missing_docs)]

mod actor;
mod category;
mod error;
mod event;
mod ids;
mod log_entry;
mod message;
mod priority;
pub mod rules;
mod sla;
mod status;
mod text;
mod ticket;
mod upload;
mod webhook;

pub use actor::{Actor, UserId, UserType};
pub use category::{Category, CategoryName};
pub use error::ValidationError;
pub use event::EventType;
pub use ids::{
    AttachmentId, CategoryId, DeliveryId, EndpointId, EventId, LogEntryId, MessageId, TicketId,
};
pub use log_entry::{ChangedField, FieldChange, LogAction, LogEntry};
pub use message::{Attachment, FileName, FilePath, Message, Visibility};
pub use priority::Priority;
pub use sla::{BusinessHours, SlaClock, SlaKind, SlaPolicy, SlaState, SlaTarget, TicketSla};
pub use status::{TicketStatus, TransitionError};
pub use text::{Description, Keyword, MessageBody, RefId, Subject, fold_case, search_text};
pub use ticket::{Audit, Ticket};
pub use upload::{AttachedTo, Upload, UploadKey};
pub use webhook::DeliveryState;

/// A point in time, in UTC, with whole seconds.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// Truncates a time to whole seconds, the precision ticketd stores and publishes.
pub fn whole_seconds(t: Timestamp) -> Timestamp {
    use chrono::{SubsecRound, Timelike};
    if t.nanosecond() == 0 {
        t
    } else {
        t.trunc_subsecs(0)
    }
}

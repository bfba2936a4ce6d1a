//! The ports of ticketd: the traits its use cases need from the outside world
//! (storage of tickets, categories, the audit log, the events of changes,
//! service-level policies and clocks, uploads and their bytes; a clock), the values that cross them, and the errors they return.
//!
//! An adapter (the diesel store, the object-store file adapter) implements
//! these traits; the use cases in `ticketd-app` hold them as `Arc<dyn Trait>`
//! and never know which adapter is behind them. In-memory fakes of every port,
//! and the contract suite every storage adapter runs, are in `ticketd-testkit`.
#![deny(missing_docs)]

mod clock;
mod error;
mod files;
mod model;
mod repos;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::RepoError;
pub use files::{ByteStream, FileStore, FileWriter, StoredFile};
pub use model::{
    ClaimedDelivery, Delivery, DeliveryAttempt, DeliveryOutcome, EndpointChange, Event,
    EventFilter, KeptAnswer, LogFilter, MessageTarget, NO_DUE_MICROS, NewAttachment, NewCategory,
    NewEndpoint, NewLogEntry, NewMessage, NewTicket, NewUpload, Page, Position, ReadScope,
    SortField, StatusChange, TicketDetails, TicketFilter, TicketQuery, TicketSort, TicketUpdate,
    TicketView, WebhookEndpoint, due_key, due_micros,
};
pub use repos::{
    AuditLogRepository, CategoryRepository, Claim, EventLog, IdempotencyStore, PoolStats, SlaStore,
    StoreHealth, TicketRepository, UploadRepository, UserDirectory, WebhookStore,
};

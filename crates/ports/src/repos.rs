use async_trait::async_trait;
use ticketd_domain::{
    Actor, Category, CategoryId, DeliveryId, EndpointId, LogEntry, Message, SlaPolicy, TicketId,
    Timestamp, Upload, UploadKey, UserId, UserType,
};

use crate::error::RepoError;
use crate::model::{
    ClaimedDelivery, Delivery, DeliveryAttempt, DeliveryOutcome, EndpointChange, Event,
    EventFilter, LogFilter, MessageTarget, NewCategory, NewEndpoint, NewLogEntry, NewMessage,
    NewTicket, NewUpload, Page, Position, ReadScope, StatusChange, TicketDetails, TicketFilter,
    TicketUpdate, TicketView, WebhookEndpoint,
};

/// Keeps the service-level policy and the tickets' clocks. Every ticket
/// write applies the policy stored at the time to the ticket's clocks in its
/// own transaction (opening starts them, `pending` pauses them, a public
/// staff reply stops the first-response clock, ...; see
/// [`ticketd_domain::TicketSla`]), marks the breaches it finds, and writes an
/// `sla.breached` event for each.
#[async_trait]
pub trait SlaStore: Send + Sync {
    /// The policy in force: [`SlaPolicy::default`] until one is set.
    async fn sla_policy(&self) -> Result<SlaPolicy, RepoError>;

    /// Sets the policy for tickets opened, or changed in priority, from now
    /// on; running clocks keep their targets.
    async fn set_sla_policy(&self, policy: SlaPolicy) -> Result<SlaPolicy, RepoError>;

    /// Marks the breaches of up to `limit` tickets whose running clocks fell
    /// due before `at`, each with its `sla.breached` event in the ticket's
    /// transaction: a breach is marked and announced once, however many
    /// servers sweep. Returns how many tickets it settled.
    async fn settle_sla(&self, at: Timestamp, limit: u32) -> Result<u32, RepoError>;
}

/// Stores tickets and their messages. Every write takes the log entry that
/// records it and stores both in one transaction: both land or neither does.
#[async_trait]
pub trait TicketRepository: Send + Sync {
    /// Stores a new ticket and its "created" log entry; returns the new ticket.
    async fn create_ticket(
        &self,
        ticket: NewTicket,
        log: NewLogEntry,
    ) -> Result<TicketView, RepoError>;

    /// A ticket with its category (deleted or not), or `None` if there is none.
    async fn get_ticket(&self, id: TicketId) -> Result<Option<TicketView>, RepoError>;

    /// A ticket with its category, and the messages (with their attachments)
    /// that `scope` admits, or `None` if there is no such ticket or `scope`
    /// does not admit it. Nothing but the ticket's own row is read for a
    /// ticket the scope does not admit.
    async fn ticket_details(
        &self,
        id: TicketId,
        scope: &ReadScope,
    ) -> Result<Option<TicketDetails>, RepoError>;

    /// The tickets matching `filter`, in its order, as far as `page` reaches:
    /// a store reads no more rows than the page needs (and, with an offset,
    /// the rows it skips).
    async fn list_tickets(
        &self,
        filter: &TicketFilter,
        page: Page,
    ) -> Result<Vec<TicketView>, RepoError>;

    /// How many tickets match `filter`, counting no further than `at_most`.
    async fn count_tickets(&self, filter: &TicketFilter, at_most: u64) -> Result<u64, RepoError>;

    /// Adds a message with its attachments and log entry to a live ticket that
    /// still takes messages, marks the ticket modified, and applies `reopen`
    /// (a status change the message causes) with its own entry.
    /// `NotFound` if the ticket is gone or deleted; `Conflict` if it is closed
    /// or its status is no longer `reopen.from`.
    async fn add_message(
        &self,
        id: TicketId,
        message: NewMessage,
        log: NewLogEntry,
        reopen: Option<StatusChange>,
    ) -> Result<Message, RepoError>;

    /// Adds a message as [`add_message`](Self::add_message) does, to a ticket
    /// checked against `target` by the write itself
    /// ([`MessageTarget::check`]): `NotFound` if the ticket is gone, deleted
    /// or not `target.owner`'s, `Conflict` if it is closed; otherwise the
    /// status change `target.reopen` gives for the status found is applied
    /// with the message. A store should hold the ticket from that check to
    /// its commit (one connection, one transaction), so that no status moves
    /// in between. This default reads the ticket first and then calls
    /// `add_message`, which refuses a status that moved meanwhile with
    /// `Conflict`.
    async fn add_message_to(
        &self,
        id: TicketId,
        message: NewMessage,
        log: NewLogEntry,
        target: MessageTarget,
    ) -> Result<Message, RepoError> {
        let view = self.get_ticket(id).await?.ok_or(RepoError::NotFound)?;
        let t = &view.ticket;
        let reopen = target.check(id, t.status, &t.user_id, t.is_delete)?;
        self.add_message(id, message, log, reopen).await
    }

    /// Applies `update` to a ticket still at `update.expected_version`, with its
    /// log entry. `NotFound` if the ticket is gone (or deleted, unless the update
    /// restores it); `Conflict` if its version moved.
    async fn update_ticket(
        &self,
        id: TicketId,
        update: TicketUpdate,
        log: NewLogEntry,
    ) -> Result<TicketView, RepoError>;
}

/// Stores ticket categories.
#[async_trait]
pub trait CategoryRepository: Send + Sync {
    /// Every active, undeleted category, top-level ones and their children, by id.
    async fn list_active_categories(&self) -> Result<Vec<Category>, RepoError>;

    /// One category, whatever its state, or `None`.
    async fn get_category(&self, id: CategoryId) -> Result<Option<Category>, RepoError>;

    /// Stores a new category. `Conflict` if a sibling has the same name.
    async fn create_category(&self, category: NewCategory) -> Result<Category, RepoError>;
}

/// Reads the audit log (entries are written by the [`TicketRepository`]).
#[async_trait]
pub trait AuditLogRepository: Send + Sync {
    /// The entries matching `filter`, in its order.
    async fn list_log_entries(
        &self,
        filter: &LogFilter,
        page: Page,
    ) -> Result<Vec<LogEntry>, RepoError>;

    /// How many entries match `filter`, counting no further than `at_most`.
    async fn count_log_entries(&self, filter: &LogFilter, at_most: u64) -> Result<u64, RepoError>;
}

/// Reads the events that ticket writes leave (they are written by the
/// [`TicketRepository`], each in the transaction of its change), and
/// forgets old ones.
#[async_trait]
pub trait EventLog: Send + Sync {
    /// The events matching `filter`, in the order they became readable,
    /// from the position after `page.after`. A store may make an event
    /// readable a moment after its change commits, but never at a position
    /// before one already readable.
    async fn list_events(&self, filter: &EventFilter, page: Page) -> Result<Vec<Event>, RepoError>;

    /// The position of the last event readable now, or `None` if there is
    /// none: a reader that starts there reads only what happens from now on.
    async fn last_event_position(&self) -> Result<Option<Position>, RepoError>;

    /// Forgets at most `limit` events that happened before `before`, oldest
    /// first; returns how many.
    async fn forget_events_before(&self, before: Timestamp, limit: u32) -> Result<u64, RepoError>;
}

/// Keeps webhook endpoints and the deliveries of events to them.
///
/// Deliveries are queued from the events in the order they became readable
/// ([`queue_deliveries`](Self::queue_deliveries)), each event once per
/// endpoint that wants it, and claimed by workers for attempts. Several
/// servers on one database queue each event once and never claim the same
/// delivery at once; an endpoint's deliveries for one ticket are claimed one
/// at a time, in the order of the ticket's events.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Registers an endpoint: it receives the events that become readable
    /// from now on.
    async fn create_endpoint(&self, new: NewEndpoint) -> Result<WebhookEndpoint, RepoError>;

    /// Every endpoint, by id.
    async fn list_endpoints(&self) -> Result<Vec<WebhookEndpoint>, RepoError>;

    /// One endpoint, or `None`.
    async fn get_endpoint(&self, id: EndpointId) -> Result<Option<WebhookEndpoint>, RepoError>;

    /// Changes an endpoint at `at`. `NotFound` if there is none.
    async fn update_endpoint(
        &self,
        id: EndpointId,
        change: EndpointChange,
        at: Timestamp,
    ) -> Result<WebhookEndpoint, RepoError>;

    /// Gives an endpoint a new secret; the old one keeps signing beside it
    /// until `previous_until`. `NotFound` if there is none.
    async fn rotate_secret(
        &self,
        id: EndpointId,
        secret: String,
        previous_until: Timestamp,
        at: Timestamp,
    ) -> Result<WebhookEndpoint, RepoError>;

    /// Removes an endpoint with its deliveries. `NotFound` if there is none.
    async fn delete_endpoint(&self, id: EndpointId) -> Result<(), RepoError>;

    /// Queues the deliveries of at most `limit` events not queued yet, due at
    /// `at`, for the active endpoints that want them; returns how many
    /// events it went through (fewer than `limit`: none are left).
    async fn queue_deliveries(&self, at: Timestamp, limit: u32) -> Result<u32, RepoError>;

    /// Claims at most `limit` deliveries due at `now`, of active endpoints,
    /// each the earliest pending one of its endpoint and ticket, until
    /// `lease_until`; counts the attempt.
    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>, RepoError>;

    /// Records an attempt at a claimed delivery, and what follows it.
    async fn finish_attempt(
        &self,
        id: DeliveryId,
        attempt: DeliveryAttempt,
        outcome: DeliveryOutcome,
    ) -> Result<(), RepoError>;

    /// An endpoint's deliveries, newest first.
    async fn list_deliveries(
        &self,
        endpoint: EndpointId,
        page: Page,
    ) -> Result<Vec<Delivery>, RepoError>;

    /// One delivery, or `None`.
    async fn get_delivery(&self, id: DeliveryId) -> Result<Option<Delivery>, RepoError>;

    /// A delivery's attempts, oldest first.
    async fn list_attempts(&self, id: DeliveryId) -> Result<Vec<DeliveryAttempt>, RepoError>;

    /// Makes a delivery that is not pending pending again, due at `at`, as a
    /// new delivery would be (its attempts are kept). `NotFound` if there is
    /// none, `Conflict` if it is pending.
    async fn resend_delivery(&self, id: DeliveryId, at: Timestamp) -> Result<Delivery, RepoError>;
}

/// Remembers who has used the desk as staff, so that tickets are assigned only
/// to agents and admins.
#[async_trait]
pub trait UserDirectory: Send + Sync {
    /// Records that `actor` acted, with its current kind.
    async fn remember_user(&self, actor: &Actor) -> Result<(), RepoError>;

    /// The kind a user had when last seen, or `None` if never seen.
    async fn user_type(&self, id: &UserId) -> Result<Option<UserType>, RepoError>;
}

/// How the store's connections are used right now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open, busy or idle.
    pub connections: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// The most connections the pool opens.
    pub max: u32,
}

/// Tells whether storage answers, and how busy it is.
#[async_trait]
pub trait StoreHealth: Send + Sync {
    /// `Ok` if the store answers a trivial query now.
    async fn ping(&self) -> Result<(), RepoError>;

    /// The connection pool's state.
    fn pool_stats(&self) -> PoolStats;
}

/// What a claim on an idempotency key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new: the caller does the work, then completes or releases it.
    New,
    /// The key was used for this same request, which finished: its answer.
    Replay {
        /// The HTTP status it answered.
        status: u16,
        /// The body it answered.
        body: String,
    },
    /// The key was used for a different request.
    Mismatch,
    /// The same request is being served right now.
    InProgress,
}

/// Remembers requests sent with an `Idempotency-Key`, per user, so that a
/// retry replays the first answer instead of doing the work again.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` of `user` for a request whose content hashes to `hash`.
    /// A claim left unfinished for longer than `stale_after` (its server died)
    /// may be taken over.
    async fn claim(
        &self,
        user: &UserId,
        key: &str,
        hash: &str,
        now: ticketd_domain::Timestamp,
        stale_after: chrono::Duration,
    ) -> Result<Claim, RepoError>;

    /// Gives up a claim (the request failed in a way a retry may fix).
    async fn release(&self, user: &UserId, key: &str) -> Result<(), RepoError>;

    /// Forgets keys claimed before `before`; returns how many.
    async fn forget_before(&self, before: ticketd_domain::Timestamp) -> Result<u64, RepoError>;
}

/// Records of uploaded files: whose they are, what they hold, and which
/// message (if any) they are attached to. The bytes live in a
/// [`FileStore`](crate::FileStore).
#[async_trait]
pub trait UploadRepository: Send + Sync {
    /// Records uploads, all in one transaction: all land or none does.
    async fn create_uploads(&self, uploads: Vec<NewUpload>) -> Result<Vec<Upload>, RepoError>;

    /// An upload with where it is attached, or `None`.
    async fn get_upload(&self, key: &UploadKey) -> Result<Option<Upload>, RepoError>;

    /// Deletes the records of at most `limit` uploads made before
    /// `created_before` that are attached to nothing, and returns their keys
    /// (whose files the caller then removes). An upload being attached at the
    /// same moment is either attached or deleted, never both.
    async fn delete_unattached_uploads(
        &self,
        created_before: Timestamp,
        limit: u32,
    ) -> Result<Vec<UploadKey>, RepoError>;

    /// Notes that this installation is about to write the file `key`, before
    /// any of its bytes: the sweep removes only files noted so. Recording the
    /// upload ([`create_uploads`](Self::create_uploads)) clears the note.
    async fn note_written_file(&self, key: &UploadKey, at: Timestamp) -> Result<(), RepoError>;

    /// At most `limit` files noted before `before` that no upload records
    /// (left by an upload that failed or was interrupted), oldest first.
    async fn unrecorded_files(
        &self,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<UploadKey>, RepoError>;

    /// How many bytes the uploads of `owner` that are attached to nothing
    /// hold (what a per-user quota counts).
    async fn unattached_bytes(&self, owner: &UserId) -> Result<u64, RepoError>;

    /// Clears the notes of `keys` (their files are gone).
    async fn forget_written_files(&self, keys: &[UploadKey]) -> Result<(), RepoError>;
}

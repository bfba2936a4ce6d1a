use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use ticketd_domain::{Actor, TicketId, UserId, UserType, Visibility};
use ticketd_ports::{
    AuditLogRepository, CategoryRepository, Claim, Clock, EventLog, FileStore, IdempotencyStore,
    PoolStats, ReadScope, RepoError, SlaStore, StoreHealth, TicketDetails, TicketRepository,
    TicketView, UploadRepository, UserDirectory, WebhookStore,
};

use crate::error::AppError;
use crate::uploads::AttachmentPolicy;

/// Rows a list gives when the client names no limit.
pub const DEFAULT_LIMIT: u32 = 10;
/// The most rows a list gives; larger limits are served as this.
pub const MAX_LIMIT: u32 = 100;
/// The most attachments one message may carry.
pub const MAX_ATTACHMENTS: usize = ticketd_domain::rules::MAX_ATTACHMENTS as usize;

/// The support desk: every use case, over the storage ports.
#[derive(Clone)]
pub struct SupportDesk {
    pub(crate) ports: StoragePorts,
    pub(crate) files: Arc<dyn FileStore>,
    pub(crate) policy: AttachmentPolicy,
    /// The hour (since the epoch) of the last sweep of old idempotency keys.
    last_sweep_hour: Arc<AtomicI64>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) webhooks: crate::webhooks::WebhookPolicy,
    /// Whether customers see their tickets' service-level clocks.
    pub(crate) sla_for_customers: bool,
}

/// The storage ports the desk works through, each its own object: they may
/// come from one store (the diesel store implements them all:
/// [`StoragePorts::of`]) or from different adapters.
#[derive(Clone)]
pub struct StoragePorts {
    /// Tickets and their messages.
    pub tickets: Arc<dyn TicketRepository>,
    /// Categories.
    pub categories: Arc<dyn CategoryRepository>,
    /// The audit log.
    pub logs: Arc<dyn AuditLogRepository>,
    /// The events of changes.
    pub events: Arc<dyn EventLog>,
    /// The users the desk has seen (who may be assigned).
    pub users: Arc<dyn UserDirectory>,
    /// Whether storage answers (readiness).
    pub health: Arc<dyn StoreHealth>,
    /// Idempotency keys and their kept answers.
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// Upload records.
    pub uploads: Arc<dyn UploadRepository>,
    /// Webhook endpoints and deliveries.
    pub webhooks: Arc<dyn WebhookStore>,
    /// The service-level policy and the breach sweep.
    pub sla: Arc<dyn SlaStore>,
}

impl StoragePorts {
    /// Every port from one store that implements them all.
    pub fn of<S>(store: Arc<S>) -> Self
    where
        S: TicketRepository
            + CategoryRepository
            + AuditLogRepository
            + EventLog
            + UserDirectory
            + StoreHealth
            + IdempotencyStore
            + UploadRepository
            + WebhookStore
            + SlaStore
            + 'static,
    {
        Self {
            tickets: store.clone(),
            categories: store.clone(),
            logs: store.clone(),
            events: store.clone(),
            users: store.clone(),
            health: store.clone(),
            idempotency: store.clone(),
            uploads: store.clone(),
            webhooks: store.clone(),
            sla: store,
        }
    }
}

pub(crate) fn ticket_not_found(id: TicketId) -> AppError {
    AppError::NotFound(format!("ticket {id} not found"))
}

/// Maps a store's `NotFound` to the ticket's own 404 text.
pub(crate) fn about_ticket(id: TicketId) -> impl Fn(RepoError) -> AppError {
    move |e| match e {
        RepoError::NotFound => ticket_not_found(id),
        other => other.into(),
    }
}

/// Only admins may see deleted tickets, and only when they ask.
pub(crate) fn check_include_deleted(actor: &Actor, include_deleted: bool) -> Result<(), AppError> {
    if include_deleted && actor.user_type != UserType::Admin {
        return Err(AppError::Forbidden(
            "only an admin may ask for deleted tickets".into(),
        ));
    }
    Ok(())
}

impl SupportDesk {
    /// A desk over the storage `ports` (`StoragePorts::of(store)` for one
    /// store that implements them all).
    ///
    /// `files` keeps the bytes of uploads; the [`AttachmentPolicy`] is the
    /// default one until [`with_attachment_policy`](Self::with_attachment_policy).
    pub fn new(ports: StoragePorts, files: Arc<dyn FileStore>, clock: Arc<dyn Clock>) -> Self {
        Self {
            ports,
            files,
            policy: AttachmentPolicy::default(),
            last_sweep_hour: Arc::new(AtomicI64::new(i64::MIN)),
            clock,
            webhooks: crate::webhooks::WebhookPolicy::default(),
            sla_for_customers: false,
        }
    }

    /// The same desk, showing customers their tickets' service-level clocks
    /// (`true`) or not (the default).
    pub fn with_sla_for_customers(mut self, shown: bool) -> Self {
        self.sla_for_customers = shown;
        self
    }

    /// The same desk with another policy for webhook endpoint URLs.
    pub fn with_webhook_policy(mut self, policy: crate::webhooks::WebhookPolicy) -> Self {
        self.webhooks = policy;
        self
    }

    /// The same desk with other limits and rules for uploads and attachments.
    pub fn with_attachment_policy(mut self, policy: AttachmentPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The limits and rules for uploads and attachments.
    pub fn attachment_policy(&self) -> &AttachmentPolicy {
        &self.policy
    }

    /// The desk's clock: adapters read the time from it too, so that one
    /// clock (a test's, say) rules everything the desk serves.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// The time now, by the desk's clock.
    pub fn now(&self) -> ticketd_domain::Timestamp {
        self.clock.now()
    }

    /// Whether storage answers now (for readiness checks).
    pub async fn ready(&self) -> Result<(), AppError> {
        Ok(self.ports.health.ping().await?)
    }

    /// Claims an idempotency key of `actor` for a request hashing to `hash`.
    /// An unfinished claim older than a minute (its server died) is taken over.
    pub async fn claim_idempotency_key(
        &self,
        actor: &Actor,
        key: &str,
        hash: &str,
    ) -> Result<Claim, AppError> {
        let now = self.clock.now();
        // Keys are kept for 48 hours: past that a retry is a new request. The
        // sweep runs at most once an hour, not on every request.
        let hour = now.timestamp() / 3600;
        if self.last_sweep_hour.swap(hour, Ordering::Relaxed) != hour {
            self.ports
                .idempotency
                .forget_before(now - chrono::Duration::hours(48))
                .await?;
        }
        let stale_after = chrono::Duration::minutes(1);
        Ok(self
            .ports
            .idempotency
            .claim(&actor.id, key, hash, now, stale_after)
            .await?)
    }

    /// Gives a claimed key up, so that a retry runs anew.
    pub async fn release_idempotency_key(&self, actor: &Actor, key: &str) -> Result<(), AppError> {
        Ok(self.ports.idempotency.release(&actor.id, key).await?)
    }

    /// How the store's connections are used (for metrics).
    pub fn pool_stats(&self) -> PoolStats {
        self.ports.health.pool_stats()
    }

    /// Customers are scoped to their own tickets; staff see all.
    pub(crate) fn owner_scope(actor: &Actor) -> Option<UserId> {
        (!actor.user_type.is_staff()).then(|| actor.id.clone())
    }

    /// Notes that a staff member acted, so that tickets can be assigned to them.
    pub(crate) async fn remember(&self, actor: &Actor) -> Result<(), AppError> {
        if actor.user_type.is_staff() {
            self.ports.users.remember_user(actor).await?;
        }
        Ok(())
    }

    /// A ticket the actor may see, or `NotFound`.
    pub(crate) async fn visible_ticket(
        &self,
        actor: &Actor,
        id: TicketId,
        include_deleted: bool,
    ) -> Result<TicketView, AppError> {
        check_include_deleted(actor, include_deleted)?;
        match self.ports.tickets.get_ticket(id).await? {
            Some(view) if view.ticket.is_visible_to(actor, include_deleted) => Ok(view),
            _ => Err(ticket_not_found(id)),
        }
    }

    /// What `actor` may read of tickets (deleted ones only if it asks, and
    /// only an admin may ask).
    pub(crate) fn read_scope(actor: &Actor, include_deleted: bool) -> Result<ReadScope, AppError> {
        check_include_deleted(actor, include_deleted)?;
        Ok(ReadScope {
            owner: Self::owner_scope(actor),
            include_deleted,
            include_internal: Visibility::Internal.is_visible_to(actor.user_type),
        })
    }

    /// A ticket with the messages the actor may see, if it may see the ticket.
    /// A ticket the actor may not see costs the same as one that does not
    /// exist: its messages are never read.
    pub async fn ticket_details(
        &self,
        actor: &Actor,
        id: TicketId,
        include_deleted: bool,
    ) -> Result<TicketDetails, AppError> {
        let scope = Self::read_scope(actor, include_deleted)?;
        self.remember(actor).await?;
        let mut details = self
            .ports
            .tickets
            .ticket_details(id, &scope)
            .await?
            .ok_or_else(|| ticket_not_found(id))?;
        self.withhold_clocks(actor, &mut details.ticket);
        Ok(details)
    }
}

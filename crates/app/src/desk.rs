use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use ticketd_domain::{
    Actor, Category, CategoryId, CategoryName, LogEntry, TicketId, UserId, UserType, Visibility,
};
use ticketd_ports::{
    AuditLogRepository, CategoryRepository, Claim, Clock, FileStore, IdempotencyStore, LogFilter,
    NewCategory, PoolStats, Position, ReadScope, RepoError, StoreHealth, TicketDetails,
    TicketRepository, TicketView, UploadRepository, UserDirectory,
};

use crate::error::AppError;
use crate::paging::{COUNT_CAP, Count, ListOrder, ListPage, PageRequest};
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
    pub(crate) tickets: Arc<dyn TicketRepository>,
    pub(crate) categories: Arc<dyn CategoryRepository>,
    pub(crate) logs: Arc<dyn AuditLogRepository>,
    pub(crate) users: Arc<dyn UserDirectory>,
    pub(crate) health: Arc<dyn StoreHealth>,
    pub(crate) idempotency: Arc<dyn IdempotencyStore>,
    pub(crate) uploads: Arc<dyn UploadRepository>,
    pub(crate) files: Arc<dyn FileStore>,
    pub(crate) policy: AttachmentPolicy,
    /// The hour (since the epoch) of the last sweep of old idempotency keys.
    last_sweep_hour: Arc<AtomicI64>,
    pub(crate) clock: Arc<dyn Clock>,
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
    /// The users the desk has seen (who may be assigned).
    pub users: Arc<dyn UserDirectory>,
    /// Whether storage answers (readiness).
    pub health: Arc<dyn StoreHealth>,
    /// Idempotency keys and their kept answers.
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// Upload records.
    pub uploads: Arc<dyn UploadRepository>,
}

impl StoragePorts {
    /// Every port from one store that implements them all.
    pub fn of<S>(store: Arc<S>) -> Self
    where
        S: TicketRepository
            + CategoryRepository
            + AuditLogRepository
            + UserDirectory
            + StoreHealth
            + IdempotencyStore
            + UploadRepository
            + 'static,
    {
        Self {
            tickets: store.clone(),
            categories: store.clone(),
            logs: store.clone(),
            users: store.clone(),
            health: store.clone(),
            idempotency: store.clone(),
            uploads: store,
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
        let StoragePorts {
            tickets,
            categories,
            logs,
            users,
            health,
            idempotency,
            uploads,
        } = ports;
        Self {
            tickets,
            categories,
            logs,
            users,
            health,
            idempotency,
            uploads,
            files,
            policy: AttachmentPolicy::default(),
            last_sweep_hour: Arc::new(AtomicI64::new(i64::MIN)),
            clock,
        }
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
        Ok(self.health.ping().await?)
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
            self.idempotency
                .forget_before(now - chrono::Duration::hours(48))
                .await?;
        }
        let stale_after = chrono::Duration::minutes(1);
        Ok(self
            .idempotency
            .claim(&actor.id, key, hash, now, stale_after)
            .await?)
    }

    /// Gives a claimed key up, so that a retry runs anew.
    pub async fn release_idempotency_key(&self, actor: &Actor, key: &str) -> Result<(), AppError> {
        Ok(self.idempotency.release(&actor.id, key).await?)
    }

    /// How the store's connections are used (for metrics).
    pub fn pool_stats(&self) -> PoolStats {
        self.health.pool_stats()
    }

    /// Customers are scoped to their own tickets; staff see all.
    pub(crate) fn owner_scope(actor: &Actor) -> Option<UserId> {
        (!actor.user_type.is_staff()).then(|| actor.id.clone())
    }

    /// Notes that a staff member acted, so that tickets can be assigned to them.
    pub(crate) async fn remember(&self, actor: &Actor) -> Result<(), AppError> {
        if actor.user_type.is_staff() {
            self.users.remember_user(actor).await?;
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
        match self.tickets.get_ticket(id).await? {
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
        self.tickets
            .ticket_details(id, &scope)
            .await?
            .ok_or_else(|| ticket_not_found(id))
    }

    async fn log_filter(
        &self,
        actor: &Actor,
        ticket_id: Option<TicketId>,
        include_deleted: bool,
        oldest_first: bool,
    ) -> Result<LogFilter, AppError> {
        check_include_deleted(actor, include_deleted)?;
        if let Some(id) = ticket_id {
            self.visible_ticket(actor, id, include_deleted).await?;
        }
        Ok(LogFilter {
            owner: Self::owner_scope(actor),
            ticket_id,
            include_internal: actor.user_type.is_staff(),
            include_deleted,
            oldest_first,
        })
    }

    async fn log_page(
        &self,
        filter: LogFilter,
        page: &PageRequest,
    ) -> Result<ListPage<LogEntry>, AppError> {
        let order = ListOrder::Logs {
            oldest_first: filter.oldest_first,
        };
        let rows = self
            .logs
            .list_log_entries(&filter, page.resolve(order)?)
            .await?;
        Ok(ListPage::from_rows(
            rows,
            page.limit,
            order,
            Position::of_log_entry,
        ))
    }

    async fn log_count(&self, filter: LogFilter) -> Result<Count, AppError> {
        let n = self.logs.count_log_entries(&filter, COUNT_CAP + 1).await?;
        Ok(Count::from_counted(n))
    }

    /// The audit-log entries the actor may see, newest first (internal entries
    /// for staff only).
    pub async fn list_logs(
        &self,
        actor: &Actor,
        ticket_id: Option<TicketId>,
        include_deleted: bool,
        page: &PageRequest,
    ) -> Result<ListPage<LogEntry>, AppError> {
        let filter = self
            .log_filter(actor, ticket_id, include_deleted, false)
            .await?;
        self.log_page(filter, page).await
    }

    /// How many audit-log entries the actor may see, up to [`COUNT_CAP`].
    pub async fn count_logs(
        &self,
        actor: &Actor,
        ticket_id: Option<TicketId>,
        include_deleted: bool,
    ) -> Result<Count, AppError> {
        let filter = self
            .log_filter(actor, ticket_id, include_deleted, false)
            .await?;
        self.log_count(filter).await
    }

    /// One ticket's history, oldest first, as the actor may see it.
    pub async fn history(
        &self,
        actor: &Actor,
        id: TicketId,
        include_deleted: bool,
        page: &PageRequest,
    ) -> Result<ListPage<LogEntry>, AppError> {
        let filter = self
            .log_filter(actor, Some(id), include_deleted, true)
            .await?;
        self.log_page(filter, page).await
    }

    /// How many entries one ticket's history has for the actor, up to [`COUNT_CAP`].
    pub async fn count_history(
        &self,
        actor: &Actor,
        id: TicketId,
        include_deleted: bool,
    ) -> Result<Count, AppError> {
        let filter = self
            .log_filter(actor, Some(id), include_deleted, true)
            .await?;
        self.log_count(filter).await
    }

    /// Every active category.
    pub async fn list_categories(&self) -> Result<Vec<Category>, AppError> {
        Ok(self.categories.list_active_categories().await?)
    }

    /// An active top-level category, or `Invalid` naming `field`.
    pub(crate) async fn top_category(
        &self,
        field: &str,
        id: CategoryId,
    ) -> Result<Category, AppError> {
        match self.categories.get_category(id).await? {
            Some(c) if c.is_usable() && c.is_top_level() => Ok(c),
            _ => Err(AppError::unresolved(
                field,
                format!("{id} is not an active top-level category"),
            )),
        }
    }

    /// An active child of `parent`, or `Invalid` about `subCategoryId`.
    pub(crate) async fn sub_category(
        &self,
        parent: CategoryId,
        id: CategoryId,
    ) -> Result<Category, AppError> {
        match self.categories.get_category(id).await? {
            Some(c) if c.is_usable() && c.parent_id == Some(parent) => Ok(c),
            _ => Err(AppError::unresolved(
                "subCategoryId",
                format!("{id} is not an active sub-category of category {parent}"),
            )),
        }
    }

    /// Creates a category (admins only). A parent must be an active top-level
    /// category: categories have two levels.
    pub async fn create_category(
        &self,
        actor: &Actor,
        name: CategoryName,
        parent_id: Option<CategoryId>,
    ) -> Result<Category, AppError> {
        if actor.user_type != UserType::Admin {
            return Err(AppError::Forbidden(
                "only an admin may manage categories".into(),
            ));
        }
        self.remember(actor).await?;
        if let Some(pid) = parent_id {
            self.top_category("parentCategoryId", pid).await?;
        }
        let new = NewCategory {
            name,
            parent_id,
            actor: actor.clone(),
            at: self.clock.now(),
        };
        self.categories
            .create_category(new)
            .await
            .map_err(|e| match e {
                RepoError::Conflict(_) => AppError::Conflict(
                    "a category with this name already exists at this level".into(),
                ),
                other => other.into(),
            })
    }
}

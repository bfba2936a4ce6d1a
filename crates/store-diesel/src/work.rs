//! How database work runs: it waits (without a thread) for a connection's
//! permit and, on SQLite, a writer's turn; then runs on a blocking thread
//! with a pooled connection, carrying its request's log context, and is
//! skipped if its request is gone by then.

use ticketd_ports::RepoError;

use crate::connection;
use crate::errors::TxError;
use crate::{AnyConnection, Store};
use crate::{Pool, PooledConnection};

impl Store {
    /// Waits (without a thread) for a connection to be free for this work,
    /// and for a writer's turn on SQLite, up to the acquire timeout.
    async fn admit(&self, writing: bool) -> Result<Admission, RepoError> {
        let wait = async {
            let turn = match (&self.write_lock, writing) {
                (Some(lock), true) => Some(lock.clone().lock_owned().await),
                _ => None,
            };
            let permit = self
                .permits
                .clone()
                .acquire_owned()
                .await
                .map_err(|_| RepoError::Unavailable("the store is closing".into()))?;
            Ok(Admission {
                _turn: turn,
                _permit: permit,
            })
        };
        tokio::time::timeout(self.acquire_timeout, wait)
            .await
            .map_err(|_| {
                RepoError::Unavailable(format!(
                    "no database connection was free within {:?}",
                    self.acquire_timeout
                ))
            })?
    }

    /// Runs read-only work on a blocking thread with a pooled connection.
    pub(crate) async fn read<T, F>(&self, work: F) -> Result<T, RepoError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, RepoError> + Send + 'static,
    {
        let admitted = self.admit(false).await?;
        let pool = self.pool.clone();
        blocking(move |caller| {
            let _admitted = admitted;
            let mut conn = checkout(&pool, caller)?;
            let result = work(&mut conn);
            conn.note(&result);
            result
        })
        .await
    }

    /// Runs `work` in one transaction on a blocking thread: it commits if `work`
    /// returns `Ok`, and rolls back otherwise.
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T, RepoError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, RepoError> + Send + 'static,
    {
        // Writers wait for their SQLite turn before a connection's permit, so
        // that waiting writers do not hold connections readers could use.
        let admitted = self.admit(true).await?;
        let pool = self.pool.clone();
        blocking(move |caller| {
            let _admitted = admitted;
            let mut conn = checkout(&pool, caller)?;
            let result = diesel::Connection::transaction(&mut **conn, |conn| {
                work(conn).map_err(TxError::Repo)
            })
            .map_err(TxError::into_repo);
            conn.note(&result);
            result
        })
        .await
    }
}

/// What a piece of database work holds while it runs: a connection's permit,
/// and on SQLite a writer's turn.
struct Admission {
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

/// Whether the request that queued some database work still waits for it.
struct Caller<'a, T>(&'a tokio::sync::oneshot::Sender<T>);

impl<T> Caller<'_, T> {
    fn is_gone(&self) -> bool {
        self.0.is_closed()
    }
}

/// Where the caller's log context (a request id) comes from, if the server
/// said (see [`carry_log_context`]).
static LOG_CONTEXT_SOURCE: std::sync::OnceLock<fn() -> Option<String>> = std::sync::OnceLock::new();

thread_local! {
    /// The log context of the work this blocking thread runs now.
    static LOG_CONTEXT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Makes the store's own log lines carry the context of the request they
/// serve: `source` is read where the work is queued (in the request's task),
/// and [`log_context`] gives it back on the blocking thread that runs it.
pub fn carry_log_context(source: fn() -> Option<String>) {
    let _ = LOG_CONTEXT_SOURCE.set(source);
}

/// The log context of the database work running on this thread, if any (for
/// a logger's format, beside the request's own).
pub fn log_context() -> Option<String> {
    LOG_CONTEXT.with(|c| c.borrow().clone())
}

/// Runs `work` on a blocking thread and waits for its result. Work whose
/// caller stopped waiting (its request was dropped) before it took a
/// connection is skipped, so that it does not delay the requests behind it.
async fn blocking<T, F>(work: F) -> Result<T, RepoError>
where
    T: Send + 'static,
    F: FnOnce(&Caller<'_, Result<T, RepoError>>) -> Result<T, RepoError> + Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    let context = LOG_CONTEXT_SOURCE.get().and_then(|source| source());
    // The handle is not awaited: the answer comes through the channel, and a
    // task that panics drops its sender, which the receiver reports.
    drop(tokio::task::spawn_blocking(move || {
        if tx.is_closed() {
            return;
        }
        LOG_CONTEXT.with(|c| *c.borrow_mut() = context);
        let result = work(&Caller(&tx));
        LOG_CONTEXT.with(|c| *c.borrow_mut() = None);
        let _ = tx.send(result);
    }));
    rx.await
        .map_err(|_| RepoError::Unexpected(anyhow::anyhow!("database task failed")))?
}

fn checkout<T>(pool: &Pool, caller: &Caller<'_, T>) -> Result<PooledConnection, RepoError> {
    let conn = pool
        .get()
        .map_err(|e| RepoError::Unavailable(e.to_string()))?;
    if caller.is_gone() {
        return Err(RepoError::Unavailable("the request is gone".into()));
    }
    Ok(conn)
}

impl connection::Pooled {
    /// Marks a PostgreSQL connection broken when `result` says its server
    /// cannot be reached through it, so that the pool replaces it.
    fn note<T>(&mut self, result: &Result<T, RepoError>) {
        if matches!(result, Err(RepoError::Unavailable(_)))
            && matches!(**self, AnyConnection::Postgresql(_))
        {
            self.broken = true;
        }
    }
}

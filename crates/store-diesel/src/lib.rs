//! The diesel store of ticketd: one code path that keeps tickets, messages,
//! attachments, categories and the audit log in PostgreSQL or in an embedded
//! SQLite file, through an r2d2 pool.
//!
//! [`Store`] implements the storage ports of `ticketd-ports`. Its blocking
//! database work runs on tokio's blocking threads, never on the caller's; each
//! write and its log entry share one transaction. Migrations for both
//! databases are embedded and applied by [`Store::open`].

mod bulk;
mod categories;
mod connection;
mod errors;
mod events;
mod explain;
mod health;
mod idempotency;
mod logs;
mod prepared;
mod rows;
mod schema;
mod search;
mod sla;
#[cfg(feature = "testing")]
pub mod testing;
mod tickets;
mod uploads;
mod users;
mod webhooks;
mod window;
mod work;

use std::sync::Arc;
use std::time::Duration;

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use bulk::{BulkState, BulkTicket};
pub use connection::{AnyConnection, ConnectError, DatabaseUrl};
pub(crate) use errors::{TxError, db_error, like_literal};
pub(crate) use prepared::Prepared;
pub use work::{carry_log_context, log_context};

const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// The PostgreSQL advisory lock that instances hold while they migrate (an
/// arbitrary constant: "ticketd" in ASCII).
const MIGRATION_LOCK: i64 = 0x0074_6963_6b65_7464;

pub(crate) type Pool = r2d2::Pool<connection::Manager>;
pub(crate) type PooledConnection = r2d2::PooledConnection<connection::Manager>;

/// How the store connects.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Most connections open at once.
    pub pool_size: u32,
    /// How long a request waits for a free (or new) connection before the
    /// store reports itself unavailable.
    pub acquire_timeout: Duration,
    /// How long SQLite waits on a file locked by another process.
    pub sqlite_busy_timeout: Duration,
    /// How long a PostgreSQL statement may run before it is cancelled (the
    /// store then reports itself unavailable).
    pub statement_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            pool_size: 10,
            acquire_timeout: Duration::from_secs(5),
            sqlite_busy_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(5),
        }
    }
}

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The SQLite file's folder could not be made.
    #[error("cannot create the folder of {path}: {source}")]
    Folder {
        /// The folder.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// No connection could be made.
    #[error("cannot connect to {target}: {source}")]
    Connect {
        /// Which database.
        target: String,
        /// Why.
        source: r2d2::Error,
    },
    /// A migration failed.
    #[error("migrating {target} failed: {message}")]
    Migrate {
        /// Which database.
        target: String,
        /// Why.
        message: String,
    },
}

/// Tickets, categories and the audit log in PostgreSQL or SQLite.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// SQLite allows one writer at a time: writers queue here instead of failing
    /// with "database is locked". PostgreSQL needs no such lock.
    write_lock: Option<Arc<tokio::sync::Mutex<()>>>,
    /// One permit per pooled connection: work waits for a permit (without a
    /// thread) before it takes a blocking thread and a connection, so no more
    /// threads run database work than there are connections to run it on.
    permits: Arc<tokio::sync::Semaphore>,
    /// How long work waits for a permit (and SQLite's writers for their turn).
    acquire_timeout: Duration,
    /// PostgreSQL's statement timeout for this store's connections.
    statement_timeout_ms: u64,
    target: String,
    seen_users: Arc<users::SeenUsers>,
    /// Guides keyword search on SQLite.
    search_sample: Arc<search::SampleCache>,
    search_tuning: search::Tuning,
}

/// The pool's failures to connect are reported by the request that waited for
/// the connection: its 503 says why in its own log line, with its id. The
/// pool's threads, which retry in the background and serve no request, stay
/// silent instead of logging each attempt without an id.
#[derive(Debug)]
struct ReportedByCaller;

impl<E> r2d2::HandleError<E> for ReportedByCaller {
    fn handle_error(&self, _error: E) {}
}

impl Store {
    /// Connects to `url` (see [`DatabaseUrl::parse`]) and applies pending migrations.
    pub fn open(url: &str, options: &StoreOptions) -> Result<Self, OpenError> {
        let url = DatabaseUrl::parse(url);
        let target = url.describe();
        let is_sqlite = matches!(url, DatabaseUrl::Sqlite(_));
        if let DatabaseUrl::Sqlite(path) = &url {
            let folder = std::path::Path::new(path)
                .parent()
                .filter(|p| !p.as_os_str().is_empty());
            if let Some(folder) = folder {
                std::fs::create_dir_all(folder).map_err(|source| OpenError::Folder {
                    path: path.clone(),
                    source,
                })?;
            }
        }
        let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1);
        let manager = connection::Manager::new(
            url,
            millis(options.sqlite_busy_timeout),
            millis(options.statement_timeout),
        );
        let pool = r2d2::Pool::builder()
            .max_size(options.pool_size.max(1))
            .min_idle(Some(0))
            // No `SELECT 1` before each use: a connection that fails because
            // its server went away is marked broken and replaced instead.
            .test_on_check_out(false)
            .connection_timeout(options.acquire_timeout)
            .error_handler(Box::new(ReportedByCaller))
            .build(manager)
            .map_err(|source| OpenError::Connect {
                target: target.clone(),
                source,
            })?;
        let store = Store {
            pool,
            write_lock: is_sqlite.then(|| Arc::new(tokio::sync::Mutex::new(()))),
            permits: Arc::new(tokio::sync::Semaphore::new(
                usize::try_from(options.pool_size.max(1)).unwrap_or(1),
            )),
            acquire_timeout: options.acquire_timeout,
            statement_timeout_ms: millis(options.statement_timeout),
            target,
            seen_users: Arc::default(),
            search_sample: Arc::default(),
            search_tuning: search::Tuning::default(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// Applies pending migrations; returns how many were applied.
    pub fn migrate(&self) -> Result<usize, OpenError> {
        let fail = |message: String| OpenError::Migrate {
            target: self.target.clone(),
            message,
        };
        let mut conn = self.pool.get().map_err(|e| fail(e.to_string()))?;
        let applied = match &mut **conn {
            AnyConnection::Postgresql(c) => {
                // Instances started together take turns: the first migrates,
                // the others then find nothing left to do. A migration over
                // many rows may take minutes: no statement timeout meanwhile.
                diesel::connection::SimpleConnection::batch_execute(
                    c,
                    &format!(
                        "SET statement_timeout = 0; SELECT pg_advisory_lock({MIGRATION_LOCK})"
                    ),
                )
                .map_err(|e| fail(format!("waiting for other instances' migrations: {e}")))?;
                let applied = c
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map(|v| v.len());
                let restored = diesel::connection::SimpleConnection::batch_execute(
                    c,
                    &format!(
                        "SELECT pg_advisory_unlock({MIGRATION_LOCK}); SET statement_timeout = {};",
                        self.statement_timeout_ms
                    ),
                );
                let applied = applied.map_err(|e| fail(e.to_string()))?;
                restored.map_err(|e| fail(e.to_string()))?;
                applied
            }
            // One transaction that starts as the writer: other processes wait
            // for it (up to the busy timeout), then find nothing left to do.
            AnyConnection::Sqlite(c) => c
                .immediate_transaction(|c| {
                    c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len())
                })
                .map_err(|e| fail(e.to_string()))?,
        };
        Ok(applied)
    }

    /// The same store, serving every keyword the index can narrow from the
    /// index, however many tickets hold it (to test its answers).
    #[cfg(feature = "testing")]
    pub fn index_first(mut self) -> Self {
        self.search_tuning = search::Tuning::INDEX_FIRST;
        self
    }

    /// Runs `sql` on a pooled connection as the store runs its own statements
    /// (for tests of how failures are reported).
    #[cfg(feature = "testing")]
    pub async fn execute_for_tests(&self, sql: &str) -> Result<(), ticketd_ports::RepoError> {
        use diesel::connection::SimpleConnection;
        let sql = sql.to_owned();
        self.read(move |conn| conn.batch_execute(&sql).map_err(db_error))
            .await
    }

    /// Which database this is, without credentials.
    pub fn describe(&self) -> &str {
        &self.target
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards_and_the_escape_character() {
        assert_eq!(like_literal("50%_a\\b"), "%50\\%\\_a\\\\b%");
        assert_eq!(like_literal("plain"), "%plain%");
    }

    #[test]
    fn urls_choose_the_database() {
        assert!(matches!(
            DatabaseUrl::parse("postgres://u:p@h/db"),
            DatabaseUrl::Postgres(_)
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://h/db"),
            DatabaseUrl::Postgres(_)
        ));
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db"),
            DatabaseUrl::Sqlite("data/x.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("data/x.db"),
            DatabaseUrl::Sqlite("data/x.db".into())
        );
    }

    #[test]
    fn descriptions_hide_credentials() {
        let d = DatabaseUrl::parse("postgres://user:secret@db:5432/ticketd").describe();
        assert!(!d.contains("secret"), "{d}");
        assert!(d.contains("db:5432/ticketd"), "{d}");
    }
}

//! Connections to either database, pooled by r2d2.

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};

/// A connection to PostgreSQL or SQLite; every query is written once against it.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    /// PostgreSQL.
    Postgresql(PgConnection),
    /// SQLite.
    Sqlite(SqliteConnection),
}

/// Which database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A `postgres://` or `postgresql://` URL.
    Postgres(String),
    /// A SQLite file path (a `sqlite://` prefix is dropped).
    Sqlite(String),
}

impl DatabaseUrl {
    /// Reads a URL: `postgres://...` is PostgreSQL, anything else a SQLite path.
    pub fn parse(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DatabaseUrl::Postgres(url.to_owned())
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            DatabaseUrl::Sqlite(path.to_owned())
        }
    }

    /// A name for logs, without credentials.
    pub fn describe(&self) -> String {
        match self {
            DatabaseUrl::Postgres(url) => {
                let host = url
                    .rsplit('@')
                    .next()
                    .unwrap_or("")
                    .split('?')
                    .next()
                    .unwrap_or("");
                let host = host
                    .trim_start_matches("postgres://")
                    .trim_start_matches("postgresql://");
                format!("PostgreSQL at {host}")
            }
            DatabaseUrl::Sqlite(path) => format!("SQLite file {path}"),
        }
    }
}

/// Why a connection could not be made or checked.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The database refused or could not be reached.
    #[error(transparent)]
    Connect(#[from] diesel::ConnectionError),
    /// A set-up or health statement failed.
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// A pooled connection, and whether a failure showed that it cannot be used
/// again (its server went away): the pool then drops it instead of handing
/// it out, so no connection needs a test query before each use.
pub struct Pooled {
    conn: AnyConnection,
    pub(crate) broken: bool,
}

impl std::ops::Deref for Pooled {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

/// Makes connections for the pool, keeping the real error of a failed attempt.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    sqlite_busy_timeout_ms: u64,
    statement_timeout_ms: u64,
}

impl Manager {
    pub(crate) fn new(
        url: DatabaseUrl,
        sqlite_busy_timeout_ms: u64,
        statement_timeout_ms: u64,
    ) -> Self {
        Self {
            url,
            sqlite_busy_timeout_ms,
            statement_timeout_ms,
        }
    }
}

impl Manager {
    fn open(&self) -> Result<AnyConnection, ConnectError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                // Generic plans: every statement's shape already decides its
                // plan (limits are in the text, the indexed search fences its
                // order), so planning each execution again only costs time.
                // No JIT: the statements are short, and compiling them is not.
                // No parallel workers: requests are the parallelism, and a
                // worker's start costs more than these statements gain.
                // A statement that runs too long is cancelled (503).
                conn.batch_execute(&format!(
                    "SET plan_cache_mode = force_generic_plan; SET jit = off; \
                     SET max_parallel_workers_per_gather = 0; \
                     SET statement_timeout = {};",
                    self.statement_timeout_ms
                ))?;
                Ok(AnyConnection::Postgresql(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                // WAL lets readers work beside the one writer; the busy timeout
                // covers other processes on the same file.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                    self.sqlite_busy_timeout_ms
                ))?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Pooled;
    type Error = ConnectError;

    fn connect(&self) -> Result<Pooled, ConnectError> {
        Ok(Pooled {
            conn: self.open()?,
            broken: false,
        })
    }

    fn is_valid(&self, conn: &mut Pooled) -> Result<(), ConnectError> {
        conn.batch_execute("SELECT 1")?;
        Ok(())
    }

    fn has_broken(&self, conn: &mut Pooled) -> bool {
        conn.broken || diesel::r2d2::R2D2Connection::is_broken(&mut conn.conn)
    }
}

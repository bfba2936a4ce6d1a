//! Throwaway databases for tests, on SQLite and on PostgreSQL.
//!
//! PostgreSQL tests need `TICKETD_TEST_POSTGRES_URL`, a URL of a server where
//! the user may create databases (each test gets a fresh one, dropped after).
//! Without it they say on the terminal that they did not run, and pass; with
//! `TICKETD_REQUIRE_POSTGRES=1` (as CI sets) a missing URL fails them instead.

// Test support: a database that cannot be set up must stop the test, loudly.
#![allow(clippy::expect_used)]

use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use crate::{Store, StoreOptions};

/// The variable naming the PostgreSQL server for tests.
pub const POSTGRES_URL_VAR: &str = "TICKETD_TEST_POSTGRES_URL";
/// Set to `1` to make PostgreSQL tests fail when no server is given.
pub const REQUIRE_POSTGRES_VAR: &str = "TICKETD_REQUIRE_POSTGRES";

/// A fresh, migrated database that is removed when dropped.
pub struct TestDatabase {
    /// The store over it.
    pub store: Store,
    /// The URL the store was opened with.
    pub url: String,
    /// The database itself (dropped after the store, which it outlives).
    _database: EmptyDatabase,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "ticketd_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

impl TestDatabase {
    /// A new SQLite file in a temporary folder.
    pub fn sqlite() -> Self {
        Self::migrated(EmptyDatabase::sqlite())
    }

    /// A new database on the test PostgreSQL server, or `None` (after saying so
    /// on the terminal) when no server is configured.
    pub fn postgres(test: &str) -> Option<Self> {
        EmptyDatabase::postgres(test).map(Self::migrated)
    }

    /// The store over `database`, migrated.
    fn migrated(database: EmptyDatabase) -> Self {
        let store = Store::open(&database.url, &StoreOptions::default()).expect("open the store");
        Self {
            store,
            url: database.url.clone(),
            _database: database,
        }
    }

    /// Runs SQL statements directly, to set up states the API cannot make.
    /// (Set-up may take longer than the store lets a statement run.)
    pub fn execute(&self, sql: &str) {
        let mut conn = self.store.pool.get().expect("connection");
        if matches!(**conn, crate::AnyConnection::Postgresql(_)) {
            conn.batch_execute("SET statement_timeout = 0")
                .expect("lifting the timeout");
        }
        let done = conn.batch_execute(sql);
        // The connection goes back to the pool: give it its timeout back.
        conn.broken = true;
        done.expect("test SQL");
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A database nobody has opened yet (no tables), removed when dropped: for
/// tests of what happens when instances start on it.
pub struct EmptyDatabase {
    /// Its URL.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl EmptyDatabase {
    /// A SQLite file's path in a new temporary folder (the file does not exist).
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = dir.path().join("test.db").to_string_lossy().into_owned();
        Self {
            url,
            _dir: Some(dir),
            postgres: None,
        }
    }

    /// A new, empty database on the test PostgreSQL server, or `None` (after
    /// saying so on the terminal) when no server is configured.
    pub fn postgres(test: &str) -> Option<Self> {
        let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
            assert!(
                std::env::var(REQUIRE_POSTGRES_VAR).as_deref() != Ok("1"),
                "{REQUIRE_POSTGRES_VAR}=1 but {POSTGRES_URL_VAR} is not set"
            );
            // Written past the test harness's capture on purpose: a skipped
            // PostgreSQL test must be visible.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test} on PostgreSQL: {POSTGRES_URL_VAR} is not set"
            );
            return None;
        };
        let name = unique_name();
        let mut admin = PgConnection::establish(&admin_url).expect("connect to test PostgreSQL");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        Some(Self {
            url: with_database(&admin_url, &name),
            _dir: None,
            postgres: Some((admin_url, name)),
        })
    }
}

impl Drop for EmptyDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.postgres
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// Defines each test twice, `sqlite::name` and `postgres::name`, each getting a
/// fresh [`TestDatabase`]. The first token is the test attribute to use.
#[macro_export]
macro_rules! test_on_both_databases {
    ($attr:meta; $(async fn $name:ident($db:ident: &TestDatabase) $body:block)*) => {
        $(
            async fn $name($db: &$crate::testing::TestDatabase) $body
        )*
        mod sqlite {
            $(
                #[$attr]
                async fn $name() {
                    let db = $crate::testing::TestDatabase::sqlite();
                    super::$name(&db).await
                }
            )*
        }
        mod postgres {
            $(
                #[$attr]
                async fn $name() {
                    let Some(db) = $crate::testing::TestDatabase::postgres(stringify!($name)) else {
                        return;
                    };
                    super::$name(&db).await
                }
            )*
        }
    };
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn test_urls_swap_only_the_database_name() {
        assert_eq!(
            with_database("postgres://u@127.0.0.1:5432/postgres?sslmode=disable", "t1"),
            "postgres://u@127.0.0.1:5432/t1?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u@h:1", "t2"),
            "postgres://u@h:1/t2"
        );
    }
}

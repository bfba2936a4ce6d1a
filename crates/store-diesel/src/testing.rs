//! Throwaway databases for tests, on SQLite and on PostgreSQL.
//!
//! Each test gets a fresh database, copied from a template that was migrated
//! once (per machine and set of migrations, named by their hash): a SQLite
//! file in the temporary folder, a `ticketd_template_<hash>` database on
//! PostgreSQL. A copy is much quicker than running every migration again.
//!
//! PostgreSQL tests need `TICKETD_TEST_POSTGRES_URL`, a URL of a server where
//! the user may create databases (each test gets a fresh one, dropped after).
//! Without it they say on the terminal that they did not run, and pass; with
//! `TICKETD_REQUIRE_POSTGRES=1` (as CI sets) a missing URL fails them instead.

// Test support: a database that cannot be set up must stop the test, loudly.
#![allow(clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;
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
    /// A new SQLite file in a temporary folder, a copy of the migrated
    /// template.
    pub fn sqlite() -> Self {
        let database = EmptyDatabase::sqlite();
        std::fs::copy(sqlite_template(), &database.url).expect("copy the template database");
        Self::migrated(database)
    }

    /// A new database on the test PostgreSQL server, cloned from the
    /// migrated template, or `None` (after saying so on the terminal) when no
    /// server is configured.
    pub fn postgres(test: &str) -> Option<Self> {
        EmptyDatabase::postgres_from(test, Some(postgres_template)).map(Self::migrated)
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

    /// Another store over this database with a single connection, so that
    /// what a test asks of that connection is about the calls it made.
    pub fn store_of_one_connection(&self) -> Store {
        let options = StoreOptions {
            pool_size: 1,
            ..StoreOptions::default()
        };
        Store::open(&self.url, &options).expect("open a second store")
    }
}

/// A statement PostgreSQL keeps prepared on a connection, and how many times
/// it was run (`pg_prepared_statements`).
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct PreparedStatement {
    /// Its text.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub statement: String,
    /// How many times it ran (with a generic or a custom plan).
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub runs: i64,
}

/// The statements kept prepared on `store`'s connection (give it one, from
/// [`TestDatabase::store_of_one_connection`]); `None` on SQLite, which does
/// not list them.
pub fn prepared_statements(store: &Store) -> Option<Vec<PreparedStatement>> {
    use diesel::RunQueryDsl;
    let mut conn = store.pool.get().expect("connection");
    match &mut **conn {
        crate::AnyConnection::Postgresql(pg) => Some(
            diesel::sql_query(
                "SELECT statement, generic_plans + custom_plans AS runs FROM pg_prepared_statements",
            )
            .load(pg)
            .expect("the prepared statements"),
        ),
        crate::AnyConnection::Sqlite(_) => None,
    }
}

impl std::ops::Deref for TestDatabase {
    type Target = Store;

    /// The store over the database (for suites written against the ports).
    fn deref(&self) -> &Store {
        &self.store
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
        Self::postgres_from(test, None)
    }

    /// A new database on the test PostgreSQL server, a copy of the database
    /// `template` names (given the server's admin URL), or empty.
    fn postgres_from(test: &str, template: Option<fn(&str) -> String>) -> Option<Self> {
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
        let from = template
            .map(|t| format!(" TEMPLATE {}", t(&admin_url)))
            .unwrap_or_default();
        let mut admin = PgConnection::establish(&admin_url).expect("connect to test PostgreSQL");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}{from}"))
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

/// The hash of the migrations this build embeds.
const MIGRATIONS_HASH: &str = env!("TICKETD_MIGRATIONS_HASH");

/// The migrated SQLite template, made once per machine and set of
/// migrations (under a temporary name, then renamed: a file at the final path
/// is always complete).
fn sqlite_template() -> &'static PathBuf {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("ticketd-test-{MIGRATIONS_HASH}.db"));
        if !path.exists() {
            let dir = tempfile::tempdir().expect("temporary folder");
            let fresh = dir.path().join("template.db");
            let url = fresh.to_string_lossy().into_owned();
            let store = Store::open(&url, &StoreOptions::default()).expect("migrate the template");
            let mut conn = store.pool.get().expect("connection");
            conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")
                .expect("checkpoint the template");
            drop(conn);
            drop(store);
            let staged = path.with_extension(format!("{}.tmp", std::process::id()));
            std::fs::copy(&fresh, &staged).expect("stage the template");
            std::fs::rename(&staged, &path).expect("publish the template");
        }
        path
    })
}

/// The name of the migrated PostgreSQL template on the server of
/// `admin_url`, made once per server and set of migrations: built under a
/// temporary name and renamed when complete, under an advisory lock so that
/// concurrent test processes build it once. Templates of other migrations are
/// dropped then.
fn postgres_template(admin_url: &str) -> String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            use diesel::RunQueryDsl;
            #[derive(diesel::QueryableByName)]
            struct Named {
                #[diesel(sql_type = diesel::sql_types::Text)]
                datname: String,
            }
            const LOCK: i64 = 7_262_001;
            let name = format!("ticketd_template_{MIGRATIONS_HASH}");
            let mut admin = PgConnection::establish(admin_url).expect("connect to test PostgreSQL");
            admin
                .batch_execute(&format!("SELECT pg_advisory_lock({LOCK})"))
                .expect("lock");
            let templates: Vec<Named> = diesel::sql_query(
                "SELECT datname FROM pg_database WHERE datname LIKE 'ticketd\\_template\\_%'",
            )
            .load(&mut admin)
            .expect("list templates");
            if !templates.iter().any(|t| t.datname == name) {
                let building = format!("{name}_building_{}", std::process::id());
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                    .expect("drop a half-built template");
                admin
                    .batch_execute(&format!("CREATE DATABASE {building}"))
                    .expect("create the template");
                let url = with_database(admin_url, &building);
                drop(Store::open(&url, &StoreOptions::default()).expect("migrate the template"));
                // The store's connections may take a moment to leave.
                let mut renamed = Ok(());
                for _ in 0..50 {
                    renamed =
                        admin.batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}"));
                    if renamed.is_ok() {
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                renamed.expect("publish the template");
                for stale in templates {
                    let _ = admin.batch_execute(&format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        stale.datname
                    ));
                }
            }
            admin
                .batch_execute(&format!("SELECT pg_advisory_unlock({LOCK})"))
                .expect("unlock");
            name
        })
        .clone()
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

//! Instances started at the same moment on an empty database (replicas of a
//! compose stack, a rolling deploy) all come up: they take turns to migrate.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ticketd_ports::CategoryRepository;
use ticketd_store_diesel::testing::EmptyDatabase;
use ticketd_store_diesel::{Store, StoreOptions};

/// Opens `url` from `n` threads at once; every open must succeed, and the
/// stores must all work on the one schema.
fn open_at_once(url: &str, n: usize) {
    let barrier = std::sync::Barrier::new(n);
    let opened: Vec<Result<Store, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    Store::open(url, &StoreOptions::default()).map_err(|e| e.to_string())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for store in opened {
        let store = store.unwrap_or_else(|e| panic!("an instance failed to start: {e}"));
        runtime.block_on(store.list_active_categories()).unwrap();
        assert_eq!(store.migrate().unwrap(), 0, "nothing left to migrate");
    }
}

#[test]
fn instances_started_together_on_an_empty_sqlite_file_all_start() {
    for _ in 0..3 {
        let db = EmptyDatabase::sqlite();
        open_at_once(&db.url, 4);
    }
}

#[test]
fn instances_started_together_on_an_empty_postgresql_database_all_start() {
    for round in 0..3 {
        let Some(db) = EmptyDatabase::postgres("instances_started_together") else {
            return;
        };
        let _ = round;
        open_at_once(&db.url, 4);
    }
}

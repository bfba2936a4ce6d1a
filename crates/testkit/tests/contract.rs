//! The record ports' contract on the in-memory fakes: the same cases SQLite
//! and PostgreSQL pass (`ticketd-store-diesel`'s tests).

use ticketd_testkit::InMemoryStore;

ticketd_testkit::contract_tests!(tokio::test;
    |_case: &str| Some(Box::new(InMemoryStore::new())));

//! Test support for ticketd: in-memory fakes of every port (`fakes`), and
//! the contract every storage adapter keeps (`contract`), run against the
//! fakes and both databases.
#![deny(missing_docs)]
// Test support: a broken expectation must stop the test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod contract;
pub mod fakes;

pub use fakes::{InMemoryFiles, InMemoryStore};

//! The use cases against the in-memory store, one module a use case, around
//! one fixture.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod events;
mod fixture;
mod messages;
mod opening;
mod reading;
mod uploads;
mod workflow;

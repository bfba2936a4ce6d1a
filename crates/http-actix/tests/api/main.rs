//! The API tests, one module per area, in one test binary (one link, not
//! one per file): each builds the app over a real database, SQLite and
//! PostgreSQL alike, and calls it as clients do.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;
mod idp;

mod access;
mod audit;
mod concurrency;
mod contract;
mod cors;
mod downloads;
mod errors;
mod events;
mod examples;
mod files;
mod filters;
mod identity_provider;
mod openapi;
mod operations;
mod sla;
mod stream;
mod webhooks;
mod workflow;

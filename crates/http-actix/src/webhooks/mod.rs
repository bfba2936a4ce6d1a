//! Webhooks: the admin API's guard on endpoint addresses, and the worker
//! that delivers events to endpoints.
//!
//! The worker queues new events for the endpoints that want them, claims
//! due deliveries, and POSTs each event as JSON (the event list's shape),
//! signed as the Standard Webhooks specification has it (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature`). A 2xx answer delivers it;
//! anything else, a timeout or a refused address is retried with backoff
//! (`ticketd_app::retry_delay`) for a day. Redirects are not followed.

pub mod guard;
mod worker;

pub use worker::{DeliverySettings, WebhookWorker};

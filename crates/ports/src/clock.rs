use ticketd_domain::{Timestamp, whole_seconds};

/// Tells the time. Use cases take it as a port so that tests can fix the time.
pub trait Clock: Send + Sync {
    /// The current time, in whole seconds.
    fn now(&self) -> Timestamp;
}

/// The system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        whole_seconds(chrono::Utc::now())
    }
}

use ticketd_domain::{Timestamp, whole_seconds};

/// Tells the time. Use cases take it as a port so that tests can fix the time.
pub trait Clock: Send + Sync {
    /// The current time, in whole seconds.
    fn now(&self) -> Timestamp;
}

/// A clock that moves only when told to, for tests: no test waits for time
/// to pass.
#[derive(Debug)]
pub struct ManualClock(std::sync::Mutex<Timestamp>);

impl ManualClock {
    /// A clock showing `at` (whole seconds).
    pub fn at(at: Timestamp) -> Self {
        Self(std::sync::Mutex::new(whole_seconds(at)))
    }

    /// A clock showing the system's time now, until moved.
    pub fn starting_now() -> Self {
        Self::at(chrono::Utc::now())
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: std::time::Duration) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *now += chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        whole_seconds(chrono::Utc::now())
    }
}

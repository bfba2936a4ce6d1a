//! Rate limiting: a token bucket per authenticated user, and per client
//! address for requests without a valid token (GCRA, through `governor`).
//!
//! Buckets live in this process's memory: with several instances behind a
//! load balancer each instance counts on its own (see docs/operations.md).

use std::hash::{BuildHasher, Hash, RandomState};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::http::header::HeaderName;
use governor::Quota;
use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::StateInformationMiddleware;

/// How many requests a caller may make.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests per minute, sustained; 0 turns the limit off.
    pub per_minute: u32,
    /// Requests that may come at once before the rate applies.
    pub burst: u32,
}

impl RateLimit {
    /// No limit.
    pub const OFF: RateLimit = RateLimit {
        per_minute: 0,
        burst: 0,
    };
}

/// The answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead; `remaining` requests are left in the bucket.
    Allow {
        /// The bucket's size, for `X-RateLimit-Limit`.
        limit: u32,
        /// Requests left now, for `X-RateLimit-Remaining`.
        remaining: u32,
    },
    /// Too many: try again after `retry_after` seconds.
    Deny {
        /// The bucket's size.
        limit: u32,
        /// Whole seconds until one request is allowed again.
        retry_after: u64,
    },
    /// No limit applies.
    Unlimited,
}

/// One kind of caller's buckets: GCRA through `governor`, in a sharded map
/// (no global lock), with what each bucket holds reported back.
struct Buckets<K: Hash + Eq + Clone, C: Clock> {
    limiter: governor::RateLimiter<
        K,
        governor::state::keyed::DashMapStateStore<K>,
        C,
        StateInformationMiddleware,
    >,
    burst: u32,
}

impl<K: Hash + Eq + Clone, C: Clock + Clone> Buckets<K, C> {
    fn new(limit: RateLimit, clock: &C) -> Option<Self> {
        let per_minute = NonZeroU32::new(limit.per_minute)?;
        let burst = NonZeroU32::new(limit.burst.max(1))?;
        let period = Duration::from_secs(60) / per_minute.get();
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_minute(per_minute))
            .allow_burst(burst);
        let limiter = governor::RateLimiter::<
            K,
            governor::state::keyed::DashMapStateStore<K>,
            C,
            StateInformationMiddleware,
        >::new(quota, Default::default(), clock.clone());
        Some(Self {
            limiter,
            burst: burst.get(),
        })
    }

    /// Takes `n` tokens from the bucket of `key`.
    fn take(&self, key: &K, n: NonZeroU32, clock: &C) -> Decision {
        match self.limiter.check_key_n(key, n) {
            Ok(Ok(state)) => Decision::Allow {
                limit: self.burst,
                remaining: state.remaining_burst_capacity(),
            },
            Ok(Err(not_until)) => {
                let wait = not_until.wait_time_from(clock.now());
                Decision::Deny {
                    limit: self.burst,
                    retry_after: (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1),
                }
            }
            // More at once than the bucket ever holds: a minute at the most.
            Err(_) => Decision::Deny {
                limit: self.burst,
                retry_after: 60,
            },
        }
    }

    /// Forgets buckets that are full again (their callers went quiet).
    fn tidy(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    fn len(&self) -> usize {
        self.limiter.len()
    }
}

/// How many buckets anonymous callers share: each client address is hashed
/// to one of these, so that their memory is bounded however many addresses
/// a caller rotates through.
const ADDRESS_SLOTS: u64 = 65_536;
/// Tidy the users' buckets when they are this many, at most once a second.
const TIDY_ABOVE: usize = 10_000;

/// Token buckets by caller: per user for requests with a valid token, per
/// client address (hashed to one of 65,536 buckets) for the others.
pub struct RateLimiter<C: Clock = DefaultClock> {
    users: Option<Buckets<String, C>>,
    /// Uploaded bytes per user, in KiB.
    upload_kib: Option<Buckets<String, C>>,
    anonymous: Option<Buckets<u16, C>>,
    addresses: RandomState,
    clock: C,
    /// When the users' buckets were last tidied, in whole seconds of the clock.
    tidied: AtomicU64,
    started: C::Instant,
}

impl RateLimiter {
    /// A limiter with these limits for authenticated users and for anonymous
    /// client addresses.
    pub fn new(users: RateLimit, anonymous: RateLimit) -> Self {
        Self::with_clock(users, anonymous, DefaultClock::default())
    }
}

impl<C: Clock + Clone> RateLimiter<C> {
    /// A limiter on `clock` (tests use a clock they move by hand).
    pub fn with_clock(users: RateLimit, anonymous: RateLimit, clock: C) -> Self {
        Self {
            users: Buckets::new(users, &clock),
            upload_kib: None,
            anonymous: Buckets::new(anonymous, &clock),
            addresses: RandomState::new(),
            started: clock.now(),
            clock,
            tidied: AtomicU64::new(0),
        }
    }

    /// The same limiter, also counting the bytes each user uploads: at most
    /// `per_minute` a minute, a minute's worth at once (0: no limit).
    pub fn with_upload_bytes_per_minute(mut self, per_minute: u64) -> Self {
        let kib = u32::try_from(per_minute.div_ceil(1024)).unwrap_or(u32::MAX);
        self.upload_kib = Buckets::new(
            RateLimit {
                per_minute: kib,
                burst: kib,
            },
            &self.clock,
        );
        self
    }

    /// Takes `bytes` from the upload bucket of `user`: `Deny` when the user
    /// has uploaded its share for now.
    pub fn take_upload_bytes(&self, user: &str, bytes: usize) -> Decision {
        let Some(buckets) = &self.upload_kib else {
            return Decision::Unlimited;
        };
        let kib = u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX);
        let Some(n) = NonZeroU32::new(kib) else {
            return Decision::Unlimited;
        };
        buckets.take(&user.to_owned(), n, &self.clock)
    }

    /// Takes one request from the bucket of a user (`Some(user id)`) or a
    /// client address.
    pub fn check(&self, user: Option<&str>, address: &str) -> Decision {
        match (user, &self.users, &self.anonymous) {
            (Some(id), Some(users), _) => {
                self.tidy_now_and_then(users);
                users.take(&id.to_owned(), NonZeroU32::MIN, &self.clock)
            }
            (None, _, Some(anonymous)) => {
                let slot = self.addresses.hash_one(address) % ADDRESS_SLOTS;
                anonymous.take(
                    &u16::try_from(slot).unwrap_or(u16::MAX),
                    NonZeroU32::MIN,
                    &self.clock,
                )
            }
            _ => Decision::Unlimited,
        }
    }

    /// How many buckets are held (for tests of memory bounds).
    pub fn buckets(&self) -> usize {
        self.users.as_ref().map_or(0, Buckets::len)
            + self.anonymous.as_ref().map_or(0, Buckets::len)
            + self.upload_kib.as_ref().map_or(0, Buckets::len)
    }

    fn tidy_now_and_then(&self, users: &Buckets<String, C>) {
        if users.len() <= TIDY_ABOVE {
            return;
        }
        let second = Duration::from(self.clock.now().duration_since(self.started)).as_secs();
        let last = self.tidied.load(Ordering::Relaxed);
        if second > last
            && self
                .tidied
                .compare_exchange(last, second, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            users.tidy();
        }
    }
}

/// Whether a path is one of the operational routes that are never limited
/// (probes, metrics, the API's documentation). Every other request, whether
/// a route matches it or not, takes a token.
fn is_operational(path: &str) -> bool {
    matches!(
        path,
        "/health" | "/ready" | "/metrics" | crate::OPENAPI_PATH | "/swagger-ui"
    ) || path.starts_with("/swagger-ui/")
}

/// Checks a request against its caller's bucket: the token's user when the
/// token is valid (which is then kept for the handler), else the client
/// address. Every request is limited but the operational routes (see
/// [`is_operational`]).
pub(crate) fn check(
    req: &actix_web::dev::ServiceRequest,
    keys: &crate::auth::JwtKeys,
    limiter: &RateLimiter,
) -> Decision {
    use actix_web::HttpMessage;
    if is_operational(req.path()) {
        return Decision::Unlimited;
    }
    let actor = crate::auth::bearer_token(req.headers()).and_then(|t| keys.verify(t).ok());
    let user = actor.as_ref().map(|a| a.id.as_str().to_owned());
    if let Some(actor) = actor {
        req.extensions_mut()
            .insert(crate::auth::Authenticated(actor));
    }
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    limiter.check(user.as_deref(), &address)
}

/// The size of the caller's bucket.
pub(crate) const LIMIT_HEADER: HeaderName = HeaderName::from_static("x-ratelimit-limit");
/// Requests left in it now.
pub(crate) const REMAINING_HEADER: HeaderName = HeaderName::from_static("x-ratelimit-remaining");

/// 429 in the envelope, saying when to come back.
pub(crate) fn too_many(limit: u32, retry_after: u64) -> crate::error::ApiError {
    use actix_web::http::header::{HeaderValue, RETRY_AFTER};
    crate::error::ApiError::new(
        actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        format!("Too many requests; try again in {retry_after} s"),
    )
    .with_header(RETRY_AFTER, HeaderValue::from(retry_after))
    .with_header(LIMIT_HEADER, HeaderValue::from(limit))
    .with_header(REMAINING_HEADER, HeaderValue::from(0u32))
}

/// The rate-limit headers of an allowed request.
pub(crate) fn headers(
    headers: &mut actix_web::http::header::HeaderMap,
    limit: u32,
    remaining: u32,
) {
    use actix_web::http::header::HeaderValue;
    headers.insert(LIMIT_HEADER, HeaderValue::from(limit));
    headers.insert(REMAINING_HEADER, HeaderValue::from(remaining));
}

#[cfg(test)]
mod tests;

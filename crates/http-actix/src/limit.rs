//! Rate limiting: a token bucket per authenticated user, and per client
//! address for requests without a valid token.
//!
//! Buckets live in this process's memory: with several instances behind a
//! load balancer each instance counts on its own (see docs/operations.md).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

    fn is_off(self) -> bool {
        self.per_minute == 0
    }
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

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Token buckets by caller.
pub struct RateLimiter {
    users: RateLimit,
    anonymous: RateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// Buckets idle this long are full again and can be forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(600);
/// Forget idle buckets whenever the map grows past this many.
const SWEEP_ABOVE: usize = 10_000;

impl RateLimiter {
    /// A limiter with these limits for authenticated users and for anonymous
    /// client addresses.
    pub fn new(users: RateLimit, anonymous: RateLimit) -> Self {
        Self {
            users,
            anonymous,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from the bucket of a user (`Some(user id)`) or a client
    /// address, at time `now`.
    pub fn check(&self, user: Option<&str>, address: &str, now: Instant) -> Decision {
        let (limit, key) = match user {
            Some(id) => (self.users, format!("u:{id}")),
            None => (self.anonymous, format!("a:{address}")),
        };
        if limit.is_off() {
            return Decision::Unlimited;
        }
        let capacity = f64::from(limit.burst.max(1));
        let per_second = f64::from(limit.per_minute) / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > SWEEP_ABOVE {
            buckets.retain(|_, b| now.saturating_duration_since(b.updated) < FORGET_AFTER);
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.updated = now;
        let limit_value = limit.burst.max(1);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Decision::Allow {
                limit: limit_value,
                remaining: bucket.tokens.floor() as u32,
            }
        } else {
            let wait = (1.0 - bucket.tokens) / per_second;
            Decision::Deny {
                limit: limit_value,
                retry_after: wait.ceil().max(1.0) as u64,
            }
        }
    }
}

/// Checks a request against its caller's bucket: the token's user when the
/// token is valid (which is then kept for the handler), else the client
/// address. Only the API is limited; health, metrics and docs are not.
pub(crate) fn check(
    req: &actix_web::dev::ServiceRequest,
    keys: &crate::auth::JwtKeys,
    limiter: &RateLimiter,
) -> Decision {
    use actix_web::HttpMessage;
    if !req.path().starts_with(crate::routes::PREFIX) {
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
    limiter.check(user.as_deref(), &address, Instant::now())
}

/// 429 in the envelope, saying when to come back.
pub(crate) fn too_many(limit: u32, retry_after: u64) -> crate::error::ApiError {
    use actix_web::http::header::{HeaderName, HeaderValue, RETRY_AFTER};
    crate::error::ApiError::new(
        actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        format!("Too many requests; try again in {retry_after} s"),
    )
    .with_header(RETRY_AFTER, HeaderValue::from(retry_after))
    .with_header(
        HeaderName::from_static("x-ratelimit-limit"),
        HeaderValue::from(limit),
    )
    .with_header(
        HeaderName::from_static("x-ratelimit-remaining"),
        HeaderValue::from(0u32),
    )
}

/// The rate-limit headers of an allowed request.
pub(crate) fn headers(
    headers: &mut actix_web::http::header::HeaderMap,
    limit: u32,
    remaining: u32,
) {
    use actix_web::http::header::{HeaderName, HeaderValue};
    headers.insert(
        HeaderName::from_static("x-ratelimit-limit"),
        HeaderValue::from(limit),
    );
    headers.insert(
        HeaderName::from_static("x-ratelimit-remaining"),
        HeaderValue::from(remaining),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_the_rate_applies() {
        let limiter = RateLimiter::new(
            RateLimit {
                per_minute: 60,
                burst: 3,
            },
            RateLimit::OFF,
        );
        let t0 = Instant::now();
        for left in [2, 1, 0] {
            assert_eq!(
                limiter.check(Some("u1"), "ip", t0),
                Decision::Allow {
                    limit: 3,
                    remaining: left
                }
            );
        }
        assert_eq!(
            limiter.check(Some("u1"), "ip", t0),
            Decision::Deny {
                limit: 3,
                retry_after: 1
            }
        );
        // Another user has a bucket of its own.
        assert!(matches!(
            limiter.check(Some("u2"), "ip", t0),
            Decision::Allow { .. }
        ));
        // One request a second comes back.
        let later = t0 + Duration::from_secs(1);
        assert!(matches!(
            limiter.check(Some("u1"), "ip", later),
            Decision::Allow { remaining: 0, .. }
        ));
        assert!(matches!(
            limiter.check(Some("u1"), "ip", later),
            Decision::Deny { .. }
        ));
        // Anonymous callers are unlimited here.
        assert_eq!(limiter.check(None, "ip", t0), Decision::Unlimited);
    }

    #[test]
    fn anonymous_callers_are_limited_by_address() {
        let limiter = RateLimiter::new(
            RateLimit::OFF,
            RateLimit {
                per_minute: 6,
                burst: 1,
            },
        );
        let t0 = Instant::now();
        assert!(matches!(
            limiter.check(None, "1.2.3.4", t0),
            Decision::Allow { .. }
        ));
        assert_eq!(
            limiter.check(None, "1.2.3.4", t0),
            Decision::Deny {
                limit: 1,
                retry_after: 10
            }
        );
        assert!(matches!(
            limiter.check(None, "5.6.7.8", t0),
            Decision::Allow { .. }
        ));
        assert_eq!(limiter.check(Some("u"), "1.2.3.4", t0), Decision::Unlimited);
    }
}

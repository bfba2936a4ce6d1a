use super::*;
use governor::clock::FakeRelativeClock;

fn limiter(
    users: RateLimit,
    anonymous: RateLimit,
) -> (RateLimiter<FakeRelativeClock>, FakeRelativeClock) {
    let clock = FakeRelativeClock::default();
    (
        RateLimiter::with_clock(users, anonymous, clock.clone()),
        clock,
    )
}

#[test]
fn a_burst_is_allowed_then_the_rate_applies() {
    let (limiter, clock) = limiter(
        RateLimit {
            per_minute: 60,
            burst: 3,
        },
        RateLimit::OFF,
    );
    for left in [2, 1, 0] {
        assert_eq!(
            limiter.check(Some("u1"), "ip"),
            Decision::Allow {
                limit: 3,
                remaining: left
            }
        );
    }
    assert_eq!(
        limiter.check(Some("u1"), "ip"),
        Decision::Deny {
            limit: 3,
            retry_after: 1
        }
    );
    // Another user has a bucket of its own.
    assert!(matches!(
        limiter.check(Some("u2"), "ip"),
        Decision::Allow { .. }
    ));
    // One request a second comes back.
    clock.advance(Duration::from_secs(1));
    assert!(matches!(
        limiter.check(Some("u1"), "ip"),
        Decision::Allow { remaining: 0, .. }
    ));
    assert!(matches!(
        limiter.check(Some("u1"), "ip"),
        Decision::Deny { .. }
    ));
    // Anonymous callers are unlimited here.
    assert_eq!(limiter.check(None, "ip"), Decision::Unlimited);
}

#[test]
fn anonymous_callers_are_limited_by_address() {
    let (limiter, _clock) = limiter(
        RateLimit::OFF,
        RateLimit {
            per_minute: 6,
            burst: 1,
        },
    );
    assert!(matches!(
        limiter.check(None, "1.2.3.4"),
        Decision::Allow { .. }
    ));
    assert_eq!(
        limiter.check(None, "1.2.3.4"),
        Decision::Deny {
            limit: 1,
            retry_after: 10
        }
    );
    assert!(matches!(
        limiter.check(None, "5.6.7.8"),
        Decision::Allow { .. }
    ));
    assert_eq!(limiter.check(Some("u"), "1.2.3.4"), Decision::Unlimited);
}

#[test]
fn rotating_addresses_cannot_grow_the_buckets_past_a_bound() {
    let (limiter, _clock) = limiter(
        RateLimit {
            per_minute: 60,
            burst: 10,
        },
        RateLimit {
            per_minute: 120,
            burst: 60,
        },
    );
    for i in 0..200_000u32 {
        let address = std::net::Ipv4Addr::from(i.wrapping_mul(2_654_435_761)).to_string();
        limiter.check(None, &address);
    }
    assert!(
        limiter.buckets() <= ADDRESS_SLOTS as usize,
        "{}",
        limiter.buckets()
    );
}

#[test]
fn quiet_users_buckets_are_forgotten() {
    let (limiter, clock) = limiter(
        RateLimit {
            per_minute: 600,
            burst: 10,
        },
        RateLimit::OFF,
    );
    for i in 0..TIDY_ABOVE + 100 {
        limiter.check(Some(&format!("user{i}")), "ip");
    }
    assert!(limiter.buckets() > TIDY_ABOVE);
    // A second later every bucket is full again: the next request tidies.
    clock.advance(Duration::from_secs(2));
    limiter.check(Some("someone"), "ip");
    assert!(limiter.buckets() < 10, "{}", limiter.buckets());
}

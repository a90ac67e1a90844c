//! A per-client rate limit (token bucket by client IP address), for the
//! cheap requests an attacker can repeat at will: starting a login costs
//! the attacker nothing and the server a challenge row.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many requests a client may make: a burst, refilled at a steady rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed at once.
    pub burst: u32,
    /// One more request allowed every `period`.
    pub period: Duration,
}

/// Buckets of every client seen lately.
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    /// Requests still allowed at `at`.
    tokens: f64,
    at: Instant,
}

/// Buckets kept at most; past this, full ones are forgotten.
const MAX_CLIENTS: usize = 100_000;

impl RateLimiter {
    pub fn new(limit: RateLimit) -> RateLimiter {
        RateLimiter {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `client`'s bucket at `now`, or says how long
    /// until it may try again.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let burst = f64::from(self.limit.burst.max(1));
        let per_second = 1.0 / self.limit.period.as_secs_f64().max(f64::EPSILON);
        let mut buckets = self.buckets.lock().expect("rate limiter lock");
        if buckets.len() >= MAX_CLIENTS {
            // A bucket full again says nothing: forget those.
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second < burst
            });
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let refilled = (bucket.tokens
            + now.saturating_duration_since(bucket.at).as_secs_f64() * per_second)
            .min(burst);
        if refilled >= 1.0 {
            *bucket = Bucket {
                tokens: refilled - 1.0,
                at: now,
            };
            Ok(())
        } else {
            *bucket = Bucket {
                tokens: refilled,
                at: now,
            };
            Err(Duration::from_secs_f64((1.0 - refilled) / per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_burst_then_waits_while_others_go_on() {
        let limiter = RateLimiter::new(RateLimit {
            burst: 3,
            period: Duration::from_secs(10),
        });
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check(a, t0), Ok(()));
        }
        let wait = limiter.check(a, t0).unwrap_err();
        assert!(wait > Duration::from_secs(9) && wait <= Duration::from_secs(10));
        assert_eq!(
            limiter.check(b, t0),
            Ok(()),
            "another client is not held up"
        );
        assert_eq!(limiter.check(a, t0 + Duration::from_secs(10)), Ok(()));
        assert!(limiter.check(a, t0 + Duration::from_secs(10)).is_err());
    }
}

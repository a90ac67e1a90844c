//! A per-client rate limit (token bucket by client IP address), for the
//! cheap requests an attacker can repeat at will: starting a login costs
//! the attacker nothing and the server a challenge row.

use std::collections::HashMap;
use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;
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

/// The client a request counts against. Behind a load balancer every
/// request comes from the balancer's address, which tells clients apart
/// only through `X-Forwarded-For`; but anyone can send that header, so it
/// is believed only when the immediate peer is one of the `trusted`
/// proxies, and then read from the right: each trusted proxy appended the
/// address it saw, and the first address from the right that is not a
/// trusted proxy is the client (what the client itself wrote further left
/// counts for nothing). A direct client's header is ignored: it cannot
/// escape its limit by inventing addresses.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for hop in hops.into_iter().rev() {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            // Not an address: stop at the last hop we could trust.
            return client;
        };
        client = ip;
        if !is_trusted(&ip) {
            return ip;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", v.parse().unwrap());
        }
        headers
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy_and_from_the_right() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let lb: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // A direct client's header is ignored.
        assert_eq!(
            client_address(ip("203.0.113.7"), &forwarded(&["198.51.100.1"]), &lb),
            ip("203.0.113.7")
        );
        // No proxies configured: the socket address, whatever the header.
        assert_eq!(
            client_address(ip("10.0.0.5"), &forwarded(&["198.51.100.1"]), &[]),
            ip("10.0.0.5")
        );
        // From the balancer: the address it appended.
        assert_eq!(
            client_address(ip("10.0.0.5"), &forwarded(&["203.0.113.7"]), &lb),
            ip("203.0.113.7")
        );
        // A client that wrote its own header gets its invention ignored:
        // the balancer appended the real address on the right.
        assert_eq!(
            client_address(
                ip("10.0.0.5"),
                &forwarded(&["198.51.100.1, 198.51.100.2", "203.0.113.7"]),
                &lb
            ),
            ip("203.0.113.7")
        );
        // Two trusted hops (an edge proxy, then the balancer).
        assert_eq!(
            client_address(ip("10.0.0.5"), &forwarded(&["203.0.113.7, 10.1.2.3"]), &lb),
            ip("203.0.113.7")
        );
        // Garbage: the last trusted hop's address stands.
        assert_eq!(
            client_address(ip("10.0.0.5"), &forwarded(&["not-an-address"]), &lb),
            ip("10.0.0.5")
        );
        // From the balancer without the header: the balancer itself.
        assert_eq!(
            client_address(ip("10.0.0.5"), &HeaderMap::new(), &lb),
            ip("10.0.0.5")
        );
    }

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

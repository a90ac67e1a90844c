//! Prometheus metrics (`GET /metrics`, text exposition): requests and their
//! latency by route and status, the database pool, signatures issued.
//!
//! Each running issuer keeps its own registry (not a process-global one):
//! tests and the load generator run several replicas in one process, and
//! each must count only its own requests, as separate processes would.
//!
//! Labels name the matched route template (`/v1/dependents/{code_id}`),
//! never the raw path: no code id, document number or token reaches a label.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::store::PoolStatus;

/// The `Content-Type` of [`Metrics::render`]'s text (OpenMetrics 1.0,
/// which every Prometheus since 2.5 scrapes).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Route label of a request that matched no route (a 404): one label for
/// all of them, so scanning for paths cannot grow the label set.
pub const UNMATCHED_ROUTE: &str = "(unmatched)";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SignatureLabels {
    /// `credential_device`, `credential_printed` or `trust_list`.
    kind: &'static str,
}

/// What was signed, for the signatures counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signed {
    /// A credential bound to a phone's device key (a sync or an application).
    DeviceCredential,
    /// A printed credential (a dependent's paper code).
    PrintedCredential,
    /// The trust list, by the root key.
    TrustList,
}

impl Signed {
    fn label(self) -> &'static str {
        match self {
            Signed::DeviceCredential => "credential_device",
            Signed::PrintedCredential => "credential_printed",
            Signed::TrustList => "trust_list",
        }
    }
}

/// One issuer's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram>,
    in_flight: Gauge,
    signatures: Family<SignatureLabels, Counter>,
    pool_size: Gauge,
    pool_available: Gauge,
    pool_max: Gauge,
}

/// Counts one request in flight while it lives.
pub struct InFlight<'a>(&'a Gauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Latency buckets: 0.25 ms to about 4 s, doubling (a sync takes a few
/// milliseconds; a login waits on the face vendor).
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("suikang");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RequestLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> _,
        );
        let in_flight = Gauge::default();
        let signatures = Family::<SignatureLabels, Counter>::default();
        let (pool_size, pool_available, pool_max) =
            (Gauge::default(), Gauge::default(), Gauge::default());
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time from a request's arrival to its answer, by method, route template and status",
            prometheus_client::registry::Unit::Seconds,
            latency.clone(),
        );
        registry.register(
            "http_requests_in_flight",
            "HTTP requests being handled now",
            in_flight.clone(),
        );
        registry.register(
            "signatures",
            "Signatures made by this process: credentials (device-bound or printed) and trust lists",
            signatures.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Database connections open (PostgreSQL: the pool; SQLite: the reader connections)",
            pool_size.clone(),
        );
        registry.register(
            "db_pool_available",
            "Database connections open and idle, ready for a request",
            pool_available.clone(),
        );
        registry.register(
            "db_pool_max",
            "Database connections the pool may open",
            pool_max.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            in_flight,
            signatures,
            pool_size,
            pool_available,
            pool_max,
        }
    }

    /// A request started: the in-flight gauge counts it until the guard
    /// is dropped (answered, or abandoned by its client).
    pub fn in_flight(&self) -> InFlight<'_> {
        self.in_flight.inc();
        InFlight(&self.in_flight)
    }

    /// A request was answered after `elapsed`.
    pub fn request_done(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let labels = RequestLabels {
            method: method.to_owned(),
            route: route.to_owned(),
            status,
        };
        self.requests.get_or_create(&labels).inc();
        self.latency
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// One more signature of this kind.
    pub fn signed(&self, what: Signed) {
        self.signatures
            .get_or_create(&SignatureLabels { kind: what.label() })
            .inc();
    }

    /// The text exposition, with the pool gauges read now.
    pub fn render(&self, pool: Option<PoolStatus>) -> String {
        if let Some(pool) = pool {
            self.pool_size.set(pool.size as i64);
            self.pool_available.set(pool.available as i64);
            self.pool_max.set(pool.max_size as i64);
        }
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_template_and_status() {
        let m = Metrics::new();
        let request = m.in_flight();
        assert!(m.render(None).contains("suikang_http_requests_in_flight 1"));
        m.request_done(
            "GET",
            "/v1/dependents/{code_id}",
            404,
            Duration::from_millis(3),
        );
        drop(request);
        m.signed(Signed::PrintedCredential);
        let text = m.render(Some(PoolStatus {
            size: 3,
            available: 2,
            max_size: 16,
        }));
        assert!(text.contains(
            "suikang_http_requests_total{method=\"GET\",route=\"/v1/dependents/{code_id}\",status=\"404\"} 1"
        ));
        assert!(text.contains("suikang_http_requests_in_flight 0"));
        assert!(text.contains("suikang_signatures_total{kind=\"credential_printed\"} 1"));
        assert!(text.contains("suikang_db_pool_available 2"));
        // 3 ms falls in the 4 ms bucket, not the 2 ms one.
        let bucket = |le: &str| {
            format!(
                "suikang_http_request_duration_seconds_bucket{{le=\"{le}\",method=\"GET\",route=\"/v1/dependents/{{code_id}}\",status=\"404\"}}"
            )
        };
        assert!(text.contains(&format!("{} 0\n", bucket("0.002"))), "{text}");
        assert!(text.contains(&format!("{} 1\n", bucket("0.004"))), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }
}

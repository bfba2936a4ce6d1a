//! Observability: the request id of the running request, Prometheus metrics,
//! and the health, readiness and metrics routes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use ticketd_app::SupportDesk;
use ticketd_ports::PoolStats;
use utoipa::ToSchema;

use crate::envelope::Envelope;
use crate::error::{ApiError, ErrorEnvelope};

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served on this task, for log lines.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Runs `fut` with `id` as the current request id.
pub(crate) async fn with_request_id<F: std::future::Future>(id: String, fut: F) -> F::Output {
    REQUEST_ID.scope(id, fut).await
}

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Series {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<(String, String), Histogram>,
}

/// Request counts and latencies by route, for `GET /metrics`.
#[derive(Default)]
pub struct Metrics(Mutex<Series>);

impl Metrics {
    /// Counts one request. `route` is the matched pattern, never the raw path,
    /// so that the number of series stays bounded.
    pub(crate) fn observe(
        &self,
        method: &actix_web::http::Method,
        route: &str,
        status: StatusCode,
        took: Duration,
    ) {
        let method = method_label(method);
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *s.requests
            .entry((method.to_owned(), route.to_owned(), status.as_u16()))
            .or_default() += 1;
        let h = s
            .latency
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
        let secs = took.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                h.counts[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    /// The Prometheus text exposition of every series.
    pub(crate) fn render(&self, pool: PoolStats) -> String {
        let s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        out.push_str("# HELP ticketd_http_requests_total HTTP requests answered, by method, route and status.\n");
        out.push_str("# TYPE ticketd_http_requests_total counter\n");
        for ((method, route, status), n) in &s.requests {
            let _ = writeln!(
                out,
                "ticketd_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str(
            "# HELP ticketd_http_request_duration_seconds Time to answer HTTP requests.\n",
        );
        out.push_str("# TYPE ticketd_http_request_duration_seconds histogram\n");
        for ((method, route), h) in &s.latency {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (bound, n) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "ticketd_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "ticketd_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "ticketd_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "ticketd_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
        out.push_str("# HELP ticketd_db_pool_connections Database connections, by state.\n");
        out.push_str("# TYPE ticketd_db_pool_connections gauge\n");
        let in_use = pool.connections.saturating_sub(pool.idle);
        let _ = writeln!(
            out,
            "ticketd_db_pool_connections{{state=\"in_use\"}} {in_use}"
        );
        let _ = writeln!(
            out,
            "ticketd_db_pool_connections{{state=\"idle\"}} {}",
            pool.idle
        );
        out.push_str(
            "# HELP ticketd_db_pool_max_connections The most connections the pool opens.\n",
        );
        out.push_str("# TYPE ticketd_db_pool_max_connections gauge\n");
        let _ = writeln!(out, "ticketd_db_pool_max_connections {}", pool.max);
        out
    }
}

/// The method label of a request: one of the methods HTTP defines, or
/// `OTHER`, so that made-up methods cannot add series.
pub(crate) fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "OTHER",
    }
}

/// The route label of a request: its matched pattern without regexes.
pub(crate) fn route_label(pattern: Option<String>) -> String {
    match pattern {
        Some(p) => p.replace(":\\d+", ""),
        None => "unmatched".to_owned(),
    }
}

/// What the health routes answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthDto {
    /// `alive` or `ready`.
    #[schema(example = "alive")]
    pub status: String,
}

#[utoipa::path(
    tag = "Operations",
    summary = "Liveness",
    description = "Answers 200 while the process serves requests. No authentication.",
    responses((status = 200, description = "The server is alive", body = Envelope<HealthDto>)),
)]
#[get("/health")]
pub(crate) async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Envelope::ok(
        "alive",
        HealthDto {
            status: "alive".into(),
        },
    ))
}

/// How long readiness waits for the database.
const READY_WITHIN: std::time::Duration = std::time::Duration::from_secs(1);

#[utoipa::path(
    tag = "Operations",
    summary = "Readiness",
    description = "Answers 200 when the database answers within 1 s, else 503 with `Retry-After` \
                   (within about 1 s either way); 503 from the moment the server begins to stop \
                   (it keeps serving for its drain period). No authentication.",
    responses(
        (status = 200, description = "Ready to serve", body = Envelope<HealthDto>),
        (status = 503, description = "The database is unreachable, or the server is stopping", body = ErrorEnvelope),
    ),
)]
#[get("/ready")]
pub(crate) async fn ready(
    desk: web::Data<SupportDesk>,
    draining: web::Data<crate::Draining>,
) -> Result<HttpResponse, ApiError> {
    if draining.is_on() {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "This instance is stopping; send new requests elsewhere",
        ));
    }
    // A health check gives up after a few seconds: answer well within that,
    // either way, even while connecting to the database hangs.
    actix_web::rt::time::timeout(READY_WITHIN, desk.ready())
        .await
        .map_err(|_| {
            ApiError::unavailable(format!(
                "readiness: the database did not answer within {READY_WITHIN:?}"
            ))
        })??;
    Ok(HttpResponse::Ok().json(Envelope::ok(
        "ready",
        HealthDto {
            status: "ready".into(),
        },
    )))
}

#[utoipa::path(
    tag = "Operations",
    summary = "Prometheus metrics",
    description = "Requests by route and status, latency histograms, and database pool use, in \
                   Prometheus' text format. No authentication: keep it off the public network.",
    responses((status = 200, description = "The metrics", content_type = "text/plain", body = String)),
)]
#[get("/metrics")]
pub(crate) async fn metrics(
    desk: web::Data<SupportDesk>,
    metrics: web::Data<Metrics>,
) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/plain; version=0.0.4"))
        .body(metrics.render(desk.pool_stats()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_render_counters_histograms_and_pool_gauges() {
        let m = Metrics::default();
        let get = actix_web::http::Method::GET;
        m.observe(&get, "/a/{id}", StatusCode::OK, Duration::from_millis(20));
        m.observe(&get, "/a/{id}", StatusCode::OK, Duration::from_millis(700));
        m.observe(
            &get,
            "/a/{id}",
            StatusCode::NOT_FOUND,
            Duration::from_millis(1),
        );
        let text = m.render(PoolStats {
            connections: 3,
            idle: 1,
            max: 10,
        });
        assert!(
            text.contains(
                r#"ticketd_http_requests_total{method="GET",route="/a/{id}",status="200"} 2"#
            ),
            "{text}"
        );
        assert!(text.contains(
            r#"ticketd_http_requests_total{method="GET",route="/a/{id}",status="404"} 1"#
        ));
        assert!(text.contains(r#"ticketd_http_request_duration_seconds_bucket{method="GET",route="/a/{id}",le="0.025"} 2"#));
        assert!(text.contains(
            r#"ticketd_http_request_duration_seconds_bucket{method="GET",route="/a/{id}",le="1"} 3"#
        ));
        assert!(text.contains(
            r#"ticketd_http_request_duration_seconds_count{method="GET",route="/a/{id}"} 3"#
        ));
        assert!(text.contains(r#"ticketd_db_pool_connections{state="in_use"} 2"#));
        assert!(text.contains(r#"ticketd_db_pool_connections{state="idle"} 1"#));
        assert!(text.contains("ticketd_db_pool_max_connections 10"));
    }

    #[test]
    fn routes_are_labelled_by_pattern() {
        assert_eq!(
            route_label(Some("/x/{id:\\d+}/logs".into())),
            "/x/{id}/logs"
        );
        assert_eq!(route_label(None), "unmatched");
    }
}

/// Query parameters whose values are credentials: never written to a log.
const SECRET_PARAMETERS: [&str; 4] = ["signature", "token", "access_token", "jwt"];

/// The request line as the access log shows it: the method, the path, the
/// query with the values of credentials (a download link's `signature`, a
/// token) replaced by `REDACTED`, and the version.
pub(crate) fn request_line_for_log(req: &actix_web::dev::ServiceRequest) -> String {
    format!(
        "{} {} {:?}",
        req.method(),
        redacted_target(req.path(), req.query_string()),
        req.version()
    )
}

/// `path?query` with the values of [`SECRET_PARAMETERS`] redacted.
fn redacted_target(path: &str, query: &str) -> String {
    if query.is_empty() {
        return path.to_owned();
    }
    let parts: Vec<String> = query
        .split('&')
        .map(|part| {
            let (name, _) = part.split_once('=').unwrap_or((part, ""));
            let decoded = percent_decoded_lowercase(name);
            if SECRET_PARAMETERS.contains(&decoded.as_str()) {
                format!("{name}=REDACTED")
            } else {
                part.to_owned()
            }
        })
        .collect();
    format!("{path}?{}", parts.join("&"))
}

/// A parameter name as a server would read it (`%73ignature` is
/// `signature`), lowercased, so that no spelling slips past the redaction.
fn percent_decoded_lowercase(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%')
            .then(|| name.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match decoded {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).to_lowercase()
}

#[cfg(test)]
mod redaction_tests {
    use super::redacted_target;

    #[test]
    fn credentials_in_a_query_are_redacted_and_the_rest_kept() {
        assert_eq!(redacted_target("/a", ""), "/a");
        assert_eq!(
            redacted_target("/f", "expires=170&signature=abcdef"),
            "/f?expires=170&signature=REDACTED"
        );
        assert_eq!(
            redacted_target("/f", "Signature=x&%73ignature=y&token=z&limit=5"),
            "/f?Signature=REDACTED&%73ignature=REDACTED&token=REDACTED&limit=5"
        );
        assert_eq!(redacted_target("/f", "signature"), "/f?signature=REDACTED");
    }
}

//! The delivery worker.

use std::time::{Duration, Instant};

use ticketd_app::{SupportDesk, signature};
use ticketd_domain::Visibility;
use ticketd_ports::{ClaimedDelivery, DeliveryAttempt};

use super::guard::{GuardedResolver, check_url};
use crate::dto::EventDto;

/// How the worker delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliverySettings {
    /// How long one attempt may take, connection included.
    pub timeout: Duration,
    /// Whether endpoints may resolve to private, loopback or link-local
    /// addresses (local stacks and tests only).
    pub allow_private: bool,
    /// How many deliveries one round claims (and sends at once).
    pub batch: u32,
    /// How long the worker waits when nothing was due.
    pub idle_wait: Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            allow_private: false,
            batch: 16,
            idle_wait: Duration::from_secs(1),
        }
    }
}

/// Delivers events to webhook endpoints; several workers (in one server or
/// several) may run at once: each delivery is claimed by one at a time.
#[derive(Clone)]
pub struct WebhookWorker {
    desk: SupportDesk,
    client: reqwest::Client,
    settings: DeliverySettings,
}

/// The body of an error answer kept with an attempt, at most.
const KEPT_ERROR_CHARS: usize = 300;

impl WebhookWorker {
    /// A worker for `desk`'s deliveries.
    pub fn new(desk: SupportDesk, settings: DeliverySettings) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("ticketd-webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(GuardedResolver {
                allow_private: settings.allow_private,
            })
            .build()?;
        Ok(Self {
            desk,
            client,
            settings,
        })
    }

    /// Delivers for as long as the server runs. A failure (the database
    /// away) is logged when it first happens and once a minute while it
    /// lasts, not on every round.
    pub async fn run(self) {
        let mut last_failure: Option<(String, Instant)> = None;
        loop {
            let worked = match self.run_once().await {
                Ok(n) => {
                    if last_failure.take().is_some() {
                        log::info!(target: "ticketd::webhooks", "delivering webhooks again");
                    }
                    n > 0
                }
                Err(e) => {
                    let text = with_causes(e.to_string(), &e);
                    let repeat = last_failure.as_ref().is_some_and(|(t, at)| {
                        *t == text && at.elapsed() < Duration::from_secs(60)
                    });
                    if !repeat {
                        log::warn!(target: "ticketd::webhooks", "delivering webhooks failed (retrying): {text}");
                        last_failure = Some((text, Instant::now()));
                    }
                    false
                }
            };
            if !worked {
                tokio::time::sleep(self.settings.idle_wait).await;
            }
        }
    }

    /// One round: queues new events, claims what is due, makes one attempt
    /// at each, and records it. Returns how many attempts it made.
    pub async fn run_once(&self) -> Result<usize, ticketd_app::AppError> {
        self.desk.queue_webhook_deliveries().await?;
        let lease = chrono::Duration::from_std(self.settings.timeout * 3)
            .unwrap_or(chrono::Duration::minutes(1));
        let claimed = self
            .desk
            .claim_webhook_deliveries(self.settings.batch, lease)
            .await?;
        let attempts = claimed.iter().map(|c| self.attempt(c));
        let results = futures_util::future::join_all(attempts).await;
        // Every attempt is recorded even if one record fails (its lease
        // then runs out, and it is tried again).
        let mut failed = None;
        for (c, (attempt, ok)) in claimed.iter().zip(results) {
            if let Err(e) = self.desk.finish_webhook_attempt(c, attempt, ok).await {
                failed.get_or_insert(e);
            }
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(claimed.len()),
        }
    }

    /// One attempt: what it found, and whether it delivered.
    async fn attempt(&self, c: &ClaimedDelivery) -> (DeliveryAttempt, bool) {
        let at = self.desk.now();
        let started = Instant::now();
        let result = self.post(c, at).await;
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (status, error, ok) = match result {
            Ok((status, _)) if (200..300).contains(&status) => (Some(status), None, true),
            Ok((status, body)) => (Some(status), Some(body), false),
            Err(e) => (None, Some(e), false),
        };
        let attempt = DeliveryAttempt {
            at,
            status,
            duration_ms,
            error: error.map(|e| e.chars().take(KEPT_ERROR_CHARS).collect()),
        };
        (attempt, ok)
    }

    async fn post(
        &self,
        c: &ClaimedDelivery,
        at: ticketd_domain::Timestamp,
    ) -> Result<(u16, String), String> {
        let internal = c.event.visibility == Visibility::Internal;
        if !c.endpoint.wants(c.event.kind, internal) {
            // Changed since it was queued: an internal note is never sent
            // to an endpoint that does not take internal events.
            return Err("withheld: the endpoint no longer takes this event".into());
        }
        let url = url::Url::parse(&c.endpoint.url).map_err(|e| format!("bad URL: {e}"))?;
        // Names are checked by the client's resolver; addresses written in
        // the URL never reach it.
        if url
            .host_str()
            .is_some_and(|h| h.parse::<std::net::IpAddr>().is_ok() || h.starts_with('['))
        {
            check_url(&url, self.settings.allow_private).await?;
        }
        let dto = EventDto::from(&c.event);
        let body = serde_json::to_vec(&dto).map_err(|e| format!("cannot write the event: {e}"))?;
        let timestamp = at.timestamp();
        let secrets = c.endpoint.signing_secrets(at);
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &dto.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                signature(&secrets, &dto.id, timestamp, &body),
            )
            .body(body)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let text = if (200..300).contains(&status) {
            String::new()
        } else {
            response.text().await.unwrap_or_default()
        };
        Ok((status, text))
    }
}

/// A send error in a few words, with its cause (a refused address says why).
fn describe(e: &reqwest::Error) -> String {
    let text = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    with_causes(text.to_owned(), e)
}

/// `text`, then each cause of `e` after a colon.
fn with_causes(mut text: String, e: &dyn std::error::Error) -> String {
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

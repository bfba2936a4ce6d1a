//! Webhooks: admins register endpoints; a worker queues each event for the
//! endpoints that want it, claims due deliveries, and records each attempt.
//! Deliveries are signed as the Standard Webhooks specification has it, and
//! retried with exponential backoff and jitter for a day before they fail.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use ticketd_domain::{Actor, DeliveryId, EndpointId, EventType, UserType};
use ticketd_ports::{
    ClaimedDelivery, Delivery, DeliveryAttempt, DeliveryOutcome, EndpointChange, NewEndpoint,
    Position, WebhookEndpoint,
};

use crate::desk::SupportDesk;
use crate::error::{AppError, FieldError};
use crate::paging::{ListOrder, ListPage, PageRequest};

/// The longest endpoint URL taken.
pub const MAX_URL_CHARS: usize = 2000;
/// The longest description taken.
pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// How long a delivery is retried after its first attempt before it fails.
pub const RETRY_FOR: chrono::Duration = chrono::Duration::hours(24);
/// The first retry's delay; each next one is three times longer, up to
/// [`MAX_RETRY_DELAY`], each with up to a fifth more or less at random.
pub const FIRST_RETRY_DELAY: chrono::Duration = chrono::Duration::seconds(5);
/// The longest delay between two attempts.
pub const MAX_RETRY_DELAY: chrono::Duration = chrono::Duration::hours(2);

/// Which endpoint URLs the desk takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookPolicy {
    /// Take plain `http://` URLs too (local stacks); `https://` only otherwise.
    pub allow_http: bool,
}

/// What an admin gives to register an endpoint.
#[derive(Debug, Clone)]
pub struct EndpointInput {
    /// Where events are posted.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// The types it receives; every type when empty.
    pub event_types: Vec<EventType>,
    /// Whether it receives internal events.
    pub include_internal: bool,
    /// Whether it starts active.
    pub active: bool,
}

/// A new secret in the Standard Webhooks form: `whsec_` and 24 random bytes
/// in base64.
pub fn new_secret() -> String {
    format!("whsec_{}", STANDARD.encode(rand::random::<[u8; 24]>()))
}

/// The `webhook-signature` value of a delivery: `v1,<base64 HMAC-SHA256 of
/// "{id}.{timestamp}.{body}">` for each secret, separated by spaces. A
/// secret is `whsec_` and its key in base64.
pub fn signature(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .filter_map(|secret| {
            let key = STANDARD
                .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
                .ok()?;
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).ok()?;
            mac.update(id.as_bytes());
            mac.update(b".");
            mac.update(timestamp.to_string().as_bytes());
            mac.update(b".");
            mac.update(body);
            Some(format!(
                "v1,{}",
                STANDARD.encode(mac.finalize().into_bytes())
            ))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The delay before attempt `attempt + 1` after `attempt` failed ones, with
/// `jitter` (0 to 1) spreading it by up to a fifth either way.
pub fn retry_delay(attempt: u32, jitter: f64) -> chrono::Duration {
    let factor = 3_i64.saturating_pow(attempt.saturating_sub(1));
    let base = FIRST_RETRY_DELAY
        .num_milliseconds()
        .saturating_mul(factor)
        .min(MAX_RETRY_DELAY.num_milliseconds());
    let spread = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    // Within ±20% of at most two hours: far inside an i64 of milliseconds.
    chrono::Duration::milliseconds((base as f64 * spread) as i64)
}

fn admin_only(actor: &Actor) -> Result<(), AppError> {
    if actor.user_type == UserType::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only an admin may manage webhooks".into(),
        ))
    }
}

fn endpoint_not_found(id: EndpointId) -> AppError {
    AppError::NotFound(format!("webhook endpoint {id} not found"))
}

impl SupportDesk {
    /// Whether `url` may be an endpoint: absolute, `https` (or `http` when
    /// allowed), with a host, no user name or password, no fragment.
    pub fn check_endpoint_url(&self, url: &str) -> Result<url::Url, FieldError> {
        let bad = |why: &str| FieldError::new("url", why);
        if url.chars().count() > MAX_URL_CHARS {
            return Err(bad("is longer than 2000 characters"));
        }
        let parsed =
            url::Url::parse(url).map_err(|e| bad(&format!("is not an absolute URL: {e}")))?;
        match parsed.scheme() {
            "https" => {}
            "http" if self.webhooks.allow_http => {}
            "http" => {
                return Err(bad(
                    "must be https (plain http is taken only when the server allows it: TICKETD_WEBHOOK_ALLOW_HTTP)",
                ));
            }
            _ => return Err(bad("must be an https URL")),
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(bad("has no host"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(bad("must not hold a user name or password"));
        }
        if parsed.fragment().is_some() {
            return Err(bad("must not have a fragment (#...)"));
        }
        Ok(parsed)
    }

    fn check_description(description: &str) -> Result<(), FieldError> {
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(FieldError::new(
                "description",
                "is longer than 500 characters",
            ));
        }
        Ok(())
    }

    /// Checks an endpoint's URL and description; `reachable` then says
    /// whether the URL's host may be reached (where it resolves to).
    async fn check_endpoint(
        &self,
        url: Option<&str>,
        description: Option<&str>,
        reachable: impl AsyncFnOnce(url::Url) -> Result<(), String>,
    ) -> Result<(), AppError> {
        let url = url.map(|u| self.check_endpoint_url(u)).transpose();
        let description = description.map(Self::check_description).transpose();
        let mut errors: Vec<FieldError> = [url.as_ref().err().cloned(), description.err()]
            .into_iter()
            .flatten()
            .collect();
        if errors.is_empty()
            && let Ok(Some(url)) = url
            && let Err(why) = reachable(url).await
        {
            errors.push(FieldError::new("url", why));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(errors))
        }
    }

    /// Registers an endpoint with a new secret (admins only). `reachable`
    /// says whether the URL's host may be reached (the HTTP adapter's guard
    /// resolves it), and is asked only of an admin's well-formed URL.
    pub async fn register_webhook(
        &self,
        actor: &Actor,
        input: EndpointInput,
        reachable: impl AsyncFnOnce(url::Url) -> Result<(), String>,
    ) -> Result<WebhookEndpoint, AppError> {
        admin_only(actor)?;
        self.check_endpoint(Some(&input.url), Some(&input.description), reachable)
            .await?;
        let new = NewEndpoint {
            url: input.url,
            description: input.description,
            event_types: input.event_types,
            include_internal: input.include_internal,
            active: input.active,
            secret: new_secret(),
            actor: actor.clone(),
            at: self.clock.now(),
        };
        Ok(self.ports.webhooks.create_endpoint(new).await?)
    }

    /// Every endpoint (admins only).
    pub async fn list_webhooks(&self, actor: &Actor) -> Result<Vec<WebhookEndpoint>, AppError> {
        admin_only(actor)?;
        Ok(self.ports.webhooks.list_endpoints().await?)
    }

    /// One endpoint (admins only).
    pub async fn webhook(
        &self,
        actor: &Actor,
        id: EndpointId,
    ) -> Result<WebhookEndpoint, AppError> {
        admin_only(actor)?;
        self.ports
            .webhooks
            .get_endpoint(id)
            .await?
            .ok_or_else(|| endpoint_not_found(id))
    }

    /// Changes an endpoint (admins only). Turning it on clears why it was
    /// turned off. A new URL is checked as at registration.
    pub async fn update_webhook(
        &self,
        actor: &Actor,
        id: EndpointId,
        change: EndpointChange,
        reachable: impl AsyncFnOnce(url::Url) -> Result<(), String>,
    ) -> Result<WebhookEndpoint, AppError> {
        admin_only(actor)?;
        self.check_endpoint(
            change.url.as_deref(),
            change.description.as_deref(),
            reachable,
        )
        .await?;
        self.ports
            .webhooks
            .update_endpoint(id, change, self.clock.now())
            .await
            .map_err(|e| match e {
                ticketd_ports::RepoError::NotFound => endpoint_not_found(id),
                other => other.into(),
            })
    }

    /// Removes an endpoint and its deliveries (admins only).
    pub async fn delete_webhook(&self, actor: &Actor, id: EndpointId) -> Result<(), AppError> {
        admin_only(actor)?;
        self.ports
            .webhooks
            .delete_endpoint(id)
            .await
            .map_err(|e| match e {
                ticketd_ports::RepoError::NotFound => endpoint_not_found(id),
                other => other.into(),
            })
    }

    /// Gives an endpoint a new secret; the old one keeps signing beside it
    /// for `grace` (admins only).
    pub async fn rotate_webhook_secret(
        &self,
        actor: &Actor,
        id: EndpointId,
        grace: chrono::Duration,
    ) -> Result<WebhookEndpoint, AppError> {
        admin_only(actor)?;
        let now = self.clock.now();
        self.ports
            .webhooks
            .rotate_secret(id, new_secret(), now + grace, now)
            .await
            .map_err(|e| match e {
                ticketd_ports::RepoError::NotFound => endpoint_not_found(id),
                other => other.into(),
            })
    }

    /// An endpoint's deliveries, newest first (admins only).
    pub async fn webhook_deliveries(
        &self,
        actor: &Actor,
        id: EndpointId,
        page: &PageRequest,
    ) -> Result<ListPage<Delivery>, AppError> {
        self.webhook(actor, id).await?;
        let order = ListOrder::Deliveries;
        let rows = self
            .ports
            .webhooks
            .list_deliveries(id, page.resolve(order)?)
            .await?;
        Ok(ListPage::from_rows(rows, page.limit, order, |d| Position {
            value: d.id.get(),
            id: d.id.get(),
        }))
    }

    async fn endpoint_delivery(
        &self,
        actor: &Actor,
        endpoint: EndpointId,
        id: DeliveryId,
    ) -> Result<Delivery, AppError> {
        self.webhook(actor, endpoint).await?;
        match self.ports.webhooks.get_delivery(id).await? {
            Some(d) if d.endpoint_id == endpoint => Ok(d),
            _ => Err(AppError::NotFound(format!("delivery {id} not found"))),
        }
    }

    /// A delivery with its attempts, oldest first (admins only).
    pub async fn delivery_attempts(
        &self,
        actor: &Actor,
        endpoint: EndpointId,
        id: DeliveryId,
    ) -> Result<(Delivery, Vec<DeliveryAttempt>), AppError> {
        let delivery = self.endpoint_delivery(actor, endpoint, id).await?;
        let attempts = self.ports.webhooks.list_attempts(id).await?;
        Ok((delivery, attempts))
    }

    /// Sends a delivery that is done (failed, or delivered) again, now
    /// (admins only). `Conflict` while it is pending.
    pub async fn resend_delivery(
        &self,
        actor: &Actor,
        endpoint: EndpointId,
        id: DeliveryId,
    ) -> Result<Delivery, AppError> {
        self.endpoint_delivery(actor, endpoint, id).await?;
        Ok(self
            .ports
            .webhooks
            .resend_delivery(id, self.clock.now())
            .await?)
    }

    /// Queues the deliveries of the events not queued yet (the worker's
    /// first step); returns how many events it went through.
    pub async fn queue_webhook_deliveries(&self) -> Result<u32, AppError> {
        let mut total = 0;
        loop {
            let n = self
                .ports
                .webhooks
                .queue_deliveries(self.clock.now(), 500)
                .await?;
            total += n;
            if n < 500 {
                return Ok(total);
            }
        }
    }

    /// Claims at most `limit` due deliveries for one attempt each, leased
    /// for `lease` (past it, another worker may take them).
    pub async fn claim_webhook_deliveries(
        &self,
        limit: u32,
        lease: chrono::Duration,
    ) -> Result<Vec<ClaimedDelivery>, AppError> {
        let now = self.clock.now();
        Ok(self
            .ports
            .webhooks
            .claim_deliveries(now, now + lease, limit)
            .await?)
    }

    /// Records an attempt at `claimed` and decides what follows: done on a
    /// success; else another attempt after the backoff, unless the retry
    /// period since its first attempt is over: then it fails, and the
    /// endpoint is turned off if nothing reached it in all that time.
    pub async fn finish_webhook_attempt(
        &self,
        claimed: &ClaimedDelivery,
        attempt: DeliveryAttempt,
        succeeded: bool,
    ) -> Result<DeliveryOutcome, AppError> {
        let outcome = if succeeded {
            DeliveryOutcome::Delivered
        } else {
            let next = attempt.at + retry_delay(claimed.delivery.attempts, rand::random());
            if next - claimed.first_attempt_at <= RETRY_FOR {
                DeliveryOutcome::RetryAt(next)
            } else {
                let silent = claimed
                    .endpoint
                    .last_success_at
                    .is_none_or(|t| t < claimed.first_attempt_at);
                let last = match (attempt.status, &attempt.error) {
                    (Some(status), _) => format!("HTTP {status}"),
                    (None, Some(e)) => e.clone(),
                    (None, None) => "no answer".to_owned(),
                };
                DeliveryOutcome::Failed {
                    disable_endpoint: silent.then(|| {
                        format!(
                            "turned off at {}: no delivery succeeded for {} hours (last attempt: {last})",
                            attempt.at.format("%Y-%m-%dT%H:%M:%SZ"),
                            RETRY_FOR.num_hours()
                        )
                    }),
                }
            }
        };
        self.ports
            .webhooks
            .finish_attempt(claimed.delivery.id, attempt, outcome.clone())
            .await?;
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification's reference
        // libraries (msg_p5jXN8AQM9LWM0D4loKWxJek, timestamp 1614265330).
        let sig = signature(
            &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn two_secrets_sign_side_by_side() {
        let one = signature(&["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], "a", 1, b"{}");
        let two = signature(
            &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_c2Vjb25k"],
            "a",
            1,
            b"{}",
        );
        assert!(two.starts_with(&format!("{one} v1,")));
        assert_eq!(two.split(' ').count(), 2);
    }

    #[test]
    fn retries_back_off_three_times_longer_up_to_two_hours_within_a_fifth() {
        let secs = |n, j| retry_delay(n, j).num_milliseconds() as f64 / 1000.0;
        assert_eq!(secs(1, 0.5), 5.0);
        assert_eq!(secs(2, 0.5), 15.0);
        assert_eq!(secs(3, 0.5), 45.0);
        assert_eq!(secs(30, 0.5), 7200.0);
        assert_eq!(secs(1, 0.0), 4.0);
        assert_eq!(secs(1, 1.0), 6.0);
    }

    #[test]
    fn secrets_are_new_each_time_in_the_standard_form() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        let key = STANDARD.decode(a.strip_prefix("whsec_").unwrap()).unwrap();
        assert_eq!(key.len(), 24);
    }
}

//! `Idempotency-Key`: a POST sent again with the same key and body gets the
//! first answer replayed instead of writing twice.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};
use ticketd_app::SupportDesk;
use ticketd_ports::{Claim, KeptAnswer};

use crate::error::ApiError;
use crate::routes::PREFIX;

/// The header that makes a POST safe to retry.
const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
/// The request header that names a retry, as a header name.
pub(crate) const KEY_HEADER: header::HeaderName =
    header::HeaderName::from_static("idempotency-key");
/// The answer header that marks a replayed answer.
pub(crate) const REPLAYED_HEADER: header::HeaderName =
    header::HeaderName::from_static("idempotent-replayed");

/// What identifies a request under one key: SHA-256 of its method, path and
/// body, in hex. A retry must match it, or it was a different request.
fn fingerprint(req: &HttpRequest, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(format!("{} {}\n", req.method(), req.path()));
    hash.update(body);
    hex::encode(hash.finalize())
}

/// An `Idempotency-Key` header, if the request has one: 1-255 visible ASCII
/// characters.
pub(crate) fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(raw) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    raw.to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()))
        .map(|k| Some(k.to_owned()))
        .ok_or_else(|| {
            ApiError::invalid_field(IDEMPOTENCY_KEY, "must be 1-255 visible ASCII characters")
        })
}

/// `value` as the JSON text of an answer with `status`.
pub(crate) fn json_body<T: serde::Serialize>(
    status: StatusCode,
    value: &T,
) -> Result<(StatusCode, String), ApiError> {
    serde_json::to_string(value)
        .map(|body| (status, body))
        .map_err(|e| ApiError::internal(format!("serialising an answer: {e}")))
}

/// The answer as the client gets it, with `Location` for a created ticket.
fn kept_answer(status: StatusCode, body: String, replayed: bool) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.content_type("application/json");
    if status == StatusCode::CREATED {
        let id = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["data"]["id"].as_i64());
        if let Some(id) = id {
            res.insert_header((header::LOCATION, format!("{PREFIX}/support-ticket/{id}")));
        }
    }
    if replayed {
        res.insert_header((REPLAYED_HEADER, "true"));
    }
    res.body(body)
}

/// Serves a write once per `Idempotency-Key`: the first request's answer is
/// kept in the write's own transaction (`KeptAnswer`), so a retry gets that
/// answer replayed, even after a crash between the write and the answer
/// reaching the client, and never writes twice. Without a key, `work` simply
/// runs.
pub(crate) async fn idempotent<T, Fut>(
    req: &HttpRequest,
    desk: &SupportDesk,
    actor: &ticketd_domain::Actor,
    key: Option<String>,
    body: &[u8],
    render: impl Fn(&T) -> Result<(StatusCode, String), ApiError> + Send + Sync + 'static,
    work: impl FnOnce(Option<KeptAnswer<T>>) -> Fut,
) -> Result<HttpResponse, ApiError>
where
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let Some(key) = key else {
        let made = work(None).await?;
        let (status, body) = render(&made)?;
        return Ok(kept_answer(status, body, false));
    };
    let hash = fingerprint(req, body);
    let claim = desk.claim_idempotency_key(actor, &key, &hash).await?;
    if let Some(settled) = settled(claim) {
        return settled;
    }
    let render = std::sync::Arc::new(render);
    let keep = KeptAnswer {
        user: actor.id.clone(),
        key: key.clone(),
        render: {
            let render = render.clone();
            std::sync::Arc::new(move |made: &T| {
                render(made)
                    .map(|(status, body)| (status.as_u16(), body))
                    .map_err(|e| e.to_string())
            })
        },
    };
    match work(Some(keep)).await {
        Ok(made) => {
            crash_point(req);
            let (status, body) = render(&made)?;
            Ok(kept_answer(status, body, false))
        }
        Err(e) => {
            // Another request with the key may have answered meanwhile (this
            // one's write was then rolled back): its answer is the answer.
            if let Ok(Claim::Replay { status, body }) =
                desk.claim_idempotency_key(actor, &key, &hash).await
            {
                return Ok(replayed(status, body));
            }
            if let Err(release) = desk.release_idempotency_key(actor, &key).await {
                log::warn!("could not release idempotency key {key:?}: {release}");
            }
            Err(e)
        }
    }
}

/// A kept answer, replayed to a retry.
fn replayed(status: u16, body: String) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    kept_answer(status, body, true)
}

/// What a claim that is not new answers: the kept answer, or an error.
fn settled(claim: Claim) -> Option<Result<HttpResponse, ApiError>> {
    match claim {
        Claim::Replay { status, body } => Some(Ok(replayed(status, body))),
        Claim::Mismatch => Some(Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "This Idempotency-Key was used for a different request; use a new key",
        ))),
        Claim::InProgress => Some(Err(ApiError::new(
            StatusCode::CONFLICT,
            "A request with this Idempotency-Key is being served; retry shortly",
        ))),
        Claim::New => None,
    }
}

/// Where tests of crash safety stop the process as `kill -9` would (no
/// destructor, no flush), right after an idempotent write committed: in
/// debug builds only, with [`HttpSettings::crash_after_kept_answer`]
/// (`crate::HttpSettings`). Release builds compile it to nothing.
fn crash_point(req: &HttpRequest) {
    #[cfg(debug_assertions)]
    if req
        .app_data::<crate::HttpSettings>()
        .is_some_and(|s| s.crash_after_kept_answer)
    {
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = req;
}

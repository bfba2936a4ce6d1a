//! The HTTP adapter of ticketd: the published support-ticket REST API over
//! actix-web, its OpenAPI document (utoipa) and Swagger UI.
//!
//! [`build_app`] gives a ready actix `App` over a [`SupportDesk`]; the server
//! binary only binds it. Handlers convert JSON to domain values at the border,
//! call the use cases, and map every error to the documented envelope.

#![recursion_limit = "256"]

pub mod auth;
mod client;
mod cors;
mod dto;
mod envelope;
mod error;
mod etag;
mod files;
mod idempotency;
mod input;
mod limit;
mod observe;
mod openapi;
mod query;
mod raw_errors;
mod routes;
mod stream;
pub mod webhooks;

use actix_web::HttpMessage as _;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{App, HttpResponse, middleware, web};
use ticketd_app::SupportDesk;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

pub use auth::{Authenticated, Claims, JwtKeys, ProviderSettings, RoleMap};
pub use client::ClientSocket;
pub use cors::CorsOrigins;
pub use error::ApiError;
pub use input::BodyLimit;
pub use limit::{RateLimit, RateLimiter};
pub use observe::{Metrics, current_request_id};
pub use openapi::{FIELD_RULES, OPENAPI_PATH};
pub use raw_errors::EnvelopedStream;
pub use routes::PREFIX;
pub use stream::EventHub;

/// The header carrying each request's id.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What the HTTP layer can be tuned by.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// The largest JSON body accepted, in bytes (larger gets 413).
    pub json_limit: usize,
    /// Requests each authenticated user may make.
    pub user_rate: RateLimit,
    /// Requests each client address may make without a valid token.
    pub anonymous_rate: RateLimit,
    /// How long a client may take to send the next part of a request body
    /// before it gets 408.
    pub body_timeout: std::time::Duration,
    /// How long a `downloadUrl` in the ticket details works.
    pub download_link_ttl: std::time::Duration,
    /// Bytes one user may upload a minute (a minute's worth at once); 0 turns
    /// the limit off.
    pub upload_bytes_per_minute: u64,
    /// For tests of crash safety, in debug builds only: stop the process
    /// right after an idempotent write committed, before it answers.
    pub crash_after_kept_answer: bool,
    /// Which other origins' pages may call the API from a browser.
    pub cors: CorsOrigins,
    /// Whether webhook endpoints may resolve to private, loopback or
    /// link-local addresses (local stacks and tests only).
    pub webhook_allow_private: bool,
    /// How long a live event stream may stay silent before it sends a
    /// keep-alive comment.
    pub event_stream_heartbeat: std::time::Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            json_limit: 1024 * 1024,
            user_rate: RateLimit {
                per_minute: 1200,
                burst: 300,
            },
            anonymous_rate: RateLimit {
                per_minute: 120,
                burst: 60,
            },
            body_timeout: std::time::Duration::from_secs(10),
            download_link_ttl: std::time::Duration::from_secs(300),
            upload_bytes_per_minute: 200 * 1024 * 1024,
            crash_after_kept_answer: false,
            cors: CorsOrigins::None,
            webhook_allow_private: false,
            event_stream_heartbeat: std::time::Duration::from_secs(15),
        }
    }
}

/// What every worker of one server shares: metrics and rate-limit buckets.
#[derive(Clone)]
pub struct HttpShared {
    /// Request counts and latencies.
    pub metrics: web::Data<Metrics>,
    /// Rate-limit buckets.
    pub limiter: web::Data<RateLimiter>,
    /// Whether the server is stopping (readiness then answers 503).
    pub draining: web::Data<Draining>,
    /// The fan-out of new events to the live event streams.
    pub events: web::Data<EventHub>,
}

/// Set when the server begins to stop: `/ready` answers 503 from then on, so
/// that load balancers take the instance out while it still serves.
#[derive(Debug, Default)]
pub struct Draining(std::sync::atomic::AtomicBool);

impl Draining {
    /// Marks the server as stopping.
    pub fn start(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether the server is stopping.
    pub fn is_on(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl HttpShared {
    /// Fresh metrics and buckets for `settings`.
    pub fn new(settings: &HttpSettings) -> Self {
        Self {
            metrics: web::Data::new(Metrics::default()),
            limiter: web::Data::new(
                RateLimiter::new(settings.user_rate, settings.anonymous_rate)
                    .with_upload_bytes_per_minute(settings.upload_bytes_per_minute),
            ),
            draining: web::Data::new(Draining::default()),
            events: web::Data::new(EventHub::default()),
        }
    }
}

/// The request's id, kept with the request for the access log.
struct LoggedId(String);

/// Takes a client's `X-Request-Id` if it is short and plain, or makes one.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{:016x}", rand::random::<u64>()))
}

/// The whole HTTP application: the API under [`PREFIX`], the OpenAPI document
/// at [`OPENAPI_PATH`], Swagger UI at `/swagger-ui/`, and JSON errors for
/// everything else.
pub fn build_app(
    desk: SupportDesk,
    keys: JwtKeys,
    settings: HttpSettings,
    shared: HttpShared,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    // Tokens are checked against the desk's clock, as everything else is.
    let keys = keys.with_clock(desk.clock());
    let (app, mut api) = App::new()
        .into_utoipa_app()
        .openapi(openapi::base_document())
        .app_data(web::Data::new(desk))
        .app_data(web::Data::new(keys.clone()))
        .app_data(web::Data::new(files::DownloadLinks::new(
            &keys,
            settings.download_link_ttl,
        )))
        .app_data(BodyLimit {
            bytes: settings.json_limit,
            timeout: settings.body_timeout,
        })
        .service(routes::api_scope())
        .service(files::download_file_at_path)
        .service(observe::health)
        .service(observe::ready)
        .service(observe::metrics)
        .split_for_parts();
    openapi::refine(&mut api);
    let table = web::Data::new(openapi::RouteTable::from_document(&api));
    let recorder = shared.metrics.clone();
    let limiter = shared.limiter.clone();
    let limiter_keys = web::Data::new(keys.clone());
    let cors_origins = settings.cors.clone();
    app.app_data(table)
        .app_data(web::Data::new(settings.clone()))
        .app_data(settings)
        .app_data(shared.metrics)
        .app_data(shared.draining)
        .app_data(shared.events)
        .app_data(shared.limiter.clone())
        .service(
            SwaggerUi::new("/swagger-ui/{_:.*}")
                .url(OPENAPI_PATH, api)
                // The token pasted under Authorize survives a reload (kept in
                // the browser's local storage until Logout).
                .config(utoipa_swagger_ui::Config::default().persist_authorization(true)),
        )
        .route(
            "/swagger-ui",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header((header::LOCATION, "/swagger-ui/"))
                    .finish()
            }),
        )
        .default_service(web::to(openapi::fallback))
        .wrap_fn(move |req, srv| {
            use futures_util::future::{Either, ready};
            match limit::check(&req, &limiter_keys, &limiter) {
                limit::Decision::Deny { limit, retry_after } => {
                    let res = req.into_response(actix_web::ResponseError::error_response(
                        &limit::too_many(limit, retry_after),
                    ));
                    Either::Left(ready(Ok(res.map_into_right_body())))
                }
                decision => {
                    let call = srv.call(req);
                    Either::Right(async move {
                        let mut res = call.await?.map_into_left_body();
                        if let limit::Decision::Allow { limit, remaining } = decision {
                            limit::headers(res.headers_mut(), limit, remaining);
                        }
                        Ok(res)
                    })
                }
            }
        })
        .wrap_fn(|req, srv| {
            use futures_util::future::{Either, select};
            // A handler whose client left is dropped, and its queued database
            // work with it (see the `client` module).
            let socket = req.conn_data::<ClientSocket>().cloned();
            let call = srv.call(req);
            async move {
                let Some(socket) = socket else {
                    return call.await;
                };
                let gone = std::pin::pin!(client::until_gone(socket));
                let call = std::pin::pin!(call);
                match select(call, gone).await {
                    Either::Left((answer, _)) => answer,
                    Either::Right(((), _)) => {
                        log::info!("the client left before its answer was ready");
                        Err(ApiError::client_left().into())
                    }
                }
            }
        })
        .wrap(middleware::DefaultHeaders::new().add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")))
        // Outside the rate limit, so that preflights are answered at once and
        // every answer (a 429 too) carries the allowed origin.
        .wrap(middleware::Condition::new(
            !cors_origins.is_none(),
            cors::middleware(&cors_origins),
        ))
        .wrap_fn(|req, srv| {
            let call = srv.call(req);
            async move { Ok(cors::enveloped(call.await?)) }
        })
        // The access log starts with the request's id, as every other line
        // logged while serving it does; it is written when the body is sent.
        .wrap(
            middleware::Logger::new(r#"request_id=%{id}xi %{r}a "%{request}xi" %s %b %Dms"#)
                .custom_request_replace("request", observe::request_line_for_log)
                .custom_request_replace("id", |req| {
                    req.extensions()
                        .get::<LoggedId>()
                        .map(|id| id.0.clone())
                        .unwrap_or_default()
                }),
        )
        .wrap_fn(move |req, srv| {
            let id = request_id(&req);
            req.extensions_mut().insert(LoggedId(id.clone()));
            let started = std::time::Instant::now();
            let method = req.method().clone();
            let call = srv.call(req);
            let recorder = recorder.clone();
            // Everything logged while the request is served carries its id
            // (see `current_request_id`), its failure's cause included.
            observe::with_request_id(id.clone(), async move {
                let mut res = call.await?;
                let route = observe::route_label(res.request().match_pattern());
                recorder.observe(&method, &route, res.status(), started.elapsed());
                if res.status().is_server_error() {
                    match res.response().error() {
                        Some(e) => log::error!("failed: {e}"),
                        None => log::error!("failed with {}", res.status()),
                    }
                }
                if let Ok(value) = HeaderValue::from_str(&id) {
                    res.headers_mut().insert(REQUEST_ID, value);
                }
                Ok(res)
            })
        })
}

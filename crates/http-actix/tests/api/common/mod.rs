//! Helpers shared by the API tests: an app over a real database, signed
//! tokens, and requests that come back as JSON.
#![allow(dead_code)]

mod files;
pub mod receiver;
mod shapes;

#[allow(unused_imports)] // each test file uses some
pub use files::*;
#[allow(unused_imports)]
pub use shapes::*;

use std::sync::Arc;

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::http::{Method, StatusCode};
use actix_web::test;
use serde_json::{Value, json};
use ticketd_app::{StoragePorts, SupportDesk};
use ticketd_domain::{Actor, UserId, UserType};
use ticketd_http_actix::{HttpSettings, JwtKeys, build_app};
use ticketd_ports::ManualClock;
use ticketd_store_diesel::testing::TestDatabase;

pub const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";
pub const API: &str = "/backend/api/support-ticket";

/// A response, its body read as JSON (or `Value::Null` if it is not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status, showing the body when it is not the one expected.
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {:#}",
            self.body
        );
        self
    }

    /// Asserts the documented error envelope with this status.
    pub fn expect_error(self, status: u16) -> Self {
        let r = self.expect(status);
        assert_eq!(r.body["status"], json!(0), "{:#}", r.body);
        assert!(r.body["data"].is_null(), "{:#}", r.body);
        assert!(
            r.body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{:#}",
            r.body
        );
        assert!(r.header("x-request-id").is_some());
        r
    }

    /// The fields named in a validation error.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn data(&self) -> &Value {
        &self.body["data"]
    }
}

pub struct TestApi<S> {
    pub app: S,
    pub keys: JwtKeys,
    /// The directory of uploaded files, removed when the test ends.
    pub files: Option<tempfile::TempDir>,
}

/// A file store in memory, for desks over the in-memory store.
pub fn memory_files() -> Arc<dyn ticketd_ports::FileStore> {
    Arc::new(ticketd_testkit::InMemoryFiles::new())
}

pub fn keys() -> JwtKeys {
    JwtKeys::new(SECRET)
}

/// Test settings: a small body limit, and no rate limits (a test of its own
/// checks them).
pub fn settings() -> HttpSettings {
    HttpSettings {
        json_limit: 64 * 1024,
        user_rate: ticketd_http_actix::RateLimit::OFF,
        anonymous_rate: ticketd_http_actix::RateLimit::OFF,
        body_timeout: std::time::Duration::from_secs(10),
        download_link_ttl: std::time::Duration::from_secs(300),
        upload_bytes_per_minute: 0,
        crash_after_kept_answer: false,
        cors: ticketd_http_actix::CorsOrigins::None,
        webhook_allow_private: false,
        event_stream_heartbeat: std::time::Duration::from_secs(15),
    }
}

pub async fn api_over(
    desk: SupportDesk,
) -> TestApi<
    impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>,
> {
    api_with(desk, settings()).await
}

pub async fn api_with(
    desk: SupportDesk,
    settings: HttpSettings,
) -> TestApi<
    impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>,
> {
    let shared = ticketd_http_actix::HttpShared::new(&settings);
    let app = test::init_service(build_app(desk, keys(), settings, shared)).await;
    TestApi {
        app,
        keys: keys(),
        files: None,
    }
}

/// An app over `desk` with `keys` (e.g. keys that accept an identity
/// provider's tokens) and the test settings.
pub async fn api_with_keys(
    desk: SupportDesk,
    keys: JwtKeys,
) -> TestApi<
    impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>,
> {
    let settings = settings();
    let shared = ticketd_http_actix::HttpShared::new(&settings);
    let app = test::init_service(build_app(desk, keys.clone(), settings, shared)).await;
    TestApi {
        app,
        keys,
        files: None,
    }
}

pub async fn api(
    db: &TestDatabase,
) -> TestApi<
    impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>,
> {
    api_and_desk(db).await.0
}

/// An app over `db` with uploaded files in a directory of their own, and the
/// desk behind it, for tests that change its policy or sweep.
pub async fn api_and_desk(
    db: &TestDatabase,
) -> (
    TestApi<
        impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>,
    >,
    SupportDesk,
) {
    let (desk, dir) = desk_over(db);
    let mut api = api_over(desk.clone()).await;
    api.files = Some(dir);
    (api, desk)
}

/// A desk over `db`, keeping files in a new temporary directory.
pub fn desk_over(db: &TestDatabase) -> (SupportDesk, tempfile::TempDir) {
    let (desk, dir, _) = desk_and_clock(db);
    (desk, dir)
}

/// A desk over `db`, keeping files in a new temporary directory, with a
/// clock the test moves (it starts at the system's time).
pub fn desk_and_clock(db: &TestDatabase) -> (SupportDesk, tempfile::TempDir, Arc<ManualClock>) {
    let dir = tempfile::tempdir().unwrap();
    let files = ticketd_files::ObjectFiles::local(dir.path()).unwrap();
    let store = Arc::new(db.store.clone());
    let clock = Arc::new(ManualClock::starting_now());
    let desk = SupportDesk::new(StoragePorts::of(store), Arc::new(files), clock.clone());
    (desk, dir, clock)
}

pub fn token_for(id: &str, user_type: UserType) -> String {
    keys()
        .issue(
            &Actor::new(UserId::parse(id).unwrap(), user_type),
            None,
            3600,
        )
        .unwrap()
}

pub fn admin() -> String {
    token_for("admin1", UserType::Admin)
}

pub fn agent() -> String {
    token_for("agent1", UserType::Agent)
}

pub fn customer(id: &str) -> String {
    token_for(id, UserType::Customer)
}

/// A small valid PDF.
pub const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

/// A multipart/form-data body: each part is (name, the rest of its
/// Content-Disposition after `form-data; name="..."`, bytes). Returns the
/// Content-Type and the body.
pub fn multipart(parts: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----ticketd-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, disposition, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        body.extend_from_slice(
            format!("Content-Disposition: form-data; name=\"{name}\"{disposition}\r\n").as_bytes(),
        );
        body.extend_from_slice(b"Content-Type: application/octet-stream\r\n\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A raw response: status, headers and the body's bytes.
pub struct RawResp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl RawResp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// An open event stream: its status, and its frames as they come.
pub struct SseReader<B> {
    pub status: StatusCode,
    pub headers: HeaderMap,
    body: std::pin::Pin<Box<B>>,
    pending: String,
}

/// One frame of an event stream: its `id`, `event` and `data` (JSON), or a
/// comment.
#[derive(Debug, Clone)]
pub struct Frame {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: Option<Value>,
    pub comment: Option<String>,
}

impl<B: MessageBody> SseReader<B> {
    /// The frames that come within `wait`.
    pub async fn frames_within(&mut self, wait: std::time::Duration) -> Vec<Frame> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut frames = Vec::new();
        loop {
            while let Some(end) = self.pending.find("\n\n") {
                let raw: String = self.pending.drain(..end + 2).collect();
                let mut frame = Frame {
                    id: None,
                    event: None,
                    data: None,
                    comment: None,
                };
                for line in raw.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        frame.id = Some(v.to_owned());
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        frame.event = Some(v.to_owned());
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        frame.data = Some(serde_json::from_str(v).unwrap());
                    } else if let Some(v) = line.strip_prefix(": ") {
                        frame.comment = Some(v.to_owned());
                    }
                }
                frames.push(frame);
            }
            let next = std::future::poll_fn(|cx| self.body.as_mut().poll_next(cx));
            match tokio::time::timeout_at(deadline, next).await {
                Ok(Some(Ok(bytes))) => self.pending.push_str(std::str::from_utf8(&bytes).unwrap()),
                Ok(Some(Err(_))) => panic!("the stream failed"),
                Ok(None) | Err(_) => return frames,
            }
        }
    }

    /// The event frames that come within `wait`.
    pub async fn events_within(&mut self, wait: std::time::Duration) -> Vec<Frame> {
        self.frames_within(wait)
            .await
            .into_iter()
            .filter(|f| f.event.is_some())
            .collect()
    }
}

impl<S, B> TestApi<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    /// Opens the live event stream as `token`, resuming after `last_event_id`.
    pub async fn open_stream(
        &self,
        token: Option<&str>,
        last_event_id: Option<&str>,
    ) -> SseReader<B> {
        let mut req = test::TestRequest::get().uri("/backend/api/support-ticket/events/stream");
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        if let Some(id) = last_event_id {
            req = req.insert_header(("Last-Event-ID", id));
        }
        let res = test::call_service(&self.app, req.to_request()).await;
        SseReader {
            status: res.status(),
            headers: res.headers().clone(),
            body: Box::pin(res.into_body()),
            pending: String::new(),
        }
    }
    pub async fn send_raw(&self, req: test::TestRequest) -> RawResp {
        let res = test::call_service(&self.app, req.to_request()).await;
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = test::read_body(res).await.to_vec();
        RawResp {
            status,
            headers,
            bytes,
        }
    }

    /// Posts a multipart body to the upload route.
    pub async fn upload_parts(&self, token: &str, parts: &[(&str, &str, &[u8])]) -> Resp {
        let (content_type, body) = multipart(parts);
        let req = test::TestRequest::post()
            .uri(&format!("{API}/uploads"))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("Content-Type", content_type))
            .set_payload(body);
        self.send(req).await
    }

    /// Uploads one file; returns what the server answered for it.
    pub async fn upload(&self, token: &str, name: &str, bytes: &[u8]) -> Value {
        let r = self
            .upload_parts(
                token,
                &[("files", &format!("; filename=\"{name}\""), bytes)],
            )
            .await
            .expect(201);
        r.data()[0].clone()
    }

    /// Uploads a small PDF; returns an attachment naming it, shown as `name`.
    pub async fn attachment(&self, token: &str, name: &str) -> Value {
        let up = self.upload(token, name, PDF).await;
        json!({"fileName": name, "filePath": up["filePath"]})
    }

    /// GETs a path, with a token if given, as raw bytes.
    pub async fn download(&self, path: &str, token: Option<&str>) -> RawResp {
        let mut req = test::TestRequest::get().uri(path);
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        self.send_raw(req).await
    }

    pub async fn send(&self, req: test::TestRequest) -> Resp {
        let res = test::call_service(&self.app, req.to_request()).await;
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = test::read_body(res).await;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut req = test::TestRequest::default().method(method).uri(path);
        if let Some(t) = token {
            req = req.insert_header(("Authorization", format!("Bearer {t}")));
        }
        if let Some(b) = body {
            req = req.set_json(b);
        }
        self.send(req).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }

    /// Creates a category as an admin; returns its id.
    pub async fn category(&self, name: &str, parent: i64) -> i64 {
        let r = self
            .post(
                &format!("{API}/categories"),
                &admin(),
                json!({"categoryName": name, "parentCategoryId": parent}),
            )
            .await
            .expect(201);
        r.data()["id"].as_i64().unwrap()
    }

    /// Opens a ticket as `token` in `category`; returns its id.
    pub async fn ticket(&self, token: &str, category: i64, subject: &str) -> i64 {
        let r = self
            .post(
                API,
                token,
                json!({"subject": subject, "description": "Please help", "categoryId": category}),
            )
            .await
            .expect(201);
        r.data()["id"].as_i64().unwrap()
    }

    /// How many audit-log entries an agent sees.
    pub async fn log_count(&self) -> u64 {
        let r = self
            .get(&format!("{API}/ticket-logs?count=true"), &agent())
            .await
            .expect(200);
        r.data()["count"].as_u64().unwrap()
    }

    /// How many messages a ticket has (read as an agent).
    pub async fn message_count(&self, ticket: i64) -> usize {
        let r = self
            .get(&format!("{API}/{ticket}"), &agent())
            .await
            .expect(200);
        r.data()["ticketMessage"].as_array().unwrap().len()
    }
}

//! The `ticketd` binary end to end: it starts on SQLite with nothing set up,
//! its tokens authorize calls, `migrate` works alone, and SIGTERM stops it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::process::Command;
use std::time::{Duration, Instant};

mod support;

use support::{Server, http, ticketd, token};

#[test]
fn serves_on_sqlite_with_nothing_set_up_and_accepts_its_own_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), None);
    let port = server.port;
    assert!(dir.path().join("data/ticketd.db").exists());
    let secret = dir.path().join("data/jwt-secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    let admin = token(dir.path(), "admin1", "admin");
    let customer = token(dir.path(), "user01", "customer");
    let (status, body) = http(
        port,
        "POST",
        "/backend/api/support-ticket/categories",
        Some(&admin),
        Some(r#"{"categoryName":"Refund"}"#),
    );
    assert_eq!(status, 201, "{body}");
    let ticket = r#"{"subject":"Refund Request","description":"Order #XYZ","categoryId":1}"#;
    let (status, body) = http(
        port,
        "POST",
        "/backend/api/support-ticket",
        Some(&customer),
        Some(ticket),
    );
    assert_eq!(status, 201, "{body}");
    let (status, body) = http(
        port,
        "GET",
        "/backend/api/support-ticket?count=true",
        Some(&customer),
        None,
    );
    assert_eq!(
        (status, body.as_str()),
        (
            200,
            r#"{"status":"1","message":"Support tickets retrieved successfully","data":{"count":1,"capped":false}}"#
        )
    );
    let (status, _) = http(port, "GET", "/backend/api/support-ticket", None, None);
    assert_eq!(status, 401);
    let (status, body) = http(port, "GET", "/api-docs/openapi.json", None, None);
    assert_eq!(status, 200);
    assert!(body.contains("\"bearerAuth\""));
    let (status, body) = http(port, "GET", "/swagger-ui/", None, None);
    assert_eq!(status, 200);
    assert!(body.contains("swagger"), "{body}");
}

#[test]
fn a_token_signed_elsewhere_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), None);
    let port = server.port;
    std::fs::create_dir(elsewhere.path().join("data")).unwrap();
    std::fs::write(
        elsewhere.path().join("data/jwt-secret"),
        "another-installations-secret-another-installations",
    )
    .unwrap();
    let foreign = token(elsewhere.path(), "admin1", "admin");
    let (status, _) = http(
        port,
        "GET",
        "/backend/api/support-ticket",
        Some(&foreign),
        None,
    );
    assert_eq!(status, 401);
}

#[test]
fn the_token_command_run_elsewhere_refuses_or_signs_with_the_servers_secret() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), None);
    let list = "/backend/api/support-ticket";

    // From another folder, with nothing to tell it where the server's data
    // is: it refuses, naming where it looked, and makes no secret there.
    let out = ticketd(elsewhere.path())
        .args(["token", "--sub", "admin1", "--user-type", "admin"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no token printed");
    let said = String::from_utf8_lossy(&out.stderr);
    let looked = elsewhere.path().join("data").join("jwt-secret");
    assert!(said.contains(&looked.display().to_string()), "{said}");
    assert!(said.contains("TICKETD_DATA_DIR"), "{said}");
    assert!(!looked.exists(), "no second secret generated");

    // Told the server's data folder, it signs with the server's secret and
    // says where it read it.
    let data = dir.path().join("data");
    let out = ticketd(elsewhere.path())
        .env("TICKETD_DATA_DIR", &data)
        .args(["token", "--sub", "admin1", "--user-type", "admin"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&data.join("jwt-secret").display().to_string()),
        "{said}"
    );
    let admin = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let (status, _) = http(server.port, "GET", list, Some(&admin), None);
    assert_eq!(status, 200);
}

#[test]
fn migrate_prepares_the_database_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let out = ticketd(dir.path()).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("data/ticketd.db").exists());
    let again = ticketd(dir.path()).arg("migrate").output().unwrap();
    assert!(again.status.success());
}

#[test]
fn bad_input_to_the_command_line_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let out = ticketd(dir.path())
        .args(["token", "--sub", "x", "--user-type", "root"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("user-type"));
    let out = ticketd(dir.path())
        .env("TICKETD_JWT_SECRET", "short")
        .args(["token", "--sub", "x", "--user-type", "admin"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 32"));
}

/// Sends SIGTERM to `server`.
#[cfg(unix)]
fn send_sigterm(server: &Server) {
    let pid = server.child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start_with(dir.path(), None, &[("TICKETD_DRAIN_SECS", "1")]);
    send_sigterm(&server);
    let status = server.wait_for_exit(Duration::from_secs(30));
    assert!(status.success(), "{status}");
}

#[cfg(unix)]
#[test]
fn sigterm_lets_a_request_in_flight_finish_then_exits_zero() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    // No drain period: the server stops accepting at once.
    let mut server = Server::start_with(dir.path(), None, &[("TICKETD_DRAIN_SECS", "0")]);
    let admin = token(dir.path(), "admin1", "admin");
    let body = r#"{"categoryName":"Slow to arrive"}"#;
    let (head, tail) = body.split_at(10);
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let request = format!(
        "POST /backend/api/support-ticket/categories HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Authorization: Bearer {admin}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{head}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    send_sigterm(&server);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server must wait for the request"
    );
    // New connections are refused while the slow request is still served.
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", server.port)).is_err(),
        "a new connection was accepted during the stop"
    );
    stream.write_all(tail.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 201"), "{raw}");
    let status = server.wait_for_exit(Duration::from_secs(30));
    assert!(status.success(), "{status}");
    let fresh = std::net::TcpStream::connect(("127.0.0.1", server.port));
    assert!(fresh.is_err(), "nothing listens after the stop");
}

/// What a load balancer needs: on SIGTERM readiness fails at once while the
/// server keeps serving new connections for the drain period, then it stops.
#[cfg(unix)]
#[test]
fn sigterm_turns_readiness_off_and_keeps_serving_for_the_drain_period() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start_with(dir.path(), None, &[("TICKETD_DRAIN_SECS", "3")]);
    let admin = token(dir.path(), "admin1", "admin");
    assert_eq!(http(server.port, "GET", "/ready", None, None).0, 200);
    let signalled = Instant::now();
    send_sigterm(&server);
    std::thread::sleep(Duration::from_millis(300));
    let (status, body) = http(server.port, "GET", "/ready", None, None);
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("stopping"), "{body}");
    assert_eq!(http(server.port, "GET", "/health", None, None).0, 200);
    // New connections and requests are still served meanwhile.
    let (status, body) = http(
        server.port,
        "POST",
        "/backend/api/support-ticket/categories",
        Some(&admin),
        Some(r#"{"categoryName":"During the drain"}"#),
    );
    assert_eq!(status, 201, "{body}");
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "stopped before the drain ended"
    );
    let status = server.wait_for_exit(Duration::from_secs(30));
    assert!(status.success(), "{status}");
    assert!(
        signalled.elapsed() >= Duration::from_millis(2500),
        "stopped after {:?}",
        signalled.elapsed()
    );
}

/// A live event stream does not hold the stop up: it ends when the server
/// starts to stop, and the server exits after its drain period.
#[cfg(unix)]
#[test]
fn sigterm_ends_live_event_streams_and_the_server_exits_promptly() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start_with(dir.path(), None, &[("TICKETD_DRAIN_SECS", "1")]);
    let agent = token(dir.path(), "agent1", "agent");
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let request = format!(
        "GET /backend/api/support-ticket/events/stream HTTP/1.1\r\nHost: localhost\r\n\
         Authorization: Bearer {agent}\r\nAccept: text/event-stream\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut first = [0u8; 512];
    let n = stream.read(&mut first).unwrap();
    let head = String::from_utf8_lossy(&first[..n]).to_string();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("text/event-stream"), "{head}");
    let signalled = Instant::now();
    send_sigterm(&server);
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    let all = format!("{head}{}", String::from_utf8_lossy(&rest));
    assert!(
        all.ends_with("0\r\n\r\n"),
        "the stream's body was ended: {all:?}"
    );
    let status = server.wait_for_exit(Duration::from_secs(30));
    assert!(status.success(), "{status}");
    assert!(
        signalled.elapsed() < Duration::from_secs(10),
        "the stream held the stop up for {:?}",
        signalled.elapsed()
    );
}

#[test]
fn a_client_too_slow_with_its_body_gets_408() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), None, &[("TICKETD_CLIENT_TIMEOUT_SECS", "1")]);
    let admin = token(dir.path(), "admin1", "admin");
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let request = format!(
        "POST /backend/api/support-ticket/categories HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Authorization: Bearer {admin}\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{{\"categ"
    );
    stream.write_all(request.as_bytes()).unwrap();
    let started = Instant::now();
    let mut raw = String::new();
    let _ = stream.read_to_string(&mut raw);
    assert!(raw.starts_with("HTTP/1.1 408"), "{raw}");
    assert!(raw.contains(r#""status":0"#), "the envelope: {raw}");
    assert!(started.elapsed() < Duration::from_secs(10));
    // Nothing was created.
    let (_, body) = server.call(
        "GET",
        "/backend/api/support-ticket/categories",
        Some(&admin),
        None,
    );
    assert!(body.contains(r#""data":[]"#), "{body}");
}

/// The answers actix-http writes before any route sees the request carry the
/// JSON error envelope like every other answer.
#[test]
fn answers_of_the_http_layer_itself_carry_the_envelope() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), None);
    let huge = "a".repeat(200 * 1024);
    let cases = [
        ("GARBAGE\r\n\r\n".to_owned(), 400),
        ("GET /health HTTP/9.9\r\n\r\n".to_owned(), 400),
        (
            format!("GET /health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {huge}\r\n\r\n"),
            431,
        ),
    ];
    for (request, status) in cases {
        let raw = support::exchange_lossy(server.port, &request, b"");
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("no answer: {text:?}"));
        assert!(head.starts_with(&format!("HTTP/1.1 {status} ")), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{head}"
        );
        let json: serde_json::Value =
            serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body:?}"));
        assert_eq!(json["status"], serde_json::json!(0), "{body}");
        assert!(json["data"].is_null(), "{body}");
        assert!(
            json["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    }
    // Ordinary answers are untouched.
    assert_eq!(http(server.port, "GET", "/health", None, None).0, 200);
}

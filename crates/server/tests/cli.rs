//! The `ticketd` binary end to end: it starts on SQLite with nothing set up,
//! its tokens authorize calls, `migrate` works alone, and SIGTERM stops it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ticketd");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn ticketd(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("TICKETD_JWT_SECRET")
        .env_remove("TICKETD_DATA_DIR")
        .env("RUST_LOG", "warn");
    cmd
}

fn token(dir: &std::path::Path, sub: &str, user_type: &str) -> String {
    let out = ticketd(dir)
        .args(["token", "--sub", sub, "--user-type", user_type])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A raw HTTP/1.1 exchange; returns the status code and the body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    if let Some(t) = token {
        req.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let status = raw.split(' ').nth(1).unwrap().parse().unwrap();
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(dir: &std::path::Path, port: u16) -> Server {
    let child = ticketd(dir)
        .arg("serve")
        .env("TICKETD_BIND", format!("127.0.0.1:{port}"))
        .env("TICKETD_WORKERS", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Server(child)
}

#[test]
fn serves_on_sqlite_with_nothing_set_up_and_accepts_its_own_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _server = start(dir.path(), port);
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
            r#"{"status":"1","message":"Support tickets retrieved successfully","data":{"count":1}}"#
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
    let port = free_port();
    let _server = start(dir.path(), port);
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

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = start(dir.path(), port);
    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

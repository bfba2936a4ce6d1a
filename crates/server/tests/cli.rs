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

#[test]
fn settings_out_of_range_stop_the_start_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    for (name, value) in [
        ("TICKETD_DOWNLOAD_LINK_TTL_SECS", "18446744073709551615"),
        ("TICKETD_UPLOAD_RETENTION_SECS", "9223372036854775807"),
        ("TICKETD_UPLOAD_SWEEP_INTERVAL_SECS", "18446744073709551615"),
        ("TICKETD_DB_ACQUIRE_TIMEOUT_SECS", "18446744073709551615"),
        ("TICKETD_DB_STATEMENT_TIMEOUT_MS", "99999999999"),
        ("TICKETD_CLIENT_TIMEOUT_SECS", "18446744073709551615"),
        ("TICKETD_DB_POOL_SIZE", "0"),
        ("TICKETD_WORKERS", "100000"),
        ("TICKETD_RATE_LIMIT_PER_MINUTE", "-1"),
        ("TICKETD_CORS_ORIGINS", "portal.example.com"),
        ("TICKETD_CORS_ORIGINS", "*,https://portal.example.com"),
        ("TICKETD_JWKS_URL", "https://login.example.com/certs"),
        ("TICKETD_JWKS_URL", "ftp://login.example.com/certs"),
        ("TICKETD_JWT_ROLE_MAP", "support-agent=root"),
    ] {
        let mut child = ticketd(dir.path())
            .env(name, value)
            .env("TICKETD_BIND", "127.0.0.1:0")
            .args(["serve"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                panic!("{name}={value}: the server started instead of refusing the setting");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert_eq!(status.code(), Some(1), "{name}={value}: {stderr}");
        assert!(stderr.contains(name), "{name}={value}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}={value}: {stderr}");
    }
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

/// `ticketd serve --help` and README's table list the same settings with the
/// same defaults.
/// The settings `ticketd serve --help` lists, each with its fixed default.
fn help_settings() -> std::collections::BTreeMap<String, Option<String>> {
    let dir = tempfile::tempdir().unwrap();
    let out = ticketd(dir.path())
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    // Each setting's help ends with `[env: NAME=...]` and, with a fixed
    // default, `[default: VALUE]`.
    let mut from_help = std::collections::BTreeMap::new();
    for line in help.lines() {
        let Some(env) = line.split("[env: ").nth(1) else {
            continue;
        };
        let name = env.split(['=', ']']).next().unwrap().to_owned();
        let default = line
            .split("[default: ")
            .nth(1)
            .map(|d| d.trim_end_matches(']').to_owned());
        from_help.insert(name, default);
    }
    assert!(from_help.len() >= 25, "{help}");
    from_help
}

/// docker-compose.yml hands the app every setting (an unset one as empty,
/// which ticketd reads as its default), except the data folder, which the
/// image sets where its volume is mounted.
#[test]
fn the_compose_file_passes_every_setting_through() {
    let compose = include_str!("../../../docker-compose.yml");
    let app = compose.split("\n  app:\n").nth(1).unwrap();
    let environment = app.split("    environment:\n").nth(1).unwrap();
    let passed: Vec<&str> = environment
        .lines()
        .take_while(|l| l.starts_with("      "))
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.trim().split(':').next())
        .collect();
    for name in help_settings().keys() {
        if name == "TICKETD_DATA_DIR" {
            assert!(!passed.contains(&name.as_str()), "the image sets {name}");
            continue;
        }
        assert!(
            passed.contains(&name.as_str()),
            "docker-compose.yml does not pass {name}"
        );
    }
    // The password is handed to libpq apart from the URL, so that any
    // character works unescaped.
    assert!(passed.contains(&"PGPASSWORD"));
    assert!(
        environment.contains("DATABASE_URL: postgres://ticketd@db:5432/ticketd\n"),
        "{environment}"
    );
}

#[test]
fn serve_help_and_the_readme_list_the_same_settings_and_defaults() {
    let from_help = help_settings();

    let readme = include_str!("../../../README.md");
    let table = readme
        .split("## Configuration")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    let mut from_readme = std::collections::BTreeMap::new();
    for row in table.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        let name = cells[0]
            .trim_start_matches("| ")
            .trim_matches('`')
            .to_owned();
        from_readme.insert(name, cells[1].to_owned());
    }
    // The log filter is env_logger's own variable, not a setting of ticketd.
    from_readme.remove("RUST_LOG");

    assert_eq!(
        from_help.keys().collect::<Vec<_>>(),
        from_readme.keys().collect::<Vec<_>>(),
        "the settings of `ticketd serve --help` and README's table"
    );
    for (name, default) in &from_help {
        if let Some(default) = default {
            assert!(
                from_readme[name].contains(&format!("`{default}`")),
                "{name}: README says {}, --help says {default}",
                from_readme[name]
            );
        }
    }
}

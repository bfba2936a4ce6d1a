//! Starting `ticketd` processes and talking HTTP/1.1 to them.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_ticketd");

/// A port nobody listens on now, for servers that must bind their own (a
/// private PostgreSQL): another process could take it before they do.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn ticketd(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("TICKETD_JWT_SECRET")
        .env_remove("TICKETD_DATA_DIR")
        .env("RUST_LOG", "warn");
    cmd
}

pub fn token(dir: &std::path::Path, sub: &str, user_type: &str) -> String {
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
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, String) {
    let raw = http_raw(port, method, path, token, body);
    let status = raw.split(' ').nth(1).unwrap().parse().unwrap();
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// A raw HTTP/1.1 exchange; returns the whole answer, status line and headers included.
pub fn http_raw(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> String {
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
    String::from_utf8(exchange(port, &req, body.as_bytes())).unwrap()
}

/// [`exchange`], for a server that may die meanwhile: what arrived before
/// the connection broke (nothing, if it died first).
pub fn exchange_lossy(port: u16, head: &str, body: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut raw = Vec::new();
    if stream.write_all(head.as_bytes()).is_ok() && stream.write_all(body).is_ok() {
        let _ = stream.read_to_end(&mut raw);
    }
    raw
}

/// Sends `head` (request line and headers) and `body` on a new connection and
/// reads the whole answer (the request must say `Connection: close`).
pub fn exchange(port: u16, head: &str, body: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    raw
}

/// A running `ticketd serve`, killed when dropped.
pub struct Server {
    /// The process.
    pub child: Child,
    /// The port it listens on.
    pub port: u16,
}

impl Server {
    /// Starts ticketd in `dir` on a free port, on SQLite in `dir/data` or on
    /// `database_url`, and waits until it answers.
    pub fn start(dir: &std::path::Path, database_url: Option<&str>) -> Server {
        Self::start_with(dir, database_url, &[])
    }

    /// `start`, with more environment variables.
    pub fn start_with(
        dir: &std::path::Path,
        database_url: Option<&str>,
        env: &[(&str, &str)],
    ) -> Server {
        Self::start_logging(dir, database_url, env, Stdio::null())
    }

    /// `start_with`, its log (standard error) going to `log`.
    pub fn start_logging(
        dir: &std::path::Path,
        database_url: Option<&str>,
        env: &[(&str, &str)],
        log: impl Into<Stdio>,
    ) -> Server {
        // The test binds the port and hands the listening socket over (as
        // systemd socket activation does): no other process can take the
        // port between the choice and the server's start.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut cmd = ticketd(dir);
        {
            use command_fds::{CommandFdExt, FdMapping};
            cmd.fd_mappings(vec![FdMapping {
                parent_fd: std::os::fd::OwnedFd::from(listener),
                child_fd: 3,
            }])
            .unwrap();
        }
        cmd.arg("serve")
            .env("LISTEN_FDS", "1")
            .env_remove("LISTEN_PID")
            .env("TICKETD_WORKERS", "2")
            .stdout(Stdio::null())
            .stderr(log.into());
        if let Some(url) = database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd.envs(env.iter().copied());
        let child = cmd.spawn().unwrap();
        let server = Server { child, port };
        // The socket takes connections from the start; the server answers
        // them once it is up.
        let health = "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        let deadline = Instant::now() + Duration::from_secs(30);
        while !exchange_lossy(port, health, b"").starts_with(b"HTTP/1.1 200") {
            assert!(Instant::now() < deadline, "the server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// Waits for the process to end by itself; fails after `within`.
    pub fn wait_for_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// One HTTP exchange with the server.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> (u16, String) {
        http(self.port, method, path, token, body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One exchange with raw bytes both ways; returns the status, the header
/// block and the body.
pub fn exchange_parts(port: u16, head: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let raw = exchange(port, head, body);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let headers = String::from_utf8(raw[..split].to_vec()).unwrap();
    let status = headers.split(' ').nth(1).unwrap().parse().unwrap();
    (status, headers, raw[split + 4..].to_vec())
}

/// The value of the header `name` in a header block.
pub fn header<'a>(headers: &'a str, name: &str) -> Option<&'a str> {
    headers.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Uploads one file as `token`'s user; answers the upload's record.
pub fn upload(port: u16, token: &str, name: &str, bytes: &[u8]) -> Value {
    let boundary = "ticketd-e2e-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let head = format!(
        "POST /backend/api/support-ticket/uploads HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    let (status, _, answer) = exchange_parts(port, &head, &body);
    let json: Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(status, 201, "{json}");
    json["data"][0].clone()
}

/// A GET as `token`'s user (or anonymous): status, header block, body.
pub fn get(port: u16, path: &str, token: Option<&str>) -> (u16, String, Vec<u8>) {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let head = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{auth}\r\n");
    exchange_parts(port, &head, b"")
}

//! The server and its PostgreSQL: through an outage (PostgreSQL stops while the
//! server runs, and starts again; the same process answers 503 meanwhile, then
//! 2xx), and connecting with a password of any characters, given apart from
//! the URL (as docker-compose.yml does).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use support::{Server, free_port, token};

/// A private PostgreSQL server of this test, stopped and removed when dropped.
struct Postgres {
    dir: PathBuf,
    port: u16,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-test-server")
}

impl Postgres {
    fn start() -> Option<(Postgres, String)> {
        let have_binaries =
            std::fs::read_dir("/usr/lib/postgresql").is_ok() || std::env::var("PG_BIN").is_ok();
        if !have_binaries {
            assert!(
                std::env::var("TICKETD_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "TICKETD_REQUIRE_POSTGRES=1 but PostgreSQL's server binaries are missing"
            );
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED the database outage test: no PostgreSQL server binaries"
            );
            return None;
        }
        let pg = Postgres {
            dir: std::env::temp_dir().join(format!("ticketd-fault-{}", std::process::id())),
            port: free_port(),
        };
        let url = pg.run("start").expect("start PostgreSQL");
        Some((pg, url.trim().to_owned()))
    }

    /// Runs `scripts/pg-test-server what args...` for this server.
    fn run_with(&self, what: &str, args: &[&str]) -> Option<String> {
        let out = Command::new(script())
            .arg(what)
            .args(args)
            .env("PG_TEST_DIR", &self.dir)
            .env("PG_TEST_PORT", self.port.to_string())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg-test-server {what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(String::from_utf8(out.stdout).unwrap())
    }

    fn run(&self, what: &str) -> Option<String> {
        self.run_with(what, &[])
    }
}

impl Postgres {
    /// Runs `sql` with psql as the superuser.
    fn psql(&self, url: &str, sql: &str) {
        self.run_with("psql", &[url, "-v", "ON_ERROR_STOP=1", "-qc", sql]);
    }

    /// Requires a password (SCRAM) from `role` over TCP from now on.
    fn require_password(&self, url: &str, role: &str) {
        let hba = self.dir.join("data/pg_hba.conf");
        let old = std::fs::read_to_string(&hba).unwrap();
        std::fs::write(
            &hba,
            format!("host all {role} 127.0.0.1/32 scram-sha-256\n{old}"),
        )
        .unwrap();
        self.psql(url, "SELECT pg_reload_conf()");
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.run("stop");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Status and `Retry-After` of a GET.
fn get(server: &Server, path: &str, token: Option<&str>) -> (u16, Option<String>) {
    let raw = support::http_raw(server.port, "GET", path, token, None);
    let status = raw
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let retry_after = raw
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix("retry-after: ").map(str::to_owned));
    (status, retry_after)
}

#[test]
fn a_database_outage_gives_503_then_service_resumes_without_a_restart() {
    let Some((pg, url)) = Postgres::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("server.log");
    let mut server = Server::start_logging(
        dir.path(),
        Some(&url),
        &[
            ("TICKETD_DB_ACQUIRE_TIMEOUT_SECS", "2"),
            ("RUST_LOG", "info"),
        ],
        std::fs::File::create(&log_path).unwrap(),
    );
    let admin = token(dir.path(), "admin1", "admin");
    let list = "/backend/api/support-ticket";
    assert_eq!(get(&server, list, Some(&admin)).0, 200);
    assert_eq!(get(&server, "/ready", None).0, 200);

    pg.run("stop");
    let started = Instant::now();
    let (status, retry_after) = get(&server, list, Some(&admin));
    assert_eq!(status, 503);
    assert_eq!(retry_after.as_deref(), Some("5"));
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "503 within the configured wait, took {:?}",
        started.elapsed()
    );
    // Once the pool's broken connections are gone (background work may
    // have left a few idle), a request waits for a new connection the pool
    // cannot make.
    let mut waited = false;
    for _ in 0..12 {
        let asked = Instant::now();
        assert_eq!(get(&server, list, Some(&admin)).0, 503);
        if asked.elapsed() >= Duration::from_millis(1500) {
            waited = true;
            break;
        }
    }
    assert!(waited, "no request waited for a new connection");
    let asked = Instant::now();
    assert_eq!(get(&server, "/ready", None).0, 503);
    assert!(
        asked.elapsed() < Duration::from_millis(1500),
        "readiness answers within a health check's patience, took {:?}",
        asked.elapsed()
    );
    assert_eq!(
        get(&server, "/health", None).0,
        200,
        "alive while the database is away"
    );

    pg.run("start");
    let back = Instant::now();
    loop {
        let (status, _) = get(&server, list, Some(&admin));
        if status == 200 {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "still {status} 5 s after the database came back"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the same process serves on"
    );
    assert_eq!(get(&server, "/ready", None).0, 200);
    drop(server);

    // Every line about the outage was written while serving a request and
    // carries its id: the 503's cause (the pool's own failure to connect)
    // included; only the server's own start and stop lines have none.
    let logged = std::fs::read_to_string(&log_path).unwrap();
    let mut causes = 0;
    for line in logged.lines() {
        let (head, text) = line.split_once("] ").unwrap_or(("", line));
        if head.ends_with(" ticketd")
            || head.contains(" ticketd::")
            || head.contains(" actix_server")
        {
            continue;
        }
        assert!(
            text.starts_with("request_id="),
            "a line without its request's id: {line}\n{logged}"
        );
        if line.contains("failed: ") && line.contains("timed out waiting for connection") {
            causes += 1;
        }
    }
    assert!(
        causes > 0,
        "no line gives the pool's failure as a 503's cause:\n{logged}"
    );
}

#[test]
fn a_password_of_any_characters_works_given_apart_from_the_url() {
    let Some((pg, url)) = Postgres::start() else {
        return;
    };
    let password = "p@ss/w#rd:%41?&= 'x'";
    pg.psql(
        &url,
        &format!(
            "CREATE ROLE desk LOGIN SUPERUSER PASSWORD '{}'",
            password.replace('\'', "''")
        ),
    );
    pg.require_password(&url, "desk");
    let desk_url = format!("postgres://desk@127.0.0.1:{}/postgres", pg.port);

    // Without it, or with a wrong one, the start fails naming the right host.
    for wrong in [None, Some("p@ss")] {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = support::ticketd(dir.path());
        cmd.arg("migrate")
            .env("DATABASE_URL", &desk_url)
            .env("TICKETD_DB_ACQUIRE_TIMEOUT_SECS", "1")
            .env_remove("PGPASSWORD");
        if let Some(wrong) = wrong {
            cmd.env("PGPASSWORD", wrong);
        }
        let out = cmd.output().unwrap();
        assert!(!out.status.success());
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("127.0.0.1"), "{said}");
        assert!(said.contains("password"), "{said}");
    }

    // With PGPASSWORD (libpq's own variable) it serves.
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), Some(&desk_url), &[("PGPASSWORD", password)]);
    let admin = token(dir.path(), "admin1", "admin");
    assert_eq!(
        get(&server, "/backend/api/support-ticket", Some(&admin)).0,
        200
    );
    assert_eq!(get(&server, "/ready", None).0, 200);
}

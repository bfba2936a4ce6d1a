//! The settings: `ticketd serve --help`, README's table and
//! docker-compose.yml list the same ones, and a value that cannot work stops
//! the start naming its setting.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::time::Duration;

mod support;

use support::ticketd;

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

/// `ticketd serve --help` and README's table list the same settings with the
/// same defaults.
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

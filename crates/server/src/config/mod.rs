//! Configuration: every setting is read here, through clap, from the
//! environment (or the same-named flags), with its default and its range, so
//! that `ticketd serve --help` lists them all and a wrong value stops the start
//! naming the setting.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use ticketd_http_actix::CorsOrigins;

mod identity;

pub use identity::IdentityProvider;

const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;
const MIB: u64 = 1024 * 1024;
const GIB: u64 = 1024 * MIB;

/// Everything the server can be configured by. Each setting is an
/// environment variable (the value name in `--help`) or the flag of the same
/// meaning; an empty variable counts as unset.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Settings (environment variables, or the flags)")]
pub struct Config {
    /// Address and port to listen on.
    #[arg(
        long,
        global = true,
        env = "TICKETD_BIND",
        value_name = "TICKETD_BIND",
        default_value = "127.0.0.1:8080"
    )]
    pub bind: String,
    /// `postgres://...` for PostgreSQL; anything else is a SQLite file path
    /// (`sqlite://` prefix allowed). Default: `ticketd.db` in the data folder.
    #[arg(long, global = true, env = "DATABASE_URL", value_name = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Folder for the SQLite file, the generated secret and (by default)
    /// uploaded files.
    #[arg(
        long,
        global = true,
        env = "TICKETD_DATA_DIR",
        value_name = "TICKETD_DATA_DIR",
        default_value = "data"
    )]
    pub data_dir: PathBuf,
    /// HS256 signing secret, at least 32 characters. Default: generated into
    /// `jwt-secret` in the data folder; set it when several instances must
    /// accept the same tokens.
    #[arg(
        long,
        global = true,
        env = "TICKETD_JWT_SECRET",
        value_name = "TICKETD_JWT_SECRET",
        hide_env_values = true
    )]
    pub jwt_secret: Option<String>,
    /// The identity provider whose tokens are accepted too, if any.
    #[command(flatten)]
    pub identity: IdentityProvider,
    /// Most database connections open at once, 1-1000. Default: two per core
    /// (more only queue inside the database: see docs/performance.md).
    #[arg(long, global = true, env = "TICKETD_DB_POOL_SIZE", value_name = "TICKETD_DB_POOL_SIZE",
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_pool_size: Option<u32>,
    /// How long a request waits for a database connection before answering
    /// 503, in seconds.
    #[arg(long, global = true, env = "TICKETD_DB_ACQUIRE_TIMEOUT_SECS",
          value_name = "TICKETD_DB_ACQUIRE_TIMEOUT_SECS", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=HOUR))]
    pub db_acquire_timeout_secs: u64,
    /// How long a PostgreSQL statement may run before it is cancelled and the
    /// request answers 503, in milliseconds.
    #[arg(long, global = true, env = "TICKETD_DB_STATEMENT_TIMEOUT_MS",
          value_name = "TICKETD_DB_STATEMENT_TIMEOUT_MS", default_value_t = 5_000,
          value_parser = clap::value_parser!(u64).range(1..=HOUR * 1000))]
    pub db_statement_timeout_ms: u64,
    /// Largest JSON request body, in bytes (larger gets 413).
    #[arg(long, global = true, env = "TICKETD_JSON_LIMIT_BYTES",
          value_name = "TICKETD_JSON_LIMIT_BYTES", default_value_t = MIB,
          value_parser = clap::value_parser!(u64).range(1..=64 * MIB))]
    pub json_limit_bytes: u64,
    /// HTTP worker threads, 1-1024. Default: one per core.
    #[arg(long, global = true, env = "TICKETD_WORKERS", value_name = "TICKETD_WORKERS",
          value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub workers: Option<u64>,
    /// How long a client may take to send a request's headers, or each next
    /// part of its body, in seconds; slower gets 408.
    #[arg(long, global = true, env = "TICKETD_CLIENT_TIMEOUT_SECS",
          value_name = "TICKETD_CLIENT_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=HOUR))]
    pub client_timeout_secs: u64,
    /// Requests per authenticated user a minute (0 turns the limit off); over
    /// it, 429 with `Retry-After`.
    #[arg(long, global = true, env = "TICKETD_RATE_LIMIT_PER_MINUTE",
          value_name = "TICKETD_RATE_LIMIT_PER_MINUTE", default_value_t = 1200,
          value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub rate_limit_per_minute: u32,
    /// Requests an authenticated user may make at once (the burst).
    #[arg(long, global = true, env = "TICKETD_RATE_LIMIT_BURST",
          value_name = "TICKETD_RATE_LIMIT_BURST", default_value_t = 300,
          value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub rate_limit_burst: u32,
    /// The same, per client address, for requests without a valid token.
    #[arg(long, global = true, env = "TICKETD_ANON_RATE_LIMIT_PER_MINUTE",
          value_name = "TICKETD_ANON_RATE_LIMIT_PER_MINUTE", default_value_t = 120,
          value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub anon_rate_limit_per_minute: u32,
    /// The burst per client address without a valid token.
    #[arg(long, global = true, env = "TICKETD_ANON_RATE_LIMIT_BURST",
          value_name = "TICKETD_ANON_RATE_LIMIT_BURST", default_value_t = 60,
          value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub anon_rate_limit_burst: u32,
    /// Where uploaded files live: `file:///path`, or `s3://bucket/prefix`,
    /// `gs://bucket`, `az://container` in a build with the feature `aws`,
    /// `gcp` or `azure`. Default: the `uploads` folder of the data folder.
    #[arg(
        long,
        global = true,
        env = "TICKETD_STORAGE_URL",
        value_name = "TICKETD_STORAGE_URL"
    )]
    pub storage_url: Option<String>,
    /// Which other origins' web pages may call the API from a browser (CORS):
    /// a comma-separated list of exact origins (`https://desk.example.com`),
    /// or `*` for any origin (without credentials). Default: none.
    #[arg(long, global = true, env = "TICKETD_CORS_ORIGINS", value_name = "TICKETD_CORS_ORIGINS",
          value_parser = CorsOrigins::parse)]
    pub cors_origins: Option<CorsOrigins>,
    /// Largest uploaded file, in bytes (larger gets 413).
    #[arg(long, global = true, env = "TICKETD_UPLOAD_MAX_FILE_BYTES",
          value_name = "TICKETD_UPLOAD_MAX_FILE_BYTES", default_value_t = 10 * MIB,
          value_parser = clap::value_parser!(u64).range(1..=16 * GIB))]
    pub upload_max_file_bytes: u64,
    /// Most bytes of files in one upload request.
    #[arg(long, global = true, env = "TICKETD_UPLOAD_MAX_REQUEST_BYTES",
          value_name = "TICKETD_UPLOAD_MAX_REQUEST_BYTES", default_value_t = 50 * MIB,
          value_parser = clap::value_parser!(u64).range(1..=16 * GIB))]
    pub upload_max_request_bytes: u64,
    /// `false` accepts any well-formed `filePath` in messages, as older
    /// backends did (a path naming one's own upload is still linked to it).
    #[arg(long, global = true, env = "TICKETD_REQUIRE_UPLOADED_ATTACHMENTS",
          value_name = "TICKETD_REQUIRE_UPLOADED_ATTACHMENTS", default_value = "true",
          value_parser = flag, action = clap::ArgAction::Set)]
    pub require_uploaded_attachments: bool,
    /// How long a `downloadUrl` works, in seconds.
    #[arg(long, global = true, env = "TICKETD_DOWNLOAD_LINK_TTL_SECS",
          value_name = "TICKETD_DOWNLOAD_LINK_TTL_SECS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=7 * DAY))]
    pub download_link_ttl_secs: u64,
    /// How long an upload may stay unattached before the sweep removes it, in
    /// seconds.
    #[arg(long, global = true, env = "TICKETD_UPLOAD_RETENTION_SECS",
          value_name = "TICKETD_UPLOAD_RETENTION_SECS", default_value_t = DAY,
          value_parser = clap::value_parser!(u64).range(1..=365 * DAY))]
    pub upload_retention_secs: u64,
    /// How often the sweep of unattached uploads runs (also once at start),
    /// in seconds.
    #[arg(long, global = true, env = "TICKETD_UPLOAD_SWEEP_INTERVAL_SECS",
          value_name = "TICKETD_UPLOAD_SWEEP_INTERVAL_SECS", default_value_t = HOUR,
          value_parser = clap::value_parser!(u64).range(1..=30 * DAY))]
    pub upload_sweep_interval_secs: u64,
    /// How many days the events of changes are kept (the event list and,
    /// later, webhooks read them); older ones are forgotten hourly.
    #[arg(long, global = true, env = "TICKETD_EVENT_RETENTION_DAYS",
          value_name = "TICKETD_EVENT_RETENTION_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub event_retention_days: u32,
    /// `true` takes plain `http://` webhook endpoints (local stacks); only
    /// `https://` otherwise.
    #[arg(long, global = true, env = "TICKETD_WEBHOOK_ALLOW_HTTP",
          value_name = "TICKETD_WEBHOOK_ALLOW_HTTP", default_value = "false",
          value_parser = flag, action = clap::ArgAction::Set)]
    pub webhook_allow_http: bool,
    /// `true` lets webhook endpoints resolve to loopback, private and
    /// link-local addresses (local stacks); refused otherwise.
    #[arg(long, global = true, env = "TICKETD_WEBHOOK_ALLOW_PRIVATE",
          value_name = "TICKETD_WEBHOOK_ALLOW_PRIVATE", default_value = "false",
          value_parser = flag, action = clap::ArgAction::Set)]
    pub webhook_allow_private: bool,
    /// `true` shows customers the service-level fields of their tickets
    /// (due times, met or breached) and their `sla.breached` events; staff
    /// only otherwise.
    #[arg(long, global = true, env = "TICKETD_SLA_SHOWN_TO_CUSTOMERS",
          value_name = "TICKETD_SLA_SHOWN_TO_CUSTOMERS", default_value = "false",
          value_parser = flag, action = clap::ArgAction::Set)]
    pub sla_shown_to_customers: bool,
    /// How often the server looks for service-level clocks past their due
    /// time, in seconds: a breach is marked (and `sla.breached` sent) at most
    /// this long after it happens.
    #[arg(long, global = true, env = "TICKETD_SLA_SWEEP_SECS",
          value_name = "TICKETD_SLA_SWEEP_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub sla_sweep_secs: u64,
    /// How long one webhook delivery attempt may take, in seconds.
    #[arg(long, global = true, env = "TICKETD_WEBHOOK_TIMEOUT_SECS",
          value_name = "TICKETD_WEBHOOK_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=60))]
    pub webhook_timeout_secs: u64,
    /// The most bytes one user's unattached uploads may hold.
    #[arg(long, global = true, env = "TICKETD_UPLOAD_QUOTA_BYTES",
          value_name = "TICKETD_UPLOAD_QUOTA_BYTES", default_value_t = 200 * MIB,
          value_parser = clap::value_parser!(u64).range(1..=1024 * GIB))]
    pub upload_quota_bytes: u64,
    /// Bytes one user may upload a minute (0: no limit).
    #[arg(long, global = true, env = "TICKETD_UPLOAD_RATE_BYTES_PER_MINUTE",
          value_name = "TICKETD_UPLOAD_RATE_BYTES_PER_MINUTE", default_value_t = 200 * MIB,
          value_parser = clap::value_parser!(u64).range(0..=1024 * GIB))]
    pub upload_rate_bytes_per_minute: u64,
    /// After SIGTERM, how long the server keeps serving with `/ready` at 503
    /// before it stops accepting connections, in seconds.
    #[arg(long, global = true, env = "TICKETD_DRAIN_SECS", value_name = "TICKETD_DRAIN_SECS",
          default_value_t = 5, value_parser = clap::value_parser!(u64).range(0..=300))]
    pub drain_secs: u64,
    /// For the crash-safety tests of debug builds: `after-idempotent-write`
    /// stops the process right after such a write committed.
    #[arg(long, global = true, env = "TICKETD_TEST_CRASH_AT", hide = true)]
    pub test_crash_at: Option<String>,
}

/// Parses the command line and the settings' environment variables into
/// `T`. A variable that is empty (or blank) counts as unset, so that compose
/// files may pass `${NAME:-}` through.
pub fn parse_command_line<T: clap::Parser>() -> Result<T, clap::Error> {
    let blank = |name: &std::ffi::OsStr| {
        std::env::var_os(name).is_some_and(|v| v.to_string_lossy().trim().is_empty())
    };
    let command = T::command().mut_args(|arg| {
        if arg.get_env().is_some_and(blank) {
            arg.env(None::<&str>)
        } else {
            arg
        }
    });
    let matches = command.try_get_matches()?;
    T::from_arg_matches(&matches)
}

/// `true`, `false`, `1` or `0`.
fn flag(raw: &str) -> Result<bool, String> {
    match raw.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(format!("must be true or false, not {other:?}")),
    }
}

/// Two connections per core: measured at 10^6 tickets on 2 cores (see
/// docs/performance.md), more connections than that only queue inside the
/// database and stretch the slowest answers (adding messages: p99 49-58 ms
/// with 4 connections, up to 221 ms with 8 and 502 ms with 16).
pub fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    u32::try_from(cores * 2).unwrap_or(u32::MAX).max(2)
}

/// Smallest secret accepted: HS256 wants at least 256 bits.
pub const MIN_SECRET_LEN: usize = 32;

impl Config {
    /// The database to open: `DATABASE_URL`, or the SQLite file in the data
    /// folder.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            self.data_dir
                .join("ticketd.db")
                .to_string_lossy()
                .into_owned()
        })
    }

    /// Most database connections.
    pub fn pool_size(&self) -> u32 {
        self.db_pool_size.unwrap_or_else(default_pool_size)
    }

    /// How long a request waits for a database connection.
    pub fn acquire_timeout(&self) -> Duration {
        Duration::from_secs(self.db_acquire_timeout_secs)
    }

    /// How long a PostgreSQL statement may run.
    pub fn statement_timeout(&self) -> Duration {
        Duration::from_millis(self.db_statement_timeout_ms)
    }

    /// The largest JSON body accepted, in bytes.
    pub fn json_limit(&self) -> usize {
        usize::try_from(self.json_limit_bytes).unwrap_or(usize::MAX)
    }

    /// HTTP worker threads, if set.
    pub fn workers(&self) -> Option<usize> {
        self.workers.and_then(|w| usize::try_from(w).ok())
    }

    /// How long a client may take to send the next part of a request.
    pub fn client_timeout(&self) -> Duration {
        Duration::from_secs(self.client_timeout_secs)
    }

    /// How long a `downloadUrl` works.
    pub fn download_link_ttl(&self) -> Duration {
        Duration::from_secs(self.download_link_ttl_secs)
    }

    /// How long an upload may stay unattached.
    pub fn upload_retention(&self) -> Duration {
        Duration::from_secs(self.upload_retention_secs)
    }

    /// How long events are kept.
    pub fn event_retention(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.event_retention_days))
    }

    /// How often unattached uploads are swept.
    pub fn upload_sweep_interval(&self) -> Duration {
        Duration::from_secs(self.upload_sweep_interval_secs)
    }

    /// The object store's credentials and settings, from the environment as
    /// each provider's own tools read them (`AWS_REGION`, `GOOGLE_...`,
    /// `AZURE_...`), named as `object_store` takes them.
    pub fn storage_options(&self) -> Vec<(String, String)> {
        std::env::vars()
            .filter(|(k, _)| {
                ["AWS_", "GOOGLE_", "AZURE_"]
                    .iter()
                    .any(|p| k.starts_with(p))
            })
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect()
    }

    /// How long the server keeps serving after SIGTERM.
    pub fn drain(&self) -> Duration {
        Duration::from_secs(self.drain_secs)
    }

    /// The signing secret: `TICKETD_JWT_SECRET`, or the one kept in the data
    /// folder (made on first use, readable by this user only).
    pub fn jwt_secret(&self) -> anyhow::Result<String> {
        if let Some(secret) = &self.jwt_secret {
            if secret.len() < MIN_SECRET_LEN {
                bail!("TICKETD_JWT_SECRET must be at least {MIN_SECRET_LEN} characters");
            }
            return Ok(secret.clone());
        }
        load_or_create_secret(&self.secret_path())
    }

    /// Where the generated secret is kept: `jwt-secret` in the data folder.
    pub fn secret_path(&self) -> PathBuf {
        self.data_dir.join("jwt-secret")
    }

    /// The secret a running server signs with, found the way the server finds
    /// it, and where it was read from; never generates one (a new secret would
    /// sign tokens the server refuses).
    pub fn existing_jwt_secret(&self) -> anyhow::Result<(String, String)> {
        if self.jwt_secret.is_some() {
            return Ok((self.jwt_secret()?, "TICKETD_JWT_SECRET".to_owned()));
        }
        let path = self.secret_path();
        let shown = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
        match load_secret(&path)? {
            Some(secret) => Ok((secret, shown.display().to_string())),
            None => bail!(
                "no signing secret at {}: TICKETD_JWT_SECRET is not set and the server has not \
                 generated one there. Run this where the server runs (or with the same \
                 TICKETD_DATA_DIR, default `data` in the current folder), start the server \
                 once first, or set TICKETD_JWT_SECRET to the server's secret",
                shown.display()
            ),
        }
    }
}

/// The secret kept at `path`, or `None` if there is no file there.
fn load_secret(path: &Path) -> anyhow::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(s) if s.trim().len() >= MIN_SECRET_LEN => Ok(Some(s.trim().to_owned())),
        Ok(_) => bail!(
            "{} holds a secret shorter than {MIN_SECRET_LEN} characters",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn load_or_create_secret(path: &Path) -> anyhow::Result<String> {
    if let Some(secret) = load_secret(path)? {
        return Ok(secret);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let secret = hex::encode(rand::random::<[u8; 32]>());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            use std::io::Write;
            file.write_all(secret.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            log::info!("generated a signing secret in {}", path.display());
            Ok(secret)
        }
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_or_create_secret(path),
        Err(e) => Err(e).with_context(|| format!("creating {}", path.display())),
    }
}

#[cfg(test)]
mod tests;

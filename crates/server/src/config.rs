//! Configuration, read from the environment only here.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};

/// Everything the server can be configured by.
#[derive(Debug, Clone)]
pub struct Config {
    /// `TICKETD_BIND`: the address to listen on.
    pub bind: String,
    /// `DATABASE_URL`: a `postgres://` URL, or a SQLite file path.
    pub database_url: String,
    /// `TICKETD_DATA_DIR`: where the SQLite file and the generated secret live.
    pub data_dir: PathBuf,
    /// `TICKETD_JWT_SECRET`, if set.
    pub jwt_secret: Option<String>,
    /// `TICKETD_DB_POOL_SIZE`: most database connections.
    pub pool_size: u32,
    /// `TICKETD_DB_ACQUIRE_TIMEOUT_SECS`: how long a request waits for a connection.
    pub acquire_timeout: Duration,
    /// `TICKETD_DB_STATEMENT_TIMEOUT_MS`: how long a PostgreSQL statement may run.
    pub statement_timeout: Duration,
    /// `TICKETD_JSON_LIMIT_BYTES`: the largest JSON body accepted.
    pub json_limit: usize,
    /// `TICKETD_WORKERS`: HTTP worker threads (default: one per core).
    pub workers: Option<usize>,
    /// `TICKETD_CLIENT_TIMEOUT_SECS`: how long a client may take to send a
    /// request's headers, or the next part of its body (then 408).
    pub client_timeout: Duration,
    /// `TICKETD_RATE_LIMIT_PER_MINUTE` / `TICKETD_RATE_LIMIT_BURST`: requests per
    /// authenticated user (0 turns the limit off).
    pub user_rate: (u32, u32),
    /// `TICKETD_ANON_RATE_LIMIT_PER_MINUTE` / `TICKETD_ANON_RATE_LIMIT_BURST`:
    /// requests per client address without a valid token (0 turns it off).
    pub anonymous_rate: (u32, u32),
    /// `TICKETD_STORAGE_URL`: where uploaded files live: `file:///dir`, or an
    /// object store (`s3://bucket/prefix`, `gs://...`, `az://...`) when built
    /// with its feature. Default: the `uploads` folder of the data directory.
    pub storage_url: Option<String>,
    /// `TICKETD_UPLOAD_MAX_FILE_BYTES` / `TICKETD_UPLOAD_MAX_REQUEST_BYTES`:
    /// the largest file, and the most bytes of files per upload request.
    pub upload_max_file: u64,
    /// See `upload_max_file`.
    pub upload_max_request: u64,
    /// `TICKETD_REQUIRE_UPLOADED_ATTACHMENTS`: whether an attachment's
    /// `filePath` must name an unattached upload of the sender (default true).
    pub require_uploaded: bool,
    /// `TICKETD_DOWNLOAD_LINK_TTL_SECS`: how long a `downloadUrl` works.
    pub download_link_ttl: Duration,
    /// `TICKETD_UPLOAD_RETENTION_SECS`: how long an upload may stay unattached.
    pub upload_retention: Duration,
    /// `TICKETD_UPLOAD_SWEEP_INTERVAL_SECS`: how often unattached uploads are swept.
    pub upload_sweep_interval: Duration,
    /// `TICKETD_DRAIN_SECS`: how long the server keeps serving after SIGTERM,
    /// with readiness at 503, before it stops accepting connections.
    pub drain: Duration,
    /// `TICKETD_UPLOAD_QUOTA_BYTES`: the most bytes one user's unattached
    /// uploads may hold.
    pub upload_quota: u64,
    /// `TICKETD_UPLOAD_RATE_BYTES_PER_MINUTE`: bytes one user may upload a
    /// minute (0: no limit).
    pub upload_rate: u64,
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

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn flag(name: &str, default: bool) -> anyhow::Result<bool> {
    match var(name).as_deref().map(str::trim) {
        None => Ok(default),
        Some("true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(v) => bail!("{name} must be true or false, not {v:?}"),
    }
}

/// A whole number from the environment, within `range`.
fn ranged<T>(name: &str, default: T, range: std::ops::RangeInclusive<T>) -> anyhow::Result<T>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    let value = number(name, default)?;
    if !range.contains(&value) {
        bail!(
            "{name} must be from {} to {}, not {value}",
            range.start(),
            range.end()
        );
    }
    Ok(value)
}

fn number<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name} must be a positive whole number, not {v:?}")),
    }
}

impl Config {
    /// Reads the configuration from the environment.
    pub fn from_env() -> anyhow::Result<Self> {
        let data_dir = PathBuf::from(var("TICKETD_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| data_dir.join("ticketd.db").to_string_lossy().into_owned());
        const HOUR: u64 = 3600;
        const DAY: u64 = 24 * HOUR;
        const MIB: u64 = 1024 * 1024;
        // Every setting within a range that the server can honour, checked
        // here, so that a wrong value stops the start with its name rather
        // than failing later.
        let pool_size: u32 = ranged("TICKETD_DB_POOL_SIZE", default_pool_size(), 1..=1000)?;
        let acquire: u64 = ranged("TICKETD_DB_ACQUIRE_TIMEOUT_SECS", 5, 1..=HOUR)?;
        let statement_ms: u64 = ranged("TICKETD_DB_STATEMENT_TIMEOUT_MS", 5_000, 1..=HOUR * 1000)?;
        let json_limit: usize = ranged(
            "TICKETD_JSON_LIMIT_BYTES",
            1024 * 1024,
            1..=64 * 1024 * 1024,
        )?;
        let workers: Option<usize> = var("TICKETD_WORKERS")
            .map(|_| ranged("TICKETD_WORKERS", 1, 1..=1024))
            .transpose()?;
        let client_timeout: u64 = ranged("TICKETD_CLIENT_TIMEOUT_SECS", 10, 1..=HOUR)?;
        let rate = |name: &str, default: u32| ranged(name, default, 0..=1_000_000);
        let user_rate = (
            rate("TICKETD_RATE_LIMIT_PER_MINUTE", 1200)?,
            rate("TICKETD_RATE_LIMIT_BURST", 300)?,
        );
        let anonymous_rate = (
            rate("TICKETD_ANON_RATE_LIMIT_PER_MINUTE", 120)?,
            rate("TICKETD_ANON_RATE_LIMIT_BURST", 60)?,
        );
        let upload_max_file: u64 = ranged(
            "TICKETD_UPLOAD_MAX_FILE_BYTES",
            10 * MIB,
            1..=16 * 1024 * MIB,
        )?;
        let upload_max_request: u64 = ranged(
            "TICKETD_UPLOAD_MAX_REQUEST_BYTES",
            50 * MIB,
            1..=16 * 1024 * MIB,
        )?;
        let link_ttl: u64 = ranged("TICKETD_DOWNLOAD_LINK_TTL_SECS", 300, 1..=7 * DAY)?;
        let retention: u64 = ranged("TICKETD_UPLOAD_RETENTION_SECS", DAY, 1..=365 * DAY)?;
        let sweep: u64 = ranged("TICKETD_UPLOAD_SWEEP_INTERVAL_SECS", HOUR, 1..=30 * DAY)?;
        let drain: u64 = ranged("TICKETD_DRAIN_SECS", 5, 0..=300)?;
        let upload_quota: u64 = ranged(
            "TICKETD_UPLOAD_QUOTA_BYTES",
            200 * MIB,
            1..=1024 * 1024 * MIB,
        )?;
        let upload_rate: u64 = ranged(
            "TICKETD_UPLOAD_RATE_BYTES_PER_MINUTE",
            200 * MIB,
            0..=1024 * 1024 * MIB,
        )?;
        Ok(Self {
            bind: var("TICKETD_BIND").unwrap_or_else(|| "127.0.0.1:8080".into()),
            database_url,
            data_dir,
            jwt_secret: var("TICKETD_JWT_SECRET"),
            pool_size,
            acquire_timeout: Duration::from_secs(acquire),
            statement_timeout: Duration::from_millis(statement_ms),
            json_limit,
            workers,
            client_timeout: Duration::from_secs(client_timeout),
            user_rate,
            anonymous_rate,
            storage_url: var("TICKETD_STORAGE_URL"),
            upload_max_file,
            upload_max_request,
            require_uploaded: flag("TICKETD_REQUIRE_UPLOADED_ATTACHMENTS", true)?,
            download_link_ttl: Duration::from_secs(link_ttl),
            upload_retention: Duration::from_secs(retention),
            upload_sweep_interval: Duration::from_secs(sweep),
            drain: Duration::from_secs(drain),
            upload_quota,
            upload_rate,
        })
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
        load_or_create_secret(&self.data_dir.join("jwt-secret"))
    }
}

fn load_or_create_secret(path: &Path) -> anyhow::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(s) if s.trim().len() >= MIN_SECRET_LEN => return Ok(s.trim().to_owned()),
        Ok(_) => bail!(
            "{} holds a secret shorter than {MIN_SECRET_LEN} characters",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
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
mod tests {
    use super::*;

    #[test]
    fn a_generated_secret_is_kept_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("jwt-secret");
        let first = load_or_create_secret(&path).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(load_or_create_secret(&path).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn a_short_configured_secret_is_refused() {
        let config = Config {
            bind: String::new(),
            database_url: String::new(),
            data_dir: PathBuf::from("unused"),
            jwt_secret: Some("short".into()),
            pool_size: 1,
            acquire_timeout: Duration::from_secs(1),
            statement_timeout: Duration::from_secs(1),
            json_limit: 1,
            workers: None,
            client_timeout: Duration::from_secs(1),
            user_rate: (0, 0),
            anonymous_rate: (0, 0),
            storage_url: None,
            upload_max_file: 1,
            upload_max_request: 1,
            require_uploaded: true,
            download_link_ttl: Duration::from_secs(1),
            upload_retention: Duration::from_secs(1),
            upload_sweep_interval: Duration::from_secs(1),
            drain: Duration::ZERO,
            upload_quota: 1024,
            upload_rate: 0,
        };
        assert!(config.jwt_secret().is_err());
    }
}

//! `ticketd`: the support-ticket server.

mod config;
mod seed;

use std::sync::Arc;

use anyhow::Context;
use clap::error::ErrorKind;
use clap::{Parser, Subcommand};
use ticketd_app::{AttachmentPolicy, StoragePorts, SupportDesk, WebhookPolicy};
use ticketd_domain::{Actor, UserId, UserType};
use ticketd_files::ObjectFiles;
use ticketd_http_actix::webhooks::{DeliverySettings, WebhookWorker};
use ticketd_http_actix::{
    ClientSocket, EnvelopedStream, HttpSettings, HttpShared, JwtKeys, RateLimit, build_app,
    current_request_id,
};
use ticketd_ports::SystemClock;
use ticketd_store_diesel::{Store, StoreOptions};

use crate::config::Config;

/// The support-ticket server. Configured through the environment (or the
/// flags of the same meaning): every setting is listed below, with its
/// default.
#[derive(Parser)]
#[command(name = "ticketd", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Print a signed token for a user.
    Token {
        /// The user's id (the token's `sub`).
        #[arg(long)]
        sub: String,
        /// customer, agent or admin.
        #[arg(long = "user-type")]
        user_type: String,
        /// How long the token is valid, in seconds.
        #[arg(long, default_value_t = 3600)]
        ttl: u64,
        /// A display name (the `name` claim).
        #[arg(long)]
        name: Option<String>,
    },
    /// Fill the database with generated tickets (for benchmarks and demos):
    /// 1,000 customers, 50 agents, 20 categories of 3 sub-categories, one
    /// message and two or three log entries a ticket. Tickets already there
    /// count towards the number asked for.
    Seed {
        /// How many tickets the database should hold.
        #[arg(long)]
        tickets: u64,
        /// Tickets per transaction.
        #[arg(long, default_value_t = 5_000)]
        batch: usize,
        /// The random seed: the same seed makes the same tickets.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

fn open_store(config: &Config) -> anyhow::Result<Store> {
    let options = StoreOptions {
        pool_size: config.pool_size(),
        acquire_timeout: config.acquire_timeout(),
        statement_timeout: config.statement_timeout(),
        ..StoreOptions::default()
    };
    Store::open(&config.database_url(), &options).context("opening the database")
}

fn open_files(config: &Config) -> anyhow::Result<ObjectFiles> {
    match &config.storage_url {
        Some(url) => ObjectFiles::open(url, config.storage_options()),
        None => ObjectFiles::local(&config.data_dir.join("uploads")),
    }
    .context("opening the file storage (TICKETD_STORAGE_URL)")
}

/// Removes uploads never attached, at start and then every `interval`.
async fn sweep_uploads(desk: SupportDesk, interval: std::time::Duration) {
    loop {
        match desk.sweep_uploads().await {
            Ok(report) if report.uploads + report.orphan_files > 0 => log::info!(
                "swept {} unattached uploads and {} files no upload names",
                report.uploads,
                report.orphan_files
            ),
            Ok(_) => {}
            Err(e) => log::warn!("sweeping unattached uploads failed (retrying later): {e}"),
        }
        actix_web::rt::time::sleep(interval).await;
    }
}

/// Forgets events older than `retention`, at start and then hourly.
async fn forget_old_events(desk: SupportDesk, retention: chrono::Duration) {
    loop {
        match desk.forget_old_events(retention).await {
            Ok(0) => {}
            Ok(n) => log::info!("forgot {n} events past their retention"),
            Err(e) => log::warn!("forgetting old events failed (retrying later): {e}"),
        }
        actix_web::rt::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}

/// Marks service-level breaches as their due times pass, every `interval`.
async fn settle_sla(desk: SupportDesk, interval: std::time::Duration) {
    let mut failing = false;
    loop {
        match desk.settle_sla().await {
            Ok(_) => failing = false,
            // Once per outage: the sweep runs every few seconds.
            Err(e) if !failing => {
                failing = true;
                log::warn!("marking service-level breaches failed (retrying): {e}");
            }
            Err(_) => {}
        }
        actix_web::rt::time::sleep(interval).await;
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let mut keys = JwtKeys::new(config.jwt_secret()?.as_bytes());
    if let Some(provider) = config.identity.provider()? {
        log::info!(
            "accepting tokens of {} (keys at {}) beside the secret's",
            provider.issuer,
            provider.jwks_url
        );
        keys = keys.with_provider(provider)?;
        keys.fetch_provider_keys().await;
    }
    let store = {
        let config = config.clone();
        actix_web::rt::task::spawn_blocking(move || open_store(&config))
            .await
            .context("opening the database")??
    };
    log::info!("using {}", store.describe());
    let store = Arc::new(store);
    let files = open_files(&config)?;
    log::info!("keeping uploaded files in {}", files.describe());
    let policy = AttachmentPolicy {
        max_file_bytes: config.upload_max_file_bytes,
        max_request_bytes: config.upload_max_request_bytes,
        require_uploaded: config.require_uploaded_attachments,
        retention: chrono::Duration::from_std(config.upload_retention())
            .context("TICKETD_UPLOAD_RETENTION_SECS is too large")?,
        max_unattached_bytes: config.upload_quota_bytes,
        ..AttachmentPolicy::default()
    };
    let desk = SupportDesk::new(
        StoragePorts::of(store.clone()),
        Arc::new(files),
        Arc::new(SystemClock),
    )
    .with_attachment_policy(policy)
    .with_webhook_policy(WebhookPolicy {
        allow_http: config.webhook_allow_http,
    })
    .with_sla_for_customers(config.sla_shown_to_customers);
    actix_web::rt::spawn(sweep_uploads(desk.clone(), config.upload_sweep_interval()));
    actix_web::rt::spawn(forget_old_events(desk.clone(), config.event_retention()));
    let sla_sweep = std::time::Duration::from_secs(config.sla_sweep_secs);
    actix_web::rt::spawn(settle_sla(desk.clone(), sla_sweep));
    let deliveries = DeliverySettings {
        timeout: std::time::Duration::from_secs(config.webhook_timeout_secs),
        allow_private: config.webhook_allow_private,
        ..DeliverySettings::default()
    };
    let worker = WebhookWorker::new(desk.clone(), deliveries)
        .context("building the webhook delivery client")?;
    actix_web::rt::spawn(worker.run());
    let rate = |per_minute, burst| RateLimit { per_minute, burst };
    let settings = HttpSettings {
        json_limit: config.json_limit(),
        user_rate: rate(config.rate_limit_per_minute, config.rate_limit_burst),
        anonymous_rate: rate(
            config.anon_rate_limit_per_minute,
            config.anon_rate_limit_burst,
        ),
        body_timeout: config.client_timeout(),
        download_link_ttl: config.download_link_ttl(),
        upload_bytes_per_minute: config.upload_rate_bytes_per_minute,
        crash_after_kept_answer: config.test_crash_at.as_deref() == Some("after-idempotent-write"),
        cors: config.cors_origins.clone().unwrap_or_default(),
        webhook_allow_private: config.webhook_allow_private,
        ..HttpSettings::default()
    };
    // Listen for SIGTERM/SIGINT before the port opens, so that a signal arriving
    // during start-up is not lost and always means a graceful stop.
    let stop_signal = stop_signal()?;
    let shared = HttpShared::new(&settings);
    let draining = shared.draining.clone();
    // A client that takes none of its answers for as long as a client may take
    // to send a request is let go.
    let stall_after = config.client_timeout();
    // actix-web's HttpServer, assembled by hand so that each connection can
    // be wrapped: the answers actix-http writes itself (400 for bytes that are
    // not HTTP, 431 for oversized headers) then get the JSON envelope too.
    // A listening socket handed over by the caller (systemd socket
    // activation: LISTEN_FDS) is used as it is; else ticketd binds its own.
    let inherited = listenfd::ListenFd::from_env()
        .take_tcp_listener(0)
        .context("taking the listening socket handed over in LISTEN_FDS")?;
    let listener = match inherited {
        Some(listener) => listener,
        None => std::net::TcpListener::bind(&config.bind)
            .with_context(|| format!("binding {}", config.bind))?,
    };
    let addr = listener.local_addr().context("reading the bound address")?;
    log::info!("serving on http://{addr} (Swagger UI at http://{addr}/swagger-ui/)");
    let mut builder = actix_server::Server::build().disable_signals();
    if let Some(workers) = config.workers() {
        builder = builder.workers(workers);
    }
    let shutdown = builder.graceful_shutdown_signal();
    let client_timeout = config.client_timeout();
    let server = builder
        .listen("ticketd", listener, move || {
            use actix_service::{ServiceFactoryExt as _, fn_service, map_config};
            use actix_web::dev::AppConfig;
            let app = build_app(desk.clone(), keys.clone(), settings.clone(), shared.clone());
            let app = actix_service::IntoServiceFactory::into_factory(app)
                .map_err(|err: actix_web::Error| err.error_response());
            let shutdown = shutdown.clone();
            let http = actix_http::HttpService::build()
                .client_request_timeout(client_timeout)
                .local_addr(addr)
                .graceful_shutdown_signal(move || {
                    let signal = shutdown.clone();
                    async move { signal.notified().await }
                })
                .on_connect_ext(
                    move |io: &EnvelopedStream<actix_web::rt::net::TcpStream>, data| {
                        watch_client(io.get_ref(), data, stall_after)
                    },
                )
                .h1(map_config(app, |_| AppConfig::default()));
            fn_service(|io: actix_web::rt::net::TcpStream| async move {
                let peer = io.peer_addr().ok();
                Ok::<_, actix_http::error::DispatchError>((EnvelopedStream::new(io), peer))
            })
            .and_then(http)
        })
        .with_context(|| format!("serving on {addr}"))?;
    let server = server.run();
    let handle = server.handle();
    let drain = config.drain();
    actix_web::rt::spawn(async move {
        stop_signal.await;
        // Readiness fails at once, so that load balancers take this instance
        // out; it keeps serving meanwhile, then stops accepting connections
        // and finishes the requests in flight.
        draining.start();
        if !drain.is_zero() {
            log::info!("stopping: draining for {drain:?} (/ready answers 503)");
            actix_web::rt::time::sleep(drain).await;
        }
        log::info!("stopping: finishing the requests in flight");
        handle.stop(true).await;
    });
    server.await.context("serving")?;
    log::info!("stopped");
    Ok(())
}

/// Keeps a second handle on each connection's socket, so that a request can
/// tell that its client left, and closes the connection when its client takes
/// none of the answers for `stall` (see `ClientSocket`).
fn watch_client(
    socket: &actix_web::rt::net::TcpStream,
    data: &mut actix_web::dev::Extensions,
    stall: std::time::Duration,
) {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Ok(fd) = socket.as_fd().try_clone_to_owned() {
            let client = ClientSocket::new(std::net::TcpStream::from(fd));
            actix_web::rt::spawn(client.close_when_writes_stall(stall));
            data.insert(client);
        }
    }
    #[cfg(not(unix))]
    let _ = (socket, data, stall);
}

/// Resolves on the first SIGTERM or SIGINT (Ctrl-C).
#[cfg(unix)]
fn stop_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("listening for SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
fn stop_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

fn token(
    config: &Config,
    sub: String,
    user_type: &str,
    ttl: u64,
    name: Option<&str>,
) -> anyhow::Result<()> {
    let id = UserId::parse(sub).map_err(|e| anyhow::anyhow!("--sub {e}"))?;
    let user_type = UserType::parse(user_type).map_err(|e| anyhow::anyhow!("--user-type {e}"))?;
    let (secret, source) = config.existing_jwt_secret()?;
    let keys = JwtKeys::new(secret.as_bytes());
    let token = keys.issue(&Actor::new(id, user_type), name, ttl)?;
    eprintln!("signed with the secret from {source}");
    println!("{token}");
    Ok(())
}

/// env_logger, with the id of the request being served on every line logged
/// while serving it.
fn init_logging() {
    use std::io::Write;
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format(|buf, record| {
            let ts = buf.timestamp_seconds();
            let (level, target) = (record.level(), record.target());
            let args = one_line(record.args());
            // Database work runs on blocking threads: the store carries the
            // request's id there. The access-log line writes the id itself
            // (it is logged once the body is sent, after the request's task).
            let id = current_request_id().or_else(ticketd_store_diesel::log_context);
            match id {
                Some(id) if !is_access_line(record) => {
                    writeln!(buf, "[{ts} {level} {target}] request_id={id} {args}")
                }
                _ => writeln!(buf, "[{ts} {level} {target}] {args}"),
            }
        })
        .init();
}

/// A message as one line: a database's multi-line error (libpq's hints) or a
/// newline from elsewhere would split a log line and the id from its text.
fn one_line(args: &std::fmt::Arguments<'_>) -> String {
    let text = args.to_string();
    if !text.contains(['\n', '\r']) {
        return text;
    }
    text.split(['\n', '\r'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The access log's line for a request, which starts with its id already.
fn is_access_line(record: &log::Record<'_>) -> bool {
    record.level() == log::Level::Info && record.target() == "actix_web::middleware::logger"
}

/// Files and folders the server creates (the SQLite database with its WAL,
/// uploads, the secret) are its user's alone: owner read and write, no
/// access for group or others, whatever the umask it was started with.
fn keep_created_files_private() {
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

fn main() -> anyhow::Result<()> {
    keep_created_files_private();
    init_logging();
    ticketd_store_diesel::carry_log_context(current_request_id);
    let cli = match config::parse_command_line::<Cli>() {
        Ok(cli) => cli,
        // A setting that is not a valid value stops the start as any other
        // failure to start does (exit status 1), naming the setting.
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::InvalidValue | ErrorKind::ValueValidation
            ) =>
        {
            let _ = e.print();
            std::process::exit(1);
        }
        Err(e) => e.exit(),
    };
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => actix_web::rt::System::new().block_on(serve(config)),
        Command::Migrate => {
            let store = open_store(&config)?;
            log::info!("{} is up to date", store.describe());
            Ok(())
        }
        Command::Token {
            sub,
            user_type,
            ttl,
            name,
        } => token(&config, sub, &user_type, ttl, name.as_deref()),
        Command::Seed {
            tickets,
            batch,
            seed,
        } => actix_web::rt::System::new().block_on(async {
            let store = open_store(&config)?;
            seed::seed(&store, tickets, batch, seed).await
        }),
    }
}

//! Start-up and shut-down: the data folder, the database, the admin and the
//! house bots, the listener, the ladder, and a graceful stop on SIGINT or
//! SIGTERM.
//!
//! The first line on stdout is `listening on http://ADDR`, printed once the
//! server answers requests (tests and scripts read the port from it); logs
//! go to stderr.

use crate::app::{self, AppState, Db, State};
use crate::config::ServerConfig;
use crate::{api, conn, db, listener, seed, storage};
use lockstep_sim::sandbox::Sandbox;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// How long a stop waits, in all, for requests in flight and then the
/// ladder's workers before the process exits anyway. A match cut short is
/// played again after the next start.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// Options from the command line.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Give the admin a new token (written to `admin_token_file`).
    pub new_admin_token: bool,
    /// Stop, as on SIGTERM, when stdin reaches its end: a test harness that
    /// holds the other end of a pipe never leaves a server behind, even if
    /// it dies without cleaning up.
    pub stop_on_stdin_eof: bool,
    /// A ladder worker (`lockstep-server worker`): no HTTP, no admin or
    /// house bots to seed; it plays the shared queue's matches.
    pub worker: bool,
}

/// Runs the server until SIGINT or SIGTERM. An error is a message for the
/// operator (the process exits 1).
pub fn run(config: ServerConfig, options: Options) -> Result<(), String> {
    init_logging();
    let state = open(config, options)?;
    let limits = listener::fit_open_files(&state.config)?;
    let listener = std::net::TcpListener::bind(state.config.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", state.config.listen))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("cannot listen on {}: {e}", state.config.listen))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("lockstep-server")
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let deadline = OnceLock::new();
    let result = runtime.block_on(serve(state, listener, address, limits, options, &deadline));
    // What is left of the grace after the requests: for the workers.
    let left = deadline
        .get()
        .map_or(STOP_GRACE, |d| d.saturating_duration_since(Instant::now()));
    runtime.shutdown_timeout(left);
    tracing::info!("stopped");
    result
}

/// Everything before the listener: folders, database, settings, admin,
/// house bots. Public so that in-process tests can build the same state.
pub fn open(config: ServerConfig, options: Options) -> Result<State, String> {
    crate::ladder::lease::set_lease(config.worker_lease);
    let data_dir = &config.data_dir;
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("cannot create the data folder {}: {e}", data_dir.display()))?;
    storage::prepare_dir(&config.modules_dir())
        .map_err(|e| format!("cannot prepare {}: {e}", config.modules_dir().display()))?;
    std::fs::create_dir_all(config.replays_dir())
        .map_err(|e| format!("cannot create {}: {e}", config.replays_dir().display()))?;
    let conn = db::connect(&config)?;
    let game = config.game.name();
    let made_for = db::settings::folder_game(&conn, game)
        .map_err(|e| format!("cannot read the database: {e}"))?;
    if made_for != game {
        return Err(format!(
            "the data folder {} holds a ladder of {made_for:?}, and this config plays {game:?} \
             ([match] game): a server hosts one game, so give a ladder of {game:?} a data \
             folder of its own ([server] data_dir), or set [match] game = {made_for:?} \
             (docs/server.md, \"One game per server\")",
            data_dir.display()
        ));
    }
    let sandbox = Sandbox::new(config.settings.sandbox.clone())?;
    // An unusable folder was logged as a warning by `Sandbox::new`.
    if let Ok(dir) = sandbox.disk_cache() {
        let dir = dir.map_or("off".to_string(), |d| d.display().to_string());
        tracing::info!(%dir, "compiled-module cache");
    }
    let token_file = config.admin_token_file.clone();
    let state = Arc::new(AppState::new(config, Db::new(conn), Arc::new(sandbox)));
    api::admin::apply_stored(&state)?;
    if options.worker {
        tracing::info!(data = %state.config.data_dir.display(), "ladder worker ready");
        return Ok(state);
    }
    seed::ensure_admin(&state, &token_file, options.new_admin_token)?;
    let added = seed::seed_house_bots(&state)?;
    tracing::info!(
        data = %state.config.data_dir.display(),
        game = state.config.game.name(),
        house_versions_added = added,
        "data folder ready"
    );
    Ok(state)
}

async fn serve(
    state: State,
    listener: std::net::TcpListener,
    address: std::net::SocketAddr,
    limits: listener::Limits,
    options: Options,
    deadline: &OnceLock<Instant>,
) -> Result<(), String> {
    let listener = tokio::net::TcpListener::from_std(listener)
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    let router = app::router(state.clone());
    let stopping = state.shutdown.subscribe();
    // Our own accept loop, not `axum::serve`: caps on connections and
    // timeouts on each (`listener.rs`, `conn.rs`). Each request gets its
    // TCP peer as `ConnectInfo` (the registration limit counts per client
    // address: `api::players::PeerAddr`).
    let timeouts = conn::Timeouts::of(&state.config);
    let server = tokio::spawn(listener::serve(
        listener,
        router,
        limits,
        timeouts,
        state.metrics.connections.clone(),
        stopping,
    ));
    // Before the line that says the server is up: a SIGTERM right after it
    // stops the server gracefully rather than killing it.
    let stop = stop_signal();
    println!("listening on http://{address}");
    tracing::info!(%address, "listening");

    crate::ladder::start(state.clone());

    let stdin_closed = stdin_eof(options.stop_on_stdin_eof);
    tokio::select! {
        _ = stop => {}
        _ = stdin_closed => tracing::info!("stdin closed"),
    }
    tracing::info!("stopping: finishing requests in flight");
    let deadline = *deadline.get_or_init(|| Instant::now() + STOP_GRACE);
    state.shutdown.send_replace(true);
    state.ladder_wake.notify_waiters();
    match tokio::time::timeout_at(deadline.into(), server).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("the HTTP server failed: {e}")),
        Err(_) => {
            tracing::warn!("requests still in flight after {STOP_GRACE:?}; stopping anyway");
            Ok(())
        }
    }
}

/// Runs a ladder worker until SIGINT or SIGTERM: the ladder of a server
/// whose rows are in PostgreSQL, played from another process or host
/// (docs/scale-out.md). An error is a message for the operator.
pub fn run_worker(config: ServerConfig, mut options: Options) -> Result<(), String> {
    init_logging();
    if config.database == crate::config::Database::Sqlite {
        return Err(
            "a ladder worker shares the server's database, and this config has the \
             embedded SQLite file: set [server] database = \"postgres://…\" in the server's \
             config and give the worker the same config (docs/scale-out.md, \"The server on \
             PostgreSQL\")"
                .into(),
        );
    }
    options.worker = true;
    let state = open(config, options)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("lockstep-worker")
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let stop = stop_signal();
        crate::ladder::start(state.clone());
        println!("ladder worker {}", crate::ladder::lease::this_process());
        tokio::select! {
            _ = stop => {}
            _ = stdin_eof(options.stop_on_stdin_eof) => tracing::info!("stdin closed"),
        }
        tracing::info!("stopping: the matches being played finish or are played again");
        state.shutdown.send_replace(true);
        state.ladder_wake.notify_waiters();
    });
    runtime.shutdown_timeout(STOP_GRACE);
    tracing::info!("stopped");
    Ok(())
}

/// Resolves when stdin reaches its end, if `watch`; never otherwise.
async fn stdin_eof(watch: bool) {
    if !watch {
        return std::future::pending().await;
    }
    let (closed, on_close) = tokio::sync::oneshot::channel::<()>();
    let spawned = std::thread::Builder::new()
        .name("stdin-watch".into())
        .spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
            let _ = closed.send(());
        });
    match spawned {
        Ok(_) => {
            let _ = on_close.await;
        }
        Err(_) => std::future::pending().await,
    }
}

/// SIGINT (Ctrl-C) or SIGTERM. The handlers are installed by this call,
/// not when the future is first polled.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let handlers = signal(SignalKind::terminate()).and_then(|term| {
            let interrupt = signal(SignalKind::interrupt())?;
            Ok((term, interrupt))
        });
        async move {
            match handlers {
                Ok((mut term, mut interrupt)) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = interrupt.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Logs to stderr; `RUST_LOG` filters (default `info`).
fn init_logging() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

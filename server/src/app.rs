//! The shared state every handler and the ladder see, and the router that
//! puts the API, the web pages and the metrics together.

use crate::api::DocumentCache;
use crate::config::ServerConfig;
use crate::db::sql::Connection;
use crate::error::ApiError;
use axum::Router;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use lockstep_sim::sandbox::Sandbox;
use lockstep_sim::settings::Settings;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Instant;

/// One database connection behind a mutex, used from blocking threads: every
/// query of the process runs one at a time (so each must be answered through
/// an index, ARCHITECTURE.md), and WAL lets other processes (a backup) read
/// meanwhile (on PostgreSQL, other processes' connections take turns with
/// this one: `db::sql`). A closure that panicked mid-transaction poisons the
/// mutex; the next user takes the connection anyway, as the transaction
/// rolled back when it was dropped during the unwind.
#[derive(Clone)]
pub struct Db(Arc<Mutex<Connection>>);

impl Db {
    pub fn new(conn: Connection) -> Db {
        Db(Arc::new(Mutex::new(conn)))
    }

    /// Runs `f` on the connection on a blocking thread.
    pub async fn call<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let db = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut conn)
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Runs `f` on the connection on this thread (for the ladder's workers
    /// and start-up, which are already off the async runtime).
    pub fn blocking<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> Result<T, ApiError> {
        let mut conn = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(f(&mut conn))
    }
}

/// What every handler gets. Build it with [`AppState::new`].
pub struct AppState {
    pub config: ServerConfig,
    pub db: Db,
    /// Validates uploads and runs matches; its compiled-module cache is shared.
    pub sandbox: Arc<Sandbox>,
    /// `DATA/modules/<hash>.wasm`.
    pub modules_dir: PathBuf,
    /// `DATA/replays/<match id>.replay`.
    pub replays_dir: PathBuf,
    pub metrics: crate::metrics::Metrics,
    /// Wakes the ladder's scheduler (a challenge was queued, a bot uploaded).
    pub ladder_wake: Arc<tokio::sync::Notify>,
    /// The settings in force: `config.settings` with the admin's changes
    /// (`PUT /api/admin/settings`, kept in the database) laid over them.
    /// Read it with [`AppState::settings`] when a match is scheduled.
    pub live_settings: RwLock<Settings>,
    /// Becomes `true` when the server is stopping (SIGINT/SIGTERM): the
    /// ladder's workers stop taking matches. `shutdown.subscribe()` to wait.
    pub shutdown: tokio::sync::watch::Sender<bool>,
    /// Upload bodies being read and checked: `config.uploads_at_once`
    /// permits, each taken before a body is read and held until its bytes
    /// are dropped (see [`crate::api::upload_slot`]).
    pub upload_slots: tokio::sync::Semaphore,
    /// The replay viewer's documents built last (`/api/matches/{id}/viewer.json`).
    pub viewer_cache: DocumentCache,
    /// Pruned replays recorded again last (`/api/matches/{id}/replay`).
    pub recorded_again: DocumentCache,
    /// The ladder's shared state: paused on a full disk, the challenges'
    /// charges, the challenge scheduler's wake-up, pruned replays being
    /// recorded again (`crate::ladder::Shared`).
    pub ladder: crate::ladder::Shared,
}

impl AppState {
    /// The state for `config`, its folders taken from `config.data_dir`.
    pub fn new(config: ServerConfig, db: Db, sandbox: Arc<Sandbox>) -> AppState {
        AppState {
            live_settings: RwLock::new(config.settings.clone()),
            upload_slots: tokio::sync::Semaphore::new(config.uploads_at_once),
            viewer_cache: DocumentCache::new(DocumentCache::VIEWER_BUDGET),
            recorded_again: DocumentCache::new(DocumentCache::RECORDED_AGAIN_BUDGET),
            ladder: crate::ladder::Shared::new(&config),
            modules_dir: config.modules_dir(),
            replays_dir: config.replays_dir(),
            config,
            db,
            sandbox,
            metrics: crate::metrics::Metrics::default(),
            ladder_wake: Arc::new(tokio::sync::Notify::new()),
            shutdown: tokio::sync::watch::Sender::new(false),
        }
    }

    /// The settings in force now (budgets, tick limit...): what a match
    /// scheduled now is played with.
    pub fn settings(&self) -> Settings {
        self.live_settings
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Whether the server is stopping.
    pub fn is_shutting_down(&self) -> bool {
        *self.shutdown.borrow()
    }
}

pub type State = Arc<AppState>;

/// The whole HTTP surface, every response counted and logged. Every write
/// passes the same-origin rule first (`guards::same_origin`), and every
/// response, whatever made it, gets [`nosniff`]'s header.
pub fn router(state: State) -> Router {
    Router::new()
        .merge(crate::api::router())
        .merge(crate::web::router())
        .merge(crate::metrics::router())
        .layer(axum::middleware::from_fn(crate::guards::same_origin))
        // Every request answered within `[server] request_timeout_secs`
        // (uploads: `upload_timeout_secs` more), else 408 or 503: `conn.rs`.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::conn::request_deadline,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::track,
        ))
        .layer(axum::middleware::from_fn(log_request))
        .layer(axum::middleware::map_response(nosniff))
        .with_state(state)
}

/// `X-Content-Type-Options: nosniff` on every response (JSON, pages, files,
/// errors): a browser takes each as the type it is declared, never sniffs
/// a bot-chosen name or log line in a JSON answer, or a module download,
/// into HTML or a script.
async fn nosniff(mut response: Response) -> Response {
    response.headers_mut().insert(
        axum::http::header::X_CONTENT_TYPE_OPTIONS,
        axum::http::HeaderValue::from_static("nosniff"),
    );
    response
}

/// One structured log line per request: method, path, status, latency; and
/// a `request` span around the handler, so that what it logs (an internal
/// error's detail) names the request.
async fn log_request(request: Request, next: Next) -> Response {
    use tracing::Instrument;
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let span = tracing::info_span!("request", %method, %path);
    let response = next.run(request).instrument(span).await;
    let status = response.status().as_u16();
    let micros = started.elapsed().as_micros() as u64;
    if status >= 500 {
        tracing::warn!(%method, %path, status, micros, "request");
    } else {
        tracing::info!(%method, %path, status, micros, "request");
    }
    response
}

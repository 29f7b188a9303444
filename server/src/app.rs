//! The shared state every handler and the ladder see, and the router that
//! puts the API, the web pages and the metrics together.

use crate::config::ServerConfig;
use crate::error::ApiError;
use axum::Router;
use lockstep_sim::sandbox::Sandbox;
use rusqlite::Connection;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// One database connection behind a mutex, used from blocking threads:
/// SQLite serialises writers anyway, and WAL lets the file be read meanwhile.
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
            let mut conn = db
                .lock()
                .map_err(|_| ApiError::internal("database lock poisoned"))?;
            f(&mut conn)
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Runs `f` on the connection on this thread (for the ladder's workers
    /// and start-up, which are already off the async runtime).
    pub fn blocking<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> Result<T, ApiError> {
        let mut conn = self
            .0
            .lock()
            .map_err(|_| ApiError::internal("database lock poisoned"))?;
        Ok(f(&mut conn))
    }
}

/// What every handler gets.
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
}

pub type State = Arc<AppState>;

/// The whole HTTP surface.
pub fn router(state: State) -> Router {
    Router::new()
        .merge(crate::api::router())
        .merge(crate::web::router())
        .merge(crate::metrics::router())
        .with_state(state)
}

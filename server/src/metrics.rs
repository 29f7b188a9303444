//! `/metrics`: Prometheus text exposition of what the server has done.

use crate::app::State;
use axum::Router;

/// Counters and histograms, updated by the ladder's workers and the API.
#[derive(Default)]
pub struct Metrics {}

pub fn router() -> Router<State> {
    Router::new()
}

//! The JSON API under `/api` (documented in docs/api.md).

use crate::app::State;
use axum::Router;

pub fn router() -> Router<State> {
    Router::new()
}

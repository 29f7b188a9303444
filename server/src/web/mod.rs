//! The web pages (server-rendered HTML) and the viewer's static files.

use crate::app::State;
use axum::Router;

pub fn router() -> Router<State> {
    Router::new()
}

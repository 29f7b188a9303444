//! The JSON API under `/api` (documented in docs/api.md).
//!
//! Every error, ours or axum's own (a wrong method, a malformed path), is the
//! JSON shape of `error.rs`; an unknown path under `/api` is a JSON 404.
//!
//! Here too: how upload bodies are read, by the API and the web form alike
//! ([`upload_slot`], [`BodyReader`]): a few at a time, under a cap and a
//! deadline, so that memory for bodies stays under `[server]
//! uploads_at_once` times the largest body.

pub mod admin;
pub mod bot_upload;
pub mod bots;
pub mod game;
pub mod players;
mod quota;

mod matches;
pub mod openapi;
pub(crate) mod replays;

pub use replays::DocumentCache;
mod upload;
pub mod versions;

pub use upload::{BodyReader, FORM_SLACK, duplicate_part, refuse_declared, too_large, upload_slot};

use crate::app::State;
use crate::error::{ApiError, error_body};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use serde::de::DeserializeOwned;

pub fn router() -> Router<State> {
    Router::new()
        .route("/api/players", post(players::register))
        .route("/api/players/{name}", get(players::show))
        .route("/api/me", get(players::me))
        .route(
            "/api/bots",
            get(bots::list)
                .post(bot_upload::upload_form)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/bots/{bot}",
            get(bots::show)
                .post(bot_upload::upload)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/bots/{bot}/versions/{version}/module",
            get(versions::download),
        )
        .route(
            "/api/bots/{bot}/versions/{version}",
            axum::routing::delete(versions::delete),
        )
        .route("/api/bots/{bot}/retire", post(bots::retire))
        .route("/api/bots/{bot}/activate", post(bots::activate))
        .route("/api/modules/{hash}", get(versions::module_by_hash))
        .route("/api/leaderboard", get(bots::leaderboard))
        .route("/api/game", get(game::show))
        .route("/api/openapi.json", get(openapi::document))
        .route(
            "/api/admin/settings",
            get(admin::show_settings).put(admin::change_settings),
        )
        // Other parts of the API merge their routers here.
        .merge(matches::router())
        // Bodies are JSON (uploads excepted): 415 otherwise. On the routes
        // above only, so that an unknown endpoint is still a 404.
        .route_layer(axum::middleware::from_fn(crate::guards::json_bodies))
        .route("/api/{*rest}", any(unknown_endpoint))
        .layer(axum::middleware::from_fn(json_errors))
}

async fn unknown_endpoint(request: Request) -> ApiError {
    ApiError::NotFound(format!(
        "no API endpoint {} {} (see docs/api.md)",
        request.method(),
        request.uri().path()
    ))
}

/// Rewrites any error response that is not JSON yet (axum's rejections: a
/// 405, a path that does not parse) into the API's error shape.
async fn json_errors(request: Request, next: Next) -> Response {
    crate::error::rewrite_rejections(request, next, "application/json", |status, message| {
        (status, axum::Json(error_body(status, message))).into_response()
    })
    .await
}

/// A JSON request body, or a 400 that says what is wrong with it.
pub fn parse_json<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::BadRequest(format!("the request body is not the JSON expected: {e}"))
    })
}

/// Player and bot names: 3 to 32 characters, each `a-z`, `0-9`, `_` or `-`.
/// A bot's name also starts with a letter, so that it is never taken for a
/// bot id in `/api/bots/{bot}`.
pub fn check_name(what: &str, name: &str, letter_first: bool) -> Result<(), ApiError> {
    let chars_ok = name
        .bytes()
        .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-'));
    let first_ok = !letter_first || name.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
    if (3..=32).contains(&name.len()) && chars_ok && first_ok {
        return Ok(());
    }
    let first = if letter_first {
        ", the first a letter"
    } else {
        ""
    };
    Err(ApiError::BadRequest(format!(
        "{what} {name:?} is not allowed: use 3 to 32 characters, each a-z, 0-9, '_' or '-'{first}"
    )))
}

/// A `Content-Type` header value known to be valid.
pub(crate) fn content_type(value: &'static str) -> (header::HeaderName, HeaderValue) {
    (header::CONTENT_TYPE, HeaderValue::from_static(value))
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn names() {
        for ok in ["ann", "bot_2", "a-b", &"x".repeat(32)] {
            assert!(check_name("name", ok, true).is_ok(), "{ok}");
        }
        for bad in ["ab", "Ann", "a b", "é12", &"x".repeat(33), ""] {
            assert!(check_name("name", bad, false).is_err(), "{bad}");
        }
        assert!(check_name("player name", "123", false).is_ok());
        let e = check_name("bot name", "123", true).unwrap_err().to_string();
        assert_eq!(
            e,
            "bot name \"123\" is not allowed: use 3 to 32 characters, each a-z, 0-9, '_' or '-', \
             the first a letter"
        );
    }
}

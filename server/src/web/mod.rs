//! The web pages: server-rendered HTML in one shared layout, no front-end
//! build, nothing fetched from elsewhere. The pages read the database
//! through `db/`'s functions and a few read-only queries of their own
//! (`queries.rs`); uploads and registration run the API's own code
//! (`backend.rs`), so a form and `curl` get the same checks and messages.
//!
//! - `/` leaderboard, `/players/{name}`, `/bots/{id}` (`pages.rs`)
//! - `/matches`, `/matches/{id}` with the replay viewer (`matches.rs`)
//! - `/upload`, `/register` (`forms.rs`)
//! - `/static/site.css`, `/viewer/*` (the viewer of `assets/viewer/`,
//!   embedded; `assets.rs`)

mod assets;
mod backend;
mod forms;
pub mod html;
mod matches;
mod pages;
mod queries;
#[cfg(test)]
mod tests;

use crate::app::State;
use crate::db::sql::Connection;
use crate::error::ApiError;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The Content-Security-Policy of every page and viewer file: scripts and
/// frames from this server only, no inline script, nothing from elsewhere.
/// (Inline styles are allowed: the fuel bars' widths and the viewer's charts.)
pub(crate) const CSP: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

pub fn router() -> Router<State> {
    Router::new()
        .route("/", get(pages::leaderboard))
        .route("/players/{name}", get(pages::player))
        .route("/bots/{id}", get(pages::bot))
        .route("/matches", get(matches::list))
        .route("/matches/{id}", get(matches::show))
        .route(
            "/upload",
            get(forms::upload_form)
                .post(forms::upload)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/register", get(forms::register_form).post(forms::register))
        .route("/static/{file}", get(assets::site_file))
        .route("/viewer/{file}", get(assets::viewer_file))
        .route("/viewer/games/{file}", get(assets::viewer_game_file))
        .route("/viewer", get(assets::viewer_index))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(html_errors))
}

/// Rewrites any error response that is not a page yet (axum's rejections:
/// a query or form that does not parse, a 405) into an error page.
async fn html_errors(request: Request, next: Next) -> Response {
    crate::error::rewrite_rejections(request, next, "text/html", |status, message| {
        html::error_page(status, message).into_response()
    })
    .await
}

/// An id in a page's path; anything else is a 404 page.
fn parse_id(what: &str, text: &str) -> Result<i64, WebError> {
    text.parse()
        .map_err(|_| WebError::not_found(format!("no {what} with id {text:?}")))
}

/// Runs a read-only query on the database's blocking thread.
async fn fetch<T, F>(state: &State, f: F) -> Result<T, WebError>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
{
    state.db.call(move |conn| f(conn)).await.map_err(WebError)
}

/// A page that could not be shown: rendered as an HTML error page with the
/// API error's status (a 500's detail is logged, not shown).
#[derive(Debug)]
pub struct WebError(ApiError);

impl WebError {
    fn not_found(message: impl Into<String>) -> WebError {
        WebError(ApiError::NotFound(message.into()))
    }
}

impl From<ApiError> for WebError {
    fn from(e: ApiError) -> Self {
        WebError(e)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, _) = self.0.status();
        let message = match &self.0 {
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error in a web page");
                "Something went wrong on our side; it has been logged.".to_string()
            }
            other => other.to_string(),
        };
        html::error_page(status, &message).into_response()
    }
}

/// Any other path: a 404 page (unknown paths under `/api` are the API's
/// own JSON 404s).
async fn not_found(uri: axum::http::Uri) -> Response {
    html::error_page(
        StatusCode::NOT_FOUND,
        &format!("There is no page at {}.", uri.path()),
    )
    .into_response()
}

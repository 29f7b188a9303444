//! The whole-request deadline: [`request_deadline`], a middleware around
//! every route (`app.rs`), the part of a connection's timeouts (`conn.rs`)
//! that answers.

use crate::app::State;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State as AxumState};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper::body::{Frame, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

/// The `Retry-After` of a 503 for a request the server was too slow to answer.
const SLOW_RETRY_SECS: u64 = 5;

/// The whole-request deadline, a middleware around every route: a request
/// must be answered within `request_timeout_secs` of its head (uploads:
/// `upload_timeout_secs` more, for their body). Past it the handler is
/// dropped (work it handed to a blocking thread finishes there) and the
/// client gets a 408 if its body had not all arrived, else a 503 with
/// `Retry-After`; JSON under `/api`, a page elsewhere; `Connection: close`.
pub async fn request_deadline(
    AxumState(state): AxumState<State>,
    request: Request,
    next: Next,
) -> Response {
    let connections = &state.config.connections;
    let path = request.uri().path();
    let upload = is_upload(request.method(), path);
    let api = path == "/api" || path.starts_with("/api/");
    let mut limit = connections.request_timeout_secs;
    if upload {
        limit += state.config.upload_timeout_secs;
    }
    let arrived = Arc::new(AtomicBool::new(false));
    let request = request.map(|body| {
        arrived.store(body.is_end_stream(), Ordering::Relaxed);
        Body::new(Arriving {
            body,
            arrived: arrived.clone(),
        })
    });
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    match tokio::time::timeout(Duration::from_secs(limit), next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let keys = if upload {
                "[server] request_timeout_secs + upload_timeout_secs"
            } else {
                "[server] request_timeout_secs"
            };
            let body_arrived = arrived.load(Ordering::Relaxed);
            tracing::warn!(%method, %path, limit, body_arrived, "request timed out");
            let error = if body_arrived {
                crate::error::ApiError::Busy {
                    message: format!(
                        "the server did not answer within {limit} s ({keys}): it is busy; try \
                         again in a moment (if the request was to change something, check \
                         whether it was done first)"
                    ),
                    retry_after: Some(SLOW_RETRY_SECS),
                }
            } else {
                crate::error::ApiError::Timeout(format!(
                    "the request's body did not arrive within {limit} s of its headers \
                     ({keys}); the connection is closed"
                ))
            };
            let mut response = if api {
                error.into_response()
            } else {
                let (status, _) = error.status();
                let mut page =
                    crate::web::html::error_page(status, &error.to_string()).into_response();
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    page.headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(SLOW_RETRY_SECS));
                }
                page
            };
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
    }
}

/// The upload routes, whose body has its own deadline: `POST /api/bots`,
/// `POST /api/bots/{bot}` and the form's `POST /upload`.
fn is_upload(method: &Method, path: &str) -> bool {
    method == Method::POST
        && (path == "/api/bots"
            || path == "/upload"
            || path
                .strip_prefix("/api/bots/")
                .is_some_and(|bot| !bot.is_empty() && !bot.contains('/')))
}

/// A request body that says when it has all arrived.
struct Arriving {
    body: Body,
    arrived: Arc<AtomicBool>,
}

impl HttpBody for Arriving {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.body).poll_frame(cx);
        if matches!(result, Poll::Ready(None)) || this.body.is_end_stream() {
            this.arrived.store(true, Ordering::Relaxed);
        }
        result
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_routes() {
        for (method, path, upload) in [
            (Method::POST, "/api/bots", true),
            (Method::POST, "/api/bots/rusher", true),
            (Method::POST, "/upload", true),
            (Method::GET, "/api/bots/rusher", false),
            (Method::POST, "/api/bots/rusher/retire", false),
            (Method::POST, "/api/bots/", false),
            (Method::POST, "/api/players", false),
        ] {
            assert_eq!(is_upload(&method, path), upload, "{method} {path}");
        }
    }
}

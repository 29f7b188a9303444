//! API errors: one JSON shape, `{"error": {"status": 403, "code": "forbidden",
//! "message": "..."}}`, with the HTTP status that says what kind of mistake it is.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed or a value is out of range.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no token, or an unknown one.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the token is valid but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// 403: a write sent by a page of another site (`guards::same_origin`):
    /// a form post or a simple request a browser makes without asking.
    #[error("{0}")]
    CrossSite(String),
    /// 404: no such player, bot or match.
    #[error("{0}")]
    NotFound(String),
    /// 409: it exists already (a player name).
    #[error("{0}")]
    Conflict(String),
    /// 409: a storage quota would be exceeded (`[server] bytes_per_player`);
    /// the message names the quota, its value and what to do.
    #[error("{0}")]
    QuotaExceeded(String),
    /// 410: it existed and was deleted for good (a replay the retention
    /// rule pruned; the match itself is still there).
    #[error("{0}")]
    Gone(String),
    /// 408: the request's body did not arrive in time (an upload slower
    /// than `[server] upload_timeout_secs`).
    #[error("{0}")]
    Timeout(String),
    /// 413: the body is larger than allowed (the message names what: the
    /// module, or a form's other fields).
    #[error("{0}")]
    TooLarge(String),
    /// 415: a body of the wrong type (a JSON endpoint's body sent without
    /// `Content-Type: application/json`).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: a module that the validator refused; `problems` are its findings,
    /// verbatim, as `lockstep check --json` prints them.
    #[error("{message}")]
    Refused {
        message: String,
        problems: serde_json::Value,
    },
    /// 429: too many of something for now (new players from one address);
    /// `retry_after` is the wait in seconds, sent as `Retry-After`.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after: Option<u64>,
    },
    /// 503: the server is busy for now (every upload slot taken);
    /// `retry_after` is the wait in seconds, sent as `Retry-After`.
    #[error("{message}")]
    Busy {
        message: String,
        retry_after: Option<u64>,
    },
    /// 507: the server's disk has no room for it (full, or the room uploads
    /// leave free, `[server] disk_reserve_bytes`); nothing was stored.
    #[error("{0}")]
    InsufficientStorage(String),
    /// 503: the server's storage fails (an I/O error, a read-only file
    /// system); nothing was stored.
    #[error("{0}")]
    StorageUnavailable(String),
    /// 500: our fault; the message is logged, the client gets a generic one.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(e.to_string())
    }

    /// The HTTP status and the `code` of the JSON body.
    pub(crate) fn status(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::CrossSite(_) => (StatusCode::FORBIDDEN, "cross_site"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::QuotaExceeded(_) => (StatusCode::CONFLICT, "quota_exceeded"),
            ApiError::Gone(_) => (StatusCode::GONE, "gone"),
            ApiError::Timeout(_) => (StatusCode::REQUEST_TIMEOUT, "timeout"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::Refused { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "module_refused"),
            ApiError::TooManyRequests { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, "too_many_requests")
            }
            ApiError::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            ApiError::InsufficientStorage(_) => {
                (StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage")
            }
            ApiError::StorageUnavailable(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable")
            }
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

/// The body of every API error (4xx and 5xx), from any endpoint:
/// `{"error": {"code", "message", "status"}}`, plus `problems` for a
/// refused module (422).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong (fields in the order serde_json always wrote them).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// What kind of mistake: `bad_request`, `unauthorized`, `forbidden`,
    /// `cross_site`, `not_found`, `method_not_allowed`, `timeout`,
    /// `conflict`, `quota_exceeded`, `gone`, `too_large`,
    /// `unsupported_media_type`, `module_refused`, `too_many_requests`,
    /// `internal`, `busy`, `storage_unavailable`, `insufficient_storage`.
    #[schema(example = "not_found")]
    pub code: String,
    /// What happened and what to do, in words.
    pub message: String,
    /// A refused module's problems (422 `module_refused` only), as
    /// `lockstep check --json` prints them.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Problem>>)]
    pub problems: Option<serde_json::Value>,
    /// The HTTP status, again.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
}

/// One problem the validator found in a module (`lockstep check --json`).
/// Documentation only: the problems are `lockstep-sim`'s own JSON.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Problem {
    /// `invalid`, `feature`, `limit`, `abi` or `script` (a script bot that
    /// does not load: the place and message of its error first).
    kind: String,
    message: String,
    /// For `limit`: the config key an admin would raise.
    limit: Option<String>,
}

/// The JSON error body for `status` with `message`: the shape of every API
/// error, also used to rewrite axum's own plain-text rejections (a 405, a
/// malformed path) so that nothing under `/api` answers otherwise.
pub fn error_body(status: StatusCode, message: &str) -> ErrorBody {
    ErrorBody {
        error: ErrorDetail {
            code: code_of(status).to_string(),
            message: message.to_string(),
            problems: None,
            status: status.as_u16(),
        },
    }
}

/// The `code` for a status that no [`ApiError`] variant names.
fn code_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        410 => "gone",
        413 => "too_large",
        415 => "unsupported_media_type",
        422 => "unprocessable",
        429 => "too_many_requests",
        507 => "insufficient_storage",
        500..=599 => "internal",
        _ => "error",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status();
        let message = match &self {
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                "internal error; it has been logged".to_string()
            }
            other => other.to_string(),
        };
        let problems = match &self {
            ApiError::Refused { problems, .. } => Some(problems.clone()),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_string(),
                message,
                problems,
                status: status.as_u16(),
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let ApiError::TooManyRequests {
            retry_after: Some(seconds),
            ..
        }
        | ApiError::Busy {
            retry_after: Some(seconds),
            ..
        } = &self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*seconds));
        }
        response
    }
}

/// A database error is the server's fault (500, logged), except when the
/// disk is: full (`SQLITE_FULL`, PostgreSQL's `disk_full`: 507) or failing
/// (`SQLITE_IOERR`, read-only, a lost PostgreSQL: 503). The transaction was
/// rolled back; nothing of the request is stored.
impl From<crate::db::sql::Error> for ApiError {
    fn from(e: crate::db::sql::Error) -> Self {
        use crate::storage::Fault;
        let fault = Fault::of_db(&e);
        if fault.is_some() {
            tracing::error!(error = %e, "the database could not write");
        }
        match fault {
            Some(Fault::OutOfSpace) => ApiError::InsufficientStorage(format!(
                "the server's disk is full: the database could not record this ({e}); \
                 nothing was stored. Try again later; the server's admin has to free space"
            )),
            Some(Fault::Failing) => ApiError::StorageUnavailable(format!(
                "the server's storage is failing: the database could not record this ({e}); \
                 nothing was stored. Try again later"
            )),
            None => ApiError::internal(e),
        }
    }
}

/// Rewrites an error response that is not in the router's own format yet
/// (axum's plain-text rejections: a 405, a path, query or form that does not
/// parse) with `render(status, message)`, keeping the status, axum's message
/// and the other headers (`Allow`, `Retry-After`). `own_type` is the
/// Content-Type prefix of responses already in that format.
pub(crate) async fn rewrite_rejections(
    request: axum::extract::Request,
    next: axum::middleware::Next,
    own_type: &str,
    render: fn(StatusCode, &str) -> Response,
) -> Response {
    use axum::http::header;
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let status = response.status();
    let ours = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(own_type));
    if status.as_u16() < 400 || ours {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 << 10)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = if status == StatusCode::METHOD_NOT_ALLOWED {
        format!("{method} is not allowed for {path} (the Allow header lists the methods that are)")
    } else if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    let mut response = render(status, &message);
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

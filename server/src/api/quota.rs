//! The storage quotas at the HTTP edge of an upload (`quota.rs` has the
//! rules): what can be refused before a body is read, and refusing it so
//! that the client hears the answer.

use super::FORM_SLACK;
use crate::app::State;
use crate::db::players::Player;
use crate::error::ApiError;
use crate::quota;
use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{HeaderMap, header};

/// What can be checked of an upload's storage before its body is read, by
/// its declared length (a raw body's Content-Length; a form's, less the
/// form's slack): 409 past `[server] bytes_per_player` (as if the body were
/// a module the player does not store yet), 507 past the disk's reserve.
/// Nothing without a declared length: the checks after reading catch it.
pub async fn before_reading(
    state: &State,
    player: &Player,
    name: &str,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let Some(declared) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return Ok(());
    };
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("multipart/form-data"));
    let size = if is_form {
        declared.saturating_sub(FORM_SLACK as u64)
    } else {
        declared
    };
    let reserve = state.config.quotas.disk_reserve_bytes;
    quota::check_disk(&state.modules_dir, size, reserve)?;
    let (player, name, quotas) = (player.clone(), name.to_string(), state.config.quotas);
    state
        .db
        .call(move |conn| quota::check_upload(conn, &player, &name, None, size, &quotas))
        .await
}

/// `e`, for an upload refused before its body was read: a client that
/// waits for `100 Continue` never sends the body; from one that sends it
/// anyway, what it sends is read and dropped (no slot taken, nothing kept;
/// at most the upload cap, for 10 s at most), so that it sees the answer
/// rather than a connection reset under a body it is still writing.
pub async fn refuse_unread(state: &State, request: Request, e: ApiError) -> ApiError {
    use http_body_util::BodyExt;
    let waits = request
        .headers()
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if waits {
        return e;
    }
    let most = state.config.max_upload_bytes + FORM_SLACK;
    let mut body = request.into_body();
    let drain = async {
        let mut read = 0;
        while let Some(Ok(frame)) = body.frame().await {
            read += frame.data_ref().map_or(0, Bytes::len);
            if read > most {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), drain).await;
    e
}

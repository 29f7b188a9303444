//! A finished match's replay and the viewer's data built from it
//! (docs/api.md, "Matches"): 404 before a match has finished. A replay the
//! retention rule deleted is recorded again (`ladder::rerecord`: one
//! recording per match, a few at once, an allowance per client address,
//! stopped when nobody waits, written back), to the same bytes, or refused
//! with 410 saying why.
//!
//! Building viewer data replays a match through the game: CPU work done one
//! at a time, and the last results are kept in memory ([`DocumentCache`]):
//! a match that many people open is built once.

use super::matches::parse_id;
use super::players::PeerAddr;
use crate::app::State;
use crate::db::matches as db;
use crate::error::{ApiError, ErrorBody};
use crate::ladder::rerecord::Rerecords;
use crate::ladder::worker;
use crate::ratelimit::Client;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State as AxState};
use axum::http::{HeaderName, header};
use axum::response::{IntoResponse, Response};
use lockstep_sim::replay::{ReplayReader, viewer_json};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Building viewer data, one at a time: a whole match through the game.
static VIEWER_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Finished matches never change: their replays may be cached for good.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// How long before the request deadline (`[server] request_timeout_secs`)
/// a request waiting for a recording answers `503` with `Retry-After`
/// instead (the recording goes on, held for the client's return).
const ANSWER_MARGIN: Duration = Duration::from_secs(5);

/// Match `id`'s replay: its file, or, pruned, recorded again (`true`) for
/// the client at `peer`. 404 before it has finished; 410 if it cannot be
/// recorded again here; 429, 503 from `Rerecords::replay`.
async fn replay_bytes(state: &State, id: i64, peer: PeerAddr) -> Result<(Bytes, bool), ApiError> {
    let (match_state, pruned_at) = state
        .db
        .call(move |conn| Ok(db::replay_state(conn, id)?))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("match {id} does not exist")))?;
    if match_state != "finished" {
        return Err(ApiError::NotFound(format!(
            "match {id} has no replay: it is {match_state}"
        )));
    }
    if pruned_at.is_none() {
        let path = worker::replay_path(&state.replays_dir, id);
        let read = tokio::task::spawn_blocking(move || std::fs::read(&path).map_err(|e| (path, e)))
            .await
            .map_err(ApiError::internal)?;
        match read {
            Ok(bytes) => return Ok((Bytes::from(bytes), false)),
            // Pruned since the row was read: recorded again below.
            Err((_, e)) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err((path, e)) => return Err(ApiError::internal(format!("{}: {e}", path.display()))),
        }
    }
    // Recorded again lately, and not written back (the disk refused)?
    if let Some(bytes) = state.recorded_again.get(id) {
        return Ok((bytes, true));
    }
    let timeout = Duration::from_secs(state.config.connections.request_timeout_secs);
    let answer_within = timeout
        .saturating_sub(ANSWER_MARGIN)
        .max(Duration::from_secs(1));
    let bytes = Rerecords::replay(state, id, Client::of(peer.0), answer_within).await?;
    Ok((bytes, true))
}

/// `GET /api/matches/{id}/replay`: the replay as recorded (a pruned one is
/// recorded again, to the same bytes, and says so in `x-lockstep-replay`).
#[utoipa::path(
    get,
    path = "/api/matches/{id}/replay",
    tag = "matches",
    params(("id" = i64, Path, description = "the match's id", example = 1)),
    responses(
        (status = 200, description = "the replay file (x-lockstep-replay: file or recorded-again)",
         content_type = "application/octet-stream", body = super::openapi::Binary),
        (status = 400, description = "an id that is not a number", body = ErrorBody),
        (status = 404, description = "no such match, or not finished", body = ErrorBody),
        (status = 410, description = "pruned, and it cannot be recorded again here", body = ErrorBody),
        (status = 429, description = "too many recordings again from this address; Retry-After", body = ErrorBody),
        (status = 503, description = "busy: still being recorded again; Retry-After", body = ErrorBody),
    )
)]
pub(crate) async fn replay(
    AxState(state): AxState<State>,
    peer: PeerAddr,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let (bytes, again) = replay_bytes(&state, id, peer).await?;
    let source = if again { "recorded-again" } else { "file" };
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"match-{id}.replay\""),
            ),
            (header::CACHE_CONTROL, IMMUTABLE.to_string()),
            (
                HeaderName::from_static("x-lockstep-replay"),
                source.to_string(),
            ),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// `GET /api/matches/{id}/viewer.json`: the viewer's data for the replay.
#[utoipa::path(
    get,
    path = "/api/matches/{id}/viewer.json",
    tag = "matches",
    params(("id" = i64, Path, description = "the match's id", example = 1)),
    responses(
        (status = 200, description = "the viewer's data (lockstep-viewer/1, docs/replay.md)",
         content_type = "application/json", body = Object),
        (status = 400, description = "an id that is not a number", body = ErrorBody),
        (status = 404, description = "no such match, or not finished", body = ErrorBody),
        (status = 410, description = "pruned, and it cannot be recorded again here", body = ErrorBody),
        (status = 429, description = "too many recordings again from this address; Retry-After", body = ErrorBody),
        (status = 503, description = "busy: still being recorded again; Retry-After", body = ErrorBody),
    )
)]
pub(crate) async fn viewer(
    AxState(state): AxState<State>,
    peer: PeerAddr,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    // Only finished matches are ever kept, and their data never changes.
    let json = match state.viewer_cache.get(id) {
        Some(json) => json,
        None => {
            // The replay first (a recording again waits for its own turn),
            // then a turn to build: one build never waits for a recording.
            let (replay, _) = replay_bytes(&state, id, peer).await?;
            let _slot = VIEWER_SLOTS.acquire().await.map_err(ApiError::internal)?;
            // Built by the request this one waited for?
            match state.viewer_cache.get(id) {
                Some(json) => json,
                None => {
                    let json = tokio::task::spawn_blocking(move || build(id, &replay))
                        .await
                        .map_err(ApiError::internal)??;
                    state.viewer_cache.put(id, json.clone());
                    json
                }
            }
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, IMMUTABLE),
        ],
        Body::from(json),
    )
        .into_response())
}

/// The viewer's data for match `id`'s `replay`.
fn build(id: i64, replay: &[u8]) -> Result<Bytes, ApiError> {
    let broken = |e| ApiError::internal(format!("the replay of match {id}: {e}"));
    let reader = ReplayReader::new(replay).map_err(broken)?;
    Ok(Bytes::from(viewer_json(reader).map_err(broken)?))
}

/// Documents built last (viewer data, replays recorded again), least
/// recently used out first, up to a byte budget. A finished match's
/// documents never change, so an entry is never stale.
pub struct DocumentCache {
    budget: usize,
    inner: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    /// Match id → (document, the use counter when it was last used).
    by_id: HashMap<i64, (Bytes, u64)>,
    bytes: usize,
    uses: u64,
}

impl DocumentCache {
    /// Memory for viewer data: 64 MiB holds some 30 default ladder matches
    /// (about 2 MB each).
    pub const VIEWER_BUDGET: usize = 64 << 20;
    /// Memory for replays recorded again: 16 MiB holds some 600 (26 KB each).
    pub const RECORDED_AGAIN_BUDGET: usize = 16 << 20;

    /// An empty cache holding at most `budget` bytes of documents.
    pub fn new(budget: usize) -> DocumentCache {
        DocumentCache {
            budget,
            inner: Mutex::new(Entries::default()),
        }
    }

    /// Match `id`'s document, if it is kept; it becomes the most recent.
    pub fn get(&self, id: i64) -> Option<Bytes> {
        let mut entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        entries.uses += 1;
        let now = entries.uses;
        let (json, used) = entries.by_id.get_mut(&id)?;
        *used = now;
        Some(json.clone())
    }

    /// Keeps `json` as match `id`'s document, dropping the least recently
    /// used ones until it fits. A document over a quarter of the budget is
    /// not kept: it would push out many others.
    pub fn put(&self, id: i64, json: Bytes) {
        if json.len() > self.budget / 4 {
            return;
        }
        let mut entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        entries.uses += 1;
        let now = entries.uses;
        if let Some((old, _)) = entries.by_id.remove(&id) {
            entries.bytes -= old.len();
        }
        while entries.bytes + json.len() > self.budget {
            let oldest = entries.by_id.iter().min_by_key(|(_, (_, used))| *used);
            let Some((&oldest, _)) = oldest else { break };
            if let Some((gone, _)) = entries.by_id.remove(&oldest) {
                entries.bytes -= gone.len();
            }
        }
        entries.bytes += json.len();
        entries.by_id.insert(id, (json, now));
    }

    /// Documents kept, and their bytes.
    pub fn usage(&self) -> (usize, usize) {
        let entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        (entries.by_id.len(), entries.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(len: usize) -> Bytes {
        Bytes::from(vec![b'x'; len])
    }

    #[test]
    fn the_least_recently_used_go_first_and_the_budget_holds() {
        let cache = DocumentCache::new(100);
        cache.put(1, doc(20));
        cache.put(2, doc(20));
        cache.put(3, doc(20));
        assert_eq!(cache.usage(), (3, 60));
        assert!(cache.get(1).is_some(), "1 is now the most recent");
        cache.put(4, doc(25));
        cache.put(5, doc(25));
        // 2, the least recently used, made room.
        assert_eq!(cache.usage(), (4, 90));
        cache.put(6, doc(25));
        // Then 3; 1 was used since it was put.
        assert_eq!(cache.usage(), (4, 95));
        assert!(cache.get(2).is_none() && cache.get(3).is_none());
        assert_eq!(cache.get(1).unwrap().len(), 20);
        // Replacing an entry counts its bytes once.
        cache.put(4, doc(10));
        assert_eq!(cache.usage(), (4, 80));
    }

    #[test]
    fn a_document_over_a_quarter_of_the_budget_is_not_kept() {
        let cache = DocumentCache::new(100);
        cache.put(1, doc(25));
        cache.put(2, doc(26));
        assert!(cache.get(1).is_some());
        assert!(cache.get(2).is_none());
        assert_eq!(cache.usage(), (1, 25));
    }
}

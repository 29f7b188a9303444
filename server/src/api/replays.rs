//! A finished match's replay file and the viewer's data built from it
//! (docs/api.md, "Matches"): 404 before a match has finished, 410 once the
//! retention rule has deleted its replay.
//!
//! Building viewer data replays the whole match through the game (no bots):
//! CPU work that must not crowd out the ladder, so one is built at a time,
//! and the last ones built are kept in memory ([`ViewerCache`]): a match that
//! many people open (a link passed round) is built once.

use super::matches::parse_id;
use crate::app::State;
use crate::db::matches as db;
use crate::error::ApiError;
use crate::ladder::worker;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State as AxState};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use lockstep_sim::replay::{ReplayReader, viewer_json};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// The finished match's replay path; 404 saying why there is none, or 410
/// if the retention rule deleted it.
async fn finished_replay(state: &State, id: &str) -> Result<(i64, std::path::PathBuf), ApiError> {
    let id = parse_id(id)?;
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
    if pruned_at.is_some() {
        return Err(pruned(id));
    }
    Ok((id, worker::replay_path(&state.replays_dir, id)))
}

/// 410 for match `id`'s pruned replay, saying what is left.
fn pruned(id: i64) -> ApiError {
    ApiError::Gone(format!(
        "match {id}'s replay was deleted by the server's retention rule (only the newest \
         matches keep their replays); the result, seed and module hashes are still at \
         /api/matches/{id}"
    ))
}

/// A replay file that could not be read: pruned while this request was on
/// its way (410), or broken (500).
fn unreadable(id: i64, path: &std::path::Path, e: std::io::Error) -> ApiError {
    if e.kind() == std::io::ErrorKind::NotFound {
        pruned(id)
    } else {
        ApiError::internal(format!("{}: {e}", path.display()))
    }
}

/// Finished matches never change: their replays may be cached for good.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `GET /api/matches/{id}/replay`: the replay file as recorded.
pub(crate) async fn replay(
    AxState(state): AxState<State>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (id, path) = finished_replay(&state, &id).await?;
    let bytes = tokio::task::spawn_blocking(move || {
        std::fs::read(&path).map_err(|e| unreadable(id, &path, e))
    })
    .await
    .map_err(ApiError::internal)??;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"match-{id}.replay\""),
            ),
            (header::CACHE_CONTROL, IMMUTABLE.to_string()),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// Viewer documents built at once.
static VIEWER_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// `GET /api/matches/{id}/viewer.json`: the viewer's data for the replay.
pub(crate) async fn viewer(
    AxState(state): AxState<State>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (id, path) = finished_replay(&state, &id).await?;
    let json = match state.viewer_cache.get(id) {
        Some(json) => json,
        None => {
            let _slot = VIEWER_SLOTS.acquire().await.map_err(ApiError::internal)?;
            // Built by the request this one waited for?
            match state.viewer_cache.get(id) {
                Some(json) => json,
                None => {
                    let json = tokio::task::spawn_blocking(move || build(id, &path))
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

/// The viewer's data for match `id`'s replay at `path`.
fn build(id: i64, path: &std::path::Path) -> Result<Bytes, ApiError> {
    let file = std::fs::File::open(path).map_err(|e| unreadable(id, path, e))?;
    let reader = ReplayReader::new(std::io::BufReader::new(file))
        .map_err(|e| ApiError::internal(format!("{}: {e}", path.display())))?;
    let json =
        viewer_json(reader).map_err(|e| ApiError::internal(format!("{}: {e}", path.display())))?;
    Ok(Bytes::from(json))
}

/// The viewer documents built last, least recently used out first, up to a
/// byte budget. A finished match's data never changes, so an entry is never
/// stale; a pruned replay's entry is never served (the 410 comes first) and
/// ages out.
pub struct ViewerCache {
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

impl ViewerCache {
    /// Memory for viewer documents: 64 MiB holds some 30 default ladder
    /// matches (about 2 MB each).
    pub const DEFAULT_BUDGET: usize = 64 << 20;

    /// An empty cache holding at most `budget` bytes of documents.
    pub fn new(budget: usize) -> ViewerCache {
        ViewerCache {
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
        let cache = ViewerCache::new(100);
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
        let cache = ViewerCache::new(100);
        cache.put(1, doc(25));
        cache.put(2, doc(26));
        assert!(cache.get(1).is_some());
        assert!(cache.get(2).is_none());
        assert_eq!(cache.usage(), (1, 25));
    }
}

//! Recording a pruned replay again. Lockstep is deterministic: the same
//! modules, map, seed, match settings and sandbox limits play the same match,
//! tick for tick, so a replay the retention rule deleted can be made again
//! from what the match row keeps: its seats' modules (never deleted), its
//! map and seed, and [`PlayedWith`], stored when it finished.
//!
//! The new recording must have the replay hash the match recorded; it is
//! refused otherwise (a different engine build, a changed sandbox limit),
//! never served as the original.

use super::worker;
use crate::app::AppState;
use crate::db::matches::job_seats;
use crate::db::retention::played_with;
use crate::error::ApiError;
use lockstep_sim::match_loop::MatchConfig;
use lockstep_sim::replay::{SandboxLimits, play_recorded};
use serde::{Deserialize, Serialize};

/// What a match was played with beside its modules: the match settings in
/// force (map and seed included) and the sandbox's limits. Kept with the
/// match (`matches.played_with`) when it finishes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlayedWith {
    #[serde(rename = "match")]
    pub match_config: MatchConfig,
    pub limits: SandboxLimits,
}

impl PlayedWith {
    /// A match played now under `config` by this server's sandbox.
    pub fn of(state: &AppState, config: &MatchConfig) -> PlayedWith {
        PlayedWith {
            match_config: config.clone(),
            limits: SandboxLimits::of(state.sandbox.config()),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("plain numbers and strings serialise")
    }
}

/// Finished match `id`'s replay, recorded again: the same bytes the pruned
/// file held (checked by its replay hash). 410 when it cannot be made again
/// here, saying why. Runs the whole match: call it off the async runtime,
/// one at a time.
pub fn rerecord(state: &AppState, id: i64) -> Result<Vec<u8>, ApiError> {
    let (stored, seats) = state.db.blocking(|conn| {
        Ok::<_, rusqlite::Error>((played_with(conn, id)?, job_seats(conn, id)?))
    })??;
    let Some((played, Some(replay_hash))) = stored else {
        return Err(ApiError::NotFound(format!("match {id} has not finished")));
    };
    let gone = |why: String| {
        ApiError::Gone(format!(
            "match {id}'s replay was deleted by the server's retention rule, and cannot be \
             recorded again here: {why}; the result, seed and module hashes are still at \
             /api/matches/{id}"
        ))
    };
    let Some(played) = played else {
        return Err(gone(
            "it was played by an earlier build, which did not keep its settings".into(),
        ));
    };
    let played: PlayedWith = serde_json::from_str(&played)
        .map_err(|e| ApiError::internal(format!("match {id}'s played_with: {e}")))?;
    if played.limits != SandboxLimits::of(state.sandbox.config()) {
        return Err(gone(
            "it was played under other sandbox limits ([limits]) than this server's now".into(),
        ));
    }
    let entrants = worker::entrants(state, &seats).map_err(ApiError::internal)?;
    let mut replay = Vec::new();
    let (_, hash) = play_recorded(
        &state.sandbox,
        &entrants,
        &played.match_config,
        &mut replay,
        &mut (),
    )
    .map_err(|e| ApiError::internal(format!("recording match {id} again: {e}")))?;
    let hash = blake3::Hash::from_bytes(hash).to_hex();
    if hash.as_str() != replay_hash {
        tracing::error!(id, recorded = %replay_hash, again = %hash,
            "a match recorded again differs from its first recording");
        return Err(gone(format!(
            "played again, it gives replay hash {hash}, not {replay_hash} (this server's \
             engine is not the one that played it)"
        )));
    }
    tracing::info!(id, bytes = replay.len(), "replay recorded again");
    Ok(replay)
}

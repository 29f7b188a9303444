//! Replay retention: a background task that deletes the replay files of
//! finished matches that no rule of `[server] replays_kept`,
//! `replays_kept_per_bot` and `challenges_kept_per_player` keeps, so that a
//! ladder playing day and night does not fill the disk.
//!
//! Order matters: `db::retention::mark_pruned` commits `replay_pruned_at`
//! first, then the files go. A crash in between leaves files that no row
//! claims, which `ladder::recover` deletes at the next start; a row never
//! claims a replay that is gone. Match rows are never deleted.

use crate::app::{AppState, State};
use crate::db::now_ms;
use crate::db::retention::mark_pruned;
use crate::ladder::worker::replay_path;
use std::time::Duration;

/// How often the task looks for replays to prune.
const EVERY: Duration = Duration::from_secs(30);
/// Replays marked per transaction: the database is free between batches.
const BATCH: usize = 1_000;

/// Spawns the pruning task: one pass now, then one every [`EVERY`] until
/// the server stops.
pub fn start(state: State) {
    tokio::spawn(async move {
        let mut shutdown = state.shutdown.subscribe();
        loop {
            let pass = {
                let state = state.clone();
                tokio::task::spawn_blocking(move || prune(&state)).await
            };
            match pass {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "replay retention failed"),
                Err(e) => tracing::error!(error = %e, "replay retention panicked"),
            }
            tokio::select! {
                _ = tokio::time::sleep(EVERY) => {}
                _ = shutdown.wait_for(|stopping| *stopping) => break,
            }
        }
    });
}

/// One pass: marks and deletes replays in batches until no rule-breaking
/// replay is left (or the server is stopping). Returns how many went.
pub fn prune(state: &AppState) -> Result<usize, String> {
    let rule = state.config.retention;
    let mut total = 0;
    loop {
        let ids = state
            .db
            .blocking(|conn| mark_pruned(conn, &rule, now_ms(), BATCH))
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("marking replays pruned: {e}"))?;
        if ids.is_empty() {
            break;
        }
        for &id in &ids {
            let path = replay_path(&state.replays_dir, id);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                // Left for the next start's recovery, which deletes it.
                Err(e) => tracing::warn!(file = %path.display(), error = %e, "could not delete"),
            }
        }
        total += ids.len();
        state.metrics.replays_pruned(ids.len());
        if state.is_shutting_down() {
            break;
        }
    }
    if total > 0 {
        tracing::info!(pruned = total, "replays pruned by the retention rule");
    }
    Ok(total)
}

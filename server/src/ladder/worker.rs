//! Playing one match on a blocking thread: modules from the data folder,
//! the replay streamed to `<id>.replay.part`, synced and renamed into place,
//! then one transaction that finishes the match and updates the ratings.

use super::rerecord::PlayedWith;
use crate::app::AppState;
use crate::db::matches::{self, Finished, Job, JobSeat};
use crate::db::now_ms;
use crate::storage::sync_dir;
use lockstep_sim::match_loop::{Entrant, MatchConfig};
use lockstep_sim::replay::play_recorded;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where match `id`'s replay is, once it has finished.
pub fn replay_path(replays_dir: &Path, id: i64) -> PathBuf {
    replays_dir.join(format!("{id}.replay"))
}

/// Where match `id`'s replay is written while it is played.
pub fn part_path(replays_dir: &Path, id: i64) -> PathBuf {
    replays_dir.join(format!("{id}.replay.part"))
}

/// Plays `job` under `config` (its map and seed are the job's) and stores
/// the outcome: finished with its result and ratings, or failed with the
/// error. Never panics on a bad module or an I/O error; it logs them.
pub fn play(state: &AppState, job: Job, mut config: MatchConfig) {
    let bots: Vec<&str> = job.seats.iter().map(|s| s.name.as_str()).collect();
    let span = tracing::info_span!("match", id = job.id, kind = %job.kind, map = %job.map,
        seed = job.seed);
    let _entered = span.enter();
    tracing::info!(?bots, attempt = job.attempts, "match started");
    config.map = job.map.clone();
    config.seed = job.seed;
    let started = Instant::now();
    let played = run(state, &job, &config);
    let wall = started.elapsed();
    let duration_ms = wall.as_millis() as u64;
    match played {
        Ok(done) => {
            let stored = state
                .db
                .blocking(|conn| matches::finish(conn, &job, &done, now_ms()));
            match stored {
                Ok(Ok(Some(changes))) => {
                    state.metrics.match_done(true, wall);
                    let winner = done.winner.map(|w| bots[w]);
                    let ratings: Vec<String> = changes
                        .iter()
                        .map(|c| format!("{:.2}->{:.2}", c.before.0, c.after.0))
                        .collect();
                    tracing::info!(duration_ms, ticks = done.ticks, ?winner, ?ratings,
                        replay_hash = %done.replay_hash, "match finished");
                }
                Ok(Ok(None)) => {
                    tracing::warn!("the match was no longer running; its result was dropped")
                }
                Ok(Err(e)) => fail(
                    state,
                    &job,
                    &format!("could not store the result: {e}"),
                    wall,
                ),
                Err(e) => fail(
                    state,
                    &job,
                    &format!("could not store the result: {e}"),
                    wall,
                ),
            }
        }
        Err(error) => {
            let _ = std::fs::remove_file(part_path(&state.replays_dir, job.id));
            fail(state, &job, &error, wall);
        }
    }
}

fn fail(state: &AppState, job: &Job, error: &str, wall: std::time::Duration) {
    state.metrics.match_done(false, wall);
    tracing::warn!(error, duration_ms = wall.as_millis() as u64, "match failed");
    match state
        .db
        .blocking(|conn| matches::fail(conn, job.id, error, now_ms()))
    {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(%e, "could not mark the match failed"),
        Err(e) => tracing::error!(%e, "could not mark the match failed"),
    }
}

/// The seats' modules, loaded (through the sandbox's cache) from the data
/// folder and checked against their hashes, as the match's entrants.
pub fn entrants(state: &AppState, seats: &[JobSeat]) -> Result<Vec<Entrant>, String> {
    let mut entrants = Vec::with_capacity(seats.len());
    for (seat, bot) in seats.iter().enumerate() {
        let path = state.modules_dir.join(format!("{}.wasm", bot.module));
        let bytes = std::fs::read(&path).map_err(|e| {
            format!(
                "seat {seat} ({}): cannot read module {}: {e}",
                bot.name, bot.module
            )
        })?;
        let module = state
            .sandbox
            .load(&bytes)
            .map_err(|e| format!("seat {seat} ({}): the module does not load: {e}", bot.name))?;
        if module.hash.to_hex() != bot.module {
            return Err(format!(
                "seat {seat} ({}): the file of module {} has hash {}",
                bot.name,
                bot.module,
                module.hash.to_hex()
            ));
        }
        entrants.push(Entrant {
            name: bot.name.clone(),
            module,
        });
    }
    Ok(entrants)
}

/// Loads the modules, plays with a replay, and puts the replay in place.
fn run(state: &AppState, job: &Job, config: &MatchConfig) -> Result<Finished, String> {
    let entrants = entrants(state, &job.seats)?;
    let io = |what: &str, e: std::io::Error| format!("replay of match {}: {what}: {e}", job.id);
    std::fs::create_dir_all(&state.replays_dir).map_err(|e| io("create the folder", e))?;
    let part = part_path(&state.replays_dir, job.id);
    let file = File::create(&part).map_err(|e| io("create", e))?;
    let mut out = BufWriter::new(file);
    let mut observer = state.metrics.observer();
    let (result, replay_hash) =
        play_recorded(&state.sandbox, &entrants, config, &mut out, &mut observer)
            .map_err(|e| format!("playing match {}: {e}", job.id))?;
    let file = out.into_inner().map_err(|e| io("write", e.into_error()))?;
    file.sync_all().map_err(|e| io("sync", e))?;
    drop(file);
    std::fs::rename(&part, replay_path(&state.replays_dir, job.id)).map_err(|e| io("rename", e))?;
    sync_dir(&state.replays_dir).map_err(|e| io("sync the folder", e))?;
    let json = serde_json::to_string(&result)
        .map_err(|e| format!("the result of match {} as JSON: {e}", job.id))?;
    let played_with = PlayedWith::of(state, config).to_json();
    Ok(Finished {
        winner: result.winner,
        ticks: result.ticks,
        final_hash: result.final_hash,
        replay_hash: blake3::Hash::from_bytes(replay_hash).to_hex().to_string(),
        result: json,
        played_with,
    })
}

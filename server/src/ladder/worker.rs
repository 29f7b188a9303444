//! Playing one match on a blocking thread: modules from the data folder,
//! the replay streamed to `<id>.replay.part`, synced and renamed into place,
//! then one transaction that finishes the match and updates the ratings. A
//! write the disk refuses (full, failing) puts the match back in the queue
//! and pauses the ladder (`pause.rs`) instead of failing the match.

use super::recording::{Ended, Watched, record};
use super::rerecord::PlayedWith;
use super::{claim, pause};
use crate::app::AppState;
use crate::db::matches::{self, Finished, Job, JobSeat};
use crate::db::now_ms;
use crate::storage::{Fault, sync_dir};
use lockstep_sim::match_loop::{Entrant, MatchConfig};
use lockstep_sim::replay::RecordError;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Where match `id`'s replay is, once it has finished.
pub fn replay_path(replays_dir: &Path, id: i64) -> PathBuf {
    replays_dir.join(format!("{id}.replay"))
}

/// Where match `id`'s replay is written while it is played.
pub fn part_path(replays_dir: &Path, id: i64) -> PathBuf {
    replays_dir.join(format!("{id}.replay.part"))
}

/// Why a match was not played to a stored result.
#[derive(Debug)]
pub enum Failure {
    /// The match cannot be played: it fails, with this reason.
    Match(String),
    /// The disk refused a write (full, failing): the match goes back in the
    /// queue and the ladder pauses (`pause.rs`).
    Disk(Fault, String),
}

impl Failure {
    /// A failed file operation on match `id`'s replay: `what` it was.
    fn io(id: i64, what: &str, e: &std::io::Error) -> Failure {
        let message = format!("replay of match {id}: {what}: {e}");
        match Fault::of_io(e) {
            Some(fault) => Failure::Disk(fault, message),
            None => Failure::Match(message),
        }
    }
}

/// Plays `job` under `config` (its map and seed are the job's) and stores
/// the outcome: finished with its result and ratings, failed with the
/// error, or (the disk refused a write) back in the queue with the ladder
/// paused. Never panics on a bad module or an I/O error; it logs them.
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
    let (done, used) = match played {
        Ok(done) => done,
        Err(Failure::Disk(fault, error)) => return put_back(state, &job, fault, &error),
        Err(Failure::Match(error)) => {
            let _ = std::fs::remove_file(part_path(&state.replays_dir, job.id));
            return fail(state, &job, &error, wall);
        }
    };
    let stored = state
        .db
        .blocking(|conn| matches::finish(conn, &job, &done, now_ms()));
    match stored {
        Ok(Ok(Some(changes))) => {
            state.metrics.match_done(true, wall);
            claim::settle(&state.ladder.usage, &job, used);
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
        Ok(Err(e)) => match Fault::of_db(&e) {
            Some(fault) => put_back(
                state,
                &job,
                fault,
                &format!("could not store the result: {e}"),
            ),
            None => fail(
                state,
                &job,
                &format!("could not store the result: {e}"),
                wall,
            ),
        },
        Err(e) => fail(
            state,
            &job,
            &format!("could not store the result: {e}"),
            wall,
        ),
    }
}

/// The disk refused a write while `job` was played or stored: its files
/// go (they free some space; it is played again from the start), its
/// charge is given back, and it goes back in the queue with the ladder
/// paused (`pause::on_fault`).
fn put_back(state: &AppState, job: &Job, fault: Fault, error: &str) {
    let _ = std::fs::remove_file(part_path(&state.replays_dir, job.id));
    let _ = std::fs::remove_file(replay_path(&state.replays_dir, job.id));
    claim::settle(&state.ladder.usage, job, 0);
    pause::on_fault(state, fault, error, Some(job.id));
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
/// Also returns the fuel the bots used. Stops at the tick after the replay
/// could not be written (the disk is full: no use playing on).
fn run(state: &AppState, job: &Job, config: &MatchConfig) -> Result<(Finished, u64), Failure> {
    let entrants = entrants(state, &job.seats).map_err(Failure::Match)?;
    let io = |what: &str, e: std::io::Error| Failure::io(job.id, what, &e);
    std::fs::create_dir_all(&state.replays_dir).map_err(|e| io("create the folder", e))?;
    let part = part_path(&state.replays_dir, job.id);
    let file = File::create(&part).map_err(|e| io("create", e))?;
    let (watched, write_error) = Watched::new(file);
    let mut out = BufWriter::new(watched);
    let mut observer = state.metrics.observer();
    let taken = |error: &Arc<Mutex<Option<std::io::Error>>>| {
        error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    };
    let mut stop = |_tick: u32| {
        write_error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_some()
    };
    let recorded = record(
        &state.sandbox,
        &entrants,
        config,
        &mut out,
        &mut observer,
        &mut stop,
    );
    let (result, replay_hash) = match recorded {
        Ok(done) => done,
        Err(Ended::Failed(RecordError::Io(e))) => {
            return Err(io("write", taken(&write_error).unwrap_or(e)));
        }
        Err(Ended::Stopped(_)) => {
            let e = taken(&write_error).unwrap_or_else(|| std::io::Error::other("stopped"));
            return Err(io("write", e));
        }
        Err(Ended::Failed(e)) => {
            return Err(Failure::Match(format!("playing match {}: {e}", job.id)));
        }
    };
    let file = out
        .into_inner()
        .map_err(|e| io("write", e.into_error()))?
        .into_inner();
    file.sync_all().map_err(|e| io("sync", e))?;
    drop(file);
    std::fs::rename(&part, replay_path(&state.replays_dir, job.id)).map_err(|e| io("rename", e))?;
    sync_dir(&state.replays_dir).map_err(|e| io("sync the folder", e))?;
    let json = serde_json::to_string(&result)
        .map_err(|e| Failure::Match(format!("the result of match {} as JSON: {e}", job.id)))?;
    let played_with = PlayedWith::of(state, config).to_json();
    let finished = Finished {
        winner: result.winner,
        ticks: result.ticks,
        final_hash: result.final_hash.clone(),
        replay_hash: blake3::Hash::from_bytes(replay_hash).to_hex().to_string(),
        result: json,
        played_with,
    };
    Ok((finished, claim::fuel_used(&result)))
}

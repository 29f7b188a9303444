//! The ladder: a scheduler that keeps matches queued among active bots, and
//! workers that play them with `lockstep-sim` and store the results.
//!
//! One async task schedules; each match is played on a blocking thread
//! (`spawn_blocking`), at most `ladder_workers` at once. The scheduler takes
//! the oldest queued challenge, else the oldest queued ladder match (after a
//! restart), else pairs two bots (`pairing.rs`) and queues a ladder match,
//! and marks it running in the same transaction. With nothing to do it
//! sleeps until `state.ladder_wake` is notified (an upload, a challenge) or
//! `IDLE_POLL` has passed. docs/server.md ("Ladder") is the user's view.

pub mod pairing;
pub mod rerecord;
#[cfg(test)]
mod tests;
pub mod worker;

use crate::app::{AppState, State};
use crate::config::ServerConfig;
use crate::db::matches::{self, Job, NewMatch};
use crate::db::now_ms;
use crate::db::retention::has_replay;
use lockstep_game::Map;
use lockstep_sim::match_loop::MatchConfig;
use pairing::Rng;
use rusqlite::{Connection, TransactionBehavior};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// How long the scheduler sleeps with nothing to do before looking again
/// (a bot added or re-activated without a wake-up is found this late).
const IDLE_POLL: Duration = Duration::from_secs(10);
/// A match that has been taken this many times without finishing (the
/// server died each time) is marked failed instead of being played again.
pub const MAX_ATTEMPTS: i64 = 3;

/// The ladder's settings (`[server]` keys `ladder_*`, docs/server.md).
#[derive(Clone, Debug)]
pub struct LadderConfig {
    /// Whether the scheduler pairs bots by itself; challenges are played
    /// either way.
    pub enabled: bool,
    /// Matches played at once.
    pub workers: usize,
    /// Maps drawn from, uniformly, for ladder matches.
    pub maps: Vec<String>,
    /// A pause after each match, per worker, to leave the CPU some air.
    pub pause: Duration,
}

impl LadderConfig {
    /// The server config's ladder keys. A map that does not resolve for two
    /// players is logged and left out.
    pub fn of(config: &ServerConfig) -> LadderConfig {
        let mut maps = config.ladder_maps.clone();
        maps.retain(|spec| match Map::resolve(spec, 2, 0) {
            Ok(_) => true,
            Err(e) => {
                tracing::error!(map = %spec, error = %e, "ladder map left out");
                false
            }
        });
        // Each match holds up to 8 bot instances (a challenge's most) from
        // the sandbox's pool: more workers than fit would fail bots' starts.
        let fit = (config.settings.sandbox.pool_instances as usize / 8).max(1);
        if config.ladder_workers > fit {
            tracing::warn!(
                ladder_workers = config.ladder_workers,
                used = fit,
                "ladder_workers capped at [limits] pool_instances / 8"
            );
        }
        LadderConfig {
            enabled: config.ladder_enabled,
            workers: config.ladder_workers.clamp(1, fit),
            maps,
            pause: Duration::from_millis(config.ladder_pause_ms),
        }
    }
}

/// Checks a map asked for in a challenge: a bundled map or `random:WxH`
/// (never a file path: the server would read any file it names), fitted to
/// `players`.
pub fn check_challenge_map(spec: &str, players: usize) -> Result<(), String> {
    if !spec.starts_with("random:") && !Map::bundled_names().contains(&spec) {
        return Err(format!(
            "unknown map '{spec}': use one of {} or random:WxH",
            Map::bundled_names().join(", ")
        ));
    }
    Map::resolve(spec, players, 0)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Spawns the scheduler on the current tokio runtime: first restart
/// recovery (`recover`), then the replay pruner (`crate::retention`) and
/// matches for as long as the server runs.
pub fn start(state: State) {
    let config = LadderConfig::of(&state.config);
    tokio::spawn(async move {
        let recovered = {
            let state = state.clone();
            tokio::task::spawn_blocking(move || recover(&state)).await
        };
        match recovered {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "ladder recovery failed"),
            Err(e) => tracing::error!(error = %e, "ladder recovery panicked"),
        }
        crate::retention::start(state.clone());
        schedule(state, config).await;
    });
}

/// Puts every 'running' match back in the queue and removes replay files
/// that no finished match owns (`.part` files of interrupted matches, a
/// replay renamed into place just before a crash prevented its commit, and
/// a pruned replay whose deletion a crash cut short).
pub fn recover(state: &AppState) -> Result<(), String> {
    let requeued = state
        .db
        .blocking(matches::requeue_running)
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    if !requeued.is_empty() {
        tracing::info!(?requeued, "matches interrupted by a stop are queued again");
    }
    std::fs::create_dir_all(&state.replays_dir).map_err(|e| e.to_string())?;
    let entries = std::fs::read_dir(&state.replays_dir).map_err(|e| e.to_string())?;
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let orphan = if name.ends_with(".part") {
            true
        } else if let Some(id) = name
            .strip_suffix(".replay")
            .and_then(|id| id.parse::<i64>().ok())
        {
            let kept = state
                .db
                .blocking(|conn| has_replay(conn, id))
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            !kept
        } else {
            false
        };
        if orphan {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => removed.push(name),
                Err(e) => tracing::warn!(file = %name, error = %e, "could not remove"),
            }
        }
    }
    if !removed.is_empty() {
        tracing::info!(?removed, "unfinished replay files removed");
    }
    Ok(())
}

/// The scheduler's loop: wait for a free worker, claim a match, play it.
async fn schedule(state: State, config: LadderConfig) {
    let seed = getrandom::u64().unwrap_or_else(|_| now_ms() as u64);
    let mut rng = Rng::new(seed);
    let slots = Arc::new(Semaphore::new(config.workers));
    tracing::info!(
        enabled = config.enabled,
        workers = config.workers,
        maps = ?config.maps,
        "ladder started"
    );
    let mut shutdown = state.shutdown.subscribe();
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.ok(),
            _ = shutdown.wait_for(|stopping| *stopping) => None,
        };
        let Some(slot) = slot else {
            break;
        };
        if state.is_shutting_down() {
            break;
        }
        let claim_seed = rng.next_u64();
        let claimed = {
            let config = config.clone();
            state
                .db
                .call(move |conn| {
                    claim(conn, &config, &mut Rng::new(claim_seed))
                        .map_err(crate::error::ApiError::from)
                })
                .await
        };
        match claimed {
            Ok(Some(job)) => {
                let match_config = current_match_config(&state);
                let state = state.clone();
                let pause = config.pause;
                tokio::spawn(async move {
                    let worker_state = state.clone();
                    let played = tokio::task::spawn_blocking(move || {
                        worker::play(&worker_state, job, match_config)
                    })
                    .await;
                    if let Err(e) = played {
                        tracing::error!(error = %e, "a match worker panicked");
                    }
                    if !pause.is_zero() {
                        tokio::time::sleep(pause).await;
                    }
                    drop(slot);
                });
            }
            Ok(None) => {
                drop(slot);
                tokio::select! {
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                    _ = state.ladder_wake.notified() => {}
                    _ = shutdown.wait_for(|stopping| *stopping) => {}
                }
            }
            Err(e) => {
                drop(slot);
                tracing::error!(error = %e, "could not schedule a match");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
    tracing::info!(
        "ladder stopped: no new matches; running ones finish or are re-queued at the next start"
    );
}

/// The match settings in force now (budgets, limits): the map and seed are
/// each match's own.
fn current_match_config(state: &AppState) -> MatchConfig {
    state.settings().match_config
}

/// In one transaction: the next queued match (challenges first), or a new
/// ladder match when none is queued, marked running. `None`: nothing to play.
pub fn claim(
    conn: &mut Connection,
    config: &LadderConfig,
    rng: &mut Rng,
) -> rusqlite::Result<Option<Job>> {
    let now = now_ms();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let job = loop {
        let id = match matches::next_queued(&tx)? {
            Some(id) => id,
            None => match new_ladder_match(&tx, config, rng)? {
                Some(new) => {
                    let id = matches::insert(&tx, &new, now)?;
                    tracing::info!(id, map = %new.map, seed = new.seed,
                        seats = ?new.seats, "ladder match scheduled");
                    id
                }
                None => break None,
            },
        };
        let job = matches::start(&tx, id, now)?;
        if job.attempts > MAX_ATTEMPTS {
            let error =
                format!("abandoned: the server stopped while it was played, {MAX_ATTEMPTS} times");
            tracing::warn!(id, %error, "match abandoned");
            matches::fail(&tx, id, &error, now)?;
            continue;
        }
        break Some(job);
    };
    tx.commit()?;
    Ok(job)
}

fn new_ladder_match(
    conn: &Connection,
    config: &LadderConfig,
    rng: &mut Rng,
) -> rusqlite::Result<Option<NewMatch>> {
    if !config.enabled || config.maps.is_empty() {
        return Ok(None);
    }
    let candidates = matches::candidates(conn)?;
    let Some((a, b)) = pairing::pick_pair(&candidates, rng) else {
        return Ok(None);
    };
    let seat = |i: usize| (candidates[i].bot, candidates[i].bot_version);
    Ok(Some(NewMatch {
        kind: "ladder",
        rated: true,
        requested_by: None,
        map: config.maps[rng.below(config.maps.len())].clone(),
        seed: rng.seed(),
        seats: vec![seat(a), seat(b)],
    }))
}

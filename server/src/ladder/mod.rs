//! The ladder: a scheduler that keeps matches queued among active bots, and
//! workers that play them with `lockstep-sim` and store the results.
//!
//! Two schedulers (async tasks), one per kind of worker: `ladder_workers`
//! play ladder matches (and challenges only when they cannot pair),
//! `challenge_workers` play challenges, in a fair order (`claim.rs`,
//! `fair.rs`). Each match is played on a blocking thread of its own
//! (`spawn_blocking`, `worker.rs`). A scheduler with nothing to do sleeps
//! until it is woken (an upload, a challenge, a match ending) or
//! `IDLE_POLL` has passed. On a full disk the ladder pauses (`pause.rs`).
//! docs/server.md ("Ladder", "Running a public server") is the user's view.

pub mod claim;
pub mod fair;
pub mod lease;
pub mod pairing;
pub mod pause;
pub mod recording;
pub mod rerecord;
#[cfg(test)]
mod tests;
pub mod worker;

use crate::app::{AppState, State};
use crate::config::{Challenges, ServerConfig};
use crate::db::matches;
use crate::db::now_ms;
use crate::db::retention::has_replay;
use crate::game::{HostedGame, LADDER_SEATS};
use crate::storage::Fault;
use claim::{Claim, Slot};
use pairing::Rng;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// How long the scheduler sleeps with nothing to do before looking again
/// (a bot added or re-activated without a wake-up is found this late).
const IDLE_POLL: Duration = Duration::from_secs(10);
/// A match that has been taken this many times without finishing (the
/// server died each time) is marked failed instead of being played again.
pub const MAX_ATTEMPTS: i64 = 3;

/// The ladder's settings (`[server]` keys `ladder_*` and the challenges',
/// docs/server.md).
#[derive(Clone, Debug)]
pub struct LadderConfig {
    /// Whether the scheduler pairs bots by itself; challenges are played
    /// either way.
    pub enabled: bool,
    /// Ladder matches played at once.
    pub workers: usize,
    /// Maps drawn from, uniformly, for ladder matches.
    pub maps: Vec<String>,
    /// A pause after each ladder match, per worker, to leave the CPU some air.
    pub pause: Duration,
    /// The challenges' workers (`workers`, after the cap below), queue
    /// limits and cost cap.
    pub challenges: Challenges,
}

impl LadderConfig {
    /// The server config's ladder keys. A map that the game does not start
    /// for two players is logged and left out.
    pub fn of(config: &ServerConfig) -> LadderConfig {
        let mut maps = config.ladder_maps.clone();
        let settings = &config.settings.match_config.settings.0;
        maps.retain(
            |spec| match config.game.check_map(spec, LADDER_SEATS, settings) {
                Ok(_) => true,
                Err(e) => {
                    tracing::error!(map = %spec, error = %e, "ladder map left out");
                    false
                }
            },
        );
        // Each match holds up to 8 bot instances (a challenge's most) from
        // the sandbox's pool: more workers than fit would fail bots' starts.
        let fit = (config.settings.sandbox.pool_instances as usize / 8).max(1);
        let workers = config.ladder_workers.clamp(1, fit);
        let mut challenges = config.challenges;
        challenges.workers = challenges.workers.min(fit - workers);
        if config.ladder_workers + config.challenges.workers > fit {
            tracing::warn!(
                ladder_workers = config.ladder_workers,
                challenge_workers = config.challenges.workers,
                used = workers,
                challenges_used = challenges.workers,
                "ladder_workers + challenge_workers capped at [limits] pool_instances / 8"
            );
        }
        LadderConfig {
            enabled: config.ladder_enabled,
            workers,
            maps,
            pause: Duration::from_millis(config.ladder_pause_ms),
            challenges,
        }
    }
}

/// The ladder's state that the API and the workers share (`AppState::ladder`).
#[derive(Default)]
pub struct Shared {
    /// Paused on a full disk, and why.
    pub pause: pause::Pause,
    /// The challenges' fading charges per player and address.
    pub usage: fair::Usage,
    /// Wakes the challenge scheduler (a challenge was queued, one ended).
    pub challenge_wake: tokio::sync::Notify,
    /// Pruned replays being recorded again.
    pub rerecords: rerecord::Rerecords,
}

impl Shared {
    pub fn new(config: &ServerConfig) -> Shared {
        Shared {
            rerecords: rerecord::Rerecords::new(&config.rerecording),
            ..Shared::default()
        }
    }

    /// Wakes both schedulers: something may have become playable.
    pub fn wake(&self, state: &AppState) {
        state.ladder_wake.notify_one();
        self.challenge_wake.notify_one();
    }
}

/// Checks a map asked for in a challenge: one of the game's bundled maps or
/// a map it generates (`random:WxH`), never a file path (the server would
/// read any file it names), started for `players` under the game's
/// `settings` in force (`HostedGame::check_map`).
pub fn check_challenge_map(
    game: HostedGame,
    spec: &str,
    players: usize,
    settings: &serde_json::Value,
) -> Result<(), String> {
    game.check_map(spec, players, settings)
}

/// Spawns the schedulers on the current tokio runtime: first restart
/// recovery (`recover`), then the replay pruner (`crate::retention`), the
/// disk watch (`pause::watch`) and matches for as long as the server runs.
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
        let reserve = state.config.data_dir.clone();
        match tokio::task::spawn_blocking(move || pause::ensure_reserve(&reserve)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e,
                "no disk reserve for the ladder (DATA/ladder-reserve): the disk is about full"),
            Err(e) => tracing::error!(error = %e, "making the ladder's disk reserve panicked"),
        }
        tokio::spawn(pause::watch(state.clone()));
        if state.config.database != crate::config::Database::Sqlite {
            tokio::spawn(lease::keep(state.clone()));
        }
        let seed = getrandom::u64().unwrap_or_else(|_| now_ms() as u64);
        tracing::info!(
            enabled = config.enabled,
            workers = config.workers,
            challenge_workers = config.challenges.workers,
            maps = ?config.maps,
            "ladder started"
        );
        if config.challenges.workers > 0 {
            let (state, config) = (state.clone(), config.clone());
            tokio::spawn(schedule(state, config, Slot::Challenge, seed ^ 1));
        }
        schedule(state, config, Slot::Ladder, seed).await;
        tracing::info!(
            "ladder stopped: no new matches; running ones finish or are re-queued at the next start"
        );
    });
}

/// Puts every 'running' match back in the queue and removes replay files
/// that no finished match owns (`.part` files of interrupted matches, a
/// replay renamed into place just before a crash prevented its commit, and
/// a pruned replay whose deletion a crash cut short).
///
/// On PostgreSQL other processes may be playing: only the matches whose
/// lease ran out are put back (`lease.rs`), and the files of matches under
/// a live lease are left alone.
pub fn recover(state: &AppState) -> Result<(), String> {
    let shared = state.config.database != crate::config::Database::Sqlite;
    let now = now_ms();
    let (requeued, live) = state
        .db
        .blocking(|conn| -> crate::db::sql::Result<_> {
            if shared {
                let expired = lease::requeue_expired(conn, now)?;
                let ids: Vec<i64> = expired.into_iter().map(|(id, _)| id).collect();
                Ok((ids, lease::live(conn, now)?))
            } else {
                Ok((matches::requeue_running(conn)?, Vec::new()))
            }
        })
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    if !requeued.is_empty() {
        tracing::info!(?requeued, "matches interrupted by a stop are queued again");
    }
    let live: std::collections::HashSet<i64> = live.into_iter().collect();
    std::fs::create_dir_all(&state.replays_dir).map_err(|e| e.to_string())?;
    let entries = std::fs::read_dir(&state.replays_dir).map_err(|e| e.to_string())?;
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let id = name.split('.').next().and_then(|id| id.parse::<i64>().ok());
        let orphan = if id.is_some_and(|id| live.contains(&id)) {
            false
        } else if name.ends_with(".part") {
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

/// One scheduler's loop: wait for a free worker of `slot`'s kind, claim a
/// match for it, play it.
async fn schedule(state: State, config: LadderConfig, slot: Slot, seed: u64) {
    let mut rng = Rng::new(seed);
    let (workers, rest) = match slot {
        Slot::Ladder => (config.workers, config.pause),
        // Challenges are asked for: no rest, their wait is someone's.
        Slot::Challenge => (config.challenges.workers, Duration::ZERO),
    };
    let slots = Arc::new(Semaphore::new(workers));
    let config = Arc::new(config);
    let mut shutdown = state.shutdown.subscribe();
    loop {
        let slot_permit = tokio::select! {
            permit = slots.clone().acquire_owned() => permit.ok(),
            _ = shutdown.wait_for(|stopping| *stopping) => None,
        };
        let Some(permit) = slot_permit else {
            break;
        };
        if state.is_shutting_down() {
            break;
        }
        if state.ladder.pause.is_paused() {
            drop(permit);
            tokio::select! {
                _ = state.ladder.pause.resumed() => {}
                _ = shutdown.wait_for(|stopping| *stopping) => break,
            }
            continue;
        }
        let claim_seed = rng.next_u64();
        let claimed = {
            let (state, config) = (state.clone(), config.clone());
            let seat_fuel = fair::seat_fuel(&state.settings().match_config);
            let db = state.db.clone();
            db.call(move |conn| {
                let c = Claim {
                    slot,
                    ladder: &config,
                    usage: &state.ladder.usage,
                    seat_fuel,
                };
                Ok(claim::claim(conn, &c, &mut Rng::new(claim_seed)))
            })
            .await
        };
        match claimed {
            Ok(Ok(Some(job))) => {
                let match_config = state.settings().match_config;
                let state = state.clone();
                tokio::spawn(async move {
                    let worker_state = state.clone();
                    let played = tokio::task::spawn_blocking(move || {
                        worker::play(&worker_state, job, match_config)
                    })
                    .await;
                    if let Err(e) = played {
                        tracing::error!(error = %e, "a match worker panicked");
                    }
                    // A challenge's player may start another now.
                    state.ladder.wake(&state);
                    if !rest.is_zero() {
                        tokio::time::sleep(rest).await;
                    }
                    drop(permit);
                });
            }
            Ok(Ok(None)) => {
                drop(permit);
                let wake = match slot {
                    Slot::Ladder => &state.ladder_wake,
                    Slot::Challenge => &state.ladder.challenge_wake,
                };
                tokio::select! {
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                    _ = wake.notified() => {}
                    _ = shutdown.wait_for(|stopping| *stopping) => {}
                }
            }
            Ok(Err(e)) => {
                drop(permit);
                match Fault::of_db(&e) {
                    Some(fault) => {
                        let error = format!("could not schedule a match: {e}");
                        let faulty = state.clone();
                        let _ = tokio::task::spawn_blocking(move || {
                            pause::on_fault(&faulty, fault, &error, None)
                        })
                        .await;
                    }
                    None => {
                        tracing::error!(error = %e, "could not schedule a match");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
            Err(e) => {
                drop(permit);
                tracing::error!(error = %e, "could not schedule a match");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

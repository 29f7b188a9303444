//! Recording a pruned replay again. Lockstep is deterministic: the same
//! modules, map, seed, match settings and sandbox limits play the same match,
//! tick for tick, so a replay the retention rule deleted can be made again
//! from what the match row keeps: its seats' modules, its map and seed, and
//! [`PlayedWith`], stored when it finished. The new recording must have the
//! replay hash the match recorded; it is refused otherwise (a different
//! engine build, a changed sandbox limit), never served as the original.
//!
//! It plays a whole match, bots included, so it is bounded ([`Rerecords`]):
//!
//! - **one recording per match** at a time: every request for a match being
//!   recorded waits for that recording (single flight);
//! - **`rerecords_at_once`** recordings at once in all, each on a blocking
//!   thread; more wait for a turn;
//! - **`rerecords_per_hour`** recordings started per client address (a
//!   request that joins one starts nothing);
//! - **stopped when no client waits**: the recording plays tick by tick and
//!   stops before the next tick once its last client has gone (a client
//!   told `503` to come back is waited for until its `Retry-After` and
//!   [`HOLD_GRACE`] more);
//! - **written back**: the recording goes to `replays/<id>.replay` (temp
//!   file, fsync, rename) and the row says it is kept again
//!   (`replay_restored_at`), so it is served as a file; the retention rule
//!   leaves it an hour, then may prune it again;
//! - **off** with `rerecord_pruned = false`: 410 saying so.

use super::recording::{Ended, record};
use super::worker;
use crate::app::{AppState, State};
use crate::config::Rerecording;
use crate::db::matches::{JobSeat, job_seats};
use crate::db::now_ms;
use crate::db::retention::{self, played_with};
use crate::error::ApiError;
use crate::ratelimit::{Allowance, Client, wait_in_words, whole_seconds};
use axum::body::Bytes;
use lockstep_sim::match_loop::MatchConfig;
use lockstep_sim::replay::SandboxLimits;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A client told to come back (`503` with `Retry-After`) is waited for
/// this much longer than it was told.
pub const HOLD_GRACE: Duration = Duration::from_secs(15);

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

/// Whether `played_with` was stored by a build from before the engine
/// hosted more than one game: its `match.game` is the reference game's
/// settings (an object), not a game's name. Such a match's replay was of
/// format 3; a recording made now is of format 4, so never the same bytes.
pub fn is_before_games(played_with: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(played_with)
        .is_ok_and(|v| v["match"]["game"].is_object())
}

/// Recording match `id` again, checked possible.
pub struct Plan {
    pub id: i64,
    pub played: PlayedWith,
    pub replay_hash: String,
    pub seats: Vec<JobSeat>,
}

/// The 410 for match `id`, saying `why`.
fn gone(id: i64, why: &str) -> ApiError {
    ApiError::Gone(format!(
        "match {id}'s replay was deleted by the server's retention rule, and cannot be \
         recorded again here: {why}; the result, seed and module hashes are still at \
         /api/matches/{id}"
    ))
}

/// What recording finished match `id` again needs, or 410 saying why it
/// cannot be. Reads the database and checks the module files: call it off
/// the async runtime.
pub fn prepare(state: &AppState, id: i64) -> Result<Plan, ApiError> {
    let (stored, seats, deleted) = state.db.blocking(|conn| {
        Ok::<_, crate::db::sql::Error>((
            played_with(conn, id)?,
            job_seats(conn, id)?,
            crate::quota::deleted_module(conn, id)?,
        ))
    })??;
    let Some((played, Some(replay_hash))) = stored else {
        return Err(ApiError::NotFound(format!("match {id} has not finished")));
    };
    let Some(played) = played else {
        return Err(gone(
            id,
            "it was played by an earlier build, which did not keep its settings",
        ));
    };
    if is_before_games(&played) {
        return Err(gone(
            id,
            "it was played by an earlier build, before the engine hosted more than one game, \
             and this build records replays in another format",
        ));
    }
    let played: PlayedWith = serde_json::from_str(&played)
        .map_err(|e| ApiError::internal(format!("match {id}'s played_with: {e}")))?;
    if played.limits != SandboxLimits::of(state.sandbox.config()) {
        return Err(gone(
            id,
            "it was played under other sandbox limits ([limits]) than this server's now",
        ));
    }
    if let Some(why) = deleted {
        return Err(gone(id, &why));
    }
    for (n, seat) in seats.iter().enumerate() {
        let path = state.modules_dir.join(format!("{}.wasm", seat.module));
        if !path.exists() {
            return Err(gone(
                id,
                &format!(
                    "the module of seat {n} ({}, {}) is no longer kept on this server",
                    seat.name, seat.module
                ),
            ));
        }
    }
    Ok(Plan {
        id,
        played,
        replay_hash,
        seats,
    })
}

/// Plays `plan` again and returns the replay's bytes, the same as the
/// pruned file's (checked by its replay hash); `Ok(None)` if `stop` ended
/// it first. `tick` follows its progress. Runs the whole match: call it off
/// the async runtime.
pub fn record_again(
    state: &AppState,
    plan: &Plan,
    tick: &AtomicU32,
    stop: &dyn Fn() -> bool,
) -> Result<Option<Vec<u8>>, ApiError> {
    let id = plan.id;
    let entrants = worker::entrants(state, &plan.seats).map_err(ApiError::internal)?;
    let mut replay = Vec::new();
    let mut stop_before = |n: u32| {
        tick.store(n, Relaxed);
        stop()
    };
    let recorded = record(
        &state.sandbox,
        &entrants,
        &plan.played.match_config,
        &mut replay,
        &mut (),
        &mut stop_before,
    );
    let hash = match recorded {
        Ok((_, hash)) => blake3::Hash::from_bytes(hash).to_hex(),
        Err(Ended::Stopped(at)) => {
            tracing::info!(
                id,
                tick = at,
                "recording a replay again stopped: nobody waits"
            );
            return Ok(None);
        }
        Err(Ended::Failed(e)) => {
            return Err(ApiError::internal(format!(
                "recording match {id} again: {e}"
            )));
        }
    };
    if hash.as_str() != plan.replay_hash {
        tracing::error!(id, recorded = %plan.replay_hash, again = %hash,
            "a match recorded again differs from its first recording");
        return Err(gone(
            id,
            &format!(
                "played again, it gives replay hash {hash}, not {} (this server's engine is \
                 not the one that played it)",
                plan.replay_hash
            ),
        ));
    }
    tracing::info!(id, bytes = replay.len(), "replay recorded again");
    Ok(Some(replay))
}

/// Puts match `id`'s replay, recorded again, back in place: temp file,
/// fsync, rename, folder fsync, then the row says it is kept again. If the
/// pruner deleted the file meanwhile (it marks rows, then deletes files),
/// the row is marked pruned again.
pub fn write_back(state: &AppState, id: i64, bytes: &[u8]) -> Result<(), String> {
    let path = worker::replay_path(&state.replays_dir, id);
    let temp = state.replays_dir.join(format!("{id}.replay.restore.part"));
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, &path)?;
        crate::storage::sync_dir(&state.replays_dir)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(format!("{}: {e}", path.display()));
    }
    let restored = state
        .db
        .blocking(|conn| retention::restore(conn, id, now_ms()))
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    if restored && !path.exists() {
        let _ = state
            .db
            .blocking(|conn| retention::mark_one(conn, id, now_ms()));
    }
    Ok(())
}

/// How a recording ended, for everyone who waited for it.
#[derive(Clone, Debug)]
enum Outcome {
    Recorded(Bytes),
    Gone(String),
    NotFound(String),
    Internal(String),
    /// The client that asked for it had no allowance left: 429 for it,
    /// others ask again (with their own).
    TooMany(String, u64),
    /// Nobody waited: ask again.
    Stopped,
}

impl Outcome {
    fn of(e: ApiError) -> Outcome {
        match e {
            ApiError::Gone(m) => Outcome::Gone(m),
            ApiError::NotFound(m) => Outcome::NotFound(m),
            other => Outcome::Internal(other.to_string()),
        }
    }
}

/// One match being recorded again, and who waits for it.
struct Flight {
    id: i64,
    /// Who asked first: its allowance pays (unless `paid`).
    client: Client,
    paid: bool,
    /// Requests waiting (changed under [`Rerecords::flights`]' lock).
    waiters: AtomicUsize,
    /// Unix ms until which the recording goes on without waiters (a client
    /// told to come back); 0: none.
    hold_until: AtomicU64,
    /// The tick being played, and when playing began (unix ms, 0: waiting
    /// for a turn).
    tick: AtomicU32,
    started: AtomicU64,
    max_ticks: AtomicU32,
    done: tokio::sync::watch::Sender<Option<Outcome>>,
    /// Nudged when the last waiter leaves (the turn's wait looks again).
    nudge: tokio::sync::Notify,
}

impl Flight {
    fn should_stop(&self) -> bool {
        self.waiters.load(Relaxed) == 0 && now_ms() as u64 >= self.hold_until.load(Relaxed)
    }
}

/// Pruned replays being recorded again (`AppState::ladder.rerecords`).
pub struct Rerecords {
    config: Rerecording,
    flights: Mutex<HashMap<i64, Arc<Flight>>>,
    turns: Arc<tokio::sync::Semaphore>,
    /// Recordings playing now.
    running: AtomicUsize,
    /// Recordings by how they ended: recorded, stopped, failed; and the
    /// seconds spent playing them.
    pub recorded: AtomicU64,
    pub stopped: AtomicU64,
    pub failed: AtomicU64,
    pub seconds_ms: AtomicU64,
}

impl Default for Rerecords {
    fn default() -> Rerecords {
        Rerecords::new(&Rerecording::default())
    }
}

/// A request waiting for a flight: leaving (its future dropped when the
/// client goes) may stop the recording.
struct Waiter<'a> {
    rerecords: &'a Rerecords,
    flight: Arc<Flight>,
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        let _flights = self.rerecords.lock();
        if self.flight.waiters.fetch_sub(1, Relaxed) == 1 {
            self.flight.nudge.notify_one();
        }
    }
}

impl Rerecords {
    pub fn new(config: &Rerecording) -> Rerecords {
        Rerecords {
            config: *config,
            flights: Mutex::default(),
            turns: Arc::new(tokio::sync::Semaphore::new(config.at_once)),
            running: AtomicUsize::new(0),
            recorded: AtomicU64::new(0),
            stopped: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            seconds_ms: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Arc<Flight>>> {
        self.flights.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Recordings playing now, and waiting for a turn.
    pub fn counts(&self) -> (usize, usize) {
        let running = self.running.load(Relaxed);
        (running, self.lock().len().saturating_sub(running))
    }

    /// The replay of pruned match `id`, recorded again (or being recorded:
    /// this request joins), for a request from `client` that must be
    /// answered within `answer_within`. 410 where it cannot be (or this
    /// server does not), 429 past the client's allowance, 503 with
    /// `Retry-After` if the recording is not done in time (it goes on, held
    /// for the client's return).
    pub async fn replay(
        state: &State,
        id: i64,
        client: Client,
        answer_within: Duration,
    ) -> Result<Bytes, ApiError> {
        let this = &state.ladder.rerecords;
        if !this.config.enabled {
            return Err(gone(
                id,
                "this server does not record pruned replays again ([server] rerecord_pruned = \
                 false)",
            ));
        }
        let deadline = tokio::time::Instant::now() + answer_within;
        let mut paid = false;
        for _ in 0..3 {
            let flight = {
                let mut flights = this.lock();
                match flights.get(&id) {
                    Some(flight) => {
                        flight.waiters.fetch_add(1, Relaxed);
                        flight.clone()
                    }
                    None => {
                        let flight = Arc::new(Flight {
                            id,
                            client,
                            paid,
                            waiters: AtomicUsize::new(1),
                            hold_until: AtomicU64::new(0),
                            tick: AtomicU32::new(0),
                            started: AtomicU64::new(0),
                            max_ticks: 0.into(),
                            done: tokio::sync::watch::Sender::new(None),
                            nudge: tokio::sync::Notify::new(),
                        });
                        flights.insert(id, flight.clone());
                        tokio::spawn(fly(state.clone(), flight.clone()));
                        flight
                    }
                }
            };
            let waiter = Waiter {
                rerecords: this,
                flight,
            };
            let mut done = waiter.flight.done.subscribe();
            let outcome = tokio::time::timeout_at(deadline, done.wait_for(Option::is_some)).await;
            let outcome = match outcome {
                Ok(Ok(outcome)) => outcome.clone(),
                Ok(Err(_)) => Some(Outcome::Stopped),
                Err(_) => return Err(this.come_back(&waiter.flight)),
            };
            match outcome {
                Some(Outcome::Recorded(bytes)) => return Ok(bytes),
                Some(Outcome::Gone(m)) => return Err(ApiError::Gone(m)),
                Some(Outcome::NotFound(m)) => return Err(ApiError::NotFound(m)),
                Some(Outcome::Internal(m)) => return Err(ApiError::Internal(m)),
                Some(Outcome::TooMany(message, retry)) if waiter.flight.client == client => {
                    return Err(ApiError::TooManyRequests {
                        message,
                        retry_after: Some(retry),
                    });
                }
                // Started, and paid, by this client: not again.
                Some(Outcome::Stopped) if waiter.flight.client == client => paid = true,
                _ => {}
            }
        }
        Err(ApiError::Busy {
            message: format!(
                "match {id}'s replay could not be recorded again just now; try again in a moment"
            ),
            retry_after: Some(5),
        })
    }

    /// What a new flight checks before its turn: that match `id` can be
    /// recorded again (else 410, before anything is counted), and its
    /// client's allowance (else 429).
    async fn begin(&self, state: &State, flight: &Flight) -> Result<Plan, Outcome> {
        let (id, client) = (flight.id, flight.client);
        let checking = state.clone();
        let plan = match tokio::task::spawn_blocking(move || prepare(&checking, id)).await {
            Ok(Ok(plan)) => plan,
            Ok(Err(e)) => return Err(Outcome::of(e)),
            Err(e) => return Err(Outcome::Internal(e.to_string())),
        };
        if flight.paid {
            return Ok(plan);
        }
        let allowance = Allowance {
            kind: "rerecord",
            limit: self.config.per_hour,
            window: Duration::from_secs(3600),
        };
        match allowance.take(&state.db, client).await {
            Ok(Ok(_place)) => Ok(plan),
            Ok(Err(wait)) => Err(Outcome::TooMany(
                format!(
                    "too many pruned replays recorded again for {client}: at most {} an hour \
                     ([server] rerecords_per_hour); try again in {}, or watch a newer match \
                     (their replays are kept)",
                    self.config.per_hour,
                    wait_in_words(wait)
                ),
                whole_seconds(wait),
            )),
            Err(e) => Err(Outcome::of(e)),
        }
    }

    /// The 503 for a client whose answer is not ready in time: how far the
    /// recording is, when to come back; the recording is held for it.
    fn come_back(&self, flight: &Flight) -> ApiError {
        let started = flight.started.load(Relaxed);
        let tick = flight.tick.load(Relaxed);
        let max_ticks = flight.max_ticks.load(Relaxed);
        let (progress, wait) = if started == 0 {
            (
                format!(
                    "it is waiting for its turn ([server] rerecords_at_once = {} at once)",
                    self.config.at_once
                ),
                Duration::from_secs(10),
            )
        } else {
            let elapsed = (now_ms() as u64).saturating_sub(started);
            let left = u64::from(max_ticks.saturating_sub(tick));
            let ms = elapsed.saturating_mul(left) / u64::from(tick.max(1));
            (
                format!(
                    "tick {tick} of at most {max_ticks} after {} s",
                    elapsed / 1000
                ),
                Duration::from_millis(ms).clamp(Duration::from_secs(1), Duration::from_secs(60)),
            )
        };
        let hold = now_ms() as u64 + (wait + HOLD_GRACE).as_millis() as u64;
        flight.hold_until.fetch_max(hold, Relaxed);
        ApiError::Busy {
            message: format!(
                "match {}'s replay was pruned and is being recorded again ({progress}); try \
                 again in {}: the recording goes on for you until then",
                flight.id,
                wait_in_words(wait)
            ),
            retry_after: Some(whole_seconds(wait)),
        }
    }
}

/// A flight's recording: a turn, the match played on a blocking thread
/// (stopping when nobody waits), written back, then its outcome for
/// everyone waiting.
async fn fly(state: State, flight: Arc<Flight>) {
    let this = &state.ladder.rerecords;
    let plan = match this.begin(&state, &flight).await {
        Ok(plan) => plan,
        Err(outcome) => return land(&state, &flight, outcome),
    };
    flight
        .max_ticks
        .store(plan.played.match_config.max_ticks(), Relaxed);
    let turn = loop {
        tokio::select! {
            turn = this.turns.clone().acquire_owned() => break turn.ok(),
            _ = flight.nudge.notified() => if flight.should_stop() { break None },
        }
    };
    let outcome = match turn {
        Some(_turn) if !flight.should_stop() => {
            this.running.fetch_add(1, Relaxed);
            let begun = Instant::now();
            flight.started.store(now_ms() as u64, Relaxed);
            let (recording, watched) = (state.clone(), flight.clone());
            let played = tokio::task::spawn_blocking(move || {
                let stop = || watched.should_stop();
                let bytes = record_again(&recording, &plan, &watched.tick, &stop)?;
                if let Some(bytes) = &bytes
                    && let Err(e) = write_back(&recording, plan.id, bytes)
                {
                    tracing::warn!(id = plan.id, error = %e,
                        "a replay recorded again could not be written back; served from memory");
                }
                Ok::<_, ApiError>(bytes)
            })
            .await;
            this.running.fetch_sub(1, Relaxed);
            this.seconds_ms
                .fetch_add(begun.elapsed().as_millis() as u64, Relaxed);
            match played {
                Ok(Ok(Some(bytes))) => Outcome::Recorded(Bytes::from(bytes)),
                Ok(Ok(None)) => Outcome::Stopped,
                Ok(Err(e)) => Outcome::of(e),
                Err(e) => Outcome::Internal(format!("recording match {} again: {e}", flight.id)),
            }
        }
        _ => Outcome::Stopped,
    };
    land(&state, &flight, outcome);
}

/// Ends `flight` with `outcome`: counted, and told to everyone waiting.
fn land(state: &AppState, flight: &Flight, outcome: Outcome) {
    let this = &state.ladder.rerecords;
    let counter = match &outcome {
        Outcome::Recorded(bytes) => {
            state.recorded_again.put(flight.id, bytes.clone());
            &this.recorded
        }
        Outcome::Stopped => &this.stopped,
        Outcome::TooMany(..) | Outcome::Gone(_) | Outcome::NotFound(_) => {
            let mut flights = this.lock();
            flights.remove(&flight.id);
            flight.done.send_replace(Some(outcome));
            return;
        }
        Outcome::Internal(_) => &this.failed,
    };
    counter.fetch_add(1, Relaxed);
    let mut flights = this.lock();
    flights.remove(&flight.id);
    flight.done.send_replace(Some(outcome));
}

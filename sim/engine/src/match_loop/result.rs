//! What a finished match reports: standings, per-bot stats, the final hash.

use super::OverrunPolicy;
use crate::json::Json;
use crate::sandbox::{CallReport, Outcome};
use serde::Serialize;

/// The whole result of one match; `lockstep match --json` prints this.
#[derive(Clone, Debug, Serialize)]
pub struct MatchResult {
    /// The game played (its registry name).
    pub game: String,
    /// The winning seat, or `None` for a draw.
    pub winner: Option<usize>,
    /// The winning bot's name, for people reading the JSON.
    pub winner_bot: Option<String>,
    pub ticks: u32,
    /// blake3 of the final world state, hex. Equal hashes = equal games.
    pub final_hash: String,
    pub map: String,
    pub seed: u64,
    pub tick_fuel: u64,
    /// The match's `MatchConfig::bucket_cap` (0: no bucket).
    pub bucket_cap: u64,
    /// The match's overrun policy.
    pub overrun: OverrunPolicy,
    pub players: Vec<PlayerResult>,
}

/// One seat's bot and how it did.
#[derive(Clone, Debug, Serialize)]
pub struct PlayerResult {
    pub seat: usize,
    pub bot: String,
    pub module_hash: String,
    pub encoding: String,
    /// The seat's place: 0 first, equal places tie.
    pub rank: u32,
    /// The game's score object (`docs/games/`), e.g. the reference game's
    /// `alive`, `eliminated_at`, `core_hp`, `units`, `energy`.
    pub score: Json,
    /// Fuel used over the whole match by `lockstep_tick` calls.
    pub fuel_total: u64,
    /// The most fuel one tick used.
    pub fuel_max_tick: u64,
    /// The largest budget one tick had: `tick_fuel`, plus the bucket or
    /// tick 0's init remainder (under `resume`, whole segments only).
    pub budget_max: u64,
    /// The most fuel the bucket held at the end of a tick (at most `bucket_cap`).
    pub bucket_max: u64,
    /// Ticks the bot ran: `lockstep_tick` calls made (under `resume`, a
    /// suspended call continuing counts on each tick it runs).
    pub ticks_played: u32,
    /// Calls cut off for running out of fuel.
    pub cutoffs: u32,
    /// Ticks at the end of which a call was suspended (`resume` policy);
    /// not failures.
    pub suspensions: u32,
    /// Calls that trapped.
    pub traps: u32,
    /// Calls stopped by the wall-clock watchdog (never in a normal game).
    pub watchdogs: u32,
    /// Calls whose output was out of bounds, too large or undecodable, or
    /// whose `lockstep_alloc` returned a bad pointer.
    pub bad_outputs: u32,
    /// Orders the game rejected or that failed when resolved.
    pub invalid_actions: u64,
    /// Instances replaced under the `reset` policy.
    pub resets: u32,
    /// How `lockstep_init` (or instantiation) went.
    pub init: Outcome,
    /// The first tick whose call failed (neither `ok` nor `suspended`), and how.
    pub first_failure: Option<TickFailure>,
    /// The last log lines, oldest first (at most [`LOG_TAIL`]).
    pub log_tail: Vec<LogLine>,
}

/// How many of a bot's last log lines a result keeps.
pub const LOG_TAIL: usize = 20;

#[derive(Clone, Debug, Serialize)]
pub struct TickFailure {
    pub tick: u32,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, Serialize)]
pub struct LogLine {
    /// The tick the line was logged in; `None` for `lockstep_init`.
    pub tick: Option<u32>,
    pub line: String,
}

impl PlayerResult {
    pub(crate) fn new(seat: usize, bot: String, module_hash: String, encoding: String) -> Self {
        PlayerResult {
            seat,
            bot,
            module_hash,
            encoding,
            score: Json::default(),
            rank: 0,
            fuel_total: 0,
            fuel_max_tick: 0,
            budget_max: 0,
            bucket_max: 0,
            ticks_played: 0,
            cutoffs: 0,
            suspensions: 0,
            traps: 0,
            watchdogs: 0,
            bad_outputs: 0,
            invalid_actions: 0,
            resets: 0,
            init: Outcome::Ok,
            first_failure: None,
            log_tail: Vec::new(),
        }
    }

    /// Folds one tick's call (made with `budget`) into the totals.
    pub(crate) fn record_tick(
        &mut self,
        tick: u32,
        budget: u64,
        report: &CallReport,
        outcome: &Outcome,
    ) {
        self.ticks_played += 1;
        self.fuel_total += report.fuel_used;
        self.fuel_max_tick = self.fuel_max_tick.max(report.fuel_used);
        self.budget_max = self.budget_max.max(budget);
        match outcome {
            Outcome::Ok => {}
            Outcome::Suspended => self.suspensions += 1,
            Outcome::OutOfFuel => self.cutoffs += 1,
            Outcome::Watchdog => self.watchdogs += 1,
            // `proc_exit` counts as a trap: the call ended without an answer.
            Outcome::Trap { .. } | Outcome::MemoryExhausted { .. } | Outcome::Exited { .. } => {
                self.traps += 1
            }
            Outcome::BadAlloc { .. } | Outcome::BadOutput { .. } | Outcome::InitFailed { .. } => {
                self.bad_outputs += 1
            }
        }
        if outcome.is_failure() && self.first_failure.is_none() {
            self.first_failure = Some(TickFailure {
                tick,
                outcome: outcome.clone(),
            });
        }
        self.keep_logs(Some(tick), report);
    }

    pub(crate) fn keep_logs(&mut self, tick: Option<u32>, report: &CallReport) {
        for line in &report.logs {
            if self.log_tail.len() == LOG_TAIL {
                self.log_tail.remove(0);
            }
            self.log_tail.push(LogLine {
                tick,
                line: line.clone(),
            });
        }
    }
}

//! Playing the sampling matches under a generous budget and recording every
//! bot-tick's fuel.
//!
//! Each match runs on one thread (`MatchConfig::threads = 1`); up to
//! `threads` matches run at once, all on one [`Sandbox`]. Fuel counts do not
//! depend on that: the samples are the same at any thread count.

use crate::match_loop::{
    BotTick, Entrant, MatchConfig, MatchObserver, StateHash, run_match_observed,
};
use crate::sandbox::{CallReport, Outcome, Sandbox};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One sampling match: its map, seed and which bots sit where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedMatch {
    pub map: String,
    pub seed: u64,
    /// Index into the bot list for each seat, seat 0 first.
    pub seats: Vec<usize>,
}

/// The matches to play: match `i` is on map `i mod M` with seed `seed + i`,
/// and its seats hold the bots from index `r = (i + i div M) mod B` on, in
/// list order, wrapping around (`M` maps, `B` bots). So every bot plays
/// every seat and, given enough matches, every map against every rotation.
/// With one bot, it plays itself.
pub fn plan(
    bots: usize,
    maps: &[String],
    matches: usize,
    players: usize,
    seed: u64,
) -> Vec<PlannedMatch> {
    assert!(bots > 0 && !maps.is_empty(), "a plan needs bots and maps");
    (0..matches)
        .map(|i| {
            let rotation = (i + i / maps.len()) % bots;
            PlannedMatch {
                map: maps[i % maps.len()].clone(),
                seed: seed.wrapping_add(i as u64),
                seats: (0..players).map(|seat| (rotation + seat) % bots).collect(),
            }
        })
        .collect()
}

/// A recorded tick-0 call (or, in general, the first call after
/// `lockstep_init`): it may also spend what `lockstep_init` left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FirstTick {
    pub fuel: u64,
    /// The init remainder at the configured `init_fuel`: added to this
    /// call's budget at any tick budget.
    pub remainder: u64,
}

/// Every recorded call of one bot (from the BOT list), all matches together.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BotSamples {
    pub name: String,
    /// Seats it took.
    pub seats: u64,
    /// Fuel of each call after the first (ticks 1 on), sorted ascending.
    /// A call that ran out of its budget counts as that budget plus one: the
    /// least it needed (so any budget up to the probe budget cuts it off).
    pub ticks: Vec<u64>,
    /// Each seat's first call (tick 0), with its init remainder.
    pub first: Vec<FirstTick>,
    /// `lockstep_init` fuel of each seat.
    pub init: Vec<u64>,
    /// Calls that ran out of even the probe budget (or were stopped by the
    /// watchdog): their true need is unknown, only at least what is recorded.
    pub capped: u64,
    /// Calls that failed otherwise (trap, bad output...): their fuel is
    /// what they spent before failing.
    pub failures: u64,
    /// Seats whose bot could not even be instantiated or initialised.
    pub init_failures: u64,
}

impl BotSamples {
    /// Every recorded call, tick 0 included.
    pub fn calls(&self) -> u64 {
        self.ticks.len() as u64 + self.first.len() as u64
    }

    /// Calls that a tick budget of `budget` would cut off: later ticks over
    /// `budget`, first ticks over `budget` plus their init remainder.
    pub fn cut_off(&self, budget: u64) -> u64 {
        let later = super::stats::count_over(&self.ticks, budget);
        let first = self
            .first
            .iter()
            .filter(|t| t.fuel > budget.saturating_add(t.remainder))
            .count() as u64;
        later + first
    }
}

/// What the sampling matches recorded.
#[derive(Clone, Debug, Default)]
pub struct Samples {
    /// One entry per bot of the BOT list, in its order.
    pub bots: Vec<BotSamples>,
    /// Matches played.
    pub matches: usize,
    /// Ticks played, all matches together.
    pub match_ticks: u64,
}

impl Samples {
    /// Every bot's later ticks (ticks 1 on) together, sorted ascending.
    pub fn all_ticks(&self) -> Vec<u64> {
        let mut all: Vec<u64> = self
            .bots
            .iter()
            .flat_map(|b| b.ticks.iter().copied())
            .collect();
        all.sort_unstable();
        all
    }

    pub fn calls(&self) -> u64 {
        self.bots.iter().map(BotSamples::calls).sum()
    }

    pub fn cut_off(&self, budget: u64) -> u64 {
        self.bots.iter().map(|b| b.cut_off(budget)).sum()
    }

    pub fn capped(&self) -> u64 {
        self.bots.iter().map(|b| b.capped).sum()
    }
}

/// One seat's calls in one match.
#[derive(Default)]
struct SeatRecord {
    ticks: Vec<u64>,
    first: Option<FirstTick>,
    init: Option<u64>,
    /// The remainder of the last `lockstep_init`, until the next call uses it.
    remainder: Option<u64>,
    capped: u64,
    failures: u64,
    init_failed: bool,
}

/// Records each call's fuel, seat by seat.
struct Recorder {
    init_fuel: u64,
    seats: Vec<SeatRecord>,
    ticks: u64,
}

impl MatchObserver for Recorder {
    fn bot_init(&mut self, _tick: u32, seat: usize, report: &CallReport) {
        let record = &mut self.seats[seat];
        record.init_failed |= !report.outcome.is_ok();
        record.init.get_or_insert(report.fuel_used);
        record.remainder = Some(self.init_fuel.saturating_sub(report.fuel_used));
    }

    fn bot_tick(&mut self, call: &BotTick<'_>) {
        let record = &mut self.seats[call.seat];
        let mut fuel = call.report.fuel_used;
        match call.report.outcome {
            Outcome::OutOfFuel | Outcome::Watchdog => {
                record.capped += 1;
                // It needed more than it got: at least one more.
                fuel = fuel.saturating_add(1);
            }
            _ if call.outcome.is_failure() => record.failures += 1,
            _ => {}
        }
        match record.remainder.take() {
            Some(remainder) if record.first.is_none() => {
                record.first = Some(FirstTick { fuel, remainder });
            }
            _ => record.ticks.push(fuel),
        }
    }

    fn tick_end(&mut self, _tick: u32, _state_hash: &StateHash<'_>) {
        self.ticks += 1;
    }
}

/// Plays `planned` matches of `bots` with `config` (whose `tick_fuel` is the
/// probe budget and `overrun` should be `skip`), `threads` at a time, and
/// collects every call's fuel. `progress` is told each match's index as it
/// ends (from the worker threads).
pub fn sample(
    sandbox: &Sandbox,
    bots: &[Entrant],
    planned: &[PlannedMatch],
    config: &MatchConfig,
    threads: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Samples, String> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Recorder, String>>>> =
        Mutex::new(planned.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, planned.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(plan) = planned.get(index) else {
                        break;
                    };
                    let played = play(sandbox, bots, plan, config);
                    results.lock().unwrap_or_else(|p| p.into_inner())[index] = Some(played);
                    progress(index);
                }
            });
        }
    });
    let mut samples = Samples {
        bots: bots
            .iter()
            .map(|b| BotSamples {
                name: b.name.clone(),
                ..BotSamples::default()
            })
            .collect(),
        matches: planned.len(),
        match_ticks: 0,
    };
    let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    for (plan, result) in planned.iter().zip(results) {
        let recorder = result.unwrap_or_else(|| Err("a sampling match was not played".into()))?;
        samples.match_ticks += recorder.ticks;
        for (&bot, seat) in plan.seats.iter().zip(recorder.seats) {
            let into = &mut samples.bots[bot];
            into.seats += 1;
            into.ticks.extend(seat.ticks);
            into.first.extend(seat.first);
            into.init.extend(seat.init);
            into.capped += seat.capped;
            into.failures += seat.failures;
            into.init_failures += u64::from(seat.init_failed);
        }
    }
    for bot in &mut samples.bots {
        bot.ticks.sort_unstable();
    }
    Ok(samples)
}

/// Plays one sampling match.
fn play(
    sandbox: &Sandbox,
    bots: &[Entrant],
    plan: &PlannedMatch,
    config: &MatchConfig,
) -> Result<Recorder, String> {
    let entrants: Vec<Entrant> = plan.seats.iter().map(|&bot| bots[bot].clone()).collect();
    let config = MatchConfig {
        map: plan.map.clone(),
        seed: plan.seed,
        threads: 1,
        ..config.clone()
    };
    let mut recorder = Recorder {
        init_fuel: config.init_fuel,
        seats: entrants.iter().map(|_| SeatRecord::default()).collect(),
        ticks: 0,
    };
    run_match_observed(sandbox, &entrants, &config, &mut recorder)
        .map_err(|e| format!("sampling match on {} (seed {}): {e}", plan.map, plan.seed))?;
    Ok(recorder)
}

//! Budget tuning (`lockstep tune`): how much fuel bots need per tick, and
//! what budget this machine can afford.
//!
//! 1. **Sample** (`sample.rs`): play matches under a generous *probe*
//!    budget, so that (almost) nothing is cut off, recording every bot
//!    call's fuel through a [`MatchObserver`](crate::match_loop::MatchObserver).
//! 2. **Summarise** (`stats.rs`, `report.rs`): per bot and overall, the
//!    nearest-rank p50/p90/p99/max of fuel per tick (tick 0 left out: it may
//!    also spend the init remainder), and for each candidate budget the
//!    share of bot-ticks it would cut off (tick 0 included, with its remainder).
//! 3. **Calibrate** (`calibrate.rs`, `worst.rs`): this machine's wall time
//!    per unit of fuel on the reference bot, with its spread, the engine's
//!    own work per player and tick, and the wall time per fuel of the worst
//!    pattern known (a pointer chase over the whole memory cap).
//! 4. **Project and recommend** (`report.rs`): each budget's tick time for
//!    N players on T threads, worst case `ceil(N/T) × budget × ns per fuel`
//!    plus the engine's work; the recommendation is the largest candidate
//!    whose worst case meets the target tick time. Beside it, what the same
//!    budget costs if bots spend it on the worst pattern, and whether the
//!    watchdog (`[limits] watchdog_ms`) or the fuel ends such a call first.
//! 5. **Show** (`text.rs`, `plot.rs`): tables, notes, TOML lines to paste
//!    into the admin config, and an SVG chart.
//!
//! Fuel numbers are deterministic: the samples are the same on every
//! machine and at any thread count. Only the calibration, and so the
//! projection and the recommendation, are this machine's.

mod calibrate;
mod plot;
mod report;
mod sample;
pub mod stats;
mod text;
mod worst;

pub use calibrate::{Calibration, REFERENCE_BOT, build_kind, calibrate};
pub use report::{
    BotReport, ConfigBudget, Cutoff, Projection, ProjectionRow, Recommendation, Sampling,
    TuneReport,
};
pub use sample::{BotSamples, FirstTick, PlannedMatch, Samples, plan, sample};
pub use stats::{FuelStats, parse_fuel, parse_fuel_list, percentile};
pub use worst::{WorstPattern, span_for};

use crate::match_loop::{Entrant, MatchConfig, OverrunPolicy};
use crate::sandbox::Sandbox;
use std::time::{Duration, Instant};

/// Everything `lockstep tune` is asked to do.
#[derive(Clone, Debug)]
pub struct TuneSpec {
    /// The bots to measure, each once (a bot given twice is measured twice,
    /// under two entries).
    pub bots: Vec<Entrant>,
    /// Maps the sampling matches are played on, in turn (names, files or
    /// `random:WxH`), each with room for `players`.
    pub maps: Vec<String>,
    /// Sampling matches to play (at least 1).
    pub matches: usize,
    /// Seats per match, 2 to 8; filled from `bots` in rotation (see [`plan`]).
    pub players: usize,
    /// Match `i` uses seed `seed + i`.
    pub seed: u64,
    /// Tick budget of the sampling matches: generous, so that calls are
    /// measured rather than cut off.
    pub probe_fuel: u64,
    /// Matches played at once; also the threads of the projection ("N
    /// players on T threads").
    pub threads: usize,
    /// Candidate tick budgets; `None` for a ladder around the observed use.
    pub budgets: Option<Vec<u64>>,
    /// The tick wall time the recommended budget must meet, in ms (> 0).
    pub target_tick_ms: f64,
    /// Roughly how long to calibrate (at least three repetitions are made).
    pub calibrate: Duration,
    /// The admin's match settings: `tick_fuel`, `init_fuel`, `bucket_cap`
    /// and `overrun` are what the report is about; the game's rules and
    /// tick limit are played with.
    pub config: MatchConfig,
}

/// The default probe budget: ten times the config's tick budget.
pub fn default_probe_fuel(config: &MatchConfig) -> u64 {
    config.tick_fuel.saturating_mul(10).max(1)
}

impl TuneSpec {
    /// Checks what `tune` cannot work with, one message for the first problem.
    pub fn check(&self) -> Result<(), String> {
        if self.bots.is_empty() {
            return Err("no bots to tune: give at least one BOT".into());
        }
        self.check_settings()
    }

    /// [`TuneSpec::check`] but for the bots: the numbers and the maps, so
    /// that a bad argument is reported before any module is compiled.
    pub fn check_settings(&self) -> Result<(), String> {
        let game = crate::games::find(&self.config.game).map_err(|e| e.to_string())?;
        let (min, max) = game.seats();
        if !(min..=max).contains(&self.players) {
            return Err(format!(
                "--players must be {min} to {max} (seats in each sampling match of {}), not {}",
                game.name(),
                self.players
            ));
        }
        if self.matches == 0 {
            return Err("--matches must be at least 1".into());
        }
        if self.threads == 0 {
            return Err("--threads must be at least 1".into());
        }
        if self.maps.is_empty() {
            return Err("--maps needs at least one map".into());
        }
        if self.probe_fuel == 0 {
            return Err("--probe-fuel must be at least 1".into());
        }
        if !(self.target_tick_ms.is_finite() && self.target_tick_ms > 0.0) {
            return Err(format!(
                "--target-tick-ms must be a number of milliseconds above 0, not {}",
                self.target_tick_ms
            ));
        }
        if let Some(budgets) = &self.budgets
            && budgets.is_empty()
        {
            return Err("--budgets needs at least one budget".into());
        }
        for map in &self.maps {
            start(game, map, self.players, self.seed, &self.config).map_err(|e| {
                format!(
                    "--maps: map '{map}' cannot be played by {} players: {e}",
                    self.players
                )
            })?;
        }
        Ok(())
    }
}

/// Samples, calibrates and builds the report. `progress` gets one line at
/// a time about what is happening (for stderr).
pub fn tune(
    sandbox: &Sandbox,
    spec: &TuneSpec,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<TuneReport, String> {
    spec.check()?;
    let at_once = spec.threads.min(spec.matches) * spec.players;
    let pool = sandbox.config().pool_instances as usize;
    if at_once > pool {
        return Err(format!(
            "{} matches at once of {} players need {at_once} bot instances, but the sandbox's \
             pool holds {pool} ([limits] pool_instances): lower --threads or raise it",
            spec.threads.min(spec.matches),
            spec.players
        ));
    }
    let planned = plan(
        spec.bots.len(),
        &spec.maps,
        spec.matches,
        spec.players,
        spec.seed,
    );
    let probe_config = MatchConfig {
        tick_fuel: spec.probe_fuel,
        // Nothing is cut off at the probe budget, and `skip` keeps every
        // instance: each seat's calls are one bot's life, as in a real match.
        overrun: OverrunPolicy::Skip,
        bucket_cap: 0,
        ..spec.config.clone()
    };
    progress(&format!(
        "playing {} ({} at a time) under a probe budget of {} per tick...",
        stats::count_of(planned.len(), "match", "matches"),
        spec.threads.min(planned.len()),
        stats::short(spec.probe_fuel)
    ));
    let started = Instant::now();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let samples = sample(
        sandbox,
        &spec.bots,
        &planned,
        &probe_config,
        spec.threads,
        &|_| {
            let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if finished.is_multiple_of(10) && finished < planned.len() {
                progress(&format!("  {finished} of {} matches played", planned.len()));
            }
        },
    )?;
    let sampling_ms = started.elapsed().as_secs_f64() * 1e3;
    progress(&format!(
        "calibrating wall time per fuel on {REFERENCE_BOT} for about {:.1} s, then on a pointer \
         chase over the memory cap...",
        spec.calibrate.as_secs_f64()
    ));
    let calibration = calibrate(sandbox, spec.calibrate)?;
    let inputs = report::Inputs {
        config: &spec.config,
        // The maps played: match i is on map i mod M, so fewer matches than
        // maps leave the last ones out.
        maps: spec.maps.iter().take(spec.matches).cloned().collect(),
        players: spec.players,
        threads: spec.threads,
        seed: spec.seed,
        probe_fuel: spec.probe_fuel,
        budgets: spec.budgets.clone(),
        target_tick_ms: spec.target_tick_ms,
        watchdog_ms: sandbox.config().watchdog_ms,
        sampling_ms,
    };
    Ok(report::build(&inputs, samples, calibration))
}

impl TuneReport {
    /// The report for people: tables, recommendation, notes, TOML lines.
    pub fn text(&self) -> String {
        text::render(self)
    }

    /// The chart of the fuel distributions with the budget lines (SVG).
    pub fn svg(&self) -> String {
        plot::svg(self)
    }
}

/// The bundled maps of `config`'s game with room for `players` (the
/// default `--maps`).
pub fn maps_for(config: &MatchConfig, players: usize) -> Vec<String> {
    let Ok(game) = crate::games::find(&config.game) else {
        return Vec::new();
    };
    game.bundled_maps()
        .into_iter()
        .filter(|name| start(game, name, players, 0, config).is_ok())
        .map(String::from)
        .collect()
}

/// Sets up (and drops) a match of `game` on `map`: whether it can be played.
fn start(
    game: &dyn lockstep_game_api::GameDef,
    map: &str,
    players: usize,
    seed: u64,
    config: &MatchConfig,
) -> Result<(), lockstep_game_api::SetupError> {
    game.start(&lockstep_game_api::Setup {
        map: lockstep_game_api::MapChoice::Spec(map),
        seats: players,
        seed,
        settings: &config.settings.0,
    })
    .map(drop)
}

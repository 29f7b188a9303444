//! This machine's wall time per unit of fuel, measured on the reference bot.
//!
//! The reference is the bundled `rusher` (a BFS path-finder: ordinary,
//! branchy, allocating Rust code) over a recorded game: rusher against
//! harvester on the 64x64 `arena`, both in the sandbox, the rusher's
//! observations kept (the same game as `benches/wall_per_fuel.rs`, whose
//! figures `docs/limits.md` quotes). Then the rusher replays those
//! observations on a fresh instance again and again, each call timed; each
//! repetition gives one ratio, total call wall time over total fuel. The
//! median is the figure; the spread of the repetitions (p10 to p90, min to
//! max) shows how steady the machine was. The fuel of every repetition is
//! the same (fuel is deterministic), which is checked.
//!
//! The engine's own work per tick (observe, encode, decode, submit, step)
//! is timed while recording the game, per player.
//!
//! Then the worst pattern known, a pointer chase over the whole memory cap
//! (`worst.rs`), for about a quarter of the same time: what a bot's tick can
//! cost at the same fuel, far more than the reference's.

use super::stats::percentile_f64;
use super::worst::{self, WorstPattern};
use crate::bundled::bundled_bot;
use crate::sandbox::{BotInstance, BotModule, Sandbox};
use lockstep_game::{Game, GameConfig, Map};
use lockstep_sdk::{Action, Limits, Observation, PlayerId};
use serde::Serialize;
use std::time::{Duration, Instant};

/// The reference bot and its opponent in the recorded game.
pub const REFERENCE_BOT: &str = "rusher";
const OPPONENT: &str = "harvester";
const MAP: &str = "arena";
const SEED: u64 = 7;
/// Ticks recorded at most (the rusher usually wins before).
const MAX_TICKS: usize = 150;
/// Fuel for every call of the calibration: far more than the rusher needs.
const FUEL: u64 = 100_000_000;
/// Repetitions at least (after one warm-up) and at most.
const MIN_REPETITIONS: usize = 3;
const MAX_REPETITIONS: usize = 200;

/// Which build of `lockstep` is running: timings differ between the two.
pub fn build_kind() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

/// The measured wall time per unit of fuel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Calibration {
    /// The reference bot's name.
    pub bot: String,
    /// The recorded game it replays.
    pub game: String,
    /// `release` or `debug`: the build that measured.
    pub build: String,
    pub repetitions: u32,
    /// Calls (ticks) per repetition and the fuel they used, identical in
    /// every repetition.
    pub calls: u32,
    pub fuel_per_repetition: u64,
    /// Median over the repetitions of (wall time of the calls / fuel), in
    /// nanoseconds per unit of fuel.
    pub ns_per_fuel: f64,
    /// The repetitions' nearest-rank 10th and 90th percentiles, min and max.
    pub ns_per_fuel_p10: f64,
    pub ns_per_fuel_p90: f64,
    pub ns_per_fuel_min: f64,
    pub ns_per_fuel_max: f64,
    /// The engine's own work per tick and player in the recorded game
    /// (observe, encode, decode, submit, and the game's step shared out), in
    /// microseconds.
    pub engine_us_per_player: f64,
    /// The worst memory pattern's wall time per fuel on this machine.
    pub worst_pattern: WorstPattern,
    /// Wall time the calibration took, recording included, in milliseconds.
    pub wall_ms: f64,
}

impl Calibration {
    /// How many times the reference bot's median ns per fuel the worst
    /// pattern's slowest call took.
    pub fn worst_multiple(&self) -> f64 {
        self.worst_pattern.ns_per_fuel_max / self.ns_per_fuel.max(f64::MIN_POSITIVE)
    }
}

/// Measures for about `budget` of wall time (at least a few repetitions,
/// however long they take), and the worst pattern for about a quarter of it
/// more.
pub fn calibrate(sandbox: &Sandbox, budget: Duration) -> Result<Calibration, String> {
    let started = Instant::now();
    let load = |name: &str| -> Result<BotModule, String> {
        let bot =
            bundled_bot(name).ok_or_else(|| format!("the bundled bot '{name}' is missing"))?;
        sandbox
            .load(bot.wasm)
            .map_err(|e| format!("the bundled bot '{name}' was refused: {e}"))
    };
    let reference = load(REFERENCE_BOT)?;
    let opponent = load(OPPONENT)?;
    let game = record(sandbox, &reference, &opponent)?;
    let fail = |what: &str| format!("calibration: the reference bot {REFERENCE_BOT} {what}");

    let mut ratios = Vec::new();
    let mut fuel_seen: Option<u64> = None;
    // Repetition 0 warms caches and the instance pool; it is not counted.
    for repetition in 0..=MAX_REPETITIONS {
        let done = ratios.len();
        if done >= MIN_REPETITIONS && started.elapsed() >= budget {
            break;
        }
        let mut instance = BotInstance::new(sandbox, &reference, FUEL)
            .map_err(|e| fail(&format!("could not be instantiated: {e}")))?;
        let init = instance.call_init(&game.info, FUEL);
        if !init.outcome.is_ok() {
            return Err(fail(&format!("failed lockstep_init: {}", init.outcome)));
        }
        let (mut elapsed, mut fuel) = (Duration::ZERO, 0u64);
        for observation in &game.observations {
            let call = Instant::now();
            let report = instance.call_tick(observation, FUEL);
            elapsed += call.elapsed();
            if !report.outcome.is_ok() {
                return Err(fail(&format!("failed a replayed tick: {}", report.outcome)));
            }
            fuel += report.fuel_used;
        }
        if *fuel_seen.get_or_insert(fuel) != fuel {
            return Err(fail(&format!(
                "used {fuel} fuel on a repetition and {} on another: fuel is not deterministic",
                fuel_seen.unwrap_or(0)
            )));
        }
        if repetition > 0 {
            ratios.push(elapsed.as_secs_f64() * 1e9 / fuel.max(1) as f64);
        }
    }
    ratios.sort_by(f64::total_cmp);
    let worst_pattern = worst::measure(sandbox, budget / 4)?;
    Ok(Calibration {
        bot: REFERENCE_BOT.into(),
        game: format!(
            "{REFERENCE_BOT} vs {OPPONENT} on {MAP} (64x64), seed {SEED}, {} ticks",
            game.observations.len()
        ),
        build: build_kind().into(),
        repetitions: ratios.len() as u32,
        calls: game.observations.len() as u32,
        fuel_per_repetition: fuel_seen.unwrap_or(0),
        ns_per_fuel: percentile_f64(&ratios, 50),
        ns_per_fuel_p10: percentile_f64(&ratios, 10),
        ns_per_fuel_p90: percentile_f64(&ratios, 90),
        ns_per_fuel_min: ratios[0],
        ns_per_fuel_max: ratios[ratios.len() - 1],
        engine_us_per_player: game.engine.as_secs_f64() * 1e6
            / (game.observations.len().max(1) * 2) as f64,
        worst_pattern,
        wall_ms: started.elapsed().as_secs_f64() * 1e3,
    })
}

/// The reference bot's side of the recorded game.
struct RecordedGame {
    info: Vec<u8>,
    observations: Vec<Vec<u8>>,
    /// The engine's own work over the whole game, bot calls excluded.
    engine: Duration,
}

/// Plays the reference bot (seat 0) against the opponent in the sandbox,
/// keeping the reference bot's encoded messages and timing the engine's part.
fn record(
    sandbox: &Sandbox,
    reference: &BotModule,
    opponent: &BotModule,
) -> Result<RecordedGame, String> {
    let map = Map::resolve(MAP, 2, 0).map_err(|e| e.to_string())?;
    let mut game = Game::new(&map, 2, &GameConfig::default()).map_err(|e| e.to_string())?;
    let limits = Limits {
        max_ticks: GameConfig::default().max_ticks,
        init_fuel: FUEL,
        tick_fuel: FUEL,
        max_actions: GameConfig::default().max_actions,
        max_output_bytes: sandbox.config().max_output_bytes,
        max_log_lines: sandbox.config().max_log_lines,
        max_log_line_bytes: sandbox.config().max_log_line_bytes,
        max_memory_bytes: sandbox.config().memory_limit as u64,
    };
    let modules = [reference, opponent];
    let mut instances = Vec::new();
    let mut info = Vec::new();
    for (seat, module) in modules.iter().enumerate() {
        let message = lockstep_sdk::encode(
            module.encoding,
            &game.match_info(PlayerId(seat as u8), SEED, limits.clone()),
        );
        let mut instance = BotInstance::new(sandbox, module, FUEL)
            .map_err(|e| format!("calibration: could not instantiate seat {seat}: {e}"))?;
        instance.call_init(&message, FUEL);
        instances.push(instance);
        if seat == 0 {
            info = message;
        }
    }
    let mut observations = Vec::new();
    let mut observation = Observation::default();
    let mut engine = Duration::ZERO;
    while observations.len() < MAX_TICKS && !game.is_over() {
        for (seat, instance) in instances.iter_mut().enumerate() {
            let encoding = modules[seat].encoding;
            let started = Instant::now();
            game.observe(PlayerId(seat as u8), &mut observation);
            let input = lockstep_sdk::encode(encoding, &observation);
            engine += started.elapsed();
            let report = instance.call_tick(&input, FUEL);
            let started = Instant::now();
            if report.outcome.is_ok()
                && let Ok(orders) = lockstep_sdk::decode::<Vec<Action>>(encoding, instance.output())
            {
                game.submit(PlayerId(seat as u8), &orders);
            }
            engine += started.elapsed();
            if seat == 0 {
                observations.push(input);
            }
        }
        let started = Instant::now();
        game.step();
        engine += started.elapsed();
    }
    Ok(RecordedGame {
        info,
        observations,
        engine,
    })
}

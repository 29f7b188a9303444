//! The hostile corpus's harness, shared by `hostile_corpus.rs` and
//! `hostile_wasi.rs`: a hostile bot plays a real match against an honest
//! one, and must get its own, specific outcome while the honest bot plays
//! exactly the game it plays against `idle`.

#![allow(dead_code)] // each test target that includes this uses a part of it

use crate::support::wat_bot::Bot;
use lockstep_sim::bundled::bundled_bot;
use lockstep_sim::match_loop::{
    BotTick, Entrant, MatchConfig, MatchObserver, MatchResult, run_match_observed,
};
use lockstep_sim::sandbox::{Outcome, Sandbox, SandboxConfig, TrapKind};
use std::sync::OnceLock;

pub const TICKS: u32 = 8;
pub const TICK_FUEL: u64 = 1_000_000;

pub fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| Sandbox::new(SandboxConfig::default()).unwrap())
}

/// Every bot call's (tick, fuel, outcome, orders as canonical bytes) for one seat.
pub struct SeatLog(pub usize, pub Vec<(u32, u64, Outcome, Vec<u8>)>);

impl MatchObserver for SeatLog {
    fn bot_tick(&mut self, call: &BotTick<'_>) {
        if call.seat == self.0 {
            let (tick, fuel) = (call.tick, call.report.fuel_used);
            self.1.push((
                tick,
                fuel,
                call.outcome.clone(),
                call.actions.canonical().to_vec(),
            ));
        }
    }
}

pub fn config() -> MatchConfig {
    let mut config = MatchConfig {
        map: "duel".into(),
        seed: 3,
        tick_fuel: TICK_FUEL,
        init_fuel: 10 * TICK_FUEL,
        ..MatchConfig::default()
    };
    config.settings.set("max_ticks", TICKS);
    config
}

pub fn entrant(name: &str, wasm: &[u8]) -> Entrant {
    Entrant {
        name: name.into(),
        module: sandbox()
            .load(wasm)
            .unwrap_or_else(|e| panic!("{name}: {e}")),
    }
}

/// Harvester (seat 0) against `opponent`; returns the result and seat 0's log.
pub fn play(opponent: Entrant) -> (MatchResult, SeatLog) {
    let honest = entrant("harvester", bundled_bot("harvester").unwrap().wasm);
    let mut log = SeatLog(0, Vec::new());
    let result = run_match_observed(sandbox(), &[honest, opponent], &config(), &mut log).unwrap();
    (result, log)
}

pub fn baseline() -> &'static (MatchResult, SeatLog) {
    static BASELINE: OnceLock<(MatchResult, SeatLog)> = OnceLock::new();
    BASELINE.get_or_init(|| play(entrant("idle", bundled_bot("idle").unwrap().wasm)))
}

/// Plays `bot` and checks: its first failure is `expected` at `tick` (or no
/// failure for `None`), every later tick fails the same way, and the honest
/// bot's game is the one it plays against `idle`.
pub fn check(name: &str, bot: Bot, expected: Option<(u32, Outcome)>) {
    let (result, honest) = play(entrant(name, &bot.wasm()));
    let hostile = &result.players[1];
    let failure = hostile.first_failure.clone().map(|f| (f.tick, f.outcome));
    assert_eq!(failure, expected, "{name}: {hostile:?}");
    let failures = hostile.cutoffs + hostile.traps + hostile.bad_outputs;
    let expected_failures = expected.map_or(0, |(tick, _)| TICKS - tick);
    assert_eq!(
        failures, expected_failures,
        "{name}: every tick from the first failure on"
    );
    let (idle_result, idle_honest) = baseline();
    assert_eq!(
        honest.1, idle_honest.1,
        "{name}: the honest bot's game changed"
    );
    assert_eq!(
        result.players[0].score, idle_result.players[0].score,
        "{name}"
    );
    assert_eq!(
        result.final_hash, idle_result.final_hash,
        "{name}: the world differs"
    );
}

pub fn trap(kind: TrapKind) -> Outcome {
    Outcome::Trap { trap: kind }
}

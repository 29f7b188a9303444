//! Budgets as bots know them: the init remainder on tick 0, the bucket, and the
//! `resume` overrun policy's suspended calls. Real wasm only: WAT bots that
//! burn a known amount of fuel on chosen ticks, and bundled bots.

use lockstep_sdk::{Action, Direction};
use lockstep_sim::bundled::bundled_bot;
use lockstep_sim::match_loop::{
    BotTick, Entrant, Match, MatchConfig, MatchError, MatchObserver, MatchResult, OverrunPolicy,
    StateHash, run_match_observed,
};
use lockstep_sim::sandbox::{CallReport, Outcome, Sandbox, SandboxConfig};
use std::sync::OnceLock;
use std::time::Duration;
use support::wat_bot::{BASE, Bot};

#[path = "support/mod.rs"]
mod support;

/// Small budgets keep every match here to a few milliseconds of bot work.
const TICK_FUEL: u64 = 100_000;
const INIT_FUEL: u64 = 1_000_000;
/// Fuel of one turn of `$burn`'s loop: `local.get`, `i32.const`, `i32.sub`,
/// `local.tee` (1 each) and `br_if` (4).
const TURN_FUEL: u64 = 8;

fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        Sandbox::new(SandboxConfig {
            pool_instances: 32,
            ..SandboxConfig::default()
        })
        .unwrap()
    })
}

/// Turns of `$burn` that cost about `fuel`.
fn turns(fuel: u64) -> u64 {
    fuel / TURN_FUEL
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// A WAT bot that logs each observation's tick as one character (`'0' +
/// tick`), burns `init_turns` turns in `lockstep_init`, traps on the ticks in
/// `traps`, and on each `(tick, turns)` of `burns` burns that many turns, then
/// orders `[Spawn North]`. Otherwise it orders nothing.
fn burner(init_turns: u64, burns: &[(u32, u64)], traps: &[u32]) -> Vec<u8> {
    let mut tick = String::from(
        "(local $t i32)
         (local.set $t (i32.load8_u (local.get $ptr)))
         (i32.store8 (i32.const 64) (i32.add (i32.const 48) (local.get $t)))
         (call $log (i32.const 64) (i32.const 1))",
    );
    for t in traps {
        tick += &format!("(if (i32.eq (local.get $t) (i32.const {t})) (then unreachable))");
    }
    for (t, n) in burns {
        tick += &format!(
            "(if (i32.eq (local.get $t) (i32.const {t}))
                 (then (call $burn (i32.const {n})) (return (call $spawn))))"
        );
    }
    tick += "i64.const 1";
    Bot {
        imports: r#"(import "lockstep" "log" (func $log (param i32 i32)))"#,
        extra: r#"
            (func $burn (param $n i32)
                (if (local.get $n) (then
                    (loop $l (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))))
            (func $spawn (result i64)
                (i32.store8 (i32.const 16) (i32.const 1))
                (i32.store8 (i32.const 17) (i32.const 0))
                (i32.store8 (i32.const 18) (i32.const 0))
                i64.const 0x0000001000000003)"#,
        init: leak(format!("(call $burn (i32.const {init_turns})) i32.const 0")),
        tick: leak(tick),
        ..BASE
    }
    .wasm()
}

fn entrant_in(sandbox: &Sandbox, name: &str, wasm: &[u8]) -> Entrant {
    Entrant {
        name: name.into(),
        module: sandbox.load(wasm).unwrap_or_else(|e| panic!("{name}: {e}")),
    }
}

fn entrant(name: &str, wasm: &[u8]) -> Entrant {
    entrant_in(sandbox(), name, wasm)
}

fn bundled(name: &str) -> Entrant {
    entrant(name, bundled_bot(name).unwrap().wasm)
}

fn config(overrun: OverrunPolicy, ticks: u32) -> MatchConfig {
    let mut config = MatchConfig {
        map: "duel".into(),
        seed: 5,
        tick_fuel: TICK_FUEL,
        init_fuel: INIT_FUEL,
        overrun,
        ..MatchConfig::default()
    };
    config.settings.set("max_ticks", ticks);
    config
}

/// One bot call as the observer saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Call {
    tick: u32,
    seat: usize,
    budget: u64,
    fuel_used: u64,
    outcome: Outcome,
    logs: Vec<String>,
    actions: Vec<Action>,
}

/// Every call, every (re)initialisation and every tick's state hash.
#[derive(Default)]
struct Log {
    calls: Vec<Call>,
    inits: Vec<(u32, usize, CallReport)>,
    hashes: Vec<[u8; 32]>,
}

impl Log {
    fn seat(&self, seat: usize) -> Vec<&Call> {
        self.calls.iter().filter(|c| c.seat == seat).collect()
    }
}

impl MatchObserver for Log {
    fn bot_init(&mut self, tick: u32, seat: usize, report: &CallReport) {
        self.inits.push((tick, seat, report.clone()));
    }

    fn bot_tick(&mut self, call: &BotTick<'_>) {
        self.calls.push(Call {
            tick: call.tick,
            seat: call.seat,
            budget: call.budget,
            fuel_used: call.report.fuel_used,
            outcome: call.outcome.clone(),
            logs: call.report.logs.clone(),
            actions: postcard::from_bytes(call.actions.canonical()).unwrap(),
        });
    }

    fn tick_end(&mut self, _tick: u32, state_hash: &StateHash<'_>) {
        self.hashes.push(*state_hash.get());
    }
}

fn play(entrants: &[Entrant], config: &MatchConfig) -> (MatchResult, Log) {
    let mut log = Log::default();
    let result = run_match_observed(sandbox(), entrants, config, &mut log).unwrap();
    (result, log)
}

fn spawn() -> Vec<Action> {
    vec![Action::Spawn {
        dir: Direction::North,
    }]
}

fn digit(tick: u32) -> Vec<String> {
    vec![char::from(b'0' + tick as u8).to_string()]
}

/// Needs about 2.5 tick budgets on tick 2, nothing on the others.
fn two_and_a_half_at_tick_2_wasm() -> Vec<u8> {
    burner(0, &[(2, turns(TICK_FUEL * 5 / 2))], &[])
}

fn two_and_a_half_at_tick_2() -> Entrant {
    entrant("burner", &two_and_a_half_at_tick_2_wasm())
}

#[test]
fn resume_suspends_a_long_call_and_applies_its_orders_on_the_tick_it_finishes() {
    let (result, log) = play(
        &[bundled("idle"), two_and_a_half_at_tick_2()],
        &config(OverrunPolicy::Resume, 7),
    );
    let calls = log.seat(1);
    let summary: Vec<(u32, Outcome, Vec<String>, Vec<Action>)> = calls
        .iter()
        .map(|c| (c.tick, c.outcome.clone(), c.logs.clone(), c.actions.clone()))
        .collect();
    // A fresh call logs the tick it observes: none on ticks 3 and 4, the
    // call of tick 2 continues; tick 5 observes tick 5.
    assert_eq!(
        summary,
        vec![
            (0, Outcome::Ok, digit(0), vec![]),
            (1, Outcome::Ok, digit(1), vec![]),
            (2, Outcome::Suspended, digit(2), vec![]),
            (3, Outcome::Suspended, vec![], vec![]),
            (4, Outcome::Ok, vec![], spawn()),
            (5, Outcome::Ok, digit(5), vec![]),
            (6, Outcome::Ok, digit(6), vec![]),
        ]
    );
    // Suspended ticks spend exactly one budget each; the call as a whole
    // about 2.5.
    assert_eq!(
        (calls[2].fuel_used, calls[3].fuel_used),
        (TICK_FUEL, TICK_FUEL)
    );
    let total: u64 = calls[2..5].iter().map(|c| c.fuel_used).sum();
    assert!((2 * TICK_FUEL..3 * TICK_FUEL).contains(&total), "{total}");
    assert!(
        calls[2..].iter().all(|c| c.budget == TICK_FUEL),
        "{calls:?}"
    );
    let bot = &result.players[1];
    assert_eq!((bot.suspensions, bot.cutoffs, bot.ticks_played), (2, 0, 7));
    assert!(bot.first_failure.is_none(), "suspension is not a failure");
    assert_eq!(
        serde_json::to_string(&calls[2].outcome).unwrap(),
        r#"{"kind":"suspended"}"#
    );
}

#[test]
fn skip_cuts_the_same_call_off_and_drops_its_orders() {
    let (result, log) = play(
        &[bundled("idle"), two_and_a_half_at_tick_2()],
        &config(OverrunPolicy::Skip, 5),
    );
    let summary: Vec<(u32, Outcome, u64, Vec<Action>)> = log
        .seat(1)
        .iter()
        .map(|c| (c.tick, c.outcome.clone(), c.fuel_used, c.actions.clone()))
        .collect();
    assert_eq!(summary[2], (2, Outcome::OutOfFuel, TICK_FUEL, vec![]));
    assert_eq!(summary[3].1, Outcome::Ok);
    assert_eq!(log.seat(1)[3].logs, digit(3), "tick 3 is a fresh call");
    let bot = &result.players[1];
    assert_eq!((bot.suspensions, bot.cutoffs), (0, 1));
}

#[test]
fn resume_gives_the_same_fuel_per_tick_and_game_at_any_thread_count() {
    // A four-seat map: the burner, an endless loop from tick 3 on, and two
    // strategies on a budget small enough to suspend them now and then; a
    // bucket too, so that some ticks run several segments.
    let bots = [
        bundled("harvester"),
        two_and_a_half_at_tick_2(),
        bundled("hostile-loop"),
        bundled("rusher"),
    ];
    let mut runs = Vec::new();
    for threads in [1, 2] {
        let mut c = config(OverrunPolicy::Resume, 12);
        c.map = "arena".into();
        c.tick_fuel = 60_000;
        c.init_fuel = 20_000_000;
        c.bucket_cap = 100_000;
        c.threads = threads;
        let (result, log) = play(&bots, &c);
        runs.push((result.final_hash, log.calls, log.hashes));
    }
    assert_eq!(runs[0], runs[1]);
    let calls = &runs[0].1;
    let suspended = |seat: usize| {
        calls
            .iter()
            .filter(|c| c.seat == seat && c.outcome == Outcome::Suspended)
            .count()
    };
    // The burner's 250k over budgets of 60k and a bucket: 120k, 60k, 60k,
    // then the end. The loop from tick 3 on.
    assert_eq!((suspended(1), suspended(2)), (3, 9));
    assert!(suspended(0) + suspended(3) > 0, "the strategies too");
    assert!(calls.iter().all(|c| c.fuel_used <= c.budget), "{calls:?}");
}

#[test]
fn a_call_that_never_returns_stays_suspended_and_traps_are_handled_as_under_skip() {
    let (result, log) = play(
        &[bundled("hostile-loop"), bundled("hostile-panic")],
        &config(OverrunPolicy::Resume, 10),
    );
    // hostile-loop loops from tick 3 on: suspended for good, never a failure.
    let looping = &result.players[0];
    assert_eq!((looping.suspensions, looping.cutoffs), (7, 0));
    assert!(looping.first_failure.is_none());
    assert!(log.seat(0)[3..].iter().all(|c| c.fuel_used == TICK_FUEL));
    // hostile-panic panics from tick 2 on: a trap each tick, same instance.
    let panicking = &result.players[1];
    assert_eq!(
        (panicking.traps, panicking.resets, panicking.suspensions),
        (8, 0, 0)
    );
}

/// A WAT bot that spins forever in `lockstep_tick`.
fn spinner_wasm() -> Vec<u8> {
    let bot = Bot {
        tick: "(loop $spin (br $spin)) unreachable",
        ..BASE
    };
    bot.wasm()
}

fn quick_watchdog_sandbox() -> Sandbox {
    Sandbox::new(SandboxConfig {
        pool_instances: 4,
        watchdog_ms: 20,
        ..SandboxConfig::default()
    })
    .unwrap()
}

#[test]
fn the_watchdog_still_stops_a_slow_segment_under_resume() {
    let sandbox = quick_watchdog_sandbox();
    // Ten billion fuel is seconds of this loop: the 20 ms watchdog stops
    // each segment first, and the bot is called afresh the next tick.
    let mut c = config(OverrunPolicy::Resume, 2);
    c.tick_fuel = 10_000_000_000;
    let entrants = [
        entrant_in(&sandbox, "idle", bundled_bot("idle").unwrap().wasm),
        entrant_in(&sandbox, "spinner", &spinner_wasm()),
    ];
    let mut log = Log::default();
    let result = run_match_observed(&sandbox, &entrants, &c, &mut log).unwrap();
    let outcomes: Vec<Outcome> = log.seat(1).iter().map(|c| c.outcome.clone()).collect();
    assert_eq!(outcomes, vec![Outcome::Watchdog, Outcome::Watchdog]);
    assert_eq!(result.players[1].watchdogs, 2);
}

#[test]
fn a_suspended_call_is_not_stopped_by_the_watchdog_while_it_waits() {
    let sandbox = quick_watchdog_sandbox();
    let entrants = [
        entrant_in(&sandbox, "idle", bundled_bot("idle").unwrap().wasm),
        entrant_in(&sandbox, "burner", &two_and_a_half_at_tick_2_wasm()),
    ];
    let mut game = Match::new(&sandbox, &entrants, &config(OverrunPolicy::Resume, 6)).unwrap();
    let mut log = Log::default();
    for tick in 0..5 {
        game.play_tick(&mut log).unwrap();
        if tick >= 2 {
            // Three watchdog periods between the segments of one call.
            std::thread::sleep(Duration::from_millis(60));
        }
    }
    let outcomes: Vec<Outcome> = log.seat(1).iter().map(|c| c.outcome.clone()).collect();
    assert_eq!(
        outcomes[2..],
        [Outcome::Suspended, Outcome::Suspended, Outcome::Ok]
    );
    assert_eq!(log.seat(1)[4].actions, spawn());
}

/// Budgets of `seat`'s calls, by tick.
fn budgets(log: &Log, seat: usize) -> Vec<u64> {
    log.seat(seat).iter().map(|c| c.budget).collect()
}

/// Fuel `lockstep_init` left, by the observer's init reports for `seat`.
fn remainders(log: &Log, seat: usize) -> Vec<(u32, u64)> {
    log.inits
        .iter()
        .filter(|(_, s, _)| *s == seat)
        .map(|(tick, _, report)| (*tick, INIT_FUEL - report.fuel_used))
        .collect()
}

#[test]
fn tick_zero_gets_what_init_left_and_so_does_the_tick_after_a_reset() {
    // Burns 0.3 M in init, then 0.4 M (four tick budgets) on ticks 0 and 2,
    // and traps on tick 1.
    let wasm = burner(
        turns(300_000),
        &[(0, turns(400_000)), (2, turns(400_000))],
        &[1],
    );
    let bot = entrant("init-burner", &wasm);

    let (result, log) = play(
        &[bundled("idle"), bot.clone()],
        &config(OverrunPolicy::Skip, 3),
    );
    let [(0, remainder)] = remainders(&log, 1)[..] else {
        panic!("{:?}", log.inits)
    };
    assert!((650_000..700_000).contains(&remainder), "{remainder}");
    let calls = log.seat(1);
    assert_eq!(
        budgets(&log, 1),
        vec![TICK_FUEL + remainder, TICK_FUEL, TICK_FUEL]
    );
    assert_eq!(calls[0].outcome, Outcome::Ok);
    assert_eq!(calls[0].actions, spawn());
    assert!(calls[0].fuel_used > 4 * TICK_FUEL);
    // Without the remainder, the same burn is cut off.
    assert_eq!(calls[2].outcome, Outcome::OutOfFuel);
    assert!(result.players[1].init.is_ok());

    // Under reset, the re-initialisation before tick 2 leaves a remainder too.
    let (result, log) = play(
        &[bundled("idle"), bot.clone()],
        &config(OverrunPolicy::Reset, 3),
    );
    let reinit = remainders(&log, 1);
    assert_eq!(reinit.iter().map(|r| r.0).collect::<Vec<_>>(), vec![0, 2]);
    assert_eq!(
        budgets(&log, 1),
        vec![TICK_FUEL + reinit[0].1, TICK_FUEL, TICK_FUEL + reinit[1].1]
    );
    let outcomes: Vec<Outcome> = log.seat(1).iter().map(|c| c.outcome.clone()).collect();
    assert!(matches!(
        outcomes[..],
        [Outcome::Ok, Outcome::Trap { .. }, Outcome::Ok]
    ));
    assert_eq!(result.players[1].resets, 1);

    // Under resume, the remainder is granted in whole tick budgets: tick 0
    // runs as many as fit, and the burn ends within them.
    let (result, log) = play(&[bundled("idle"), bot], &config(OverrunPolicy::Resume, 1));
    let remainder = remainders(&log, 1)[0].1;
    let call = log.seat(1)[0];
    assert_eq!(call.budget, (TICK_FUEL + remainder) / TICK_FUEL * TICK_FUEL);
    assert_eq!((&call.outcome, &call.actions), (&Outcome::Ok, &spawn()));
    assert_eq!(result.players[1].suspensions, 0);
}

/// Checks every budget of `seat` against the rule, recomputing the bucket
/// from the fuel each call used: tick 0 has `tick_fuel` + the init remainder;
/// then `budget = tick_fuel + bucket`, `bucket = min(cap, bucket + tick_fuel
/// - used)` (the remainder counts as spent first). Returns the buckets.
fn check_bucket_rule(log: &Log, seat: usize, cap: u64, resume: bool) -> Vec<u64> {
    let remainder = remainders(log, seat)[0].1;
    let (mut bucket, mut buckets) = (0u64, Vec::new());
    for call in log.seat(seat) {
        let from_init = if call.tick == 0 { remainder } else { 0 };
        let allowance = TICK_FUEL + bucket + from_init;
        let expected = if resume {
            allowance / TICK_FUEL * TICK_FUEL
        } else {
            allowance
        };
        assert_eq!(call.budget, expected, "tick {}: {call:?}", call.tick);
        bucket = (bucket + TICK_FUEL - call.fuel_used.saturating_sub(from_init)).min(cap);
        buckets.push(bucket);
    }
    buckets
}

#[test]
fn the_bucket_saves_idle_fuel_for_a_burst_and_never_exceeds_its_cap() {
    // Idle on ticks 0-4, then a burst of three tick budgets on tick 5.
    let bot = entrant("burst", &burner(0, &[(5, turns(3 * TICK_FUEL))], &[]));
    let cap = 5 * TICK_FUEL;

    let mut c = config(OverrunPolicy::Skip, 7);
    let (result, log) = play(&[bundled("idle"), bot.clone()], &c);
    let burst = log.seat(1)[5];
    assert_eq!(
        (&burst.outcome, burst.budget),
        (&Outcome::OutOfFuel, TICK_FUEL)
    );
    assert_eq!(result.players[1].bucket_max, 0);

    c.bucket_cap = cap;
    let (result, log) = play(&[bundled("idle"), bot.clone()], &c);
    let buckets = check_bucket_rule(&log, 1, cap, false);
    let burst = log.seat(1)[5];
    assert_eq!((&burst.outcome, &burst.actions), (&Outcome::Ok, &spawn()));
    assert!(burst.budget > 4 * TICK_FUEL, "{burst:?}");
    assert!(buckets.iter().all(|b| *b <= cap));
    assert_eq!(result.players[1].bucket_max, *buckets.iter().max().unwrap());

    // A small cap is reached and held.
    c.bucket_cap = 2 * TICK_FUEL;
    let (result, log) = play(&[bundled("idle"), bot], &c);
    let buckets = check_bucket_rule(&log, 1, c.bucket_cap, false);
    assert_eq!(buckets[2..5], [c.bucket_cap; 3]);
    assert_eq!(log.seat(1)[5].budget, TICK_FUEL + c.bucket_cap);
    assert_eq!(log.seat(1)[5].outcome, Outcome::OutOfFuel);
    assert_eq!(result.players[1].bucket_max, c.bucket_cap);
}

#[test]
fn under_resume_the_bucket_is_spent_in_whole_tick_budgets() {
    // 2.5 tick budgets on tick 5, after five quiet ticks.
    let bot = entrant("burst", &burner(0, &[(5, turns(TICK_FUEL * 5 / 2))], &[]));
    let mut c = config(OverrunPolicy::Resume, 8);

    // A bucket of 5 budgets: the burst ends on its tick.
    c.bucket_cap = 5 * TICK_FUEL;
    let (result, log) = play(&[bundled("idle"), bot.clone()], &c);
    check_bucket_rule(&log, 1, c.bucket_cap, true);
    let burst = log.seat(1)[5];
    assert_eq!((&burst.outcome, &burst.actions), (&Outcome::Ok, &spawn()));
    assert_eq!(result.players[1].suspensions, 0);

    // A bucket of 1.5: two whole budgets on tick 5 (the half stays saved),
    // then the call ends on tick 6.
    c.bucket_cap = 3 * TICK_FUEL / 2;
    let (result, log) = play(&[bundled("idle"), bot], &c);
    let buckets = check_bucket_rule(&log, 1, c.bucket_cap, true);
    let calls = log.seat(1);
    assert_eq!(
        (calls[5].budget, &calls[5].outcome),
        (2 * TICK_FUEL, &Outcome::Suspended)
    );
    assert_eq!(buckets[5], TICK_FUEL / 2);
    assert_eq!(
        (&calls[6].outcome, &calls[6].actions),
        (&Outcome::Ok, &spawn())
    );
    assert_eq!(result.players[1].suspensions, 1);
}

#[test]
fn calls_still_suspended_when_the_match_ends_are_dropped_and_free_their_slots() {
    // Four instance slots and fiber stacks in all: a match that kept either
    // after its end would starve the next ones.
    let sandbox = Sandbox::new(SandboxConfig {
        pool_instances: 4,
        ..SandboxConfig::default()
    })
    .unwrap();
    let entrants = [
        entrant_in(&sandbox, "loop", bundled_bot("hostile-loop").unwrap().wasm),
        entrant_in(&sandbox, "burner", &two_and_a_half_at_tick_2_wasm()),
    ];
    let c = config(OverrunPolicy::Resume, 4);
    for _ in 0..12 {
        let result = run_match_observed(&sandbox, &entrants, &c, &mut ()).unwrap();
        for player in &result.players {
            assert!(player.init.is_ok(), "{player:?}");
        }
        // Both end the match with a call suspended.
        let suspensions: Vec<u32> = result.players.iter().map(|p| p.suspensions).collect();
        assert_eq!(suspensions, vec![1, 2]);
    }
}

/// Under `resume` the watchdog needs slices of 62,500 to 1,000,000 fuel that
/// divide the tick's budget; a prime budget has none and is refused.
#[test]
fn resume_refuses_a_tick_fuel_the_watchdog_cannot_slice() {
    let mut config = config(OverrunPolicy::Resume, 5);
    config.tick_fuel = 1_000_003;
    let entrants = [bundled("idle"), bundled("idle")];
    let error = Match::new(sandbox(), &entrants, &config)
        .err()
        .expect("refused");
    assert!(
        matches!(error, MatchError::ResumeSlices(1_000_003)),
        "{error}"
    );
    assert!(
        error.to_string().contains("use a multiple of 1,000,000"),
        "{error}"
    );
    config.overrun = OverrunPolicy::Skip;
    assert!(Match::new(sandbox(), &entrants, &config).is_ok());
}

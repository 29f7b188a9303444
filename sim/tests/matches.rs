//! Whole matches with real bots: determinism, hostile bots, strategy sanity.

use lockstep_sim::bundled::bundled_bot;
use lockstep_sim::match_loop::{
    BotTick, Entrant, MatchConfig, MatchObserver, MatchResult, OverrunPolicy, run_match,
    run_match_observed,
};
use lockstep_sim::sandbox::{Outcome, Sandbox, SandboxConfig, TrapKind};
use std::sync::OnceLock;

/// One sandbox for the whole test binary: the compiled-module cache is shared.
fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| Sandbox::new(SandboxConfig::default()).unwrap())
}

fn entrant(name: &str) -> Entrant {
    let wasm = bundled_bot(name)
        .unwrap_or_else(|| panic!("no bundled bot {name}"))
        .wasm;
    Entrant {
        name: name.to_string(),
        module: sandbox().load(wasm).unwrap(),
    }
}

fn play(bots: &[&str], config: &MatchConfig) -> MatchResult {
    let entrants: Vec<Entrant> = bots.iter().map(|b| entrant(b)).collect();
    run_match(sandbox(), &entrants, config).unwrap()
}

fn config(map: &str, seed: u64, ticks: u32) -> MatchConfig {
    let mut config = MatchConfig {
        map: map.to_string(),
        seed,
        ..MatchConfig::default()
    };
    config.settings.set("max_ticks", ticks);
    config
}

#[test]
fn same_seed_same_game() {
    let c = config("duel", 11, 300);
    let a = play(&["rusher", "random-walker"], &c);
    let b = play(&["rusher", "random-walker"], &c);
    assert_eq!(a.final_hash, b.final_hash);
    assert_eq!(a.ticks, b.ticks);
    for (x, y) in a.players.iter().zip(&b.players) {
        assert_eq!(x.fuel_total, y.fuel_total);
        assert_eq!(x.score, y.score);
    }
}

#[test]
fn thread_count_does_not_change_the_game() {
    let mut c = config("arena", 5, 150);
    let bots = ["rusher", "harvester", "random-walker", "rusher"];
    c.threads = 1;
    let one = play(&bots, &c);
    c.threads = 4;
    let four = play(&bots, &c);
    assert_eq!(one.final_hash, four.final_hash);
    let fuel = |r: &MatchResult| r.players.iter().map(|p| p.fuel_total).collect::<Vec<_>>();
    assert_eq!(fuel(&one), fuel(&four));
}

#[test]
fn another_seed_gives_another_game() {
    let a = play(&["random-walker", "random-walker"], &config("duel", 1, 200));
    let b = play(&["random-walker", "random-walker"], &config("duel", 2, 200));
    assert_ne!(a.final_hash, b.final_hash);
    // A generated map depends on the seed too, even between deterministic bots.
    let a = play(&["rusher", "harvester"], &config("random:32x32", 1, 100));
    let b = play(&["rusher", "harvester"], &config("random:32x32", 2, 100));
    assert_ne!(a.final_hash, b.final_hash);
}

/// Records every bot call's fuel, by (tick, seat).
#[derive(Default)]
struct FuelLog(Vec<(u32, usize, u64, Outcome)>);

impl MatchObserver for FuelLog {
    fn bot_tick(&mut self, call: &BotTick<'_>) {
        self.0.push((
            call.tick,
            call.seat,
            call.report.fuel_used,
            call.outcome.clone(),
        ));
    }
}

#[test]
fn fuel_per_bot_per_tick_is_identical_across_runs_and_threads() {
    let bots: Vec<Entrant> = ["harvester", "rusher"].iter().map(|b| entrant(b)).collect();
    let mut logs = Vec::new();
    for threads in [1, 2, 1] {
        let mut c = config("crossroads", 3, 120);
        c.threads = threads;
        let mut log = FuelLog::default();
        run_match_observed(sandbox(), &bots, &c, &mut log).unwrap();
        logs.push(log.0);
    }
    assert!(logs[0].len() >= 200, "both bots play every tick");
    assert_eq!(logs[0], logs[1]);
    assert_eq!(logs[0], logs[2]);
}

#[test]
fn hostile_bots_are_cut_off_or_recorded_and_the_match_completes() {
    let c = config("duel", 4, 60);
    for (hostile, expect) in [
        ("hostile-loop", "cutoffs"),
        ("hostile-panic", "traps"),
        ("hostile-garbage", "bad_outputs"),
    ] {
        let result = play(&["rusher", hostile], &c);
        let bad = &result.players[1];
        let honest = &result.players[0];
        assert!(result.ticks > 0);
        let count = match expect {
            "cutoffs" => bad.cutoffs,
            "traps" => bad.traps,
            _ => bad.bad_outputs,
        };
        assert!(count > 0, "{hostile}: expected {expect}: {bad:?}");
        assert!(bad.first_failure.is_some(), "{hostile}");
        assert_eq!(
            honest.cutoffs + honest.traps + honest.bad_outputs,
            0,
            "{hostile}: {honest:?}"
        );
        assert!(honest.fuel_total > 0);
    }
}

#[test]
fn hostile_outcomes_are_specific() {
    let c = config("duel", 4, 20);
    let r = play(&["idle", "hostile-loop"], &c);
    let failure = r.players[1].first_failure.clone().unwrap();
    assert_eq!((failure.tick, failure.outcome), (3, Outcome::OutOfFuel));
    assert_eq!(r.players[1].fuel_max_tick, c.tick_fuel);

    let r = play(&["idle", "hostile-panic"], &c);
    let failure = r.players[1].first_failure.clone().unwrap();
    assert_eq!(
        (failure.tick, failure.outcome),
        (
            2,
            Outcome::Trap {
                trap: TrapKind::Unreachable
            }
        )
    );
    assert_eq!(r.players[1].traps, 18);
}

#[test]
fn an_honest_bot_plays_the_same_against_a_looping_bot_as_against_an_idle_one() {
    // Both opponents order nothing that reaches the game (the looping bot's
    // orders are all dropped), so the honest bot's game must be identical.
    let c = config("duel", 9, 80);
    let bots_idle: Vec<Entrant> = ["harvester", "idle"].iter().map(|b| entrant(b)).collect();
    let bots_loop: Vec<Entrant> = ["harvester", "hostile-loop"]
        .iter()
        .map(|b| entrant(b))
        .collect();
    let mut idle_log = FuelLog::default();
    let mut loop_log = FuelLog::default();
    let idle = run_match_observed(sandbox(), &bots_idle, &c, &mut idle_log).unwrap();
    let looping = run_match_observed(sandbox(), &bots_loop, &c, &mut loop_log).unwrap();
    let seat0 = |log: &FuelLog| {
        log.0
            .iter()
            .filter(|e| e.1 == 0)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(seat0(&idle_log), seat0(&loop_log));
    assert_eq!(idle.players[0].score, looping.players[0].score);
}

#[test]
fn reset_policy_replaces_a_failing_instance() {
    let mut c = config("duel", 4, 10);
    c.overrun = OverrunPolicy::Reset;
    let r = play(&["idle", "hostile-panic"], &c);
    // Panics at ticks 2..=9; each trap but the last is followed by a fresh
    // instance (and a fresh init) before the next tick.
    assert_eq!(r.players[1].traps, 8);
    assert_eq!(r.players[1].resets, 7);
    assert!(r.players[1].init.is_ok());
}

#[test]
fn json_bots_play_whole_matches() {
    let r = play(&["json-walker", "random-walker"], &config("duel", 1, 100));
    let json = &r.players[0];
    assert_eq!(json.encoding, "json");
    assert_eq!(json.cutoffs + json.traps + json.bad_outputs, 0, "{json:?}");
}

/// Wins of `strong` against `weak` over seeds and both seat orders.
fn wins(strong: &str, weak: &str, maps: &[&str], seeds: std::ops::Range<u64>) -> (u32, u32) {
    let (mut won, mut played) = (0, 0);
    for map in maps {
        for seed in seeds.clone() {
            for strong_seat in [0, 1] {
                let bots = if strong_seat == 0 {
                    [strong, weak]
                } else {
                    [weak, strong]
                };
                let r = play(&bots, &config(map, seed, 500));
                played += 1;
                won += u32::from(r.winner == Some(strong_seat));
            }
        }
    }
    (won, played)
}

#[test]
fn strategies_beat_the_random_walker_most_of_the_time() {
    for strong in ["rusher", "harvester"] {
        let (won, played) = wins(strong, "random-walker", &["duel", "random:32x32"], 0..3);
        assert!(
            won * 4 >= played * 3,
            "{strong} beat random-walker only {won} of {played} times"
        );
    }
}

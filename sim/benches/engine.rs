//! What the engine costs, beside the bots' own work.
//!
//! `engine_tick/*`: one whole tick of the match loop (observe, encode, copy in,
//! call, copy out, decode, validate, apply, step) with trivial bots that do no
//! work of their own, 200 units in everyone's view: no orders; every unit
//! ordered to move but packed, so every move is refused (`all_move`, the
//! scenario the performance issue's targets were set on); every unit moving
//! a cell East and back each tick (`all_move_freely`: positions and vision
//! change every tick, as in a real game; spread over twice the area, so with
//! 8 players each sees most units, not all). Throughput is in bots, so
//! criterion's time per element is the engine's cost per bot per tick.
//!
//! `rusher_64x64/*`: the reference path-finding bot on the same recorded
//! observations, natively (decode, think, encode, as in wasm) and in the
//! sandbox. The ratio of the medians is the sandbox's overhead on real work.
//! `idle_64x64/*`: the same messages through the idle bot (decode, encode,
//! nothing else), the fixed part of that overhead.
//!
//! Run: `cargo bench -p lockstep-sim --bench engine`.
//! Instruction counts: `LOCKSTEP_ENGINE_ONLY=<engine_tick name, e.g.
//! 8_players_200_units_all_move> LOCKSTEP_ENGINE_TICKS=<n>` plays that
//! scenario's match `n` ticks and exits before criterion (with a small
//! instance pool, which valgrind can map), so
//! `valgrind --tool=callgrind --toggle-collect='*Match*play_tick*'` on the
//! bench binary counts the ticks' instructions alone; divide by `n`.

use bot_idle::Idle;
use bot_rusher::Rusher;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use lockstep_game::{Game, GameConfig, Map};
use lockstep_sdk::{Action, Bot, Direction, Encoding, Observation, PlayerId, Pos, Runner};
use lockstep_sim::match_loop::{Entrant, Match, MatchConfig};
use lockstep_sim::sandbox::{BotInstance, Sandbox, SandboxConfig};
use std::hint::black_box;

#[path = "support/mod.rs"]
mod support;

const UNITS: usize = 200;
const FUEL: u64 = 100_000_000;

/// A bot that does nothing but hand back `outputs[tick % outputs.len()]`,
/// fixed encoded order lists.
fn trivial_bot(outputs: &[Vec<u8>]) -> Vec<u8> {
    let mut data = String::new();
    let mut words = Vec::new();
    let mut at = 0u64;
    for output in outputs {
        data.extend(output.iter().map(|b| format!("\\{b:02x}")));
        words.push((at << 32) | output.len() as u64);
        at += output.len() as u64;
    }
    let n = words.len();
    let table: String = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            format!("(if (i32.eq (local.get $i) (i32.const {i})) (then (return (i64.const {w}))))")
        })
        .collect();
    wat::parse_str(format!(
        r#"(module
            (memory (export "memory") 4)
            (data (i32.const 0) "{data}")
            (global $tick (mut i32) (i32.const 0))
            (func (export "lockstep_abi") (result i32) i32.const 256)
            (func (export "lockstep_alloc") (param i32) (result i32) i32.const 65536)
            (func (export "lockstep_init") (param i32 i32) (result i32) i32.const 0)
            (func (export "lockstep_tick") (param i32 i32) (result i64) (local $i i32)
              (local.set $i (i32.rem_u (global.get $tick) (i32.const {n})))
              (global.set $tick (i32.add (global.get $tick) (i32.const 1)))
              {table}
              unreachable))"#
    ))
    .unwrap()
}

/// What the trivial bots order each tick.
#[derive(Clone, Copy, PartialEq)]
enum Orders {
    /// Nothing.
    None,
    /// Every unit a move each tick, units packed so that every move is
    /// refused (blocked or colliding): validation and resolution, no change.
    Blocked,
    /// Every unit a move each tick, units a cell apart, East then West: every
    /// move succeeds, so positions and vision change every tick.
    Freely,
}

impl Orders {
    const ALL: [(Orders, &'static str); 3] = [
        (Orders::None, "no_orders"),
        (Orders::Blocked, "all_move"),
        (Orders::Freely, "all_move_freely"),
    ];
}

/// A match of `players` trivial bots on the 64x64 arena with 200 units in
/// the middle, owners interleaved, so every player sees every unit.
fn crowded_match<'s>(sandbox: &'s Sandbox, players: usize, orders: Orders) -> Match<'s> {
    // The bots' fixed orders need the unit ids, known only once units are
    // placed: place them on a scratch game first (placement is deterministic,
    // so the match's own game gets the same ids below).
    let map = Map::resolve("arena", players, 0).unwrap();
    let mut scratch = Game::new(&map, players, &scenario_config()).unwrap();
    let spaced = orders == Orders::Freely;
    let positions = place_units(&mut scratch, players, spaced);
    let entrants: Vec<Entrant> = (0..players)
        .map(|p| {
            let moves = |dir_of: &dyn Fn(lockstep_sdk::UnitId) -> Direction| {
                let actions: Vec<Action> = positions
                    .iter()
                    .filter(|(owner, _)| *owner == p && orders != Orders::None)
                    .map(|&(_, unit)| Action::Move {
                        unit,
                        dir: dir_of(unit),
                    })
                    .collect();
                lockstep_sdk::encode(Encoding::Postcard, &actions)
            };
            let outputs = match orders {
                Orders::None | Orders::Blocked => vec![moves(&|unit| {
                    if unit.0 % 2 == 0 {
                        Direction::East
                    } else {
                        Direction::West
                    }
                })],
                Orders::Freely => vec![moves(&|_| Direction::East), moves(&|_| Direction::West)],
            };
            Entrant {
                name: format!("trivial-{p}"),
                module: sandbox.load(&trivial_bot(&outputs)).unwrap(),
            }
        })
        .collect();
    let config = MatchConfig {
        map: "arena".into(),
        settings: serde_json::to_value(scenario_config()).unwrap().into(),
        ..MatchConfig::default()
    };
    let mut game_match = Match::new(sandbox, &entrants, &config).unwrap();
    place_units(reference(&mut game_match), players, spaced);
    game_match
}

fn scenario_config() -> GameConfig {
    let mut config = GameConfig {
        max_ticks: u32::MAX,
        ..GameConfig::default()
    };
    config.rules.max_units = UNITS as u16;
    config
}

/// Fills the middle of the map with `UNITS` units, owners round-robin:
/// packed, or `spaced` a cell apart in each row (room to step East and back).
fn place_units(
    game: &mut Game,
    players: usize,
    spaced: bool,
) -> Vec<(usize, lockstep_sdk::UnitId)> {
    let mut placed = Vec::new();
    let (step, rows) = if spaced {
        (2, 14..50u16)
    } else {
        (1, 22..42u16)
    };
    'fill: for y in rows {
        for x in (22..42u16).step_by(step) {
            let owner = placed.len() % players;
            if let Some(id) = game.spawn_unit(PlayerId(owner as u8), Pos::new(x, y)) {
                placed.push((owner, id));
                if placed.len() == UNITS {
                    break 'fill;
                }
            }
        }
    }
    assert_eq!(
        placed.len(),
        UNITS,
        "the arena's middle has room for {UNITS} units"
    );
    placed
}

/// The `LOCKSTEP_ENGINE_ONLY` run (see the top of this file).
fn ticks_only(name: &str, ticks: usize) {
    let sandbox = Sandbox::new(SandboxConfig {
        pool_instances: 8,
        ..SandboxConfig::default()
    })
    .unwrap();
    let (players, orders) = Orders::ALL
        .iter()
        .find_map(|&(orders, suffix)| {
            name.strip_suffix(&format!("_players_{UNITS}_units_{suffix}"))
                .map(|players| (players, orders))
        })
        .expect("an engine_tick name");
    let mut game_match = crowded_match(&sandbox, players.parse().unwrap(), orders);
    for _ in 0..ticks {
        game_match.play_tick(&mut ()).unwrap();
    }
}

fn engine_tick(c: &mut Criterion) {
    if let Ok(name) = std::env::var("LOCKSTEP_ENGINE_ONLY") {
        let ticks = std::env::var("LOCKSTEP_ENGINE_TICKS").map_or(100, |n| n.parse().unwrap());
        ticks_only(&name, ticks);
        std::process::exit(0);
    }
    let sandbox = Sandbox::new(SandboxConfig::default()).unwrap();
    let mut group = c.benchmark_group("engine_tick");
    for players in [2, 8] {
        for (orders, suffix) in Orders::ALL {
            let name = format!("{players}_players_{UNITS}_units_{suffix}");
            let mut game_match = crowded_match(&sandbox, players, orders);
            let mut probe = Observation::default();
            reference(&mut game_match).observe(PlayerId(0), &mut probe);
            // Spaced out, units cover twice the area: with 8 players each
            // sees most of them (player 0: 173 of 200), not all.
            let seen = probe.units.len();
            match orders {
                Orders::Freely => assert!(seen >= UNITS * 8 / 10, "{name}: sees {seen}"),
                _ => assert_eq!(seen, UNITS, "player 0 sees every unit"),
            }
            // The scenario is what it says: no move succeeds when packed;
            // when spaced, all but the few that face one of the arena's walls.
            let before = probe.units.clone();
            game_match.play_tick(&mut ()).unwrap();
            reference(&mut game_match).observe(PlayerId(0), &mut probe);
            let moved = probe
                .units
                .iter()
                .filter(|b| before.iter().any(|a| a.id == b.id && a.pos != b.pos))
                .count();
            match orders {
                Orders::Freely => assert!(moved >= seen * 9 / 10, "{name}: {moved} moved"),
                _ => assert_eq!(moved, 0, "{name}: units moved"),
            }
            group.throughput(Throughput::Elements(players as u64));
            group.bench_function(name, |b| b.iter(|| game_match.play_tick(&mut ()).unwrap()));
        }
    }
    group.finish();
}

fn rusher_native_vs_sandbox(c: &mut Criterion) {
    let (info, observations) = support::recorded_rusher_game();
    native_vs_sandbox::<Rusher>(c, "rusher", &info, &observations);
    // The same messages through a bot that only decodes and encodes: the
    // fixed part of each tick, without the path-finding.
    native_vs_sandbox::<Idle>(c, "idle", &info, &observations);
}

/// `name` run natively and in the sandbox on the same recorded messages.
fn native_vs_sandbox<B: Bot>(c: &mut Criterion, name: &str, info: &[u8], observations: &[Vec<u8>]) {
    let sandbox = Sandbox::new(SandboxConfig::default()).unwrap();
    let module = sandbox
        .load(lockstep_sim::bundled::bundled_bot(name).unwrap().wasm)
        .unwrap();
    let mut group = c.benchmark_group(format!("{name}_64x64"));
    group.throughput(Throughput::Elements(observations.len() as u64));
    group.bench_function("native", |b| {
        b.iter_batched(
            || {
                let mut runner = Runner::<B>::new(Encoding::Postcard);
                runner.init(info);
                runner
            },
            |mut runner| {
                for obs in observations {
                    black_box(runner.tick(obs));
                }
                runner
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("sandbox", |b| {
        b.iter_batched(
            || {
                let mut instance = BotInstance::new(&sandbox, &module, FUEL).unwrap();
                assert!(instance.call_init(info, FUEL).outcome.is_ok());
                instance
            },
            |mut instance| {
                for obs in observations {
                    black_box(instance.call_tick(obs, FUEL));
                }
                instance
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, engine_tick, rusher_native_vs_sandbox);
criterion_main!(benches);

/// The match's game as the reference game's own type, to set up scenarios.
fn reference<'a>(game_match: &'a mut Match<'_>) -> &'a mut Game {
    (game_match.game_mut().as_any_mut())
        .downcast_mut::<Game>()
        .expect("the match plays the reference game")
}

//! What the engine costs, beside the bots' own work.
//!
//! `engine_tick/*`: one whole tick of the match loop (observe, encode, copy in,
//! call, copy out, decode, validate, apply, step) with trivial bots that do no
//! work of their own, 200 units in everyone's view. Throughput is in bots, so
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

/// A bot that does nothing but hand back `output`, a fixed encoded order list.
fn trivial_bot(output: &[u8]) -> Vec<u8> {
    let data: String = output.iter().map(|b| format!("\\{b:02x}")).collect();
    wat::parse_str(format!(
        r#"(module
            (memory (export "memory") 4)
            (data (i32.const 0) "{data}")
            (func (export "lockstep_abi") (result i32) i32.const 256)
            (func (export "lockstep_alloc") (param i32) (result i32) i32.const 65536)
            (func (export "lockstep_init") (param i32 i32) (result i32) i32.const 0)
            (func (export "lockstep_tick") (param i32 i32) (result i64) i64.const {len}))"#,
        len = output.len()
    ))
    .unwrap()
}

/// A match of `players` trivial bots on the 64x64 arena with 200 units packed
/// in the middle, owners interleaved, so every player sees every unit. With
/// `orders`, each bot orders every one of its units to move each tick.
fn crowded_match<'s>(sandbox: &'s Sandbox, players: usize, orders: bool) -> Match<'s> {
    // The bots' fixed orders need the unit ids, known only once units are
    // placed: place them on a scratch game first (placement is deterministic,
    // so the match's own game gets the same ids below).
    let map = Map::resolve("arena", players, 0).unwrap();
    let mut scratch = Game::new(&map, players, &scenario_config()).unwrap();
    let positions = place_units(&mut scratch, players);
    let entrants: Vec<Entrant> = (0..players)
        .map(|p| {
            let actions: Vec<Action> = positions
                .iter()
                .filter(|(owner, _)| *owner == p)
                .map(|&(_, unit)| Action::Move {
                    unit,
                    dir: if unit.0 % 2 == 0 {
                        Direction::East
                    } else {
                        Direction::West
                    },
                })
                .filter(|_| orders)
                .collect();
            let wasm = trivial_bot(&lockstep_sdk::encode(Encoding::Postcard, &actions));
            Entrant {
                name: format!("trivial-{p}"),
                module: sandbox.load(&wasm).unwrap(),
            }
        })
        .collect();
    let config = MatchConfig {
        map: "arena".into(),
        game: scenario_config(),
        ..MatchConfig::default()
    };
    let mut game_match = Match::new(sandbox, &entrants, &config).unwrap();
    place_units(game_match.game_mut(), players);
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

/// Fills the middle of the map with `UNITS` units, owners round-robin.
fn place_units(game: &mut Game, players: usize) -> Vec<(usize, lockstep_sdk::UnitId)> {
    let mut placed = Vec::new();
    'fill: for y in 22..42u16 {
        for x in 22..42u16 {
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
    let (players, orders) = match name.strip_suffix(&format!("_players_{UNITS}_units_all_move")) {
        Some(players) => (players, true),
        None => (
            name.strip_suffix(&format!("_players_{UNITS}_units_no_orders"))
                .expect("an engine_tick name"),
            false,
        ),
    };
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
        for orders in [false, true] {
            let name = format!(
                "{players}_players_{UNITS}_units_{}",
                if orders { "all_move" } else { "no_orders" }
            );
            let mut game_match = crowded_match(&sandbox, players, orders);
            let mut probe = Observation::default();
            game_match.game_mut().observe(PlayerId(0), &mut probe);
            assert_eq!(probe.units.len(), UNITS, "player 0 sees every unit");
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

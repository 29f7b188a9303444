//! Wall time follows fuel. For each hostile pattern, a tick that burns its
//! whole budget, as a multiple of the wall time the same fuel takes in
//! ordinary code. "Ordinary code" is the reference bot (the rusher) on a
//! recorded 64x64 game: its ns per unit of fuel, measured in the same run.
//!
//! Run: `cargo bench -p lockstep-sim --bench wall_per_fuel` (prints medians and
//! multiples). Under `cargo test` it runs each pattern once, as a smoke test.

use lockstep_sim::bundled::bundled_bot;
use lockstep_sim::sandbox::{BotInstance, Outcome, Sandbox, SandboxConfig};
use std::time::{Duration, Instant};

#[path = "support/mod.rs"]
mod support;
#[path = "../tests/support/wat_bot.rs"]
mod wat_bot;

use wat_bot::{BASE, Bot};

/// The default tick budget.
const BUDGET: u64 = 20_000_000;

/// Patterns that each burn a whole budget, one kind of work at a time.
fn patterns() -> Vec<(&'static str, Bot)> {
    let log = r#"(import "lockstep" "log" (func $log (param i32 i32)))"#;
    vec![
        (
            "empty loop",
            Bot {
                tick: "(loop $l (br $l)) unreachable",
                ..BASE
            },
        ),
        (
            "integer arithmetic",
            Bot {
                tick: "(local $x i32) (loop $l
                    (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 31)) (i32.const 7)))
                    (br $l)) unreachable",
                ..BASE
            },
        ),
        (
            "memory.fill 64 KiB",
            Bot {
                tick: "(loop $l (memory.fill (i32.const 0) (i32.const 1) (i32.const 65536)) (br $l)) unreachable",
                ..BASE
            },
        ),
        (
            "memory.copy 64 KiB",
            Bot {
                tick: "(loop $l (memory.copy (i32.const 65536) (i32.const 0) (i32.const 65536)) (br $l)) unreachable",
                ..BASE
            },
        ),
        (
            "memory.fill, 0 bytes",
            Bot {
                tick: "(loop $l (memory.fill (i32.const 0) (i32.const 1) (i32.const 0)) (br $l)) unreachable",
                ..BASE
            },
        ),
        (
            "memory.grow by 0 pages",
            Bot {
                tick: "(loop $l (drop (memory.grow (i32.const 0))) (br $l)) unreachable",
                ..BASE
            },
        ),
        (
            "table.grow by 0",
            Bot {
                extra: "(table 1 funcref)",
                tick: "(loop $l (drop (table.grow (ref.null func) (i32.const 0))) (br $l)) unreachable",
                ..BASE
            },
        ),
        (
            "memory.grow, refused at the cap",
            Bot {
                tick: "(loop $l (drop (memory.grow (i32.const 2000))) (br $l)) unreachable",
                ..BASE
            },
        ),
        (
            "table.grow, refused at the cap",
            Bot {
                extra: "(table 1 funcref)",
                tick: "(loop $l (drop (table.grow (ref.null func) (i32.const 20000))) (br $l)) unreachable",
                ..BASE
            },
        ),
        (
            "log, 256-byte lines past the cap",
            Bot {
                imports: log,
                tick: "(loop $l (call $log (i32.const 0) (i32.const 256)) (br $l)) unreachable",
                ..BASE
            },
        ),
        (
            "log, 64 KiB lines past the cap",
            Bot {
                imports: log,
                tick: "(loop $l (call $log (i32.const 0) (i32.const 65536)) (br $l)) unreachable",
                ..BASE
            },
        ),
        (
            "log, bad pointer",
            Bot {
                imports: log,
                tick: "(loop $l (call $log (i32.const -1) (i32.const 16)) (br $l)) unreachable",
                ..BASE
            },
        ),
        (
            "call_indirect",
            Bot {
                extra: "(table 1 funcref) (type $t (func)) (func $f) (elem (i32.const 0) $f)",
                tick: "(loop $l (call_indirect (type $t) (i32.const 0)) (br $l)) unreachable",
                ..BASE
            },
        ),
    ]
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Ordinary code's ns per unit of fuel: the rusher over a recorded game.
fn ordinary_ns_per_fuel(sandbox: &Sandbox, runs: usize) -> f64 {
    let module = sandbox.load(bundled_bot("rusher").unwrap().wasm).unwrap();
    let (info, observations) = support::recorded_rusher_game();
    let mut per_fuel = Vec::new();
    for _ in 0..runs {
        let mut instance = BotInstance::new(sandbox, &module, BUDGET).unwrap();
        assert!(instance.call_init(&info, 10 * BUDGET).outcome.is_ok());
        let (mut elapsed, mut fuel) = (Duration::ZERO, 0);
        for obs in &observations {
            let started = Instant::now();
            let report = instance.call_tick(obs, BUDGET);
            elapsed += started.elapsed();
            fuel += report.fuel_used;
        }
        per_fuel.push(elapsed.as_secs_f64() * 1e9 / fuel as f64);
    }
    per_fuel.sort_by(f64::total_cmp);
    per_fuel[per_fuel.len() / 2]
}

fn main() {
    let measuring = std::env::args().any(|arg| arg == "--bench");
    let runs = if measuring { 11 } else { 1 };
    let sandbox = Sandbox::new(SandboxConfig::default()).unwrap();
    let ns_per_fuel = ordinary_ns_per_fuel(&sandbox, runs);
    let budget_implied = Duration::from_secs_f64(BUDGET as f64 * ns_per_fuel / 1e9);
    println!(
        "ordinary code (rusher, recorded 64x64 game): {:.4} ns per fuel, so a {BUDGET}-fuel tick implies {:.2} ms",
        ns_per_fuel,
        budget_implied.as_secs_f64() * 1e3
    );
    println!(
        "{:<36} {:>12} {:>10} {:>9}",
        "pattern (whole budget)", "fuel", "median ms", "multiple"
    );
    let mut worst = (0.0f64, "");
    for (name, bot) in patterns() {
        let module = sandbox.load(&bot.wasm()).unwrap();
        let mut instance = BotInstance::new(&sandbox, &module, BUDGET).unwrap();
        let mut times = Vec::new();
        let mut fuel = 0;
        for _ in 0..runs {
            let started = Instant::now();
            let report = instance.call_tick(&[0], BUDGET);
            times.push(started.elapsed());
            assert_eq!(report.outcome, Outcome::OutOfFuel, "{name}");
            fuel = report.fuel_used;
        }
        let time = median(times);
        let multiple = time.as_secs_f64() / (fuel as f64 * ns_per_fuel / 1e9);
        if multiple > worst.0 {
            worst = (multiple, name);
        }
        println!(
            "{name:<36} {fuel:>12} {:>10.2} {multiple:>8.1}x",
            time.as_secs_f64() * 1e3
        );
    }
    println!(
        "worst: {} at {:.1}x the budget-implied time",
        worst.1, worst.0
    );
}

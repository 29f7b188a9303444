//! The watchdog stops the worst pattern of wall time per fuel (a pointer
//! chase over the whole memory cap, about 150 times ordinary code's wall
//! time per unit: `docs/limits.md`, "Wall time follows fuel") at the
//! largest budgets the admin config allows. Outcomes are asserted, not
//! durations: the only time bound is a generous one, so that a busy machine
//! cannot fail these tests.

use lockstep_sim::sandbox::{BotInstance, Outcome, Sandbox};
use lockstep_sim::settings::Settings;
use std::time::{Duration, Instant};

#[path = "support/wat_bot.rs"]
mod wat_bot;
use wat_bot::{BASE, Bot};

/// The largest values `[budget]` allows (the config refuses more), and a
/// short watchdog so that the tests are quick (any value stops the chase;
/// a short one just stops it sooner).
const CONFIG: &str = "
[budget]
tick_fuel = 1_125_899_906_842_624
init_fuel = 1_125_899_906_842_624
bucket_cap = 1_125_899_906_842_624
[limits]
watchdog_ms = 100
pool_instances = 4
";

/// Far above the watchdog, far below what the chase would take without it
/// (years at these budgets): a broken watchdog fails, a busy machine not.
const GENEROUS: Duration = Duration::from_secs(60);

fn settings() -> Settings {
    let settings = Settings::parse("watchdog_worst.toml", CONFIG).expect("the config allows these");
    assert_eq!(settings.match_config.tick_fuel, 1 << 50);
    // One more is refused: these are the largest.
    let over = CONFIG.replacen(
        "tick_fuel = 1_125_899_906_842_624",
        "tick_fuel = 1_125_899_906_842_625",
        1,
    );
    assert!(Settings::parse("over.toml", &over).is_err());
    settings
}

/// A bot whose `lockstep_init` and `lockstep_tick` chase pointers over the
/// whole memory cap for ever: a store and a dependent load at LCG addresses
/// (the last pattern of `benches/wall_per_fuel.rs`).
fn chaser(memory_limit: usize) -> Vec<u8> {
    let pages = memory_limit >> 16;
    let mask = (memory_limit - 4) as u32;
    let chase: &'static str = Box::leak(
        format!(
            "(local $x i32) (local $a i32) (loop $l
                (local.set $a (i32.and (i32.shr_u (local.get $x) (i32.const 4)) (i32.const {mask})))
                (i32.store (i32.and (local.get $x) (i32.const {mask})) (local.get $x))
                (local.set $x (i32.add (i32.mul
                    (i32.add (local.get $x) (i32.load (local.get $a)))
                    (i32.const 1103515245)) (i32.const 12345)))
                (br $l)) unreachable"
        )
        .into_boxed_str(),
    );
    Bot {
        memory: Box::leak(format!(r#"(memory (export "memory") {pages})"#).into_boxed_str()),
        init: chase,
        tick: chase,
        ..BASE
    }
    .wasm()
}

#[test]
fn the_watchdog_stops_a_pointer_chase_at_the_largest_budgets_allowed() {
    let settings = settings();
    let sandbox = Sandbox::new(settings.sandbox.clone()).unwrap();
    let module = sandbox
        .load(&chaser(sandbox.config().memory_limit))
        .unwrap();
    let m = &settings.match_config;
    // The most one tick's call may spend: the tick budget, a full bucket and
    // the init remainder (tick 0), all at their largest.
    let tick_budget = m.tick_fuel + m.bucket_cap + m.init_fuel;
    let mut instance = BotInstance::new(&sandbox, &module, m.init_fuel).unwrap();
    for (what, budget) in [
        ("lockstep_init", m.init_fuel),
        ("lockstep_tick", tick_budget),
    ] {
        let started = Instant::now();
        let report = if what == "lockstep_init" {
            instance.call_init(&[], budget)
        } else {
            instance.call_tick(&[0], budget)
        };
        let elapsed = started.elapsed();
        assert_eq!(report.outcome, Outcome::Watchdog, "{what}");
        assert!(report.fuel_used > 0 && report.fuel_used < budget, "{what}");
        assert!(elapsed < GENEROUS, "{what} took {elapsed:?}");
    }
}

#[test]
fn the_watchdog_stops_each_segment_of_a_pointer_chase_under_resume() {
    let settings = settings();
    let sandbox = Sandbox::new(settings.sandbox.clone()).unwrap();
    let module = sandbox
        .load(&chaser(sandbox.config().memory_limit))
        .unwrap();
    // The largest round tick budget the config allows: the watchdog's slice
    // divides it (a segment is a whole number of slices).
    let segment = 1_000_000_000_000_000;
    assert!(segment <= settings.match_config.tick_fuel);
    let mut instance = BotInstance::new(&sandbox, &module, 1_000_000).unwrap();
    for segments in [1, 3] {
        let started = Instant::now();
        let report = instance.call_tick_resumable(&[0], segment, segments);
        let elapsed = started.elapsed();
        assert_eq!(report.outcome, Outcome::Watchdog, "{segments} segments");
        assert!(report.fuel_used < segment, "{segments} segments");
        assert!(elapsed < GENEROUS, "{segments} segments took {elapsed:?}");
    }
}

//! Wall time follows fuel. For each hostile pattern, a tick that burns its
//! whole budget, as a multiple of the wall time the same fuel takes in
//! ordinary code. "Ordinary code" is the reference bot (the rusher) on a
//! recorded 64x64 game: its ns per unit of fuel, measured in the same run.
//!
//! Run: `cargo bench -p lockstep-sim --bench wall_per_fuel` (prints medians and
//! multiples). Under `cargo test` it runs each pattern once, as a smoke test.
//!
//! The memory levers, side by side in one run: `LOCKSTEP_WPF_LEVERS=ROUNDS
//! cargo bench -p lockstep-sim --bench wall_per_fuel` measures, for memory
//! caps of 64, 32 and 16 MiB (`LOCKSTEP_WPF_CAPS=64,16` for some of them),
//! each with and without huge pages (`sandbox/hugepages.rs`): ordinary
//! code's ns per fuel, a rusher's instantiate + init + drop, and the random
//! access and pointer chase over the whole cap (first tick, later ticks, the
//! drop of the instance that touched it all). Rounds alternate the order;
//! the last table is each figure over the same round's 64 MiB without huge
//! pages, median over the rounds (the machine is shared: trust those).

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
    let wasi = r#"
        (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
        (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
        (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))"#;
    // One iovec at 512: 64 KiB at 0, or 1 byte, with a newline every 64
    // bytes (data below); one clock subscription at 1024.
    let iovec = |len: u32| -> &'static str {
        Box::leak(
            format!(
                "(i32.store (i32.const 512) (i32.const 0)) (i32.store (i32.const 516) (i32.const {len}))"
            )
            .into_boxed_str(),
        )
    };
    let lines = r#"(data (i32.const 0) "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\0a")"#;
    let write = |len: u32| -> &'static str {
        Box::leak(
            format!(
                "{} (loop $l (drop (call $write (i32.const 1) (i32.const 512) (i32.const 1) (i32.const 520))) (br $l)) unreachable",
                iovec(len)
            )
            .into_boxed_str(),
        )
    };
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
            "WASI sched_yield",
            Bot {
                imports: wasi,
                tick: "(loop $l (drop (call $yield)) (br $l)) unreachable",
                ..BASE
            },
        ),
        (
            "WASI clock_time_get",
            Bot {
                imports: wasi,
                tick: "(loop $l (drop (call $clock (i32.const 1) (i64.const 0) (i32.const 64))) (br $l)) unreachable",
                ..BASE
            },
        ),
        (
            "WASI fd_fdstat_get",
            Bot {
                imports: wasi,
                tick: "(loop $l (drop (call $fdstat (i32.const 1) (i32.const 64))) (br $l)) unreachable",
                ..BASE
            },
        ),
        (
            "WASI random_get, 16 bytes",
            Bot {
                imports: wasi,
                tick: "(loop $l (drop (call $random (i32.const 0) (i32.const 16))) (br $l)) unreachable",
                ..BASE
            },
        ),
        (
            "WASI random_get, 64 KiB",
            Bot {
                imports: wasi,
                tick: "(loop $l (drop (call $random (i32.const 0) (i32.const 65536))) (br $l)) unreachable",
                ..BASE
            },
        ),
        (
            "WASI fd_write, 1 byte",
            Bot {
                imports: wasi,
                extra: lines,
                tick: write(1),
                ..BASE
            },
        ),
        (
            "WASI fd_write, 64 KiB of lines",
            Bot {
                imports: wasi,
                extra: lines,
                tick: Box::leak(
                    format!(
                        "(local $n i32) (local.set $n (i32.const 64))
                         (loop $double
                             (memory.copy (local.get $n) (i32.const 0) (local.get $n))
                             (local.set $n (i32.shl (local.get $n) (i32.const 1)))
                             (br_if $double (i32.lt_u (local.get $n) (i32.const 65536))))
                         {}",
                        write(65536)
                    )
                    .into_boxed_str(),
                ),
                ..BASE
            },
        ),
        (
            "WASI poll_oneoff, one sleep",
            Bot {
                imports: wasi,
                tick: "(i32.store8 (i32.const 1032) (i32.const 0))
                       (i32.store (i32.const 1040) (i32.const 1))
                       (i64.store (i32.const 1048) (i64.const 1000))
                       (loop $l
                           (drop (call $poll (i32.const 1024) (i32.const 2048) (i32.const 1) (i32.const 4096)))
                           (br $l))
                       unreachable",
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
        // Memory latency: a load and a store at addresses from an LCG,
        // masked to a span of the memory. Stores touch every page in the
        // first tick (loads of untouched pages would all read the one zero
        // page, from cache), so the median of the later ticks is what
        // memory that a bot has touched costs. Each costs the same fuel
        // whatever the span: a cache or TLB miss is one unit of fuel.
        (
            "random load+store within 4 KiB",
            Bot {
                memory: r#"(memory (export "memory") 1024)"#,
                tick: Box::leak(random_access(0xffc, false).into_boxed_str()),
                ..BASE
            },
        ),
        (
            "random load+store over 64 MiB",
            Bot {
                memory: r#"(memory (export "memory") 1024)"#,
                tick: Box::leak(random_access(0x3ff_fffc, false).into_boxed_str()),
                ..BASE
            },
        ),
        (
            "pointer chase over 64 MiB",
            Bot {
                memory: r#"(memory (export "memory") 1024)"#,
                tick: Box::leak(random_access(0x3ff_fffc, true).into_boxed_str()),
                ..BASE
            },
        ),
    ]
}

/// A tick that loads and stores at LCG addresses under `mask` (64 MiB at
/// most: the default memory cap), for ever. `dependent`: the next address
/// depends on the loaded value, so the loads cannot overlap (a pointer
/// chase, the worst case for latency); else it depends on the LCG alone.
fn random_access(mask: u32, dependent: bool) -> String {
    let next = if dependent {
        "(i32.add (local.get $x) (i32.load (local.get $a)))"
    } else {
        "(i32.add (local.get $x) (i32.and (i32.load (local.get $a)) (i32.const 0)))"
    };
    format!(
        "(local $x i32) (local $a i32) (loop $l
            (local.set $a (i32.and (i32.shr_u (local.get $x) (i32.const 4)) (i32.const {mask})))
            (i32.store (i32.and (local.get $x) (i32.const {mask})) (local.get $x))
            (local.set $x (i32.add (i32.mul {next} (i32.const 1103515245)) (i32.const 12345)))
            (br $l)) unreachable"
    )
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
    if let Ok(rounds) = std::env::var("LOCKSTEP_WPF_LEVERS") {
        levers(rounds.parse().unwrap_or(5));
        return;
    }
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

/// One variant of the memory levers: the memory cap and huge pages.
struct Lever {
    cap_mib: usize,
    huge: bool,
    sandbox: Sandbox,
    rusher: lockstep_sim::sandbox::BotModule,
    random: lockstep_sim::sandbox::BotModule,
    chase: lockstep_sim::sandbox::BotModule,
}

/// Side by side, in rounds (the machine is shared): for each memory cap
/// with and without huge pages, ordinary code's ns per fuel, a rusher's
/// instantiate + drop, and the random access and pointer chase over the
/// whole cap: first tick (which touches the memory), later ticks, and the
/// drop of an instance that touched it all (the pool's reset).
fn levers(rounds: usize) {
    let (info, observations) = support::recorded_rusher_game();
    let variants: Vec<Lever> = [
        (64, false),
        (64, true),
        (32, false),
        (32, true),
        (16, false),
        (16, true),
    ]
    .into_iter()
    .filter(|(cap_mib, _)| {
        std::env::var("LOCKSTEP_WPF_CAPS").map_or(true, |caps| {
            caps.split(',').any(|c| c == cap_mib.to_string())
        })
    })
    .map(|(cap_mib, huge)| {
        // A sandbox of its own: its own pool, whose slots are advised (or
        // not) from the first instantiation on.
        let sandbox = Sandbox::new(SandboxConfig {
            memory_limit: cap_mib << 20,
            huge_pages: huge,
            ..SandboxConfig::default()
        })
        .unwrap();
        let mask = ((cap_mib as u32) << 20) - 4;
        let memory: &'static str =
            Box::leak(format!(r#"(memory (export "memory") {})"#, cap_mib * 16).into_boxed_str());
        let bot = |dependent| {
            let tick: &'static str = Box::leak(random_access(mask, dependent).into_boxed_str());
            sandbox
                .load(
                    &Bot {
                        memory,
                        tick,
                        ..BASE
                    }
                    .wasm(),
                )
                .unwrap()
        };
        let (random, chase) = (bot(false), bot(true));
        let rusher = sandbox.load(bundled_bot("rusher").unwrap().wasm).unwrap();
        Lever {
            cap_mib,
            huge,
            rusher,
            random,
            chase,
            sandbox,
        }
    })
    .collect();
    // Per variant: [rusher ns/fuel, instantiate+drop us, random first ms,
    // random ms, random drop ms, chase first ms, chase ms, chase drop ms].
    let mut samples = vec![vec![Vec::<f64>::new(); 8]; variants.len()];
    for round in 0..rounds {
        eprintln!("round {} of {rounds}", round + 1);
        // Every other round in reverse, so that no variant always follows
        // the same one (freed memory, compaction, caches).
        let mut order: Vec<usize> = (0..variants.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for v in order {
            let lever = &variants[v];
            let s = &mut samples[v];
            let mut instance = BotInstance::new(&lever.sandbox, &lever.rusher, BUDGET).unwrap();
            assert!(instance.call_init(&info, 10 * BUDGET).outcome.is_ok());
            let (mut elapsed, mut fuel) = (Duration::ZERO, 0);
            for obs in &observations {
                let started = Instant::now();
                let report = instance.call_tick(obs, BUDGET);
                elapsed += started.elapsed();
                fuel += report.fuel_used;
            }
            drop(instance);
            s[0].push(elapsed.as_secs_f64() * 1e9 / fuel as f64);
            let mut inst = Vec::new();
            for _ in 0..20 {
                let started = Instant::now();
                let mut instance = BotInstance::new(&lever.sandbox, &lever.rusher, BUDGET).unwrap();
                assert!(instance.call_init(&info, 10 * BUDGET).outcome.is_ok());
                drop(instance);
                inst.push(started.elapsed().as_secs_f64() * 1e6);
            }
            inst.sort_by(f64::total_cmp);
            s[1].push(inst[inst.len() / 2]);
            for (k, module) in [(2, &lever.random), (5, &lever.chase)] {
                let mut instance = BotInstance::new(&lever.sandbox, module, BUDGET).unwrap();
                for tick in 0..4 {
                    let started = Instant::now();
                    let report = instance.call_tick(&[0], BUDGET);
                    let ms = started.elapsed().as_secs_f64() * 1e3;
                    assert_eq!(report.outcome, Outcome::OutOfFuel);
                    s[k + usize::from(tick > 0)].push(ms);
                }
                let started = Instant::now();
                drop(instance);
                s[k + 2].push(started.elapsed().as_secs_f64() * 1e3);
            }
        }
    }
    let med = |xs: &[f64]| {
        let mut xs = xs.to_vec();
        xs.sort_by(f64::total_cmp);
        xs[xs.len() / 2]
    };
    // Ordinary code does not depend on the cap: the reference is the median
    // over every variant without huge pages.
    let reference: Vec<f64> = variants
        .iter()
        .zip(&samples)
        .filter(|(lever, _)| !lever.huge)
        .flat_map(|(_, s)| s[0].iter().copied())
        .collect();
    let implied_ms = BUDGET as f64 * med(&reference) / 1e6;
    println!(
        "{rounds} rounds; ordinary code {:.4} ns per fuel, {implied_ms:.2} ms per budget \
         (median over the variants without huge pages)",
        med(&reference)
    );
    println!(
        "{:<14} {:>9} {:>10} | {:>9} {:>8} {:>7} {:>6} | {:>9} {:>8} {:>7} {:>6}",
        "variant",
        "ns/fuel",
        "inst+drop",
        "rnd 1st",
        "rnd ms",
        "drop",
        "x",
        "chase 1st",
        "chase ms",
        "drop",
        "x"
    );
    for (v, lever) in variants.iter().enumerate() {
        let s = &samples[v];
        println!(
            "{:<14} {:>9.4} {:>8.0}us | {:>7.1}ms {:>8.2} {:>7.2} {:>5.1}x | {:>7.1}ms {:>8.2} {:>7.2} {:>5.0}x",
            format!(
                "{} MiB{}",
                lever.cap_mib,
                if lever.huge { " huge" } else { "" }
            ),
            med(&s[0]),
            med(&s[1]),
            med(&s[2]),
            med(&s[3]),
            med(&s[4]),
            med(&s[3]) / implied_ms,
            med(&s[5]),
            med(&s[6]),
            med(&s[7]),
            med(&s[6]) / implied_ms,
        );
    }
    // Paired: each round's figure over the same round's 64 MiB without huge
    // pages, median over the rounds.
    println!("paired with 64 MiB in the same round (median of per-round ratios):");
    println!(
        "{:<14} {:>9} {:>10} {:>9} {:>8} {:>9} {:>8} {:>8}",
        "variant", "ns/fuel", "inst+drop", "rnd 1st", "rnd ms", "chase 1st", "chase ms", "drop"
    );
    for (v, lever) in variants.iter().enumerate() {
        let ratio = |k: usize| {
            let r: Vec<f64> = samples[v][k]
                .iter()
                .zip(&samples[0][k])
                .map(|(a, b)| a / b)
                .collect();
            med(&r)
        };
        println!(
            "{:<14} {:>9.3} {:>10.3} {:>9.3} {:>8.3} {:>9.3} {:>8.3} {:>8.3}",
            format!(
                "{} MiB{}",
                lever.cap_mib,
                if lever.huge { " huge" } else { "" }
            ),
            ratio(0),
            ratio(1),
            ratio(2),
            ratio(3),
            ratio(5),
            ratio(6),
            ratio(7),
        );
    }
}

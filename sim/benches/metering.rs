//! What metering costs: the same bot (the bundled rusher, the same compiled
//! wasm) on the same recorded observations under each metering setting.
//!
//! - `native`: the rusher built for the host (decode, think, encode).
//! - `no_metering`: the project's engine settings without fuel or epochs.
//! - `fuel_only`: fuel with the project's costs, no epochs.
//! - `fuel_and_epochs`: fuel and epoch interruption, plain calls: the
//!   project's settings until the watchdog stopped using epochs.
//! - `fuel_slices`: fuel only, each call run on a fiber that yields every
//!   `SLICE` fuel so that the host reads the wall clock between slices (the
//!   watchdog, `sandbox/instance.rs`).
//! - `project_settings`: the project's settings now: `fuel_slices` on the
//!   module instrumented for the deterministic stack limit
//!   (`sandbox/stack_limit.rs`, 12 fuel and about 10 instructions a call).
//! - `sandbox`: the real `Sandbox` path (`BotInstance::call_tick`, host
//!   functions, reports), as in `engine`'s `rusher_64x64/sandbox`.
//!
//! The wasm variants call the exports directly (alloc, copy in, tick, copy
//! out) with the imports stubbed, so they differ only in the compiled code.
//! After criterion, a short side-by-side run prints each variant's median
//! over `no_metering` and over `native`.
//!
//! Run: `cargo bench -p lockstep-sim --bench metering`.
//! Instruction counts: `LOCKSTEP_METERING_ONLY=<variant> LOCKSTEP_METERING_RUNS=<n>`
//! runs that variant's 150 ticks `n` times and exits (before criterion), so
//! `valgrind --tool=callgrind` on the bench binary with `n` = 10 and 0 gives
//! the ticks' instructions by difference (compiling is in both).

use bot_rusher::Rusher;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use lockstep_sdk::{Encoding, Runner};
use lockstep_sim::sandbox::{
    BotInstance, Sandbox, SandboxConfig, engine_config_metered, stack_limit,
};
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};
use wasmtime::{Engine, Instance, Linker, Memory, Module, Store, TypedFunc};

#[path = "support/mod.rs"]
mod support;

const FUEL: u64 = 100_000_000;
/// The fuel between two looks at the wall clock in `project_settings`, as
/// the sandbox's `WATCHDOG_SLICE`.
const SLICE: u64 = 1_000_000;
const WATCHDOG: Duration = Duration::from_secs(2);

#[derive(Clone, Copy, PartialEq)]
enum Metering {
    None,
    Fuel,
    FuelAndEpochs,
    FuelSlices,
    /// `FuelSlices` on the module instrumented for the stack limit.
    Project,
}

impl Metering {
    const ALL: [(&'static str, Metering); 5] = [
        ("no_metering", Metering::None),
        ("fuel_only", Metering::Fuel),
        ("fuel_and_epochs", Metering::FuelAndEpochs),
        ("fuel_slices", Metering::FuelSlices),
        ("project_settings", Metering::Project),
    ];

    fn fuel(self) -> bool {
        self != Metering::None
    }

    /// Calls run on a fiber that yields every `SLICE` fuel.
    fn sliced(self) -> bool {
        matches!(self, Metering::FuelSlices | Metering::Project)
    }
}

/// The rusher compiled under one metering setting.
struct Compiled {
    metering: Metering,
    engine: Engine,
    module: Module,
    linker: Linker<()>,
}

impl Compiled {
    fn new(metering: Metering) -> Compiled {
        let config = SandboxConfig {
            pool_instances: 4,
            ..SandboxConfig::default()
        };
        let epochs = metering == Metering::FuelAndEpochs;
        let engine = Engine::new(&engine_config_metered(&config, metering.fuel(), epochs)).unwrap();
        let wasm = lockstep_sim::bundled::bundled_bot("rusher").unwrap().wasm;
        let module = if metering == Metering::Project {
            let instrumented = stack_limit::instrument(wasm, config.stack_units).unwrap();
            Module::new(&engine, &instrumented.bytes).unwrap()
        } else {
            Module::new(&engine, wasm).unwrap()
        };
        let mut linker = Linker::new(&engine);
        // Stubs that do nothing and return zeros (the rusher only logs).
        for import in module.imports() {
            if let wasmtime::ExternType::Func(ty) = import.ty() {
                linker
                    .func_new(import.module(), import.name(), ty, |_, _, results| {
                        for r in results.iter_mut() {
                            *r = wasmtime::Val::I32(0);
                        }
                        Ok(())
                    })
                    .unwrap();
            }
        }
        Compiled {
            metering,
            engine,
            module,
            linker,
        }
    }

    /// A fresh instance after `lockstep_init(info)`.
    fn instance(&self, info: &[u8]) -> Raw {
        let mut store = Store::new(&self.engine, ());
        if self.metering.fuel() {
            store.set_fuel(FUEL).unwrap();
        }
        if self.metering == Metering::FuelAndEpochs {
            store.set_epoch_deadline(u64::MAX / 2);
        }
        let instance: Instance = if self.metering.sliced() {
            store.fuel_async_yield_interval(Some(SLICE)).unwrap();
            let future = pin!(self.linker.instantiate_async(&mut store, &self.module));
            run_sliced(future).unwrap()
        } else {
            self.linker.instantiate(&mut store, &self.module).unwrap()
        };
        let mut raw = Raw {
            metering: self.metering,
            memory: instance.get_memory(&mut store, "memory").unwrap(),
            alloc: instance
                .get_typed_func(&mut store, "lockstep_alloc")
                .unwrap(),
            init: instance
                .get_typed_func(&mut store, "lockstep_init")
                .unwrap(),
            tick: instance
                .get_typed_func(&mut store, "lockstep_tick")
                .unwrap(),
            store,
            output: Vec::new(),
        };
        let (ptr, len) = raw.input(info);
        let status = if raw.metering.sliced() {
            let future = pin!(raw.init.call_async(&mut raw.store, (ptr, len)));
            run_sliced(future).unwrap()
        } else {
            raw.init.call(&mut raw.store, (ptr, len)).unwrap()
        };
        assert_eq!(status, 0, "lockstep_init succeeds");
        raw
    }
}

/// Polls a call that yields every `SLICE` fuel, reading the wall clock at
/// each yield; `None` if it ran past `WATCHDOG`.
fn run_sliced<T>(
    mut future: std::pin::Pin<&mut impl Future<Output = wasmtime::Result<T>>>,
) -> Option<T> {
    let deadline = Instant::now() + WATCHDOG;
    let mut context = Context::from_waker(Waker::noop());
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(result) => return Some(result.unwrap()),
            Poll::Pending if Instant::now() >= deadline => return None,
            Poll::Pending => {}
        }
    }
}

/// One instance called through its exports alone.
struct Raw {
    metering: Metering,
    store: Store<()>,
    memory: Memory,
    alloc: TypedFunc<i32, i32>,
    init: TypedFunc<(i32, i32), i32>,
    tick: TypedFunc<(i32, i32), i64>,
    output: Vec<u8>,
}

impl Raw {
    /// `lockstep_alloc` and the copy in, on the call's budget.
    fn input(&mut self, message: &[u8]) -> (i32, i32) {
        if self.metering.fuel() {
            self.store.set_fuel(FUEL).unwrap();
        }
        let len = message.len() as i32;
        let ptr = if self.metering.sliced() {
            let future = pin!(self.alloc.call_async(&mut self.store, len));
            run_sliced(future).unwrap()
        } else {
            self.alloc.call(&mut self.store, len).unwrap()
        };
        let start = ptr as usize;
        self.memory.data_mut(&mut self.store)[start..start + message.len()]
            .copy_from_slice(message);
        (ptr, len)
    }

    fn tick(&mut self, message: &[u8]) -> &[u8] {
        let (ptr, len) = self.input(message);
        let word = if self.metering.sliced() {
            let future = pin!(self.tick.call_async(&mut self.store, (ptr, len)));
            run_sliced(future).unwrap()
        } else {
            self.tick.call(&mut self.store, (ptr, len)).unwrap()
        };
        let (ptr, len) = lockstep_sdk::abi::unpack_output(word);
        self.output.clear();
        self.output
            .extend_from_slice(&self.memory.data(&self.store)[ptr as usize..(ptr + len) as usize]);
        &self.output
    }
}

/// Everything the benchmark runs: the recorded game and each variant ready.
struct Setup {
    info: Vec<u8>,
    observations: Vec<Vec<u8>>,
    compiled: Vec<(&'static str, Compiled)>,
    sandbox: Sandbox,
    module: lockstep_sim::sandbox::BotModule,
}

impl Setup {
    fn new() -> Setup {
        let (info, observations) = support::recorded_rusher_game();
        let compiled = Metering::ALL
            .iter()
            .map(|&(name, metering)| (name, Compiled::new(metering)))
            .collect();
        // A small pool: valgrind cannot map the default one (the code is the same).
        let sandbox = Sandbox::new(SandboxConfig {
            pool_instances: 4,
            ..SandboxConfig::default()
        })
        .unwrap();
        let module = sandbox
            .load(lockstep_sim::bundled::bundled_bot("rusher").unwrap().wasm)
            .unwrap();
        Setup {
            info,
            observations,
            compiled,
            sandbox,
            module,
        }
    }

    fn native(&self) -> Runner<Rusher> {
        let mut runner = Runner::<Rusher>::new(Encoding::Postcard);
        runner.init(&self.info);
        runner
    }

    fn sandboxed(&self) -> BotInstance {
        let mut instance = BotInstance::new(&self.sandbox, &self.module, FUEL).unwrap();
        assert!(instance.call_init(&self.info, FUEL).outcome.is_ok());
        instance
    }

    /// One whole recorded game through `variant` (setup included), for the
    /// side-by-side run and for callgrind.
    fn play(&self, variant: &str) {
        match variant {
            "native" => {
                let mut runner = self.native();
                for obs in &self.observations {
                    black_box(runner.tick(obs));
                }
            }
            "sandbox" => {
                let mut instance = self.sandboxed();
                for obs in &self.observations {
                    black_box(instance.call_tick(obs, FUEL));
                }
            }
            name => {
                let (_, compiled) = self
                    .compiled
                    .iter()
                    .find(|(n, _)| *n == name)
                    .unwrap_or_else(|| panic!("no variant `{name}`"));
                let mut raw = compiled.instance(&self.info);
                for obs in &self.observations {
                    black_box(raw.tick(obs));
                }
            }
        }
    }
}

const VARIANTS: [&str; 7] = [
    "native",
    "no_metering",
    "fuel_only",
    "fuel_and_epochs",
    "fuel_slices",
    "project_settings",
    "sandbox",
];

fn metering(c: &mut Criterion) {
    let setup = Setup::new();
    if let Ok(variant) = std::env::var("LOCKSTEP_METERING_ONLY") {
        let runs: usize = std::env::var("LOCKSTEP_METERING_RUNS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(10);
        for _ in 0..runs {
            setup.play(&variant);
        }
        std::process::exit(0);
    }
    // Every variant orders the same moves.
    let native: Vec<Vec<u8>> = {
        let mut runner = setup.native();
        setup
            .observations
            .iter()
            .map(|o| runner.tick(o).to_vec())
            .collect()
    };
    for (name, compiled) in &setup.compiled {
        let mut raw = compiled.instance(&setup.info);
        for (obs, expected) in setup.observations.iter().zip(&native) {
            assert_eq!(raw.tick(obs), &expected[..], "{name} differs from native");
        }
    }

    let mut group = c.benchmark_group("metering_rusher_64x64");
    group.throughput(Throughput::Elements(setup.observations.len() as u64));
    group.bench_function("native", |b| {
        b.iter_batched(
            || setup.native(),
            |mut runner| {
                for obs in &setup.observations {
                    black_box(runner.tick(obs));
                }
                runner
            },
            BatchSize::PerIteration,
        )
    });
    for (name, compiled) in &setup.compiled {
        group.bench_function(*name, |b| {
            b.iter_batched(
                || compiled.instance(&setup.info),
                |mut raw| {
                    for obs in &setup.observations {
                        black_box(raw.tick(obs));
                    }
                    raw
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.bench_function("sandbox", |b| {
        b.iter_batched(
            || setup.sandboxed(),
            |mut instance| {
                for obs in &setup.observations {
                    black_box(instance.call_tick(obs, FUEL));
                }
                instance
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
    side_by_side(&setup);
}

/// The variants in turn, `rounds` times each (setup included: it is small
/// next to 150 ticks), then each one's median as a multiple of `no_metering`
/// and of `native`. Once only in test mode.
fn side_by_side(setup: &Setup) {
    let test_mode = std::env::args().any(|a| a == "--test");
    let rounds = if test_mode { 1 } else { 21 };
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); VARIANTS.len()];
    for _ in 0..rounds {
        for (i, variant) in VARIANTS.iter().enumerate() {
            let start = Instant::now();
            setup.play(variant);
            times[i].push(start.elapsed().as_secs_f64());
        }
    }
    let medians: Vec<f64> = times
        .iter_mut()
        .map(|t| {
            t.sort_by(f64::total_cmp);
            t[t.len() / 2]
        })
        .collect();
    let per_tick = |s: f64| s / setup.observations.len() as f64 * 1e6;
    println!("\nrusher, 150 recorded ticks, side by side (median of {rounds}, per tick):");
    for (variant, median) in VARIANTS.iter().zip(&medians) {
        println!(
            "  {variant:<17} {:8.1} us   {:5.2}x no_metering   {:5.2}x native",
            per_tick(*median),
            median / medians[1],
            median / medians[0]
        );
    }
}

criterion_group!(benches, metering);
criterion_main!(benches);

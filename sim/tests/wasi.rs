//! The deterministic WASI, function by function: each answer is the one
//! docs/abi.md ("WASI, deterministically") gives, and depends only on what
//! the bot's `HostContext` and its own calls say. Small WAT modules call the
//! functions and hand back what they got as their tick's output bytes.

use lockstep_sim::sandbox::{
    BotInstance, CallReport, HostContext, Outcome, Sandbox, SandboxConfig, VIRTUAL_EPOCH_NS,
    VIRTUAL_TICK_NS,
};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use std::sync::OnceLock;
use support::wat_bot::{BASE, Bot};

#[path = "support/mod.rs"]
mod support;

const FUEL: u64 = 5_000_000;

fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| Sandbox::new(SandboxConfig::default()).unwrap())
}

const IMPORTS: &str = r#"
    (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
    (import "wasi_snapshot_preview1" "clock_res_get" (func $res (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "args_sizes_get" (func $args (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
    (import "wasi_snapshot_preview1" "proc_raise" (func $raise (param i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (import "lockstep" "log" (func $log (param i32 i32)))
    (import "env" "trace" (func $trace (param i32 i32 f64 f64 f64 f64 f64)))
    (import "env" "seed" (func $seed (result f64)))"#;

/// A module with every import above whose tick runs `tick` and returns
/// `out_len` bytes at address 1024 (where the body writes what it found).
fn module(extra: &'static str, tick: &str, out_len: u32) -> Vec<u8> {
    let tick = format!(
        "{tick}\n i64.const {}",
        (1024u64 << 32) | u64::from(out_len)
    );
    Bot {
        imports: IMPORTS,
        memory: r#"(memory (export "memory") 4)"#,
        extra,
        alloc: "i32.const 8192",
        tick: Box::leak(tick.into_boxed_str()),
        ..BASE
    }
    .wasm()
}

fn started(wasm: &[u8], context: &HostContext) -> BotInstance {
    let module = sandbox().load(wasm).unwrap_or_else(|e| panic!("{e}"));
    let mut instance = BotInstance::with_context(sandbox(), &module, FUEL, context).unwrap();
    let init = instance.call_init(&[], FUEL);
    assert_eq!(init.outcome, Outcome::Ok, "{init:?}");
    instance
}

/// One tick at `context.tick`: its report and output bytes.
fn tick_once(wasm: &[u8], context: &HostContext) -> (CallReport, Vec<u8>) {
    let mut instance = started(wasm, context);
    let report = instance.call_tick(&[], FUEL);
    (report, instance.output().to_vec())
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
}

#[test]
fn clocks_read_the_tick_plus_the_fuel_spent_in_it() {
    // 1024: realtime, 1032: monotonic, 1040: monotonic again, 1048: the
    // resolution, 1056: the errno of an unknown clock id.
    let wasm = module(
        "",
        "(drop (call $clock (i32.const 0) (i64.const 0) (i32.const 1024)))
         (drop (call $clock (i32.const 1) (i64.const 0) (i32.const 1032)))
         (drop (call $clock (i32.const 1) (i64.const 0) (i32.const 1040)))
         (drop (call $res (i32.const 1) (i32.const 1048)))
         (i32.store (i32.const 1056) (call $clock (i32.const 9) (i64.const 0) (i32.const 1060)))",
        40,
    );
    let context = HostContext {
        tick: 5,
        ..HostContext::default()
    };
    let (report, out) = tick_once(&wasm, &context);
    assert_eq!(report.outcome, Outcome::Ok);
    let (real, mono, mono2) = (u64_at(&out, 0), u64_at(&out, 8), u64_at(&out, 16));
    let tick_start = 5 * VIRTUAL_TICK_NS;
    // Within the tick, the clock moves one nanosecond per unit of fuel: the
    // call had spent a little (alloc, a host call) before each reading.
    let spent = real - VIRTUAL_EPOCH_NS - tick_start;
    assert!((500..5_000).contains(&spent), "{spent}");
    assert!(
        mono > tick_start + spent && mono - tick_start < 5_000,
        "{mono}"
    );
    assert!(mono2 > mono, "readings never stand still");
    assert_eq!(u64_at(&out, 24), 1, "resolution: 1 ns");
    assert_eq!(u32_at(&out, 32), 28, "an unknown clock id is EINVAL");
    // The same call in a new instance reads the same values.
    assert_eq!(tick_once(&wasm, &context).1, out);
}

#[test]
fn random_bytes_are_the_seats_chacha_stream() {
    let wasm = module(
        "",
        "(drop (call $random (i32.const 1024) (i32.const 32)))",
        32,
    );
    let context = HostContext {
        random_seed: [9; 32],
        instance_number: 2,
        tick: 0,
    };
    let (_, out) = tick_once(&wasm, &context);
    let mut expected = [0u8; 32];
    let mut rng = ChaCha8Rng::from_seed([9; 32]);
    rng.set_stream(2);
    rng.fill_bytes(&mut expected);
    assert_eq!(out, expected);
    let other = HostContext {
        instance_number: 3,
        ..context
    };
    assert_ne!(
        tick_once(&wasm, &other).1,
        out,
        "each instance has its own stream"
    );
}

#[test]
fn stdout_and_stderr_are_the_log_split_on_newlines() {
    // iovecs at 512: "hel" + "lo\nwor", then "ld" on stderr, then "!\n" on stdout.
    let extra = r#"(data (i32.const 600) "hello\0aworld!\0a")"#;
    let wasm = module(
        extra,
        "(i32.store (i32.const 512) (i32.const 600)) (i32.store (i32.const 516) (i32.const 3))
         (i32.store (i32.const 520) (i32.const 603)) (i32.store (i32.const 524) (i32.const 6))
         (i32.store (i32.const 1024) (call $write (i32.const 1) (i32.const 512) (i32.const 2) (i32.const 1028)))
         (i32.store (i32.const 528) (i32.const 609)) (i32.store (i32.const 532) (i32.const 2))
         (drop (call $write (i32.const 2) (i32.const 528) (i32.const 1) (i32.const 1032)))
         (i32.store (i32.const 536) (i32.const 611)) (i32.store (i32.const 540) (i32.const 2))
         (drop (call $write (i32.const 1) (i32.const 536) (i32.const 1) (i32.const 1032)))
         (call $log (i32.const 600) (i32.const 5))
         (i32.store (i32.const 1036) (call $write (i32.const 0) (i32.const 536) (i32.const 1) (i32.const 1032)))
         (i32.store (i32.const 1040) (call $write (i32.const 3) (i32.const 536) (i32.const 1) (i32.const 1032)))
         (drop (call $close (i32.const 1)))
         (i32.store (i32.const 1044) (call $write (i32.const 1) (i32.const 536) (i32.const 1) (i32.const 1032)))",
        24,
    );
    let (report, out) = tick_once(&wasm, &HostContext::default());
    assert_eq!(report.outcome, Outcome::Ok);
    assert_eq!(u32_at(&out, 0), 0);
    assert_eq!(u32_at(&out, 4), 9, "nwritten: all nine bytes");
    assert_eq!(u32_at(&out, 12), 8, "stdin cannot be written: EBADF");
    assert_eq!(u32_at(&out, 16), 8, "descriptor 3 does not exist: EBADF");
    assert_eq!(u32_at(&out, 20), 8, "stdout after fd_close: EBADF");
    // Lines in the order they were finished; stderr's "ld" ends with the call.
    assert_eq!(report.logs, ["hello", "wor!", "hello", "ld"]);
}

#[test]
fn a_bot_has_no_arguments_no_environment_and_no_files() {
    // Each errno (or count) as one i32 from 1024 on.
    let wasm = module(
        "",
        "(drop (call $args (i32.const 1024) (i32.const 1028)))
         (drop (call $environ (i32.const 1032) (i32.const 1036)))
         (i32.store (i32.const 1040) (call $prestat (i32.const 3) (i32.const 2048)))
         (i32.store (i32.const 1044) (call $open (i32.const 3) (i32.const 0) (i32.const 600) (i32.const 1)
                                               (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 2048)))
         (i32.store (i32.const 1048) (call $open (i32.const 1) (i32.const 0) (i32.const 600) (i32.const 1)
                                               (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 2048)))
         (i32.store (i32.const 1052) (call $fdstat (i32.const 1) (i32.const 2048)))
         (i32.store8 (i32.const 1056) (i32.load8_u (i32.const 2048)))
         (i32.store (i32.const 1060) (i32.wrap_i64 (i64.load (i32.const 2056))))
         (i32.store (i32.const 1064) (call $read (i32.const 0) (i32.const 512) (i32.const 0) (i32.const 1068)))
         (i32.store (i32.const 1072) (call $seek (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 2048)))
         (i32.store (i32.const 1076) (call $yield))
         (i32.store (i32.const 1080) (call $raise (i32.const 6)))",
        60,
    );
    let (report, out) = tick_once(&wasm, &HostContext::default());
    assert_eq!(report.outcome, Outcome::Ok);
    let words: Vec<u32> = (0..15).map(|i| u32_at(&out, i * 4)).collect();
    let (fd_write, poll) = (1 << 6, 1 << 27);
    assert_eq!(
        words,
        [
            0,
            0, // no arguments, no bytes of them
            0,
            0,  // no environment
            8,  // fd_prestat_get(3): EBADF, no preopened directory
            8,  // path_open in descriptor 3: EBADF
            54, // path_open in stdout: ENOTDIR
            0,  // fd_fdstat_get(1)
            2,  // ... a character device
            fd_write | poll,
            0,
            0,  // fd_read(0): success, 0 bytes: stdin is at its end
            70, // fd_seek(1): ESPIPE
            0,  // sched_yield
            52, // proc_raise: ENOSYS
        ]
    );
}

#[test]
fn a_sleep_moves_the_clock_to_its_deadline_at_once() {
    // One subscription at 256: userdata 7, clock 1 (monotonic), relative 1 s.
    let wasm = module(
        "",
        "(drop (call $clock (i32.const 1) (i64.const 0) (i32.const 1024)))
         (i64.store (i32.const 256) (i64.const 7))
         (i32.store8 (i32.const 264) (i32.const 0))
         (i32.store (i32.const 272) (i32.const 1))
         (i64.store (i32.const 280) (i64.const 1000000000))
         (i32.store (i32.const 1032) (call $poll (i32.const 256) (i32.const 384) (i32.const 1) (i32.const 1036)))
         (drop (call $clock (i32.const 1) (i64.const 0) (i32.const 1040)))
         (i64.store (i32.const 1048) (i64.load (i32.const 384)))",
        32,
    );
    let (_, out) = tick_once(&wasm, &HostContext::default());
    let (before, after) = (u64_at(&out, 0), u64_at(&out, 16));
    assert_eq!(u32_at(&out, 8), 0, "poll_oneoff succeeds");
    assert_eq!(u32_at(&out, 12), 1, "one event");
    assert_eq!(u64_at(&out, 24), 7, "the event's userdata");
    assert!(after > before + 1_000_000_000, "{before} -> {after}");
    assert!(after < before + 1_000_010_000, "{before} -> {after}");
}

#[test]
fn initialize_runs_once_before_anything_else_and_its_log_goes_to_init() {
    // lockstep_abi answers 256 only once _initialize has set the global.
    let wasm = wat::parse_str(
        r#"(module
            (import "lockstep" "log" (func $log (param i32 i32)))
            (memory (export "memory") 1)
            (data (i32.const 0) "\00ready")
            (global $abi (mut i32) (i32.const 0))
            (global $runs (mut i32) (i32.const 0))
            (func (export "_initialize")
                (global.set $abi (i32.const 256))
                (global.set $runs (i32.add (global.get $runs) (i32.const 1)))
                (call $log (i32.const 1) (i32.const 5)))
            (func (export "lockstep_abi") (result i32) global.get $abi)
            (func (export "lockstep_alloc") (param i32) (result i32) i32.const 512)
            (func (export "lockstep_init") (param i32 i32) (result i32) i32.const 0)
            (func (export "lockstep_tick") (param i32 i32) (result i64)
                (i32.store8 (i32.const 0) (global.get $runs))
                i64.const 1))"#,
    )
    .unwrap();
    let module = sandbox().load(&wasm).unwrap();
    let mut instance = BotInstance::new(sandbox(), &module, FUEL).unwrap();
    let init = instance.call_init(&[], FUEL);
    assert_eq!(init.logs, ["ready"]);
    let tick = instance.call_tick(&[], FUEL);
    assert!(tick.logs.is_empty());
    assert_eq!(instance.output(), [1], "_initialize ran once");
}

#[test]
fn initialize_of_the_wrong_type_and_a_start_export_are_refused() {
    let bot = Bot {
        extra: r#"(func (export "_initialize") (param i32)) (func (export "_start"))"#,
        ..BASE
    };
    let error = sandbox().load(&bot.wasm()).unwrap_err().to_string();
    assert!(
        error.contains("export `_initialize` has type (i32) -> (); expected () -> ()"),
        "{error}"
    );
    assert!(
        error.contains("export `_start`: this is a WASI command")
            && error.contains("-mexec-model=reactor"),
        "{error}"
    );
}

#[test]
fn proc_exit_ends_the_call_with_its_code() {
    let wasm = module("", "(call $exit (i32.const 42))", 0);
    let (report, _) = tick_once(&wasm, &HostContext::default());
    assert_eq!(report.outcome, Outcome::Exited { code: 42 });
}

#[test]
fn a_host_call_the_bot_cannot_pay_for_ends_the_call_before_the_work() {
    // 4 pages = 256 KiB of random bytes at 4 fuel a byte: 1M fuel and the
    // base cost, over a 1M budget.
    let wasm = module(
        "",
        "(drop (call $random (i32.const 0) (i32.const 262144)))",
        8,
    );
    let mut instance = started(&wasm, &HostContext::default());
    let report = instance.call_tick(&[], 1_000_000);
    assert_eq!(report.outcome, Outcome::OutOfFuel);
    assert_eq!(report.fuel_used, 1_000_000);
}

#[test]
fn assemblyscript_trace_logs_and_seed_is_deterministic() {
    let extra = r#"(data (i32.const 60) "\04\00\00\00h\00i\00")"#;
    let wasm = module(
        extra,
        "(call $trace (i32.const 64) (i32.const 2) (f64.const 1.5) (f64.const -2)
                      (f64.const 0) (f64.const 0) (f64.const 0))
         (f64.store (i32.const 1024) (call $seed))",
        8,
    );
    let context = HostContext {
        random_seed: [1; 32],
        ..HostContext::default()
    };
    let (report, out) = tick_once(&wasm, &context);
    assert_eq!(report.logs, ["trace: hi 1.5, -2"]);
    let seed = f64::from_le_bytes(out[..8].try_into().unwrap());
    assert!((0.0..1.0).contains(&seed), "{seed}");
    assert_eq!(tick_once(&wasm, &context).1, out);
}

/// A tick that calls `sched_yield` every few instructions, forever.
fn yielding_forever() -> Vec<u8> {
    module("", "(loop $l (drop (call $yield)) (br $l)) unreachable", 0)
}

/// A tick that spins in wasm for a few segments of 1M fuel, with one host
/// call (500 fuel) before.
fn long_with_one_host_call() -> Vec<u8> {
    module(
        "",
        "(local $i i32)
         (drop (call $yield))
         (local.set $i (i32.const 400000))
         (loop $l (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))",
        0,
    )
}

#[test]
fn under_resume_host_calls_cannot_stretch_a_segment() {
    // Charging a host call must not restart the segment's fuel: a bot that
    // calls the host constantly is still stopped within its tick (here cut
    // off once its host fuel passes the tick's grant), never by the watchdog.
    let mut instance = started(&yielding_forever(), &HostContext::default());
    let report = instance.call_tick_resumable(&[], 1_000_000, 1);
    assert_eq!(report.outcome, Outcome::OutOfFuel, "{report:?}");
}

#[test]
fn under_resume_host_fuel_is_paid_and_reported() {
    // A few million fuel of wasm and 500 of host: suspended, then done.
    let mut instance = started(&long_with_one_host_call(), &HostContext::default());
    let mut fuel = Vec::new();
    let mut outcome = Outcome::Suspended;
    while outcome == Outcome::Suspended {
        let report = instance.call_tick_resumable(&[], 1_000_000, 1);
        fuel.push(report.fuel_used);
        outcome = report.outcome;
    }
    assert_eq!(outcome, Outcome::Ok);
    let (last, suspended) = fuel.split_last().unwrap();
    assert!(suspended.len() >= 2, "{fuel:?}");
    assert!(suspended.iter().all(|&f| f == 1_000_000), "{fuel:?}");
    assert!(*last < 1_000_000, "{fuel:?}");
    // The same call under `skip` with room to finish uses the same total.
    let mut whole = started(&long_with_one_host_call(), &HostContext::default());
    let total = whole.call_tick(&[], 10_000_000).fuel_used;
    assert_eq!(fuel.iter().sum::<u64>(), total, "{fuel:?} vs {total}");
}

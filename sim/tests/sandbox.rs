//! The sandbox on its own: bytes in, bytes out, fuel, outcomes. Real modules
//! (the bundled bots, built from bots/) plus small hand-written WAT ones.

use lockstep_sdk::{Action, Encoding, MatchInfo, Observation, PlayerId};
use lockstep_sim::bundled::bundled_bot;
use lockstep_sim::sandbox::{
    BadOutput, BotInstance, ModuleError, ModuleHash, Outcome, Sandbox, SandboxConfig, TrapKind,
};

const FUEL: u64 = 5_000_000;

fn sandbox() -> Sandbox {
    Sandbox::new(SandboxConfig {
        pool_instances: 16,
        ..SandboxConfig::default()
    })
    .unwrap()
}

fn match_info() -> MatchInfo {
    let rows = ["A.........", "..........", "..........", ".........B"];
    lockstep_sdk::testing::match_info(&rows, PlayerId(0))
}

fn observation(tick: u32) -> Observation {
    Observation {
        tick,
        energy: 30,
        ..Observation::default()
    }
}

fn started(sandbox: &Sandbox, bot: &str) -> (BotInstance, Encoding) {
    let module = sandbox.load(bundled_bot(bot).unwrap().wasm).unwrap();
    let mut instance = BotInstance::new(sandbox, &module, FUEL).unwrap();
    let report = instance.call_init(&lockstep_sdk::encode(module.encoding, &match_info()), FUEL);
    assert_eq!(report.outcome, Outcome::Ok, "{bot} init: {report:?}");
    (instance, module.encoding)
}

fn tick(instance: &mut BotInstance, encoding: Encoding, tick: u32) -> Outcome {
    let report = instance.call_tick(&lockstep_sdk::encode(encoding, &observation(tick)), FUEL);
    report.outcome
}

#[test]
fn idle_bot_loads_and_returns_an_empty_order_list() {
    let sandbox = sandbox();
    let (mut instance, encoding) = started(&sandbox, "idle");
    assert_eq!(encoding, Encoding::Postcard);
    assert_eq!(tick(&mut instance, encoding, 0), Outcome::Ok);
    let actions: Vec<Action> = lockstep_sdk::decode(encoding, instance.output()).unwrap();
    assert!(actions.is_empty());
}

#[test]
fn json_bot_speaks_json() {
    let sandbox = sandbox();
    let (mut instance, encoding) = started(&sandbox, "json-walker");
    assert_eq!(encoding, Encoding::Json);
    assert_eq!(tick(&mut instance, encoding, 0), Outcome::Ok);
    let text = std::str::from_utf8(instance.output()).expect("JSON output is UTF-8");
    let actions: Vec<Action> = serde_json::from_str(text).unwrap();
    assert!(actions.len() <= 256, "{text}");
}

#[test]
fn same_call_uses_the_same_fuel_every_time() {
    let sandbox = sandbox();
    let runs: Vec<Vec<u64>> = (0..2)
        .map(|_| {
            let (mut instance, encoding) = started(&sandbox, "random-walker");
            (0..5)
                .map(|t| {
                    instance
                        .call_tick(&lockstep_sdk::encode(encoding, &observation(t)), FUEL)
                        .fuel_used
                })
                .collect()
        })
        .collect();
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].iter().all(|&fuel| fuel > 0 && fuel < FUEL));
}

#[test]
fn endless_loop_is_cut_off_by_fuel_and_the_instance_lives_on() {
    let sandbox = sandbox();
    let (mut instance, encoding) = started(&sandbox, "hostile-loop");
    assert_eq!(tick(&mut instance, encoding, 0), Outcome::Ok);
    let report = instance.call_tick(&lockstep_sdk::encode(encoding, &observation(3)), FUEL);
    assert_eq!(report.outcome, Outcome::OutOfFuel);
    assert_eq!(report.fuel_used, FUEL);
    // The instance is still callable (the `skip` policy relies on it).
    assert_eq!(tick(&mut instance, encoding, 4), Outcome::OutOfFuel);
}

#[test]
fn panic_is_an_unreachable_trap() {
    let sandbox = sandbox();
    let (mut instance, encoding) = started(&sandbox, "hostile-panic");
    assert_eq!(
        tick(&mut instance, encoding, 2),
        Outcome::Trap {
            trap: TrapKind::Unreachable
        }
    );
}

#[test]
fn garbage_output_is_returned_as_bytes_that_do_not_decode() {
    let sandbox = sandbox();
    let (mut instance, encoding) = started(&sandbox, "hostile-garbage");
    assert_eq!(tick(&mut instance, encoding, 0), Outcome::Ok);
    assert!(!instance.output().is_empty());
    assert!(lockstep_sdk::decode::<Vec<Action>>(encoding, instance.output()).is_err());
}

fn wat_module(body: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
            (memory (export "memory") 1)
            (func (export "lockstep_abi") (result i32) i32.const 256)
            (func (export "lockstep_alloc") (param i32) (result i32) i32.const 1024)
            (func (export "lockstep_init") (param i32 i32) (result i32) i32.const 0)
            {body})"#
    ))
    .unwrap()
}

fn run_wat_tick(body: &str) -> Outcome {
    let sandbox = sandbox();
    let module = sandbox.load(&wat_module(body)).unwrap();
    let mut instance = BotInstance::new(&sandbox, &module, FUEL).unwrap();
    instance.call_tick(&[0], FUEL).outcome
}

#[test]
fn output_out_of_bounds_is_refused() {
    // ptr 65530, len 100: past the end of the one 64 KiB page.
    let outcome = run_wat_tick(
        r#"(func (export "lockstep_tick") (param i32 i32) (result i64)
            i64.const 0xfffa00000064)"#,
    );
    assert_eq!(
        outcome,
        Outcome::BadOutput {
            reason: BadOutput::OutOfBounds {
                ptr: 65530,
                len: 100,
                memory_bytes: 65536
            }
        }
    );
}

#[test]
fn oversized_output_is_refused() {
    // 1 MiB at pointer 0.
    let outcome = run_wat_tick(
        r#"(func (export "lockstep_tick") (param i32 i32) (result i64)
            i64.const 0x00100000)"#,
    );
    assert_eq!(
        outcome,
        Outcome::BadOutput {
            reason: BadOutput::TooLarge {
                len: 1 << 20,
                max: 64 << 10
            }
        }
    );
}

#[test]
fn division_by_zero_is_its_own_trap_kind() {
    let outcome = run_wat_tick(
        r#"(func (export "lockstep_tick") (param i32 i32) (result i64)
            (drop (i32.div_u (i32.const 1) (i32.sub (local.get 1) (local.get 1))))
            i64.const 0)"#,
    );
    assert_eq!(
        outcome,
        Outcome::Trap {
            trap: TrapKind::IntegerDivisionByZero
        }
    );
}

#[test]
fn log_lines_are_captured_and_capped() {
    let sandbox = sandbox();
    let bytes = wat::parse_str(
        r#"(module
            (import "lockstep" "log" (func $log (param i32 i32)))
            (memory (export "memory") 1)
            (data (i32.const 0) "hello")
            (func (export "lockstep_abi") (result i32) i32.const 256)
            (func (export "lockstep_alloc") (param i32) (result i32) i32.const 1024)
            (func (export "lockstep_init") (param i32 i32) (result i32) i32.const 0)
            (func (export "lockstep_tick") (param i32 i32) (result i64)
                (local $i i32)
                (loop $again
                    (call $log (i32.const 0) (i32.const 5))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br_if $again (i32.lt_u (local.get $i) (i32.const 100))))
                (call $log (i32.const 70000) (i32.const 5))
                i64.const 0))"#,
    )
    .unwrap();
    let module = sandbox.load(&bytes).unwrap();
    let mut instance = BotInstance::new(&sandbox, &module, FUEL).unwrap();
    let report = instance.call_tick(&[0], FUEL);
    assert_eq!(report.outcome, Outcome::Ok);
    assert_eq!(report.logs.len(), 16);
    assert!(report.logs.iter().all(|line| line == "hello"));
    assert_eq!(report.logs_dropped, 85);
}

#[test]
fn bad_alloc_pointer_is_an_outcome() {
    let sandbox = sandbox();
    let bytes = wat::parse_str(
        r#"(module
            (memory (export "memory") 1)
            (func (export "lockstep_abi") (result i32) i32.const 256)
            (func (export "lockstep_alloc") (param i32) (result i32) i32.const -8)
            (func (export "lockstep_init") (param i32 i32) (result i32) i32.const 0)
            (func (export "lockstep_tick") (param i32 i32) (result i64) i64.const 0))"#,
    )
    .unwrap();
    let module = sandbox.load(&bytes).unwrap();
    let mut instance = BotInstance::new(&sandbox, &module, FUEL).unwrap();
    let report = instance.call_tick(&[1, 2, 3], FUEL);
    assert_eq!(
        report.outcome,
        Outcome::BadAlloc {
            ptr: u32::MAX - 7,
            len: 3,
            memory_bytes: 65536
        }
    );
}

#[test]
fn modules_that_break_the_abi_are_refused_with_every_problem_named() {
    let sandbox = sandbox();
    let bytes = wat::parse_str(
        r#"(module
            (import "wasi_snapshot_preview1" "sock_open" (func (param i32 i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32) (result i32)))
            (memory (export "memory") 1)
            (func (export "lockstep_abi") (result i32) i32.const 256)
            (func (export "lockstep_tick") (param i32) (result i64) i64.const 0))"#,
    )
    .unwrap();
    let Err(ModuleError::Abi(problems)) = sandbox.load(&bytes) else {
        panic!("module should be refused");
    };
    let text = problems.join("\n");
    assert!(
        text.contains(
            "import `wasi_snapshot_preview1.sock_open` is not allowed: `sock_open` is not a function of WASI preview 1"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "import `wasi_snapshot_preview1.fd_write` has type (i32, i32) -> (i32); expected (i32, i32, i32, i32) -> (i32)"
        ),
        "{text}"
    );
    assert!(text.contains("missing export `lockstep_alloc`"), "{text}");
    assert!(text.contains("missing export `lockstep_init`"), "{text}");
    assert!(
        text.contains(
            "export `lockstep_tick` has type (i32) -> (i64); expected (i32, i32) -> (i64)"
        ),
        "{text}"
    );
    assert_eq!(problems.len(), 5, "{text}");
}

#[test]
fn garbage_bytes_and_wrong_abi_versions_are_refused() {
    let sandbox = sandbox();
    assert!(matches!(
        sandbox.load(b"definitely not wasm"),
        Err(ModuleError::Invalid(_))
    ));
    let v2 = wat::parse_str(
        r#"(module
            (memory (export "memory") 1)
            (func (export "lockstep_abi") (result i32) i32.const 512)
            (func (export "lockstep_alloc") (param i32) (result i32) i32.const 0)
            (func (export "lockstep_init") (param i32 i32) (result i32) i32.const 0)
            (func (export "lockstep_tick") (param i32 i32) (result i64) i64.const 0))"#,
    )
    .unwrap();
    let error = sandbox.load(&v2).unwrap_err().to_string();
    assert!(error.contains("ABI version 2"), "{error}");
}

#[test]
fn files_that_are_not_core_modules_are_refused_in_one_line() {
    let sandbox = sandbox();
    let message = |bytes: &[u8]| sandbox.load(bytes).unwrap_err().to_string();
    let text = message(b"A........\n");
    assert!(
        text.contains("does not start with the WebAssembly header"),
        "{text}"
    );
    assert!(text.contains("found `41 2e 2e 2e 2e 2e 2e 2e`"), "{text}");
    let text = message(b"\0asm\x0d\0\x01\0");
    assert!(text.contains("this is a WebAssembly component"), "{text}");
    let text = message(b"\0asm\x02\0\0\0");
    assert!(
        text.contains("unsupported WebAssembly version `02 00 00 00`"),
        "{text}"
    );
    let idle = bundled_bot("idle").unwrap().wasm;
    let text = message(&idle[..idle.len() / 2]);
    assert!(text.starts_with("not a valid WebAssembly module"), "{text}");
    assert!(!text.contains('\n'), "{text}");
}

#[test]
fn start_function_that_loops_fails_instantiation_with_out_of_fuel() {
    let sandbox = sandbox();
    // Loads fine (the probe would also run the start function, so this module
    // is refused at load time, with a message that says why).
    let bytes = wat::parse_str(
        r#"(module
            (memory (export "memory") 1)
            (func $spin (loop $l (br $l)))
            (start $spin)
            (func (export "lockstep_abi") (result i32) i32.const 256)
            (func (export "lockstep_alloc") (param i32) (result i32) i32.const 0)
            (func (export "lockstep_init") (param i32 i32) (result i32) i32.const 0)
            (func (export "lockstep_tick") (param i32 i32) (result i64) i64.const 0))"#,
    )
    .unwrap();
    let error = sandbox.load(&bytes).unwrap_err().to_string();
    assert!(error.contains("out of fuel"), "{error}");
}

#[test]
fn the_same_bytes_load_once() {
    let sandbox = sandbox();
    let wasm = bundled_bot("idle").unwrap().wasm;
    let a = sandbox.load(wasm).unwrap();
    let b = sandbox.load(wasm).unwrap();
    assert_eq!(a.hash, b.hash);
    assert_eq!(a.hash.to_hex().len(), 64);
}

#[test]
fn the_watchdog_stops_a_call_that_outlasts_it() {
    let sandbox = Sandbox::new(SandboxConfig {
        pool_instances: 4,
        watchdog_ms: 20,
        ..SandboxConfig::default()
    })
    .unwrap();
    let wasm = wat_module(
        r#"(func (export "lockstep_tick") (param i32 i32) (result i64)
            (loop $spin (br $spin)) unreachable)"#,
    );
    let module = sandbox.load(&wasm).unwrap();
    let mut instance = BotInstance::new(&sandbox, &module, FUEL).unwrap();
    // Ten billion fuel is most of a second of this loop: the 20 ms watchdog
    // stops it first. (Were it broken, the outcome would be OutOfFuel.)
    let report = instance.call_tick(&[0], 10_000_000_000);
    assert_eq!(report.outcome, Outcome::Watchdog);
    assert!(report.fuel_used < 10_000_000_000);
    // The instance is usable after, with a fresh deadline.
    assert_eq!(instance.call_tick(&[0], FUEL).outcome, Outcome::OutOfFuel);
}

#[test]
fn the_module_cache_is_bounded_least_recently_used_first() {
    let sandbox = Sandbox::new(SandboxConfig {
        module_cache: 2,
        ..SandboxConfig::default()
    })
    .unwrap();
    let wasm = |name| lockstep_sim::bundled::bundled_bot(name).unwrap().wasm;
    let idle = sandbox.load(wasm("idle")).unwrap();
    sandbox.load(wasm("random-walker")).unwrap();
    sandbox.load(wasm("idle")).unwrap(); // idle is now the most recent
    sandbox.load(wasm("rusher")).unwrap(); // evicts random-walker
    assert_eq!(sandbox.cached_modules(), 2);
    // Evicted or not, every module loads again, and one held elsewhere
    // (a match in progress) still instantiates.
    for name in ["random-walker", "idle", "rusher", "harvester"] {
        assert_eq!(
            sandbox.load(wasm(name)).unwrap().hash,
            ModuleHash::of(wasm(name))
        );
    }
    assert_eq!(sandbox.cached_modules(), 2);
    assert!(BotInstance::new(&sandbox, &idle, 1_000_000).is_ok());

    let none = Sandbox::new(SandboxConfig {
        module_cache: 0,
        ..SandboxConfig::default()
    })
    .unwrap();
    none.load(wasm("idle")).unwrap();
    assert_eq!(none.cached_modules(), 0);
}

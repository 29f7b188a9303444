//! The stack limit's own tests: what the rewrite keeps, and how much native
//! stack a unit can take (which sizes `max_wasm_stack`). The bot-level
//! behaviour (same call, same fuel, every way in) is in
//! `tests/stack_limit.rs`.

use crate::config::NATIVE_STACK_BYTES_PER_UNIT;
use crate::stack_limit::{self, DEPTH_EXPORT, FRAME_UNITS, instrument, tripped};
use crate::{ModuleHash, SandboxConfig, engine_config};
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use wasmtime::{Engine, Instance, Module, Store, Val};

/// How a call into a test module ended.
#[derive(Debug, PartialEq)]
enum Ended {
    Returned,
    /// The deterministic limit tripped; the depth global's value is moot.
    Limit,
    /// The native stack ran out first, with this many units counted.
    Native {
        units: u32,
    },
    Other(String),
}

/// Runs `run` of `wat`, instrumented for `units`, on a native stack of
/// `native_bytes`.
fn run(wat: &str, units: u32, native_bytes: usize) -> Ended {
    let wasm = wat::parse_str(wat).expect("test WAT parses");
    let instrumented = instrument(&wasm, units).expect("instruments");
    let config = SandboxConfig {
        pool_instances: 2,
        stack_units: units,
        ..SandboxConfig::default()
    };
    let mut engine_config = engine_config(&config);
    engine_config.max_wasm_stack(native_bytes);
    let engine = Engine::new(&engine_config).expect("engine");
    let module = Module::new(&engine, &instrumented.bytes).expect("compiles");
    let mut store = Store::new(&engine, ());
    store.set_fuel(u64::MAX / 2).unwrap();
    let instance = block_on(Instance::new_async(&mut store, &module, &[])).expect("instantiates");
    let func = instance
        .get_typed_func::<(), ()>(&mut store, "run")
        .expect("exports run");
    match block_on(func.call_async(&mut store, ())) {
        Ok(()) => Ended::Returned,
        Err(e) if tripped(&e, instrumented.overflow_function) => Ended::Limit,
        Err(e) if matches!(e.downcast_ref(), Some(wasmtime::Trap::StackOverflow)) => {
            let depth = instance.get_global(&mut store, DEPTH_EXPORT).unwrap();
            let Val::I32(units) = depth.get(&mut store) else {
                unreachable!("an i32")
            };
            Ended::Native {
                units: units as u32,
            }
        }
        Err(e) => Ended::Other(format!("{e:?}")),
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// Frames that take the most native stack per unit: no values at all (the
/// fixed part of a frame), many parameters, many `v128` locals or operand
/// values live across the call (16 bytes each when spilled).
const SHAPES: [(&str, &str); 5] = [
    ("empty frame", "(func $f call $f)"),
    (
        "eight i64 parameters",
        "(func $f (param i64 i64 i64 i64 i64 i64 i64 i64)
           (call $f (local.get 1) (local.get 2) (local.get 3) (local.get 4)
                    (local.get 5) (local.get 6) (local.get 7) (local.get 0)))",
    ),
    (
        "v128 locals live across the call",
        "(func $f (param v128) (local v128 v128 v128 v128 v128 v128 v128)
           (local.set 1 (i64x2.add (local.get 0) (local.get 0))) (local.set 2 (i64x2.mul (local.get 1) (local.get 0)))
           (local.set 3 (i32x4.add (local.get 2) (local.get 1))) (local.set 4 (i16x8.add (local.get 3) (local.get 2)))
           (local.set 5 (i8x16.add (local.get 4) (local.get 3))) (local.set 6 (i32x4.mul (local.get 5) (local.get 4)))
           (local.set 7 (i64x2.sub (local.get 6) (local.get 5)))
           (call $f (v128.xor (local.get 7) (local.get 0)))
           (global.set $sink (i64x2.add (i64x2.add (i64x2.add (local.get 0) (local.get 1)) (i64x2.add (local.get 2) (local.get 3)))
                               (i64x2.add (i64x2.add (local.get 4) (local.get 5)) (i64x2.add (local.get 6) (local.get 7))))))",
    ),
    (
        "v128 operand stack live across the call",
        // Loads, not arithmetic: Cranelift computes pure values where they
        // are used, after the call, but a global may change in the call.
        "(func $f (param v128)
           (global.get $sink) (global.get $sink) (global.get $sink) (global.get $sink)
           (global.get $sink) (global.get $sink) (global.get $sink) (global.get $sink)
           (call $f (i64x2.sub (local.get 0) (v128.const i64x2 1 1)))
           i64x2.add i64x2.mul i32x4.add i16x8.add i8x16.add i32x4.mul i64x2.sub (global.set $sink))",
    ),
    (
        "i64 operand stack live across the call",
        "(func $f (param i64)
           (global.get $sink64) (global.get $sink64) (global.get $sink64) (global.get $sink64)
           (global.get $sink64) (global.get $sink64) (global.get $sink64) (global.get $sink64)
           (call $f (i64.add (local.get 0) (i64.const 1)))
           i64.add i64.mul i64.xor i64.or i64.and i64.shl i64.sub (global.set $sink64))",
    ),
];

/// 32 `v128` locals loaded from 32 addresses and all used after the call:
/// the closest a frame gets to 16 bytes (a spilled `v128`) per unit.
fn many_v128_locals() -> String {
    let n = 32;
    let loads: String = (0..n)
        .map(|i| {
            format!(
                "(local.set {i} (v128.load offset={} (i32.const 0)))",
                i * 16
            )
        })
        .collect();
    let sum = (1..n).fold("(local.get 0)".to_string(), |acc, i| {
        format!("(i64x2.add {acc} (local.get {i}))")
    });
    format!(
        "(func $f (local {}) {loads} call $f (v128.store (i32.const 0) {sum}))",
        "v128 ".repeat(n)
    )
}

fn recursing(shape: &str) -> String {
    let start = if shape.contains("(param v128)") {
        "(call $f (global.get $sink))"
    } else if shape.contains("(param i64)") {
        "(call $f (global.get $sink64))"
    } else if shape.contains("(param i64 i64") {
        "(call $f (global.get $sink64) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5) (i64.const 6) (i64.const 7) (i64.const 8))"
    } else {
        "(call $f)"
    };
    format!(
        r#"(module
             (global $sink (mut v128) (v128.const i64x2 3 4))
             (global $sink64 (mut i64) (i64.const 3))
             (memory 1)
             {shape}
             (func (export "run") {start}))"#
    )
}

/// The figure `NATIVE_STACK_BYTES_PER_UNIT` rests on: with the limit out of
/// the way, the native stack runs out at some count of units; native bytes
/// over that count is what a unit costs natively. The constant is at least
/// twice the worst shape's.
#[test]
fn a_unit_takes_at_most_half_the_native_bytes_allowed_for_it() {
    let native = 1 << 20;
    let mut worst = 0.0f64;
    let many = many_v128_locals();
    for (name, shape) in SHAPES
        .into_iter()
        .chain([("32 v128 locals", many.as_str())])
    {
        let ended = run(&recursing(shape), 1 << 30, native);
        let Ended::Native { units } = ended else {
            panic!("{name}: the native stack should have run out first, got {ended:?}");
        };
        let per_unit = native as f64 / f64::from(units);
        eprintln!("{name}: {per_unit:.1} native bytes per unit ({units} units in 1 MiB)");
        worst = worst.max(per_unit);
    }
    assert!(
        worst * 2.0 <= NATIVE_STACK_BYTES_PER_UNIT as f64,
        "a unit took {worst:.1} native bytes; NATIVE_STACK_BYTES_PER_UNIT ({NATIVE_STACK_BYTES_PER_UNIT}) must be at least twice that"
    );
}

/// The sizing rule holds with no margin at all: the deterministic limit
/// trips before the native stack for every shape.
#[test]
fn the_limit_trips_before_the_native_stack() {
    let units = 16_384;
    let many = many_v128_locals();
    for (name, shape) in SHAPES
        .into_iter()
        .chain([("32 v128 locals", many.as_str())])
    {
        let native = units as usize * NATIVE_STACK_BYTES_PER_UNIT;
        assert_eq!(
            run(&recursing(shape), units, native),
            Ended::Limit,
            "{name}"
        );
    }
}

/// Every way out of a function gives its units back: a million calls that
/// leave by `return`, by a branch to the function's label, from inside
/// nested blocks, and by a tail call, under a limit a leak would pass.
#[test]
fn every_way_out_gives_the_units_back() {
    let wat = r#"(module
        (func $by_return (param i32) (result i32)
          (block (block (if (local.get 0) (then (return (i32.const 1)))))) (i32.const 2))
        (func $by_branch (param i32) (result i32)
          (block (loop (br_if 2 (i32.const 3) (local.get 0)) (br 1))) (i32.const 4))
        (func $by_table (param i32) (result i32 i32)
          (block (result i32 i32) (br_table 0 1 (i32.const 5) (i32.const 6) (local.get 0))))
        (func $leaf (result i32) (i32.const 9))
        (func $by_tail_call (result i32) (return_call $leaf))
        (func (export "run") (local $i i32)
          (loop $again
            (drop (call $by_return (i32.and (local.get $i) (i32.const 1))))
            (drop (call $by_branch (i32.and (local.get $i) (i32.const 1))))
            (call $by_table (i32.and (local.get $i) (i32.const 1))) drop drop
            (drop (call $by_tail_call))
            (br_if $again (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 1000000))))))"#;
    assert_eq!(run(wat, 64, 1 << 20), Ended::Returned);
}

/// A frame costs its parameters, its locals, its operand stack's
/// high-water mark and [`FRAME_UNITS`].
#[test]
fn a_frame_costs_its_values_and_the_call() {
    let wat = r#"(module
        (func (param i32 i64) (local f32 f64 v128)
          (drop (i32.add (i32.const 1) (i32.mul (i32.const 2) (i32.const 3))))))"#;
    let wasm = wat::parse_str(wat).unwrap();
    let instrumented = instrument(&wasm, 1_000).unwrap();
    assert_eq!(instrumented.frame_costs, [FRAME_UNITS + 2 + 3 + 3]);
    assert_eq!(instrumented.overflow_function, 1);
}

/// The rewrite refuses an export name it needs, and keeps the module's
/// names: function indices do not move.
#[test]
fn the_depth_export_name_is_reserved() {
    let wat = format!(r#"(module (global (export "{DEPTH_EXPORT}") i32 (i32.const 0)) (func))"#);
    let error = instrument(&wat::parse_str(wat).unwrap(), 1_000)
        .err()
        .expect("refused");
    assert!(error.contains("rename that export"), "{error}");
}

#[test]
fn the_instrumented_hash_follows_the_limit() {
    let hash = ModuleHash([7; 32]);
    assert_ne!(
        stack_limit::instrumented_hash(hash, 1_000),
        stack_limit::instrumented_hash(hash, 1_001)
    );
    assert_ne!(stack_limit::instrumented_hash(hash, 1_000), hash);
}

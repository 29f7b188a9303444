//! Bots that meet the deterministic stack limit, shared by
//! `tests/stack_limit.rs` and `examples/stack_bots.rs` (which
//! `scripts/cross-arch` plays on x86_64 and aarch64). Each crate that
//! includes this file also includes `wat_bot.rs` as `wat_bot`.

use crate::wat_bot::{BASE, Bot};
use lockstep_sim::sandbox::stack_limit::instrument;

/// `$rec` is the first function these modules define, `lockstep_tick` the
/// fifth (after `lockstep_abi`, `_alloc` and `_init`).
pub const REC: usize = 0;
pub const TICK: usize = 4;

const RECURSE: &str = "(func $rec (param i32) (result i32)
  (if (result i32) (local.get 0)
    (then (i32.add (i32.const 1) (call $rec (i32.sub (local.get 0) (i32.const 1)))))
    (else (i32.const 0))))";

pub fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Calls `$rec(depth)` every tick: `depth + 1` frames of `$rec` under the
/// tick's.
pub fn recursing_to(depth: u32) -> Bot {
    Bot {
        extra: RECURSE,
        tick: leak(format!(
            "(drop (call $rec (i32.const {depth}))) (i64.const 1)"
        )),
        ..BASE
    }
}

/// The deepest `$rec(n)` a limit of `units` allows: the tick's frame and
/// n + 1 of `$rec`'s must fit.
pub fn deepest_allowed(units: u32) -> u32 {
    let costs = instrument(&recursing_to(0).wasm(), units)
        .expect("instruments")
        .frame_costs;
    (units - costs[TICK]) / costs[REC] - 1
}

/// Recurses without end every tick.
pub fn endless() -> Bot {
    Bot {
        extra: "(func $deeper (param i64) (result i64) (call $deeper (i64.add (local.get 0) (i64.const 1))))",
        tick: "(call $deeper (i64.const 0))",
        ..BASE
    }
}

/// Two functions that call each other through a table without end.
pub fn table_ping_pong() -> Bot {
    Bot {
        extra: r#"(type $t (func (param i32) (result i32)))
                  (table 2 funcref) (elem (i32.const 0) $ping $pong)
                  (func $ping (type $t) (call_indirect (type $t) (local.get 0) (i32.const 1)))
                  (func $pong (type $t) (call_indirect (type $t) (i32.add (local.get 0) (i32.const 1)) (i32.const 0)))"#,
        tick: "(drop (call_indirect (type $t) (i32.const 0) (i32.const 0))) (i64.const 1)",
        ..BASE
    }
}

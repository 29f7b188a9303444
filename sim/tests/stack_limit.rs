//! The deterministic stack limit seen from a bot: the same call traps with
//! the same fuel however the call was made (directly, through a table, as
//! the start function or `_initialize`), one unit short of the limit runs,
//! and a trap leaves nothing behind for the next call.
//! `scripts/cross-arch` plays the recursion bots on aarch64 as well.

#[path = "support/stack_bots.rs"]
mod stack_bots;
#[path = "support/wat_bot.rs"]
mod wat_bot;

use lockstep_sim::sandbox::stack_limit::instrument;
use lockstep_sim::sandbox::{BotInstance, Outcome, Sandbox, SandboxConfig, TrapKind};
use stack_bots::{REC, TICK, deepest_allowed, endless, leak, recursing_to, table_ping_pong};
use wat_bot::{BASE, Bot};

const FUEL: u64 = 50_000_000;
const UNITS: u32 = 10_000;

fn sandbox() -> Sandbox {
    Sandbox::new(SandboxConfig {
        pool_instances: 4,
        stack_units: UNITS,
        ..SandboxConfig::default()
    })
    .unwrap()
}

fn overflow() -> Outcome {
    Outcome::Trap {
        trap: TrapKind::StackOverflow,
    }
}

/// (outcome, fuel) of one tick of `bot`, started afresh.
fn one_tick(sandbox: &Sandbox, bot: &Bot) -> (Outcome, u64) {
    let module = sandbox.load(&bot.wasm()).expect("loads");
    let mut instance = BotInstance::new(sandbox, &module, FUEL).expect("starts");
    let report = instance.call_tick(&[0], FUEL);
    (report.outcome, report.fuel_used)
}

#[test]
fn one_call_short_of_the_limit_runs_and_one_more_traps() {
    let sandbox = sandbox();
    let deepest = deepest_allowed(UNITS);
    assert!(deepest > 100, "the limit allows {deepest} frames");
    let (outcome, _) = one_tick(&sandbox, &recursing_to(deepest));
    assert_eq!(outcome, Outcome::Ok, "{deepest} frames deep");
    let (outcome, _) = one_tick(&sandbox, &recursing_to(deepest + 1));
    assert_eq!(outcome, overflow(), "{} frames deep", deepest + 1);
}

#[test]
fn endless_recursion_traps_with_the_same_fuel_every_time() {
    let sandbox = sandbox();
    let bot = endless();
    let first = one_tick(&sandbox, &bot);
    assert_eq!(first.0, overflow());
    assert_eq!(one_tick(&sandbox, &bot), first);
    // Another sandbox, so another compiled copy of the module.
    assert_eq!(one_tick(&self::sandbox(), &bot), first);
}

#[test]
fn mutual_recursion_through_a_table_is_counted() {
    let sandbox = sandbox();
    let bot = table_ping_pong();
    let first = one_tick(&sandbox, &bot);
    assert_eq!(first.0, overflow());
    assert_eq!(one_tick(&sandbox, &bot), first);
}

/// The first tick recurses without end; the next ones go as deep as the
/// limit allows, which only fits if the first tick's count was cleared.
fn deep_after_endless(deepest: u32) -> Bot {
    Bot {
        extra: "(global $calls (mut i32) (i32.const 0))
                (func $rec (param i32) (result i32)
                  (if (result i32) (local.get 0)
                    (then (i32.add (i32.const 1) (call $rec (i32.sub (local.get 0) (i32.const 1)))))
                    (else (i32.const 0))))",
        tick: leak(format!(
            "(global.set $calls (i32.add (global.get $calls) (i32.const 1)))
             (drop (call $rec (select (i32.const -1) (i32.const {deepest}) (i32.eq (global.get $calls) (i32.const 1)))))
             (i64.const 1)"
        )),
        ..BASE
    }
}

#[test]
fn a_trap_leaves_no_frames_counted_for_the_next_call() {
    let sandbox = sandbox();
    let costs = instrument(&deep_after_endless(0).wasm(), UNITS)
        .unwrap()
        .frame_costs;
    let deepest = (UNITS - costs[TICK]) / costs[REC] - 1;
    let module = sandbox.load(&deep_after_endless(deepest).wasm()).unwrap();
    let mut instance = BotInstance::new(&sandbox, &module, FUEL).unwrap();
    assert_eq!(instance.call_tick(&[0], FUEL).outcome, overflow());
    for _ in 0..3 {
        assert_eq!(instance.call_tick(&[0], FUEL).outcome, Outcome::Ok);
    }
}

#[test]
fn the_start_function_and_initialize_are_counted() {
    let sandbox = sandbox();
    let recursion = "(func $deeper (param i64) (result i64) (call $deeper (i64.add (local.get 0) (i64.const 1))))
                     (func $go (drop (call $deeper (i64.const 0))))";
    for (way_in, extra) in [
        ("start", leak(format!("{recursion} (start $go)"))),
        (
            "_initialize",
            leak(format!(r#"{recursion} (export "_initialize" (func $go))"#)),
        ),
    ] {
        let bot = Bot { extra, ..BASE };
        let error = sandbox.load(&bot.wasm()).unwrap_err().to_string();
        assert!(error.contains("stack overflow"), "{way_in}: {error}");
    }
}

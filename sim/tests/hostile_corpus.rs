//! The hostile corpus: modules that misbehave in one way each, played in a real
//! match against an honest bot. Each must get its own, specific outcome; the
//! honest bot must play exactly the game it plays against `idle`; the process
//! must never panic.

use corpus::{SeatLog, TICKS, check, config, entrant, play, sandbox, trap};
use lockstep_sdk::Action;
use lockstep_sim::bundled::bundled_bot;
use lockstep_sim::match_loop::run_match_observed;
use lockstep_sim::sandbox::{BadOutput, Outcome, TrapKind};
use support::wat_bot::{BASE, Bot};

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/mod.rs"]
mod support;

#[test]
fn endless_loop_in_tick_is_cut_off() {
    let bot = Bot {
        tick: "(loop $l (br $l)) unreachable",
        ..BASE
    };
    check("loop-in-tick", bot, Some((0, Outcome::OutOfFuel)));
}

#[test]
fn endless_loop_in_init_is_cut_off_and_ticks_still_run() {
    let bot = Bot {
        init: "(loop $l (br $l)) unreachable",
        ..BASE
    };
    let (result, _) = play(entrant("loop-in-init", &bot.wasm()));
    assert_eq!(result.players[1].init, Outcome::OutOfFuel);
    assert_eq!(
        result.players[1].first_failure.as_ref().map(|f| f.tick),
        None
    );
    assert_eq!(result.players[1].ticks_played, TICKS);
    check("loop-in-init", bot, None);
}

#[test]
fn endless_loop_in_the_start_function_is_refused_at_load() {
    let bot = Bot {
        extra: "(func $spin (loop $l (br $l))) (start $spin)",
        ..BASE
    };
    let error = sandbox().load(&bot.wasm()).unwrap_err().to_string();
    assert!(error.contains("out of fuel"), "{error}");
}

#[test]
fn unbounded_recursion_overflows_the_stack() {
    let bot = Bot {
        extra: "(func $deeper (param i64) (result i64) (call $deeper (i64.add (local.get 0) (i64.const 1))))",
        tick: "(call $deeper (i64.const 0))",
        ..BASE
    };
    check("recursion", bot, Some((0, trap(TrapKind::StackOverflow))));
}

#[test]
fn memory_growth_stops_at_the_cap() {
    // Grows 64 pages at a time until refused, then traps only if it got past
    // the 64 MiB (1024-page) cap. Refusal is `memory.grow` = -1, not a trap.
    let bot = Bot {
        tick: "(block $refused (loop $grow
                   (br_if $refused (i32.eq (memory.grow (i32.const 64)) (i32.const -1)))
                   (br $grow)))
               (if (i32.gt_u (memory.size) (i32.const 1024)) (then unreachable))
               i64.const 1",
        ..BASE
    };
    check("memory-growth", bot, None);
}

#[test]
fn a_trap_after_refused_growth_is_reported_as_out_of_memory() {
    // What a Rust bot's allocator does at the cap: growth refused, then abort.
    let bot = Bot {
        tick: "(loop $grow
                   (br_if $grow (i32.ne (memory.grow (i32.const 64)) (i32.const -1))))
               unreachable",
        ..BASE
    };
    let outcome = Outcome::MemoryExhausted {
        trap: TrapKind::Unreachable,
    };
    check("memory-exhausted", bot, Some((0, outcome)));
}

#[test]
fn table_growth_stops_at_the_cap() {
    let bot = Bot {
        extra: "(table 1 funcref)",
        tick: "(block $refused (loop $grow
                   (br_if $refused (i32.eq (table.grow (ref.null func) (i32.const 1000)) (i32.const -1)))
                   (br $grow)))
               (if (i32.gt_u (table.size) (i32.const 10000)) (then unreachable))
               i64.const 1",
        ..BASE
    };
    check("table-growth", bot, None);
}

#[test]
fn bulk_memory_in_a_loop_is_cut_off() {
    let bot = Bot {
        tick: "(loop $l (memory.fill (i32.const 0) (i32.const 0) (i32.const 65536)) (br $l)) unreachable",
        ..BASE
    };
    check("bulk-fill", bot, Some((0, Outcome::OutOfFuel)));
}

#[test]
fn every_trap_kind_is_reported_as_itself() {
    let cases: [(&str, &'static str, &'static str, TrapKind); 8] = [
        ("unreachable", "", "unreachable", TrapKind::Unreachable),
        (
            "div-by-zero",
            "",
            "(drop (i32.div_u (i32.const 1) (i32.sub (local.get $len) (local.get $len)))) i64.const 1",
            TrapKind::IntegerDivisionByZero,
        ),
        (
            "overflow",
            "",
            "(drop (i32.div_s (i32.const 0x80000000) (i32.sub (local.get $len) (i32.add (local.get $len) (i32.const 1))))) i64.const 1",
            TrapKind::IntegerOverflow,
        ),
        (
            "bad-conversion",
            "",
            "(drop (i32.trunc_f32_s (f32.div (f32.const 0) (f32.const 0)))) i64.const 1",
            TrapKind::BadConversionToInteger,
        ),
        (
            "out-of-bounds-load",
            "",
            "(drop (i32.load (i32.const 0xfffffff0))) i64.const 1",
            TrapKind::MemoryOutOfBounds,
        ),
        (
            "null-call",
            "(table 2 funcref) (type $t (func))",
            "(call_indirect (type $t) (i32.const 0)) i64.const 1",
            TrapKind::IndirectCallToNull,
        ),
        (
            "bad-signature",
            "(table 1 funcref) (type $t (func)) (func $f (param i32)) (elem (i32.const 0) $f)",
            "(call_indirect (type $t) (i32.const 0)) i64.const 1",
            TrapKind::BadSignature,
        ),
        (
            "table-out-of-bounds",
            "(table 1 funcref) (type $t (func))",
            "(call_indirect (type $t) (i32.const 7)) i64.const 1",
            TrapKind::TableOutOfBounds,
        ),
    ];
    for (name, extra, tick, kind) in cases {
        check(
            name,
            Bot {
                extra,
                tick,
                ..BASE
            },
            Some((0, trap(kind))),
        );
    }
}

#[test]
fn bad_output_pointers_lengths_and_bytes_are_refused() {
    let oob = BadOutput::OutOfBounds {
        ptr: 0x1ffff,
        len: 2,
        memory_bytes: 2 << 16,
    };
    let cases: [(&str, &'static str, Outcome); 3] = [
        (
            "output-out-of-bounds",
            "i64.const 0x0001ffff00000002",
            Outcome::BadOutput { reason: oob },
        ),
        (
            "output-too-large",
            "i64.const 0x0000000000100000",
            Outcome::BadOutput {
                reason: BadOutput::TooLarge {
                    len: 1 << 20,
                    max: 64 << 10,
                },
            },
        ),
        (
            "output-undecodable",
            "(i32.store8 (i32.const 8) (i32.const 0xff)) i64.const 0x0000000800000001",
            Outcome::BadOutput {
                reason: BadOutput::Undecodable {
                    message: "not valid postcard: Hit the end of buffer, expected more data".into(),
                },
            },
        ),
    ];
    for (name, tick, outcome) in cases {
        check(name, Bot { tick, ..BASE }, Some((0, outcome)));
    }
}

#[test]
fn a_bad_alloc_pointer_or_a_trapping_alloc_is_an_outcome() {
    let bot = Bot {
        alloc: "i32.const 0x7ffffff0",
        ..BASE
    };
    let (result, _) = play(entrant("alloc-out-of-bounds", &bot.wasm()));
    let failure = result.players[1].first_failure.clone().unwrap();
    assert!(
        matches!(
            failure.outcome,
            Outcome::BadAlloc {
                ptr: 0x7ffffff0,
                ..
            }
        ),
        "{failure:?}"
    );
    // Init goes through alloc too: it fails first, and every tick after.
    assert!(matches!(result.players[1].init, Outcome::BadAlloc { .. }));
    check("alloc-out-of-bounds", bot, Some((0, failure.outcome)));

    let bot = Bot {
        alloc: "unreachable",
        ..BASE
    };
    check("alloc-traps", bot, Some((0, trap(TrapKind::Unreachable))));
}

#[test]
fn log_floods_and_bad_log_pointers_are_capped_not_fatal() {
    let bot = Bot {
        imports: r#"(import "lockstep" "log" (func $log (param i32 i32)))"#,
        tick: "(local $i i32)
               (loop $flood
                   (call $log (i32.const 0) (i32.const 100000))
                   (call $log (i32.const -1) (i32.const 16))
                   (call $log (i32.const 16) (i32.const 200))
                   (local.set $i (i32.add (local.get $i) (i32.const 1)))
                   (br_if $flood (i32.lt_u (local.get $i) (i32.const 100))))
               i64.const 1",
        ..BASE
    };
    let (result, _) = play(entrant("log-flood", &bot.wasm()));
    let tail = &result.players[1].log_tail;
    assert_eq!(tail.len(), lockstep_sim::match_loop::LOG_TAIL);
    assert!(tail.iter().all(|l| l.line.len() <= 256), "{tail:?}");
    assert!(
        tail.iter()
            .any(|l| l.line.contains("outside the bot's memory")),
        "{tail:?}"
    );
    check("log-flood", bot, None);
}

/// The bits of a NaN decide the orders' directions: canonicalisation makes
/// them the same on every run and machine.
#[test]
fn nan_bits_that_decide_orders_are_the_same_every_run() {
    // Spawn direction = (bits of 0/0 + bits of sqrt(-1)) & 3, written as a
    // postcard `[Spawn { dir }]`: 01 00 <dir>.
    let bot = Bot {
        tick: "(i32.store8 (i32.const 16) (i32.const 1))
               (i32.store8 (i32.const 17) (i32.const 0))
               (i32.store8 (i32.const 18)
                   (i32.and (i32.const 3)
                       (i32.add
                           (i32.reinterpret_f32 (f32.div (f32.const 0) (f32.const 0)))
                           (i32.reinterpret_f32 (f32.sqrt (f32.const -1))))))
               i64.const 0x0000001000000003",
        ..BASE
    };
    let wasm = bot.wasm();
    let runs: Vec<Vec<_>> = (0..3)
        .map(|_| {
            let honest = entrant("idle", bundled_bot("idle").unwrap().wasm);
            let mut log = SeatLog(1, Vec::new());
            run_match_observed(
                sandbox(),
                &[honest, entrant("nan", &wasm)],
                &config(),
                &mut log,
            )
            .unwrap();
            log.1
        })
        .collect();
    assert_eq!(runs[0], runs[1]);
    assert_eq!(runs[0], runs[2]);
    // Canonical NaN is 0x7fc00000 for both: (2 * 0x7fc00000) & 3 = 0, North.
    let orders: Vec<Action> = postcard::from_bytes(&runs[0][0].3).unwrap();
    assert!(matches!(
        orders.as_slice(),
        [Action::Spawn {
            dir: lockstep_sdk::Direction::North
        }]
    ));
}

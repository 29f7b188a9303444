//! The hostile corpus, WASI edition: modules that misuse the WASI functions
//! the host implements, one way each, played in a real match against an
//! honest bot. Each gets its own, specific outcome; the honest bot plays
//! exactly the game it plays against `idle`.

use corpus::{check, config, entrant, play, sandbox, trap};
use lockstep_sim::sandbox::{Outcome, Sandbox, SandboxConfig, TrapKind};
use support::wat_bot::{BASE, Bot};

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/mod.rs"]
mod support;

const WASI: &str = r#"
    (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))"#;

#[test]
fn an_endless_loop_in_initialize_is_refused_at_load() {
    let bot = Bot {
        extra: r#"(func (export "_initialize") (loop $l (br $l)))"#,
        ..BASE
    };
    let error = sandbox().load(&bot.wasm()).unwrap_err().to_string();
    assert!(error.contains("`_initialize`"), "{error}");
    assert!(error.contains("out of fuel"), "{error}");
}

/// An `_initialize` that spends about 20M fuel.
const SLOW_INITIALIZE: Bot = Bot {
    extra: r#"(func (export "_initialize") (local $i i32)
                 (local.set $i (i32.const 4000000))
                 (loop $l (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1))))))"#,
    ..BASE
};

#[test]
fn an_initialize_past_the_init_budget_sits_the_match_out() {
    // Within the check's budget (the default 200M), past this match's 10M.
    let bot = SLOW_INITIALIZE;
    let (result, _) = play(entrant("slow-initialize", &bot.wasm()));
    assert_eq!(result.players[1].init, Outcome::OutOfFuel);
    assert_eq!(result.players[1].ticks_played, 0);
    check("slow-initialize", bot, None);
}

#[test]
fn a_check_under_a_smaller_init_budget_refuses_what_could_not_start() {
    let sandbox = Sandbox::new(SandboxConfig {
        start_fuel: 10_000_000,
        ..SandboxConfig::default()
    })
    .unwrap();
    let error = sandbox
        .load(&SLOW_INITIALIZE.wasm())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("ended with: out of fuel; the check gives it 10,000,000 fuel"),
        "{error}"
    );
}

#[test]
fn spinning_on_sched_yield_is_cut_off_by_fuel() {
    let bot = Bot {
        imports: WASI,
        tick: "(loop $l (drop (call $yield)) (br $l)) unreachable",
        ..BASE
    };
    check("yield-spin", bot, Some((0, Outcome::OutOfFuel)));
}

#[test]
fn spinning_on_poll_oneoff_is_cut_off_by_fuel() {
    // One relative clock subscription of 1 ms at address 64 (tag 0, clock 1).
    let bot = Bot {
        imports: WASI,
        tick: "(i32.store8 (i32.const 72) (i32.const 0))
               (i32.store (i32.const 80) (i32.const 1))
               (i64.store (i32.const 88) (i64.const 1000000))
               (loop $l
                   (drop (call $poll (i32.const 64) (i32.const 256) (i32.const 1) (i32.const 512)))
                   (br $l))
               unreachable",
        ..BASE
    };
    check("poll-spin", bot, Some((0, Outcome::OutOfFuel)));
}

#[test]
fn flooding_fd_write_is_capped_and_paid_for() {
    // 100 writes of 4 KiB with a newline every 64 bytes: 6,400 lines a tick.
    let bot = Bot {
        imports: WASI,
        extra: r#"(data (i32.const 8192) "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\0a")"#,
        tick: "(local $i i32) (local $n i32)
               (local.set $n (i32.const 64))
               (loop $double
                   (memory.copy (i32.add (i32.const 8192) (local.get $n)) (i32.const 8192) (local.get $n))
                   (local.set $n (i32.shl (local.get $n) (i32.const 1)))
                   (br_if $double (i32.lt_u (local.get $n) (i32.const 4096))))
               (i32.store (i32.const 128) (i32.const 8192))
               (i32.store (i32.const 132) (i32.const 4096))
               (loop $l
                   (drop (call $write (i32.const 1) (i32.const 128) (i32.const 1) (i32.const 136)))
                   (local.set $i (i32.add (local.get $i) (i32.const 1)))
                   (br_if $l (i32.lt_u (local.get $i) (i32.const 100))))
               i64.const 1",
        ..BASE
    };
    let (result, log) = play(entrant("write-flood", &bot.wasm()));
    let hostile = &result.players[1];
    assert!(hostile.log_tail.iter().all(|l| l.line.len() <= 256));
    // Each tick pays for its 409,600 bytes: over 400k fuel.
    assert!(hostile.fuel_max_tick > 400_000, "{}", hostile.fuel_max_tick);
    drop(log);
    check("write-flood", bot, None);
}

#[test]
fn asking_random_get_for_a_gigabyte_is_a_fault_not_work() {
    // random_get(0, 1 GiB) must answer EFAULT (21); anything else traps.
    let bot = Bot {
        imports: WASI,
        tick: "(if (i32.ne (call $random (i32.const 0) (i32.const 0x40000000)) (i32.const 21))
                   (then unreachable))
               i64.const 1",
        ..BASE
    };
    check("random-gigabyte", bot, None);
}

#[test]
fn random_bytes_past_the_budget_end_the_call_before_the_work() {
    // 64 KiB of random bytes, over and over: 4 fuel a byte soon passes 1M.
    let bot = Bot {
        imports: WASI,
        tick: "(loop $l (drop (call $random (i32.const 0) (i32.const 65536))) (br $l))
               unreachable",
        ..BASE
    };
    check("random-flood", bot, Some((0, Outcome::OutOfFuel)));
}

#[test]
fn proc_exit_every_tick_is_its_own_outcome() {
    let bot = Bot {
        imports: WASI,
        tick: "(call $exit (i32.const 3)) unreachable",
        ..BASE
    };
    check("exit", bot, Some((0, Outcome::Exited { code: 3 })));
}

#[test]
fn proc_exit_under_reset_restarts_the_bot_each_tick() {
    let bot = Bot {
        imports: WASI,
        tick: "(call $exit (i32.const 0)) unreachable",
        ..BASE
    };
    let mut config = config();
    config.overrun = lockstep_sim::match_loop::OverrunPolicy::Reset;
    let honest = entrant(
        "harvester",
        lockstep_sim::bundled::bundled_bot("harvester")
            .unwrap()
            .wasm,
    );
    let result = lockstep_sim::match_loop::run_match(
        sandbox(),
        &[honest, entrant("exit-reset", &bot.wasm())],
        &config,
    )
    .unwrap();
    let hostile = &result.players[1];
    assert_eq!(
        hostile.first_failure.as_ref().map(|f| f.outcome.clone()),
        Some(Outcome::Exited { code: 0 })
    );
    assert_eq!(hostile.resets, corpus::TICKS - 1);
}

#[test]
fn an_import_the_host_does_not_implement_is_refused_at_load() {
    let bot = Bot {
        imports: r#"(import "wasi_snapshot_preview1" "thread_spawn" (func (param i32) (result i32)))
                    (import "wasi" "thread-spawn" (func (param i32) (result i32)))"#,
        ..BASE
    };
    let error = sandbox().load(&bot.wasm()).unwrap_err().to_string();
    assert!(
        error.contains("import `wasi_snapshot_preview1.thread_spawn` is not allowed: `thread_spawn` is not a function of WASI preview 1"),
        "{error}"
    );
    assert!(
        error.contains(
            "import `wasi.thread-spawn` is not allowed: only WASI preview 1 is implemented"
        ),
        "{error}"
    );
}

#[test]
fn assemblyscript_abort_is_a_trap_that_names_its_message() {
    // An AssemblyScript string: byte length at ptr - 4, then UTF-16.
    let bot = Bot {
        imports: r#"(import "env" "abort" (func $abort (param i32 i32 i32 i32)))"#,
        extra: r#"(data (i32.const 60) "\06\00\00\00b\00a\00d\00")"#,
        tick: "(call $abort (i32.const 64) (i32.const 0) (i32.const 7) (i32.const 9)) unreachable",
        ..BASE
    };
    let expected = trap(TrapKind::Other("abort: bad at null:7:9".into()));
    check("as-abort", bot, Some((0, expected)));
}

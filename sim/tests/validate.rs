//! The upload validator (`Sandbox::load`'s first step): features, limits and
//! ABI v1, with every problem named. Small WAT modules for each rule, real
//! bundled bots for "a good module passes", and hand-encoded modules at the
//! limits for "the largest module allowed still compiles quickly".

use lockstep_sim::bundled::{BUNDLED_BOTS, bundled_bot};
use lockstep_sim::sandbox::{ModuleError, ProblemKind, Sandbox, SandboxConfig};
use std::time::Instant;

fn sandbox() -> Sandbox {
    Sandbox::new(SandboxConfig {
        pool_instances: 4,
        ..SandboxConfig::default()
    })
    .unwrap()
}

/// The four ABI functions, for modules that add `extra` (and a memory).
const ABI_FUNCS: &str = r#"
    (func (export "lockstep_abi") (result i32) i32.const 256)
    (func (export "lockstep_alloc") (param i32) (result i32) i32.const 1024)
    (func (export "lockstep_init") (param i32 i32) (result i32) i32.const 0)
    (func (export "lockstep_tick") (param i32 i32) (result i64) i64.const 0)"#;

/// A valid bot with `extra` added; `memory` is its memory declaration.
fn bot_wat(memory: &str, extra: &str) -> Vec<u8> {
    wat::parse_str(format!(r#"(module {memory} {ABI_FUNCS} {extra})"#)).unwrap()
}

const MEMORY: &str = r#"(memory (export "memory") 1)"#;

/// The error's text, checked to be one line per problem.
fn refused(bytes: &[u8]) -> (ModuleError, String) {
    let error = sandbox()
        .load(bytes)
        .expect_err("the module should be refused");
    let text = error.to_string();
    let problems = error.problems();
    let lines = text.lines().count();
    assert!(
        lines == problems.len() || lines == problems.len() + 1,
        "one line per problem:\n{text}"
    );
    (error, text)
}

fn assert_contains(text: &str, expected: &str) {
    assert!(text.contains(expected), "expected {expected:?} in:\n{text}");
}

#[test]
fn every_bundled_bot_passes() {
    let sandbox = sandbox();
    for bot in BUNDLED_BOTS {
        let module = sandbox
            .load(bot.wasm)
            .unwrap_or_else(|e| panic!("{} refused: {e}", bot.name));
        assert_eq!(module.size, bot.wasm.len());
        let exports = &module.summary.exports;
        assert!(
            exports.iter().any(|e| e.name == "lockstep_tick"),
            "{exports:?}"
        );
        assert!(module.summary.memory.initial >= 1, "{}", bot.name);
    }
}

#[test]
fn forbidden_imports_are_each_named() {
    let bytes = wat::parse_str(format!(
        r#"(module
            (import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i32)))
            (import "wasi_unstable" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
            (import "env" "abort" (func))
            (import "env" "memcpy" (func (param i32 i32 i32) (result i32)))
            (import "lockstep" "log" (func (param i32) (result i32)))
            {MEMORY} {ABI_FUNCS})"#
    ))
    .unwrap();
    let (error, text) = refused(&bytes);
    let problems = error.problems();
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(messages.len(), 6, "{text}");
    assert_eq!(
        messages[0],
        "import `wasi_snapshot_preview1.fd_write` has type (i32) -> (i32); expected (i32, i32, i32, i32) -> (i32)"
    );
    assert!(
        messages[1].starts_with(
            "import `wasi_unstable.fd_write` is not allowed: this is the old WASI snapshot 0; \
             build for WASI preview 1"
        ),
        "{text}"
    );
    assert_eq!(
        messages[2],
        "import `env.abort` has type () -> (); expected (i32, i32, i32, i32) -> ()"
    );
    assert!(
        messages[3].starts_with(
            "import `env.memcpy` is not allowed: the C library function `memcpy` was left \
             undefined at link time: build with `-mbulk-memory`"
        ),
        "{text}"
    );
    assert_eq!(
        messages[4],
        "import `lockstep.log` has type (i32) -> (i32); expected (i32, i32) -> ()"
    );
    // The last line is the recognised toolchain's fix, marked as such.
    assert_eq!(problems[5].kind, ProblemKind::Advice, "{text}");
    assert!(
        messages[5].starts_with(
            "this looks like C or C++ (clang) output (it imports a C library function from `env`)"
        ),
        "{text}"
    );
    assert!(text.contains("\n  hint: this looks like C"), "{text}");
}

#[test]
fn missing_and_mistyped_exports_are_each_named() {
    let bytes = wat::parse_str(
        r#"(module
            (memory 1)
            (global (export "memory") i32 (i32.const 0))
            (func (export "lockstep_abi") (result i64) i64.const 256)
            (func (export "lockstep_tick") (param i32 i32) (result i32) i32.const 0)
            (func (export "lockstep_init") (param f32 i32) (result i32) i32.const 0))"#,
    )
    .unwrap();
    let (error, text) = refused(&bytes);
    let ModuleError::Abi(problems) = error else {
        panic!("only ABI problems: {text}");
    };
    assert_eq!(
        problems,
        [
            "export `lockstep_abi` has type () -> (i64); expected () -> (i32)",
            "missing export `lockstep_alloc`",
            "export `lockstep_init` has type (f32, i32) -> (i32); expected (i32, i32) -> (i32)",
            "export `lockstep_tick` has type (i32, i32) -> (i32); expected (i32, i32) -> (i64)",
            "export `memory` must be a memory",
        ]
    );
}

#[test]
fn garbage_and_truncated_bytes_are_invalid_with_the_place() {
    let (error, text) = refused(b"\0asm\x01\0\0\0this is not a section");
    assert!(matches!(error, ModuleError::Invalid(_)), "{text}");
    assert!(
        text.starts_with("not a valid WebAssembly module: "),
        "{text}"
    );
    assert_contains(&text, "(at byte 0x");

    let (_, text) = refused(b"PK\x03\x04 a zip file");
    assert_contains(&text, "does not start with the WebAssembly header");

    let idle = bundled_bot("idle").unwrap().wasm;
    let (error, text) = refused(&idle[..idle.len() - 100]);
    assert!(matches!(error, ModuleError::Invalid(_)), "{text}");
    assert_contains(&text, "the file ends early: is it complete?");
    assert!(!text.contains('\n'), "{text}");
}

#[test]
fn a_module_over_the_size_limit_is_not_parsed() {
    let mut bytes = bot_wat(MEMORY, "");
    // A custom section of zeros ("pad"; id, 4-byte size, name: 9 bytes) makes
    // it one byte too big, and still valid.
    let pad = (8 << 20) + 1 - bytes.len() - 9;
    bytes.push(0);
    leb(4 + pad as u64, &mut bytes);
    bytes.extend_from_slice(b"\x03pad");
    bytes.resize(bytes.len() + pad, 0);
    assert_eq!(bytes.len(), (8 << 20) + 1);
    let (error, text) = refused(&bytes);
    let problems = error.problems();
    assert_eq!(problems.len(), 1, "{text}");
    assert_eq!(problems[0].kind, ProblemKind::Limit);
    assert_eq!(problems[0].limit, Some("max_module_bytes"));
    assert_eq!(
        problems[0].message,
        "the module is 8,388,609 bytes; the limit is 8,388,608 (8 MiB); nothing else was checked"
    );
}

#[test]
fn too_many_functions_is_a_limit() {
    let funcs = "(func)".repeat(10_000 - 4 + 1);
    let (error, text) = refused(&bot_wat(MEMORY, &funcs));
    let problems = error.problems();
    assert_eq!(problems.len(), 1, "{text}");
    assert_eq!(problems[0].limit, Some("max_functions"));
    assert_eq!(
        problems[0].message,
        "the module has 10,001 functions (imported and defined); the limit is 10,000"
    );
}

#[test]
fn too_many_locals_in_one_function_is_a_limit() {
    let locals = "i32 ".repeat(49_999);
    let (error, text) = refused(&bot_wat(
        MEMORY,
        &format!("(func (param i32 i32) (local {locals}))"),
    ));
    let problems = error.problems();
    assert_eq!(problems.len(), 1, "{text}");
    assert_eq!(problems[0].limit, Some("max_locals_per_function"));
    assert_contains(
        &problems[0].message,
        "function 4 has 50,001 locals (parameters included); the limit is 50,000 (at byte 0x",
    );
}

#[test]
fn initial_memory_over_the_limit_is_refused_but_a_larger_maximum_is_not() {
    let (error, text) = refused(&bot_wat(r#"(memory (export "memory") 1025)"#, ""));
    let problems = error.problems();
    assert_eq!(problems.len(), 1, "{text}");
    assert_eq!(problems[0].limit, Some("memory_limit"));
    assert_contains(
        &problems[0].message,
        "the memory starts at 1,025 pages (64.1 MiB); the limit is 1,024 pages (64 MiB) (at byte 0x",
    );

    let module = sandbox()
        .load(&bot_wat(r#"(memory (export "memory") 2 65536)"#, ""))
        .unwrap();
    assert_eq!(module.summary.memory.initial, 2);
    assert_eq!(module.summary.memory.maximum, Some(65536));
}

#[test]
fn a_table_over_the_limit_is_refused() {
    let (error, text) = refused(&bot_wat(MEMORY, "(table 10001 funcref)"));
    let problems = error.problems();
    assert_eq!(problems.len(), 1, "{text}");
    assert_eq!(problems[0].limit, Some("table_limit"));
    assert_contains(
        &problems[0].message,
        "a table starts with 10,001 elements; the limit is 10,000",
    );
}

/// The one feature problem a module is refused with, checked to name the
/// feature and the byte it is at.
fn feature_problem(memory: &str, extra: &str) -> String {
    let (error, text) = refused(&bot_wat(memory, extra));
    let problems = error.problems();
    assert_eq!(problems.len(), 1, "{text}");
    assert_eq!(problems[0].kind, ProblemKind::Feature, "{text}");
    let message = problems[0].message.clone();
    assert!(
        message.starts_with("uses a WebAssembly feature Lockstep does not allow: "),
        "{message}"
    );
    assert_contains(&message, ", at byte 0x");
    message
}

#[test]
fn shared_memory_needs_threads() {
    let message = feature_problem(r#"(memory (export "memory") 1 1 shared)"#, "");
    assert_eq!(
        message,
        "uses a WebAssembly feature Lockstep does not allow: threads (threads must be enabled \
         for shared memories, at byte 0x2a); bots run on one thread; build without the \
         `atomics` target feature"
    );
}

#[test]
fn memory64_and_a_second_memory_are_refused() {
    let message = feature_problem(r#"(memory (export "memory") i64 1)"#, "");
    assert_contains(&message, "not allow: memory64 (");
    assert_contains(&message, "build for wasm32, not wasm64");
    let message = feature_problem(&format!("{MEMORY} (memory 1)"), "");
    assert_contains(&message, "multi-memory (multiple memories, at byte 0x");
}

#[test]
fn exceptions_relaxed_simd_and_gc_are_refused() {
    let message = feature_problem(MEMORY, "(tag $oops) (func throw $oops)");
    assert_contains(&message, "not allow: exception handling (");
    assert_contains(&message, "panic = \"abort\"");

    let message = feature_problem(
        MEMORY,
        "(func (param v128) (result v128) (i32x4.relaxed_trunc_f32x4_s (local.get 0)))",
    );
    assert_contains(&message, "not allow: relaxed SIMD (");

    let message = feature_problem(MEMORY, "(type (struct (field i32)))");
    assert_contains(&message, "not allow: garbage collection (GC) (");
}

#[test]
fn what_rust_emits_is_allowed() {
    // Bulk memory, sign extension, saturating conversions, SIMD, multi-value,
    // tail calls, reference types, mutable globals, extended constants.
    let bytes = bot_wat(
        MEMORY,
        r#"(global $sp (mut i32) (i32.add (i32.const 1024) (i32.const 16)))
        (table 1 funcref)
        (func (param i32) (result i32 i32)
            (memory.fill (i32.const 0) (i32.const 0) (i32.const 16))
            (drop (i32.extend8_s (local.get 0)))
            (drop (i32.trunc_sat_f32_s (f32.const 1.5)))
            (drop (i32x4.extract_lane 0 (i32x4.splat (local.get 0))))
            (drop (ref.is_null (ref.null func)))
            (global.set $sp (local.get 0))
            (local.get 0) (local.get 0))
        (func (param i32) (result i32) (return_call 1 (local.get 0)))"#,
    );
    sandbox().load(&bytes).unwrap();
}

#[test]
fn every_problem_is_listed_in_one_pass() {
    let funcs = "(func)".repeat(10_000);
    let bytes = wat::parse_str(format!(
        r#"(module
            (import "env" "memcpy" (func (param i32 i32 i32) (result i32)))
            (memory (export "memory") 2000)
            (func (export "lockstep_abi") (result i32) i32.const 256)
            {funcs})"#
    ))
    .unwrap();
    let (error, text) = refused(&bytes);
    assert!(matches!(error, ModuleError::Refused(_)), "{text}");
    let problems = error.problems();
    let kinds: Vec<ProblemKind> = problems.iter().map(|p| p.kind).collect();
    use ProblemKind::{Abi, Advice, Limit};
    assert_eq!(kinds, [Abi, Limit, Limit, Abi, Abi, Abi, Advice], "{text}");
    assert_contains(&text, "\n  hint: this looks like C or C++ (clang) output");
    assert!(
        text.starts_with("breaks Lockstep's upload rules (see docs/limits.md and docs/abi.md):\n"),
        "{text}"
    );
    assert_contains(&text, "\n  - import `env.memcpy` is not allowed");
    assert_contains(&text, "\n  - the memory starts at 2,000 pages");
    assert_contains(&text, "\n  - the module has 10,002 functions");
    assert_contains(&text, "\n  - missing export `lockstep_tick`");
}

#[test]
fn a_flood_of_problems_is_cut_short() {
    let imports = r#"(import "env" "f" (func))"#.repeat(1_000);
    let bytes = wat::parse_str(format!("(module {imports} {MEMORY} {ABI_FUNCS})")).unwrap();
    let (error, text) = refused(&bytes);
    let problems = error.problems();
    assert_eq!(problems.len(), 51, "{text}");
    assert_eq!(problems[50].message, "... and 950 more problems not shown");
}

#[test]
fn names_from_the_module_stay_on_one_line() {
    let bytes = wat::parse_str(format!(
        r#"(module (import "env\n- fake" "x" (func)) {MEMORY} {ABI_FUNCS})"#
    ))
    .unwrap();
    let (_, text) = refused(&bytes);
    assert_contains(&text, r"import `env\n- fake.x` is not allowed");
}

#[test]
fn damaged_bots_are_refused_or_loaded_never_a_panic() {
    let sandbox = sandbox();
    let wasm = bundled_bot("hostile-garbage").unwrap().wasm;
    for len in (0..wasm.len()).step_by(97) {
        assert!(sandbox.load(&wasm[..len]).is_err(), "{len} bytes");
    }
    let mut state = 7_u64;
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (state >> 33) as usize % n
    };
    for _ in 0..100 {
        let mut damaged = wasm.to_vec();
        for _ in 0..3 {
            let at = next(damaged.len());
            damaged[at] = next(256) as u8;
        }
        // Either outcome is fine; a panic fails the test.
        let _ = sandbox.load(&damaged).map_err(|e| e.to_string());
    }
}

// ---- The worst modules the limits allow still compile in bounded time ----
//
// The shapes are in `support/worst.rs`; `compile_time.rs` measures them all.

#[path = "support/worst.rs"]
mod worst;
use worst::{
    I32_ADD, body, dispatch, encoded_bot, leb, nested_loops, with_data_segments,
    with_data_segments_at,
};

/// Loads `bytes` (validation, compilation, the ABI probe) and says how long it took.
fn load_time(name: &str, bytes: &[u8]) -> f64 {
    let sandbox = sandbox();
    let start = Instant::now();
    let result = sandbox.load(bytes);
    let seconds = start.elapsed().as_secs_f64();
    eprintln!("{seconds:6.2} s  {name} ({} bytes)", bytes.len());
    result.unwrap_or_else(|e| panic!("{name} refused: {e}"));
    seconds
}

/// The functions at the per-function limits that cost the compiler most,
/// where its time could grow faster than their size, are accepted and
/// compile. How long they and whole modules at the limits take is measured,
/// not asserted (`compile_time.rs`, docs/limits.md).
#[test]
fn the_slowest_functions_the_limits_allow_still_load() {
    let limits = SandboxConfig::default().validation;
    let body_max = limits.max_function_body_bytes as usize;
    let pairs = limits.max_function_block_local_pairs;
    load_time(
        "loops 990 deep at the per-function pairs limit",
        &encoded_bot(&[nested_loops(body_max, 990, (pairs / 991) as u32)]),
    );
    let depth = limits.max_control_depth as usize - 1;
    load_time(
        "a br_table over blocks nested to the depth limit, at the per-function pairs limit",
        &encoded_bot(&[dispatch(
            body_max,
            depth,
            (pairs / (2 * depth as u64 + 4)) as u32,
        )]),
    );
}

/// A module of the size and shape of a real Go bot (`GOOS=wasip1`,
/// `-buildmode=c-shared`) that uses `encoding/json`: 4.4 MB, 2.9 MB of code
/// in 2,450 functions, each Go's dispatch loop (a `br_table` over nested
/// blocks) over 17 locals, the largest 25 KB, and 41,616 data segments.
/// The real one is built and measured by `compile_time.rs`.
#[test]
fn a_go_sized_module_passes_the_default_limits() {
    let mut functions = vec![dispatch(1_180, 21, 17); 2_450];
    functions.push(dispatch(25_554, 838, 17));
    let module = with_data_segments(encoded_bot(&functions), 41_616);
    let summary = sandbox()
        .check(&module)
        .unwrap_or_else(|e| panic!("refused: {e}"));
    assert!(summary.code_bytes > 2_900_000, "{summary:?}");
    assert!(summary.block_local_pairs > 1_000_000, "{summary:?}");
}

/// Data that could never be placed (the spec makes it a trap when the
/// module starts) is refused before compiling: wasmtime's time and memory
/// for such segments grow with the square of their number (100,000 of them
/// took more than 24 GB).
#[test]
fn data_segments_outside_the_initial_memory_are_refused() {
    let offsets = [10, 65_536, -64, 65_535];
    let bytes = with_data_segments_at(encoded_bot(&[]), 4, |i| offsets[i]);
    let (error, text) = refused(&bytes);
    let problems = error.problems();
    assert_eq!(problems.len(), 1, "{text}");
    assert_eq!(problems[0].kind, ProblemKind::Limit);
    assert_contains(
        &problems[0].message,
        "data segment 1 covers bytes 65,536 to 65,537, past the memory's initial 65,536 bytes \
         (at byte 0x",
    );
    assert_contains(
        &problems[0].message,
        "and 1 more data segments do not fit either; every data segment must lie within the \
         initial memory at a constant offset",
    );
    // The last byte of the page is fine.
    let last = with_data_segments_at(encoded_bot(&[]), 1, |_| 65_535);
    sandbox().check(&last).unwrap();
}

/// One past each limit that bounds compile time is refused, before compiling.
#[test]
fn one_past_the_compile_time_limits_is_refused() {
    let limits = SandboxConfig::default().validation;
    let body_max = limits.max_function_body_bytes as usize;
    let one_limit = |bytes: Vec<u8>, limit: &str| {
        let (error, text) = refused(&bytes);
        let problems = error.problems();
        assert_eq!(problems.len(), 1, "{text}");
        assert_eq!(problems[0].limit, Some(limit), "{text}");
        problems[0].message.clone()
    };

    let message = one_limit(
        encoded_bot(&[body(body_max + 1, 1, I32_ADD, &[], &[])]),
        "max_function_body_bytes",
    );
    assert_contains(
        &message,
        "function 4's body is 65,537 bytes; the limit is 65,536 (64 KiB)",
    );

    let bodies = limits.max_code_bytes as usize / (body_max - 100) + 1;
    let over = vec![body(body_max - 100, 1, I32_ADD, &[], &[]); bodies];
    let message = one_limit(encoded_bot(&over), "max_code_bytes");
    assert_contains(&message, "bytes of code; the limit is 4,194,304 (4 MiB)");

    let message = one_limit(
        encoded_bot(&[nested_loops(body_max, 1_000, 100)]),
        "max_function_block_local_pairs",
    );
    assert_contains(
        &message,
        "function 4 has 100,100 block-local pairs (100 locals x (1 + 1,000 blocks and \
         branches)); the limit for one function is 100,000 (at byte ",
    );

    let message = one_limit(
        encoded_bot(&[nested_loops(body_max, 1_001, 10)]),
        "max_control_depth",
    );
    assert_contains(
        &message,
        "function 4 nests blocks, loops and ifs 1,001 deep; the limit is 1,000 (at byte ",
    );

    // A br_table counts each of its targets: a loop, 999 blocks, a br_table
    // over 1,000 targets and a br_if are 2,001 blocks and branches.
    let message = one_limit(
        encoded_bot(&[dispatch(body_max, 999, 50)]),
        "max_function_block_local_pairs",
    );
    assert_contains(
        &message,
        "function 4 has 100,100 block-local pairs (50 locals x (1 + 2,001 blocks and branches))",
    );

    let thirty_one = vec![nested_loops(4_096, 99, 1_000); 31];
    let message = one_limit(encoded_bot(&thirty_one), "max_block_local_pairs");
    assert_contains(
        &message,
        "the module has 3,100,005 block-local pairs (each function's locals times one plus its \
         blocks and branches, summed); the limit is 3,000,000; the most are in function 4: \
         1,000 locals x 99 blocks and branches",
    );

    // wasmparser's own cap is the same: it says so too.
    let segments = limits.max_data_segments as usize + 1;
    let (error, text) = refused(&with_data_segments(encoded_bot(&[]), segments));
    let problems = error.problems();
    assert_eq!(problems[0].limit, Some("max_data_segments"), "{text}");
    assert_eq!(
        problems[0].message,
        "the module has 100,001 data segments; the limit is 100,000"
    );
}

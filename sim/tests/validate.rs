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
            (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
            (import "env" "abort" (func))
            (import "lockstep" "log" (func (param i32) (result i32)))
            {MEMORY} {ABI_FUNCS})"#
    ))
    .unwrap();
    let (error, text) = refused(&bytes);
    let ModuleError::Abi(problems) = error else {
        panic!("only ABI problems: {text}");
    };
    assert_eq!(problems.len(), 3, "{text}");
    assert_eq!(
        problems[0],
        "import `wasi_snapshot_preview1.fd_write` is not allowed: the only import a bot may have \
         is `lockstep.log` (a WASI import: build for wasm32-unknown-unknown, not a WASI target)"
    );
    assert_eq!(
        problems[1],
        "import `env.abort` is not allowed: the only import a bot may have is `lockstep.log`"
    );
    assert_eq!(
        problems[2],
        "import `lockstep.log` has type (i32) -> (i32); expected (i32, i32) -> ()"
    );
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
    let pad = (4 << 20) + 1 - bytes.len() - 9;
    bytes.push(0);
    leb(4 + pad as u64, &mut bytes);
    bytes.extend_from_slice(b"\x03pad");
    bytes.resize(bytes.len() + pad, 0);
    assert_eq!(bytes.len(), (4 << 20) + 1);
    let (error, text) = refused(&bytes);
    let problems = error.problems();
    assert_eq!(problems.len(), 1, "{text}");
    assert_eq!(problems[0].kind, ProblemKind::Limit);
    assert_eq!(problems[0].limit, Some("max_module_bytes"));
    assert_eq!(
        problems[0].message,
        "the module is 4,194,305 bytes; the limit is 4,194,304 (4 MiB); nothing else was checked"
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
    use ProblemKind::{Abi, Limit};
    assert_eq!(kinds, [Abi, Limit, Limit, Abi, Abi, Abi], "{text}");
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
// Hand-encoded, since the WAT text of a 1 MiB body is slow to parse in a
// debug build. Each shape stresses one way the compiler can be slow.

fn leb(mut n: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn section(id: u8, count: usize, items: &[u8], out: &mut Vec<u8>) {
    let mut content = Vec::new();
    leb(count as u64, &mut content);
    content.extend_from_slice(items);
    out.push(id);
    leb(content.len() as u64, out);
    out.extend_from_slice(&content);
}

/// A bot plus `extra` functions of type `() -> ()`, each given as its
/// encoded locals and code without the final `end`.
fn encoded_bot(extra: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"\0asm\x01\0\0\0".to_vec();
    // () -> i32, (i32) -> i32, (i32 i32) -> i32, (i32 i32) -> i64, () -> ()
    let types = b"\x60\x00\x01\x7f\x60\x01\x7f\x01\x7f\x60\x02\x7f\x7f\x01\x7f\
                  \x60\x02\x7f\x7f\x01\x7e\x60\x00\x00";
    section(1, 5, types, &mut out);
    let mut funcs = vec![0, 1, 2, 3];
    funcs.resize(4 + extra.len(), 4);
    section(3, funcs.len(), &funcs, &mut out);
    section(5, 1, b"\x00\x01", &mut out);
    let mut exports = Vec::new();
    let names = [
        "memory",
        "lockstep_abi",
        "lockstep_alloc",
        "lockstep_init",
        "lockstep_tick",
    ];
    for (i, name) in names.iter().enumerate() {
        exports.push(name.len() as u8);
        exports.extend_from_slice(name.as_bytes());
        exports.extend_from_slice(&if i == 0 { [2, 0] } else { [0, i as u8 - 1] });
    }
    section(7, 5, &exports, &mut out);
    let abi: [&[u8]; 4] = [
        b"\0\x41\x80\x02",
        b"\0\x41\x80\x08",
        b"\0\x41\0",
        b"\0\x42\0",
    ];
    let mut code = Vec::new();
    for body in abi.into_iter().chain(extra.iter().map(Vec::as_slice)) {
        leb(body.len() as u64 + 1, &mut code);
        code.extend_from_slice(body);
        code.push(0x0b);
    }
    section(10, funcs.len(), &code, &mut out);
    out
}

/// What each step of straight-line code does: `c = op(a, b)` over locals of
/// a type, then something more (a call, say): (type, op, more).
type Step = (u8, &'static [u8], &'static [u8]);

const I32_ADD: Step = (0x7f, &[0x6a], &[]);
const I32_DIV: Step = (0x7f, &[0x6d], &[]);
const F64_ADD: Step = (0x7c, &[0xa0], &[]);
const F32X4_ADD: Step = (0x7b, &[0xfd, 0xe4, 0x01], &[]);
const ADD_AND_CALL: Step = (0x7f, &[0x6a], &[0x10, 0x04]);

/// A body of exactly `size` bytes once `encoded_bot` adds its `end`:
/// `locals` locals, then `open` (control), then `step` repeated over locals
/// picked by a fixed pseudo-random sequence (so many values are live at
/// once), then `nop`s, then `close`.
fn body(size: usize, locals: u32, step: Step, open: &[u8], close: &[u8]) -> Vec<u8> {
    let (ty, op, more) = step;
    let mut body = vec![1];
    leb(u64::from(locals), &mut body);
    body.push(ty);
    body.extend_from_slice(open);
    let mut state = 0x2545_f491_u64;
    let mut local = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (state >> 33) % u64::from(locals)
    };
    while body.len() + close.len() + 16 < size {
        for part in [&[0x20][..], &[0x20], op, &[0x21]] {
            body.extend_from_slice(part);
            if part.len() == 1 && (part[0] == 0x20 || part[0] == 0x21) {
                leb(local(), &mut body);
            }
        }
        body.extend_from_slice(more);
    }
    body.resize(size - 1 - close.len(), 0x01);
    body.extend_from_slice(close);
    body
}

/// A loop around straight-line code: every local is carried round it.
fn single_loop(size: usize, locals: u32, step: Step) -> Vec<u8> {
    // br_if 0 (i32.load (i32.const 0)), end: a condition the compiler cannot fold.
    let close = [0x41, 0x00, 0x28, 0x02, 0x00, 0x0d, 0x00, 0x0b];
    body(size, locals, step, &[0x03, 0x40], &close)
}

/// `depth` nested loops around straight-line code: a block parameter per
/// local per loop.
fn nested_loops(size: usize, depth: usize, locals: u32) -> Vec<u8> {
    body(
        size,
        locals,
        I32_ADD,
        &[0x03, 0x40].repeat(depth),
        &vec![0x0b; depth],
    )
}

/// The shapes that cost the compiler most for their size, each at the limits.
fn worst_cases() -> Vec<(String, Vec<u8>)> {
    let limits = SandboxConfig::default().validation;
    let body_max = limits.max_function_body_bytes as usize;
    let code = limits.max_code_bytes as usize - 4096;
    let functions = limits.max_functions as usize - 4;
    let pairs = limits.max_block_local_pairs;
    let filled =
        |step: Step, locals: u32| vec![single_loop(body_max, locals, step); code / body_max];
    let mut cases = vec![(
        "max functions filling the code limit, each a loop over 8 locals".to_string(),
        encoded_bot(&vec![
            single_loop(code / functions - 3, 8, I32_ADD);
            functions
        ]),
    )];
    for (what, step, locals) in [
        ("i32.add", I32_ADD, 3_000),
        ("i32.add", I32_ADD, 200),
        ("i32.div_s", I32_DIV, 200),
        ("f64.add", F64_ADD, 200),
        ("f32x4.add", F32X4_ADD, 200),
        ("i32.add and a call", ADD_AND_CALL, 3_000),
    ] {
        cases.push((
            format!("max-size bodies filling the code limit, loops of {what} over {locals} locals"),
            encoded_bot(&filled(step, locals)),
        ));
    }
    cases.push((
        "one max-size body, loops 990 deep over 1,000 locals (the pairs limit)".to_string(),
        encoded_bot(&[nested_loops(body_max, 990, 1_000)]),
    ));
    let mut both = filled(I32_DIV, 200);
    both.push(nested_loops(14 << 10, 985, 1_000));
    cases.push((
        "both: checked divisions filling the code limit, loops 985 deep over 1,000 locals"
            .to_string(),
        encoded_bot(&both),
    ));
    cases.push((
        "locals only: 20 functions of 49,990 locals (the pairs limit)".to_string(),
        encoded_bot(&vec![
            body(8, (pairs / 20) as u32 - 10, I32_ADD, &[], &[]);
            20
        ]),
    ));
    cases
}

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

/// The two slowest shapes in release builds are accepted and compile. How
/// long they take is measured, not asserted (see the ignored test below and
/// docs/limits.md): about 1.5 s and 0.7 s in release, 2 s each in debug.
#[test]
fn the_slowest_modules_the_limits_allow_still_load() {
    let limits = SandboxConfig::default().validation;
    let body_max = limits.max_function_body_bytes as usize;
    let bodies = limits.max_code_bytes as usize / body_max - 1;
    load_time(
        "checked divisions filling the code limit",
        &encoded_bot(&vec![single_loop(body_max, 200, I32_DIV); bodies]),
    );
    load_time(
        "loops 990 deep over 1,000 locals",
        &encoded_bot(&[nested_loops(body_max, 990, 1_000)]),
    );
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

    let nine = vec![body(body_max - 100, 1, I32_ADD, &[], &[]); 9];
    let message = one_limit(encoded_bot(&nine), "max_code_bytes");
    assert_contains(&message, "bytes of code; the limit is 524,288 (512 KiB)");

    let message = one_limit(
        encoded_bot(&[nested_loops(body_max, 1_000, 1_000)]),
        "max_block_local_pairs",
    );
    assert_contains(
        &message,
        "the module has 1,001,005 block-local pairs (each function's locals times one plus its \
         blocks and branches, summed); the limit is 1,000,000; the most are in function 4: \
         1,000 locals x 1,000 blocks and branches",
    );
}

#[test]
#[ignore = "measurement: cargo test --release -p lockstep-sim --test validate -- --ignored --nocapture"]
fn measure_worst_case_compile_times() {
    for (name, bytes) in worst_cases() {
        load_time(&name, &bytes);
    }
}

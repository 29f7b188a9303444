//! Hand-encoded modules that cost the compiler most for their size, for the
//! validator's tests (`validate.rs`) and the compile-time measurements
//! (`compile_time.rs`). Hand-encoded, since the WAT text of a 1 MiB body is
//! slow to parse in a debug build. Each shape stresses one way the compiler
//! can be slow.
#![allow(dead_code)]

use lockstep_sim::sandbox::ValidationLimits;

pub fn leb(mut n: u64, out: &mut Vec<u8>) {
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

pub fn section(id: u8, count: usize, items: &[u8], out: &mut Vec<u8>) {
    let mut content = Vec::new();
    leb(count as u64, &mut content);
    content.extend_from_slice(items);
    out.push(id);
    leb(content.len() as u64, out);
    out.extend_from_slice(&content);
}

/// A bot plus `extra` functions of type `() -> ()`, each given as its
/// encoded locals and code without the final `end`.
pub fn encoded_bot(extra: &[Vec<u8>]) -> Vec<u8> {
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
pub type Step = (u8, &'static [u8], &'static [u8]);

pub const I32_ADD: Step = (0x7f, &[0x6a], &[]);
pub const I32_DIV: Step = (0x7f, &[0x6d], &[]);
pub const F64_ADD: Step = (0x7c, &[0xa0], &[]);
pub const F32X4_ADD: Step = (0x7b, &[0xfd, 0xe4, 0x01], &[]);
pub const ADD_AND_CALL: Step = (0x7f, &[0x6a], &[0x10, 0x04]);

/// A body of exactly `size` bytes once `encoded_bot` adds its `end`:
/// `locals` locals, then `open` (control), then `step` repeated over locals
/// picked by a fixed pseudo-random sequence (so many values are live at
/// once), then `nop`s, then `close`.
pub fn body(size: usize, locals: u32, step: Step, open: &[u8], close: &[u8]) -> Vec<u8> {
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
pub fn single_loop(size: usize, locals: u32, step: Step) -> Vec<u8> {
    // br_if 0 (i32.load (i32.const 0)), end: a condition the compiler cannot fold.
    let close = [0x41, 0x00, 0x28, 0x02, 0x00, 0x0d, 0x00, 0x0b];
    body(size, locals, step, &[0x03, 0x40], &close)
}

/// `depth` nested loops around straight-line code: a block parameter per
/// local per loop.
pub fn nested_loops(size: usize, depth: usize, locals: u32) -> Vec<u8> {
    body(
        size,
        locals,
        I32_ADD,
        &[0x03, 0x40].repeat(depth),
        &vec![0x0b; depth],
    )
}

/// A loop around `depth` nested blocks, straight-line code, and a `br_table`
/// over them all, each block's end then adding two locals: the dispatch loop
/// Go's compiler emits for every function that can be resumed, made as deep
/// as a body allows.
pub fn dispatch(size: usize, depth: usize, locals: u32) -> Vec<u8> {
    let mut open = vec![0x03, 0x40];
    open.extend([0x02, 0x40].repeat(depth));
    // br_table over depth + 1 targets, selected by local 0
    let mut close = vec![0x20, 0x00, 0x0e];
    leb(depth as u64, &mut close);
    for target in 0..=depth {
        leb(target as u64, &mut close);
    }
    for i in 0..depth {
        close.push(0x0b);
        for part in [0x20, 0x20, 0x6a, 0x21] {
            close.push(part);
            if part != 0x6a {
                leb(
                    ((i * 7 + usize::from(part)) % locals as usize) as u64,
                    &mut close,
                );
            }
        }
    }
    close.extend([0x41, 0x00, 0x28, 0x02, 0x00, 0x0d, 0x00, 0x0b]);
    body(size, locals, I32_ADD, &open, &close)
}

/// `n` as a signed LEB128 (what `i32.const` takes).
pub fn sleb(mut n: i64, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if (n == 0 && byte & 0x40 == 0) || (n == -1 && byte & 0x40 != 0) {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// `bot` (whose memory is one page) with `segments` active data segments
/// of one byte each appended, at `offset(i)`.
pub fn with_data_segments_at(
    mut bot: Vec<u8>,
    segments: usize,
    offset: impl Fn(usize) -> i64,
) -> Vec<u8> {
    let mut items = Vec::new();
    for i in 0..segments {
        items.extend([0x00, 0x41]);
        sleb(offset(i), &mut items);
        items.extend([0x0b, 0x01, 0x2a]);
    }
    section(11, segments, &items, &mut bot);
    bot
}

/// `bot` with `segments` data segments of one byte, all within its page.
pub fn with_data_segments(bot: Vec<u8>, segments: usize) -> Vec<u8> {
    with_data_segments_at(bot, segments, |i| (i % 60_000) as i64)
}

/// The shapes that cost the compiler most for their size, each at the limits.
pub fn worst_cases(limits: &ValidationLimits) -> Vec<(String, Vec<u8>)> {
    let body_max = limits.max_function_body_bytes as usize;
    let code = limits.max_code_bytes as usize - 4096;
    let functions = limits.max_functions as usize - 4;
    let pairs = limits.max_block_local_pairs;
    let per_function = limits.max_function_block_local_pairs;
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
    // Functions at the per-function pairs limit, as many as the module's
    // pairs limit allows, the rest of the code filled with divisions.
    let deep = (limits.max_control_depth as usize).min(990);
    let deep_locals = (per_function / (deep as u64 + 1)) as u32;
    let deep_fn = nested_loops(body_max, deep, deep_locals);
    // The loop and `wide` blocks nest to half the depth limit (the slowest
    // measured within the limits, `compile_time.rs`'s `pairs_scaling`); the
    // blocks, the br_table's targets, the loop and the last br_if count as
    // branches.
    let wide = limits.max_control_depth as usize / 2;
    let wide_locals = (per_function / (2 * wide as u64 + 4)) as u32;
    let wide_fn = dispatch(body_max, wide, wide_locals);
    // The division bodies have 200 locals x (1 + a loop and a branch) each.
    let filler_pairs = (code / body_max) as u64 * 200 * 3 + 100;
    let heavy = ((pairs - filler_pairs) / per_function) as usize;
    for (what, heavy_fn) in [
        (
            format!("loops {deep} deep over {deep_locals} locals"),
            &deep_fn,
        ),
        (
            format!("a br_table over {wide} blocks, {wide_locals} locals"),
            &wide_fn,
        ),
    ] {
        cases.push((
            format!("one max-size body at the per-function pairs limit: {what}"),
            encoded_bot(std::slice::from_ref(heavy_fn)),
        ));
        let mut both = vec![heavy_fn.clone(); heavy];
        both.extend(vec![
            single_loop(body_max, 200, I32_DIV);
            code / body_max - heavy
        ]);
        cases.push((
            format!(
                "{heavy} bodies of {what} (the pairs limits), checked divisions filling the code limit"
            ),
            encoded_bot(&both),
        ));
    }
    let most_locals = limits.max_locals_per_function - 10;
    cases.push((
        format!("locals only: functions of {most_locals} locals up to the pairs limit"),
        encoded_bot(&vec![
            body(8, most_locals, I32_ADD, &[], &[]);
            (pairs / u64::from(most_locals)) as usize
        ]),
    ));
    cases.push((
        format!(
            "{} data segments of one byte, divisions filling the code limit",
            limits.max_data_segments
        ),
        with_data_segments(
            encoded_bot(&filled(I32_DIV, 200)),
            limits.max_data_segments as usize,
        ),
    ));
    cases
}

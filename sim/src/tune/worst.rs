//! The worst pattern of wall time per fuel, measured on this machine: a
//! pointer chase over the whole memory a bot may have (the memory cap,
//! rounded down to a power of two, at most 1 GiB).
//!
//! Fuel charges one unit for a load whether it hits the cache or misses it
//! and the TLB, so a loop whose every load depends on the last one, at a
//! random address in a memory larger than the caches, takes far longer per
//! unit of fuel than ordinary code: 150 times or so on the reference machine
//! at 64 MiB (`docs/limits.md`, "Wall time follows fuel"). It is the same
//! loop as the last pattern of `benches/wall_per_fuel.rs`: a store and a
//! dependent load at LCG addresses. The module is built here, in binary
//! (the library has no WAT parser), and goes through `Sandbox::load` like
//! any upload. `lockstep_init` fills the whole span first (one `memory.fill`),
//! so every page is touched, as it would be in a bot that had been chasing
//! pointers for a while; then calls of [`FUEL_PER_CALL`] are timed, each
//! one giving a ratio of wall time over the fuel it used.

use super::stats::percentile_f64;
use crate::sandbox::{BotInstance, Outcome, Sandbox};
use serde::Serialize;
use std::time::{Duration, Instant};

/// Fuel of each timed call: about 20 to 40 ms of the pattern at 64 MiB.
const FUEL_PER_CALL: u64 = 4_000_000;
/// Timed calls at least (after one warm-up) and at most.
const MIN_CALLS: usize = 5;
const MAX_CALLS: usize = 50;
/// The largest span measured: beyond it, the calibration itself would
/// commit more of this machine's memory than is reasonable for a tool.
const MAX_SPAN: u64 = 1 << 30;

/// The worst memory pattern's wall time per fuel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorstPattern {
    /// What it is, for people: "pointer chase over 64 MiB".
    pub name: String,
    /// The bytes it chases over: the memory cap rounded down to a power of
    /// two (64 KiB at least, 1 GiB at most).
    pub span_bytes: u64,
    /// The sandbox's memory cap (`[limits] memory_bytes`).
    pub memory_limit: u64,
    /// Timed calls and the fuel each was given.
    pub calls: u32,
    pub fuel_per_call: u64,
    /// Median over the calls of wall time / fuel used, ns per unit of fuel.
    pub ns_per_fuel: f64,
    /// The slowest call's: what the projection uses ("up to").
    pub ns_per_fuel_max: f64,
}

/// The span for a memory cap of `memory_limit` bytes.
pub fn span_for(memory_limit: u64) -> u64 {
    let capped = memory_limit.clamp(1 << 16, MAX_SPAN);
    1 << (63 - capped.leading_zeros())
}

/// Measures the pattern for about `budget` (at least [`MIN_CALLS`] calls).
pub fn measure(sandbox: &Sandbox, budget: Duration) -> Result<WorstPattern, String> {
    let started = Instant::now();
    let memory_limit = sandbox.config().memory_limit as u64;
    let span = span_for(memory_limit);
    let name = format!("pointer chase over {}", bytes(span));
    let fail = |what: String| format!("calibration: the {name} {what}");
    let module = sandbox
        .load(&module(span))
        .map_err(|e| fail(format!("was refused: {e}")))?;
    let mut instance = BotInstance::new(sandbox, &module, 1_000_000)
        .map_err(|e| fail(format!("could not be instantiated: {e}")))?;
    // Touches every page of the span (stopped by a short watchdog at worst).
    instance.call_init(&[], span + 1_000_000);
    let mut ratios = Vec::new();
    // Call 0 warms the caches and the TLB; it is not counted.
    for call in 0..=MAX_CALLS {
        if ratios.len() >= MIN_CALLS && started.elapsed() >= budget {
            break;
        }
        let timer = Instant::now();
        let report = instance.call_tick(&[0], FUEL_PER_CALL);
        let elapsed = timer.elapsed();
        // A watchdog shorter than a call stops it at a slice boundary: the
        // fuel it used is still exact, so the ratio still holds.
        if !matches!(report.outcome, Outcome::OutOfFuel | Outcome::Watchdog) {
            return Err(fail(format!("ended with {}", report.outcome)));
        }
        if call > 0 && report.fuel_used > 0 {
            ratios.push(elapsed.as_secs_f64() * 1e9 / report.fuel_used as f64);
        }
    }
    if ratios.is_empty() {
        return Err(fail("used no fuel".into()));
    }
    ratios.sort_by(f64::total_cmp);
    Ok(WorstPattern {
        name,
        span_bytes: span,
        memory_limit,
        calls: ratios.len() as u32,
        fuel_per_call: FUEL_PER_CALL,
        ns_per_fuel: percentile_f64(&ratios, 50),
        ns_per_fuel_max: ratios[ratios.len() - 1],
    })
}

/// `64 MiB`, `512 KiB`, `1 GiB`.
pub fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 && n.is_multiple_of(1 << 30) => format!("{} GiB", n >> 30),
        n if n >= 1 << 20 && n.is_multiple_of(1 << 20) => format!("{} MiB", n >> 20),
        n => format!("{} KiB", n >> 10),
    }
}

/// The pattern's module (ABI v1, postcard): memory of `span` bytes, which
/// `lockstep_init` fills; `lockstep_tick` chases pointers for ever:
///
/// ```text
/// loop
///   a = (x >> 4) & mask
///   store(x & mask, x)
///   x = (x + load(a)) * 1103515245 + 12345
/// ```
fn module(span: u64) -> Vec<u8> {
    let mask = (span - 4) as u32 as i32;
    let mut tick = vec![0x01, 0x02, 0x7f]; // locals: x (2), a (3), i32
    tick.extend([0x03, 0x40]); // loop
    tick.extend([0x20, 0x02, 0x41, 0x04, 0x76, 0x41]); // x >> 4
    sleb(&mut tick, mask);
    tick.extend([0x71, 0x21, 0x03]); // & mask -> a
    tick.extend([0x20, 0x02, 0x41]);
    sleb(&mut tick, mask);
    tick.extend([0x71, 0x20, 0x02, 0x36, 0x02, 0x00]); // store(x & mask, x)
    tick.extend([0x20, 0x02, 0x20, 0x03, 0x28, 0x02, 0x00, 0x6a, 0x41]); // x + load(a)
    sleb(&mut tick, 1_103_515_245);
    tick.extend([0x6c, 0x41]); // * A
    sleb(&mut tick, 12_345);
    tick.extend([0x6a, 0x21, 0x02]); // + C -> x
    tick.extend([0x0c, 0x00, 0x0b, 0x00, 0x0b]); // br, end loop, unreachable, end

    let mut init = vec![0x00, 0x41, 0x00, 0x41, 0x01, 0x41]; // fill(0, 1, span)
    sleb(&mut init, span as u32 as i32);
    init.extend([0xfc, 0x0b, 0x00, 0x41, 0x00, 0x0b]); // memory.fill; 0
    let constant = |value: i32| {
        let mut body = vec![0x00, 0x41];
        sleb(&mut body, value);
        body.push(0x0b);
        body
    };
    let types: &[u8] = &[
        0x04, // () -> i32, (i32) -> i32, (i32 i32) -> i32, (i32 i32) -> i64
        0x60, 0x00, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,
        0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7e,
    ];
    let mut memory = vec![0x01, 0x00];
    uleb(&mut memory, span >> 16);
    let mut exports = vec![0x05];
    for (name, kind, index) in [
        ("memory", 0x02, 0),
        ("lockstep_abi", 0x00, 0),
        ("lockstep_alloc", 0x00, 1),
        ("lockstep_init", 0x00, 2),
        ("lockstep_tick", 0x00, 3),
    ] {
        exports.push(name.len() as u8);
        exports.extend(name.as_bytes());
        exports.extend([kind, index]);
    }
    let mut code = vec![0x04];
    for body in [constant(256), constant(1024), init, tick] {
        uleb(&mut code, body.len() as u64);
        code.extend(body);
    }
    let mut wasm = vec![0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    for (id, section) in [
        (1, types.to_vec()),
        (3, vec![0x04, 0x00, 0x01, 0x02, 0x03]),
        (5, memory),
        (7, exports),
        (10, code),
    ] {
        wasm.push(id);
        uleb(&mut wasm, section.len() as u64);
        wasm.extend(section);
    }
    wasm
}

fn uleb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn sleb(out: &mut Vec<u8>, mut value: i32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        let done = (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0);
        out.push(if done { byte } else { byte | 0x80 });
        if done {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_the_cap_rounded_down_to_a_power_of_two() {
        assert_eq!(span_for(64 << 20), 64 << 20);
        assert_eq!(span_for(100 << 20), 64 << 20);
        assert_eq!(span_for(1000), 64 << 10);
        assert_eq!(span_for(4 << 30), 1 << 30);
        assert_eq!(bytes(64 << 20), "64 MiB");
        assert_eq!(bytes(1 << 30), "1 GiB");
        assert_eq!(bytes(64 << 10), "64 KiB");
    }

    #[test]
    fn leb128_matches_the_spec_examples() {
        let mut out = Vec::new();
        sleb(&mut out, -123_456);
        assert_eq!(out, [0xc0, 0xbb, 0x78]);
        out.clear();
        sleb(&mut out, 64);
        assert_eq!(out, [0xc0, 0x00]);
        out.clear();
        uleb(&mut out, 624_485);
        assert_eq!(out, [0xe5, 0x8e, 0x26]);
    }

    #[test]
    fn the_module_passes_the_upload_check_and_chases_until_out_of_fuel() {
        let sandbox = Sandbox::new(crate::sandbox::SandboxConfig {
            memory_limit: 1 << 20,
            ..Default::default()
        })
        .unwrap();
        let module = sandbox.load(&module(span_for(1 << 20))).unwrap();
        let mut instance = BotInstance::new(&sandbox, &module, 1_000_000).unwrap();
        let init = instance.call_init(&[], (1 << 20) + 1_000_000);
        assert!(init.outcome.is_ok(), "{}", init.outcome);
        assert!(init.fuel_used > 1 << 20, "the fill is paid per byte");
        let tick = instance.call_tick(&[0], 1_000_000);
        assert_eq!(tick.outcome, Outcome::OutOfFuel);
        assert_eq!(tick.fuel_used, 1_000_000);
    }
}

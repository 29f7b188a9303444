//! The upload validator: the one check every module passes before the compiler
//! sees it. It parses the bytes with wasmparser under exactly the features the
//! engine allows, holds the module to the [`ValidationLimits`] and to ABI v1,
//! and returns every problem it finds, not just the first.
//!
//! The limits are what bound compile time and memory: wasmtime's compile time
//! grows with code size, function count, and locals times blocks, so a module
//! that passes cannot stall the process (docs/limits.md has the measured
//! worst case).

use super::SandboxConfig;
use super::features::{ALLOWED_FEATURES, feature_message, multi_memory_message};
use super::shape::Shape;
use super::toolchain::{Evidence, advice};
use serde::Serialize;
use std::fmt;
use wasmtime::wasmparser::{
    BinaryReaderError, FuncValidatorAllocations, Parser, Payload, ValidPayload, Validator,
};

/// Limits a module is held to when it is uploaded or loaded, before it is
/// compiled. Raising them costs compile time and memory per upload, not per
/// tick; an admin changes them for every bot at once, never per bot.
///
/// The defaults take a 4.5 MB Go bot using `encoding/json` (2.9 MB of code,
/// 4 s of CPU to compile) and keep the slowest module they allow to about
/// 14 s of CPU, 7 s on the reference machine's two cores (docs/limits.md
/// says how it was measured, and why sizes cannot bound it much tighter). The
/// memory and table sizes a module may declare are bounded by
/// [`SandboxConfig::memory_limit`] and [`SandboxConfig::table_limit`], the
/// same limits its instances run under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationLimits {
    /// Largest module, in bytes, data and custom sections included.
    ///
    /// Default 8 MiB. A Go bot using `encoding/json` is 4.5 MB, the largest
    /// bundled bot under 200 KiB; data (Go's static values, lookup tables,
    /// an opening book) is cheap to compile, so this is looser than
    /// [`max_code_bytes`](Self::max_code_bytes). It is also the server's
    /// default upload cap. Past it nothing else is checked: a file this
    /// large is not even parsed.
    pub max_module_bytes: usize,
    /// Most bytes of code: all function bodies together.
    ///
    /// Default 4 MiB. Compile time grows with code, so this is the main
    /// bound on it: 1.5 to 2.5 s of CPU per MiB of ordinary code, 2.8 s for
    /// the slowest code measured (loops full of checked divisions). A Go bot
    /// using `encoding/json` has 2.9 MB, the bundled bots 12 to 150 KiB.
    pub max_code_bytes: u32,
    /// Largest body of one function, in bytes.
    ///
    /// Default 64 KiB. Compiling one function can take time growing faster
    /// than its size when many values stay live (a 1 MiB loop over 10,000
    /// locals took 30 s); up to 64 KiB it stays near linear. The bundled
    /// bots' largest function is 16 KiB, a Go bot's 25 KiB.
    pub max_function_body_bytes: u32,
    /// Most functions, imported and defined together.
    ///
    /// Default 10,000: each function costs the compiler about 50 µs on top
    /// of its code. Rust bots have a few hundred, a Go bot using
    /// `encoding/json` 2,457.
    pub max_functions: u32,
    /// Most locals in one function, its parameters included.
    ///
    /// Default 50,000, which is also wasmparser's own cap: raising it has no
    /// effect. Locals summed over functions are bounded by
    /// [`max_block_local_pairs`](Self::max_block_local_pairs).
    pub max_locals_per_function: u32,
    /// Deepest nesting of blocks, loops and ifs in one function.
    ///
    /// Default 1,000. Every block a branch can leave to is a place where
    /// each local may need a value of its own; the compiler's time per
    /// block-local pair grows with the nesting (a `br_table` over 4,000
    /// nested blocks costs 10 µs per pair, over 1,000 blocks 2.5 µs, loops
    /// 1 µs), so capping it keeps the pairs limits honest. Go's dispatch
    /// loops nest 500 deep in a bot using `encoding/json`; Rust bots 60.
    pub max_control_depth: u32,
    /// Most block-local pairs in one function: its locals times one plus its
    /// blocks, loops, ifs, elses and branches (a `br_table` counting one per
    /// target).
    ///
    /// Default 100,000: one function at the limit compiles in at most
    /// 0.25 s on the reference machine. The largest in a bundled bot or a
    /// Go bot using `encoding/json` has 31,000.
    pub max_function_block_local_pairs: u64,
    /// Most block-local pairs in the module: for each function, its locals
    /// times one plus its blocks, loops, ifs, elses and branches (a
    /// `br_table` counting one per target), summed.
    ///
    /// Default 3,000,000. The compiler's SSA construction can do work for
    /// every local at every block, and this product bounds it: at most
    /// about 2.5 µs per pair within the per-function limits above. A Go bot
    /// using `encoding/json` has 1,760,000 (most of it Go's dispatch
    /// loops); the bundled bots at most 135,000.
    pub max_block_local_pairs: u64,
    /// Most globals, imported and defined together.
    ///
    /// Default 1,000: Rust bots have three or four (the stack pointer and
    /// linker symbols).
    pub max_globals: u32,
    /// Most data segments.
    ///
    /// Default 100,000, which is also wasmparser's own cap: raising it has
    /// no effect. Rust and C linkers merge a program's static data into a
    /// handful, but Go emits one segment per static value: 21,000 for an
    /// idle Go bot, 42,000 with `encoding/json`. Each costs the compiler
    /// and each instantiation a few bytes of copying, no more.
    pub max_data_segments: u32,
    /// Most element segments (table initialisers).
    ///
    /// Default 1,000: Rust bots have one.
    pub max_element_segments: u32,
    /// Most type definitions.
    ///
    /// Default 1,000: one per distinct function signature; Rust bots have
    /// a few dozen.
    pub max_types: u32,
    /// Most exports.
    ///
    /// Default 1,000: a bot needs five; toolchains add a few symbols.
    pub max_exports: u32,
}

impl Default for ValidationLimits {
    fn default() -> Self {
        ValidationLimits {
            max_module_bytes: 8 << 20,
            max_code_bytes: 4 << 20,
            max_function_body_bytes: 64 << 10,
            max_functions: 10_000,
            max_locals_per_function: 50_000,
            max_control_depth: 1_000,
            max_function_block_local_pairs: 100_000,
            max_block_local_pairs: 3_000_000,
            max_globals: 1_000,
            max_data_segments: 100_000,
            max_element_segments: 1_000,
            max_types: 1_000,
            max_exports: 1_000,
        }
    }
}

impl ValidationLimits {
    /// The limits a script runtime Lockstep builds itself is checked under
    /// (`script.rs`): ten times the defaults, since its one big function
    /// (QuickJS's interpreter loop: 173,000 block-local pairs) is known and
    /// compiles in under a second. A player's upload never gets these.
    pub fn trusted() -> ValidationLimits {
        let d = ValidationLimits::default();
        ValidationLimits {
            max_module_bytes: d.max_module_bytes * 10,
            max_code_bytes: d.max_code_bytes * 10,
            max_function_body_bytes: d.max_function_body_bytes * 10,
            max_functions: d.max_functions * 10,
            max_locals_per_function: d.max_locals_per_function,
            max_control_depth: d.max_control_depth * 10,
            max_function_block_local_pairs: d.max_function_block_local_pairs * 10,
            max_block_local_pairs: d.max_block_local_pairs * 10,
            max_globals: d.max_globals * 10,
            max_data_segments: d.max_data_segments * 10,
            max_element_segments: d.max_element_segments * 10,
            max_types: d.max_types * 10,
            max_exports: d.max_exports * 10,
        }
    }
}

/// What kind of rule a problem breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The bytes are not a valid WebAssembly module (malformed, truncated,
    /// ill-typed). Parsing stops at the first such problem.
    Invalid,
    /// Valid WebAssembly, but it uses a feature Lockstep does not allow.
    Feature,
    /// Past one of the upload-time limits.
    Limit,
    /// Breaks ABI v1: an import, an export, or `lockstep_abi()`'s word.
    Abi,
    /// A script bot's source does not load: a syntax error, an exception
    /// at its top level, no `tick`; or script bytes that are not
    /// well-formed (`script.rs`).
    Script,
    /// Not a problem itself: the other problems' fix in the terms of the
    /// toolchain that made the module, when it can be recognised (the
    /// clang flag, the asc option, the Go build line). Always last.
    Advice,
}

/// One reason a module is refused, in words its author can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// For `Invalid`, what the parser said; `Display` adds "not a valid
    /// WebAssembly module: " in front.
    pub message: String,
    /// The config field that sets the limit broken, for an admin to raise:
    /// a `ValidationLimits` field, or `memory_limit`/`table_limit`.
    pub limit: Option<&'static str>,
}

impl Problem {
    pub(crate) fn new(kind: ProblemKind, message: String) -> Problem {
        Problem {
            kind,
            message,
            limit: None,
        }
    }

    pub(crate) fn limit(field: &'static str, message: String) -> Problem {
        Problem {
            kind: ProblemKind::Limit,
            message,
            limit: Some(field),
        }
    }

    /// A parser or validator error: a refused feature, or invalid bytes.
    fn from_parser(err: &BinaryReaderError, bytes_len: usize) -> Problem {
        if let Some(feature) = err.missing_wasm_feature() {
            return Problem::new(ProblemKind::Feature, feature_message(feature, err));
        }
        if let Some(message) = multi_memory_message(err) {
            return Problem::new(ProblemKind::Feature, message);
        }
        let truncated = if err.offset() >= bytes_len || err.message().contains("end-of-file") {
            "; the file ends early: is it complete?"
        } else {
            ""
        };
        // wasmparser may quote the module's own names: keep them on one line.
        let message: String = err
            .message()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        Problem::new(
            ProblemKind::Invalid,
            format!("{message} (at byte {:#x}){truncated}", err.offset()),
        )
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == ProblemKind::Invalid {
            f.write_str("not a valid WebAssembly module: ")?;
        }
        f.write_str(&self.message)
    }
}

/// The problems found so far. Keeps the first [`Problems::SHOWN`]: a module
/// with a million bad imports gets a readable answer, and a bounded one.
#[derive(Default)]
pub(crate) struct Problems {
    shown: Vec<Problem>,
    more: usize,
}

impl Problems {
    const SHOWN: usize = 50;

    pub(crate) fn push(&mut self, problem: Problem) {
        if self.shown.len() < Self::SHOWN {
            self.shown.push(problem);
        } else {
            self.more += 1;
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.shown.is_empty()
    }

    fn finish(mut self) -> Vec<Problem> {
        if self.more > 0 {
            let kind = self.shown.last().map_or(ProblemKind::Invalid, |p| p.kind);
            self.shown.push(Problem::new(
                kind,
                format!(
                    "... and {} more problems not shown",
                    count(self.more as u64)
                ),
            ));
        }
        self.shown
    }
}

/// What a valid module declares, for `lockstep check` and the server.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ModuleSummary {
    /// Bytes of code: all function bodies, their sizes included.
    pub code_bytes: u32,
    /// Functions, imported and defined.
    pub functions: u32,
    /// See [`ValidationLimits::max_block_local_pairs`].
    pub block_local_pairs: u64,
    /// The memory's declared size in 64 KiB pages.
    pub memory: MemoryPages,
    /// Every export, in the module's order.
    pub exports: Vec<ExportSummary>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MemoryPages {
    pub initial: u64,
    /// `None`: the module sets no maximum; growth stops at the memory limit.
    pub maximum: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExportSummary {
    pub name: String,
    /// `func`, `memory`, `table`, `global` or `tag`.
    pub kind: &'static str,
}

/// Checks `bytes` against the features, the limits and ABI v1. Never panics;
/// the work is linear in the module's size, which is checked first.
pub(crate) fn validate(
    bytes: &[u8],
    config: &SandboxConfig,
) -> Result<ModuleSummary, Vec<Problem>> {
    let limits = &config.validation;
    let mut problems = Problems::default();
    if bytes.len() > limits.max_module_bytes {
        problems.push(Problem::limit(
            "max_module_bytes",
            format!(
                "the module is {} bytes; the limit is {} ({}); nothing else was checked",
                count(bytes.len() as u64),
                count(limits.max_module_bytes as u64),
                mib(limits.max_module_bytes as u64)
            ),
        ));
        return Err(problems.finish());
    }

    let mut shape = Shape::new(config);
    let mut evidence = Evidence::default();
    let mut validator = Validator::new_with_features(ALLOWED_FEATURES);
    let mut allocations = FuncValidatorAllocations::default();
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = match payload {
            Ok(payload) => payload,
            Err(err) => {
                problems.push(Problem::from_parser(&err, bytes.len()));
                break;
            }
        };
        shape.before(&payload, &mut problems);
        evidence.observe(&payload);
        match validator.payload(&payload) {
            Err(err) => {
                problems.push(Problem::from_parser(&err, bytes.len()));
                break;
            }
            Ok(ValidPayload::Func(func, body)) => {
                // Limits first: an oversized body is refused without the
                // validator walking it.
                if let Some(function) = shape.function_body(&body, &mut problems) {
                    let mut func = func.into_validator(allocations);
                    match func.validate(&body) {
                        Ok(()) => shape.count_blocks(function, &body, &mut problems),
                        Err(err) => problems.push(Problem::from_parser(&err, bytes.len())),
                    }
                    allocations = func.into_allocations();
                }
            }
            Ok(_) => shape.after(&payload, &mut problems),
        }
        if matches!(payload, Payload::End(_)) {
            break;
        }
    }
    shape.finish(&mut problems);
    if problems.is_empty() {
        return Ok(shape.summary());
    }
    let mut problems = problems.finish();
    if let Some(advice) = advice(&evidence, &problems) {
        problems.push(advice);
    }
    Err(problems)
}

/// `1234567` as `1,234,567`: limits are easier to compare that way.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes as MiB or KiB, for the sizes people think in.
pub(crate) fn mib(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        let whole = bytes.is_multiple_of(1 << 20);
        if whole {
            format!("{} MiB", bytes >> 20)
        } else {
            format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
        }
    } else {
        format!("{} KiB", bytes.div_ceil(1 << 10))
    }
}

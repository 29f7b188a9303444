//! The sandbox's knobs. Fuel budgets are not here: they belong to each call.

use super::ValidationLimits;
use std::path::PathBuf;

/// Limits every bot instance runs under. The defaults suit the reference game;
/// an admin raises them for heavier games, never per bot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxConfig {
    /// Largest linear memory a bot may have, in bytes. Default 64 MiB: ample for
    /// path-finding on a 128x128 map, small enough that 8 bots x a few
    /// concurrent matches fit in memory. `memory.grow` past it returns -1, as
    /// the wasm spec allows.
    /// A module whose memory *starts* larger is refused at upload; one that
    /// declares a larger *maximum* is accepted, its growth stops here.
    pub memory_limit: usize,
    /// Most elements in a bot's table. Default 10,000: Rust bots use a few hundred.
    /// A module whose table starts larger is refused at upload.
    pub table_limit: usize,
    /// How deep a bot's calls may go, in stack units: the frames of all the
    /// calls in progress, each costing its parameters, locals and operand
    /// stack high-water mark plus 4 (`stack_limit.rs`), counted by the
    /// module itself, so a call one unit too deep traps with
    /// `stack_overflow` at the same call, with the same fuel, on every CPU.
    /// Default 65,536: about 4,000 frames of typical Rust, C, Zig, Go or
    /// AssemblyScript code, at least 1,200 of their largest (median frames
    /// cost 11 to 18 units; `docs/limits.md` has the figures). The native stack is sized from it
    /// ([`SandboxConfig::native_stack_bytes`]) and never trips first.
    pub stack_units: u32,
    /// Largest output a tick may return, in bytes. Default 64 KiB: 256 orders
    /// as JSON take under 16 KiB.
    pub max_output_bytes: u32,
    /// Log lines kept per call. Default 16; the rest are counted, not kept.
    pub max_log_lines: u32,
    /// Bytes kept per log line. Default 256; longer lines are cut at a char boundary.
    pub max_log_line_bytes: u32,
    /// Instances the pooling allocator can hold at once, across all matches
    /// using this sandbox. Default 128 (16 concurrent 8-player matches). Each
    /// slot reserves address space, not memory.
    pub pool_instances: u32,
    /// Wall-clock backstop for one call, in milliseconds. Fuel decides every
    /// normal game; this only stops a bot that makes a unit of fuel cost far
    /// more time than ordinary code (outcome `watchdog`, which no longer
    /// replays exactly). Default 5,000 ms: about 3,000 times the wall time of
    /// the default tick budget spent on ordinary code, and 2.5 times what the
    /// worst memory pattern known (a pointer chase over 64 MiB, about 150
    /// times slower per fuel) takes to spend the default init budget on the
    /// reference machine, so that no honest bot's init depends on the
    /// machine. Raise it with the budgets. Checked each time a
    /// call has spent another 1,000,000 fuel (about 0.06 ms of ordinary
    /// code), host functions' fuel included; a call has no epoch checks.
    pub watchdog_ms: u64,
    /// Back each bot's linear memory with transparent huge pages (Linux
    /// `madvise(MADV_HUGEPAGE)`, `sandbox/hugepages.rs`). Default on: it
    /// cuts the worst wall time per fuel (a pointer chase over the whole
    /// memory) by a fifth to a quarter and makes resetting an instance that
    /// touched all its memory 25 to 30 times cheaper; ordinary code is
    /// unchanged. Off: a huge page stays resident whole once touched, and
    /// the kernel may compact memory inside a page fault to find one (once
    /// seen to make a first touch twice as slow). Changes no byte, fuel or
    /// outcome (`docs/limits.md`, "Wall time follows fuel").
    pub huge_pages: bool,
    /// Compiled modules kept in memory for reuse, least recently used out
    /// first. Default 256: every bundled bot and a few hundred uploads, at
    /// roughly 1 to 3 MB of compiled code each. A module dropped from the
    /// cache is compiled again when next loaded; matches using it are not
    /// affected. 0 caches nothing.
    pub module_cache: usize,
    /// What a module must satisfy before it is compiled: size, counts,
    /// function bodies. See [`ValidationLimits`] for each default.
    pub validation: ValidationLimits,
    /// Fuel a module gets to start when it is checked at load (its start
    /// function, then its `_initialize`, then `lockstep_abi()`). Default
    /// 200,000,000, the default init budget; `Settings` sets it to
    /// `[budget] init_fuel`, so a module that could not start in a match
    /// is refused at upload instead, and one that can is never refused.
    pub start_fuel: u64,
    /// Compiled modules kept on disk, shared by every sandbox (and process)
    /// that uses the same folder, so that a module is compiled once per
    /// machine. Default: off, so that a library user or a test writes
    /// nowhere unasked; the `lockstep` and `lockstep-server` commands use
    /// the user's folder (`[cache]` in `assets/lockstep.toml`).
    pub compiled_cache: CompiledCache,
}

/// Where and how much compiled code is kept on disk (`disk_cache.rs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledCache {
    /// The folder. Default [`CacheDir::Off`].
    pub dir: CacheDir,
    /// The most the folder may hold, in bytes; past it, the least recently
    /// used files are deleted. Default 1 GiB: about 90 compiled Go bots of
    /// 4.5 MB (11 MB each), or 2,500 Rust bots of 100 KB (300 to 400 KB
    /// each); a file read back takes about 1/70 of compiling it. A module
    /// whose compiled code alone is larger is not kept.
    pub max_bytes: u64,
}

impl Default for CompiledCache {
    fn default() -> Self {
        CompiledCache {
            dir: CacheDir::Off,
            max_bytes: 1 << 30,
        }
    }
}

/// Which folder holds compiled modules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheDir {
    /// None: a module is compiled in every process that loads it (and kept
    /// in memory only, see [`SandboxConfig::module_cache`]).
    Off,
    /// The user's: `$LOCKSTEP_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/lockstep/compiled`, else
    /// `~/.cache/lockstep/compiled`. What the commands use by default, so
    /// that the CLI, tournaments and a server run by the same user share it.
    User,
    /// This folder (created if missing, private to the user).
    At(PathBuf),
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            memory_limit: 64 << 20,
            table_limit: 10_000,
            stack_units: 65_536,
            max_output_bytes: 64 << 10,
            max_log_lines: 16,
            max_log_line_bytes: 256,
            pool_instances: 128,
            watchdog_ms: 5_000,
            huge_pages: true,
            module_cache: 256,
            validation: ValidationLimits::default(),
            start_fuel: 200_000_000,
            compiled_cache: CompiledCache::default(),
        }
    }
}

/// Native stack allowed per unit of [`SandboxConfig::stack_units`], in
/// bytes. The frames that take the most per unit (`stack_limit_tests.rs`)
/// take 14.4 bytes on x86_64 (32 `v128` locals live across a call, 16
/// bytes each when spilled), an empty frame 8; a unit can hold one value of
/// at most 16 bytes. Twice that, so that the deterministic limit trips first
/// on every CPU.
pub const NATIVE_STACK_BYTES_PER_UNIT: usize = 32;

/// Native stack above the deterministic limit: wasmtime's entry trampoline
/// and the host functions a bot calls run on the same stack.
const NATIVE_STACK_MARGIN: usize = 256 << 10;

impl SandboxConfig {
    /// The native stack a bot may use (wasmtime's `max_wasm_stack`): large
    /// enough that the deterministic limit always trips first.
    pub fn native_stack_bytes(&self) -> usize {
        self.stack_units as usize * NATIVE_STACK_BYTES_PER_UNIT + NATIVE_STACK_MARGIN
    }
}

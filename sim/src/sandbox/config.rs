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
    /// Native stack a bot may use, in bytes. Default 512 KiB (wasmtime's own
    /// default); deeper recursion traps with `stack_overflow`.
    pub max_wasm_stack: usize,
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
    /// replays exactly). Default 2,000 ms: about 1,500 times the wall time of
    /// the default tick budget spent on ordinary code, and 150 times the
    /// default init budget's. Raise it with the budgets. Checked each time a
    /// call has spent another 1,000,000 fuel (about 0.06 ms of ordinary
    /// code), host functions' fuel included; a call has no epoch checks.
    pub watchdog_ms: u64,
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
            max_wasm_stack: 512 << 10,
            max_output_bytes: 64 << 10,
            max_log_lines: 16,
            max_log_line_bytes: 256,
            pool_instances: 128,
            watchdog_ms: 2_000,
            module_cache: 256,
            validation: ValidationLimits::default(),
            start_fuel: 200_000_000,
            compiled_cache: CompiledCache::default(),
        }
    }
}

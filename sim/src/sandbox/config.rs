//! The sandbox's knobs. Fuel budgets are not here: they belong to each call.

use super::ValidationLimits;

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
    /// default init budget's. Raise it with the budgets. Checked every 10 ms.
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
        }
    }
}

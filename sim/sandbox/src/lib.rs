//! The wasm sandbox: bytes in, bytes out, fuel. Knows nothing of the game.
//!
//! A [`Sandbox`] owns one wasmtime engine (deterministic configuration, fuel on,
//! no epochs, pooling allocator) and a cache of compiled modules by content hash, in
//! memory (`cache.rs`) and, if asked, on disk (`disk_cache.rs`). A
//! [`BotInstance`] is one bot in one match; each call into it gets a fresh fuel
//! budget and comes back as a [`CallReport`], whatever the bot did. Under the
//! `resume` overrun policy a tick call can instead be suspended when its fuel
//! runs out and continued later (`suspend.rs`).

mod cache;
mod compile;
mod config;
mod costs;
mod disk_cache;
mod features;
pub mod host;
mod instance;
mod module;
mod outcome;
pub mod report;
pub mod script;
mod script_load;
mod shape;
pub mod stack_limit;
mod suspend;
mod toolchain;
mod validate;

pub use compile::{LoadReport, LoadedFrom};
pub use config::{CacheDir, CompiledCache, SandboxConfig};
pub use host::{HostContext, VIRTUAL_EPOCH_NS, VIRTUAL_TICK_NS};
pub use instance::{BotInstance, InstantiateError};
pub use module::{BotModule, ModuleError, ModuleHash};
pub use outcome::{BadOutput, CallReport, Outcome, TrapKind};
pub use suspend::{slice_of as resume_slice, watchdog_slices_fit};
pub use validate::{
    ExportSummary, MemoryPages, ModuleSummary, Problem, ProblemKind, ValidationLimits,
};

use host::HostState;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;
/// `n` with thousands separators, as every message of the sandbox writes counts.
pub use validate::count;
use wasmtime::wasmparser::WasmFeatures;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, Linker, PoolingAllocationConfig};

/// The fuel a call runs between two readings of the wall clock (the
/// watchdog's): wasmtime yields every `WATCHDOG_SLICE` fuel (see
/// `instance.rs`). Ordinary code spends it in about 0.06 ms, the slowest
/// pattern measured per unit of fuel (`call_indirect`, 5×) in about 0.3 ms.
pub const WATCHDOG_SLICE: u64 = 1_000_000;

/// Stack for a suspendable call's fiber beyond the wasm stack itself: room for
/// the host's own frames (libcalls, `lockstep.log`, trap handling). Wasmtime's
/// default headroom.
const FIBER_HOST_STACK: usize = 1536 << 10;

/// The engine, the host functions and the compiled-module cache.
pub struct Sandbox {
    engine: Engine,
    linker: Linker<HostState>,
    config: SandboxConfig,
    modules: Mutex<cache::ModuleCache>,
    compiler: compile::Compiler,
}

/// The watchdog's clock: nanoseconds since its first reading in this process.
pub(crate) fn wall_ns() -> u64 {
    static BASE: OnceLock<Instant> = OnceLock::new();
    BASE.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

impl Sandbox {
    pub fn new(config: SandboxConfig) -> Result<Sandbox, String> {
        let engine = Engine::new(&engine_config(&config))
            .map_err(|e| format!("could not start the wasm engine: {e}"))?;
        let mut linker = Linker::new(&engine);
        host::define(&mut linker)
            .map_err(|e| format!("could not define the host functions: {e}"))?;
        let compiler = compile::Compiler::new(&config, &engine);
        Ok(Sandbox {
            engine,
            linker,
            modules: Mutex::new(cache::ModuleCache::new(config.module_cache)),
            compiler,
            config,
        })
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.config
    }

    /// The engine every module is compiled with. Public for measurements
    /// (compile time of modules `load` would refuse); not for playing.
    #[doc(hidden)]
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub(crate) fn linker(&self) -> &Linker<HostState> {
        &self.linker
    }

    /// How long a call (or a segment of a suspendable one) may last before
    /// the watchdog stops it, in nanoseconds.
    pub(crate) fn watchdog_ns(&self) -> u64 {
        self.config.watchdog_ms.saturating_mul(1_000_000)
    }

    /// Validates and compiles `bytes`, or returns the cached module with the same hash.
    ///
    /// The one path every module takes, upload or `lockstep check`: the header,
    /// then the validator (features, limits, ABI imports and exports; so
    /// nothing refused ever reaches the compiler), then compilation (or the
    /// compiled code from the disk cache, see `compile.rs`), then
    /// `lockstep_abi()` is probed.
    pub fn load(&self, bytes: &[u8]) -> Result<BotModule, ModuleError> {
        self.load_traced(bytes).map(|(module, _)| module)
    }

    /// Compiled modules held in the cache now (at most `module_cache`).
    pub fn cached_modules(&self) -> usize {
        self.modules.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    fn cached(&self, hash: ModuleHash) -> Option<BotModule> {
        let mut modules = self.modules.lock().unwrap_or_else(|p| p.into_inner());
        modules.get(&hash)
    }

    /// Instantiates the module once to read `lockstep_abi()`.
    fn probe_encoding(&self, module: &BotModule) -> Result<lockstep_bot::Encoding, String> {
        let fuel = self.config.start_fuel;
        let mut instance = BotInstance::new(self, module, fuel).map_err(|e| {
            format!(
                "starting it (its start function, then `_initialize` if it exports one) ended \
                 with: {}; the check gives it {} fuel, the init budget",
                e.outcome,
                count(fuel)
            )
        })?;
        module::parse_abi_word(instance.abi_word(fuel)?)
    }
}

/// A runtime message on one line: wasmtime's parser errors can span several.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The engine settings that make a game deterministic and a bot contained.
fn engine_config(config: &SandboxConfig) -> Config {
    engine_config_metered(config, true, false)
}

/// The project's engine settings with fuel (and its costs) and epoch
/// interruption each switched on or off: the metering benchmark
/// (`benches/metering.rs`) compiles the same module under each. Not for
/// playing: a bot without fuel is not contained.
#[doc(hidden)]
pub fn engine_config_metered(config: &SandboxConfig, fuel: bool, epochs: bool) -> Config {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_core_instances(config.pool_instances)
        .total_memories(config.pool_instances)
        .total_tables(config.pool_instances)
        // A suspendable call runs on a fiber stack from the pool, held while
        // the call runs or is suspended: at most one per instance.
        .total_stacks(config.pool_instances)
        .max_memory_size(config.memory_limit)
        .table_elements(config.table_limit)
        .max_memories_per_module(1)
        .max_tables_per_module(1);

    let mut c = Config::new();
    c.consume_fuel(fuel)
        // No longer the watchdog's (it reads the wall clock between fuel
        // slices, see `instance.rs`): off in the project's settings.
        .epoch_interruption(epochs);
    if fuel {
        c.operator_cost(costs::operator_costs());
    }
    c.max_wasm_stack(config.native_stack_bytes())
        .async_stack_size(config.native_stack_bytes() + FIBER_HOST_STACK)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
        // Determinism: NaN bits are canonical, nothing host-dependent is enabled.
        .cranelift_nan_canonicalization(true)
        // Exactly the features the upload validator allows, and no others
        // (no threads, relaxed SIMD, memory64, multi-memory, GC, ...).
        .wasm_features(WasmFeatures::all(), false)
        .wasm_features(features::ALLOWED_FEATURES, true);
    c
}

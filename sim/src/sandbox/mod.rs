//! The wasm sandbox: bytes in, bytes out, fuel. Knows nothing of the game.
//!
//! A [`Sandbox`] owns one wasmtime engine (deterministic configuration, fuel on,
//! pooling allocator) and a cache of compiled modules by content hash. A
//! [`BotInstance`] is one bot in one match; each call into it gets a fresh fuel
//! budget and comes back as a [`CallReport`], whatever the bot did. Under the
//! `resume` overrun policy a tick call can instead be suspended when its fuel
//! runs out and continued later (`suspend.rs`).

mod cache;
mod config;
mod costs;
mod features;
mod instance;
mod module;
mod outcome;
pub mod report;
mod shape;
mod suspend;
mod validate;

pub use config::SandboxConfig;
pub use instance::{BotInstance, InstantiateError};
pub use module::{BotModule, ModuleError, ModuleHash};
pub use outcome::{BadOutput, CallReport, Outcome, TrapKind};
pub use validate::{
    ExportSummary, MemoryPages, ModuleSummary, Problem, ProblemKind, ValidationLimits,
};

use instance::HostState;
use lockstep_sdk::abi::{EXPORT_MEMORY, IMPORT_LOG, IMPORT_MODULE};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex};
use std::time::Duration;
pub(crate) use validate::count;
use wasmtime::wasmparser::WasmFeatures;
use wasmtime::{
    Caller, Config, Engine, InstanceAllocationStrategy, Linker, PoolingAllocationConfig,
};

/// Fuel for running a module's start function and `lockstep_abi()` while it is
/// being checked at load time. Enough for any honest start function.
const PROBE_FUEL: u64 = 10_000_000;

/// How often the watchdog's clock ticks (wasmtime's epoch).
const EPOCH_TICK: Duration = Duration::from_millis(10);

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
    ticker: EpochTicker,
}

/// The watchdog's clock: a thread that advances the engine's epoch every
/// `EPOCH_TICK`, stopped when the sandbox is dropped. It counts the ticks in
/// `clock` too, right after the engine's (whose own count is not public), for
/// the watchdog of suspendable calls.
struct EpochTicker {
    clock: Arc<AtomicU64>,
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EpochTicker {
    fn start(engine: Engine) -> std::io::Result<EpochTicker> {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let clock = Arc::new(AtomicU64::new(0));
        let ticks = Arc::clone(&clock);
        let thread = std::thread::Builder::new()
            .name("lockstep-watchdog".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EPOCH_TICK) {
                    engine.increment_epoch();
                    ticks.fetch_add(1, Ordering::Relaxed);
                }
            })?;
        Ok(EpochTicker {
            clock,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        drop(self.stop.take()); // disconnects: the thread's next wait ends it
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Sandbox {
    pub fn new(config: SandboxConfig) -> Result<Sandbox, String> {
        let engine = Engine::new(&engine_config(&config))
            .map_err(|e| format!("could not start the wasm engine: {e}"))?;
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap(IMPORT_MODULE, IMPORT_LOG, host_log)
            .map_err(|e| format!("could not define `{IMPORT_MODULE}.{IMPORT_LOG}`: {e}"))?;
        let ticker = EpochTicker::start(engine.clone())
            .map_err(|e| format!("could not start the watchdog thread: {e}"))?;
        Ok(Sandbox {
            engine,
            linker,
            modules: Mutex::new(cache::ModuleCache::new(config.module_cache)),
            config,
            ticker,
        })
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.config
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    pub(crate) fn linker(&self) -> &Linker<HostState> {
        &self.linker
    }

    /// The watchdog's deadline in epoch ticks: `watchdog_ms`, rounded up, plus
    /// one for the tick already under way when a call starts.
    pub(crate) fn watchdog_ticks(&self) -> u64 {
        self.config
            .watchdog_ms
            .div_ceil(EPOCH_TICK.as_millis() as u64)
            + 1
    }

    /// The epoch ticks counted so far (never ahead of the engine's epoch).
    pub(crate) fn clock(&self) -> &Arc<AtomicU64> {
        &self.ticker.clock
    }

    /// Validates and compiles `bytes`, or returns the cached module with the same hash.
    ///
    /// The one path every module takes, upload or `lockstep check`: the header,
    /// then the validator (features, limits, ABI imports and exports; so
    /// nothing refused ever reaches the compiler), then compilation, then
    /// `lockstep_abi()` is probed.
    pub fn load(&self, bytes: &[u8]) -> Result<BotModule, ModuleError> {
        let hash = ModuleHash::of(bytes);
        if let Some(module) = self.cached(hash) {
            return Ok(module);
        }
        module::check_header(bytes)?;
        let summary =
            validate::validate(bytes, &self.config).map_err(ModuleError::from_problems)?;
        let compiled = wasmtime::Module::new(&self.engine, bytes)
            .map_err(|e| ModuleError::Invalid(one_line(&instance::describe_error(&e))))?;
        let mut module = BotModule {
            hash,
            encoding: lockstep_sdk::Encoding::Postcard,
            size: bytes.len(),
            summary,
            module: compiled,
        };
        module.encoding = self
            .probe_encoding(&module)
            .map_err(|p| ModuleError::Abi(vec![p]))?;
        self.modules
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(hash, module.clone());
        Ok(module)
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
    fn probe_encoding(&self, module: &BotModule) -> Result<lockstep_sdk::Encoding, String> {
        let mut instance = BotInstance::new(self, module, PROBE_FUEL).map_err(|e| e.to_string())?;
        module::parse_abi_word(instance.abi_word(PROBE_FUEL)?)
    }
}

/// A runtime message on one line: wasmtime's parser errors can span several.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The engine settings that make a game deterministic and a bot contained.
fn engine_config(config: &SandboxConfig) -> Config {
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
    c.consume_fuel(true)
        // The watchdog's backstop; fuel, not this, decides normal games.
        .epoch_interruption(true)
        .operator_cost(costs::operator_costs())
        .max_wasm_stack(config.max_wasm_stack)
        .async_stack_size(config.max_wasm_stack + FIBER_HOST_STACK)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
        // Determinism: NaN bits are canonical, nothing host-dependent is enabled.
        .cranelift_nan_canonicalization(true)
        // Exactly the features the upload validator allows, and no others
        // (no threads, relaxed SIMD, memory64, multi-memory, GC, ...).
        .wasm_features(WasmFeatures::all(), false)
        .wasm_features(features::ALLOWED_FEATURES, true);
    c
}

/// `lockstep.log(ptr, len)`: one line into the bot's log for this call.
fn host_log(mut caller: Caller<'_, HostState>, ptr: i32, len: i32) {
    // Paid up front; a bot that cannot pay is cut off at its next fuel check.
    let remaining = caller.get_fuel().unwrap_or(0);
    let _ = caller.set_fuel(remaining.saturating_sub(costs::LOG_CALL_FUEL));
    let Some(memory) = caller
        .get_export(EXPORT_MEMORY)
        .and_then(|export| export.into_memory())
    else {
        return caller.data_mut().log(None);
    };
    let (data, state) = memory.data_and_store_mut(&mut caller);
    let start = ptr as u32 as usize;
    let bytes = start
        .checked_add(len as u32 as usize)
        .and_then(|end| data.get(start..end));
    state.log(bytes);
}

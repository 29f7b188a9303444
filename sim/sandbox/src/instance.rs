//! One bot's live instance: its store, its exports, and the calls into it.
//! The calls here run to their end; `suspend.rs` adds the suspendable tick
//! call of the `resume` policy.
//!
//! The watchdog. Every call runs on a fiber (wasmtime's `call_async`,
//! polled by hand with a no-op waker, as in `suspend.rs`) that yields each
//! time it has spent [`WATCHDOG_SLICE`] fuel: wasmtime puts at most a slice
//! of the budget in front of the code at once and, when the slice is spent,
//! refills it from the rest and yields. At each yield the host reads the wall
//! clock, and past the deadline it drops the call's future, which unwinds
//! the wasm (wasmtime disposes of the fiber) and leaves the store usable: the
//! outcome is `watchdog`. So the bot's code carries only the fuel checks it
//! has anyway, no epoch checks. The fuel counts are exactly those of one
//! plain call: the slices only change where wasmtime refills, and a call
//! runs out of fuel at the same instruction either way. Host functions set
//! the store's fuel when they charge (`host::charge`), which starts a new
//! slice; so they read the clock too, once per slice of fuel spent.

use super::host::{Abort, HostContext, HostState, ProcExit, Shared};
use super::outcome::{BadOutput, CallReport, Outcome, TrapKind};
use super::script::Script;
use super::suspend::Suspended;
use super::{BotModule, Sandbox, WATCHDOG_SLICE, stack_limit, wall_ns};
use lockstep_bot::abi::{
    EXPORT_ABI, EXPORT_ALLOC, EXPORT_INIT, EXPORT_INITIALIZE, EXPORT_MEMORY, EXPORT_TICK,
};
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, Waker};
use wasmtime::{Error, Global, Instance, Memory, Store, StoreLimitsBuilder, Trap, TypedFunc, Val};

#[path = "hugepages.rs"]
mod hugepages;

/// A running bot. Owned by one match; moved to a worker thread for each call
/// (with its suspended call, if any: the future is `Send`).
pub struct BotInstance {
    /// `None` only while a tick call is suspended: its future owns the store.
    pub(super) store: Option<Store<HostState>>,
    pub(super) exports: Exports,
    pub(super) max_output_bytes: u32,
    /// Nanoseconds a call (or a segment of a suspendable one) may last
    /// before the watchdog stops it.
    pub(super) watchdog_ns: u64,
    pub(super) output: Vec<u8>,
    pub(super) shared: Arc<Shared>,
    /// The suspended tick call, if any (`resume` policy).
    pub(super) suspended: Option<Suspended>,
    /// The store has been set up for suspendable calls: from then on every
    /// call into it must be one (a wasmtime rule).
    pub(super) resumable: bool,
    /// A script bot's source and runtime (`script.rs`).
    script: Option<Script>,
}

/// The exports a call needs: handles into the store, cheap to clone.
#[derive(Clone)]
pub(super) struct Exports {
    pub(super) memory: Memory,
    pub(super) alloc: TypedFunc<i32, i32>,
    init: TypedFunc<(i32, i32), i32>,
    pub(super) tick: TypedFunc<(i32, i32), i64>,
    abi: TypedFunc<(), i32>,
    /// The stack limit's count (`stack_limit.rs`), set to 0 before each call
    /// the host starts.
    pub(super) stack_depth: Global,
    /// A trap in this function is `stack_overflow`.
    pub(super) overflow_function: u32,
}

impl Exports {
    /// A call from the host starts with no frames counted, whatever the last
    /// call left (a trap, running out of fuel or the watchdog leave the count
    /// where it was).
    pub(super) fn reset_stack_depth(&self, store: &mut Store<HostState>) -> Result<(), Error> {
        self.stack_depth.set(store, Val::I32(0))
    }
}

/// An instance could not be created: the start function failed or the pool is full.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("could not instantiate the bot: {outcome}")]
pub struct InstantiateError {
    /// What happened, as it is reported for the bot.
    pub outcome: Outcome,
}

impl InstantiateError {
    fn of(error: &Error, overflow_function: u32) -> Self {
        InstantiateError {
            outcome: outcome_of_error(error, overflow_function),
        }
    }

    fn missing(name: &str) -> Self {
        InstantiateError {
            outcome: Outcome::Trap {
                trap: TrapKind::Other(format!("export `{name}` is missing")),
            },
        }
    }
}

impl BotInstance {
    /// Instantiates `module` with an all-zero [`HostContext`] (tick 0, the
    /// zero random seed): for checks, tests and benchmarks.
    pub fn new(
        sandbox: &Sandbox,
        module: &BotModule,
        start_fuel: u64,
    ) -> Result<BotInstance, InstantiateError> {
        BotInstance::with_context(sandbox, module, start_fuel, &HostContext::default())
    }

    /// Instantiates `module`; what its host functions answer follows
    /// `context`. Its start function and then its `_initialize` export (a
    /// WASI reactor's), if any, run under `start_fuel` together.
    pub fn with_context(
        sandbox: &Sandbox,
        module: &BotModule,
        start_fuel: u64,
        context: &HostContext,
    ) -> Result<BotInstance, InstantiateError> {
        let config = sandbox.config();
        let limits = StoreLimitsBuilder::new()
            .memory_size(config.memory_limit)
            .table_elements(config.table_limit)
            .instances(1)
            .memories(1)
            .tables(1)
            .build();
        let shared = Arc::new(Shared::new(
            config.max_log_lines,
            config.max_log_line_bytes,
            context.tick,
        ));
        let state = HostState::new(limits, Arc::clone(&shared), context);
        let mut store = Store::new(sandbox.engine(), state);
        store.limiter(|state| state);
        let fail = |e: Error| InstantiateError::of(&e, module.overflow_function);
        store
            .fuel_async_yield_interval(Some(WATCHDOG_SLICE))
            .map_err(fail)?;
        store.set_fuel(start_fuel).map_err(fail)?;
        shared.set_fuel_base(start_fuel);
        // One deadline for the start function and `_initialize` together.
        let watchdog_ns = sandbox.watchdog_ns();
        let deadline = wall_ns().saturating_add(watchdog_ns);
        let instance: Instance = run_sliced(
            &shared,
            deadline,
            sandbox
                .linker()
                .instantiate_async(&mut store, &module.module),
        )
        .map_err(fail)?;
        // A reactor's initialisation (wasi-libc's constructors, Go's
        // runtime), before any other export, on what the start function left.
        if let Some(initialize) = instance.get_func(&mut store, EXPORT_INITIALIZE) {
            let initialize = initialize.typed::<(), ()>(&store).map_err(fail)?;
            run_sliced(&shared, deadline, initialize.call_async(&mut store, ())).map_err(fail)?;
        }
        let missing = InstantiateError::missing;
        let memory = instance
            .get_memory(&mut store, EXPORT_MEMORY)
            .ok_or_else(|| missing(EXPORT_MEMORY))?;
        if config.huge_pages {
            hugepages::advise(&store, memory, config.memory_limit);
        }
        let func = |store: &mut Store<HostState>, name: &str| {
            instance
                .get_func(&mut *store, name)
                .ok_or_else(|| missing(name))
        };
        let alloc = func(&mut store, EXPORT_ALLOC)?
            .typed(&store)
            .map_err(fail)?;
        let init = func(&mut store, EXPORT_INIT)?.typed(&store).map_err(fail)?;
        let tick = func(&mut store, EXPORT_TICK)?.typed(&store).map_err(fail)?;
        let abi = func(&mut store, EXPORT_ABI)?.typed(&store).map_err(fail)?;
        let stack_depth = instance
            .get_global(&mut store, stack_limit::DEPTH_EXPORT)
            .ok_or_else(|| missing(stack_limit::DEPTH_EXPORT))?;
        Ok(BotInstance {
            store: Some(store),
            exports: Exports {
                memory,
                alloc,
                init,
                tick,
                abi,
                stack_depth,
                overflow_function: module.overflow_function,
            },
            max_output_bytes: config.max_output_bytes,
            watchdog_ns,
            output: Vec::new(),
            shared,
            suspended: None,
            resumable: false,
            script: module.script.clone(),
        })
    }

    /// The tick the next calls belong to: the virtual clock's base. The
    /// match loop sets it before every call.
    pub fn set_tick(&mut self, tick: u64) {
        self.shared.set_tick(tick);
    }

    /// Calls `lockstep_abi()` with a small budget (used when a module is loaded).
    pub(crate) fn abi_word(&mut self, fuel: u64) -> Result<i32, String> {
        let store = sync_store(&mut self.store, self.resumable);
        store.set_fuel(fuel).map_err(|e| e.to_string())?;
        self.exports
            .reset_stack_depth(store)
            .map_err(|e| e.to_string())?;
        self.shared.set_fuel_base(fuel);
        let call = self.exports.abi.call_async(store, ());
        let deadline = wall_ns().saturating_add(self.watchdog_ns);
        run_sliced(&self.shared, deadline, call)
            .map_err(|e| format!("`{EXPORT_ABI}()` failed: {}", describe_error(&e)))
    }

    /// `lockstep_init(MatchInfo)` with `fuel`.
    /// A script bot's runtime gets the source ahead of `message`
    /// (`Script::init_input`); an empty `message` then only loads it.
    pub fn call_init(&mut self, message: &[u8], fuel: u64) -> CallReport {
        let framed = self.script.as_ref().map(|s| s.init_input(message));
        self.call(
            framed.as_deref().unwrap_or(message),
            fuel,
            |store, exports, shared, deadline, _, ptr, len| {
                let call = exports.init.call_async(store, (ptr, len));
                let status = run_sliced(shared, deadline, call)?;
                Ok(if status == 0 {
                    Outcome::Ok
                } else {
                    Outcome::InitFailed { status }
                })
            },
        )
    }

    /// `lockstep_tick(Observation)` with `fuel`; on `Ok`, [`Self::output`] holds the bytes.
    pub fn call_tick(&mut self, message: &[u8], fuel: u64) -> CallReport {
        let max_output_bytes = self.max_output_bytes;
        self.call(
            message,
            fuel,
            |store, exports, shared, deadline, output, ptr, len| {
                let call = exports.tick.call_async(&mut *store, (ptr, len));
                let word = run_sliced(shared, deadline, call)?;
                Ok(read_output(
                    store,
                    exports.memory,
                    max_output_bytes,
                    word,
                    output,
                ))
            },
        )
    }

    /// The last successful tick's output bytes (still undecoded).
    pub fn output(&self) -> &[u8] {
        &self.output
    }

    /// One budgeted call: fuel set right before, `lockstep_alloc` and the call
    /// itself both paid from it, every failure turned into an outcome.
    fn call(
        &mut self,
        message: &[u8],
        fuel: u64,
        run: impl FnOnce(
            &mut Store<HostState>,
            &Exports,
            &Shared,
            u64,
            &mut Vec<u8>,
            i32,
            i32,
        ) -> Result<Outcome, Error>,
    ) -> CallReport {
        let BotInstance {
            store,
            exports,
            output,
            shared,
            watchdog_ns,
            resumable,
            ..
        } = self;
        output.clear();
        // Not cleared first: what the start function and `_initialize`
        // logged belongs to the first call (`lockstep_init`'s report).
        let store = sync_store(store, *resumable);
        store.data_mut().memory_refused = false;
        let len = message.len() as i32;
        shared.set_fuel_base(fuel);
        // One deadline for `lockstep_alloc` and the call together.
        let deadline = wall_ns().saturating_add(*watchdog_ns);
        let outcome = store
            .set_fuel(fuel)
            .and_then(|()| exports.reset_stack_depth(store))
            .and_then(|()| run_sliced(shared, deadline, exports.alloc.call_async(&mut *store, len)))
            .and_then(
                |ptr| match write_input(store, exports.memory, ptr as u32, message) {
                    Ok(ptr) => run(store, exports, shared, deadline, output, ptr as i32, len),
                    Err(bad_alloc) => Ok(bad_alloc),
                },
            )
            .unwrap_or_else(|e| outcome_of_error(&e, exports.overflow_function));
        let outcome = exhausted_or(outcome, store.data().memory_refused);
        let fuel_used = fuel.saturating_sub(store.get_fuel().unwrap_or(0));
        let (logs, logs_dropped) = shared.take_log();
        CallReport {
            outcome,
            fuel_used,
            logs,
            logs_dropped,
        }
    }
}

/// Runs `call` (a wasm call or instantiation on a store that yields every
/// [`WATCHDOG_SLICE`] fuel) to its end, reading the wall clock at each yield:
/// past `deadline` (a reading of `wall_ns`) the call's future is dropped, which unwinds
/// the wasm and leaves the store usable, and the error is wasmtime's
/// `Interrupt` trap (outcome `watchdog`). Host functions read the same
/// deadline from `shared` (see `host::charge`).
pub(super) fn run_sliced<T>(
    shared: &Shared,
    deadline: u64,
    call: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    shared.deadline.store(deadline, Ordering::Relaxed);
    let mut call = pin!(call);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        match call.as_mut().poll(&mut context) {
            Poll::Ready(result) => return result,
            Poll::Pending if wall_ns() >= deadline => return Err(Trap::Interrupt.into()),
            Poll::Pending => {}
        }
    }
}

/// The store, for a call that runs to its end.
///
/// # Panics
/// If a tick call is suspended or the store was set up for suspendable calls
/// (`resumable`): the match loop never mixes the two kinds of call on one
/// instance.
fn sync_store(store: &mut Option<Store<HostState>>, resumable: bool) -> &mut Store<HostState> {
    assert!(
        !resumable,
        "this instance runs suspendable calls only (`call_tick_resumable`)"
    );
    store
        .as_mut()
        .expect("a store is only missing while a call is suspended")
}

/// Copies `message` into the buffer `lockstep_alloc` returned at `ptr`, or
/// the `BadAlloc` outcome if that buffer is not inside the bot's memory.
pub(super) fn write_input(
    store: &mut Store<HostState>,
    memory: Memory,
    ptr: u32,
    message: &[u8],
) -> Result<u32, Outcome> {
    let len = message.len() as u32;
    let data = memory.data_mut(store);
    let memory_bytes = data.len() as u64;
    match range(ptr, len, data.len()) {
        Some(range) => {
            data[range].copy_from_slice(message);
            Ok(ptr)
        }
        None => Err(Outcome::BadAlloc {
            ptr,
            len,
            memory_bytes,
        }),
    }
}

/// Copies the `(ptr << 32) | len` output out of the bot into `output`, with
/// bounds and size checks.
pub(super) fn read_output(
    store: &Store<HostState>,
    memory: Memory,
    max_output_bytes: u32,
    word: i64,
    output: &mut Vec<u8>,
) -> Outcome {
    let (ptr, len) = lockstep_bot::abi::unpack_output(word);
    if len > max_output_bytes {
        return Outcome::BadOutput {
            reason: BadOutput::TooLarge {
                len,
                max: max_output_bytes,
            },
        };
    }
    let data = memory.data(store);
    match range(ptr, len, data.len()) {
        Some(range) => {
            output.extend_from_slice(&data[range]);
            Outcome::Ok
        }
        None => Outcome::BadOutput {
            reason: BadOutput::OutOfBounds {
                ptr,
                len,
                memory_bytes: data.len() as u64,
            },
        },
    }
}

/// A trap after a refused `memory.grow` in the same call is reported as what
/// it almost always is: the bot's allocator giving up.
pub(super) fn exhausted_or(outcome: Outcome, memory_refused: bool) -> Outcome {
    match outcome {
        Outcome::Trap { trap } if memory_refused => Outcome::MemoryExhausted { trap },
        other => other,
    }
}

fn range(ptr: u32, len: u32, memory_len: usize) -> Option<std::ops::Range<usize>> {
    let start = ptr as usize;
    let end = start.checked_add(len as usize)?;
    (end <= memory_len).then_some(start..end)
}

/// The outcome a failed call ends with. A trap in `overflow_function`
/// is the stack limit's (`stack_limit.rs`).
pub(super) fn outcome_of_error(error: &Error, overflow_function: u32) -> Outcome {
    if stack_limit::tripped(error, overflow_function) {
        return Outcome::Trap {
            trap: TrapKind::StackOverflow,
        };
    }
    if let Some(ProcExit(code)) = error.downcast_ref::<ProcExit>() {
        return Outcome::Exited { code: *code };
    }
    if let Some(abort) = error.downcast_ref::<Abort>() {
        return Outcome::Trap {
            trap: TrapKind::Other(abort.to_string()),
        };
    }
    match error.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::OutOfFuel) => Outcome::OutOfFuel,
        Some(wasmtime::Trap::Interrupt) => Outcome::Watchdog,
        Some(trap) => Outcome::Trap {
            trap: TrapKind::from_trap(trap),
        },
        None => Outcome::Trap {
            trap: TrapKind::Other(describe_error(error)),
        },
    }
}

/// The error's message chain on one line, without a backtrace.
pub(crate) fn describe_error(error: &Error) -> String {
    error
        .chain()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join(": ")
}

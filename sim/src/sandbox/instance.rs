//! One bot's live instance: its store, its exports, and the calls into it.

use super::outcome::{BadOutput, CallReport, Outcome, TrapKind};
use super::{BotModule, Sandbox};
use lockstep_sdk::abi::{EXPORT_ABI, EXPORT_ALLOC, EXPORT_INIT, EXPORT_MEMORY, EXPORT_TICK};
use wasmtime::{
    Error, Instance, Memory, ResourceLimiter, Store, StoreLimits, StoreLimitsBuilder, TypedFunc,
};

/// Per-instance host state: the limits and this call's log.
pub(crate) struct HostState {
    limits: StoreLimits,
    /// A `memory.grow` was refused during this call (the cap was reached).
    memory_refused: bool,
    logs: Vec<String>,
    logs_dropped: u32,
    max_log_lines: u32,
    max_log_line_bytes: u32,
}

/// The store's limits, noting when growth is refused, so that a trap that
/// follows (an allocator giving up) can be reported as what it is.
impl ResourceLimiter for HostState {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        max: Option<usize>,
    ) -> Result<bool, Error> {
        let allowed = self.limits.memory_growing(current, desired, max)?;
        self.memory_refused |= !allowed;
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        max: Option<usize>,
    ) -> Result<bool, Error> {
        self.limits.table_growing(current, desired, max)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

impl HostState {
    /// `lockstep.log`: keeps the first lines of the call, each cut to the cap.
    pub(crate) fn log(&mut self, bytes: Option<&[u8]>) {
        if self.logs.len() >= self.max_log_lines as usize {
            self.logs_dropped += 1;
            return;
        }
        let line = match bytes {
            Some(bytes) => {
                // Cut first: the bot pays one call's fuel for any length, so the
                // host's work must not grow with it.
                let max = self.max_log_line_bytes as usize;
                let text = String::from_utf8_lossy(&bytes[..bytes.len().min(max)]);
                let mut end = text.len().min(max);
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text[..end].to_string()
            }
            None => "[lockstep] log(ptr, len) pointed outside the bot's memory".to_string(),
        };
        self.logs.push(line);
    }
}

/// A running bot. Owned by one match; moved to a worker thread for each call.
pub struct BotInstance {
    store: Store<HostState>,
    memory: Memory,
    alloc: TypedFunc<i32, i32>,
    init: TypedFunc<(i32, i32), i32>,
    tick: TypedFunc<(i32, i32), i64>,
    abi: TypedFunc<(), i32>,
    max_output_bytes: u32,
    /// Epoch ticks a call may last before the watchdog stops it.
    watchdog_ticks: u64,
    output: Vec<u8>,
}

/// An instance could not be created: the start function failed or the pool is full.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("could not instantiate the bot: {outcome}")]
pub struct InstantiateError {
    /// What happened, as it is reported for the bot.
    pub outcome: Outcome,
}

impl InstantiateError {
    fn of(error: &Error) -> Self {
        InstantiateError {
            outcome: outcome_of_error(error),
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
    /// Instantiates `module`. Its start function, if any, runs under `start_fuel`.
    pub fn new(
        sandbox: &Sandbox,
        module: &BotModule,
        start_fuel: u64,
    ) -> Result<BotInstance, InstantiateError> {
        let config = sandbox.config();
        let limits = StoreLimitsBuilder::new()
            .memory_size(config.memory_limit)
            .table_elements(config.table_limit)
            .instances(1)
            .memories(1)
            .tables(1)
            .build();
        let mut store = Store::new(
            sandbox.engine(),
            HostState {
                limits,
                memory_refused: false,
                logs: Vec::new(),
                logs_dropped: 0,
                max_log_lines: config.max_log_lines,
                max_log_line_bytes: config.max_log_line_bytes,
            },
        );
        store.limiter(|state| state);
        let fail = |e: Error| InstantiateError::of(&e);
        store.set_fuel(start_fuel).map_err(fail)?;
        let watchdog_ticks = sandbox.watchdog_ticks();
        store.set_epoch_deadline(watchdog_ticks);
        let instance: Instance = sandbox
            .linker()
            .instantiate(&mut store, &module.module)
            .map_err(fail)?;
        let missing = InstantiateError::missing;
        let memory = instance
            .get_memory(&mut store, EXPORT_MEMORY)
            .ok_or_else(|| missing(EXPORT_MEMORY))?;
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
        Ok(BotInstance {
            store,
            memory,
            alloc,
            init,
            tick,
            abi,
            max_output_bytes: config.max_output_bytes,
            watchdog_ticks,
            output: Vec::new(),
        })
    }

    /// Calls `lockstep_abi()` with a small budget (used when a module is loaded).
    pub(crate) fn abi_word(&mut self, fuel: u64) -> Result<i32, String> {
        self.store.set_fuel(fuel).map_err(|e| e.to_string())?;
        self.store.set_epoch_deadline(self.watchdog_ticks);
        self.abi
            .call(&mut self.store, ())
            .map_err(|e| format!("`{EXPORT_ABI}()` failed: {}", describe_error(&e)))
    }

    /// `lockstep_init(MatchInfo)` with `fuel`.
    pub fn call_init(&mut self, message: &[u8], fuel: u64) -> CallReport {
        self.call(message, fuel, |this, ptr, len| {
            let status = this.init.call(&mut this.store, (ptr, len))?;
            Ok(if status == 0 {
                Outcome::Ok
            } else {
                Outcome::InitFailed { status }
            })
        })
    }

    /// `lockstep_tick(Observation)` with `fuel`; on `Ok`, [`Self::output`] holds the bytes.
    pub fn call_tick(&mut self, message: &[u8], fuel: u64) -> CallReport {
        self.call(message, fuel, |this, ptr, len| {
            let word = this.tick.call(&mut this.store, (ptr, len))?;
            Ok(this.read_output(word))
        })
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
        run: impl FnOnce(&mut Self, i32, i32) -> Result<Outcome, Error>,
    ) -> CallReport {
        self.output.clear();
        let state = self.store.data_mut();
        state.logs.clear();
        state.logs_dropped = 0;
        state.memory_refused = false;
        self.store.set_epoch_deadline(self.watchdog_ticks);
        let outcome = match self.store.set_fuel(fuel) {
            Ok(()) => self.write_input(message).and_then(|ptr| match ptr {
                Ok(ptr) => run(self, ptr as i32, message.len() as i32),
                Err(bad_alloc) => Ok(bad_alloc),
            }),
            Err(e) => Err(e),
        }
        .unwrap_or_else(|e| outcome_of_error(&e));
        let outcome = match outcome {
            Outcome::Trap { trap } if self.store.data().memory_refused => {
                Outcome::MemoryExhausted { trap }
            }
            other => other,
        };
        let fuel_used = fuel.saturating_sub(self.store.get_fuel().unwrap_or(0));
        let state = self.store.data_mut();
        CallReport {
            outcome,
            fuel_used,
            logs: std::mem::take(&mut state.logs),
            logs_dropped: state.logs_dropped,
        }
    }

    /// Asks the bot for a buffer and copies `message` into it.
    fn write_input(&mut self, message: &[u8]) -> Result<Result<u32, Outcome>, Error> {
        let len = message.len() as u32;
        let ptr = self.alloc.call(&mut self.store, len as i32)? as u32;
        let data = self.memory.data_mut(&mut self.store);
        let memory_bytes = data.len() as u64;
        match range(ptr, len, data.len()) {
            Some(range) => {
                data[range].copy_from_slice(message);
                Ok(Ok(ptr))
            }
            None => Ok(Err(Outcome::BadAlloc {
                ptr,
                len,
                memory_bytes,
            })),
        }
    }

    /// Copies the `(ptr << 32) | len` output out of the bot, with bounds and size checks.
    fn read_output(&mut self, word: i64) -> Outcome {
        let (ptr, len) = lockstep_sdk::abi::unpack_output(word);
        if len > self.max_output_bytes {
            return Outcome::BadOutput {
                reason: BadOutput::TooLarge {
                    len,
                    max: self.max_output_bytes,
                },
            };
        }
        let data = self.memory.data(&self.store);
        match range(ptr, len, data.len()) {
            Some(range) => {
                self.output.extend_from_slice(&data[range]);
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
}

fn range(ptr: u32, len: u32, memory_len: usize) -> Option<std::ops::Range<usize>> {
    let start = ptr as usize;
    let end = start.checked_add(len as usize)?;
    (end <= memory_len).then_some(start..end)
}

fn outcome_of_error(error: &Error) -> Outcome {
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

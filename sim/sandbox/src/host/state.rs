//! What the host keeps per bot instance: its limits, its log, and what its
//! host functions can observe (the virtual clock, the random stream). Split
//! in two: [`HostState`] lives in the store (only the call's own thread
//! touches it); [`Shared`] is what the host must reach while a suspended
//! call's future owns the store (`suspend.rs`).

use super::log::CallLog;
use super::wasi::WasiState;
use crate::WATCHDOG_SLICE;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use wasmtime::{Error, Memory, ResourceLimiter, StoreLimits};

/// What a bot can observe of its match through the host's functions: the
/// seed of its random bytes and the tick its calls belong to. Everything a
/// WASI call answers is a function of this and the bot's own earlier calls,
/// never of the machine (docs/abi.md, "WASI, deterministically").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostContext {
    /// The key of the bot's `random_get` stream. The match loop derives one
    /// per seat from the match seed; checks and tests use zeros.
    pub random_seed: [u8; 32],
    /// How many instances of this bot were made before this one in the
    /// match (`reset` makes new ones): each gets its own random stream.
    pub instance_number: u64,
    /// The tick the instance's first calls belong to (its start function,
    /// `_initialize` and `lockstep_init`).
    pub tick: u64,
}

/// Per-instance host state, inside the store.
pub(crate) struct HostState {
    limits: StoreLimits,
    /// A `memory.grow` was refused during this call (the cap was reached).
    pub(crate) memory_refused: bool,
    /// The store makes suspendable calls (`resume`): host functions charge
    /// their fuel as debt, paid by whole segments (see [`Shared::charge_debt`]).
    pub(crate) resumable: bool,
    pub(crate) shared: Arc<Shared>,
    pub(crate) wasi: WasiState,
    /// The bot's exported memory, once a host function has looked it up.
    pub(crate) memory: Option<Memory>,
}

impl HostState {
    pub(crate) fn new(
        limits: StoreLimits,
        shared: Arc<Shared>,
        context: &HostContext,
    ) -> HostState {
        HostState {
            limits,
            memory_refused: false,
            resumable: false,
            shared,
            wasi: WasiState::new(context),
            memory: None,
        }
    }
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

/// What the host reads and writes while a call may be suspended inside a
/// future that owns the store.
pub(crate) struct Shared {
    log: Mutex<CallLog>,
    /// The reading of the watchdog's clock (`sandbox::wall_ns`) at which it
    /// stops the call, or under `resume` the segment, that is running (see
    /// `instance.rs` and `suspend.rs`).
    pub(crate) deadline: AtomicU64,
    /// The tick the running call belongs to: the virtual clock's base.
    tick: AtomicU64,
    /// The store's fuel (`get_fuel`) when this tick's part of the call
    /// began: the virtual clock counts the fuel spent since.
    fuel_base: AtomicU64,
    /// The store's fuel at or below which a host function next reads the
    /// watchdog's clock (`host::charge`): once per `WATCHDOG_SLICE` spent.
    pub(crate) clock_due: AtomicU64,
    /// Under `resume`: host fuel charged and not yet paid.
    debt: AtomicU64,
    /// Under `resume`: the most debt a call may run up before the tick's
    /// allowance could never pay it; past it the call is cut off.
    debt_limit: AtomicU64,
}

impl Shared {
    pub(crate) fn new(max_log_lines: u32, max_log_line_bytes: u32, tick: u64) -> Shared {
        Shared {
            log: Mutex::new(CallLog::new(max_log_lines, max_log_line_bytes)),
            deadline: AtomicU64::new(0),
            tick: AtomicU64::new(tick),
            fuel_base: AtomicU64::new(0),
            clock_due: AtomicU64::new(0),
            debt: AtomicU64::new(0),
            debt_limit: AtomicU64::new(0),
        }
    }

    pub(crate) fn log(&self) -> MutexGuard<'_, CallLog> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn clear_log(&self) {
        self.log().clear();
    }

    /// The lines logged since the last take (a line left unfinished on
    /// stdout or stderr ends here), and how many were dropped.
    pub(crate) fn take_log(&self) -> (Vec<String>, u32) {
        self.log().take()
    }

    pub(crate) fn tick(&self) -> u64 {
        self.tick.load(Ordering::Relaxed)
    }

    pub(crate) fn set_tick(&self, tick: u64) {
        self.tick.store(tick, Ordering::Relaxed);
    }

    pub(crate) fn fuel_base(&self) -> u64 {
        self.fuel_base.load(Ordering::Relaxed)
    }

    /// Also the start of a call for the host's watchdog readings.
    pub(crate) fn set_fuel_base(&self, fuel: u64) {
        self.fuel_base.store(fuel, Ordering::Relaxed);
        self.clock_due
            .store(fuel.saturating_sub(WATCHDOG_SLICE), Ordering::Relaxed);
    }

    /// Under `resume`: adds `cost` to the debt, or refuses (`false`) if the
    /// debt would pass the limit, leaving it as it was.
    pub(crate) fn charge_debt(&self, cost: u64) -> bool {
        let debt = self.debt.load(Ordering::Relaxed);
        let limit = self.debt_limit.load(Ordering::Relaxed);
        match debt.checked_add(cost) {
            Some(total) if total <= limit => {
                self.debt.store(total, Ordering::Relaxed);
                true
            }
            _ => false,
        }
    }

    pub(crate) fn debt(&self) -> u64 {
        self.debt.load(Ordering::Relaxed)
    }

    /// Pays up to `fuel` of the debt; returns what was paid.
    pub(crate) fn pay_debt(&self, fuel: u64) -> u64 {
        let debt = self.debt.load(Ordering::Relaxed);
        let paid = debt.min(fuel);
        self.debt.store(debt - paid, Ordering::Relaxed);
        paid
    }

    pub(crate) fn set_debt_limit(&self, limit: u64) {
        self.debt_limit.store(limit, Ordering::Relaxed);
    }
}

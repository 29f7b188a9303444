//! The suspendable tick call of the `resume` overrun policy.
//!
//! A call that runs out of its tick's fuel is suspended, not killed, and
//! continues at the next tick from where it stopped. Wasmtime does this with
//! fibers: the store's fuel is set to a reserve that never runs out and
//! `fuel_async_yield_interval(segment_fuel)` makes the call yield each time
//! it has spent exactly `segment_fuel` more (wasmtime refuels *before* it
//! yields, so every segment is one whole interval, and the interval cannot
//! change during the call). The call is `TypedFunc::call_async`, polled by
//! hand with a no-op waker: each `Pending` is one segment spent. No executor,
//! no other kind of yield (no async host functions, limiter or epoch yield).
//!
//! While suspended, the future owns the store, so the host reaches the call
//! only through [`Shared`](super::instance::Shared): the log lines of this
//! tick's segments, and the watchdog's deadline. The watchdog times each
//! segment, not the whole call: before each poll the host moves the deadline
//! to `now + watchdog`, and the call's future reads the wall clock each time
//! the segment yields: past the deadline it drops the wasm call (which
//! unwinds it, as in `instance.rs`) and ends with wasmtime's `Interrupt`
//! trap, the store still its own. The yield interval is really a slice of
//! the segment (`slice_of`: the largest divisor of the segment no larger
//! than `WATCHDOG_SLICE`), so the clock is read every slice, and a segment
//! is a whole number of slices: each `Pending` is one slice spent.
//!
//! A store that has made a suspendable call must make only suspendable calls
//! from then on (wasmtime's rule), so the `skip` and `reset` policies never
//! come here and keep their plain synchronous calls.
//!
//! Host functions cannot take their fuel from the store here: `set_fuel`
//! would restart the running segment at a whole interval, so a bot calling
//! the host often would never be suspended. They run up a debt in
//! [`Shared`](super::host::Shared) instead (`host::charge`), which this loop
//! pays before the bot runs again, one whole segment at a time, and which
//! the tick the call ends reports with the rest of its fuel.

use super::host::{HostState, Shared};
use super::instance::{
    BotInstance, Exports, exhausted_or, outcome_of_error, read_output, write_input,
};
use super::outcome::{CallReport, Outcome};
use super::{WATCHDOG_SLICE, wall_ns};
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use wasmtime::{Error, Store, Trap};

/// The fuel a suspendable call starts with: more than any match can spend,
/// so the call is only ever suspended, never cut off for fuel.
const RESERVE: u64 = u64::MAX / 4;

type CallFuture = Pin<Box<dyn Future<Output = Finished> + Send>>;

/// A tick call waiting for its next segment.
pub(crate) struct Suspended {
    /// Owns the store until the call ends.
    future: CallFuture,
    /// The call's segment size (the yield interval it started with).
    segment_fuel: u64,
    /// The call's yield interval: a divisor of `segment_fuel`.
    slice_fuel: u64,
    /// Fuel reported so far on the ticks the call was suspended at.
    charged: u64,
    /// The segments the bot's own code has run, in fuel (the store's fuel
    /// has gone down by at least this much).
    wasm_segments: u64,
    /// Host debt paid so far.
    debt_paid: u64,
}

/// A suspendable call that has ended: the store comes back with the outcome.
struct Finished {
    store: Store<HostState>,
    outcome: Result<Outcome, Error>,
    output: Vec<u8>,
}

impl BotInstance {
    /// Whether a tick call is suspended, waiting to continue.
    pub fn is_suspended(&self) -> bool {
        self.suspended.is_some()
    }

    /// `lockstep_tick` under the `resume` policy: a call that can be suspended.
    ///
    /// With no call suspended, starts one with `message` (input written as by
    /// [`Self::call_tick`]); with one suspended, ignores `message` and
    /// continues it. Runs at most `segments` segments of exactly
    /// `segment_fuel` each (a suspended call keeps the size it started with).
    /// Returns `Suspended` if the call has not ended by then, with the
    /// segments' fuel as `fuel_used`; otherwise the call's outcome (on `Ok`,
    /// [`Self::output`] holds the bytes), with the fuel this tick's segments
    /// used. Logs are those of this tick's segments. The watchdog times each
    /// segment on its own.
    ///
    /// Once an instance has made such a call, it can make no other kind.
    /// With `segment_fuel` or `segments` 0 nothing runs: a new call is cut off
    /// `OutOfFuel`, a suspended one stays suspended.
    pub fn call_tick_resumable(
        &mut self,
        message: &[u8],
        segment_fuel: u64,
        segments: u32,
    ) -> CallReport {
        self.shared.clear_log();
        if self.suspended.is_none() {
            if segment_fuel == 0 || segments == 0 {
                return self.report(Outcome::OutOfFuel, 0);
            }
            if let Err(e) = self.start(message, segment_fuel) {
                return self.report(outcome_of_error(&e, self.exports.overflow_function), 0);
            }
        }
        if segments == 0 {
            return self.report(Outcome::Suspended, 0);
        }
        self.poll(segments)
    }

    fn report(&mut self, outcome: Outcome, fuel_used: u64) -> CallReport {
        let (logs, logs_dropped) = self.shared.take_log();
        CallReport {
            outcome,
            fuel_used,
            logs,
            logs_dropped,
        }
    }

    /// Sets the store up for a suspendable call and wraps the call in a future.
    fn start(&mut self, message: &[u8], segment_fuel: u64) -> Result<(), Error> {
        let mut store = self
            .store
            .take()
            .expect("no call is suspended, so the instance holds its store");
        let slice_fuel = slice_of(segment_fuel);
        let fuel = store
            .fuel_async_yield_interval(Some(slice_fuel))
            .and_then(|()| store.set_fuel(RESERVE))
            .and_then(|()| self.exports.reset_stack_depth(&mut store));
        self.resumable = true;
        if let Err(e) = fuel {
            self.store = Some(store);
            return Err(e);
        }
        store.data_mut().memory_refused = false;
        store.data_mut().resumable = true;
        self.output.clear();
        let future = Box::pin(run(
            store,
            Arc::clone(&self.shared),
            self.exports.clone(),
            self.max_output_bytes,
            message.to_vec(),
            std::mem::take(&mut self.output),
        ));
        self.suspended = Some(Suspended {
            future,
            segment_fuel,
            slice_fuel,
            charged: 0,
            wasm_segments: 0,
            debt_paid: 0,
        });
        Ok(())
    }

    /// Runs the suspended call for up to `segments` segments, paying its
    /// host debt first.
    fn poll(&mut self, segments: u32) -> CallReport {
        let call = self
            .suspended
            .as_mut()
            .expect("a call was started or is suspended");
        let segment = call.segment_fuel;
        let granted = u64::from(segments) * segment;
        // Host work this tick can never be more than the tick could pay.
        self.shared.set_debt_limit(granted);
        // The virtual clock counts this tick's fuel from here.
        self.shared
            .set_fuel_base(RESERVE.saturating_sub(call.wasm_segments));
        let mut context = Context::from_waker(Waker::noop());
        let mut left = segments;
        let finished = loop {
            if left == 0 {
                break None;
            }
            left -= 1;
            if self.shared.debt() >= segment {
                call.debt_paid += self.shared.pay_debt(segment);
                continue;
            }
            // The watchdog's whole deadline for each segment.
            self.shared.deadline.store(
                wall_ns().saturating_add(self.watchdog_ns),
                Ordering::Relaxed,
            );
            // One segment: its slices, each ending in a `Pending` (the
            // watchdog reads the clock there, see `run`).
            let mut slices = segment / call.slice_fuel;
            let ready = loop {
                match call.future.as_mut().poll(&mut context) {
                    Poll::Ready(finished) => break Some(finished),
                    Poll::Pending if slices > 1 => slices -= 1,
                    Poll::Pending => break None,
                }
            };
            match ready {
                Some(finished) => break Some(finished),
                None => call.wasm_segments += segment,
            }
        };
        let Some(Finished {
            store,
            outcome,
            output,
        }) = finished
        else {
            call.charged += granted;
            return self.report(Outcome::Suspended, granted);
        };
        // The whole call used its wasm fuel (`RESERVE - fuel left`) and its
        // host debt; the earlier ticks were charged whole segments. What a
        // segment ran past its end before the next fuel check (a few units,
        // as in a call cut off `OutOfFuel`) and debt past the grant are not
        // reported: a tick never reports more than it was granted.
        let wasm = RESERVE.saturating_sub(store.get_fuel().unwrap_or(0));
        let debt = call.debt_paid + self.shared.pay_debt(u64::MAX);
        let fuel_used = (wasm + debt).saturating_sub(call.charged).min(granted);
        let overflow_function = self.exports.overflow_function;
        let outcome = outcome.unwrap_or_else(|e| outcome_of_error(&e, overflow_function));
        let outcome = exhausted_or(outcome, store.data().memory_refused);
        self.suspended = None;
        self.store = Some(store);
        self.output = output;
        self.report(outcome, fuel_used)
    }
}

/// The yield interval of a call whose segments are `segment` fuel: the
/// largest divisor of `segment` no larger than [`WATCHDOG_SLICE`], so that the
/// watchdog reads the clock at least every slice and a segment is a whole
/// number of slices; `segment` itself when it is no larger, or when it has
/// no divisor between a sixteenth of the slice and the slice (a prime number
/// of fuel, say: the clock is then read once per segment, so settings and
/// `Match::new` refuse such a `tick_fuel` under `resume`, see
/// [`watchdog_slices_fit`]).
pub fn slice_of(segment: u64) -> u64 {
    if segment <= WATCHDOG_SLICE {
        return segment;
    }
    // At most 937,501 remainders (a few milliseconds), once per process for
    // each segment size: the match loop asks for every tick.
    static KNOWN: Mutex<Vec<(u64, u64)>> = Mutex::new(Vec::new());
    let mut known = KNOWN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(&(_, slice)) = known.iter().find(|(s, _)| *s == segment) {
        return slice;
    }
    let slice = (WATCHDOG_SLICE / 16..=WATCHDOG_SLICE)
        .rev()
        .find(|d| segment.is_multiple_of(*d))
        .unwrap_or(segment);
    if known.len() == 64 {
        known.remove(0);
    }
    known.push((segment, slice));
    slice
}

/// Whether a suspendable call with segments of `segment` fuel lets the
/// watchdog read the clock at least every [`WATCHDOG_SLICE`] fuel.
pub fn watchdog_slices_fit(segment: u64) -> bool {
    slice_of(segment) <= WATCHDOG_SLICE
}

/// The whole suspendable call, owning everything it touches.
async fn run(
    mut store: Store<HostState>,
    shared: Arc<Shared>,
    exports: Exports,
    max_output_bytes: u32,
    message: Vec<u8>,
    mut output: Vec<u8>,
) -> Finished {
    let outcome = {
        let mut call = pin!(call(
            &mut store,
            &exports,
            max_output_bytes,
            &message,
            &mut output,
        ));
        // The watchdog, at the end of each segment: past the deadline the
        // call's future is dropped with this block, which unwinds the wasm.
        std::future::poll_fn(|context| match call.as_mut().poll(context) {
            Poll::Pending if wall_ns() >= shared.deadline.load(Ordering::Relaxed) => {
                Poll::Ready(Err(Trap::Interrupt.into()))
            }
            other => other,
        })
        .await
    };
    Finished {
        store,
        outcome,
        output,
    }
}

/// `lockstep_alloc`, the input, `lockstep_tick`, the output: as in
/// `BotInstance::call_tick`, each wasm call able to yield.
async fn call(
    store: &mut Store<HostState>,
    exports: &Exports,
    max_output_bytes: u32,
    message: &[u8],
    output: &mut Vec<u8>,
) -> Result<Outcome, Error> {
    let len = message.len() as i32;
    let ptr = exports.alloc.call_async(&mut *store, len).await? as u32;
    let ptr = match write_input(store, exports.memory, ptr, message) {
        Ok(ptr) => ptr,
        Err(bad_alloc) => return Ok(bad_alloc),
    };
    let word = exports
        .tick
        .call_async(&mut *store, (ptr as i32, len))
        .await?;
    Ok(read_output(
        store,
        exports.memory,
        max_output_bytes,
        word,
        output,
    ))
}

#[cfg(test)]
mod tests {
    use super::{WATCHDOG_SLICE, slice_of};

    #[test]
    fn slices_divide_the_segment() {
        assert_eq!(WATCHDOG_SLICE, 1_000_000);
        assert_eq!(slice_of(100), 100);
        assert_eq!(slice_of(1_000_000), 1_000_000);
        assert_eq!(slice_of(20_000_000), 1_000_000);
        assert_eq!(slice_of(10_000_000_000), 1_000_000);
        assert_eq!(slice_of(1_500_000), 750_000);
        // A prime: no divisor near the slice, so one slice per segment.
        assert_eq!(slice_of(1_000_003), 1_000_003);
        assert!(!super::watchdog_slices_fit(1_000_003));
        // Powers of two up to the largest budget the config allows.
        assert_eq!(slice_of(1 << 35), 1 << 19);
        assert_eq!(slice_of(1 << 50), 1 << 19);
        assert!(super::watchdog_slices_fit(1 << 50));
        for segment in [1, 7, 999_999, 1_000_001, 12_345_678, u64::MAX / 4] {
            let slice = slice_of(segment);
            assert_eq!(segment % slice, 0, "{segment}");
            assert!(slice <= WATCHDOG_SLICE || slice == segment, "{segment}");
        }
    }
}

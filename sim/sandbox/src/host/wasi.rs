//! WASI preview 1, deterministically: the process-level functions (arguments,
//! environment, clocks, random bytes, exit, sockets). Descriptors are in
//! `fd.rs`, `poll_oneoff` in `poll.rs`. docs/abi.md ("WASI,
//! deterministically") gives every function's exact answer.

use super::guest::{self, Guest};
use super::{HostContext, HostState, WASI_MODULE, charge, fuel_spent_this_tick};
use crate::costs::{HOST_CALL_FUEL, RANDOM_BYTE_FUEL};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use wasmtime::{Caller, Error, Linker};

/// The virtual wall clock's reading at the start of a match:
/// 2026-01-01T00:00:00Z, in nanoseconds since the Unix epoch.
pub const VIRTUAL_EPOCH_NS: u64 = 1_767_225_600_000_000_000;
/// How far the virtual clock moves from one tick to the next: 100 ms.
/// Within a tick it moves one nanosecond per unit of fuel the bot spends.
pub const VIRTUAL_TICK_NS: u64 = 100_000_000;

/// WASI's error numbers, those the host answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub(crate) enum Errno {
    Badf = 8,
    Fault = 21,
    Inval = 28,
    Nosys = 52,
    Notdir = 54,
    Notsock = 57,
    Notsup = 58,
    Spipe = 70,
}

impl Errno {
    pub(crate) fn code(self) -> i32 {
        self as i32
    }
}

/// `proc_exit(code)` was called: the call ends here, with its own outcome.
#[derive(Debug, thiserror::Error)]
#[error("the bot called proc_exit({0})")]
pub(crate) struct ProcExit(pub i32);

/// What WASI keeps per instance.
pub(crate) struct WasiState {
    pub(crate) clock: VirtualClock,
    pub(crate) random: ChaCha8Rng,
    /// `fd_close` was called on descriptor 0, 1 or 2.
    pub(crate) closed: [bool; 3],
}

impl WasiState {
    pub(crate) fn new(context: &HostContext) -> WasiState {
        let mut random = ChaCha8Rng::from_seed(context.random_seed);
        random.set_stream(context.instance_number);
        WasiState {
            clock: VirtualClock::default(),
            random,
            closed: [false; 3],
        }
    }
}

/// The bot's sense of time: ticks, and the fuel it spends within one.
#[derive(Default)]
pub(crate) struct VirtualClock {
    last: Option<u64>,
}

impl VirtualClock {
    /// Nanoseconds since the match began: the tick's start plus the fuel
    /// spent in it, and always past the last reading (so two readings are
    /// never equal and time never goes back within an instance).
    pub(crate) fn read(&mut self, tick: u64, fuel_spent: u64) -> u64 {
        let now = tick
            .saturating_mul(VIRTUAL_TICK_NS)
            .saturating_add(fuel_spent);
        let now = match self.last {
            Some(last) => now.max(last.saturating_add(1)),
            None => now,
        };
        self.last = Some(now);
        now
    }

    /// A sleep until `deadline` (`poll_oneoff`): later readings are past it.
    pub(crate) fn advance_to(&mut self, deadline: u64) {
        self.last = Some(self.last.map_or(deadline, |last| last.max(deadline)));
    }
}

/// A clock id's reading in its own terms, or `EINVAL` for an unknown id:
/// realtime (0) counts from the virtual epoch, the monotonic and CPU-time
/// clocks (1, 2, 3) from the start of the match.
pub(crate) fn clock_value(id: u32, since_start: u64) -> Result<u64, Errno> {
    match id {
        0 => Ok(VIRTUAL_EPOCH_NS.saturating_add(since_start)),
        1..=3 => Ok(since_start),
        _ => Err(Errno::Inval),
    }
}

/// The shape of most WASI functions: charge `cost`, then run `body` on the
/// bot's memory and host state; an `Err` is the errno returned.
pub(super) fn call(
    caller: &mut Caller<'_, HostState>,
    cost: u64,
    body: impl FnOnce(&mut Guest<'_>, &mut HostState) -> Result<(), Errno>,
) -> Result<i32, Error> {
    charge(caller, cost)?;
    Ok(on_memory(caller, body))
}

/// Runs `body` on the bot's memory and host state, without charging.
pub(super) fn on_memory(
    caller: &mut Caller<'_, HostState>,
    body: impl FnOnce(&mut Guest<'_>, &mut HostState) -> Result<(), Errno>,
) -> i32 {
    let Some(memory) = guest::memory(caller) else {
        return Errno::Fault.code();
    };
    let (bytes, state) = memory.data_and_store_mut(caller);
    match body(&mut Guest::new(bytes), state) {
        Ok(()) => 0,
        Err(errno) => errno.code(),
    }
}

/// A function that only answers: it charges the base cost and returns `errno`.
fn answer(caller: &mut Caller<'_, HostState>, errno: Result<(), Errno>) -> Result<i32, Error> {
    charge(caller, HOST_CALL_FUEL)?;
    Ok(errno.err().map_or(0, Errno::code))
}

/// Descriptors 0, 1 and 2 get `stdio`'s answer; every other descriptor is
/// closed (`EBADF`): a bot has no files and no sockets.
pub(super) fn by_fd(fd: i32, stdio: Errno) -> Result<(), Errno> {
    Err(if (0..=2).contains(&fd) {
        stdio
    } else {
        Errno::Badf
    })
}

pub(super) fn define(linker: &mut Linker<HostState>) -> Result<(), Error> {
    let m = WASI_MODULE;
    // No arguments and no environment: counts of zero, nothing to copy.
    for (list, sizes) in [
        ("args_get", "args_sizes_get"),
        ("environ_get", "environ_sizes_get"),
    ] {
        linker.func_wrap(m, list, |mut c: Caller<'_, HostState>, _: i32, _: i32| {
            answer(&mut c, Ok(()))
        })?;
        linker.func_wrap(
            m,
            sizes,
            |mut c: Caller<'_, HostState>, count: i32, bytes: i32| {
                call(&mut c, HOST_CALL_FUEL, |guest, _| {
                    guest.write_u32(count as u32, 0)?;
                    guest.write_u32(bytes as u32, 0)
                })
            },
        )?;
    }
    linker.func_wrap(
        m,
        "clock_res_get",
        |mut c: Caller<'_, HostState>, id: i32, out: i32| {
            call(&mut c, HOST_CALL_FUEL, |guest, _| {
                clock_value(id as u32, 0)?;
                guest.write_u64(out as u32, 1)
            })
        },
    )?;
    linker.func_wrap(
        m,
        "clock_time_get",
        |mut c: Caller<'_, HostState>, id: i32, _precision: i64, out: i32| {
            charge(&mut c, HOST_CALL_FUEL)?;
            let (tick, spent) = (c.data().shared.tick(), fuel_spent_this_tick(&c));
            Ok(on_memory(&mut c, |guest, state| {
                // Check the id and the pointer before the reading counts.
                clock_value(id as u32, 0)?;
                guest.read(out as u32, 8)?;
                let now = state.wasi.clock.read(tick, spent);
                guest.write_u64(out as u32, clock_value(id as u32, now)?)
            }))
        },
    )?;
    linker.func_wrap(m, "random_get", random_get)?;
    linker.func_wrap(
        m,
        "proc_exit",
        |_: Caller<'_, HostState>, code: i32| -> Result<(), Error> {
            Err(Error::new(ProcExit(code)))
        },
    )?;
    linker.func_wrap(m, "proc_raise", |mut c: Caller<'_, HostState>, _: i32| {
        answer(&mut c, Err(Errno::Nosys))
    })?;
    linker.func_wrap(m, "sched_yield", |mut c: Caller<'_, HostState>| {
        answer(&mut c, Ok(()))
    })?;
    // Sockets: none. Descriptors 0-2 are not sockets; the rest do not exist.
    linker.func_wrap(
        m,
        "sock_accept",
        |mut c: Caller<'_, HostState>, fd: i32, _: i32, _: i32| {
            answer(&mut c, by_fd(fd, Errno::Notsock))
        },
    )?;
    linker.func_wrap(
        m,
        "sock_recv",
        |mut c: Caller<'_, HostState>, fd: i32, _: i32, _: i32, _: i32, _: i32, _: i32| {
            answer(&mut c, by_fd(fd, Errno::Notsock))
        },
    )?;
    linker.func_wrap(
        m,
        "sock_send",
        |mut c: Caller<'_, HostState>, fd: i32, _: i32, _: i32, _: i32, _: i32| {
            answer(&mut c, by_fd(fd, Errno::Notsock))
        },
    )?;
    linker.func_wrap(
        m,
        "sock_shutdown",
        |mut c: Caller<'_, HostState>, fd: i32, _: i32| answer(&mut c, by_fd(fd, Errno::Notsock)),
    )?;
    Ok(())
}

/// `random_get(buf, len)`: the next `len` bytes of the bot's own ChaCha
/// stream. Checked before it is charged, charged before it is done: a
/// request past the bot's memory is `EFAULT` for the base cost, one it
/// cannot pay for ends the call.
fn random_get(mut caller: Caller<'_, HostState>, buf: i32, len: i32) -> Result<i32, Error> {
    let (buf, len) = (buf as u32, len as u32);
    let in_bounds = on_memory(&mut caller, |guest, _| guest.read(buf, len).map(|_| ()));
    if in_bounds != 0 {
        return answer(&mut caller, Err(Errno::Fault));
    }
    let cost = HOST_CALL_FUEL.saturating_add(u64::from(len).saturating_mul(RANDOM_BYTE_FUEL));
    call(&mut caller, cost, |guest, state| {
        state.wasi.random.fill_bytes(guest.slice_mut(buf, len)?);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_follows_ticks_and_fuel_and_never_stands_still() {
        let mut clock = VirtualClock::default();
        assert_eq!(clock.read(0, 0), 0);
        assert_eq!(clock.read(0, 0), 1, "a second reading is later");
        assert_eq!(clock.read(0, 500), 500);
        assert_eq!(clock.read(3, 10), 3 * VIRTUAL_TICK_NS + 10);
        assert_eq!(clock.read(1, 0), 3 * VIRTUAL_TICK_NS + 11, "never back");
        clock.advance_to(7 * VIRTUAL_TICK_NS);
        assert_eq!(clock.read(4, 0), 7 * VIRTUAL_TICK_NS + 1);
    }

    #[test]
    fn clock_ids() {
        assert_eq!(clock_value(0, 5), Ok(VIRTUAL_EPOCH_NS + 5));
        for id in 1..=3 {
            assert_eq!(clock_value(id, 5), Ok(5));
        }
        assert_eq!(clock_value(4, 5), Err(Errno::Inval));
    }

    #[test]
    fn each_instance_number_has_its_own_random_stream() {
        let context = HostContext {
            random_seed: [7; 32],
            ..HostContext::default()
        };
        let bytes = |context: &HostContext| {
            let mut buf = [0u8; 16];
            WasiState::new(context).random.fill_bytes(&mut buf);
            buf
        };
        let next = HostContext {
            instance_number: 1,
            ..context
        };
        assert_eq!(bytes(&context), bytes(&context));
        assert_ne!(bytes(&context), bytes(&next));
    }
}

//! `poll_oneoff`, deterministically: nothing ever waits. Standard
//! descriptors are always ready (stdin at its end, stdout and stderr
//! writable); with none asked for, a sleep moves the virtual clock to the
//! earliest deadline and returns at once. So Go's scheduler, `sleep()` in
//! C and Rust's `thread::sleep` all work, and cost fuel, not time.

use super::wasi::{Errno, call, clock_value};
use super::{HostState, WASI_MODULE, fuel_spent_this_tick};
use crate::costs::{HOST_CALL_FUEL, POLL_SUBSCRIPTION_FUEL};
use crate::host::guest::Guest;
use wasmtime::{Caller, Error, Linker};

/// Most subscriptions in one call; more is `EINVAL`.
const MAX_SUBSCRIPTIONS: u32 = 1024;
const SUBSCRIPTION_BYTES: u32 = 48;
const EVENT_BYTES: u32 = 32;

const EVENT_CLOCK: u8 = 0;
const EVENT_FD_READ: u8 = 1;
const EVENT_FD_WRITE: u8 = 2;
/// `subclockflags::subscription_clock_abstime`.
const ABSTIME: u16 = 1;
/// `eventrwflags::fd_readwrite_hangup`: stdin has no more to give.
const HANGUP: u16 = 1;
/// What a ready stdout or stderr says it can take.
const WRITABLE_BYTES: u64 = 1 << 16;

/// One subscription, as read from the bot's memory.
enum Subscription {
    /// A deadline on the virtual monotonic clock; `Err` for a bad clock id.
    Clock(Result<u64, Errno>),
    Read(i32),
    Write(i32),
}

/// One event to report.
struct Event {
    userdata: u64,
    error: Errno16,
    kind: u8,
    nbytes: u64,
    flags: u16,
}

/// An event's error: 0, or an errno.
type Errno16 = u16;

pub(super) fn define(linker: &mut Linker<HostState>) -> Result<(), Error> {
    linker.func_wrap(WASI_MODULE, "poll_oneoff", poll_oneoff)?;
    Ok(())
}

fn poll_oneoff(
    mut caller: Caller<'_, HostState>,
    subscriptions: i32,
    events: i32,
    count: i32,
    nevents: i32,
) -> Result<i32, Error> {
    let count = count as u32;
    let cost = HOST_CALL_FUEL
        .saturating_add(u64::from(count.min(MAX_SUBSCRIPTIONS)) * POLL_SUBSCRIPTION_FUEL);
    let tick = caller.data().shared.tick();
    let spent = fuel_spent_this_tick(&caller);
    call(&mut caller, cost, |guest, state| {
        if count == 0 || count > MAX_SUBSCRIPTIONS {
            return Err(Errno::Inval);
        }
        guest.read(events as u32, count * EVENT_BYTES)?;
        guest.read(nevents as u32, 4)?;
        let now = state.wasi.clock.read(tick, spent);
        let mut subscribed = Vec::with_capacity(count as usize);
        for i in 0..count {
            let at = (subscriptions as u32)
                .checked_add(i * SUBSCRIPTION_BYTES)
                .ok_or(Errno::Fault)?;
            subscribed.push((guest.u64(at)?, read_subscription(guest, at, now)?));
        }
        let ready = answer(&subscribed, now);
        // Sleeping: the clock moves to the deadline it waited for.
        if let Some(deadline) = ready.iter().find_map(|e| e.deadline) {
            state.wasi.clock.advance_to(deadline);
        }
        for (i, event) in ready.iter().enumerate() {
            write_event(guest, events as u32 + i as u32 * EVENT_BYTES, &event.event)?;
        }
        guest.write_u32(nevents as u32, ready.len() as u32)
    })
}

fn read_subscription(guest: &Guest<'_>, at: u32, now: u64) -> Result<Subscription, Errno> {
    Ok(match guest.u8(at + 8)? {
        EVENT_CLOCK => {
            let id = guest.u32(at + 16)?;
            let timeout = guest.u64(at + 24)?;
            let flags = guest.u16(at + 40)?;
            Subscription::Clock(clock_value(id, 0).map(|zero| {
                if flags & ABSTIME != 0 {
                    // An absolute time on that clock, as time since the start.
                    timeout.saturating_sub(zero)
                } else {
                    now.saturating_add(timeout)
                }
            }))
        }
        EVENT_FD_READ => Subscription::Read(guest.u32(at + 16)? as i32),
        EVENT_FD_WRITE => Subscription::Write(guest.u32(at + 16)? as i32),
        _ => return Err(Errno::Inval),
    })
}

struct Ready {
    event: Event,
    /// For a clock event: the deadline it fired at.
    deadline: Option<u64>,
}

/// The events to report, in subscription order. Descriptor events are
/// ready at once; if there are none, the earliest deadline fires (with
/// every deadline no later than it), as if the bot had slept until then.
fn answer(subscribed: &[(u64, Subscription)], now: u64) -> Vec<Ready> {
    let fd_event = |userdata, fd, kind| {
        let (error, nbytes, flags) = match (kind, fd) {
            (EVENT_FD_READ, 0) => (0, 0, HANGUP),
            (EVENT_FD_WRITE, 1 | 2) => (0, WRITABLE_BYTES, 0),
            _ => (Errno::Badf as u16, 0, 0),
        };
        Ready {
            event: Event {
                userdata,
                error,
                kind,
                nbytes,
                flags,
            },
            deadline: None,
        }
    };
    let clock_event = |userdata, error: u16, deadline| Ready {
        event: Event {
            userdata,
            error,
            kind: EVENT_CLOCK,
            nbytes: 0,
            flags: 0,
        },
        deadline,
    };
    let mut ready: Vec<Ready> = Vec::new();
    for (userdata, subscription) in subscribed {
        match subscription {
            Subscription::Read(fd) => ready.push(fd_event(*userdata, *fd, EVENT_FD_READ)),
            Subscription::Write(fd) => ready.push(fd_event(*userdata, *fd, EVENT_FD_WRITE)),
            Subscription::Clock(Err(errno)) => {
                ready.push(clock_event(*userdata, *errno as u16, None))
            }
            Subscription::Clock(Ok(_)) => {}
        }
    }
    // With something ready now, only deadlines already past fire.
    let wake = if ready.is_empty() {
        subscribed
            .iter()
            .filter_map(|(_, s)| match s {
                Subscription::Clock(Ok(deadline)) => Some(*deadline),
                _ => None,
            })
            .min()
            .map_or(now, |earliest| earliest.max(now))
    } else {
        now
    };
    for (userdata, subscription) in subscribed {
        if let Subscription::Clock(Ok(deadline)) = subscription
            && *deadline <= wake
        {
            ready.push(clock_event(*userdata, 0, Some(wake)));
        }
    }
    ready
}

fn write_event(guest: &mut Guest<'_>, at: u32, event: &Event) -> Result<(), Errno> {
    // event: userdata u64 @0, error u16 @8, type u8 @10, nbytes u64 @16, flags u16 @24.
    let mut bytes = [0u8; EVENT_BYTES as usize];
    bytes[0..8].copy_from_slice(&event.userdata.to_le_bytes());
    bytes[8..10].copy_from_slice(&event.error.to_le_bytes());
    bytes[10] = event.kind;
    bytes[16..24].copy_from_slice(&event.nbytes.to_le_bytes());
    bytes[24..26].copy_from_slice(&event.flags.to_le_bytes());
    guest.write(at, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(ready: &[Ready]) -> Vec<(u64, u8, u16)> {
        ready
            .iter()
            .map(|r| (r.event.userdata, r.event.kind, r.event.error))
            .collect()
    }

    #[test]
    fn a_sleep_fires_the_earliest_deadline_and_those_before_it() {
        let subscribed = [
            (1, Subscription::Clock(Ok(500))),
            (2, Subscription::Clock(Ok(300))),
            (3, Subscription::Clock(Ok(300))),
        ];
        let ready = answer(&subscribed, 100);
        assert_eq!(kinds(&ready), [(2, 0, 0), (3, 0, 0)]);
        assert!(ready.iter().all(|r| r.deadline == Some(300)));
    }

    #[test]
    fn ready_descriptors_answer_without_sleeping() {
        let subscribed = [
            (1, Subscription::Clock(Ok(500))),
            (2, Subscription::Read(0)),
            (3, Subscription::Write(7)),
        ];
        let ready = answer(&subscribed, 100);
        assert_eq!(
            kinds(&ready),
            [
                (2, EVENT_FD_READ, 0),
                (3, EVENT_FD_WRITE, Errno::Badf as u16)
            ]
        );
        assert_eq!(ready[0].event.flags, HANGUP);
    }

    #[test]
    fn a_deadline_in_the_past_fires_now() {
        let ready = answer(&[(9, Subscription::Clock(Ok(10)))], 100);
        assert_eq!(ready[0].deadline, Some(100));
    }
}

//! The accept loop: every TCP connection the server takes, under a cap on
//! the connections open at once (`[server] max_connections`) and on those of
//! one client address (`max_connections_per_address`), with room kept in
//! the process's open-file limit for the server's own files
//! ([`fit_open_files`]). What happens on a connection, its timeouts, is
//! `conn.rs`.
//!
//! **Over a cap** a connection is accepted, answered at once with a short
//! `503 Service Unavailable` (`Retry-After: 1`, `Connection: close`, a line
//! saying which cap) and closed: it costs a descriptor for a moment, never
//! a task, and the client learns why rather than waiting in the kernel's
//! queue. A client that had already sent its request may see the
//! connection reset instead of the answer.
//!
//! **Out of descriptors** anyway (something else used them: EMFILE,
//! ENFILE; or out of memory), `accept` fails without taking the connection
//! off the queue: the loop pauses [`ACCEPT_BACKOFF`] and tries again,
//! rather than spinning on the error, and goes on as soon as descriptors
//! are free again. Refusals and accept errors are logged at most once per
//! [`LOG_EVERY`] each, with how many there were.

use crate::config::ServerConfig;
use crate::conn::{self, Timeouts};
use crate::metrics::ConnectionMetrics;
use axum::Router;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

/// The pause after an accept error that is not one connection's.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// At most one warning this often for each kind of refusal or accept error.
const LOG_EVERY: Duration = Duration::from_secs(10);
/// Fewer connections than this beside the reserved descriptors, and the
/// server refuses to start.
const MIN_CONNECTIONS: u64 = 16;

/// The caps in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Connections open at once.
    pub max: usize,
    /// Connections of one client address open at once.
    pub per_address: usize,
}

/// Descriptors kept for everything but connections: about 25 are open with
/// one ladder worker (the database and its WAL, stdio and the log, the
/// runtime's event queues, the sandbox); each match being played (by the
/// ladder's and the challenges' workers, or recorded again) reads modules
/// and writes a replay, each upload writes a file, and a connection
/// refused over the cap needs one for a moment.
pub fn reserved_descriptors(config: &ServerConfig) -> u64 {
    let matches = config.ladder_workers + config.challenges.workers + config.rerecording.at_once;
    64 + 4 * matches as u64 + 2 * config.uploads_at_once as u64
}

/// `[server] max_connections`, fitted into the process's open-file limit
/// (`RLIMIT_NOFILE`) beside [`reserved_descriptors`]: the soft limit is
/// raised as far as needed (never past the hard one); a cap that still does
/// not fit is lowered, with a warning; a limit with room for fewer than 16
/// connections is an error for the operator.
pub fn fit_open_files(config: &ServerConfig) -> Result<Limits, String> {
    let wanted = config.connections.max as u64;
    let reserved = reserved_descriptors(config);
    let max = match open_file_limit() {
        None => wanted,
        Some((soft, hard)) => {
            let target = wanted.saturating_add(reserved).min(hard);
            let limit = if target > soft {
                match raise_open_file_limit(target) {
                    Ok(()) => target,
                    Err(error) => {
                        tracing::warn!(%error, soft, target, "cannot raise the open-file limit");
                        soft
                    }
                }
            } else {
                soft
            };
            let max = fit(wanted, reserved, limit)?;
            if max < wanted {
                tracing::warn!(
                    "[server] max_connections = {wanted} does not fit the open-file limit \
                     (ulimit -n: {limit}) beside the {reserved} descriptors kept for the \
                     server's own files: at most {max} connections at once (raise the \
                     limit, e.g. LimitNOFILE= in a systemd unit, to allow more)"
                );
            }
            max
        }
    };
    let max = max as usize;
    let limits = Limits {
        max,
        per_address: config.connections.per_address.min(max),
    };
    tracing::info!(
        max = limits.max,
        per_address = limits.per_address,
        reserved,
        "connections"
    );
    Ok(limits)
}

/// The cap for `wanted` connections with `reserved` descriptors kept
/// under an open-file `limit`.
fn fit(wanted: u64, reserved: u64, limit: u64) -> Result<u64, String> {
    let room = limit.saturating_sub(reserved);
    if room < MIN_CONNECTIONS.min(wanted) {
        return Err(format!(
            "the open-file limit (ulimit -n) is {limit}: too low to serve. The server keeps \
             {reserved} descriptors for its own files and needs room for at least \
             {MIN_CONNECTIONS} connections beside them: raise it to {} or more",
            reserved + MIN_CONNECTIONS
        ));
    }
    Ok(wanted.min(room))
}

/// (soft, hard) `RLIMIT_NOFILE`; unlimited reads as `u64::MAX`.
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)] // `rlim_t` is not `u64` everywhere
fn open_file_limit() -> Option<(u64, u64)> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the struct it is given, nothing else.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    ok.then_some((limit.rlim_cur as u64, limit.rlim_max as u64))
}

#[cfg(not(unix))]
fn open_file_limit() -> Option<(u64, u64)> {
    None
}

#[cfg(unix)]
fn raise_open_file_limit(soft: u64) -> Result<(), std::io::Error> {
    let (_, hard) = open_file_limit().ok_or_else(std::io::Error::last_os_error)?;
    let limit = libc::rlimit {
        rlim_cur: soft as libc::rlim_t,
        rlim_max: hard as libc::rlim_t,
    };
    // SAFETY: setrlimit reads the struct it is given, nothing else.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(unix))]
fn raise_open_file_limit(_: u64) -> Result<(), std::io::Error> {
    Ok(())
}

/// Accepts connections until `stopping`, then waits for those open to
/// close (requests in flight are answered; idle connections close at once).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    timeouts: Timeouts,
    metrics: Arc<ConnectionMetrics>,
    mut stopping: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(limits.max));
    let addresses = Arc::new(PerAddress {
        limit: limits.per_address,
        open: Mutex::new(HashMap::new()),
    });
    let full = refusal(&format!(
        "the server has as many connections open as it takes ({}); try again in a moment",
        limits.max
    ));
    let crowded = refusal(&format!(
        "too many connections from your address: at most {} at once; close some and try again",
        limits.per_address
    ));
    let (mut full_log, mut crowded_log, mut error_log) = (Every::new(), Every::new(), Every::new());
    loop {
        let accepted = tokio::select! {
            biased;
            _ = stopping.wait_for(|stop| *stop) => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) if one_connections_error(&e) => continue,
            Err(error) => {
                metrics.accept_error();
                if let Some(times) = error_log.note() {
                    tracing::warn!(
                        %error,
                        times,
                        "cannot accept connections; pausing {ACCEPT_BACKOFF:?} before each retry"
                    );
                }
                tokio::select! {
                    _ = stopping.wait_for(|stop| *stop) => break,
                    _ = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                }
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            refuse(stream, &full);
            metrics.refused(true);
            if let Some(times) = full_log.note() {
                tracing::warn!(
                    times,
                    max = limits.max,
                    "connections refused: as many open as [server] max_connections allows"
                );
            }
            continue;
        };
        let client = Client::of(peer.ip());
        let Some(address_slot) = addresses.take(client) else {
            refuse(stream, &crowded);
            metrics.refused(false);
            if let Some(times) = crowded_log.note() {
                tracing::warn!(
                    times,
                    %client,
                    per_address = limits.per_address,
                    "connections refused: as many open from this address as \
                     [server] max_connections_per_address allows"
                );
            }
            continue;
        };
        let router = router.clone();
        let stopping = stopping.clone();
        let metrics = metrics.clone();
        metrics.opened();
        tokio::spawn(async move {
            conn::serve(stream, peer, router, timeouts, &metrics, stopping).await;
            metrics.closed();
            drop((slot, address_slot));
        });
    }
    drop(listener);
    // Every connection gives its slot back when it closes.
    let _ = slots.acquire_many(limits.max as u32).await;
}

/// Errors of one connection (it went away before it was accepted): the
/// loop goes straight on.
fn one_connections_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted
    )
}

/// The answer to a connection over a cap.
fn refusal(message: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n\
         retry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{message}\n",
        message.len() + 1
    )
    .into_bytes()
}

/// Answers `stream` with `answer` and closes it, without waiting for
/// anything: one write (a fresh socket takes a few hundred bytes at once),
/// one read of what the client sent already (so that the close is a FIN,
/// not a reset that could make the client drop the answer unread).
fn refuse(stream: TcpStream, answer: &[u8]) {
    if let Ok(stream) = stream.into_std() {
        let _ = (&stream).write(answer);
        let _ = (&stream).read(&mut [0; 4096]);
    }
}

/// Whom the per-address cap counts: an IPv4 address (IPv4-mapped IPv6 ones
/// too), or an IPv6 /64, which one host usually holds whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Client {
    V4(Ipv4Addr),
    V6Net(Ipv6Addr),
}

impl Client {
    fn of(ip: IpAddr) -> Client {
        match ip.to_canonical() {
            IpAddr::V4(v4) => Client::V4(v4),
            IpAddr::V6(v6) => {
                Client::V6Net(Ipv6Addr::from_bits(v6.to_bits() & !u128::from(u64::MAX)))
            }
        }
    }
}

impl std::fmt::Display for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Client::V4(ip) => write!(f, "{ip}"),
            Client::V6Net(net) => write!(f, "{net}/64"),
        }
    }
}

/// Open connections per client. Bounded: a client is in the map only while
/// it has connections open, so it never holds more entries than the
/// server has connections.
struct PerAddress {
    limit: usize,
    open: Mutex<HashMap<Client, usize>>,
}

impl PerAddress {
    fn take(self: &Arc<Self>, client: Client) -> Option<AddressSlot> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(client).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(AddressSlot {
            addresses: self.clone(),
            client,
        })
    }
}

/// One of a client's connections; given back when dropped.
struct AddressSlot {
    addresses: Arc<PerAddress>,
    client: Client,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self
            .addresses
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.client);
            }
        }
    }
}

/// "Log this at most once per [`LOG_EVERY`]", counting the times between.
struct Every {
    last: Option<Instant>,
    times: u64,
}

impl Every {
    fn new() -> Every {
        Every {
            last: None,
            times: 0,
        }
    }

    /// One more time; `Some(times since the last line)` when a line is due.
    fn note(&mut self) -> Option<u64> {
        self.times += 1;
        if self.last.is_some_and(|last| last.elapsed() < LOG_EVERY) {
            return None;
        }
        self.last = Some(Instant::now());
        Some(std::mem::take(&mut self.times))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_fits_the_open_file_limit() {
        assert_eq!(fit(1024, 76, 20_000), Ok(1024));
        assert_eq!(fit(1024, 76, 1100), Ok(1024));
        assert_eq!(fit(1024, 76, 256), Ok(180));
        assert_eq!(
            fit(10, 76, 86),
            Ok(10),
            "a small cap needs only its own room"
        );
        let e = fit(1024, 76, 80).unwrap_err();
        assert!(
            e.starts_with("the open-file limit (ulimit -n) is 80: too low to serve")
                && e.ends_with("raise it to 92 or more"),
            "{e}"
        );
    }

    #[test]
    fn addresses_are_counted_and_forgotten() {
        let addresses = Arc::new(PerAddress {
            limit: 2,
            open: Mutex::new(HashMap::new()),
        });
        let a = Client::of("10.0.0.1".parse().unwrap());
        let b = Client::of("::ffff:10.0.0.2".parse().unwrap());
        assert_eq!(b, Client::V4(Ipv4Addr::new(10, 0, 0, 2)));
        let first = addresses.take(a).unwrap();
        let second = addresses.take(a).unwrap();
        assert!(addresses.take(a).is_none());
        let other = addresses.take(b).unwrap();
        drop(first);
        let third = addresses.take(a).unwrap();
        drop((second, third, other));
        assert!(addresses.open.lock().unwrap().is_empty());
        let v6 = Client::of("2001:db8:1:2:aa::1".parse().unwrap());
        assert_eq!(v6, Client::of("2001:db8:1:2:bb::9".parse().unwrap()));
        assert_eq!(v6.to_string(), "2001:db8:1:2::/64");
    }

    #[test]
    fn logs_are_spaced() {
        let mut every = Every::new();
        assert_eq!(every.note(), Some(1));
        assert_eq!(every.note(), None);
        assert_eq!(every.note(), None);
        every.last = Some(Instant::now() - LOG_EVERY);
        assert_eq!(every.note(), Some(3));
    }
}

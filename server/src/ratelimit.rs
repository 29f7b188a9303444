//! A per-client sliding-window limit: at most `limit` events per client in
//! any `window` (the server's use: `registrations_per_hour` new players per
//! client address per hour, `api::players`).
//!
//! Pure logic: every call takes the time (`now: Instant`), so tests drive the
//! clock by hand. Callers share one [`SlidingWindow`] behind a mutex and hold
//! the lock only for a call (never across an `await`).
//!
//! **Exact, not smoothed.** Each client keeps the instants of its events in
//! the last `window`, oldest first; an event is allowed while fewer than
//! `limit` are there, and a refusal says how long until the oldest leaves
//! the window. So "at most 20 an hour" holds over *every* 60 minutes, not
//! only on average as a token bucket would have it.
//!
//! **Memory is bounded.** A client's instants are at most `limit`, and only
//! those of the last `window`: together no more than the events (for the
//! server, rows it has written) of the last hour. A client whose window is
//! empty is forgotten: at the latest by a sweep of the whole map that runs
//! at most once per `window`, and at once when a new client would take the
//! map past `max_clients`. If the map is still full after that sweep, the
//! client whose newest event is the oldest is dropped (it gets a fresh
//! allowance): someone with that many addresses is not stopped by a
//! per-address limit anyway, while refusing newcomers instead would let them
//! lock everyone else out.
//!
//! **Clients** are [`Client`]s: an IPv4 address, an IPv6 /64 (one host
//! usually holds a whole /64, so counting its single addresses would let it
//! register without end), or [`Client::Unknown`] when the server did not see
//! the peer (a router driven in-process, without connect info): every such
//! request shares that one allowance.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

/// Whom a limit counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Client {
    V4(Ipv4Addr),
    /// The /64 network: the address with its low 64 bits zero.
    V6Net(Ipv6Addr),
    /// No address known (see the module's documentation).
    Unknown,
}

impl Client {
    /// The client for a peer address: IPv4-mapped IPv6 addresses
    /// (`::ffff:1.2.3.4`, from a dual-stack listener) count as their IPv4
    /// address, other IPv6 addresses by their /64.
    pub fn of(peer: Option<IpAddr>) -> Client {
        match peer.map(|ip| ip.to_canonical()) {
            Some(IpAddr::V4(v4)) => Client::V4(v4),
            Some(IpAddr::V6(v6)) => {
                Client::V6Net(Ipv6Addr::from_bits(v6.to_bits() & !u128::from(u64::MAX)))
            }
            None => Client::Unknown,
        }
    }
}

/// `1.2.3.4`, `2001:db8:1:2::/64`, `an unknown address`: for messages.
impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Client::V4(ip) => write!(f, "{ip}"),
            Client::V6Net(net) => write!(f, "{net}/64"),
            Client::Unknown => f.write_str("an unknown address"),
        }
    }
}

/// At most `limit` events per [`Client`] in any `window`.
#[derive(Debug)]
pub struct SlidingWindow {
    limit: usize,
    window: Duration,
    max_clients: usize,
    /// Each client's events in the window (maybe expired ones too, until
    /// the client is looked at or swept), oldest first; never empty.
    clients: HashMap<Client, VecDeque<Instant>>,
    /// When the whole map was last swept of expired events.
    last_sweep: Option<Instant>,
}

impl SlidingWindow {
    /// The server's map holds at most this many clients (about 5 MB at the
    /// default 20 registrations an hour, all used).
    pub const MAX_CLIENTS: usize = 65_536;

    /// `limit` events per client in any `window`, remembering at most
    /// `max_clients` clients (both at least 1).
    pub fn new(limit: u32, window: Duration, max_clients: usize) -> SlidingWindow {
        SlidingWindow {
            limit: (limit as usize).max(1),
            window,
            max_clients: max_clients.max(1),
            clients: HashMap::new(),
            last_sweep: None,
        }
    }

    /// The events allowed per window.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The clients remembered now.
    pub fn clients(&self) -> usize {
        self.clients.len()
    }

    /// Counts an event of `client` at `now` if its allowance has room;
    /// otherwise changes nothing and returns how long until it has (always
    /// more than zero). `now` must not go backwards between calls.
    pub fn acquire(&mut self, client: Client, now: Instant) -> Result<(), Duration> {
        if self
            .last_sweep
            .is_none_or(|last| now.saturating_duration_since(last) >= self.window)
        {
            self.sweep(now);
        }
        if let Some(events) = self.clients.get_mut(&client) {
            expire(events, self.window, now);
            if events.len() >= self.limit {
                let oldest = events[0];
                return Err(self.window - now.saturating_duration_since(oldest));
            }
            events.push_back(now);
            return Ok(());
        }
        if self.clients.len() >= self.max_clients {
            self.sweep(now);
        }
        if self.clients.len() >= self.max_clients {
            let stalest = self
                .clients
                .iter()
                .min_by_key(|(_, events)| events.back().copied())
                .map(|(client, _)| *client);
            if let Some(stalest) = stalest {
                self.clients.remove(&stalest);
            }
        }
        self.clients.insert(client, VecDeque::from([now]));
        Ok(())
    }

    /// Gives back the event of `client` counted at `at` (what it was for
    /// did not happen after all). Nothing if it has expired or was dropped.
    pub fn release(&mut self, client: Client, at: Instant) {
        let Some(events) = self.clients.get_mut(&client) else {
            return;
        };
        if let Some(i) = events.iter().rposition(|&t| t == at) {
            events.remove(i);
        }
        if events.is_empty() {
            self.clients.remove(&client);
        }
    }

    /// Drops every expired event, and every client left with none.
    fn sweep(&mut self, now: Instant) {
        let window = self.window;
        self.clients.retain(|_, events| {
            expire(events, window, now);
            !events.is_empty()
        });
        self.last_sweep = Some(now);
    }
}

/// Drops the events that are `window` old or older.
fn expire(events: &mut VecDeque<Instant>, window: Duration, now: Instant) {
    while events
        .front()
        .is_some_and(|&t| now.saturating_duration_since(t) >= window)
    {
        events.pop_front();
    }
}

/// A wait in words for a message, rounded up: `1 second`, `45 seconds`,
/// `17 minutes` (minutes from 90 seconds on).
pub fn wait_in_words(wait: Duration) -> String {
    let seconds = whole_seconds(wait);
    let (n, unit) = if seconds < 90 {
        (seconds, "second")
    } else {
        (seconds.div_ceil(60), "minute")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// A wait in whole seconds, rounded up, at least 1: a `Retry-After` value.
pub fn whole_seconds(wait: Duration) -> u64 {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    seconds.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn client(text: &str) -> Client {
        Client::of(Some(text.parse().unwrap()))
    }

    #[test]
    fn allows_the_limit_then_refuses_with_the_wait() {
        let mut limit = SlidingWindow::new(3, HOUR, 100);
        let t0 = Instant::now();
        let ann = client("1.2.3.4");
        for minute in 0..3 {
            let at = t0 + Duration::from_secs(60 * minute);
            assert_eq!(limit.acquire(ann, at), Ok(()), "event {minute}");
        }
        // The fourth, 10 minutes in: the first leaves the window at 60.
        let at = t0 + Duration::from_secs(600);
        assert_eq!(limit.acquire(ann, at), Err(Duration::from_secs(3000)));
        // A refusal is not counted: the wait stays the same.
        assert_eq!(limit.acquire(ann, at), Err(Duration::from_secs(3000)));
        assert_eq!(limit.limit(), 3);
    }

    #[test]
    fn recovers_as_events_leave_the_window() {
        let mut limit = SlidingWindow::new(2, HOUR, 100);
        let t0 = Instant::now();
        let ann = client("10.0.0.1");
        let later = t0 + Duration::from_secs(1800);
        assert!(limit.acquire(ann, t0).is_ok());
        assert!(limit.acquire(ann, later).is_ok());
        assert!(
            limit
                .acquire(ann, t0 + HOUR - Duration::from_nanos(1))
                .is_err()
        );
        // The first has left the window; the second still counts.
        assert!(limit.acquire(ann, t0 + HOUR).is_ok());
        assert_eq!(
            limit.acquire(ann, t0 + HOUR + Duration::from_secs(1)),
            Err(Duration::from_secs(1799))
        );
        // A whole window later, the full allowance again.
        let fresh = t0 + 3 * HOUR;
        assert!(limit.acquire(ann, fresh).is_ok());
        assert!(limit.acquire(ann, fresh).is_ok());
        assert!(limit.acquire(ann, fresh).is_err());
    }

    #[test]
    fn clients_are_counted_apart() {
        let mut limit = SlidingWindow::new(1, HOUR, 100);
        let now = Instant::now();
        for ip in ["1.2.3.4", "1.2.3.5", "2001:db8:0:1::1", "2001:db8:0:2::1"] {
            assert!(limit.acquire(client(ip), now).is_ok(), "{ip}");
        }
        assert!(limit.acquire(Client::Unknown, now).is_ok());
        assert!(limit.acquire(Client::Unknown, now).is_err());
        // One IPv6 /64 is one client; a mapped IPv4 address is that address.
        assert!(limit.acquire(client("2001:db8:0:1::ffff"), now).is_err());
        assert!(limit.acquire(client("::ffff:1.2.3.4"), now).is_err());
        assert_eq!(limit.clients(), 5);
    }

    #[test]
    fn a_released_event_is_given_back() {
        let mut limit = SlidingWindow::new(1, HOUR, 100);
        let t0 = Instant::now();
        let ann = client("1.2.3.4");
        assert!(limit.acquire(ann, t0).is_ok());
        limit.release(ann, t0);
        assert_eq!(limit.clients(), 0, "a client with no events is forgotten");
        let t1 = t0 + Duration::from_secs(5);
        assert!(limit.acquire(ann, t1).is_ok());
        assert!(limit.acquire(ann, t1).is_err());
        // Releasing what is not there changes nothing.
        limit.release(ann, t0);
        limit.release(client("9.9.9.9"), t0);
        assert!(limit.acquire(ann, t1).is_err());
    }

    #[test]
    fn memory_is_pruned_and_capped() {
        let mut limit = SlidingWindow::new(5, HOUR, 3);
        let t0 = Instant::now();
        for i in 0..3 {
            let at = t0 + Duration::from_secs(i);
            assert!(limit.acquire(client(&format!("10.0.0.{i}")), at).is_ok());
        }
        assert_eq!(limit.clients(), 3);
        // A fourth client while all three are active: the stalest goes.
        let at = t0 + Duration::from_secs(10);
        assert!(limit.acquire(client("10.0.0.9"), at).is_ok());
        assert_eq!(limit.clients(), 3);
        assert!(!limit.clients.contains_key(&client("10.0.0.0")));
        // An hour later every window is empty: the next call sweeps them.
        let at = t0 + 2 * HOUR;
        assert!(limit.acquire(client("10.0.0.1"), at).is_ok());
        assert_eq!(limit.clients(), 1);
        // Many clients, one at a time: never more than the cap.
        for i in 0..1000u32 {
            let at = at + Duration::from_millis(u64::from(i));
            assert!(
                limit
                    .acquire(Client::of(Some(IpAddr::from(i.to_be_bytes()))), at)
                    .is_ok()
            );
            assert!(limit.clients() <= 3);
        }
    }

    #[test]
    fn idle_clients_are_swept_once_a_window() {
        let mut limit = SlidingWindow::new(5, HOUR, 1000);
        let t0 = Instant::now();
        for i in 0..100u32 {
            let ip = IpAddr::from((0x0a00_0000 + i).to_be_bytes());
            assert!(limit.acquire(Client::of(Some(ip)), t0).is_ok());
        }
        assert_eq!(limit.clients(), 100);
        assert!(limit.acquire(client("1.1.1.1"), t0 + HOUR).is_ok());
        assert_eq!(limit.clients(), 1);
    }

    #[test]
    fn clients_and_waits_read_well() {
        assert_eq!(client("1.2.3.4").to_string(), "1.2.3.4");
        assert_eq!(
            client("2001:db8:1:2:3:4:5:6").to_string(),
            "2001:db8:1:2::/64"
        );
        assert_eq!(Client::of(None).to_string(), "an unknown address");
        let words = |s: f64| wait_in_words(Duration::from_secs_f64(s));
        assert_eq!(words(0.2), "1 second");
        assert_eq!(words(45.0), "45 seconds");
        assert_eq!(words(88.5), "89 seconds");
        assert_eq!(words(89.5), "2 minutes");
        assert_eq!(words(90.0), "2 minutes");
        assert_eq!(words(1019.0), "17 minutes");
        assert_eq!(words(3600.0), "60 minutes");
        assert_eq!(whole_seconds(Duration::from_millis(1001)), 2);
        assert_eq!(whole_seconds(Duration::ZERO), 1);
    }
}

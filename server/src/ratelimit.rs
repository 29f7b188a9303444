//! Per-client allowances that hold across restarts: at most `limit` events
//! per client in any `window` (the server's use: `registrations_per_hour`
//! new players per client address per hour, `api::players`).
//!
//! **Kept in the database** (`rate_events`, `db/ratelimit.rs`): each
//! counted event is a row, so a restart (or a crash) gives nobody a fresh
//! allowance. Taking a place is one `IMMEDIATE` transaction on the shared
//! connection, so simultaneous requests cannot all slip through.
//!
//! **Exact, not smoothed.** An event is allowed while fewer than `limit` of
//! the client's events are in the last `window`, and a refusal says how
//! long until the oldest leaves it. So "at most 20 an hour" holds over
//! *every* 60 minutes, not only on average as a token bucket would have it.
//! The clock is the system's (unix ms): if it goes back, a wait is never
//! longer than the window.
//!
//! **Size is bounded.** Each place taken deletes the events of its kind
//! that have left the window, and no more than `db::ratelimit::MAX_EVENTS`
//! rows are kept (about 5 MB): past that, the oldest go, which gives their
//! clients some allowance back (someone with that many addresses is not
//! stopped by a per-address limit anyway, while refusing newcomers instead
//! would let them lock everyone else out).
//!
//! **Clients** are [`Client`]s: an IPv4 address, an IPv6 /64 (one host
//! usually holds a whole /64, so counting its single addresses would let it
//! register without end), or [`Client::Unknown`] when the server did not see
//! the peer (a router driven in-process, without connect info): every such
//! request shares that one allowance.

use crate::app::Db;
use crate::config::ServerConfig;
use crate::error::ApiError;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

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

    /// How the database stores it: its [`Display`](fmt::Display) form, or
    /// `unknown`.
    pub fn key(&self) -> String {
        match self {
            Client::Unknown => "unknown".to_string(),
            known => known.to_string(),
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

/// What a limit counts and how many of it a client may have in a window.
#[derive(Clone, Copy, Debug)]
pub struct Allowance {
    /// The kind of event, as stored (`registration`).
    pub kind: &'static str,
    pub limit: u32,
    pub window: Duration,
}

/// A place taken in an [`Allowance`]: give it back with [`Allowance::give_back`]
/// if what it was for did not happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place(i64);

impl Allowance {
    /// `[server] registrations_per_hour` new players per client in any hour.
    pub fn registrations(config: &ServerConfig) -> Allowance {
        Allowance {
            kind: "registration",
            limit: config.registrations_per_hour,
            window: Duration::from_secs(3600),
        }
    }

    /// Counts an event of `client` now if its allowance has room: the
    /// place. Otherwise counts nothing and returns how long until it has
    /// room (always more than zero).
    pub async fn take(&self, db: &Db, client: Client) -> Result<Result<Place, Duration>, ApiError> {
        let (kind, limit) = (self.kind, self.limit);
        let window_ms = self.window.as_millis() as i64;
        let now = crate::db::now_ms();
        let taken = db
            .call(move |conn| {
                Ok(crate::db::ratelimit::acquire(
                    conn,
                    kind,
                    &client.key(),
                    limit,
                    window_ms,
                    now,
                )?)
            })
            .await?;
        Ok(taken
            .map(Place)
            .map_err(|ms| Duration::from_millis(ms as u64)))
    }

    /// Gives `place` back (what it was for did not happen).
    pub async fn give_back(&self, db: &Db, place: Place) -> Result<(), ApiError> {
        db.call(move |conn| Ok(crate::db::ratelimit::release(conn, place.0)?))
            .await
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

    fn client(text: &str) -> Client {
        Client::of(Some(text.parse().unwrap()))
    }

    #[test]
    fn clients_are_addresses_or_networks() {
        assert_ne!(client("1.2.3.4"), client("1.2.3.5"));
        assert_ne!(client("2001:db8:0:1::1"), client("2001:db8:0:2::1"));
        // One IPv6 /64 is one client; a mapped IPv4 address is that address.
        assert_eq!(client("2001:db8:0:1::1"), client("2001:db8:0:1::ffff"));
        assert_eq!(client("::ffff:1.2.3.4"), client("1.2.3.4"));
        assert_eq!(client("2001:db8:0:1::1").key(), "2001:db8:0:1::/64");
        assert_eq!(client("::ffff:1.2.3.4").key(), "1.2.3.4");
        assert_eq!(Client::Unknown.key(), "unknown");
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

//! The `[server]` keys of connections (docs/server.md, "Connections and
//! timeouts"): how many the server holds at once, how many one client
//! address may hold, and how long a client may keep one without getting on
//! with its request. Enforced by `listener.rs` (the caps) and `conn.rs` (the
//! timeouts).

use super::{ServerTable, in_range};
use std::time::Duration;

/// How many connections the server holds, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Connections {
    /// `max_connections`: TCP connections open at once. Default 1024: far
    /// more than the pages and the API need (a browser holds a few), few
    /// enough that each costs little (a descriptor and a few KiB). Past it,
    /// a new connection gets a `503` with `Retry-After` and is closed at
    /// once. Lowered at start, with a log line, to what the process's
    /// open-file limit holds beside the server's own files
    /// (`listener::fit_open_files`), so that the cap, not the system's
    /// "too many open files", is what limits.
    pub max: usize,
    /// `max_connections_per_address`: connections one client address (an
    /// IPv4 address, an IPv6 /64) may have open at once. Default 32: a
    /// browser opens at most 6 per site, so a few people behind one NAT fit,
    /// while one machine can take only 1/32 of `max_connections`. Behind a
    /// reverse proxy every connection is the proxy's: raise it to
    /// `max_connections` there and limit clients at the proxy.
    pub per_address: usize,
    /// `header_timeout_secs`: seconds a client has to send a request's
    /// line and headers: from the connection's opening for its first
    /// request, from the first byte for a later one. Default 10: a request's
    /// head is a few hundred bytes, sent at once by any client; a socket
    /// that sends nothing, or a header line now and then, is closed after
    /// this, without an answer.
    pub header_timeout_secs: u64,
    /// `keep_alive_timeout_secs`: seconds a connection may sit idle after a
    /// response, waiting for the client's next request, before it is
    /// closed. Default 20: long enough for a page's follow-up requests and
    /// a viewer's clicks to reuse the connection, short enough that idle
    /// browsers do not hold the cap; longer than the idle time of common
    /// HTTP client pools (ureq's 15 s), so that those drop a connection
    /// before the server does and never send a request into one closing.
    pub keep_alive_timeout_secs: u64,
    /// `request_timeout_secs`: seconds from a request's head to its answer,
    /// for every route (the body included); past it, `408` (the body was
    /// still arriving) or `503` (the server was slow) and the connection
    /// is closed. Uploads have `upload_timeout_secs` more, for their body.
    /// A response that the client stops reading is closed after this long
    /// without progress. Default 30: the pages and the API answer in
    /// milliseconds, and a small body arrives at once; a body sent a byte
    /// at a time holds its connection no longer than this.
    pub request_timeout_secs: u64,
}

impl Default for Connections {
    fn default() -> Connections {
        Connections {
            max: 1024,
            per_address: 32,
            header_timeout_secs: 10,
            keep_alive_timeout_secs: 20,
            request_timeout_secs: 30,
        }
    }
}

/// The largest `max_connections` and `max_connections_per_address`.
const MAX_CONNECTIONS: u64 = 1_000_000;
/// The longest of the timeouts: an hour.
const MAX_SECS: u64 = 3600;

impl Connections {
    /// The keys of `t`, each checked against its range.
    pub(super) fn read(t: &ServerTable) -> Result<Connections, String> {
        let d = Connections::default();
        let count = |key, value, default: usize| {
            in_range(key, value, default as u64, 1, MAX_CONNECTIONS).map(|n| n as usize)
        };
        let secs = |key, value, default| in_range(key, value, default, 1, MAX_SECS);
        Ok(Connections {
            max: count("max_connections", t.max_connections, d.max)?,
            per_address: count(
                "max_connections_per_address",
                t.max_connections_per_address,
                d.per_address,
            )?,
            header_timeout_secs: secs(
                "header_timeout_secs",
                t.header_timeout_secs,
                d.header_timeout_secs,
            )?,
            keep_alive_timeout_secs: secs(
                "keep_alive_timeout_secs",
                t.keep_alive_timeout_secs,
                d.keep_alive_timeout_secs,
            )?,
            request_timeout_secs: secs(
                "request_timeout_secs",
                t.request_timeout_secs,
                d.request_timeout_secs,
            )?,
        })
    }

    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_secs)
    }

    pub fn keep_alive_timeout(&self) -> Duration {
        Duration::from_secs(self.keep_alive_timeout_secs)
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::super::ServerConfig;
    use super::Connections;

    fn parse(text: &str) -> Result<ServerConfig, String> {
        ServerConfig::parse("server.toml", text, None)
    }

    #[test]
    fn defaults_and_keys() {
        let c = ServerConfig::load(None).unwrap().connections;
        assert_eq!(c, Connections::default());
        assert_eq!((c.max, c.per_address), (1024, 32));
        assert_eq!(
            (
                c.header_timeout_secs,
                c.keep_alive_timeout_secs,
                c.request_timeout_secs
            ),
            (10, 20, 30)
        );
        let c = parse(
            "[server]\nmax_connections = 7\nmax_connections_per_address = 2\n\
             header_timeout_secs = 1\nkeep_alive_timeout_secs = 2\nrequest_timeout_secs = 3\n",
        )
        .unwrap()
        .connections;
        let expected = Connections {
            max: 7,
            per_address: 2,
            header_timeout_secs: 1,
            keep_alive_timeout_secs: 2,
            request_timeout_secs: 3,
        };
        assert_eq!(c, expected);
    }

    #[test]
    fn out_of_range_is_named() {
        for (key, value, allowed) in [
            ("max_connections", 0, "1 to 1000000"),
            ("max_connections_per_address", 1_000_001, "1 to 1000000"),
            ("header_timeout_secs", 0, "1 to 3600"),
            ("keep_alive_timeout_secs", 3601, "1 to 3600"),
            ("request_timeout_secs", 0, "1 to 3600"),
        ] {
            let e = parse(&format!("[server]\n{key} = {value}\n")).unwrap_err();
            assert_eq!(
                e,
                format!(
                    "config 'server.toml': [server] {key} = {value} is out of range: allowed {allowed}"
                )
            );
        }
    }
}

//! What the accept loop (`listener.rs`) and the connections' deadlines
//! (`conn.rs`) did: open connections, refusals by cap, accept errors, and
//! connections closed by each deadline. An admin watching an attack sees
//! which limit it hits without reading the log (whose lines on refusals
//! are spaced out).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The deadlines a connection can be closed by (`conn.rs`'s stages), as
/// `reason` labels: `conn.rs`'s own names for them, and the metric's.
const DEADLINES: [(&str, &str); 5] = [
    ("no request", "first_request"),
    ("a request head not complete", "header"),
    ("idle", "keep_alive"),
    ("a request not answered", "request"),
    ("a response not read", "response_unread"),
];

/// Connection counters, shared by the accept loop and every connection.
#[derive(Default)]
pub struct ConnectionMetrics {
    open: AtomicU64,
    accepted: AtomicU64,
    refused_full: AtomicU64,
    refused_per_address: AtomicU64,
    accept_errors: AtomicU64,
    timed_out: [AtomicU64; DEADLINES.len()],
}

impl ConnectionMetrics {
    /// A connection was accepted and is served: open until [`Self::closed`].
    pub fn opened(&self) {
        self.accepted.fetch_add(1, Relaxed);
        self.open.fetch_add(1, Relaxed);
    }

    pub fn closed(&self) {
        self.open.fetch_sub(1, Relaxed);
    }

    /// Refused with 503: as many open as `max_connections` (`full`) or as
    /// many from its address as `max_connections_per_address`.
    pub fn refused(&self, full: bool) {
        let counter = if full {
            &self.refused_full
        } else {
            &self.refused_per_address
        };
        counter.fetch_add(1, Relaxed);
    }

    /// `accept` failed for want of something (descriptors, memory).
    pub fn accept_error(&self) {
        self.accept_errors.fetch_add(1, Relaxed);
    }

    /// A connection was closed because its deadline passed in `stage`
    /// (`conn.rs`'s name for it).
    pub fn timed_out(&self, stage: &str) {
        let i = DEADLINES
            .iter()
            .position(|(name, _)| *name == stage)
            .unwrap_or(DEADLINES.len() - 1);
        self.timed_out[i].fetch_add(1, Relaxed);
    }

    pub fn render(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP lockstep_connections_open Client connections open now.\n\
             # TYPE lockstep_connections_open gauge\nlockstep_connections_open {}\n\
             # HELP lockstep_connections_accepted_total Client connections accepted and served.\n\
             # TYPE lockstep_connections_accepted_total counter\n\
             lockstep_connections_accepted_total {}\n\
             # HELP lockstep_connections_refused_total Connections answered 503 and closed, by the cap they met ([server] max_connections, max_connections_per_address).\n\
             # TYPE lockstep_connections_refused_total counter\n\
             lockstep_connections_refused_total{{cap=\"max_connections\"}} {}\n\
             lockstep_connections_refused_total{{cap=\"max_connections_per_address\"}} {}\n\
             # HELP lockstep_accept_errors_total Times accept failed for want of descriptors or memory (the loop pauses, then retries).\n\
             # TYPE lockstep_accept_errors_total counter\nlockstep_accept_errors_total {}",
            self.open.load(Relaxed),
            self.accepted.load(Relaxed),
            self.refused_full.load(Relaxed),
            self.refused_per_address.load(Relaxed),
            self.accept_errors.load(Relaxed),
        );
        let _ = writeln!(
            out,
            "# HELP lockstep_connections_timed_out_total Connections closed because a deadline passed, by which ([server] header_timeout_secs, keep_alive_timeout_secs, request_timeout_secs).\n\
             # TYPE lockstep_connections_timed_out_total counter"
        );
        for ((_, reason), count) in DEADLINES.iter().zip(&self.timed_out) {
            let _ = writeln!(
                out,
                "lockstep_connections_timed_out_total{{reason=\"{reason}\"}} {}",
                count.load(Relaxed)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_reason_under_its_label() {
        let m = ConnectionMetrics::default();
        m.opened();
        m.opened();
        m.closed();
        m.refused(true);
        m.refused(false);
        m.refused(false);
        m.timed_out("idle");
        m.timed_out("a request head not complete");
        m.timed_out("a request head not complete");
        let mut out = String::new();
        m.render(&mut out);
        for line in [
            "lockstep_connections_open 1",
            "lockstep_connections_accepted_total 2",
            "lockstep_connections_refused_total{cap=\"max_connections\"} 1",
            "lockstep_connections_refused_total{cap=\"max_connections_per_address\"} 2",
            "lockstep_connections_timed_out_total{reason=\"keep_alive\"} 1",
            "lockstep_connections_timed_out_total{reason=\"header\"} 2",
            "lockstep_connections_timed_out_total{reason=\"first_request\"} 0",
        ] {
            assert!(out.lines().any(|l| l == line), "no `{line}` in:\n{out}");
        }
    }
}

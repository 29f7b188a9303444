//! `/metrics`: Prometheus text exposition (format 0.0.4) of what the server
//! has done since it started: matches, bot ticks and their fuel, cut-offs,
//! traps, uploads and HTTP responses. Hand-written: a few atomics, no
//! registry. The queue gauges are read from the database at scrape time, so
//! they are right across restarts; the ladder's pause and the recordings of
//! pruned replays come from `AppState::ladder` ([`render_ladder`]).

mod connections;

pub use connections::ConnectionMetrics;

use crate::app::State;
use axum::Router;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use lockstep_sim::match_loop::{BotTick, MatchObserver, StateHash};
use lockstep_sim::sandbox::Outcome;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

/// Upper bounds of `lockstep_tick_seconds`' buckets, in seconds.
const TICK_SECONDS: [f64; 12] = [
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];
/// Upper bounds of `lockstep_fuel_per_bot_tick`'s buckets, in fuel.
const FUEL: [f64; 11] = [1e3, 1e4, 1e5, 3e5, 1e6, 3e6, 1e7, 2e7, 5e7, 1e8, 1e9];
/// Upper bounds of `lockstep_http_request_seconds`' buckets, in seconds.
const HTTP_SECONDS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

/// A histogram with fixed buckets: a count per bucket (not cumulative; the
/// exposition adds them up), the count past the last bound, and the sum.
struct Histogram {
    bounds: &'static [f64],
    /// `bounds.len() + 1` counts; the last is `+Inf`.
    counts: Vec<AtomicU64>,
    /// The sum in `unit`s (nanoseconds, fuel), kept as an integer.
    sum: AtomicU64,
    /// What one unit of `sum` is worth in the exposed unit.
    unit: f64,
}

impl Histogram {
    fn new(bounds: &'static [f64], unit: f64) -> Histogram {
        Histogram {
            bounds,
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0),
            unit,
        }
    }

    /// Records `units` (nanoseconds or fuel).
    fn observe(&self, units: u64) {
        let value = units as f64 * self.unit;
        let bucket = self
            .bounds
            .iter()
            .position(|&bound| value <= bound)
            .unwrap_or(self.bounds.len());
        self.counts[bucket].fetch_add(1, Relaxed);
        self.sum.fetch_add(units, Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (i, count) in self.counts.iter().enumerate() {
            cumulative += count.load(Relaxed);
            let le = self
                .bounds
                .get(i)
                .map_or("+Inf".to_string(), |b| b.to_string());
            let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
        }
        let sum = self.sum.load(Relaxed) as f64 * self.unit;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {cumulative}");
    }
}

/// HTTP status codes counted one by one; anything else goes to `other`.
const STATUSES: [u16; 18] = [
    200, 201, 204, 304, 400, 401, 403, 404, 408, 409, 410, 413, 415, 422, 429, 500, 503, 507,
];

/// Counters and histograms, updated by the ladder's workers and the API.
pub struct Metrics {
    matches_finished: AtomicU64,
    matches_failed: AtomicU64,
    bot_ticks: AtomicU64,
    cutoffs: AtomicU64,
    traps: AtomicU64,
    watchdogs: AtomicU64,
    uploads: AtomicU64,
    replays_pruned: AtomicU64,
    tick_seconds: Histogram,
    fuel_per_bot_tick: Histogram,
    match_seconds_sum_ms: AtomicU64,
    http_statuses: Vec<AtomicU64>,
    http_seconds: Histogram,
    /// Shared with the accept loop and each connection.
    pub connections: std::sync::Arc<ConnectionMetrics>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            matches_finished: AtomicU64::new(0),
            matches_failed: AtomicU64::new(0),
            bot_ticks: AtomicU64::new(0),
            cutoffs: AtomicU64::new(0),
            traps: AtomicU64::new(0),
            watchdogs: AtomicU64::new(0),
            uploads: AtomicU64::new(0),
            replays_pruned: AtomicU64::new(0),
            tick_seconds: Histogram::new(&TICK_SECONDS, 1e-9),
            fuel_per_bot_tick: Histogram::new(&FUEL, 1.0),
            match_seconds_sum_ms: AtomicU64::new(0),
            http_statuses: (0..=STATUSES.len()).map(|_| AtomicU64::new(0)).collect(),
            http_seconds: Histogram::new(&HTTP_SECONDS, 1e-9),
            connections: Default::default(),
        }
    }
}

impl Metrics {
    /// A bot module was stored (the upload API calls this).
    pub fn upload(&self) {
        self.uploads.fetch_add(1, Relaxed);
    }

    /// The retention rule deleted `n` replay files.
    pub fn replays_pruned(&self, n: usize) {
        self.replays_pruned.fetch_add(n as u64, Relaxed);
    }

    /// A match ended and its row says so: `finished` or failed.
    pub fn match_done(&self, finished: bool, wall: std::time::Duration) {
        let counter = if finished {
            &self.matches_finished
        } else {
            &self.matches_failed
        };
        counter.fetch_add(1, Relaxed);
        self.match_seconds_sum_ms
            .fetch_add(wall.as_millis() as u64, Relaxed);
    }

    /// Counts one HTTP response and how long it took.
    pub fn http_response(&self, status: u16, elapsed: std::time::Duration) {
        let i = STATUSES
            .iter()
            .position(|&s| s == status)
            .unwrap_or(STATUSES.len());
        self.http_statuses[i].fetch_add(1, Relaxed);
        self.http_seconds.observe(elapsed.as_nanos() as u64);
    }

    /// An observer that feeds the tick and fuel metrics from one match.
    pub fn observer(&self) -> MetricsObserver<'_> {
        MetricsObserver {
            metrics: self,
            tick_started: Instant::now(),
        }
    }

    /// The exposition, with the queue gauges given (read from the database).
    pub fn render(&self, queued: u64, running: u64) -> String {
        let mut out = String::with_capacity(4096);
        let counter = |out: &mut String, name: &str, help: &str, value: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        };
        let _ = writeln!(
            out,
            "# HELP lockstep_matches_total Matches that ended since the server started, by how.\n\
             # TYPE lockstep_matches_total counter\n\
             lockstep_matches_total{{state=\"finished\"}} {}\n\
             lockstep_matches_total{{state=\"failed\"}} {}",
            self.matches_finished.load(Relaxed),
            self.matches_failed.load(Relaxed)
        );
        let match_seconds = self.match_seconds_sum_ms.load(Relaxed) as f64 / 1000.0;
        let _ = writeln!(
            out,
            "# HELP lockstep_match_seconds_total Wall time spent playing matches (finished or failed).\n\
             # TYPE lockstep_match_seconds_total counter\nlockstep_match_seconds_total {match_seconds}"
        );
        counter(
            &mut out,
            "lockstep_bot_ticks_total",
            "Bot tick calls made in ladder and challenge matches.",
            self.bot_ticks.load(Relaxed),
        );
        counter(
            &mut out,
            "lockstep_cutoffs_total",
            "Bot tick calls cut off for running out of fuel.",
            self.cutoffs.load(Relaxed),
        );
        counter(
            &mut out,
            "lockstep_traps_total",
            "Bot tick calls that trapped (out-of-memory traps included).",
            self.traps.load(Relaxed),
        );
        counter(
            &mut out,
            "lockstep_watchdogs_total",
            "Bot tick calls stopped by the wall-clock watchdog.",
            self.watchdogs.load(Relaxed),
        );
        counter(
            &mut out,
            "lockstep_uploads_total",
            "Bot modules accepted by the upload API.",
            self.uploads.load(Relaxed),
        );
        counter(
            &mut out,
            "lockstep_replays_pruned_total",
            "Replay files deleted by the retention rule ([server] replays_kept...).",
            self.replays_pruned.load(Relaxed),
        );
        self.tick_seconds.render(
            &mut out,
            "lockstep_tick_seconds",
            "Wall time of one match tick (all bots' calls, the game's step, the replay frame).",
        );
        self.fuel_per_bot_tick.render(
            &mut out,
            "lockstep_fuel_per_bot_tick",
            "Fuel used by one bot's tick call.",
        );
        let _ = writeln!(
            out,
            "# HELP lockstep_matches_queued Matches waiting for a worker.\n\
             # TYPE lockstep_matches_queued gauge\nlockstep_matches_queued {queued}\n\
             # HELP lockstep_matches_running Matches being played.\n\
             # TYPE lockstep_matches_running gauge\nlockstep_matches_running {running}"
        );
        let _ = writeln!(
            out,
            "# HELP lockstep_http_requests_total HTTP responses sent, by status code.\n\
             # TYPE lockstep_http_requests_total counter"
        );
        for (i, count) in self.http_statuses.iter().enumerate() {
            let status = STATUSES
                .get(i)
                .map_or("other".to_string(), |s| s.to_string());
            let _ = writeln!(
                out,
                "lockstep_http_requests_total{{status=\"{status}\"}} {}",
                count.load(Relaxed)
            );
        }
        self.http_seconds.render(
            &mut out,
            "lockstep_http_request_seconds",
            "Time from a request's arrival to its response's headers.",
        );
        self.connections.render(&mut out);
        out
    }
}

/// Feeds [`Metrics`] from a match as it is played: each bot tick's fuel and
/// outcome, each tick's wall time (from the end of the previous tick, or the
/// observer's creation, to this tick's end).
pub struct MetricsObserver<'a> {
    metrics: &'a Metrics,
    tick_started: Instant,
}

impl MatchObserver for MetricsObserver<'_> {
    fn bot_tick(&mut self, call: &BotTick<'_>) {
        let m = self.metrics;
        m.bot_ticks.fetch_add(1, Relaxed);
        m.fuel_per_bot_tick.observe(call.report.fuel_used);
        match call.outcome {
            Outcome::OutOfFuel => {
                m.cutoffs.fetch_add(1, Relaxed);
            }
            Outcome::Trap { .. } | Outcome::MemoryExhausted { .. } | Outcome::Exited { .. } => {
                m.traps.fetch_add(1, Relaxed);
            }
            Outcome::Watchdog => {
                m.watchdogs.fetch_add(1, Relaxed);
            }
            _ => {}
        }
    }

    fn tick_end(&mut self, _tick: u32, _state_hash: &StateHash<'_>) {
        let now = Instant::now();
        let elapsed = now.duration_since(self.tick_started);
        self.metrics.tick_seconds.observe(elapsed.as_nanos() as u64);
        self.tick_started = now;
    }
}

/// Middleware counting every response by status (for
/// `lockstep_http_requests_total`): `app.rs` layers it over the whole router
/// with `axum::middleware::from_fn_with_state(state, metrics::track)`.
pub async fn track(
    axum::extract::State(state): axum::extract::State<State>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .http_response(response.status().as_u16(), started.elapsed());
    response
}

pub fn router() -> Router<State> {
    Router::new().route("/metrics", get(metrics))
}

async fn metrics(axum::extract::State(state): axum::extract::State<State>) -> Response {
    let counts = state.db.call(crate::db::matches::queue_counts).await;
    let (queued, running) = match counts {
        Ok(counts) => counts,
        Err(e) => return e.into_response(),
    };
    let mut text = state.metrics.render(queued, running);
    render_ladder(&mut text, &state.ladder);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// The ladder's own gauges and counters: whether it is paused on a full
/// disk (and why), and the pruned replays recorded again.
pub fn render_ladder(out: &mut String, ladder: &crate::ladder::Shared) {
    let _ = writeln!(
        out,
        "# HELP lockstep_ladder_paused 1 while the ladder takes no new match because the disk \
         refused a write (reason: disk_full, disk_failing), else 0.\n\
         # TYPE lockstep_ladder_paused gauge"
    );
    match ladder.pause.reason() {
        Some(reason) => {
            let _ = writeln!(
                out,
                "lockstep_ladder_paused{{reason=\"{}\"}} 1\n\
                 # HELP lockstep_ladder_paused_seconds How long the ladder has been paused.\n\
                 # TYPE lockstep_ladder_paused_seconds gauge\n\
                 lockstep_ladder_paused_seconds {}",
                reason.label(),
                reason.since.elapsed().as_secs()
            );
        }
        None => {
            let _ = writeln!(out, "lockstep_ladder_paused 0");
        }
    }
    let r = &ladder.rerecords;
    let (running, waiting) = r.counts();
    let _ = writeln!(
        out,
        "# HELP lockstep_rerecords_running Pruned replays being recorded again now.\n\
         # TYPE lockstep_rerecords_running gauge\nlockstep_rerecords_running {running}\n\
         # HELP lockstep_rerecords_waiting Pruned replays waiting for a turn to be recorded again.\n\
         # TYPE lockstep_rerecords_waiting gauge\nlockstep_rerecords_waiting {waiting}\n\
         # HELP lockstep_rerecords_total Recordings of pruned replays, by how they ended \
         (stopped: no client waited any more).\n\
         # TYPE lockstep_rerecords_total counter\n\
         lockstep_rerecords_total{{outcome=\"recorded\"}} {}\n\
         lockstep_rerecords_total{{outcome=\"stopped\"}} {}\n\
         lockstep_rerecords_total{{outcome=\"failed\"}} {}\n\
         # HELP lockstep_rerecord_seconds_total Wall time spent recording pruned replays again.\n\
         # TYPE lockstep_rerecord_seconds_total counter\nlockstep_rerecord_seconds_total {}",
        r.recorded.load(Relaxed),
        r.stopped.load(Relaxed),
        r.failed.load(Relaxed),
        r.seconds_ms.load(Relaxed) as f64 / 1000.0
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_with_sum_and_count() {
        let m = Metrics::default();
        m.fuel_per_bot_tick.observe(500);
        m.fuel_per_bot_tick.observe(5_000);
        m.fuel_per_bot_tick.observe(2_000_000_000);
        m.tick_seconds.observe(300_000); // 0.3 ms
        let text = m.render(2, 1);
        assert!(text.contains("lockstep_fuel_per_bot_tick_bucket{le=\"1000\"} 1\n"));
        assert!(text.contains("lockstep_fuel_per_bot_tick_bucket{le=\"10000\"} 2\n"));
        assert!(text.contains("lockstep_fuel_per_bot_tick_bucket{le=\"1000000000\"} 2\n"));
        assert!(text.contains("lockstep_fuel_per_bot_tick_bucket{le=\"+Inf\"} 3\n"));
        assert!(text.contains("lockstep_fuel_per_bot_tick_sum 2000005500\n"));
        assert!(text.contains("lockstep_fuel_per_bot_tick_count 3\n"));
        assert!(text.contains("lockstep_tick_seconds_bucket{le=\"0.00025\"} 0\n"));
        assert!(text.contains("lockstep_tick_seconds_bucket{le=\"0.0005\"} 1\n"));
        assert!(text.contains("lockstep_matches_queued 2\n"));
        assert!(text.contains("lockstep_matches_running 1\n"));
    }

    #[test]
    fn the_ladder_gauges_say_whether_it_is_paused_and_why() {
        let ladder = crate::ladder::Shared::default();
        let mut text = String::new();
        render_ladder(&mut text, &ladder);
        assert!(text.contains("\nlockstep_ladder_paused 0\n"), "{text}");
        assert!(text.contains("lockstep_rerecords_running 0\n"));
        assert!(text.contains("lockstep_rerecords_total{outcome=\"stopped\"} 0\n"));
        let full = crate::storage::Fault::OutOfSpace;
        ladder
            .pause
            .pause(full, "replay of match 3: write: no room", None);
        let mut text = String::new();
        render_ladder(&mut text, &ladder);
        assert!(
            text.contains("lockstep_ladder_paused{reason=\"disk_full\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("lockstep_ladder_paused_seconds 0\n"));
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (name, value) = line.rsplit_once(' ').unwrap();
            assert!(
                value.parse::<f64>().is_ok() && name.starts_with("lockstep_"),
                "{line}"
            );
        }
    }

    #[test]
    fn every_sample_line_is_a_name_labels_and_a_number() {
        let m = Metrics::default();
        m.http_response(200, std::time::Duration::from_millis(3));
        m.http_response(418, std::time::Duration::from_millis(3));
        m.match_done(true, std::time::Duration::from_millis(1500));
        let text = m.render(0, 0);
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (name, value) = line.rsplit_once(' ').unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
            assert!(name.starts_with("lockstep_"), "{line}");
        }
        assert!(text.contains("lockstep_http_requests_total{status=\"200\"} 1\n"));
        assert!(text.contains("lockstep_http_requests_total{status=\"other\"} 1\n"));
        assert!(text.contains("lockstep_matches_total{state=\"finished\"} 1\n"));
        assert!(text.contains("lockstep_match_seconds_total 1.5\n"));
    }
}

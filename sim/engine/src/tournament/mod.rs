//! Tournaments: many two-player matches between a set of bots, played in
//! parallel across worker threads, rated and ranked. `docs/tournament.md`
//! is the user's guide; this is how the pieces fit.
//!
//! - [`Plan`]: every bot (by module hash), map, seed and setting, and how
//!   matches are paired ([`Format`]). Each match gets a [`MatchSpec`]: its
//!   canonical index, its seats, map, game number and seed. Pairings are fair:
//!   a pair plays every map, with the same seed in both seat orders.
//! - [`ResultsFile`]: `results.jsonl`, the plan on the first line and one line
//!   per finished match, appended and synced as each match ends. Opening it
//!   again resumes: finished matches are kept, a torn last line (a kill in
//!   the middle of a write) is cut away, another tournament's file is refused.
//! - [`run`]: plays what is left on worker threads (each match on one thread,
//!   a shared [`Sandbox`](crate::sandbox::Sandbox)); Swiss rounds are paired
//!   from the rounds before them ([`swiss`]).
//! - [`Report`]: ratings (Weng-Lin), standings, the head-to-head matrix and
//!   the results hash, all computed from the results in canonical index
//!   order, never completion order, so they are the same whatever the
//!   thread count and however often the run was interrupted.
//!
//! Only two-player matches: every match is one pair.

mod export;
mod plan;
mod record;
mod results_file;
mod runner;
mod standings;
pub mod swiss;

pub use export::{
    MATRIX_CSV, STANDINGS_CSV, SUMMARY_JSON, matrix_csv, standings_csv, write_reports,
};
pub use plan::{Format, MatchSpec, Plan, PlanBot, PlanMap, TournamentSpec};
pub use record::{FuelHistogram, FuelObserver, MatchRecord, SeatRecord};
pub use results_file::{RESULTS_FILE, ResultsFile};
pub use runner::{Played, Progress, REPLAYS_DIR, RunOptions, play_match, run};
pub use standings::{Matrix, Report, Standing, rate};

use std::path::PathBuf;

/// Why a tournament cannot be set up or finished. What bots do is never an
/// error; each message names the thing and what is wrong with it.
#[derive(Debug, thiserror::Error)]
pub enum TournamentError {
    /// The tournament as asked for cannot be played (too few bots, an
    /// unknown map, zero games, too many threads for the instance pool...).
    #[error("{0}")]
    Invalid(String),
    /// A match could not be played at all (not something a bot did).
    #[error("match {index} could not be played: {message}")]
    Match { index: u64, message: String },
    /// The results file cannot be used: unreadable, damaged, in use, or
    /// another tournament's.
    #[error("results file '{}': {message}", path.display())]
    Results { path: PathBuf, message: String },
    /// Writing an output (a replay, a report) failed.
    #[error("cannot write '{}': {error}", path.display())]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
}

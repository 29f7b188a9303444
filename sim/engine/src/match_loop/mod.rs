//! The match loop: the one place where the sandbox and the game meet.
//!
//! Each tick: observe every live player, encode, run all bots in parallel,
//! then decode and submit their orders in seat order (whatever thread
//! finished first), then step the game.

mod config;
mod pool;
mod result;
mod runner;

pub use config::{MatchConfig, OverrunPolicy};
pub use result::{LOG_TAIL, LogLine, MatchResult, PlayerResult, TickFailure};
pub use runner::Match;

use crate::games::UnknownGame;
use crate::sandbox::{BotModule, CallReport, Outcome, Sandbox};
use lockstep_game_api::{DynGame, SetupError};
use std::cell::OnceCell;

/// A bot taking a seat: its display name and its loaded module.
#[derive(Clone, Debug)]
pub struct Entrant {
    pub name: String,
    pub module: BotModule,
}

/// Why a match could not be played at all. What bots do is never an error.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error(transparent)]
    UnknownGame(#[from] UnknownGame),
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error("could not start the bot worker threads: {0}")]
    Threads(#[from] std::io::Error),
    #[error("internal error: a bot worker thread died during tick {0}")]
    WorkerDied(u32),
    #[error(
        "a tick budget of {0} fuel cannot be used with the `resume` overrun policy: the \
         watchdog checks the clock between equal slices of a tick's fuel, and {0} has no \
         divisor between 62,500 and 1,000,000; use a multiple of 1,000,000 (--fuel, or \
         [budget] tick_fuel)"
    )]
    ResumeSlices(u64),
}

/// One bot's tick as the match loop applied it.
pub struct BotTick<'a> {
    pub tick: u32,
    pub seat: usize,
    /// The fuel this call could spend this tick: the tick budget, plus the
    /// bucket and (on tick 0 or after a reset) the init remainder; under
    /// `resume`, that rounded down to whole tick budgets.
    pub budget: u64,
    pub report: &'a CallReport,
    /// The outcome after decoding the output (`report.outcome` unless the
    /// output did not decode).
    pub outcome: &'a Outcome,
    /// The orders submitted to the game: none unless the outcome is `Ok`.
    pub actions: &'a SubmittedActions<'a>,
}

/// A bot's orders as the game took them this tick. Their canonical bytes
/// (the game's postcard encoding of the list) are made the first time they
/// are asked for: only observers that record them pay for them.
pub struct SubmittedActions<'a> {
    game: &'a dyn DynGame,
    seat: usize,
    count: usize,
    canonical: OnceCell<Vec<u8>>,
}

impl<'a> SubmittedActions<'a> {
    pub fn new(game: &'a dyn DynGame, seat: usize, count: usize) -> SubmittedActions<'a> {
        SubmittedActions {
            game,
            seat,
            count,
            canonical: OnceCell::new(),
        }
    }

    /// How many orders were submitted.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The orders as the game's canonical bytes.
    pub fn canonical(&self) -> &[u8] {
        self.canonical.get_or_init(|| {
            let mut out = Vec::new();
            self.game.submitted_canonical(self.seat, &mut out);
            out
        })
    }
}

/// Sees a match as it is played, in a deterministic order, e.g. to record a
/// replay or per-tick fuel. The default methods do nothing.
pub trait MatchObserver {
    /// A bot's instantiation and `lockstep_init` (tick 0 before its first
    /// call, or the tick of a `reset`), reported before that tick's calls.
    fn bot_init(&mut self, _tick: u32, _seat: usize, _report: &CallReport) {}

    /// One bot's tick, in seat order.
    fn bot_tick(&mut self, _call: &BotTick<'_>) {}

    /// The tick has been stepped; `state_hash` gives the world's hash after
    /// it, computed only if an observer asks for it.
    fn tick_end(&mut self, _tick: u32, _state_hash: &StateHash<'_>) {}
}

/// The world's state hash at the end of a tick ([`DynGame::state_hash`]),
/// computed the first time it is asked for and then kept: observers that
/// never look at it cost nothing, and several that do share one computation.
pub struct StateHash<'a> {
    game: &'a dyn DynGame,
    hash: OnceCell<[u8; 32]>,
}

impl<'a> StateHash<'a> {
    pub fn new(game: &'a dyn DynGame) -> StateHash<'a> {
        StateHash {
            game,
            hash: OnceCell::new(),
        }
    }

    pub fn get(&self) -> &[u8; 32] {
        self.hash.get_or_init(|| self.game.state_hash())
    }
}

impl MatchObserver for () {}

/// `entrants` can sit down to `config`'s game: the game is known and
/// seats that many bots. Checked before anything is loaded or played.
pub fn check_seats(config: &MatchConfig, entrants: usize) -> Result<(), MatchError> {
    let game = crate::games::find(&config.game)?;
    let (min, max) = game.seats();
    if !(min..=max).contains(&entrants) {
        return Err(MatchError::Setup(SetupError::Seats {
            game: game.name(),
            given: entrants,
            min,
            max,
        }));
    }
    Ok(())
}

/// Plays a whole match. Deterministic: the same entrants (by module hash) and
/// config give the same result, whatever `config.threads` is.
pub fn run_match(
    sandbox: &Sandbox,
    entrants: &[Entrant],
    config: &MatchConfig,
) -> Result<MatchResult, MatchError> {
    run_match_observed(sandbox, entrants, config, &mut ())
}

/// [`run_match`], telling `observer` about every bot call.
pub fn run_match_observed(
    sandbox: &Sandbox,
    entrants: &[Entrant],
    config: &MatchConfig,
    observer: &mut dyn MatchObserver,
) -> Result<MatchResult, MatchError> {
    let mut game = Match::new(sandbox, entrants, config)?;
    while !game.is_over() {
        game.play_tick(observer)?;
    }
    Ok(game.finish())
}

//! What a match of a game starts from, and why it may not start.

use serde::{Deserialize, Serialize};

/// Where a match's map comes from.
#[derive(Clone, Copy, Debug)]
pub enum MapChoice<'a> {
    /// A bundled map's name, a path to a map file or a generator spec
    /// (`random:WxH`), read as the game reads them.
    Spec(&'a str),
    /// The map exactly as a replay recorded it ([`crate::Game::recorded_map`]):
    /// no file, no generator, so a replay plays again anywhere.
    Recorded(&'a RecordedMap),
}

/// A map as played, in the game's own text form (for a grid game, its rows).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedMap {
    /// The name it was chosen by (a bundled name, a file's name, a spec).
    pub name: String,
    /// Whatever the game needs to build the same map again.
    pub data: String,
}

/// Everything a game needs to start a match.
#[derive(Clone, Copy, Debug)]
pub struct Setup<'a> {
    pub map: MapChoice<'a>,
    /// Bots seated, within the game's [`crate::Game::SEATS`].
    pub seats: usize,
    /// The match seed: a game draws its own randomness (map generation,
    /// food spawns, ...) from it and from nothing else.
    pub seed: u64,
    /// The game's settings as a JSON object (its rules' numbers, its tick
    /// limit, ...); missing keys take the game's defaults, unknown keys are
    /// refused. `null` means every default.
    pub settings: &'a serde_json::Value,
}

/// What the engine tells every bot about its budget and limits, for the game
/// to put in its init message (the game does not enforce them: the sandbox does).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EngineLimits {
    /// Fuel for instantiation and for `lockstep_init`, each.
    pub init_fuel: u64,
    /// Fuel for each `lockstep_tick` call.
    pub tick_fuel: u64,
    /// The largest output a call may return.
    pub max_output_bytes: u32,
    pub max_log_lines: u32,
    pub max_log_line_bytes: u32,
    /// The most linear memory an instance may have.
    pub max_memory_bytes: u64,
}

/// Why a match could not start. What bots do is never an error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    #[error("a match of {game} needs {min} to {max} bots, not {given}")]
    Seats {
        game: &'static str,
        given: usize,
        min: usize,
        max: usize,
    },
    /// The map spec or recorded map is unusable; the message says which and why.
    #[error("{0}")]
    Map(String),
    /// The settings are unusable; the message names the key.
    #[error("{game} settings: {message}")]
    Settings { game: &'static str, message: String },
    /// A bug in the game, not in the input (e.g. its schedule did not build).
    #[error("internal error in the {game} game: {message}")]
    Internal { game: &'static str, message: String },
}

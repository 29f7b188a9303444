//! Why a map could not be read, generated or fitted to a player count.

use thiserror::Error;

/// Every message names the map and, for text maps, the line and column, so a map
/// author can fix the file without reading this crate.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum MapError {
    #[error("map '{map}' has no rows")]
    Empty { map: String },

    #[error(
        "map '{map}' line {line}, column {column}: unexpected character {found:?} (allowed: # . * A-H)"
    )]
    UnexpectedChar {
        map: String,
        line: usize,
        column: usize,
        found: char,
    },

    #[error("map '{map}' line {line}: row is {found} cells wide, but the first row is {expected}")]
    RaggedRow {
        map: String,
        line: usize,
        found: usize,
        expected: usize,
    },

    #[error("map '{map}' is {width}x{height}: width and height must be 8..=128")]
    Size {
        map: String,
        width: usize,
        height: usize,
    },

    #[error(
        "map '{map}' line {line}, column {column}: second core '{letter}' (the first is at line {first_line}, column {first_column})"
    )]
    DuplicateCore {
        map: String,
        letter: char,
        line: usize,
        column: usize,
        first_line: usize,
        first_column: usize,
    },

    #[error(
        "map '{map}' has core '{highest}' but no core '{missing}': core letters must run from A without gaps"
    )]
    CoreGap {
        map: String,
        missing: char,
        highest: char,
    },

    #[error("map '{map}' has {cores} core(s); a map needs at least 2")]
    TooFewCores { map: String, cores: usize },

    #[error("map '{map}': {what} cannot be reached from core A over floor")]
    Unreachable { map: String, what: String },

    #[error("map '{map}' has {cores} cores but {players} players were asked for")]
    NotEnoughCores {
        map: String,
        cores: usize,
        players: usize,
    },

    #[error("a match needs 2 to 8 players, got {players}")]
    Players { players: usize },

    #[error("random map size {width}x{height} out of range: width and height must be 8..=128")]
    RandomSize { width: u32, height: u32 },

    #[error("random maps support 2 to 4 players, got {players}")]
    RandomPlayers { players: usize },

    #[error(
        "random maps for {players} players must be square (4-fold symmetry), got {width}x{height}"
    )]
    RandomNotSquare {
        players: usize,
        width: u16,
        height: u16,
    },

    #[error("bad random map spec '{spec}': expected random:WIDTHxHEIGHT, e.g. random:32x32")]
    RandomSpec { spec: String },

    #[error("could not generate a connected {width}x{height} map for {players} players")]
    Generate {
        width: u16,
        height: u16,
        players: usize,
    },

    #[error("no bundled map named '{spec}' and no file at that path (bundled maps: {bundled})")]
    NotFound { spec: String, bundled: String },

    #[error("cannot read map file '{path}': {message}")]
    Io { path: String, message: String },
}

//! Why a game could not be set up.

use thiserror::Error;

use crate::MapError;

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum GameError {
    /// The map does not fit the player count (or the count is out of range).
    #[error(transparent)]
    Map(#[from] MapError),

    #[error("bad game config: {field} is {value}, {requirement}")]
    Config {
        field: &'static str,
        value: u64,
        requirement: &'static str,
    },

    /// The step schedule did not build (a bug in this crate, not in the input).
    #[error("the game's step schedule did not build: {0}")]
    Schedule(String),
}

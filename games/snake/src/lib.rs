//! Snake, the second Lockstep game: BattleSnake's standard rules as
//! `bevy_ecs` systems, hosted through `lockstep_game_api::Game`.
//!
//! The rules, with numbers, are in `docs/games/snake.md`; the wire types are
//! `lockstep-snake-sdk`'s. Register [`DEF`] in the engine's list of games.
//!
//! Determinism: everything lives in plain resources indexed by seat or
//! cell, never `Entity`; the schedule is single-threaded, chained, and
//! refuses to build with ambiguities; the only randomness is one
//! `ChaCha8Rng` of the match seed on its own stream ([`RNG_STREAM`]), drawn
//! in a fixed order (start, then each tick's food, then royale sides).

/// The name players and configs choose it by.
pub const NAME: &str = "snake";

/// The version of the rules in `docs/games/snake.md`. Bumped by any change
/// that can make the same orders play out differently.
pub const RULES_VERSION: u32 = 1;

/// The ChaCha stream of the match seed the game draws from ("snake" in
/// ASCII): apart from the engine's streams (map 0, bot seeds 1, host 2).
pub const RNG_STREAM: u64 = 0x0073_6e61_6b65;

mod game;
mod hash;
mod hosted;
pub mod map;
mod settings;
mod setup;
mod state;
mod systems;

pub use game::Snake;
pub use hosted::DEF;
pub use map::{Board, MapError};
pub use settings::{MAX_HEALTH, Settings};
pub use setup::START_LENGTH;

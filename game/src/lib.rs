//! The reference game of Lockstep, as `bevy_ecs` systems.
//!
//! Observations in, actions out: this crate knows nothing of wasm or encodings.
//! The match loop calls, each tick, [`Game::observe`] for every live player,
//! [`Game::submit`] for every player in id order, then [`Game::step`].
//! The rules, with numbers, are in `docs/rules.md`.
//!
//! Determinism: units are entities, but every rule walks our own ids
//! (`UnitId`, `PlayerId`, cell index), never `Entity` or query order; the
//! schedule is single-threaded, chained, and refuses to build with ambiguities;
//! the only randomness (map generation) is a seeded `ChaCha8Rng`.

/// The version of the rules in `docs/rules.md`. Bumped by any change that can
/// make the same orders play out differently; replays record it, and one made
/// under other rules is refused rather than misread.
pub const RULES_VERSION: u32 = 1;

mod config;
mod decode;
mod encode;
mod error;
mod game;
mod hash;
mod hosted;
pub mod map;
mod orders;
mod score;
mod state;
mod systems;

pub use config::GameConfig;
pub use error::GameError;
pub use game::Game;
pub use hosted::DEF;
pub use map::{Map, MapError};
pub use score::Score;

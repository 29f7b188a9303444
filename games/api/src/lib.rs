//! The game interface: what a game implements so that the Lockstep engine
//! can host it, with its sandbox, fuel budgets, deterministic ticks,
//! verifiable replays, tournaments, `tune` and the ladder server.
//!
//! A game implements [`Game`] over its own wire types (what a bot is told
//! and what it answers), and registers [`def::<MyGame>()`](def) in the
//! engine's list of games. The engine only ever holds a [`DynGame`]: the
//! same calls with the wire types encoded, in each bot's encoding (postcard
//! or JSON, ABI v1). `docs/new-game.md` walks through adding one.
//!
//! This crate never names the engine, wasm, threads or time, and no game
//! can reach them through it.

mod erased;
mod game;
mod setup;

pub use erased::{DynGame, GameDef, def};
pub use game::Game;
pub use lockstep_bot::{ABI_VERSION, DecodeError, Encoding};
pub use setup::{EngineLimits, MapChoice, RecordedMap, Setup, SetupError};

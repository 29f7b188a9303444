//! Lockstep without a network: the engine (`lockstep-engine`: the match
//! loop, replays, tournaments) re-exported beside what this crate adds: the
//! bundled bots, the starter kits, the admin config, `tune` and the
//! `lockstep` CLI.

pub mod bundled;
pub mod distributed;
pub mod fuel;
pub mod kits;
pub mod settings;
pub mod tune;

pub use lockstep_engine::{games, json, match_loop, replay, tournament};

/// The wasm sandbox, a crate of its own (`sim/sandbox`) so that it cannot
/// name the match loop or a game.
pub use lockstep_sandbox as sandbox;

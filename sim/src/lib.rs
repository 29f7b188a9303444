//! Lockstep without a network: the wasm sandbox, the match loop, the CLI.

pub mod bundled;
pub mod fuel;
pub mod games;
pub mod json;
pub mod kits;
pub mod match_loop;
pub mod replay;
pub mod settings;
pub mod tournament;
pub mod tune;

/// The wasm sandbox, a crate of its own (`sim/sandbox`) so that it cannot
/// name the match loop or a game.
pub use lockstep_sandbox as sandbox;

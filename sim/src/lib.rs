//! Lockstep without a network: the wasm sandbox, the match loop, the CLI.

pub mod bundled;
pub mod fuel;
pub mod kits;
pub mod match_loop;
pub mod replay;
pub mod sandbox;
pub mod settings;
pub mod tournament;
pub mod tune;

//! Write a Lockstep bot in Rust.
//!
//! Implement [`Bot`] on a struct that holds your state between ticks, add one
//! line, `lockstep_sdk::export_bot!(MyBot);`, and build the crate as a `cdylib`
//! for `wasm32-unknown-unknown`. The same types describe the wire format of ABI
//! v1 in both its encodings; `docs/abi.md` is the contract for other languages.
//!
//! This crate is the reference game's SDK: its wire types ([`types`]), the
//! [`nav`] and [`testing`] helpers, and [`Bot`] and [`export_bot!`] over the
//! game-independent glue of `lockstep-bot` (encodings, ABI v1, the runner,
//! [`log!`]), which it re-exports.
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod abi;
pub mod encoding;
pub mod nav;
pub mod testing;
pub mod types;

/// `log!`: one line into the bot's log for this tick (`lockstep-bot`'s).
pub use lockstep_bot::log;

pub use abi::{ABI_VERSION, Bot, Runner};
pub use encoding::{DecodeError, Encoding, decode, encode, encode_into};
pub use types::*;
